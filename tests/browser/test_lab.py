"""The course's ipywidgets explorers in a real browser: JupyterLab 4 + headless Chromium via Playwright.

Each test opens a notebook from a temporary copy of ``notebooks/``, runs all cells, checks that every
widget rendered as a live view (no "Error displaying widget", no "Loading widget", no plain-text repr),
then moves controls of an explorer and checks that its figure was redrawn (a new ``img`` src), printing
the time from the control change to the new figure in the page. Screenshots go to ``runs/browser/``.
Run with ``make test-browser`` (also the last step of ``make test``).
"""

from __future__ import annotations

import time

import pytest
from labpage import (
    CONTROL,
    change_choice,
    check_widgets_rendered,
    control,
    drawn_in,
    explorer,
    image_srcs,
    move_slider,
    open_notebook,
    run_all,
    shot,
)
from labserver import LabServer, notebooks_dir, shots_dir
from playwright.sync_api import Locator, Page

SIMOTA = ("06_simota.ipynb", "yolox-simota-explorer")
SIMOTA_RULES = ("simota", "simota-geometry")  # the rules with a radius (the others are centre patches)
SIMOTA_CONTROLS = ("image", "gt", "rule", "radius", "top-k", "IoU weight", "model", "step")
# One Course III explorer is enough: 08's (Run All took 31 s for it and 105 s for 10's PR explorer in the
# browser here, one after the other on 2 shared cores).
COURSE_III = ("08_augmentations.ipynb", "yolox-aug-explorer")


def _report(name: str, what: str, old: str, new: str, ms: float, box: Locator) -> None:
    status = drawn_in(box)
    print(f"[browser] {name}: {what} {old} -> {new}: new figure in the page after {ms:.0f} ms"
          + (f" (explorer status: {status})" if status else ""), flush=True)


def _summary(name: str, took_open: float, took_run: float, n_views: int, took_all: float) -> None:
    print(f"[browser] {name}: opened with an idle kernel in {took_open:.1f} s, run all {took_run:.1f} s, "
          f"{n_views} widget outputs, test {took_all:.1f} s", flush=True)


class Opened:
    """A notebook opened and run in the page, and its explorer (timings for the summary line)."""

    def __init__(self, page: Page, lab_server: LabServer, name: str, css: str):
        assert (notebooks_dir() / name).exists(), f"notebooks/{name} is missing"
        self.name, self.stem, self.out = name, name.removesuffix(".ipynb"), shots_dir()
        self.t_start = time.perf_counter()
        self.panel = open_notebook(page, lab_server.notebook_url(name), name)
        self.took_open = time.perf_counter() - self.t_start
        self.took_run = run_all(page, self.panel, name)
        self.n_views = check_widgets_rendered(self.panel)
        self.box = explorer(self.panel, css)
        shot(self.box, self.out, f"{self.stem}-explorer-before.png")
        self.first = image_srcs(self.box)

    def finish(self, after: str) -> None:
        """The figure changed, nothing broke while the controls moved; screenshots and the summary line."""
        assert image_srcs(self.box) != self.first, f"{self.name}: the explorer's figure did not change"
        check_widgets_rendered(self.panel, min_views=self.n_views)
        shot(self.box, self.out, f"{self.stem}-explorer-{after}.png")
        shot(self.panel, self.out, f"{self.stem}-notebook.png")
        _summary(self.name, self.took_open, self.took_run, self.n_views, time.perf_counter() - self.t_start)


def _first_control(box: Locator, selector: str) -> Locator | None:
    ctrls = box.locator(CONTROL).filter(has=box.page.locator(selector))
    return ctrls.first if ctrls.count() else None


@pytest.mark.timeout(300)
def test_simota_explorer(page: Page, lab_server: LabServer):
    nb = Opened(page, lab_server, *SIMOTA)
    box, name = nb.box, nb.name
    ctrls = {desc: control(box, desc) for desc in SIMOTA_CONTROLS}
    # rule first, to a SimOTA rule (the centre rules disable the radius slider), then radius, then step
    rule = ctrls["rule"].locator("select").input_value()
    _report(name, "dropdown 'rule'", *change_choice(box, ctrls["rule"], prefer=SIMOTA_RULES[rule == "simota"]), box)
    _report(name, "slider 'radius'", *move_slider(box, ctrls["radius"]), box)
    shot(box, nb.out, f"{nb.stem}-explorer-after-rule-radius.png")
    _report(name, "choice 'step'", *change_choice(box, ctrls["step"], prefer="chosen"), box)
    nb.finish("after-step")


@pytest.mark.timeout(300)
def test_course_iii_explorer(page: Page, lab_server: LabServer):
    nb = Opened(page, lab_server, *COURSE_III)
    box, name = nb.box, nb.name
    slider = _first_control(box, ".noUi-handle")
    choice = _first_control(box, "select") or _first_control(box, "button.widget-toggle-button")
    assert slider is not None or choice is not None, f"{name}: found no slider, dropdown or toggle buttons"
    if slider is not None:
        label = slider.locator(".widget-label").first.inner_text()
        # five steps (PageUp): one step of the first slider can be hard to see in the screenshots
        _report(name, f"slider {label!r}", *move_slider(box, slider, page_step=True), box)
    if choice is not None:
        label = choice.locator(".widget-label").first.inner_text()
        _report(name, f"choice {label!r}", *change_choice(box, choice), box)
    nb.finish("after")
