"""Exercise: COCOeval-lite — AP of one category exactly as pycocotools computes it — notebook 11 ("Your turn").

Notebook 10 computed AP from matched detections. The official number has two more rules that change real
results: *crowd* regions (``iscrowd = 1``: a blob of many objects, e.g. a crowd of people) and *maxDets* (only
an image's best detections count). A detection that lands on a crowd is neither rewarded nor punished; a crowd
can absorb any number of detections; an unmatched crowd is not a missed object. Write the evaluation for one
category at one IoU threshold, then grade it (it is compared with pycocotools' COCOeval):

    yolox-edu grade cocoeval_lite                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("cocoeval_lite")   # in the notebook

Use numpy only. Boxes are COCO ``[x, y, w, h]`` (top-left corner, pixels), float64 arrays.
"""

from __future__ import annotations

import numpy as np


def crowd_iou(det_boxes: np.ndarray, gt_boxes: np.ndarray, iscrowd: np.ndarray) -> np.ndarray:
    """Overlap of every detection with every gt, as COCO measures it.

    Args:
        det_boxes: (D, 4) xywh; gt_boxes: (G, 4) xywh; iscrowd: (G,) bool.

    Returns:
        (D, G) float64: the usual IoU for a normal gt; for a crowd gt, the fraction of the detection's own
        area that lies inside the crowd box (a detection fully inside a crowd scores 1, however small).

    Example:
        detection (0, 0, 2, 2) with the gt (1, 0, 4, 4): 0.1 (= 2 / 20) if normal, 0.5 (= 2 / 4) if a crowd.
    """
    raise NotImplementedError


def evaluate_image(det_boxes: np.ndarray, det_scores: np.ndarray, gt_boxes: np.ndarray, iscrowd: np.ndarray,
                   iou_thresh: float, max_dets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Which of one image's detections count, and how.

    Args:
        det_boxes: (D, 4) xywh; det_scores: (D,); gt_boxes: (G, 4) xywh; iscrowd: (G,) bool.
        iou_thresh: a detection matches a gt at an overlap (``crowd_iou``) of at least this.
        max_dets: only the max_dets highest-scoring detections take part (ties: input order).

    Returns:
        (scores (K,), is_tp (K,) bool, ignored (K,) bool, num_gt) with K = min(D, max_dets), best score
        first: ``is_tp`` for a detection matched to a normal gt, ``ignored`` for one matched to a crowd,
        neither for a false positive; ``num_gt`` counts the normal (non-crowd) gts. Detections are
        matched greedily best score first; each normal gt matches at most one detection, and a detection
        prefers any normal gt it matches over a crowd (among normal gts: the highest overlap, ties to the
        later gt).

    Example:
        one normal gt (0, 0, 10, 10), one crowd (50, 50, 40, 40); detections (0, 0, 10, 10) score 0.9,
        (1, 0, 10, 10) score 0.8, (60, 60, 5, 5) score 0.7, iou_thresh 0.5, max_dets 100 →
        scores (0.9, 0.8, 0.7), is_tp (T, F, F), ignored (F, F, T), num_gt 1.
    """
    raise NotImplementedError


def average_precision(images: list[dict], iou_thresh: float = 0.5, max_dets: int = 100) -> float:
    """COCO's AP of one category over several images, at one IoU threshold, area range "all".

    Args:
        images: one dict per image: ``det_boxes`` (D, 4), ``det_scores`` (D,), ``gt_boxes`` (G, 4),
            ``iscrowd`` (G,) bool (D or G may be 0).
        iou_thresh, max_dets: as in ``evaluate_image``.

    Returns:
        the mean over the 101 recall levels 0, 0.01, …, 1 of the best precision reached at that recall or
        beyond (0 where the recall is never reached), pooling every image's counted detections by score
        (ties: earlier image first, then best first within an image); ignored detections are left out.
        −1.0 when the images hold no normal gt. A Python float.

    Example:
        one image, one normal gt, one detection on it → 1.0; the same with a second, lower-scored
        detection elsewhere → still 1.0 (the false positive comes after full recall).
    """
    raise NotImplementedError
