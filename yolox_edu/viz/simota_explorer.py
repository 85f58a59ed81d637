"""The SimOTA explorer: ipywidgets controls over ``simota_view`` (one gt of one image, step by step, under
any rule). The data lives in ``simota_view``, the drawing in ``simota_plot``: view ← plot ← explorer. The
names of those modules are re-exported here for existing imports.
"""

from __future__ import annotations

import base64
import time

from yolox_edu.assign.matching import CANDIDATE_TOPK
from yolox_edu.assign.trace import RULE_DEFAULTS as RULES
from yolox_edu.viz.simota_view import (
    DEFAULT_GT,
    DEFAULT_IMAGE,
    MODELS,
    STEPS,
    ExplorerImage,
    SimOTAView,
    explorer_images,
    explorer_predictions,
    figure_png,
    load_explorer_image,
    simota_view,
)

__all__ = ["STEPS", "MODELS", "ExplorerImage", "SimOTAView", "explorer_images", "load_explorer_image",
           "explorer_predictions", "simota_view", "simota_explorer", "figure_png"]


def _controls(image: str, rule: str, gt: int = 0):
    import ipywidgets as W

    style, wide = {"description_width": "80px"}, W.Layout(width="330px")
    slider = dict(continuous_update=False, style=style, layout=wide)
    return {
        "image": W.Dropdown(options=explorer_images(), value=image, description="image", style=style, layout=wide),
        "gt": W.Dropdown(options=_gt_options(image), value=gt, description="gt", style=style, layout=wide),
        "rule": W.Dropdown(options=list(RULES), value=rule, description="rule", style=style, layout=wide),
        "radius": W.FloatSlider(value=RULES[rule].get("center_radius", 2.5), min=0.5, max=5.0, step=0.5,
                                description="radius", **slider),
        "topk": W.IntSlider(value=CANDIDATE_TOPK, min=1, max=20, description="top-k", **slider),
        "iou_weight": W.FloatSlider(value=3.0, min=0.0, max=10.0, step=0.5, description="IoU weight", **slider),
        "model": W.ToggleButtons(options=list(MODELS), value="demo checkpoint", description="model", style=style),
        "step": W.ToggleButtons(options=list(STEPS), value="candidates", description="step", style=style),
    }


def _gt_options(image: str) -> list[tuple[str, int]]:
    img = load_explorer_image(image)
    names = img.class_names
    return [(f"{g}: {names[int(c)]} {w:.0f}×{h:.0f} px", g)
            for g, (c, (w, h)) in enumerate(zip(img.gt_labels.tolist(), img.gt_boxes[:, 2:].tolist()))]


def _png_output(png: bytes, text: str) -> tuple[dict]:
    return ({"output_type": "display_data", "metadata": {},
             "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": text}},)


def simota_explorer(image: str = DEFAULT_IMAGE, rule: str = "simota", gt: int | None = None):
    """The widget: controls over ``simota_view``. Returns an ipywidgets VBox (CSS class
    ``yolox-simota-explorer``) with ``.controls`` (by name), ``.output`` (the figure), ``.status`` and
    ``.view`` (the last ``SimOTAView``). It opens on ``gt`` (default: gt 5 of the default image, where the
    rule changes the answer; gt 0 of any other image)."""
    import ipywidgets as W

    controls = _controls(image, rule, DEFAULT_GT if gt is None and image == DEFAULT_IMAGE else (gt or 0))
    output, status = W.Output(), W.HTML()
    box = W.VBox()
    quiet = []  # non-empty while a handler updates other controls

    def redraw(_=None) -> None:
        if quiet:
            return
        start = time.perf_counter()
        values = {k: c.value for k, c in controls.items()}
        simota = "patch" not in RULES[values["rule"]]
        for name in ("radius", "topk", "iou_weight"):
            controls[name].disabled = not simota
        view = simota_view(**values | {"radius": values["radius"] if simota else None})
        output.outputs = _png_output(figure_png(view.figure), view.summary())
        box.view, box.seconds = view, time.perf_counter() - start
        status.value = f"{view.summary()} · drawn in {box.seconds:.2f} s"

    def new_image(change) -> None:
        quiet.append(1)
        controls["gt"].options, controls["gt"].value = _gt_options(change["new"]), 0
        quiet.pop()
        redraw()

    def new_rule(change) -> None:
        quiet.append(1)
        controls["radius"].value = RULES[change["new"]].get("center_radius", controls["radius"].value)
        quiet.pop()
        redraw()

    controls["image"].observe(new_image, names="value")
    controls["rule"].observe(new_rule, names="value")
    for name in ("gt", "radius", "topk", "iou_weight", "model", "step"):
        controls[name].observe(redraw, names="value")
    left = W.VBox([controls[k] for k in ("image", "gt", "rule", "model")])
    right = W.VBox([controls[k] for k in ("radius", "topk", "iou_weight")])
    box.children = [W.HBox([left, right]), controls["step"], status, output]
    box.add_class("yolox-simota-explorer")
    box.controls, box.output, box.status = controls, output, status
    redraw()
    return box
