"""The graded exercises: every grading test fails on the untouched stubs and passes on solutions/, the
stubs and solutions agree on names and signatures, and ``yolox-edu grade`` survives a learner (syntax
error, endless loop, exceptions, printing) with the documented exit codes.

The stub and solution runs grade in this process (``--in-process``: milliseconds); the run that survives a
learner uses the default separate worker process (one torch import), each module in a forked child.
"""

from __future__ import annotations

import ast
import json
import shutil
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from yolox_edu.cli import main
from yolox_edu.grading import check
from yolox_edu.grading.harness import REGISTRY
from yolox_edu.grading.runner import EXERCISES

ROOT = Path(__file__).resolve().parents[1]
STUBS, SOLUTIONS = ROOT / "exercises", ROOT / "solutions"

pytestmark = pytest.mark.grading


def _all_tests() -> list[tuple[str, str]]:
    import yolox_edu.grading.suites  # noqa: F401 - registers the tests

    return [(name, t.name) for name in EXERCISES for t in REGISTRY[name]]


ALL_TESTS = _all_tests()


def course_copy(tmp_path: Path, source: Path) -> Path:
    """A learner's course folder: ``tmp/course/exercises`` holding copies of ``source``'s modules."""
    folder = tmp_path / "course" / "exercises"
    folder.mkdir(parents=True)
    for name in EXERCISES:
        shutil.copy(source / f"{name}.py", folder / f"{name}.py")
    return folder


def run_cli(args: list[str], json_path: Path | None = None) -> tuple[int, dict | None]:
    code = main(["grade", *args, *(["--json", str(json_path)] if json_path else [])])
    return code, (json.loads(json_path.read_text()) if json_path else None)


@pytest.fixture(scope="module")
def stub_scores(tmp_path_factory) -> tuple[int, dict, str]:
    tmp = tmp_path_factory.mktemp("stubs")
    folder = course_copy(tmp, STUBS)
    code, scores = run_cli(["--dir", str(folder.parent), "--in-process"], tmp / "scores.json")
    return code, scores


@pytest.fixture(scope="module")
def solution_scores(tmp_path_factory) -> tuple[int, dict]:
    tmp = tmp_path_factory.mktemp("solutions")
    folder = course_copy(tmp, SOLUTIONS)
    start = time.perf_counter()
    code, scores = run_cli(["--dir", str(folder.parent), "--in-process"], tmp / "scores.json")
    print(f"yolox-edu grade --in-process on solutions: {time.perf_counter() - start:.1f} s")
    return code, scores


def _result(scores: dict, exercise: str, test: str) -> dict:
    return next(t for t in scores["exercises"][exercise]["tests"] if t["test"] == test)


def test_registry_covers_every_exercise():
    assert len(EXERCISES) == 14 and set(REGISTRY) == set(EXERCISES)
    for name in EXERCISES:
        tests = REGISTRY[name]
        assert len(tests) >= 4, f"{name}: only {len(tests)} grading tests"
        for t in tests:
            assert t.points > 0 and t.timeout_s > 0 and len(t.hint) > 20, f"{name}.{t.name}: points/time/hint"


@pytest.mark.parametrize(("exercise", "test"), ALL_TESTS, ids=[f"{e}.{t}" for e, t in ALL_TESTS])
def test_grading_test_fails_on_stub(stub_scores, exercise, test):
    result = _result(stub_scores[1], exercise, test)
    assert result["earned"] == 0 and result["status"] == "not_done", result


@pytest.mark.parametrize(("exercise", "test"), ALL_TESTS, ids=[f"{e}.{t}" for e, t in ALL_TESTS])
def test_grading_test_passes_on_solution(solution_scores, exercise, test):
    result = _result(solution_scores[1], exercise, test)
    assert result["status"] == "pass" and result["earned"] == result["points"], result


def test_cli_exit_codes_and_json(stub_scores, solution_scores):
    code, scores = stub_scores
    assert code == 1 and scores["earned"] == 0 and not scores["full_marks"]
    assert all(e["earned"] == 0 for e in scores["exercises"].values())
    code, scores = solution_scores
    assert code == 0 and scores["full_marks"] and scores["earned"] == scores["possible"] > 100
    assert list(scores["exercises"]) == list(EXERCISES)


def test_cli_usage_errors(tmp_path, capsys):
    assert main(["grade", "no_such_exercise", "--dir", str(ROOT)]) == 2
    assert "unknown exercise" in capsys.readouterr().err
    assert main(["grade", "--dir", str(tmp_path)]) == 2  # no exercises/ folder there
    assert "no exercises folder" in capsys.readouterr().err


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
    return {k: v for k, v in api.items() if not k.startswith("_")}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("name", EXERCISES)
def test_stub_and_solution_agree_and_use_torch_numpy_only(name):
    stub, solution = STUBS / f"{name}.py", SOLUTIONS / f"{name}.py"
    stub_api = _public_api(stub)
    assert stub_api, f"{stub} defines nothing"
    solution_api = _public_api(solution)
    assert {k: solution_api.get(k) for k in stub_api} == stub_api, f"{name}: solution names/signatures differ"
    for path in (stub, solution):
        assert _imports(path) <= {"__future__", "torch", "numpy", "math"}, f"{path}: imports {_imports(path)}"
    text = stub.read_text()
    assert "NotImplementedError" in text and "Example" in text and "yolox-edu grade" in text


SYNTAX_ERROR = "def cxcywh_to_xyxy(boxes):\n    return boxes[..., :2] +\n"
ENDLESS = '''
import torch

def nms(boxes, scores, iou_thresh):
    while True:  # a learner's loop whose condition never changes
        pass

def batched_nms(boxes, scores, labels, iou_thresh):
    print("x" * 10000)  # lots of printing, then a wrong answer
    return torch.zeros(0, dtype=torch.int64)
'''


def _exercise(scores: dict) -> SimpleNamespace:
    """An exercise's JSON scores with attribute access (tests too)."""
    return SimpleNamespace(**{**scores, "tests": [SimpleNamespace(**t) for t in scores["tests"]]})


def test_grader_survives_learner_code(tmp_path, capsys):
    folder = course_copy(tmp_path, SOLUTIONS)
    (folder / "boxes.py").write_text(SYNTAX_ERROR)
    (folder / "nms.py").write_text(ENDLESS)
    (folder / "focus.py").write_text((SOLUTIONS / "focus.py").read_text().replace(
        "    return torch.cat((top_left,", "    print('debug ' * 100000)\n    return torch.cat((top_left,"))
    (folder / "decode.py").write_text((SOLUTIONS / "decode.py").read_text().replace(
        "    return torch.cat(cells), torch.cat(point_strides)", "    raise RuntimeError('oops')"))
    start = time.perf_counter()
    code, scores = run_cli(["boxes", "nms", "focus", "decode", "lr_schedule", "--dir", str(folder.parent)],
                           tmp_path / "scores.json")  # the default: a separate process, a child per module
    took = time.perf_counter() - start
    assert code == 1
    assert "SyntaxError" in capsys.readouterr().out
    by_name = {name: _exercise(e) for name, e in scores["exercises"].items()}
    boxes = by_name["boxes"]
    assert boxes.earned == 0 and boxes.module_status == "error" and boxes.possible == 13
    assert "SyntaxError" in boxes.module_message and "line 2" in boxes.module_message
    nms = {t.test: t for t in by_name["nms"].tests}
    assert nms["nms_random"].status == "timeout" and "`nms`" in nms["nms_random"].message
    assert nms["nms_no_box_and_one_box"].status == "fail" and "skipped" in nms["nms_no_box_and_one_box"].message
    assert nms["batched_nms_classes_and_empty"].status == "fail"
    assert by_name["nms"].earned == 0
    assert by_name["focus"].earned == by_name["focus"].possible  # printing is harmless
    decode = {t.test: t for t in by_name["decode"].tests}
    assert decode["grid_points_640"].status == "error" and "RuntimeError: oops" in decode["grid_points_640"].message
    assert "line" in decode["grid_points_640"].message
    assert decode["decode_boxes_values"].status == "pass"  # the other functions still count
    assert by_name["lr_schedule"].earned == by_name["lr_schedule"].possible
    assert took < 120, f"grading took {took:.0f} s"
    print(f"syntax error + endless loop + prints + exception: graded in {took:.1f} s")


def test_check_prints_not_done_yet_on_a_stub_and_never_raises(capsys, tmp_path):
    check("lr_schedule", STUBS)
    assert "not done yet" in capsys.readouterr().out
    check("no_such_exercise", STUBS)  # a wrong name: a message, no exception
    assert "could not grade" in capsys.readouterr().out
    check("csp", tmp_path)  # no such file
    assert "not found" in capsys.readouterr().out


def test_check_in_a_notebook_survives_an_endless_loop_and_a_syntax_error(capsys, tmp_path):
    """check() grades in the calling process (the notebook kernel); time limits still hold."""
    (tmp_path / "nms.py").write_text(ENDLESS)
    (tmp_path / "boxes.py").write_text(SYNTAX_ERROR)
    start = time.perf_counter()
    check("nms", tmp_path)
    out = capsys.readouterr().out
    assert "nms: 0/9 points" in out and "did not finish within 5 s (in `nms`)" in out
    assert "skipped: `nms` did not finish" in out
    assert time.perf_counter() - start < 30
    check("boxes", tmp_path)
    assert "SyntaxError" in capsys.readouterr().out
    check("lr_schedule", SOLUTIONS)
    assert "8/8 points" in capsys.readouterr().out
