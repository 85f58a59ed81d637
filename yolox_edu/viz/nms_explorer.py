"""The NMS explorer (notebook 04): score threshold, IoU threshold and class-aware NMS on real predictions.

``explore_nms`` is a plain function of the control values: it filters the decoded predictions by score
(each point keeps its best class, score = objectness × class probability, as ``postprocess``), runs
greedy NMS while recording which kept box removed each suppressed one, and returns an ``NMSOutcome``.
``plot_nms`` draws it; ``nms_explorer`` only wires sliders to the two.

Shapes: A anchor points, C classes, M candidates above the score threshold.
"""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor
from torchvision.ops import box_iou

from yolox_edu.boxes import cxcywh_to_xyxy
from yolox_edu.viz.figures import show_boxes

__all__ = ["NMSOutcome", "nms_candidates", "greedy_nms", "explore_nms", "plot_nms", "nms_view",
           "demo_predictions", "nms_explorer"]


@dataclass
class NMSOutcome:
    """Candidates above the score threshold, sorted by score (highest first), and what NMS did to them.

    Attributes:
        boxes: (M, 4) xyxy input pixels. scores: (M,). labels: (M,) int64 (best class of each point).
        suppressed_by: (M,) int64, the candidate index of the kept box that removed each one; −1 if kept.
        score_thresh, iou_thresh, class_aware: the settings that produced it.
    """

    boxes: Tensor
    scores: Tensor
    labels: Tensor
    suppressed_by: Tensor
    score_thresh: float
    iou_thresh: float
    class_aware: bool

    @property
    def kept(self) -> Tensor:
        """(M,) bool, True for boxes NMS keeps."""
        return self.suppressed_by < 0

    @property
    def keep_indices(self) -> Tensor:
        """(K,) int64 candidate indices of the kept boxes, highest score first."""
        return torch.nonzero(self.kept)[:, 0]

    def summary(self) -> str:
        m, k = len(self.scores), int(self.kept.sum())
        mode = "per class" if self.class_aware else "across classes"
        return (f"{m} candidates with score ≥ {self.score_thresh:.2f} → NMS at IoU > {self.iou_thresh:.2f} "
                f"({mode}) keeps {k}, suppresses {m - k}")


def nms_candidates(preds: Tensor, score_thresh: float) -> tuple[Tensor, Tensor, Tensor]:
    """(A, 5 + C) decoded rows of one image → candidates with score ≥ ``score_thresh``, sorted by score.

    Returns boxes (M, 4) xyxy, scores (M,), labels (M,) int64 (each point's best class)."""
    if preds.ndim != 2 or preds.shape[-1] < 6:
        raise ValueError(f"preds must be (A, 5 + C) rows of one image, got shape {tuple(preds.shape)}")
    cls_prob, labels = preds[:, 5:].max(dim=1)  # (A,), (A,)
    scores = preds[:, 4] * cls_prob  # (A,)
    keep = torch.nonzero(scores >= score_thresh)[:, 0]  # (M,)
    order = keep[scores[keep].argsort(descending=True, stable=True)]  # (M,)
    return cxcywh_to_xyxy(preds[order, :4]).float(), scores[order].float(), labels[order]


@torch.no_grad()
def greedy_nms(boxes: Tensor, groups: Tensor, iou_thresh: float) -> Tensor:
    """Greedy NMS over boxes already sorted by score, recording who suppressed whom.

    Visit boxes in order; a box still alive is kept and removes every later box of the same group whose
    IoU with it is above ``iou_thresh``. Shapes: boxes (M, 4) xyxy, groups (M,) → (M,) int64 index of the
    suppressing box, −1 for kept boxes."""
    iou = box_iou(boxes, boxes)  # (M, M)
    same = groups[:, None] == groups[None, :]  # (M, M) bool
    later = torch.ones_like(same).triu(diagonal=1)  # (M, M) bool, j > i
    removes = (iou > iou_thresh) & same & later  # (M, M) bool: i would remove j
    suppressed_by = torch.full((len(boxes),), -1, dtype=torch.int64)  # (M,)
    alive = torch.ones(len(boxes), dtype=torch.bool)  # (M,)
    for i in range(len(boxes)):
        if not alive[i]:
            continue
        victims = removes[i] & alive  # (M,) bool
        suppressed_by[victims] = i
        alive &= ~victims
    return suppressed_by


def explore_nms(preds: Tensor, score_thresh: float = 0.3, iou_thresh: float = 0.45,
                class_aware: bool = True) -> NMSOutcome:
    """Score filter then NMS on one image's (A, 5 + C) decoded predictions, keeping the whole story.

    The kept set equals ``postprocess(preds[None], score_thresh, iou_thresh, class_agnostic=not class_aware)``.
    """
    if not 0.0 <= iou_thresh <= 1.0:
        raise ValueError(f"iou_thresh must be in [0, 1], got {iou_thresh}")
    boxes, scores, labels = nms_candidates(preds, score_thresh)
    groups = labels if class_aware else torch.zeros_like(labels)
    return NMSOutcome(boxes, scores, labels, greedy_nms(boxes, groups, iou_thresh), float(score_thresh),
                      float(iou_thresh), bool(class_aware))


def plot_nms(image: np.ndarray | Tensor, outcome: NMSOutcome, class_names: Sequence[str] | None = None,
             max_captions: int = 12) -> Figure:
    """Two panels: every candidate above the score threshold, then the kept boxes (captioned) with the
    suppressed ones dashed grey. Captions go on the ``max_captions`` highest-scoring kept boxes."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5.6))
    show_boxes(image, outcome.boxes, outcome.labels, ax=left, linewidth=1.0, captions=False,
               title=f"before NMS: {len(outcome.scores)} boxes\nwith score ≥ {outcome.score_thresh:.2f}")
    gone = ~outcome.kept
    show_boxes(image, outcome.boxes[gone], outcome.labels[gone], ax=right, linewidth=1.0, linestyle=(0, (3, 3)),
               captions=False)
    keep = outcome.keep_indices
    captions = [_caption(outcome, int(i), class_names) if n < max_captions else "" for n, i in enumerate(keep)]
    mode = "per class" if outcome.class_aware else "class-agnostic"
    show_boxes(image, outcome.boxes[keep], outcome.labels[keep], ax=right, captions=captions,
               title=f"after NMS (IoU > {outcome.iou_thresh:.2f}, {mode}):\n"
                     f"{len(keep)} kept (solid), {int(gone.sum())} suppressed (dashed)")
    return fig


def _caption(outcome: NMSOutcome, i: int, class_names: Sequence[str] | None) -> str:
    label = int(outcome.labels[i])
    name = class_names[label] if class_names is not None and label < len(class_names) else str(label)
    return f"{name} {float(outcome.scores[i]):.2f}"


def nms_view(image: np.ndarray | Tensor, preds: Tensor, score_thresh: float = 0.3, iou_thresh: float = 0.45,
             class_aware: bool = True, class_names: Sequence[str] | None = None) -> tuple[NMSOutcome, Figure]:
    """What the explorer shows for one setting of its controls: the outcome and its figure."""
    outcome = explore_nms(preds, score_thresh, iou_thresh, class_aware)
    return outcome, plot_nms(image, outcome, class_names)


@torch.no_grad()
def demo_predictions(index: int = 0, split: str = "val") -> tuple[np.ndarray, Tensor]:
    """The shipped demo checkpoint's decoded predictions on bundled shapes image ``index``.

    Returns the (320, 320, 3) uint8 image the model saw and its (A, 5 + 6) rows (cx, cy, w, h, objectness,
    class probabilities) in that image's pixels."""
    from yolox_edu import course
    from yolox_edu.data import CocoDataset
    from yolox_edu.preprocess import letterbox

    dataset = CocoDataset.from_dir(course.data_samples() / "synth", split)
    model = course.load_demo_model(trained=True)
    x, _ = letterbox(dataset[index].image.copy(), tuple(model.cfg.input_size))  # (3, H, W) float; copy: read-only
    preds = model(x[None])[0]  # (A, 5 + C)
    return x.permute(1, 2, 0).to(torch.uint8).numpy(), preds


def _figure_png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def nms_explorer(image: np.ndarray | Tensor, preds: Tensor, class_names: Sequence[str] | None = None,
                 score_thresh: float = 0.3, iou_thresh: float = 0.45, class_aware: bool = True):
    """Sliders for the score and IoU thresholds and a class-aware switch over ``nms_view``.

    Returns an ipywidgets VBox (CSS class ``yolox-nms-explorer``); ``.controls`` holds the controls by
    name (``score_thresh``, ``iou_thresh``, ``class_aware``), ``.output`` the figure, ``.status`` the
    summary line and ``.outcome`` the latest ``NMSOutcome``.
    """
    import ipywidgets as W

    style = {"description_width": "120px"}
    slider = dict(continuous_update=False, style=style, layout=W.Layout(width="420px"), readout_format=".2f")
    controls = {
        "score_thresh": W.FloatSlider(value=score_thresh, min=0.01, max=0.95, step=0.01,
                                      description="score threshold", **slider),
        "iou_thresh": W.FloatSlider(value=iou_thresh, min=0.05, max=0.95, step=0.05,
                                    description="IoU threshold", **slider),
        "class_aware": W.Checkbox(value=class_aware, description="class-aware (NMS per class)", indent=False),
    }
    output, status = W.Output(), W.HTML()
    box = W.VBox([W.HBox([W.VBox([controls["score_thresh"], controls["iou_thresh"]]), controls["class_aware"]]),
                  status, output])

    def redraw(_=None) -> None:
        start = time.perf_counter()
        outcome, fig = nms_view(image, preds, class_names=class_names, **{k: c.value for k, c in controls.items()})
        output.outputs = ({"output_type": "display_data", "metadata": {},
                           "data": {"image/png": _figure_png(fig), "text/plain": outcome.summary()}},)
        status.value = f"{outcome.summary()} · drawn in {time.perf_counter() - start:.2f} s"
        box.outcome = outcome

    for control in controls.values():
        control.observe(redraw, names="value")
    box.add_class("yolox-nms-explorer")
    box.controls, box.output, box.status = controls, output, status
    redraw()
    return box
