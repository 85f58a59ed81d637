"""A throwaway JupyterLab server for the browser test, and Debian's chromium to look at it with.

The server runs on 127.0.0.1 (free port, random token) from a temporary copy of the notebooks with its own
config/runtime/settings folders, so nothing is written into the repository. ``BROWSER_NOTEBOOKS`` points it
at another notebook folder (for developing the test itself); ``BROWSER_SHOTS`` moves the screenshots away
from ``runs/browser/``. The recipe is ``../shared/docs/BROWSER.md``.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
SERVER_START_TIMEOUT_S = 60.0
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]
# JupyterLab settings written before the server starts: no news prompt, no autosave, and every cell
# rendered (no windowing) so widgets below the fold exist in the DOM.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def notebooks_dir() -> Path:
    """The notebook folder the server serves a copy of (``BROWSER_NOTEBOOKS`` overrides ``notebooks/``)."""
    return Path(os.environ.get("BROWSER_NOTEBOOKS") or REPO / "notebooks")


def shots_dir() -> Path:
    path = Path(os.environ.get("BROWSER_SHOTS") or REPO / "runs" / "browser")
    path.mkdir(parents=True, exist_ok=True)
    return path


def ensure_chromium() -> Path:
    """Return ``/usr/bin/chromium``, installing Debian's package first when it is missing (needs root)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() != 0:
        pytest.fail(f"{CHROMIUM} is missing and this user is not root, so the test cannot install it: run "
                    "`sudo apt-get update && sudo apt-get install -y chromium`, then `make test-browser` again")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        print(f"[browser] {CHROMIUM} missing: running {' '.join(cmd)}", flush=True)
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            pytest.fail(f"`{' '.join(cmd)}` failed (exit {done.returncode}) while installing chromium for the "
                        f"browser test:\n{done.stderr[-2000:]}")
    if not CHROMIUM.exists():
        pytest.fail(f"apt-get installed chromium but {CHROMIUM} is still missing")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A running JupyterLab: its base URL, token, notebook folder, process and log file."""

    url: str
    token: str
    root: Path
    proc: subprocess.Popen
    log: Path

    def api(self, path: str, method: str = "GET") -> tuple[int, bytes]:
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, b""
        except OSError:
            return 0, b""

    def log_tail(self, n: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else "(no log)"

    def notebook_url(self, name: str) -> str:
        """The notebook in a new, empty workspace of its own.

        The default workspace is saved on the server, so a second page opened with ``/lab/tree/NAME`` first
        restores the notebooks of the pages before it: for a few seconds an earlier notebook is the visible,
        current one, and Run All may go to it (CI failed that way once, waiting 150 s for cells that never
        ran). A fresh workspace name plus ``reset`` opens this notebook alone."""
        workspace = f"{Path(name).stem}-{secrets.token_hex(4)}"
        return f"{self.url}/lab/workspaces/{workspace}/tree/{name}?reset&token={self.token}"


def _write_settings(settings_dir: Path) -> None:
    for rel, value in LAB_SETTINGS.items():
        path = settings_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))


def _server_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var, sub in (("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_RUNTIME_DIR", "runtime"),
                     ("JUPYTERLAB_SETTINGS_DIR", "settings"), ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
                     ("MPLCONFIGDIR", "mpl")):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(tmp / sub)
    env.pop("MPLBACKEND", None)  # tests/conftest.py sets Agg; the kernel must use the inline backend
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _wait_ready(server: LabServer) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {server.proc.returncode} before it was ready:\n{server.log_tail()}")
        if server.api("/api/status")[0] == 200:
            return
        time.sleep(0.25)
    pytest.fail(f"jupyter lab did not answer /api/status within {SERVER_START_TIMEOUT_S:.0f} s:\n"
                f"{server.log_tail()}")


def stop_server(server: LabServer) -> None:
    """Shut the kernels down, then the server by its PID (its process group if it lingers)."""
    if server.proc.poll() is None:
        shutdown_kernels(server)
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)
    try:  # kernels it started share its process group (start_new_session); none should be left
        os.killpg(server.proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def shutdown_kernels(server: LabServer) -> None:
    """Shut down every kernel the server runs (frees the memory of a finished notebook)."""
    status, body = server.api("/api/kernels")
    for kernel in json.loads(body or b"[]") if status == 200 else []:
        server.api(f"/api/kernels/{kernel['id']}", method="DELETE")


def start_server(tmp: Path) -> LabServer:
    """Copy the notebooks into ``tmp`` and start JupyterLab there; return once ``/api/status`` answers."""
    root = tmp / "notebooks"
    shutil.copytree(notebooks_dir(), root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = _server_env(tmp)
    _write_settings(Path(env["JUPYTERLAB_SETTINGS_DIR"]))
    port, token = free_port(), secrets.token_hex(24)
    log = tmp / "jupyter.log"
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(log, "wb") as log_file:
        proc = subprocess.Popen(cmd, cwd=root, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = LabServer(f"http://127.0.0.1:{port}", token, root, proc, log)
    t0 = time.perf_counter()
    try:
        _wait_ready(server)
    except BaseException:
        stop_server(server)
        raise
    print(f"\n[browser] JupyterLab ready on 127.0.0.1:{port} in {time.perf_counter() - t0:.1f} s (pid {proc.pid})",
          flush=True)
    return server
