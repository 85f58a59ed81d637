"""Every course notebook runs top to bottom on a real kernel, offline, from a temporary copy.

Fails when a notebook errors, was committed with outputs or execution counts, or runs past its budget
(90 s on 2 cores; 09 trains and may take 150 s). Each notebook's wall time is printed (``-s`` or the
``-ra`` summary shows it) and appended to the file ``$NOTEBOOK_TIMES_FILE`` when that is set.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
DEFAULT_BUDGET_S = 90.0
BUDGET_S = {"09": 150.0, "13": 120.0}  # 09 runs the demo preset briefly; 13 trains two roadmap rungs
ALL = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
MIN_NOTEBOOKS = 13  # 00_welcome … 12_your_own_data at least; later chapters append numbers


def _budget(path: Path) -> float:
    return BUDGET_S.get(path.name[:2], DEFAULT_BUDGET_S)


def committed_outputs(nb: nbformat.NotebookNode) -> list[int]:
    """Indices of code cells that carry outputs or an execution count."""
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None)]


def times_file() -> Path | None:
    """The file named by ``$NOTEBOOK_TIMES_FILE`` (None when unset); a value that looks like a flag
    (``1``, ``yes``, ``-v``) is refused rather than written to as a file of that name."""
    value = os.environ.get("NOTEBOOK_TIMES_FILE", "")
    if not value:
        return None
    if value.startswith("-") or value.lower() in {"0", "1", "true", "false", "yes", "no", "on", "off"}:
        raise ValueError(f"NOTEBOOK_TIMES_FILE={value!r} looks like a flag; it names the file the notebook "
                         "times are appended to, e.g. NOTEBOOK_TIMES_FILE=/tmp/notebook_times.txt")
    return Path(value)


def test_numbered_notebooks_run_from_00_without_gaps():
    numbers = [int(p.name[:2]) for p in ALL]
    assert numbers == list(range(len(numbers))), f"numbers must run 00, 01, … without gaps or repeats: {numbers}"
    assert len(numbers) >= MIN_NOTEBOOKS, f"expected at least {MIN_NOTEBOOKS} numbered notebooks, found {len(numbers)}"


@pytest.mark.parametrize("value", ["1", "true", "-v", "ON"])
def test_times_file_refuses_a_flag_like_value(value: str, monkeypatch):
    monkeypatch.setenv("NOTEBOOK_TIMES_FILE", value)
    with pytest.raises(ValueError, match="looks like a flag"):
        times_file()


def test_times_file_is_a_path_or_none(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("NOTEBOOK_TIMES_FILE", raising=False)
    assert times_file() is None
    monkeypatch.setenv("NOTEBOOK_TIMES_FILE", str(tmp_path / "times.txt"))
    assert times_file() == tmp_path / "times.txt"


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_committed_clean(path: Path):
    nb = nbformat.read(path, as_version=4)
    dirty = committed_outputs(nb)
    assert not dirty, f"{path.name}: code cells {dirty} hold outputs; clear them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernel must be python3"


@pytest.mark.notebook
@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_notebook_runs(path: Path, tmp_path: Path):
    from nbclient import NotebookClient

    times = times_file()  # refused before the run, not after it
    work = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, work, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "*.png"))
    nb = nbformat.read(work / path.name, as_version=4)
    env_backup = {k: os.environ.get(k) for k in ("MPLBACKEND", "MPLCONFIGDIR")}
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["MPLCONFIGDIR"] = str(tmp_path / "mpl")
    budget = _budget(path)
    client = NotebookClient(nb, kernel_name="python3", timeout=int(budget) + 60, store_widget_state=True,
                            resources={"metadata": {"path": str(work)}})
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        for k, v in env_backup.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    took = time.perf_counter() - start
    line = f"{path.name}: {took:.1f} s (budget {budget:.0f} s)"
    print(line)
    if times is not None:
        with open(times, "a") as f:
            f.write(line + "\n")
    if os.environ.get("NOTEBOOK_OUT"):  # keep the executed copy (figures to look at)
        out = Path(os.environ["NOTEBOOK_OUT"])
        out.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, out / path.name)
    assert took <= budget, f"{path.name} took {took:.1f} s, over its {budget:.0f} s budget on this machine"
