"""Model configurations: values only. Builders live next to what they build (``build_model``).

Presets mirror the official model zoo (depth and width multipliers, input size)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ModelConfig", "model_config", "MODEL_PRESETS", "apply_overrides"]


@dataclass
class ModelConfig:
    name: str = "yolox-s"
    num_classes: int = 80
    depth: float = 0.33  # multiplies the number of bottlenecks in each CSP layer
    width: float = 0.50  # multiplies every channel count
    depthwise: bool = False  # depthwise-separable 3×3 convs everywhere (Nano)
    act: str = "silu"  # "silu" | "relu" | "lrelu"
    backbone: str = "cspdarknet"  # "cspdarknet" (PAFPN neck) | "darknet53" (YOLOv3 FPN neck)
    input_size: tuple[int, int] = (640, 640)  # (H, W) the preset is trained/evaluated at
    strides: tuple[int, ...] = (8, 16, 32)
    bgr: bool = False  # inputs arrive RGB; True flips channels first (the official weights expect BGR)
    assigner: str = "simota"  # label assignment rule used by the training loss (see yolox_edu.assign)
    loss: dict[str, Any] = field(default_factory=dict)  # keyword overrides for the loss (e.g. iou_type)


MODEL_PRESETS: dict[str, dict[str, Any]] = {
    "yolox-nano": dict(depth=0.33, width=0.25, depthwise=True, input_size=(416, 416)),
    "yolox-tiny": dict(depth=0.33, width=0.375, input_size=(416, 416)),
    "yolox-s": dict(depth=0.33, width=0.50),
    "yolox-m": dict(depth=0.67, width=0.75),
    "yolox-l": dict(depth=1.0, width=1.0),
    "yolox-x": dict(depth=1.33, width=1.25),
    "yolox-darknet53": dict(depth=1.0, width=1.0, act="lrelu", backbone="darknet53"),
}


def model_config(name: str, **overrides: Any) -> ModelConfig:
    """The preset ``name`` (one of ``MODEL_PRESETS``) with keyword overrides applied."""
    if name not in MODEL_PRESETS:
        raise ValueError(f"unknown model {name!r}; choose one of: {', '.join(MODEL_PRESETS)}")
    return apply_overrides(ModelConfig(name=name, **MODEL_PRESETS[name]), overrides)


def apply_overrides(cfg: Any, overrides: dict[str, Any]) -> Any:
    """A copy of dataclass ``cfg`` with ``overrides`` applied; dotted keys reach nested dataclasses.

    Unknown keys are errors (a typo must not be silently ignored)."""
    cfg = dataclasses.replace(cfg)
    names = {f.name for f in dataclasses.fields(cfg)}
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if head not in names:
            raise KeyError(f"unknown config key {key!r} for {type(cfg).__name__}; known: {', '.join(sorted(names))}")
        if rest:
            setattr(cfg, head, apply_overrides(getattr(cfg, head), {rest: value}))
        else:
            setattr(cfg, head, value)
    return cfg
