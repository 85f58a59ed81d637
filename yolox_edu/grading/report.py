"""What a grading run is turned into: the learner's table, a notebook's check, Gradescope, JUnit, a class CSV."""

from __future__ import annotations

import textwrap
from xml.etree import ElementTree

from yolox_edu.grading.runner import ExerciseResult, Report

__all__ = ["format_table", "format_check", "reason", "gradescope", "junit_xml", "CSV_FIELDS", "csv_rows"]

WIDTH = 100
CSV_FIELDS = ("student", "exercise", "earned", "possible", "status", "message")


def reason(ex: ExerciseResult) -> str:
    """Why an exercise lost points: its module's problem, 'not done yet', or the first failing test."""
    if ex.module_status != "ok":
        return ex.module_message
    if ex.not_done:
        return "not done yet (still raises NotImplementedError)"
    failed = ex.first_failure()
    return f"{failed.test}: {failed.message}" if failed else ""


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_long_words=False)


def format_table(report: Report, verbose: bool = False) -> str:
    """One row per exercise (earned/possible and why points were lost), then the total."""
    name_w = max([len("exercise")] + [len(e.name) for e in report.exercises]) + 2
    rule = "-" * min(WIDTH, name_w + 40)
    lines = [f"Grading {report.folder}", "", f"{'exercise':<{name_w}}{'points':>8}   first failing check", rule]
    for ex in report.exercises:
        full = ex.module_status == "ok" and ex.possible and ex.earned == ex.possible
        lines.append(f"{ex.name:<{name_w}}{f'{ex.earned}/{ex.possible}':>8}   {'ok' if full else ''}")
        if not full:
            lines.append(_wrap(reason(ex), " " * 4))
        for t in ex.tests if verbose else ():
            mark = "✓" if t.status == "pass" else "✗"
            lines.append(f"      {mark} {t.test} {t.earned}/{t.points} ({t.seconds:.2f} s)")
    pct = 100.0 * report.earned / report.possible if report.possible else 0.0
    lines += [rule, f"{'total':<{name_w}}{f'{report.earned}/{report.possible}':>8}   ({pct:.0f} %) in "
                    f"{report.seconds:.1f} s"]
    return "\n".join(lines)


def format_check(ex: ExerciseResult, path: str) -> str:
    """The compact result a notebook's "Your turn" cell prints."""
    if ex.module_status == "missing":
        return f"{ex.name}: {ex.module_message}"
    if ex.not_done:
        return (f"{ex.name}: not done yet — {path} still raises NotImplementedError. Write the functions, then "
                f"run this cell again (or `yolox-edu grade {ex.name}` in a terminal).")
    lines = [f"{ex.name}: {ex.earned}/{ex.possible} points ({path})"]
    if ex.module_status != "ok":
        lines.append(_wrap(ex.module_message, "  "))
    for t in ex.tests if ex.module_status == "ok" else ():
        lines.append(f"  {'✓' if t.status == 'pass' else '✗'} {t.test} ({t.earned}/{t.points})")
        if t.status != "pass":
            lines.append(_wrap(t.message, "      "))
    if ex.module_status == "ok" and ex.possible and ex.earned == ex.possible:
        lines.append("  All checks pass. Well done!")
    return "\n".join(lines)


def gradescope(report: Report) -> dict:
    """Gradescope's ``results.json``: the score and one entry per grading test (module problems as one entry)."""
    tests = []
    for ex in report.exercises:
        if ex.module_status != "ok" and not ex.tests:
            tests.append(dict(name=ex.name, score=0, max_score=0, output=ex.module_message))
        for t in ex.tests:
            tests.append(dict(name=f"{ex.name}: {t.test}", score=t.earned, max_score=t.points,
                              output=t.message or "passed", status="passed" if t.status == "pass" else "failed"))
    return dict(score=report.earned, max_score=report.possible, tests=tests,
                output=f"{report.earned}/{report.possible} points in {len(report.exercises)} exercises")


def junit_xml(report: Report) -> str:
    """pytest's own JUnit XML of every exercise in one ``<testsuites>``; a crashed run adds a failing case."""
    root = ElementTree.Element("testsuites", name="yolox-edu grade")
    for ex in report.exercises:
        suites = ElementTree.fromstring(ex.junit).iter("testsuite") if ex.junit else []
        for suite in suites:
            for case in suite.iter("testcase"):  # pytest leaves it empty for a module outside its rootdir
                case.set("classname", case.get("classname") or f"yolox_edu.grading.tests.test_{ex.name}")
            root.append(suite)
        if ex.module_status != "ok":
            suite = ElementTree.SubElement(root, "testsuite", name=ex.name, tests="1", failures="1", errors="0")
            case = ElementTree.SubElement(suite, "testcase", classname=f"yolox_edu.grading.tests.test_{ex.name}",
                                          name="grading process")
            ElementTree.SubElement(case, "failure", message=ex.module_message).text = ex.module_message
    return ElementTree.tostring(root, encoding="unicode")


def csv_rows(student: str, report: Report | None, problem: str = "") -> list[dict]:
    """Rows of a class's grades.csv for one student: one per exercise, or one saying what is wrong."""
    if report is None:
        return [dict(student=student, exercise="", earned=0, possible=0, status="no_exercises", message=problem)]
    return [dict(student=student, exercise=ex.name, earned=ex.earned, possible=ex.possible,
                 status="full" if ex.module_status == "ok" and ex.earned == ex.possible else
                 "not_done" if ex.not_done else ex.module_status if ex.module_status != "ok" else "partial",
                 message=reason(ex)) for ex in report.exercises]
