import re
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pins(text: str) -> dict[str, str]:
    return {m[1].lower(): m[2] for m in re.finditer(r"^\s*-?\s*([A-Za-z0-9_.\-]+)==([^\s#]+)", text, re.M)}


def test_environment_yml_agrees_with_lock():
    lock = _pins((ROOT / "requirements-lock.txt").read_text())
    env = _pins((ROOT / "environment.yml").read_text())
    assert lock["torch"] == "2.14.1" and lock["torchvision"] == "0.29.1"
    assert {"torch", "torchvision", "numpy", "pycocotools", "jupyterlab", "ipywidgets"} <= set(env)
    mismatched = {k: (v, lock.get(k)) for k, v in env.items() if lock.get(k) != v}
    assert not mismatched, f"environment.yml pins differ from requirements-lock.txt: {mismatched}"


def test_every_runtime_dependency_is_locked():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [d for group in (project["dependencies"], *project["optional-dependencies"].values()) for d in group]
    deps = [re.match(r"[A-Za-z0-9_.\-]+", d)[0] for d in names]
    lock = _pins((ROOT / "requirements-lock.txt").read_text())
    missing = [d for d in deps if d.lower() not in lock]
    assert not missing, f"not pinned in requirements-lock.txt: {missing}"


def test_layout_of_the_product_card():
    for name in ["yolox_edu", "notebooks", "exercises", "solutions", "tests", "data_samples", "environment.yml",
                 "README.md", "pyproject.toml", "Makefile", ".ci/run"]:
        assert (ROOT / name).exists(), name
