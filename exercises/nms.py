"""Exercise: non-maximum suppression — notebook 04 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade nms                                     # in a terminal, from the course folder
    from yolox_edu.grading import check; check("nms")       # in the notebook

Use torch only (no torchvision.ops: it is the reference the grader compares with).
Shapes: N boxes (N, 4) xyxy pixels, scores (N,), labels (N,) int64; kept indices (K,) int64.
"""

from __future__ import annotations

from torch import Tensor


def nms(boxes: Tensor, scores: Tensor, iou_thresh: float) -> Tensor:
    """Greedy NMS: keep the best box, drop the boxes that overlap it too much, repeat.

    Args:
        boxes: (N, 4) float xyxy boxes.
        scores: (N,) float scores.
        iou_thresh: a box is dropped when its IoU with an already kept box is strictly greater (>) than this.

    Returns:
        (K,) int64 indices into ``boxes`` of the kept boxes, highest score first. N = 0 → an empty int64
        tensor.

    Example:
        boxes (0, 0, 10, 10), (1, 0, 11, 10), (20, 20, 30, 30) with scores 0.9, 0.8, 0.7 and iou_thresh 0.5:
        box 1 overlaps box 0 with IoU 0.82 → tensor([0, 2]).
    """
    raise NotImplementedError


def batched_nms(boxes: Tensor, scores: Tensor, labels: Tensor, iou_thresh: float) -> Tensor:
    """NMS within each class: boxes of different labels never suppress each other.

    Args:
        boxes: (N, 4) float xyxy; scores: (N,); labels: (N,) int64 class of each box.
        iou_thresh: as in ``nms``.

    Returns:
        (K,) int64 indices into ``boxes`` of the boxes kept in any class, highest score first.

    Example:
        two identical boxes with labels 0 and 1 → both kept.
    """
    raise NotImplementedError
