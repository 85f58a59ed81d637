"""The SimOTA explorer: one ground truth of one image, step by step, under any assignment rule.

``simota_view`` computes everything the explorer shows from the control values (image, gt, rule, center
radius, candidate top-k, IoU-cost weight, model, step) with ``assign.trace.trace_assignment`` and draws
it (``plot_simota_view``); ``simota_explorer`` is the thin ipywidgets wrapper. Model predictions are
cached per (image, model), so moving a control only re-runs the assignment and the drawing.

Images are the bundled synth val split and the photos (those with at least one box), letterboxed to
the demo model's 320 × 320 input. The demo model knows the six shapes only: on a photo the class cost
uses shape class (label mod 6), so there only its IoU part means something.
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass, field
from functools import lru_cache

import torch
from matplotlib.figure import Figure
from torch import Tensor

from yolox_edu.assign import AssignResult
from yolox_edu.assign.matching import CANDIDATE_TOPK
from yolox_edu.assign.trace import RULE_DEFAULTS as RULES
from yolox_edu.assign.trace import AssignTrace, Predictions, count_per_level, model_predictions, trace_assignment
from yolox_edu.boxes import xyxy_to_cxcywh
from yolox_edu.viz.simota_plot import plot_simota_view

__all__ = ["STEPS", "MODELS", "ExplorerImage", "SimOTAView", "explorer_images", "load_explorer_image",
           "explorer_predictions", "simota_view", "simota_explorer"]

STEPS = ("candidates", "cost parts", "dynamic k", "chosen", "after conflicts")
MODELS = ("untrained", "demo checkpoint")
INPUT_HW = (320, 320)  # the demo model's input size
DEFAULT_IMAGE = "synth val 000001.jpg"


@dataclass
class ExplorerImage:
    """One letterboxed image and its gts. Shapes: image (3, H, W) float 0–255; gt_boxes (G, 4) cxcywh px."""

    key: str
    image: Tensor
    gt_boxes: Tensor
    gt_labels: Tensor  # (G,) int64 labels of the image's own dataset
    cost_classes: Tensor  # (G,) int64 demo-model classes the class cost uses
    class_names: list[str]


@dataclass
class SimOTAView:
    """Everything the explorer shows for one setting of its controls."""

    settings: dict
    image: ExplorerImage
    trace: AssignTrace
    gt: int
    top_ious: list[float]  # the gt's best IoUs (empty for the center rules)
    k: int
    chosen_per_level: list[int]  # the gt's k picks, finest level first, before conflicts
    positives_per_level: list[int]  # what it keeps after conflicts
    lost: list[tuple[int, int]] = field(default_factory=list)  # (point index, winning gt) pairs
    figure: Figure | None = None

    @property
    def result(self) -> AssignResult:
        """The assignment of the whole image (all gts), as ``simota_assign`` gives it."""
        return self.trace.result

    def __repr__(self) -> str:
        s = self.settings
        return f"SimOTAView({s['image']!r}, rule {s['rule']!r}, step {s['step']!r}: {self.summary()})"

    def _repr_png_(self) -> bytes | None:
        """Jupyter shows a view as its figure."""
        return None if self.figure is None else figure_png(self.figure)

    def summary(self) -> str:
        pos = " / ".join(str(n) for n in self.positives_per_level)
        lost = f", {len(self.lost)} lost to gt {sorted({w for _, w in self.lost})}" if self.lost else ""
        return (f"gt {self.gt}: k = {self.k}, positives per level (s8 / s16 / s32) = {pos}{lost}; "
                f"image: {self.result.num_fg} positives for {len(self.image.gt_boxes)} gts")


def _sources():
    from yolox_edu import course
    from yolox_edu.data import CocoDataset

    root = course.data_samples()
    return {"synth val": CocoDataset.from_dir(root / "synth", "val"),
            "photo": CocoDataset.from_dir(root / "photos", "samples")}


@lru_cache(maxsize=1)
def _datasets() -> dict:
    return _sources()


def explorer_images() -> list[str]:
    """Keys of the images the explorer offers: ``"synth val 000001.jpg"``, ``"photo clock.jpg"``, ..."""
    return [f"{name} {ds.image_path(i).name}" for name, ds in _datasets().items() for i in range(len(ds))
            if len(ds.targets(i)[0])]


@lru_cache(maxsize=32)
def load_explorer_image(key: str) -> ExplorerImage:
    """The image ``key`` letterboxed to 320 × 320 with its gts in input pixels."""
    from yolox_edu import course
    from yolox_edu.preprocess import letterbox

    name, _, file = key.rpartition(" ")
    datasets = _datasets()
    if name not in datasets or key not in explorer_images():
        raise ValueError(f"unknown explorer image {key!r}; pick one of explorer_images(), e.g. {DEFAULT_IMAGE!r}")
    ds = datasets[name]
    sample = ds[[ds.image_path(i).name for i in range(len(ds))].index(file)]
    image, r = letterbox(sample.image.copy(), INPUT_HW)  # a writable array: torch warns about read-only ones
    boxes = xyxy_to_cxcywh(torch.from_numpy(sample.boxes) * r)  # (G, 4)
    labels = torch.from_numpy(sample.labels)  # (G,)
    return ExplorerImage(key, image, boxes, labels, labels % len(course.DEMO_CLASSES), list(ds.class_names))


@lru_cache(maxsize=2)
def _model(name: str):
    from yolox_edu import course

    if name not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {name!r}")
    return course.load_demo_model(trained=name == "demo checkpoint")


@lru_cache(maxsize=64)
def explorer_predictions(key: str, model: str) -> Predictions:
    """The model's predictions on image ``key`` (cached: computed once per image and model).

    Runs on one thread: for one 320-px image that costs little on an idle machine, and on a busy one
    (the 2 shared cores of our CI) a 2-thread forward measured ~10× slower than a 1-thread one.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return model_predictions(_model(model), load_explorer_image(key).image[None])
    finally:
        torch.set_num_threads(threads)


def _check(gt: int, rule: str, step: str, num_gt: int) -> None:
    if rule not in RULES:
        raise ValueError(f"rule must be one of {tuple(RULES)}, got {rule!r}")
    if step not in STEPS:
        raise ValueError(f"step must be one of {STEPS}, got {step!r}")
    if not 0 <= gt < num_gt:
        raise ValueError(f"gt must be 0..{num_gt - 1} for this image, got {gt}")


def simota_view(image: str = DEFAULT_IMAGE, gt: int = 0, rule: str = "simota", radius: float | None = None,
                topk: int = CANDIDATE_TOPK, iou_weight: float = 3.0, model: str = "demo checkpoint",
                step: str = "after conflicts", draw: bool = True) -> SimOTAView:
    """Assign labels on ``image`` with ``rule`` and collect what the explorer shows for gt ``gt``.

    ``radius=None`` uses the rule's own center radius (2.5 for ``simota``, 1.5 for ``simota-geometry``);
    the center rules ignore radius, top-k and IoU weight. ``draw=False`` skips the figure.
    """
    img = load_explorer_image(image)
    _check(gt, rule, step, len(img.gt_boxes))
    pred = explorer_predictions(image, model)
    trace = trace_assignment(rule, pred.boxes[0], pred.cls_logits[0], pred.obj_logits[0], img.gt_boxes,
                             img.cost_classes, pred.grid, center_radius=radius, iou_weight=iou_weight,
                             candidate_topk=topk)
    chosen = trace.candidates[trace.matching[gt]]  # (k,) point indices
    lost_points, winners = trace.lost_to_others(gt)
    settings = dict(image=image, gt=gt, rule=rule, radius=trace.settings.get("center_radius"), topk=topk,
                    iou_weight=iou_weight, model=model, step=step)
    view = SimOTAView(
        settings=settings, image=img, trace=trace, gt=gt,
        top_ious=[] if trace.top_ious is None else trace.top_ious[gt].tolist(), k=int(trace.dynamic_k[gt]),
        chosen_per_level=count_per_level(chosen, pred.grid),
        positives_per_level=count_per_level((trace.result.matched_gt == gt).nonzero()[:, 0], pred.grid),
        lost=list(zip(lost_points.tolist(), winners.tolist())),
    )
    if draw:
        view.figure = plot_simota_view(view, pred.grid)
    return view


def _controls(image: str, rule: str):
    import ipywidgets as W

    style, wide = {"description_width": "80px"}, W.Layout(width="330px")
    slider = dict(continuous_update=False, style=style, layout=wide)
    return {
        "image": W.Dropdown(options=explorer_images(), value=image, description="image", style=style, layout=wide),
        "gt": W.Dropdown(options=_gt_options(image), value=0, description="gt", style=style, layout=wide),
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


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure; zlib level 1 encodes ~20 % faster than the default at a slightly larger size."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def _png_output(png: bytes, text: str) -> tuple[dict]:
    return ({"output_type": "display_data", "metadata": {},
             "data": {"image/png": base64.b64encode(png).decode("ascii"), "text/plain": text}},)


def simota_explorer(image: str = DEFAULT_IMAGE, rule: str = "simota"):
    """The widget: controls over ``simota_view``. Returns an ipywidgets VBox (CSS class
    ``yolox-simota-explorer``) with ``.controls`` (by name), ``.output`` (the figure), ``.status`` and
    ``.view`` (the last ``SimOTAView``)."""
    import ipywidgets as W

    controls = _controls(image, rule)
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
