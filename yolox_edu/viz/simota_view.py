"""What the SimOTA explorer shows, as data: one ground truth of one image, under any assignment rule.

``simota_view`` computes everything from the control values (image, gt, rule, center radius, candidate
top-k, IoU-cost weight, model, step) with ``assign.trace.trace_assignment``; ``simota_plot`` draws a
view and ``simota_explorer`` wires widgets to it (view ← plot ← explorer). Model predictions are cached
per (image, model), so moving a control only re-runs the assignment and the drawing.

Images are the bundled synth val split and the photos (those with at least one box), letterboxed to
the demo model's 320 × 320 input. The demo model knows the six shapes only: on a photo the class cost
uses shape class (label mod 6), so there only its IoU part means something.
"""

from __future__ import annotations

import io
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
from yolox_edu.grid import Grid

__all__ = ["STEPS", "MODELS", "DEFAULT_IMAGE", "DEFAULT_GT", "ExplorerImage", "SimOTAView", "explorer_images",
           "load_explorer_image", "explorer_predictions", "simota_view", "figure_png", "level_names"]

STEPS = ("candidates", "cost parts", "dynamic k", "chosen", "after conflicts")
MODELS = ("untrained", "demo checkpoint")
INPUT_HW = (320, 320)  # the demo model's input size
DEFAULT_IMAGE = "synth val 000001.jpg"
DEFAULT_GT = 5  # the star: its k (8) exceeds its no-penalty points (5), so the rule changes its positives


def level_names(grid: Grid) -> list[str]:
    """Short names of the grid's levels, finest first: ``["s8", "s16", "s32"]`` for the default strides."""
    return [f"s{int(s)}" for s in torch.unique(grid.strides).tolist()]


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
    levels: list[str] = field(default_factory=list)  # level names from the grid, finest first
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
        return (f"gt {self.gt}: k = {self.k}, positives per level ({' / '.join(self.levels)}) = {pos}{lost}; "
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


def simota_view(image: str = DEFAULT_IMAGE, gt: int = DEFAULT_GT, rule: str = "simota", radius: float | None = None,
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
        lost=list(zip(lost_points.tolist(), winners.tolist())), levels=level_names(pred.grid),
    )
    if draw:
        from yolox_edu.viz.simota_plot import plot_simota_view  # the plot module builds on this one

        view.figure = plot_simota_view(view, pred.grid)
    return view


def figure_png(fig: Figure) -> bytes:
    """PNG bytes of a figure; zlib level 1 encodes ~20 % faster than the default at a slightly larger size."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()
