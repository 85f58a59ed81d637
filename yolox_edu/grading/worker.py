"""The grading process: ``python -m yolox_edu.grading.worker --dir DIR --out FILE NAME...``.

It imports torch and the grading suites once, then grades each exercise module in a child process of
its own (``os.fork``: milliseconds, no second torch import), so a syntax error, a crash or an endless
loop in one module costs that module only. Every record is appended to ``--out`` as a JSON line as soon
as it is known (the plan of tests first, then each test's result, then each module's outcome), so
results survive a child that has to be killed. Learner output (print) goes to /dev/null.

Without ``os.fork`` (Windows) each module runs in a fresh ``--child`` process instead (slower).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

import torch

from yolox_edu.grading import suites  # noqa: F401 - registers every grading test
from yolox_edu.grading.harness import REGISTRY, Learner, TestTimeout, on_alarm, run_test

IMPORT_TIMEOUT_S = 5.0  # a module whose import does not finish in this time is stopped
MODULE_MARGIN_S = 5.0  # on top of the sum of a module's test time limits


def module_budget(name: str) -> float:
    """Wall-clock seconds a module may take in total before its process is killed."""
    return IMPORT_TIMEOUT_S + MODULE_MARGIN_S + sum(t.timeout_s for t in REGISTRY[name])


def _write(out: Path, record: dict) -> None:
    with open(out, "a", encoding="utf-8") as f:
        f.write(json.dumps(record) + "\n")


def missing_message(path: Path) -> str:
    return f"{path} not found: copy the stub from the course's exercises/ folder"


def _import_learner(name: str, path: Path):
    """Import the learner's file as module ``name`` (its folder is searchable for sibling imports)."""
    sys.dont_write_bytecode = True  # no __pycache__ in the learner's folder, no stale bytecode after an edit
    if str(path.parent) not in sys.path:
        sys.path.append(str(path.parent))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _import_error_message(e: BaseException, path: Path) -> str:
    if isinstance(e, SyntaxError):
        return (f"{path.name} does not parse: SyntaxError: {e.msg} (line {e.lineno}); fix it, then grade again "
                f"(`python -m py_compile {path}` shows where)")
    if isinstance(e, TestTimeout):
        return f"importing {path.name} did not finish within {IMPORT_TIMEOUT_S:g} s (code at module level that loops?)"
    frames = [f for f in traceback.extract_tb(e.__traceback__) if Path(f.filename).name == path.name]
    where = f" (line {frames[-1].lineno})" if frames else ""
    return f"importing {path.name} raised {type(e).__name__}: {str(e)[:300]}{where}"


def grade_module(name: str, path: Path, out: Path) -> None:
    """Grade one module in this process; writes its result lines and a module line."""
    start = time.perf_counter()
    try:
        if hasattr(signal, "setitimer"):
            signal.signal(signal.SIGALRM, on_alarm)
            signal.setitimer(signal.ITIMER_REAL, IMPORT_TIMEOUT_S)
        try:
            module = _import_learner(name, path)
        finally:
            if hasattr(signal, "setitimer"):
                signal.setitimer(signal.ITIMER_REAL, 0)
    except BaseException as e:  # SyntaxError, an exception at import, or the import timing out
        _write(out, dict(type="module", exercise=name, status="error", message=_import_error_message(e, path),
                         seconds=round(time.perf_counter() - start, 3)))
        return
    ex = Learner(module, path)
    for test in REGISTRY[name]:
        try:
            result = run_test(test, ex)
        except TestTimeout:  # the alarm fired just after the test body returned
            result = dict(status="timeout", earned=0, message=f"did not finish within {test.timeout_s:g} s",
                          seconds=test.timeout_s)
        _write(out, dict(type="result", exercise=name, test=test.name, points=test.points, **result))
    _write(out, dict(type="module", exercise=name, status="ok", message="",
                     seconds=round(time.perf_counter() - start, 3)))


def grade_in_process(names: list[str], folder: Path, out: Path) -> None:
    """Grade in the calling process (a notebook kernel that has torch loaded already: milliseconds instead of
    a second torch import). Time limits still hold (SIGALRM, main thread only); the learner's prints are
    dropped; a crash in C code would take the caller down, which the separate process avoids."""
    import contextlib
    import io

    plan = {n: [[t.name, t.points, t.timeout_s] for t in REGISTRY[n]] for n in names}
    _write(out, dict(type="plan", exercises=plan, startup_s=0.0))
    saved_path, saved_bytecode = list(sys.path), sys.dont_write_bytecode
    previous_handler = signal.getsignal(signal.SIGALRM)
    previous_alarm, start = signal.getitimer(signal.ITIMER_REAL)[0], time.monotonic()  # e.g. pytest-timeout's
    try:
        for name in names:
            path = folder / f"{name}.py"
            if not path.is_file():
                _write(out, dict(type="module", exercise=name, status="missing", message=missing_message(path),
                                 seconds=0.0))
                continue
            sink = io.StringIO()
            with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                grade_module(name, path, out)
            sys.modules.pop(name, None)
    finally:
        sys.path[:], sys.dont_write_bytecode = saved_path, saved_bytecode
        signal.signal(signal.SIGALRM, previous_handler)
        if previous_alarm > 0:
            signal.setitimer(signal.ITIMER_REAL, max(previous_alarm - (time.monotonic() - start), 0.001))


def _silence() -> None:
    """Send the learner's prints to /dev/null (fd level, so C-level and subprocess output too)."""
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the child
    sys.stderr = sys.stdout


def _run_forked(name: str, path: Path, out: Path) -> tuple[str, str]:
    """Grade ``name`` in a forked child; returns (status, message) of how the child ended."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 0
        try:
            _silence()
            grade_module(name, path, out)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    deadline = time.monotonic() + module_budget(name)
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", (f"stopped after {module_budget(name):.0f} s: a function kept running past its time "
                               "limit; does a loop catch every exception (a bare `except:` or `except BaseException`)?")
        time.sleep(0.005)
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name_of = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return "crash", (f"the grading process of {path.name} crashed ({name_of}): C-level code such as ctypes, "
                         "or a torch call on invalid memory?")
    return "ok", ""


def _run_spawned(name: str, path: Path, out: Path) -> tuple[str, str]:
    """Grade ``name`` in a fresh Python process (no fork on this platform)."""
    cmd = [sys.executable, "-m", "yolox_edu.grading.worker", "--child", "--dir", str(path.parent), "--out", str(out),
           name]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=module_budget(name) + 30)
    except subprocess.TimeoutExpired:
        return "timeout", f"stopped after {module_budget(name) + 30:.0f} s: the module as a whole took too long"
    return ("ok", "") if proc.returncode == 0 else ("crash", f"the grading process exited with {proc.returncode}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m yolox_edu.grading.worker")
    p.add_argument("names", nargs="+")
    p.add_argument("--dir", required=True, help="folder holding NAME.py files")
    p.add_argument("--out", required=True, help="JSON-lines file to append records to")
    p.add_argument("--child", action="store_true", help="grade in this process (used where fork is missing)")
    p.add_argument("--started", type=float, help="time.time() when the caller started this process")
    args = p.parse_args(argv)
    folder, out = Path(args.dir), Path(args.out)
    torch.set_num_threads(1)  # tiny inputs; also keeps fork safe (no OpenMP pool in the parent)
    if args.child:
        _silence()
        grade_module(args.names[0], folder / f"{args.names[0]}.py", out)
        return 0
    plan = {n: [[t.name, t.points, t.timeout_s] for t in REGISTRY[n]] for n in args.names}
    startup = time.time() - args.started if args.started else None  # python + torch + suites imports
    _write(out, dict(type="plan", exercises=plan, startup_s=startup))
    for name in args.names:
        path = folder / f"{name}.py"
        if not path.is_file():
            _write(out, dict(type="module", exercise=name, status="missing", message=missing_message(path),
                             seconds=0.0))
            continue
        status, message = (_run_forked if hasattr(os, "fork") else _run_spawned)(name, path, out)
        if status != "ok":
            _write(out, dict(type="module", exercise=name, status=status, message=message, seconds=0.0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
