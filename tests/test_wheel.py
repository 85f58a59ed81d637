"""The wheel works outside the checkout: the path of a learner who runs ``pip install .`` (or installs the
course on a hosted notebook service) and works in another folder.

Builds the wheel from a copy of the sources, installs it into a throwaway venv that reuses this
environment's torch and friends (a ``.pth`` line, so nothing is downloaded), and from a temporary folder
runs a course notebook (whose first cell loads the demo model), ``yolox-edu train --preset demo`` for two
steps and ``yolox-edu predict`` on a bundled image. Every one of them must use the installed package
and the data inside it, not this checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "yolox_edu", "data_samples")
NOTEBOOK = "00_welcome.ipynb"  # quick, and uses the demo checkpoint, synth and photos
IMAGE = "synth/val/000013.jpg"
FIRST_CELL = """import yolox_edu
from yolox_edu import course
model = course.load_demo_model()
print(yolox_edu.__file__)
print(course.data_samples())
print(model.num_classes)"""
RUN_NOTEBOOK = """import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

path = Path(sys.argv[1])
nb = nbformat.read(path, as_version=4)
nb.cells.insert(0, nbformat.v4.new_code_cell(sys.argv[2]))
NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
print(nb.cells[0].outputs[0]["text"], end="")"""

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
    return proc.stdout


def build_wheel(tmp: Path, env: dict[str, str]) -> Path:
    """The wheel, built from a copy of the sources (an in-tree build would write build/ into the checkout)."""
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(ROOT / name, src / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
          "-w", str(tmp / "dist"), str(src)], tmp, env)
    (wheel,) = (tmp / "dist").glob("yolox_edu-*.whl")
    return wheel


def venv_with_wheel(tmp: Path, wheel: Path, env: dict[str, str]) -> Path:
    """A fresh venv holding the wheel; this environment's packages (torch…) reach it through a .pth line.

    Lines of a .pth file join sys.path, but .pth files inside them are not read, so the editable
    install of this checkout (a .pth or finder in our site-packages) stays out of the venv."""
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], tmp, env)
    python = venv / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp,
                     env).strip())
    (site / "reuse_outer_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--ignore-installed", str(wheel)],
         tmp, env)
    return venv


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "YOLOX_EDU_DATA", "VIRTUAL_ENV")}
    env.update(MPLBACKEND="module://matplotlib_inline.backend_inline", MPLCONFIGDIR=str(tmp_path / "mpl"))
    wheel = build_wheel(tmp_path, env)
    names = zipfile.ZipFile(wheel).namelist()
    for shipped in ("demo/yolox_nano_shapes.pth", "synth/annotations/instances_val.json", IMAGE,
                    "photos/annotations/instances_samples.json", "LICENSES.md"):
        assert f"yolox_edu/data_samples/{shipped}" in names, shipped
    venv = venv_with_wheel(tmp_path, wheel, env)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "notebooks").mkdir(parents=True)
    shutil.copy2(ROOT / "notebooks" / NOTEBOOK, elsewhere / "notebooks")

    # a notebook copied elsewhere; its first cell loads the demo model and says where things came from
    out = _run([str(venv / "bin" / "python"), "-c", RUN_NOTEBOOK, str(elsewhere / "notebooks" / NOTEBOOK),
                FIRST_CELL], elsewhere, env).splitlines()
    package, data, num_classes = Path(out[-3]), Path(out[-2]), int(out[-1])
    assert package.is_relative_to(venv) and data.is_relative_to(venv), (package, data)
    assert data == package.parent / "data_samples" and num_classes == 6

    yolox_edu = [str(venv / "bin" / "yolox-edu")]
    _run([*yolox_edu, "train", "--preset", "demo", "--out", "run", "--no-progress", "--set", "max_epoch=1",
          "--set", "max_iters_per_epoch=2", "--set", "data.batch_size=4", "--set", "eval.conf_thresh=0.3"],
         elsewhere, env)
    metrics = json.loads((elsewhere / "run" / "metrics.json").read_text())
    assert set(metrics["per_class"]) == {"circle", "square", "triangle", "star", "ring", "cross"}
    config = json.loads((elsewhere / "run" / "config.json").read_text())
    assert Path(config["data"]["dir"]) == data / "synth", "the demo preset trains on the installed data"

    _run([*yolox_edu, "predict", "--model", "yolox-nano", "--ckpt", str(data / "demo" / "yolox_nano_shapes.pth"),
          "--image", str(data / IMAGE), "--out", "pred.jpg", "--json", "pred.json"], elsewhere, env)
    found = json.loads((elsewhere / "pred.json").read_text())
    assert (elsewhere / "pred.jpg").is_file() and found and found[0]["class_name"] in metrics["per_class"]
