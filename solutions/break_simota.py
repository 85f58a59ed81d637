"""Solution: scenes that starve a gt (see exercises/break_simota.py)."""

from __future__ import annotations

import torch
from torch import Tensor


def simota_scene() -> Tensor:
    # A cross: a tall thin box and a wide flat one around nearly the same center (IoU 0.24). Every 32 × 32
    # prediction near the center overlaps the tall box better, so the points the flat box wants (its k = 2
    # cheapest) are the tall box's cheapest too, and conflicts go to the cheaper gt: the flat box gets none.
    return torch.tensor([[64.0, 60.0, 14.0, 56.0], [64.0, 56.0, 28.0, 10.0]])


def center_3x3_scene() -> Tensor:
    # Two boxes on the same level (both under 64 px) around the same center: identical 3 × 3 patches, and
    # every shared cell goes to the smaller box. IoU = 400 / 1600 = 0.25.
    return torch.tensor([[60.0, 60.0, 40.0, 40.0], [60.0, 60.0, 20.0, 20.0]])
