"""Solution: SimOTA's class cost without a (G, N, C) tensor (see exercises/simota_cost.py).

With y the one-hot of class g:  Σ_c BCE(p_c, y_c) = Σ_c −log(1 − p_c) + [−log p_g + log(1 − p_g)].
The first term depends on the point only (N,), the second on (gt class, point) (G, N).
"""

from __future__ import annotations

import torch
from torch import Tensor

LOG_CLAMP = 100.0  # F.binary_cross_entropy clamps each log at −100


def class_cost(cls_logits: Tensor, obj_logits: Tensor, gt_classes: Tensor) -> Tensor:
    p = (cls_logits.float().sigmoid() * obj_logits.float().sigmoid()[:, None]).sqrt()  # (N, C)
    neg = (-torch.log1p(-p)).clamp(max=LOG_CLAMP)  # (N, C) cost of "not class c"
    pos = (-torch.log(p)).clamp(max=LOG_CLAMP)  # (N, C) cost of "class c"
    per_point = neg.sum(dim=1)  # (N,)
    return per_point[None, :] + (pos - neg).t()[gt_classes]  # (G, N)
