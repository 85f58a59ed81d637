"""The command line stays instant: ``--help``, usage errors and ``import yolox_edu`` import no torch (PEP 562
lazy packages), and no lazily exported name is hidden by a submodule of the same name."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

HEAVY = ("torch", "torchvision", "matplotlib")
PACKAGES = ("yolox_edu", "yolox_edu.train", "yolox_edu.eval", "yolox_edu.data", "yolox_edu.export")


def _modules_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; the heavy modules it left in ``sys.modules``."""
    probe = f"import sys\n{code}\nprint('LOADED:', *(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.rsplit("LOADED:", 1)[1].split())


def _cli(argv: list[str]) -> str:
    return f"""
from yolox_edu.cli import main
try:
    main({argv!r})
except SystemExit:
    pass
"""


def test_import_yolox_edu_loads_no_torch():
    assert _modules_after("import yolox_edu, yolox_edu.train, yolox_edu.eval, yolox_edu.data, yolox_edu.export") \
        == set()


@pytest.mark.parametrize("argv", [["--help"], [], ["train", "--help"], ["eval", "--help"], ["predict", "--help"],
                                  ["export", "--help"], ["data", "--help"], ["grade", "--help"],
                                  ["train", "--no-such-option"], ["no-such-command"]])
def test_help_and_usage_errors_load_no_torch(argv):
    assert _modules_after(_cli(argv)) == set(), f"yolox-edu {' '.join(argv)} imported torch"


def test_every_subcommand_help_loads_no_torch():
    from yolox_edu.cli import build_parser

    commands = sorted(build_parser()._subparsers._group_actions[0].choices)
    code = "\n".join(_cli([c, "--help"]) for c in commands)
    assert _modules_after(code) == set(), f"one of {commands} --help imported torch"


def test_a_name_still_loads_its_module():
    assert _modules_after("import yolox_edu; yolox_edu.build_model") >= {"torch"}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_export_is_hidden_by_a_submodule(package):
    pkg = importlib.import_module(package)
    for info in pkgutil.iter_modules(pkg.__path__, package + "."):  # import every submodule first
        if not info.name.endswith(("__main__",)):
            importlib.import_module(info.name)
    for name, module in pkg._EXPORTS.items():
        expected = getattr(importlib.import_module(module, package), name)
        assert getattr(pkg, name) is expected, f"{package}.{name} is {getattr(pkg, name)!r}, not the export"
        assert name in dir(pkg)


def test_predict_is_the_function():
    import yolox_edu

    assert callable(yolox_edu.predict) and yolox_edu.predict.__module__ == "yolox_edu.inference"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        yolox_edu.nope  # noqa: B018
