"""Text for learners: the ``yolox-edu grade`` table and the notebooks' compact ``check`` result."""

from __future__ import annotations

import textwrap

from yolox_edu.grading.runner import ExerciseResult, Report

__all__ = ["format_table", "format_check", "reason"]

WIDTH = 100


def reason(ex: ExerciseResult) -> str:
    """Why an exercise lost points: 'not done yet', the module's problem, or the first failing test."""
    if ex.module_status not in ("ok",) and ex.module_message:
        return ex.module_message
    if ex.not_done:
        return "not done yet (still raises NotImplementedError)"
    failed = ex.first_failure()
    return f"{failed.test}: {failed.message}" if failed else ""


def _wrap(text: str, indent: str) -> str:
    return textwrap.fill(text, WIDTH, initial_indent=indent, subsequent_indent=indent, break_long_words=False)


def format_table(report: Report, verbose: bool = False) -> str:
    """One row per exercise (earned/possible and the first failing hint), then the total."""
    name_w = max([len("exercise")] + [len(e.name) for e in report.exercises]) + 2
    lines = [f"Grading {report.folder}", "", f"{'exercise':<{name_w}}{'points':>8}   first failing check"]
    lines.append("-" * min(WIDTH, name_w + 40))
    for ex in report.exercises:
        mark = "ok" if ex.possible and ex.earned == ex.possible else ""
        lines.append(f"{ex.name:<{name_w}}{f'{ex.earned}/{ex.possible}':>8}   {mark}")
        if not mark:
            lines.append(_wrap(reason(ex), " " * 4))
        if verbose:
            for t in ex.tests:
                lines.append(f"      {'✓' if t.status == 'pass' else '✗'} {t.test} {t.earned}/{t.points} "
                             f"({t.seconds:.2f} s)")
    lines.append("-" * min(WIDTH, name_w + 40))
    pct = 100.0 * report.earned / report.possible if report.possible else 0.0
    startup = f", {report.startup_s:.1f} s of it starting the grader" if report.startup_s is not None else ""
    lines.append(f"{'total':<{name_w}}{f'{report.earned}/{report.possible}':>8}   ({pct:.0f} %) in "
                 f"{report.seconds:.1f} s{startup}")
    if report.problem:
        lines.append(_wrap(f"grader problem: {report.problem}", ""))
    return "\n".join(lines)


def format_check(ex: ExerciseResult, path: str) -> str:
    """The compact result a notebook's "your turn" cell prints."""
    if ex.module_status == "missing":
        return f"{ex.name}: {ex.module_message}"
    if ex.not_done:
        return (f"{ex.name}: not done yet — {path} still raises NotImplementedError. Write the functions, then "
                f"run this cell again (or `yolox-edu grade {ex.name}` in a terminal).")
    lines = [f"{ex.name}: {ex.earned}/{ex.possible} points ({path})"]
    if ex.module_status != "ok":
        lines.append(_wrap(ex.module_message, "  "))
        return "\n".join(lines)
    for t in ex.tests:
        lines.append(f"  {'✓' if t.status == 'pass' else '✗'} {t.test} ({t.earned}/{t.points})")
        if t.status != "pass":
            lines.append(_wrap(t.message, "      "))
    if ex.possible and ex.earned == ex.possible:
        lines.append("  All checks pass. Well done!")
    return "\n".join(lines)
