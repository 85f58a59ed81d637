"""Driving a JupyterLab notebook page with Playwright: open, run all, check widgets, move controls.

Selectors are JupyterLab 4 / ipywidgets 8 ones (see ``../shared/docs/BROWSER.md``). Every wait is bounded.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

KERNEL_READY_TIMEOUT_MS = 90_000
RUN_ALL_TIMEOUT_MS = 150_000
REDRAW_TIMEOUT_MS = 30_000
WIDGET_REPR = re.compile(r"\b(VBox|HBox|Box|GridBox|Tab|Accordion|IntSlider|FloatSlider|SelectionSlider|Dropdown|"
                         r"ToggleButtons|Checkbox|Output|Button|Label|HTML|Image)\((children|value|description|"
                         r"outputs|layout|options)=")
CONTROL = ".widget-inline-hbox, .widget-toggle-buttons"  # a labelled control (ToggleButtons are not inline-hbox)
STDERR_MIME = "application/vnd.jupyter.stderr"  # JupyterLab renders error outputs with this mime type too
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception)\b", re.M)

_MAIN_TABS = "#jp-main-dock-panel .lm-TabBar-tab"
RUN_START_TIMEOUT_MS = 30_000
# [start of the source, prompt] of each non-empty code cell; the prompt is "[ ]:", "[*]:" (queued or busy)
# or "[n]:" (ran)
_PROMPTS_JS = """(panel) => [...panel.querySelectorAll('.jp-CodeCell')]
  .map(c => [(c.querySelector('.jp-InputArea-editor')?.textContent || '').trim().slice(0, 60),
             (c.querySelector('.jp-InputPrompt')?.textContent || '').trim()])
  .filter(([src]) => src.length > 0)"""
# Run All has reached this panel: some code cell is queued, busy or ran
_RUN_STARTED_JS = f"""(panel) => ({_PROMPTS_JS})(panel).some(([, p]) => p !== '[ ]:')"""
# 'done' when every code cell shows an execution count; 'halted' when some ran and none is queued any more
# (Run All stops at a cell that raised: the cells after it go back to "[ ]:").
_RUN_STATE_JS = f"""(panel) => {{
  const prompts = ({_PROMPTS_JS})(panel).map(([, p]) => p);
  const ran = prompts.filter(p => /^\\[\\d+\\]:$/.test(p)).length;
  if (prompts.length > 0 && ran === prompts.length) return 'done';
  return ran > 0 && !prompts.includes('[*]:') ? 'halted' : false;
}}"""

_NEW_IMAGE_JS = """([el, before]) => {
  const srcs = [...el.querySelectorAll('img')].map(i => i.src);
  return srcs.length > 0 && srcs.some(s => !before.includes(s));
}"""


def open_notebook(page: Page, url: str, name: str) -> Locator:
    """Open a notebook URL and wait for its kernel to be idle; return its panel (pinned by its id).

    Fails when another notebook is open in the page too: Run All acts on the current tab, whichever it is."""
    page.goto(url)
    current = page.locator(f"{_MAIN_TABS}.lm-mod-current .lm-TabBar-tabLabel")
    expect(current).to_have_text(name, timeout=KERNEL_READY_TIMEOUT_MS)
    visible = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    expect(visible).to_have_count(1, timeout=KERNEL_READY_TIMEOUT_MS)
    panel = page.locator(f"#{visible.get_attribute('id')}")
    wait_kernel_idle(page)
    notebooks = [t for t in open_tabs(page) if t.removesuffix("*").endswith(".ipynb")]
    assert notebooks == [f"{name}*"], (f"expected {name} alone in the page, found the notebook tabs {notebooks} "
                                       "(* = current): is the page restoring an earlier workspace?")
    return panel


def open_tabs(page: Page) -> list[str]:
    """The titles of the main area's tabs, the current one marked with a trailing ``*``."""
    return page.locator(_MAIN_TABS).evaluate_all(
        "tabs => tabs.map(t => (t.querySelector('.lm-TabBar-tabLabel')?.textContent || '').trim()"
        " + (t.classList.contains('lm-mod-current') ? '*' : ''))")


def cell_progress(panel: Locator) -> str:
    """Where Run All is: how many code cells ran, and the first ones queued or busy (for failure messages)."""
    prompts = panel.evaluate(_PROMPTS_JS)
    ran = sum(1 for _, p in prompts if re.fullmatch(r"\[\d+\]:", p))
    busy = [f"cell {i + 1} ({src!r})" for i, (src, p) in enumerate(prompts) if p == "[*]:"]
    return f"{ran} of {len(prompts)} code cells ran; queued or busy: {', '.join(busy[:3]) or 'none'}" + (
        f" and {len(busy) - 3} more" if len(busy) > 3 else "")


def wait_kernel_idle(page: Page, timeout_ms: int = KERNEL_READY_TIMEOUT_MS) -> None:
    """The status bar says ``(ipykernel) | Idle`` (the toolbar indicator says idle before a kernel exists)."""
    expect(page.locator("#jp-main-statusbar")).to_contain_text("(ipykernel) | Idle", timeout=timeout_ms)


def run_all(page: Page, panel: Locator, name: str) -> float:
    """Run → Run All Cells; wait until every code cell ran (fail on the first error). Returns seconds."""
    tabs = open_tabs(page)
    assert f"{name}*" in tabs, f"{name} is not the current tab ({tabs}): Run All would run another notebook"
    t0 = time.perf_counter()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    try:
        page.wait_for_function(_RUN_STARTED_JS, arg=panel.element_handle(), timeout=RUN_START_TIMEOUT_MS,
                               polling=100)
    except PlaywrightTimeout as e:
        raise AssertionError(f"Run All Cells did not start in {name} within {RUN_START_TIMEOUT_MS / 1000:.0f} s "
                             f"(tabs: {open_tabs(page)}; {cell_progress(panel)})") from e
    try:
        state = page.wait_for_function(_RUN_STATE_JS, arg=panel.element_handle(), timeout=RUN_ALL_TIMEOUT_MS,
                                       polling=250).json_value()
    except PlaywrightTimeout as e:
        raise AssertionError(f"Run All Cells in {name} did not finish within {RUN_ALL_TIMEOUT_MS / 1000:.0f} s: "
                             f"{cell_progress(panel)}") from e
    errors = error_text(panel)
    if state != "done" or errors:
        raise AssertionError(f"Run All Cells stopped ({state}): {cell_progress(panel)}; error output:\n"
                             f"{errors or '(none found)'}")
    wait_kernel_idle(page)
    return time.perf_counter() - t0


def error_text(panel: Locator) -> str:
    """Tracebacks shown in the notebook (warnings on stderr are not errors)."""
    texts = panel.locator(f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]').all_inner_texts()
    return "\n---\n".join(t[-1500:] for t in texts if TRACEBACK.search(t))


def check_widgets_rendered(panel: Locator, min_views: int = 1) -> int:
    """Every widget output rendered as a live view: no error, no 'Loading widget', no text repr."""
    expect(panel.get_by_text("Loading widget")).to_have_count(0, timeout=REDRAW_TIMEOUT_MS)
    assert panel.get_by_text("Error displaying widget").count() == 0, "a widget failed to render"
    assert not error_text(panel), f"error output in the notebook:\n{error_text(panel)}"
    plain = panel.locator('.jp-OutputArea-output[data-mime-type="text/plain"]').all_inner_texts()
    reprs = [t[:200] for t in plain if WIDGET_REPR.search(t)]
    assert not reprs, f"widgets shown as plain text (is the widget manager, jupyterlab_widgets, missing?): {reprs}"
    views = panel.locator(".jp-OutputArea-output:not([data-mime-type]):has(> .jupyter-widgets)")
    n = views.count()
    assert n >= min_views, f"expected at least {min_views} widget outputs, found {n}"
    for i in range(n):
        view = views.nth(i)
        box = view.bounding_box()
        assert box and box["height"] > 5, f"widget output {i} rendered empty ({box})"
    return n


def explorer(panel: Locator, css_class: str) -> Locator:
    """The (first) widget box with the given CSS class, with at least one figure shown."""
    box = panel.locator(f".{css_class}").first
    expect(box).to_be_visible(timeout=REDRAW_TIMEOUT_MS)
    expect(box.locator("img").first).to_be_visible(timeout=REDRAW_TIMEOUT_MS)
    return box


def control(box: Locator, description: str) -> Locator:
    """The control whose description label reads exactly ``description``."""
    label = box.page.locator(".widget-label", has_text=re.compile(rf"^\s*{re.escape(description)}\s*$"))
    ctrl = box.locator(CONTROL).filter(has=label).first
    expect(ctrl).to_be_visible(timeout=REDRAW_TIMEOUT_MS)
    return ctrl


def image_srcs(box: Locator) -> list[str]:
    return box.locator("img").evaluate_all("els => els.map(e => e.src)")


def _wait_new_image(box: Locator, before: list[str], what: str) -> None:
    try:
        box.page.wait_for_function(_NEW_IMAGE_JS, arg=[box.element_handle(), before], polling="raf",
                                   timeout=REDRAW_TIMEOUT_MS)
    except PlaywrightTimeout as e:
        raise AssertionError(f"the figure did not change within {REDRAW_TIMEOUT_MS / 1000:.0f} s after {what}") from e


def move_slider(box: Locator, ctrl: Locator, page_step: bool = False) -> tuple[str, str, float]:
    """One key press on the slider's handle: one step, or ``page_step`` five (PageUp); wait for a new figure.

    Moves down instead when the handle sits at its maximum. Returns (before, after, ms to the new figure)."""
    handle = ctrl.locator(".noUi-handle").first
    readout = ctrl.locator(".widget-readout").first
    old = readout.inner_text()
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    srcs = image_srcs(box)
    handle.focus()
    t0 = time.perf_counter()
    keys = ("PageDown", "PageUp") if page_step else ("ArrowLeft", "ArrowRight")
    handle.press(keys[0] if at_max else keys[1])
    _wait_new_image(box, srcs, f"moving the slider from {old}")
    ms = (time.perf_counter() - t0) * 1000
    wait_kernel_idle(box.page, REDRAW_TIMEOUT_MS)
    new = readout.inner_text()
    assert new != old, f"the slider readout stayed at {old!r}"
    return old, new, ms


def change_choice(box: Locator, ctrl: Locator, prefer: str | None = None) -> tuple[str, str, float]:
    """Pick another option of a Dropdown or ToggleButtons (``prefer`` if offered); wait for a new figure.

    Returns (before, after, ms from the change to the new figure)."""
    select = ctrl.locator("select")
    if select.count():
        labels = [t.strip() for t in select.first.locator("option").all_inner_texts()]
        old = select.first.evaluate("s => s.options[s.selectedIndex].textContent").strip()
    else:
        buttons = ctrl.locator("button.widget-toggle-button")
        labels = [t.strip() for t in buttons.all_inner_texts()]
        assert labels, "control is neither a dropdown nor toggle buttons"
        old = ctrl.locator("button.widget-toggle-button.mod-active").first.inner_text().strip()
    choices = [x for x in labels if x != old]
    assert choices, f"the control offers only {labels}"
    new = prefer if prefer in choices else choices[0]
    srcs = image_srcs(box)
    t0 = time.perf_counter()
    if select.count():
        select.first.select_option(label=new)
    else:
        ctrl.locator("button.widget-toggle-button").filter(has_text=new).first.click()
    _wait_new_image(box, srcs, f"changing the choice from {old!r} to {new!r}")
    ms = (time.perf_counter() - t0) * 1000
    wait_kernel_idle(box.page, REDRAW_TIMEOUT_MS)
    return old, new, ms


def drawn_in(box: Locator) -> str:
    """The explorer's own status line ("... drawn in 0.12 s"), if it shows one."""
    texts = box.locator(".widget-html").all_inner_texts()
    found = [t.strip() for t in texts if "drawn in" in t]
    return found[0] if found else ""


def shot(loc: Locator, folder: Path, name: str) -> Path:
    path = folder / name
    loc.screenshot(path=str(path))
    print(f"[browser] screenshot: {path}", flush=True)
    return path
