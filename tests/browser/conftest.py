"""Fixtures for the real-browser test: Debian's chromium, a throwaway JupyterLab server, a headless page.

The server is stopped by its PID when the session ends, pass or fail (see ``labserver.py``).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from labserver import (
    CHROMIUM_ARGS,
    LabServer,
    ensure_chromium,
    shots_dir,
    shutdown_kernels,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    server = start_server(tmp_path_factory.mktemp("lab"))
    try:
        yield server
    finally:
        stop_server(server)


@pytest.fixture(scope="session")
def chromium() -> Path:
    return ensure_chromium()


@pytest.fixture
def page(chromium: Path, lab_server: LabServer, tmp_path: Path, request: pytest.FixtureRequest):
    """A fresh headless Chromium page (own profile) with the "Select Kernel" dialog handler."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed in this environment: run `make install` (it is in the dev extra)")
    t0 = time.perf_counter()
    with sync_playwright() as pw:
        context = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1800})
        try:
            pg = context.pages[0] if context.pages else context.new_page()
            pg.set_default_timeout(30_000)
            dialog = pg.locator(".jp-Dialog").filter(has_text="Select Kernel")
            pg.add_locator_handler(dialog, lambda d: d.get_by_role("button", name="Select Kernel").click())
            print(f"\n[browser] chromium started in {time.perf_counter() - t0:.1f} s", flush=True)
            yield pg
            report = getattr(request.node, "rep_call", None)
            if report is not None and report.failed:
                path = shots_dir() / f"{request.node.name}-failure.png"
                pg.screenshot(path=str(path))
                print(f"[browser] failure screenshot: {path}", flush=True)
        finally:
            context.close()
            shutdown_kernels(lab_server)  # each test's notebook kernel goes with its page


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)
