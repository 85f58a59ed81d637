"""Exponential moving average of the weights (and BN statistics), with YOLOX's ramped decay."""

from __future__ import annotations

import copy
import math

import torch
from torch import nn

__all__ = ["ModelEMA", "ema_decay"]


def ema_decay(updates: int, decay: float = 0.9998, ramp: float = 2000.0) -> float:
    """``decay · (1 − exp(−updates / ramp))``: small at first so early weights are forgotten fast."""
    return decay * (1.0 - math.exp(-updates / ramp))


class ModelEMA:
    """Keeps ``self.ema``, a frozen copy of the model whose floating-point state follows
    ``ema = d·ema + (1 − d)·model`` after every optimizer step; ``d`` from ``ema_decay``."""

    def __init__(self, model: nn.Module, decay: float = 0.9998, ramp: float = 2000.0, updates: int = 0):
        self.ema = copy.deepcopy(unwrap(model)).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.decay, self.ramp, self.updates = decay, ramp, updates

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        self.updates += 1
        d = ema_decay(self.updates, self.decay, self.ramp)
        averaged, current = _float_state(self.ema), _float_state(unwrap(model))
        if len(averaged) != len(current):
            raise ValueError("ModelEMA.update: the model's structure differs from the averaged copy's")
        # ema = d·ema + (1 − d)·model, one fused call over all tensors (no Python loop per tensor)
        torch._foreach_lerp_(averaged, current, 1.0 - d)

    def state_dict(self) -> dict:
        return {"model": self.ema.state_dict(), "updates": self.updates}

    def load_state_dict(self, state: dict) -> None:
        self.ema.load_state_dict(state["model"])
        self.updates = int(state["updates"])


def _float_state(model: nn.Module) -> list[torch.Tensor]:
    """Parameters and floating-point buffers (BN statistics) in a fixed order, detached."""
    tensors = [p.detach() for p in model.parameters()]
    return tensors + [b for b in model.buffers() if b.dtype.is_floating_point]


def unwrap(model: nn.Module) -> nn.Module:
    """The model inside DistributedDataParallel / DataParallel wrappers."""
    return model.module if hasattr(model, "module") and isinstance(model.module, nn.Module) else model
