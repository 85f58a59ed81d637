"""The PR-curve explorer: one class's precision–recall curve at an IoU threshold, cut at a confidence threshold.

``PRSource`` holds a ground truth and a model's COCO results (predicted once, at a low confidence such
as 0.001) and caches each (class, IoU) curve, so moving the confidence slider only cuts a prefix of a
cached curve. ``pr_view`` computes everything the explorer shows, ``plot_pr_view`` draws it, and
``pr_explorer`` wires controls to the two (a thin widget).
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from pycocotools.coco import COCO

from yolox_edu.eval.ap import PRPoints, interpolated_ap, interpolated_precision, pr_points
from yolox_edu.eval.scores import IOU_THRESHOLDS, RECALL_POINTS, category_info

__all__ = ["PRSource", "PRView", "pr_view", "plot_pr_view", "pr_explorer"]


class PRSource:
    """Ground truth + COCO results, with ``points(class_name, iou)`` cached per class and IoU threshold."""

    def __init__(self, coco_gt: COCO, detections: list[dict]) -> None:
        self.coco_gt, self.detections = coco_gt, detections
        self.category_ids, self.class_names = category_info(coco_gt)
        self.lowest_score = min((d["score"] for d in detections), default=0.0)
        self._cache: dict[tuple[int, float], PRPoints] = {}

    def points(self, class_name: str, iou_thresh: float) -> PRPoints:
        if class_name not in self.class_names:
            raise ValueError(f"unknown class {class_name!r}; choose one of: {', '.join(self.class_names)}")
        key = (self.category_ids[self.class_names.index(class_name)], round(float(iou_thresh), 2))
        if key not in self._cache:
            self._cache[key] = pr_points(self.coco_gt, self.detections, *key)
        return self._cache[key]


@dataclass
class PRView:
    """What the explorer shows for one (class, IoU threshold, confidence threshold).

    ``points`` is the whole curve (every detection the source has); the first ``kept`` of them have a
    score ≥ ``conf_thresh``. TP/FP/FN count the kept detections; precision/recall are at the cut.
    """

    class_name: str
    iou_thresh: float
    conf_thresh: float
    points: PRPoints
    kept: int
    tp: int
    fp: int
    fn: int
    precision: float
    recall: float
    ap_all: float  # AP (101-point) from every detection
    ap_kept: float  # AP from the kept detections only: what a report at this confidence threshold says


def pr_view(source: PRSource, class_name: str, iou_thresh: float = 0.5, conf_thresh: float = 0.001) -> PRView:
    """The PR curve of ``class_name`` at ``iou_thresh`` and what a ``conf_thresh`` cut leaves of it."""
    if not np.any(np.isclose(IOU_THRESHOLDS, iou_thresh)):
        raise ValueError(f"iou_thresh must be one of COCO's 0.50, 0.55, ..., 0.95, got {iou_thresh}")
    pts = source.points(class_name, iou_thresh)
    kept = int((pts.scores >= conf_thresh).sum())  # scores are sorted: the kept ones are a prefix
    tp = int(pts.is_tp[:kept].sum())
    precision = float(pts.precision[kept - 1]) if kept else float("nan")
    recall = float(pts.recall[kept - 1]) if kept else 0.0
    return PRView(class_name, float(iou_thresh), float(conf_thresh), pts, kept, tp, kept - tp, pts.num_gt - tp,
                  precision, recall, interpolated_ap(pts.precision, pts.recall),
                  interpolated_ap(pts.precision[:kept], pts.recall[:kept]))


def plot_pr_view(view: PRView) -> Figure:
    """Left: the PR curve (grey: all detections; blue: those ≥ the confidence threshold; shaded: the
    101-point interpolated precision whose mean is AP) with the operating point. Right: precision and
    recall as the confidence threshold moves."""
    fig = Figure(figsize=(11, 4.4), dpi=100, layout="none")
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.82, wspace=0.22)
    ax_pr, ax_conf = fig.subplots(1, 2)
    pts, k = view.points, view.kept
    ax_pr.plot(pts.recall, pts.precision, color="0.7", lw=1.5, label="all detections")
    ax_pr.fill_between(RECALL_POINTS, interpolated_precision(pts.precision[:k], pts.recall[:k], RECALL_POINTS),
                       step="post", color="tab:blue", alpha=0.15, label=f"interpolated: AP {view.ap_kept:.3f}")
    ax_pr.plot(pts.recall[:k], pts.precision[:k], color="tab:blue", lw=2, label=f"score ≥ {view.conf_thresh:.3g}")
    if k:
        ax_pr.plot([view.recall], [view.precision], "o", ms=10, color="tab:red",
                   label=f"cut: P {view.precision:.2f}, R {view.recall:.2f}")
    ax_pr.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.05))
    ax_pr.grid(alpha=0.3)
    ax_pr.legend(loc="lower left", fontsize=9)
    ax_pr.set_title(f"PR curve, IoU ≥ {view.iou_thresh:.2f}")
    _plot_vs_confidence(ax_conf, view)
    fig.suptitle(f"{view.class_name}: {view.points.num_gt} ground truths · at score ≥ {view.conf_thresh:.3g}: "
                 f"{view.kept} detections = {view.tp} TP + {view.fp} FP, {view.fn} missed (FN)\n"
                 f"AP@{view.iou_thresh:.2f} {view.ap_kept:.3f} (with every detection: {view.ap_all:.3f})")
    return fig


def _plot_vs_confidence(ax, view: PRView) -> None:
    pts = view.points
    if len(pts.scores):
        ax.plot(pts.scores, pts.precision, color="tab:green", lw=2, label="precision")
        ax.plot(pts.scores, pts.recall, color="tab:purple", lw=2, label="recall")
    ax.axvline(view.conf_thresh, color="tab:red", ls="--", lw=1.5, label=f"threshold {view.conf_thresh:.3g}")
    ax.set(xscale="log", xlim=(1e-3, 1), ylim=(0, 1.05), xlabel="confidence threshold (score = obj × class)",
           ylabel="precision / recall of the detections kept")
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="center left", fontsize=9)
    ax.set_title("raising the threshold trades recall for precision")


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def pr_explorer(source: PRSource, class_name: str | None = None):
    """Class, IoU threshold and confidence threshold controls over ``pr_view`` + ``plot_pr_view``.

    Returns an ipywidgets VBox (CSS class ``yolox-pr-explorer``) with ``.controls``, ``.output`` (the
    figure) and ``.status`` (numbers and the redraw time)."""
    import ipywidgets as W

    wide = {"description_width": "170px"}
    controls = {
        "class_name": W.Dropdown(options=source.class_names, value=class_name or source.class_names[0],
                                 description="class", style=wide),
        "iou_thresh": W.SelectionSlider(options=[(f"{t:.2f}", round(float(t), 2)) for t in IOU_THRESHOLDS],
                                        value=0.5, description="IoU threshold (TP if ≥)", continuous_update=False,
                                        style=wide, layout=W.Layout(width="460px")),
        "conf_thresh": W.FloatLogSlider(value=0.001, base=10, min=-3, max=0, step=0.05, readout_format=".3f",
                                        description="confidence threshold", continuous_update=False, style=wide,
                                        layout=W.Layout(width="460px")),
    }
    output, status = W.Output(), W.HTML()

    def redraw(_=None) -> None:
        start = time.perf_counter()
        view = pr_view(source, **{k: c.value for k, c in controls.items()})
        png = _png(plot_pr_view(view))
        output.outputs = ({"output_type": "display_data", "metadata": {},
                           "data": {"image/png": png, "text/plain": f"<PR curve of {view.class_name}>"}},)
        status.value = (f"AP@{view.iou_thresh:.2f} {view.ap_kept:.3f} · P {view.precision:.2f} R {view.recall:.2f}"
                        f" · drawn in {time.perf_counter() - start:.2f} s")

    for control in controls.values():
        control.observe(redraw, names="value")
    box = W.VBox([*controls.values(), status, output])
    box.add_class("yolox-pr-explorer")
    box.controls, box.output, box.status = controls, output, status
    redraw()
    return box
