"""Shared set-up for the course notebooks: where the bundled data lives, the demo model, seeding.

Every notebook starts with ``from yolox_edu import course; course.setup()`` so its figures are the same
on every run; the rest of its code uses the library's public API, as a script would.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from torch import nn

from yolox_edu.samples import data_samples, demo_checkpoint

__all__ = ["setup", "data_samples", "demo_checkpoint", "load_demo_model", "DEMO_CLASSES"]

# The six shapes of data_samples/synth, in category order (ids 1..6 in its COCO json).
DEMO_CLASSES = ("circle", "square", "triangle", "star", "ring", "cross")


def load_demo_model(trained: bool = True) -> nn.Module:
    """YOLOX-nano for the 6 shapes, in eval mode: the demo checkpoint, or fresh weights (seeded)."""
    from yolox_edu.checkpoint import build_model_for_checkpoint, load_checkpoint, read_checkpoint

    ckpt = read_checkpoint(demo_checkpoint())
    torch.manual_seed(0)
    model = build_model_for_checkpoint("yolox-nano", ckpt)
    if trained:
        load_checkpoint(model, demo_checkpoint())
    return model.eval()


def setup(seed: int = 0, threads: int | None = None) -> None:
    """Seed python/numpy/torch, cap torch threads at the cores, and set a legible figure style."""
    import matplotlib as mpl

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads or min(4, os.cpu_count() or 1))
    mpl.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 11,
                         "figure.constrained_layout.use": True})
