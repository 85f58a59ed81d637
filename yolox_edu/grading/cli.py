"""``yolox-edu grade [EXERCISE ...] [--dir DIR] [--json FILE]``: grade the learner's exercises.

Exit status: 0 at full marks, 1 otherwise, 2 on a usage error (unknown exercise, no exercises folder).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from yolox_edu.grading.runner import EXERCISES

__all__ = ["add_parser", "run_grade"]

EPILOG = f"""exercises (in course order): {", ".join(EXERCISES)}

examples:
  yolox-edu grade                       # every exercise in ./exercises
  yolox-edu grade boxes nms             # two of them
  yolox-edu grade --dir ~/course        # grades ~/course/exercises
  yolox-edu grade --json scores.json    # also write the scores (for a teacher)
"""


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("grade", help="grade your exercises (exercises/*.py) with points and hints",
                              description="Grade the exercises in DIR/exercises: points per exercise, the first "
                                          "failing check with a hint, and a total. Exit 0 only at full marks.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("exercises", nargs="*", metavar="EXERCISE", help="exercise names (default: all)")
    p.add_argument("--dir", default=".", help="folder that holds exercises/ (default: the current folder)")
    p.add_argument("--json", metavar="FILE", help="also write the scores as JSON to FILE")
    p.add_argument("-v", "--verbose", action="store_true", help="list every check, not only the first failing one")
    p.add_argument("--in-process", action="store_true",
                   help="grade inside this process: no second start of torch; time limits still hold, but a crash "
                        "in C code is not contained (default: a separate process, each exercise in its own child)")
    p.set_defaults(func=run_grade)
    return p


def run_grade(args: argparse.Namespace) -> int:
    from yolox_edu.grading.report import format_table
    from yolox_edu.grading.runner import check_names, grade

    names = check_names(args.exercises)  # ValueError → exit 2
    folder = Path(args.dir) / "exercises"
    if not folder.is_dir():
        raise FileNotFoundError(f"no exercises folder at {folder}; run from the course folder or pass --dir")
    report = grade(names, folder, in_process=args.in_process)
    print(format_table(report, verbose=args.verbose))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report.to_dict(), indent=1))
    return 0 if report.full_marks else 1
