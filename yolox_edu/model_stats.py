"""Parameter counts and GFLOPs of the YOLOX family, measured without allocating a single weight.

Models are built on PyTorch's ``meta`` device (shapes only, no memory, no arithmetic) and run once under
``torch.utils.flop_counter.FlopCounterMode``, so even YOLOX-X at 640² is counted in about a second.
GFLOPs follow the paper's convention: 2 × multiply-accumulates, batch 1 (the official tools report
``thop`` MACs × 2). The published table (YOLOX paper / official README) is kept beside for comparison.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

__all__ = ["PUBLISHED", "ModelStats", "count_parameters", "count_gflops", "model_stats", "zoo_stats",
           "meta_feature_shapes", "TrainingMemory", "training_memory"]

# name: (input size, params in M, GFLOPs, COCO val AP) as published for the official models
PUBLISHED: dict[str, tuple[int, float, float, float]] = {
    "yolox-nano": (416, 0.91, 1.08, 25.8),
    "yolox-tiny": (416, 5.06, 6.45, 32.8),
    "yolox-s": (640, 9.0, 26.8, 40.5),
    "yolox-m": (640, 25.3, 73.8, 46.9),
    "yolox-l": (640, 54.2, 155.6, 49.7),
    "yolox-x": (640, 99.1, 281.9, 51.1),
    "yolox-darknet53": (640, 63.7, 185.3, 47.7),
}


@dataclass(frozen=True)
class ModelStats:
    """Measured size of one model at one input size, with the published numbers beside."""

    name: str
    input_size: int
    params_m: float
    gflops: float
    published_params_m: float | None
    published_gflops: float | None
    published_ap: float | None


def count_parameters(model: nn.Module) -> int:
    """Number of parameter elements (works on meta-device models too)."""
    return sum(p.numel() for p in model.parameters())


def count_gflops(model: nn.Module, input_size: int | tuple[int, int]) -> float:
    """GFLOPs (2 × MACs) of one forward pass of a batch-1 ``(3, H, W)`` input, counted on the meta device.

    The model is not changed: a meta-device copy is counted when it holds real weights."""
    h, w = (input_size, input_size) if isinstance(input_size, int) else input_size
    meta = model if _is_meta(model) else _meta_copy(model)
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        meta.eval()(torch.zeros(1, 3, h, w, device="meta"))
    return counter.get_total_flops() / 1e9


def _is_meta(model: nn.Module) -> bool:
    return all(p.is_meta for p in model.parameters())


def _meta_copy(model: nn.Module) -> nn.Module:
    import copy

    with torch.device("meta"):
        clone = copy.deepcopy(model)
    return clone.to("meta")


def model_stats(name: str, input_size: int | None = None, num_classes: int = 80) -> ModelStats:
    """Parameters (M) and GFLOPs of a named model (``yolox-nano`` … ``yolox-x``, ``yolox-darknet53``) at
    ``input_size`` (default: the published size), built on the meta device."""
    from yolox_edu.models import build_model, canonical_name

    name = canonical_name(name)
    published = PUBLISHED.get(name)
    size = input_size or (published[0] if published else 640)
    with torch.device("meta"):
        model = build_model(name, num_classes=num_classes)
    same = published is not None and size == published[0] and num_classes == 80
    return ModelStats(name, size, count_parameters(model) / 1e6, count_gflops(model, size),
                      published[1] if same else None, published[2] if same else None,
                      published[3] if same else None)


def zoo_stats(names: tuple[str, ...] = tuple(PUBLISHED)) -> list[ModelStats]:
    """``model_stats`` of every model in ``names`` at its published input size."""
    return [model_stats(n) for n in names]


def meta_feature_shapes(model: nn.Module, modules: dict[str, nn.Module], input_size: int | tuple[int, int]
                        ) -> dict[str, tuple[int, ...]]:
    """Output shapes of the named submodules of ``model`` for a batch-1 input, on the meta device (no compute).

    ``modules`` maps a display name to a submodule of ``model`` (e.g. ``{"dark3": model.backbone.backbone.dark3}``);
    a module that returns a tuple gets one entry per element (``name[0]``, ``name[1]``, …)."""
    h, w = (input_size, input_size) if isinstance(input_size, int) else input_size
    shapes: dict[str, tuple[int, ...]] = {}

    def record(name: str):
        def hook(_module, _inputs, output):
            if isinstance(output, (tuple, list)):
                for k, o in enumerate(output):
                    shapes[f"{name}[{k}]"] = tuple(o.shape)
            else:
                shapes[name] = tuple(output.shape)
        return hook

    meta = model if _is_meta(model) else _meta_copy(model)
    by_id = {id(m): n for n, m in modules.items()}
    handles = [m.register_forward_hook(record(by_id[id(orig)]))
               for orig, m in zip(model.modules(), meta.modules()) if id(orig) in by_id]
    try:
        with torch.no_grad():
            meta.eval()(torch.zeros(1, 3, h, w, device="meta"))
    finally:
        for handle in handles:
            handle.remove()
    return shapes


@dataclass(frozen=True)
class TrainingMemory:
    """An estimate of the accelerator memory one training step needs (GB = 1e9 bytes), counted on the meta
    device: no GPU is used, so the CUDA context, cuDNN workspaces and the allocator's caching come on top
    (none is counted). Read it as a lower bound; ``torch.cuda.max_memory_allocated()`` after a few steps
    is the truth."""

    name: str
    input_size: int
    batch: int
    amp: bool
    weights_gb: float  # fp32 weights, plus autocast's fp16 copies under AMP
    grads_gb: float  # fp32, one per weight
    optimizer_gb: float  # SGD momentum: one fp32 buffer per weight (AdamW: two)
    activations_gb: float  # what autograd keeps from the forward pass for the backward pass

    @property
    def total_gb(self) -> float:
        return self.weights_gb + self.grads_gb + self.optimizer_gb + self.activations_gb


def training_memory(name: str, batch: int, input_size: int | None = None, *, amp: bool = True,
                    num_classes: int = 80, optimizer_buffers: int = 1) -> TrainingMemory:
    """Estimate the memory of one training step of a named model at ``batch`` images of ``input_size``².

    The model runs its forward pass once on the meta device (shapes only) with a batch of 1, in fp16 for
    ``amp`` (autocast keeps convolution and activation outputs in fp16) and fp32 otherwise; every tensor
    autograd saves for the backward pass is counted once (weights excluded) and scaled by ``batch``, which
    is exact for a network whose activations grow linearly with the batch, as this one does. The loss
    and SimOTA's per-image matrices are not counted (tens of MB at COCO sizes)."""
    from yolox_edu.models import canonical_name

    name = canonical_name(name)
    size = input_size or (PUBLISHED[name][0] if name in PUBLISHED else 640)
    n, per_image = _saved_per_image(name, size, amp, num_classes)
    gb = 1e9
    return TrainingMemory(name, size, batch, amp, n * (4 + 2 * amp) / gb, n * 4 / gb, n * 4 * optimizer_buffers / gb,
                          per_image * batch / gb)


@functools.lru_cache(maxsize=64)
def _saved_per_image(name: str, size: int, amp: bool, num_classes: int) -> tuple[int, int]:
    """(parameter count, bytes autograd saves for one image), from one meta-device forward pass."""
    from yolox_edu.models import build_model

    dtype = torch.float16 if amp else torch.float32
    with torch.device("meta"):
        model = build_model(name, num_classes=num_classes).to(dtype).train()
    weights = {id(p) for p in model.parameters()}
    saved: dict[int, torch.Tensor] = {}  # id → tensor; holding them keeps the ids unique

    def pack(t: torch.Tensor) -> torch.Tensor:
        if id(t) not in weights:
            saved.setdefault(id(t), t)
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        model(torch.zeros(1, 3, size, size, device="meta", dtype=dtype, requires_grad=True))
    return count_parameters(model), sum(t.numel() * t.element_size() for t in saved.values())
