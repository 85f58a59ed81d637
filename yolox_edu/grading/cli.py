"""``yolox-edu grade``: a thin layer over the pytest grading modules, one pytest process per exercise.

Exit status: 0 at full marks, 1 otherwise, 2 on a usage error (unknown exercise, no exercises folder).
With ``--class`` it is 0 once grades.csv is written (the marks are in the file), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from yolox_edu.errors import UsageError
from yolox_edu.grading.catalog import EXERCISES

__all__ = ["add_parser", "run_grade"]

EPILOG = f"""exercises (in course order): {", ".join(EXERCISES)}

examples:
  yolox-edu grade                          # every exercise in ./exercises
  yolox-edu grade nms ota -v               # two of them, every test listed
  yolox-edu grade --dir ~/course           # grades ~/course/exercises
  yolox-edu grade --json scores.json --junit junit.xml --gradescope results.json
  yolox-edu grade --class submissions/ --out grades.csv   # submissions/STUDENT/exercises/*.py

The same tests as plain pytest:  YOLOX_EDU_EXERCISES=DIR python -m pytest --pyargs yolox_edu.grading
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("grade", help="grade your exercises (exercises/*.py) with points and hints",
                              description="Grade the exercises in DIR/exercises with their pytest modules: points "
                                          "per exercise, the first failing check with a hint, and a total.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("exercises", nargs="*", metavar="NAME", help="exercise names (default: all)")
    p.add_argument("--dir", default=".", help="folder that holds exercises/ (default: the current folder)")
    p.add_argument("-v", "--verbose", action="store_true", help="list every test, not only the first failing one")
    out = p.add_argument_group("outputs")
    out.add_argument("--json", metavar="FILE", help="also write the scores as JSON")
    out.add_argument("--junit", metavar="FILE", help="also write pytest's JUnit XML of every exercise")
    out.add_argument("--gradescope", metavar="FILE", help="also write Gradescope's results.json")
    cls = p.add_argument_group("a class")
    cls.add_argument("--class", dest="class_dir", metavar="DIR",
                     help="grade every student folder DIR/STUDENT (each holding exercises/) into --out")
    cls.add_argument("--out", metavar="CSV", help="with --class: one row per student and exercise")
    lim = p.add_argument_group("limits (per exercise process)")
    lim.add_argument("--cpu-s", type=int, default=300, help="CPU seconds (default 300)")
    lim.add_argument("--memory-mb", type=int, default=12288,
                     help="address space in MiB; torch itself maps ~4 GiB (default 12288)")
    lim.add_argument("--jobs", type=int, default=0, help="exercises graded at once (default: CPUs, at most 4)")
    p.set_defaults(func=run_grade)
    return p


def _write(path: str | None, text: str) -> None:
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(text, encoding="utf-8")


def run_grade(args: argparse.Namespace) -> int:
    from yolox_edu.grading.catalog import check_names
    from yolox_edu.grading.report import format_table, gradescope, junit_xml
    from yolox_edu.grading.runner import Limits, grade

    names = check_names(args.exercises)  # ValueError → exit 2
    limits = Limits(cpu_s=args.cpu_s, memory_mb=args.memory_mb, jobs=args.jobs)
    if args.class_dir:
        return _grade_class(Path(args.class_dir), args.out, names, limits)
    folder = Path(args.dir) / "exercises"
    if not folder.is_dir():
        raise FileNotFoundError(f"no exercises folder at {folder}; run from the course folder or pass --dir")
    report = grade(names, folder, limits=limits, junit=bool(args.junit))
    print(format_table(report, verbose=args.verbose))
    _write(args.json, json.dumps(report.to_dict(), indent=1))
    _write(args.junit, junit_xml(report))
    _write(args.gradescope, json.dumps(gradescope(report), indent=1))
    return 0 if report.full_marks else 1


def _grade_class(root: Path, out: str | None, names: list[str], limits) -> int:
    """Grade DIR/STUDENT/exercises for every student folder; one CSV row per student and exercise."""
    import csv

    from yolox_edu.grading.report import CSV_FIELDS, csv_rows
    from yolox_edu.grading.runner import grade

    if not out:
        raise UsageError("--class needs --out FILE.csv for the grades")
    if not root.is_dir():
        raise FileNotFoundError(f"no class folder at {root}: pass a folder holding one folder per student")
    rows = []
    for student in sorted(p for p in root.iterdir() if p.is_dir()):
        folder = student / "exercises"
        if not folder.is_dir() or not any(folder.glob("*.py")):
            rows += csv_rows(student.name, None, f"no exercises/*.py in {student}")
            continue
        report = grade(names, folder, limits=limits)
        rows += csv_rows(student.name, report)
        print(f"{student.name:<24} {report.earned}/{report.possible} in {report.seconds:.0f} s")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    print(f"{len(rows)} rows for {len({r['student'] for r in rows})} students written to {out}")
    return 0
