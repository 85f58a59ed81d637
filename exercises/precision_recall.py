"""Exercise: matching detections to ground truths, and precision/recall — notebook 10 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade precision_recall                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("precision_recall")   # in the notebook

Use numpy only. Everything is for one class; boxes are COCO xywh pixels (left, top, width, height).
Shapes: D detections and G ground truths of one image; N detections pooled over images.
"""

from __future__ import annotations

import numpy as np


def iou_xywh(boxes1: np.ndarray, boxes2: np.ndarray) -> np.ndarray:
    """IoU of every xywh box in ``boxes1`` (D, 4) with every one in ``boxes2`` (G, 4) → (D, G) float64.

    Example:
        (0, 0, 2, 2) and (1, 0, 2, 2) → 2 / 6 = 0.3333.
    """
    raise NotImplementedError


def match_detections(det_boxes: np.ndarray, det_scores: np.ndarray, gt_boxes: np.ndarray,
                     iou_thresh: float = 0.5) -> np.ndarray:
    """COCO's greedy matching of one image's detections to its gts.

    Args:
        det_boxes: (D, 4) xywh; det_scores: (D,); gt_boxes: (G, 4) xywh; iou_thresh: e.g. 0.5.

    Returns:
        (D,) int64 in the detections' input order: the index of the matched gt, or -1. The result must be
        the one pycocotools' COCOeval gives for one category with no crowd regions: better-scored detections
        choose first (equal scores: input order), a gt is matched at most once, a match needs IoU ≥
        ``iou_thresh``, and among equally good gts pycocotools keeps the later one. D = 0 or G = 0 → all -1.

    Example:
        one gt, two detections on it with scores 0.4 and 0.9 → (-1, 0): the better one takes the gt, the
        other is a false positive.
    """
    raise NotImplementedError


def precision_recall(scores: np.ndarray, is_tp: np.ndarray, num_gt: int) -> tuple[np.ndarray, np.ndarray]:
    """Precision and recall after each detection, best score first.

    Args:
        scores: (N,) scores; is_tp: (N,) bool, True where the detection matched a gt; num_gt: number of gts.

    Returns:
        precision (N,), recall (N,) float64, in order of decreasing score (equal scores: input order): entry
        k is the precision and the recall of the detector that keeps only the k + 1 best detections (recall
        0 when there is no gt). N = 0 → two empty arrays.

    Example:
        scores (0.8, 0.9), is_tp (False, True), 2 gts → precision (1, 0.5), recall (0.5, 0.5).
    """
    raise NotImplementedError
