"""Build hook: the wheel carries the bundled data.

``data_samples/`` stays at the top of the repository, where learners see it; building a wheel copies it
into the package as ``yolox_edu/data_samples`` so that ``pip install .`` works from any folder.
``yolox_edu/samples.py`` finds either copy. An editable install (``pip install -e .``) copies nothing
and reads the checkout's folder. Everything else is in pyproject.toml."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SAMPLES = "data_samples"
NOT_SHIPPED = ("tools", "__pycache__", "*.pyc", ".ipynb_checkpoints")  # the photo json's maker stays in the repo


class BuildPyWithSamples(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "yolox_edu" / SAMPLES
        shutil.copytree(ROOT / SAMPLES, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*NOT_SHIPPED))


setup(cmdclass={"build_py": BuildPyWithSamples})
