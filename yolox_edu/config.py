"""Model configurations: values only. Builders live next to what they build (``build_model``).

Presets mirror the official model zoo (depth and width multipliers, input size)."""

from __future__ import annotations

import dataclasses
import numbers
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from yolox_edu.errors import ConfigKeyError, UsageError

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
    head: str = "decoupled"  # "decoupled" (YOLOX) | "coupled" (YOLOv3: one 3×3 conv, one 1×1 for everything)
    anchors: Any = "none"  # "none" (anchor-free) | "yolov3" (COCO anchors) | 9 (w, h) pairs px | "w,h w,h ..."
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


def apply_overrides(cfg: Any, overrides: dict[str, Any], _prefix: str = "") -> Any:
    """A copy of dataclass ``cfg`` with ``overrides`` applied; dotted keys reach nested dataclasses.

    Unknown keys are errors (a typo must not be silently ignored), and each value must fit its field's
    type: ``max_epoch="abc"`` is refused, ``input_size=[320, 320]`` becomes the tuple ``(320, 320)``."""
    cfg = dataclasses.replace(cfg)
    names = {f.name for f in dataclasses.fields(cfg)}
    hints = typing.get_type_hints(type(cfg))
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if head not in names:
            raise ConfigKeyError(f"unknown config key {_prefix + key!r} for {type(cfg).__name__}; "
                                 f"known: {', '.join(sorted(names))}")
        if rest:
            setattr(cfg, head, apply_overrides(getattr(cfg, head), {rest: value}, f"{_prefix}{head}."))
        else:
            setattr(cfg, head, checked_value(value, hints[head], _prefix + head))
    return cfg


def checked_value(value: Any, hint: Any, key: str) -> Any:
    """``value`` converted to the field type ``hint`` (int → float, list → tuple, number → str), or a
    ``UsageError`` naming ``key``. Types outside this small vocabulary pass unchecked."""
    try:
        return _as_type(value, hint)
    except (TypeError, ValueError):
        pass
    raise UsageError(f"config key {key!r} expects {_type_name(hint)}, got {value!r} ({type(value).__name__})")


def _as_type(value: Any, hint: Any) -> Any:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any or isinstance(hint, typing.TypeVar):
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in (a for a in args if a is not type(None)):
            try:
                return _as_type(value, option)
            except (TypeError, ValueError):
                continue
        raise TypeError(value)
    if hint is bool:
        return _require(value, isinstance(value, bool))
    if hint is int:
        return _require(value, isinstance(value, numbers.Integral) and not isinstance(value, bool))
    if hint is float:
        return float(_require(value, isinstance(value, numbers.Real) and not isinstance(value, bool)))
    if hint is str:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)  # --set split=2017
        return str(_require(value, isinstance(value, str) or number))
    if origin is tuple:
        _require(value, isinstance(value, (list, tuple)))
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_as_type(v, args[0]) for v in value)
        _require(value, len(value) == len(args))
        return tuple(_as_type(v, a) for v, a in zip(value, args))
    if origin is dict or hint is dict:
        return _require(value, isinstance(value, dict))
    return value


def _require(value: Any, ok: bool) -> Any:
    if not ok:
        raise TypeError(value)
    return value


def _type_name(hint: Any) -> str:
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")
