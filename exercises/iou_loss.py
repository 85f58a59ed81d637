"""Exercise: the IoU loss and IoU-aware class targets — notebook 07 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade iou_loss                                    # in a terminal, from the course folder
    from yolox_edu.grading import check; check("iou_loss")      # in the notebook

Use torch only (torch.nn.functional is fine). Shapes: F foreground points, C classes; boxes (F, 4) cxcywh
pixels, row i of ``pred`` paired with row i of ``target``.
"""

from __future__ import annotations

from torch import Tensor


def aligned_iou(pred: Tensor, target: Tensor, eps: float = 1e-16) -> Tensor:
    """IoU of pred[i] with target[i], row by row (not all pairs).

    Args:
        pred, target: (F, 4) float cxcywh.

    Returns:
        (F,): the IoU of each pair, with ``eps`` keeping an empty union finite; 0 for boxes that do not
        overlap (never negative). F = 0 → (0,).

    Example:
        (1, 1, 2, 2) and (2, 1, 2, 2) overlap on 1 × 2 = 2 of a union of 6 → 0.3333.
    """
    raise NotImplementedError


def iou_loss(pred: Tensor, target: Tensor) -> Tensor:
    """YOLOX's per-box IoU loss (the official default, ``loss_type="iou"``; notebook 07 shows its curve).

    Args:
        pred: (F, 4) cxcywh predictions (gradients must flow into them); target: (F, 4) cxcywh gts.

    Returns:
        (F,) loss per box: 0 for a perfect box, 1 for a box that misses its gt, and falling faster than
        1 − IoU as the IoU grows.

    Example:
        IoU 0.5 → 0.75; IoU 0.8 → 0.36; a perfect box → 0.
    """
    raise NotImplementedError


def class_targets(gt_classes: Tensor, ious: Tensor, num_classes: int) -> Tensor:
    """IoU-aware class targets: the one-hot class scaled by how well the box fits.

    Args:
        gt_classes: (F,) int64 class of each point's gt; ious: (F,) IoU of each point's predicted box with
        its gt; num_classes: C.

    Returns:
        (F, C) in the dtype of ``ious``: zero except at each point's gt class, where it is that point's IoU.
        A target is a constant: the loss must not push the box through it.

    Example:
        class 1 of 3, IoU 0.8 → (0, 0.8, 0).
    """
    raise NotImplementedError


def class_loss(cls_logits: Tensor, targets: Tensor) -> Tensor:
    """The class loss of the foreground points.

    Args:
        cls_logits: (F, C) logits; targets: (F, C) from ``class_targets``.

    Returns:
        0-d tensor: the independent per-class sigmoid cross-entropy (not softmax), summed (not averaged)
        over points and classes, computed stably for logits of any size (±100 included).

    Example:
        logit 0 with target 0.5 costs log 2 = 0.693 per entry.
    """
    raise NotImplementedError
