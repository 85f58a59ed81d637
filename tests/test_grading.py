"""The graded exercises: plain pytest (``python -m pytest --pyargs yolox_edu.grading``) fails every grading test on
the untouched stubs and passes every one on solutions/; stubs and solutions agree on names and signatures; and
``yolox-edu grade`` survives a learner (syntax error, endless loop, exception, segfault, os._exit) with its exit
codes and outputs (JSON, JUnit, Gradescope, a class CSV under CPU-time limits).
"""

from __future__ import annotations

import ast
import csv
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from yolox_edu.cli import main
from yolox_edu.grading import check
from yolox_edu.grading.catalog import EXERCISES, NOTEBOOK_OF

ROOT = Path(__file__).resolve().parents[1]
STUBS, SOLUTIONS = ROOT / "exercises", ROOT / "solutions"
GRADED = [name for name in EXERCISES if (SOLUTIONS / f"{name}.py").exists()]  # the roadmap's two may be absent

pytestmark = pytest.mark.grading


def plain_pytest(folder: Path, tmp: Path) -> tuple[int, list[dict]]:
    """``python -m pytest --pyargs yolox_edu.grading --exercises-dir FOLDER``, as a teacher or CI would run it
    (no ``-p``: the installed package registers the plugin); returns pytest's exit code and the plugin's JSON
    lines."""
    report = tmp / "report.jsonl"
    env = {k: v for k, v in os.environ.items() if k != "YOLOX_EDU_EXERCISES"} | {"OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "pytest", "--pyargs", "yolox_edu.grading", "-q", "-p", "no:cacheprovider",
           "--exercises-dir", str(folder), "--grading-report", str(report)]
    proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, [json.loads(line) for line in report.read_text().splitlines()]


@pytest.fixture(scope="module")
def stub_run(tmp_path_factory) -> tuple[int, str]:
    """Exactly the documented command, ``python -m pytest --pyargs yolox_edu.grading`` (no -p), on the stubs."""
    env = {**os.environ, "YOLOX_EDU_EXERCISES": str(STUBS), "OMP_NUM_THREADS": "1", "COLUMNS": "400"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "yolox_edu.grading", "-q", "-rf",
                           "-p", "no:cacheprovider"], cwd=tmp_path_factory.mktemp("stubs"), env=env,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout


@pytest.fixture(scope="module")
def solution_run(tmp_path_factory) -> tuple[int, list[dict]]:
    start = time.perf_counter()
    run = plain_pytest(SOLUTIONS, tmp_path_factory.mktemp("solutions"))
    print(f"plain pytest on solutions/: {time.perf_counter() - start:.1f} s")
    return run


def _by_exercise(lines: list[dict], kind: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in lines:
        if r["type"] == kind:
            out.setdefault(r["exercise"], []).append(r)
    return out


def test_every_exercise_has_a_module_with_points_and_hints(solution_run):
    plan = _by_exercise(solution_run[1], "plan")
    assert len(EXERCISES) >= 16 and set(NOTEBOOK_OF) == set(EXERCISES)
    assert set(plan) == set(GRADED), "an exercise without grading tests (or tests without an exercise)"
    for name, tests in plan.items():
        assert len(tests) >= 3 and all(t["points"] > 0 for t in tests), name
    source = "".join(p.read_text() for p in (ROOT / "yolox_edu" / "grading" / "tests").glob("test_*.py"))
    assert source.count("@pytest.mark.hint(") >= sum(map(len, plan.values())) * 0.8, "tests without a hint"


def test_plain_pytest_passes_every_grading_test_on_the_solutions(solution_run):
    code, lines = solution_run
    failed = [f"{r['exercise']}.{r['test']}: {r['message']}" for r in lines if r["type"] == "result"
              and r["status"] != "pass"]
    assert not failed, "\n".join(failed)
    assert code == 0 and len([r for r in lines if r["type"] == "result"]) == len([r for r in lines
                                                                                  if r["type"] == "plan"])


def test_plain_pytest_fails_every_grading_test_on_the_stubs(stub_run, solution_run):
    code, out = stub_run
    num_tests = len([r for r in solution_run[1] if r["type"] == "plan"])
    failed = [line for line in out.splitlines() if line.startswith("FAILED ")]
    assert code == 1 and f"{num_tests} failed" in out.splitlines()[-1], out[-2000:]
    assert len(failed) == num_tests and all(line.endswith("NotImplementedError") for line in failed), failed[:3]
    assert re.search(r"^total\s+0/\d+$", out, re.M), "no 'total 0/N' in the plugin's points summary"


def _public_api(path: Path) -> dict[str, list[str]]:
    """Top-level functions and classes (with their methods' and functions' argument names)."""
    api = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef):
            api[node.name] = [a.arg for a in node.args.args + node.args.kwonlyargs]
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef):
                    api[f"{node.name}.{item.name}"] = [a.arg for a in item.args.args + item.args.kwonlyargs]
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            api.update({t.id: [] for t in targets if isinstance(t, ast.Name) and t.id.isupper()})
    return {k: v for k, v in api.items() if not k.startswith("_")}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", GRADED)
def test_stub_and_solution_agree_and_use_torch_numpy_only(name):
    stub, solution = STUBS / f"{name}.py", SOLUTIONS / f"{name}.py"
    stub_api = _public_api(stub)
    assert stub_api, f"{stub} defines nothing"
    solution_api = _public_api(solution)
    assert {k: solution_api.get(k) for k in stub_api} == stub_api, f"{name}: solution names/signatures differ"
    for path in (stub, solution):
        assert _imports(path) <= {"__future__", "torch", "numpy", "math"}, f"{path}: imports {_imports(path)}"
    text = stub.read_text()
    assert "NotImplementedError" in text and "Example" in text and f"yolox-edu grade {name}" in text


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["grade", "no_such_exercise", "--dir", str(ROOT)]) == 2
    assert "unknown exercise" in capsys.readouterr().err
    assert main(["grade", "--dir", str(tmp_path)]) == 2  # no exercises/ folder there
    assert "no exercises folder" in capsys.readouterr().err
    assert main(["grade", "--class", str(tmp_path)]) == 2  # no --out
    assert "--out" in capsys.readouterr().err


LR = (SOLUTIONS / "lr_schedule.py").read_text()
SYNTAX_ERROR = "def cxcywh_to_xyxy(boxes):\n    return boxes[..., :2] +\n"
# a learner's yolox_lr that never returns, crashes the interpreter, or leaves it without a word
ENDLESS = LR + "\n\ndef yolox_lr(*args, **kwargs):\n    while True:\n        pass\n"
SEGFAULT = LR + "\n\ndef yolox_lr(*args, **kwargs):\n    import ctypes\n    ctypes.string_at(0)\n"
SILENT_EXIT = LR + "\n\ndef yolox_lr(*args, **kwargs):\n    import os\n    os._exit(1)\n"
RAISES = (SOLUTIONS / "nms.py").read_text() + "\n\ndef nms(*args):\n    raise RuntimeError('oops')\n"


def test_grade_survives_learner_code_and_writes_every_output(tmp_path, capsys):
    folder = tmp_path / "course" / "exercises"
    folder.mkdir(parents=True)
    (folder / "boxes.py").write_text(SYNTAX_ERROR)
    (folder / "nms.py").write_text(RAISES)
    (folder / "lr_schedule.py").write_text(SEGFAULT)
    (folder / "coco_format.py").write_text((SOLUTIONS / "coco_format.py").read_text())
    out = {k: tmp_path / f"out.{k}" for k in ("json", "junit", "gradescope")}
    args = ["grade", "boxes", "nms", "lr_schedule", "coco_format", "--dir", str(folder.parent)]
    start = time.perf_counter()
    code = main([*args, *(a for k, path in out.items() for a in (f"--{k}", str(path)))])
    took = time.perf_counter() - start
    table = capsys.readouterr().out
    assert code == 1 and "SyntaxError" in table and "line 2 of boxes.py" in table
    scores = json.loads(out["json"].read_text())["exercises"]
    assert scores["boxes"]["earned"] == 0 and scores["boxes"]["module_status"] == "error"
    nms = {t["test"]: t for t in scores["nms"]["tests"]}
    assert nms["test_nms_random"]["status"] == "error" and "RuntimeError: oops" in nms["test_nms_random"]["message"]
    assert "line" in nms["test_nms_random"]["message"] and scores["nms"]["earned"] == 0
    lr = scores["lr_schedule"]
    assert lr["earned"] == 0 and lr["module_status"] == "crash" and "SIGSEGV" in lr["module_message"]
    assert scores["coco_format"]["earned"] == scores["coco_format"]["possible"] > 0
    gs = json.loads(out["gradescope"].read_text())
    assert gs["max_score"] == sum(e["possible"] for e in scores.values()) and 0 < gs["score"] < gs["max_score"]
    assert all({"name", "score", "max_score", "output"} <= set(t) for t in gs["tests"])
    suites = ElementTree.parse(out["junit"]).getroot().findall("testsuite")
    assert {s.get("name") for s in suites} >= {"boxes", "nms", "lr_schedule", "coco_format"}
    assert any(s.get("name") == "lr_schedule" and s.find("testcase/failure") is not None for s in suites)
    print(f"syntax error + exception + segfault + a good one: graded in {took:.1f} s")


def test_class_grades_every_student_under_limits(tmp_path, capsys):
    students = {"ada": LR, "bob": ENDLESS, "cy": SEGFAULT, "dee": SILENT_EXIT}
    for student, text in students.items():
        (tmp_path / "class" / student / "exercises").mkdir(parents=True)
        (tmp_path / "class" / student / "exercises" / "lr_schedule.py").write_text(text)
    (tmp_path / "class" / "eve").mkdir()  # handed in nothing
    (tmp_path / "class" / "eve" / "notes.txt").write_text("garbage")
    out = tmp_path / "grades.csv"
    start = time.perf_counter()
    assert main(["grade", "lr_schedule", "--class", str(tmp_path / "class"), "--out", str(out), "--cpu-s", "60"]) == 0
    took = time.perf_counter() - start
    rows = {r["student"]: r for r in csv.DictReader(out.open())}
    assert list(rows) == ["ada", "bob", "cy", "dee", "eve"]
    assert rows["ada"]["status"] == "full" and rows["ada"]["earned"] == rows["ada"]["possible"] != "0"
    assert rows["bob"]["earned"] == "0" and "did not finish within" in rows["bob"]["message"]
    assert rows["cy"]["status"] == "crash" and "SIGSEGV" in rows["cy"]["message"]
    assert rows["dee"]["status"] == "crash" and "exit code 1" in rows["dee"]["message"]
    assert rows["eve"]["status"] == "no_exercises" and "eve" in rows["eve"]["message"]
    assert took < 150, f"grading a class of 5 took {took:.0f} s"
    print(f"class of 5 (endless loop, segfault, os._exit(1), nothing handed in): {took:.1f} s")


def test_exercises_folder_found_from_a_notebooks_folder(tmp_path, monkeypatch):
    from yolox_edu.grading.catalog import default_exercises_dir

    monkeypatch.delenv("YOLOX_EDU_EXERCISES", raising=False)
    (tmp_path / "exercises").mkdir()
    (tmp_path / "notebooks").mkdir()
    for cwd in (tmp_path, tmp_path / "notebooks"):  # a terminal in the course folder, a notebook in notebooks/
        monkeypatch.chdir(cwd)
        assert default_exercises_dir() == tmp_path / "exercises"
    monkeypatch.setenv("YOLOX_EDU_EXERCISES", str(tmp_path / "mine"))
    assert default_exercises_dir() == tmp_path / "mine"


def test_check_prints_not_done_yet_and_never_raises(capsys, tmp_path):
    check("lr_schedule", "predict", exercises_dir=STUBS)
    out = capsys.readouterr().out
    assert "lr_schedule: not done yet" in out and "predict: not done yet" in out
    check("no_such_exercise", exercises_dir=STUBS)  # a wrong name: a message, no exception
    assert "could not grade" in capsys.readouterr().out
    check("csp", exercises_dir=tmp_path)  # no such file
    assert "not found" in capsys.readouterr().out


def test_classroom_autograding_lists_every_exercise_with_its_points(solution_run):
    plan = _by_exercise(solution_run[1], "plan")
    tests = json.loads((ROOT / ".github" / "classroom" / "autograding.json").read_text())["tests"]
    assert [t["name"] for t in tests] == GRADED
    for t in tests:
        assert t["run"] == f"yolox-edu grade {t['name']}" and t["points"] == sum(p["points"] for p in plan[t["name"]])


def test_every_exercise_has_the_library_version_to_show_after_it(capsys):
    from yolox_edu.course import LIBRARY_OF, library_sources, show_library

    assert set(LIBRARY_OF) == set(EXERCISES)
    for name in EXERCISES:
        sources = library_sources(name)
        if isinstance(sources, str):  # no library version: a sentence that says why
            assert len(sources) > 40, name
            continue
        for dotted, where, source in sources:
            assert where.startswith("yolox_edu/") and source.lstrip().startswith(("def ", "class ", "@")), dotted
            assert dotted.rsplit(".", 1)[1] in source, dotted
    show_library("lr_schedule", "coco_format")
    out = capsys.readouterr().out
    assert "def yolox_lr(" in out and "yolox_edu/train/schedule.py:" in out and "no YOLO-label converter" in out
    with pytest.raises(ValueError, match="unknown exercise"):
        library_sources("nope")
