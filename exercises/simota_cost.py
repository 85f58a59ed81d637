"""Exercise: SimOTA's class cost without a (G, N, C) tensor — notebook 06 ("Your turn").

Notebook 06 computes the class cost of every (gt, point) pair the direct way: broadcast the points' scores
(N, C) against the gts' one-hot classes (G, C) into (G, N, C), take the binary cross-entropy, sum over C.
With 80 classes, 8400 points and 100 gts that tensor holds 67 million floats per image — and most of the
work is the same for every gt. Write the class cost so that nothing of size G·N·C is ever built. Replace
the ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade simota_cost                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("simota_cost")   # in the notebook

Use torch only. The grader also runs your function on G = 64, N = 20 000, C = 256, where the (G, N, C)
tensor alone would take 1.3 GB, and allows it 512 MiB.
"""

from __future__ import annotations

from torch import Tensor


def class_cost(cls_logits: Tensor, obj_logits: Tensor, gt_classes: Tensor) -> Tensor:
    """Class cost of every (gt, point) pair, equal to notebook 06's dense version.

    Args:
        cls_logits: (N, C) class logits of the candidate points (any float dtype).
        obj_logits: (N,) objectness logits.
        gt_classes: (G,) int64 class of each gt, in 0..C − 1.

    Returns:
        (G, N) float32, the same numbers (within 1e-4) as ``yolox_edu.assign.class_cost_dense``: for each
        pair, the binary cross-entropy between the point's joint scores sqrt(sigmoid(cls) · sigmoid(obj))
        and the one-hot of the gt's class, summed over the C classes, with each log clamped at −100 the way
        ``torch.nn.functional.binary_cross_entropy`` clamps it. G = 0 → a (0, N) tensor.
        Memory: O(G·N + N·C), never O(G·N·C).

    Example:
        one point, C = 2, joint scores (0.8, 0.1), gt class 0 → 0.223 + 0.105 = 0.329; the same point for a
        gt of class 1 → 1.609 + 2.303 = 3.912.
    """
    raise NotImplementedError
