"""COCO average precision from scratch: matching, precision/recall, 101-point interpolated AP.

The same protocol as pycocotools' ``COCOeval`` (and the same numbers on the same inputs):

1. Per image and class, keep the ``max_dets`` highest-scoring detections. Visit them best score first;
   each takes the *unmatched* ground truth with the highest IoU ≥ the threshold (ties: the later gt).
   Ignored gts (crowd, or area outside the range) are taken only if no regular gt qualifies; a crowd gt
   can absorb any number of detections and its IoU is intersection / detection area.
2. A detection matched to an ignored gt, or unmatched with its own area (w·h) outside the range, is
   ignored: it is neither a true nor a false positive.
3. Pool all images of a class, sort by score, accumulate TP/FP → precision and recall curves.
4. Make precision monotone (each point takes the best precision at any higher recall), read it at
   101 recall points 0, 0.01, …, 1 (0 past the highest recall reached), average → AP.

AP is averaged over classes (with at least one regular gt) and IoU thresholds 0.50:0.05:0.95.
Boxes are ``xywh`` pixels (COCO's json format) throughout this module.

Shapes: D detections, G ground truths, T IoU thresholds, R recall points, K classes, N pooled detections.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from pycocotools.coco import COCO

from yolox_edu.eval.coco_eval import check_results, validate_results
from yolox_edu.eval.scores import AREA_RANGES, IOU_THRESHOLDS, MAX_DETS, RECALL_POINTS, CocoScores, summarize

__all__ = ["box_iou_xywh", "match_detections", "precision_recall", "interpolated_precision", "interpolated_ap",
           "PRPoints", "pr_points", "pr_curve", "evaluate_scratch"]


def box_iou_xywh(det_boxes: np.ndarray, gt_boxes: np.ndarray, gt_crowd: np.ndarray | None = None) -> np.ndarray:
    """IoU of (D, 4) xywh detections with (G, 4) xywh gts → (D, G); crowd gts use inter / detection area."""
    d, g = np.asarray(det_boxes, float).reshape(-1, 4), np.asarray(gt_boxes, float).reshape(-1, 4)
    d_lo, d_hi = d[:, None, :2], d[:, None, :2] + d[:, None, 2:]  # (D, 1, 2) corners
    g_lo, g_hi = g[None, :, :2], g[None, :, :2] + g[None, :, 2:]  # (1, G, 2)
    ix, iy = np.moveaxis(np.minimum(d_hi, g_hi) - np.maximum(d_lo, g_lo), -1, 0)  # (D, G) each
    inter = ix.clip(min=0) * iy.clip(min=0)  # (D, G)
    d_area, g_area = d[:, 2] * d[:, 3], g[:, 2] * g[:, 3]  # (D,), (G,)
    union = d_area[:, None] + g_area[None, :] - inter  # (D, G)
    if gt_crowd is not None:
        union = np.where(np.asarray(gt_crowd, bool)[None, :], d_area[:, None], union)  # (D, G)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(union > 0, inter / union, 0.0)  # (D, G)


def match_detections(
    det_boxes: np.ndarray, det_scores: np.ndarray, gt_boxes: np.ndarray, iou_thresh: float | Sequence[float],
    gt_ignore: np.ndarray | None = None, gt_crowd: np.ndarray | None = None,
) -> np.ndarray:
    """Greedy COCO matching, best score first.

    Args:
        det_boxes, gt_boxes: (D, 4), (G, 4) xywh pixels of one image and one class.
        det_scores: (D,) confidences; they set the visiting order (stable for ties).
        iou_thresh: one threshold, or T thresholds matched independently.
        gt_ignore: (G,) bool, gts a detection may hit without counting (used only if no regular gt fits).
        gt_crowd: (G,) bool, crowd regions: always ignored, never used up, IoU = inter / detection area.

    Returns:
        (D,) int index of the matched gt or -1, in the input order of detections; (T, D) for T thresholds.
    """
    num_gts, num_t = len(gt_boxes), len(np.atleast_1d(iou_thresh))
    matched = np.full((num_t, len(det_scores)), -1)  # (T, D)
    if num_gts > 0 and len(det_scores) > 0:
        crowd = np.zeros(num_gts, bool) if gt_crowd is None else np.asarray(gt_crowd, bool)  # (G,)
        ignore = crowd if gt_ignore is None else np.asarray(gt_ignore, bool) | crowd  # (G,)
        thresholds = np.minimum(np.atleast_1d(np.asarray(iou_thresh, float)), 1 - 1e-10)  # (T,) as COCO
        ious = box_iou_xywh(det_boxes, gt_boxes, crowd)  # (D, G)
        taken = np.zeros((num_t, num_gts), bool)  # (T, G)
        for d in np.argsort(-np.asarray(det_scores, float), kind="mergesort"):
            fits = (ious[d][None, :] >= thresholds[:, None]) & ~taken  # (T, G)
            rank = np.where(fits, ious[d][None, :] + 2.0 * ~ignore[None, :], -1.0)  # (T, G) regular gts first
            best = num_gts - 1 - np.argmax(rank[:, ::-1], axis=1)  # (T,) highest rank, ties → later gt
            found = rank[np.arange(num_t), best] >= 0  # (T,) bool
            matched[found, d] = best[found]
            taken[found, best[found]] = ~crowd[best[found]]  # a crowd region is never used up
    return matched if np.ndim(iou_thresh) else matched[0]


def precision_recall(scores: np.ndarray, is_tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, best score first (stable for ties).

    Args:
        scores: (N,) scores of the counted (non-ignored) detections of one class over all images.
        is_tp: (N,) bool, True if the detection matched a regular gt.
        num_gt: number of regular (non-ignored) gts of the class.

    Returns:
        precision (N,), recall (N,).
    """
    order = np.argsort(-np.asarray(scores, float), kind="mergesort")  # (N,)
    tp = np.cumsum(np.asarray(is_tp, bool)[order]).astype(float)  # (N,)
    fp = np.arange(1, len(order) + 1) - tp  # (N,)
    return tp / np.maximum(tp + fp, np.spacing(1)), tp / max(num_gt, 1)


def interpolated_precision(precision: np.ndarray, recall: np.ndarray, points: int | np.ndarray = 101) -> np.ndarray:
    """Precision read at R recall points: best precision at any recall ≥ the point; 0 beyond max recall."""
    rec_points = np.linspace(0.0, 1.0, points) if np.ndim(points) == 0 else np.asarray(points)  # (R,)
    envelope = np.maximum.accumulate(np.asarray(precision, float)[::-1])[::-1]  # (N,) non-increasing
    idx = np.searchsorted(recall, rec_points, side="left")  # (R,) first point reaching each recall level
    return np.append(envelope, 0.0)[idx]  # (R,) index N (recall never reached) reads 0


def interpolated_ap(precision: np.ndarray, recall: np.ndarray, points: int = 101) -> float:
    """COCO's AP: the mean of the interpolated precision at ``points`` evenly spaced recall levels."""
    return float(np.mean(interpolated_precision(precision, recall, points)))


def _group(coco_gt: COCO, detections: list[dict]) -> tuple[dict, dict]:
    """gts and detections grouped by (image id, category id)."""
    gts, dts = defaultdict(list), defaultdict(list)
    for ann in coco_gt.dataset.get("annotations", []):
        gts[ann["image_id"], ann["category_id"]].append(ann)
    for det in detections:
        dts[det["image_id"], det["category_id"]].append(det)
    return gts, dts


def _pack(gts: list[dict], dts: list[dict], max_det: int) -> dict[str, np.ndarray]:
    """One image and class as arrays: the top ``max_det`` detections best first, and the gts."""
    dts = [dts[i] for i in np.argsort([-d["score"] for d in dts], kind="mergesort")[:max_det]]
    boxes = np.array([d["bbox"] for d in dts], float).reshape(-1, 4)  # (D, 4)
    return dict(scores=np.array([d["score"] for d in dts], float), boxes=boxes,
                det_area=boxes[:, 2] * boxes[:, 3],  # (D,) box w·h, as COCO's loadRes
                gt_boxes=np.array([g["bbox"] for g in gts], float).reshape(-1, 4),  # (G, 4)
                gt_area=np.array([g["area"] for g in gts], float),  # (G,) the annotation's area field, as COCO
                crowd=np.array([bool(g.get("iscrowd", 0)) for g in gts], bool))  # (G,)


def _match_image(pair: dict[str, np.ndarray], area: tuple[float, float]) -> dict[str, np.ndarray]:
    """One image and class in one area range: which detections are true positives / ignored, per IoU."""
    out_of_range = (pair["det_area"] < area[0]) | (pair["det_area"] > area[1])  # (D,)
    if len(pair["gt_boxes"]) == 0:  # only false positives (those of another size are ignored)
        num_t = len(IOU_THRESHOLDS)
        return dict(tp=np.zeros((num_t, len(out_of_range)), bool), ignore=np.tile(out_of_range, (num_t, 1)), num_gt=0)
    gt_ignore = pair["crowd"] | (pair["gt_area"] < area[0]) | (pair["gt_area"] > area[1])  # (G,)
    matched = match_detections(pair["boxes"], pair["scores"], pair["gt_boxes"], IOU_THRESHOLDS,
                               gt_ignore, pair["crowd"])  # (T, D)
    hit = matched >= 0  # (T, D)
    det_ignore = np.where(hit, np.append(gt_ignore, False)[matched], out_of_range[None, :])  # (T, D)
    return dict(tp=hit & ~det_ignore, ignore=det_ignore, num_gt=int((~gt_ignore).sum()))


def _accumulate(pairs: list[dict], matches: list[dict], max_dets: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Pool one class and area over images → precision (T, R, M) and final recall (T, M); -1 if no gts."""
    num_t, num_r = len(IOU_THRESHOLDS), len(RECALL_POINTS)
    precision, recall = -np.ones((num_t, num_r, len(max_dets))), -np.ones((num_t, len(max_dets)))
    num_gt = sum(e["num_gt"] for e in matches)
    if num_gt == 0:
        return precision, recall
    scores = np.concatenate([p["scores"] for p in pairs])  # (N,)
    rank = np.concatenate([np.arange(len(p["scores"])) for p in pairs])  # (N,) position within its image
    tp = np.concatenate([e["tp"] for e in matches], axis=1)  # (T, N)
    ignore = np.concatenate([e["ignore"] for e in matches], axis=1)  # (T, N)
    for m, max_det in enumerate(max_dets):
        for t in range(num_t):
            keep = (rank < max_det) & ~ignore[t]  # (N,) the image's top max_det, not ignored
            prec, rec = precision_recall(scores[keep], tp[t, keep], num_gt)
            precision[t, :, m] = interpolated_precision(prec, rec, RECALL_POINTS)
            recall[t, m] = rec[-1] if len(rec) else 0.0
    return precision, recall


class PRPoints(NamedTuple):
    """One class's counted detections at one IoU threshold, best score first, and the curve they trace.

    Shapes: N counted (non-ignored) detections; every array is (N,).
    """

    scores: np.ndarray  # descending (ties keep image order)
    is_tp: np.ndarray  # bool: matched a regular gt
    precision: np.ndarray  # after each detection
    recall: np.ndarray
    num_gt: int  # regular gts of the class


def pr_points(coco_gt: COCO, detections: list[dict], category_id: int, iou_thresh: float = 0.5,
              area: str = "all", max_det: int = 100) -> PRPoints:
    """The raw (not interpolated) PR curve of one class at one IoU threshold, with each point's score.

    Keeping only detections with score ≥ c keeps a prefix of every array (matching runs best score
    first), so ``points.precision[points.scores >= c]`` is the curve a confidence threshold c leaves.
    """
    t = int(np.argmin(np.abs(IOU_THRESHOLDS - iou_thresh)))
    if not np.isclose(IOU_THRESHOLDS[t], iou_thresh):
        raise ValueError(f"iou_thresh must be one of COCO's 0.50, 0.55, ..., 0.95, got {iou_thresh}")
    gts, dts = _group(coco_gt, [d for d in detections if d["category_id"] == category_id])
    pairs = [_pack(gts[i, category_id], dts[i, category_id], max_det) for i in sorted(coco_gt.getImgIds())
             if (i, category_id) in gts or (i, category_id) in dts]
    if not pairs:
        return PRPoints(np.zeros(0), np.zeros(0, bool), np.zeros(0), np.zeros(0), 0)
    matches = [_match_image(pair, AREA_RANGES[area]) for pair in pairs]
    keep = ~np.concatenate([e["ignore"][t] for e in matches])  # (N,)
    scores = np.concatenate([p["scores"] for p in pairs])[keep]  # (N',)
    tp = np.concatenate([e["tp"][t] for e in matches])[keep]  # (N',)
    num_gt = sum(e["num_gt"] for e in matches)
    precision, recall = precision_recall(scores, tp, num_gt)
    order = np.argsort(-scores, kind="mergesort")  # the order precision_recall visits them in
    return PRPoints(scores[order], tp[order], precision, recall, num_gt)


def pr_curve(coco_gt: COCO, detections: list[dict], category_id: int, iou_thresh: float = 0.5,
             area: str = "all", max_det: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """The raw (not interpolated) precision and recall curves of one class at one IoU threshold.

    ``interpolated_ap(*pr_curve(...))`` is that class's AP at that threshold, as in the COCO report."""
    points = pr_points(coco_gt, detections, category_id, iou_thresh, area, max_det)
    return points.precision, points.recall


def evaluate_scratch(coco_gt: COCO, detections: list[dict], max_dets: Sequence[int] = MAX_DETS,
                     source: str = "detections") -> CocoScores:
    """COCO box metrics from scratch on COCO-format ``detections`` (image_id, category_id, bbox xywh, score).

    Returns the same ``CocoScores`` as ``coco_evaluate`` (pycocotools), numbers equal to ~1e-12.
    Detections of images or categories not in ``coco_gt`` are errors naming ``source``.
    """
    validate_results(check_results(detections, source), coco_gt, source)
    img_ids, cat_ids = sorted(coco_gt.getImgIds()), sorted(coco_gt.getCatIds())
    gts, dts = _group(coco_gt, detections)
    areas = list(AREA_RANGES.values())
    precision = -np.ones((len(IOU_THRESHOLDS), len(RECALL_POINTS), len(cat_ids), len(areas), len(max_dets)))
    recall = -np.ones((len(IOU_THRESHOLDS), len(cat_ids), len(areas), len(max_dets)))
    for k, cat in enumerate(cat_ids):
        pairs = [_pack(gts[i, cat], dts[i, cat], max(max_dets)) for i in img_ids
                 if (i, cat) in gts or (i, cat) in dts]
        for a, area in enumerate(areas):
            matches = [_match_image(pair, area) for pair in pairs]
            precision[:, :, k, a, :], recall[:, k, a, :] = _accumulate(pairs, matches, max_dets)
    return summarize(precision, recall, coco_gt, max_dets)
