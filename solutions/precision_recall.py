"""Matching detections to ground truths, and precision/recall (notebook 10_evaluation). Reference
answers for ``exercises/precision_recall.py``.

Shapes: D detections, G ground truths of one image and one class, boxes COCO xywh pixels (numpy);
N pooled detections of one class.
"""

from __future__ import annotations

import numpy as np


def iou_xywh(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU of (D, 4) with (G, 4) xywh boxes → (D, G) float64."""
    a, b = np.asarray(boxes1, float).reshape(-1, 4), np.asarray(boxes2, float).reshape(-1, 4)
    low = np.maximum(a[:, None, :2], b[None, :, :2])  # (D, G, 2)
    high = np.minimum(a[:, None, :2] + a[:, None, 2:], b[None, :, :2] + b[None, :, 2:])  # (D, G, 2)
    inter = (high - low).clip(min=0).prod(axis=-1)  # (D, G)
    union = a[:, 2:].prod(axis=1)[:, None] + b[:, 2:].prod(axis=1)[None, :] - inter  # (D, G)
    return inter / union


def match_detections(det_boxes: np.ndarray, det_scores: np.ndarray, gt_boxes: np.ndarray,
                     iou_thresh: float = 0.5) -> np.ndarray:
    """Greedy COCO matching: detections visited by decreasing score (equal scores: input order); each
    takes the not-yet-taken gt with the highest IoU ≥ iou_thresh (equal IoUs: the later gt).
    Returns (D,) int64, the matched gt index or -1, in the input order of the detections."""
    matched = np.full(len(det_scores), -1, np.int64)  # (D,)
    if len(det_scores) == 0 or len(gt_boxes) == 0:
        return matched
    ious = iou_xywh(det_boxes, gt_boxes)  # (D, G)
    taken = np.zeros(len(gt_boxes), bool)  # (G,)
    for d in np.argsort(-np.asarray(det_scores, float), kind="stable"):
        best, best_iou = -1, iou_thresh
        for g in range(len(gt_boxes)):
            if not taken[g] and ious[d, g] >= best_iou:
                best, best_iou = g, ious[d, g]
        if best >= 0:
            matched[d], taken[best] = best, True
    return matched


def precision_recall(scores: np.ndarray, is_tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, best score first (equal scores: input order).
    (N,), (N,) bool → precision (N,), recall (N,) float64; recall divides by max(num_gt, 1)."""
    order = np.argsort(-np.asarray(scores, float), kind="stable")  # (N,)
    tp = np.cumsum(np.asarray(is_tp, bool)[order]).astype(float)  # (N,)
    seen = np.arange(1, len(order) + 1)  # (N,)
    return tp / np.maximum(seen, 1), tp / max(num_gt, 1)
