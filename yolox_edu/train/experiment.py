"""Experiment configs: dataclasses of values with commented defaults, and presets that mirror the
official experiments (``yolox-nano`` … ``yolox-darknet53`` on COCO) plus ``demo`` (YOLOX-nano on the
bundled synthetic set, on a laptop CPU). Override with ``--set key=value`` (dotted keys, checked)."""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import dataclass, field
from typing import Any

from yolox_edu.config import ModelConfig, apply_overrides, model_config
from yolox_edu.errors import ConfigKeyError, UsageError
from yolox_edu.samples import data_samples

__all__ = ["DataConfig", "AugConfig", "TrainConfig", "EvalConfig", "ExperimentConfig", "experiment_preset",
           "EXPERIMENT_PRESETS", "parse_overrides", "config_from_dict", "with_sections", "override"]


@dataclass
class DataConfig:
    dir: str | None = None  # COCO layout: DIR/annotations/instances_<split>.json, images in DIR/<split>/
    train_split: str = "train2017"
    val_split: str = "val2017"
    train_ann: str | None = None  # overrides for non-standard layouts
    train_images: str | None = None
    val_ann: str | None = None
    val_images: str | None = None
    batch_size: int = 64  # total over all processes; lr scales with it
    num_workers: int = 4  # per process; 0 loads in the training process (best on 2 cores, see demo)
    max_labels: int = 120  # targets padded to this many rows
    cache: str = "none"  # "none" | "ram" | "disk": decoded training images at the input size (data/cache.py)
    cache_dir: str | None = None  # where data.cache=disk keeps its file (default ~/.cache/yolox_edu)
    augment_on: str = "auto"  # "cpu" | "device": where Mosaic/affine/MixUp/HSV/flip run; auto: device on CUDA


@dataclass
class AugConfig:
    mosaic_prob: float = 1.0
    mixup_prob: float = 1.0
    hsv_prob: float = 1.0
    flip_prob: float = 0.5
    degrees: float = 10.0  # random affine rotation ± degrees
    translate: float = 0.1  # ± fraction of the size
    shear: float = 2.0  # ± degrees
    mosaic_scale: tuple[float, float] = (0.1, 2.0)
    mixup_scale: tuple[float, float] = (0.5, 1.5)
    multiscale_range: int = 5  # sizes (input/32 ± range)·32; 0 turns multi-scale off
    random_size: tuple[int, int] | None = None  # explicit (min, max) in units of 32, wins over the range
    multiscale_interval: int = 10  # iterations between size changes


@dataclass
class TrainConfig:
    max_epoch: int = 300
    warmup_epochs: int = 5
    warmup_lr: float = 0.0
    basic_lr_per_img: float = 0.01 / 64  # lr = basic_lr_per_img × total batch size
    min_lr_ratio: float = 0.05  # cosine floor, held for the no-augmentation tail
    no_aug_epochs: int = 15  # last epochs: no Mosaic/MixUp, L1 loss on
    optimizer: str = "sgd"  # "sgd" (official, Nesterov) | "adamw" (quicker on short runs)
    momentum: float = 0.9  # SGD momentum; AdamW's beta1
    weight_decay: float = 5e-4  # conv/linear weights only
    ema: bool = True
    ema_decay: float = 0.9998  # EMA decay once ramped up
    ema_ramp: float = 2000.0  # iterations: decay·(1 − exp(−n/ramp)); shorter runs want a shorter ramp
    amp: str = "auto"  # "auto" (fp16 on CUDA, off on CPU) | "fp16" | "bf16" | "off"
    sync_bn: bool = False
    channels_last: bool = True  # NHWC memory format: ~1.4x faster training steps on this CPU
    seed: int = 0
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:1" ...
    eval_interval: int = 10  # epochs between evaluations (every epoch in the no-aug tail)
    save_interval_epochs: int = 1  # epochs between last.pth saves (the last epoch and a stop always save)
    save_interval_iters: int = 0  # also save last.pth every N iterations (0: only at epoch ends)
    max_iters_per_epoch: int = 0  # cap for smoke runs (0: the whole dataset)
    init_from: str | None = None  # start from these weights (ours or official; class layers dropped if C differs)


@dataclass
class EvalConfig:
    conf_thresh: float = 0.01  # training-time protocol; published numbers use 0.001
    nms_thresh: float = 0.65
    batch_size: int = 8


@dataclass
class ExperimentConfig:
    name: str = "yolox-s"
    out_dir: str = "runs/yolox-s"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    aug: AugConfig = field(default_factory=AugConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)


def _coco(name: str, **model_overrides: Any) -> ExperimentConfig:
    return ExperimentConfig(name=name, out_dir=f"runs/{name}", model=model_config(name, **model_overrides))


def _small(name: str) -> ExperimentConfig:
    """Nano and Tiny: milder scale jitter, sizes 320–640, no MixUp (Nano also half the mosaics)."""
    exp = _coco(name)
    exp.aug.mosaic_scale, exp.aug.random_size, exp.aug.mixup_prob = (0.5, 1.5), (10, 20), 0.0
    if name == "yolox-nano":
        exp.aug.mosaic_prob = 0.5
    return exp


def _demo() -> ExperimentConfig:
    """YOLOX-nano on data_samples/synth, sized to learn on 2 CPU cores in under ten minutes.

    The official nano recipe (warmup, cosine, no-aug tail with L1, EMA, multi-scale) with four changes
    for a run of 1500 steps from scratch: AdamW with a high lr instead of SGD (far fewer steps to a
    usable detector), small batches (more updates per CPU second), a short EMA ramp (250 iterations
    instead of 2000: with 2000 the decay stays so low through a 1500-step run that the EMA barely
    averages, the last few steps make up nearly all of it; 250 spreads it over the last few hundred
    steps, see notebook 09), and no Mosaic (on 400 images and
    30 epochs the model is under-trained, and Mosaic's harder images slow learning: val AP50 0.78 with
    Mosaic 0.5 vs 0.88 without, same 30 epochs). Multi-scale 224–320, evaluation at 320 in the no-aug
    tail. ``--set aug.mosaic_prob=0.5`` restores the official nano augmentation (its affine jitter
    below only acts inside Mosaic). Data loads in the training process: on 2 cores one loader worker
    makes each step ~38 % slower (it fights the two compute threads for the cores) while loading a
    batch takes only ~30 ms.

    The lr is 0.004 per image (0.032 for the batch of 8). At 0.008 the outcome swung with tiny numeric
    changes: seed 0 on a CPU in float32 ended at val AP50 0.719 while the same seed under bf16 reached
    0.897, and two GPU runs ended at 0.797 and 0.749. At 0.004 seeds 0–3 reached 0.827, 0.910, 0.853 and
    0.876 (seeds 0 and 2 at 0.008: 0.719 and 0.850)."""
    exp = _coco("yolox-nano", input_size=(320, 320), num_classes=6)
    exp.name, exp.out_dir = "demo", "runs/demo"
    exp.data = DataConfig(dir=str(data_samples() / "synth"), train_split="train", val_split="val", batch_size=8,
                          num_workers=0, max_labels=50)
    exp.aug = AugConfig(mosaic_prob=0.0, mixup_prob=0.0, mosaic_scale=(0.5, 1.5), degrees=5.0, shear=1.0,
                        random_size=(7, 10), multiscale_interval=10)
    exp.train = TrainConfig(max_epoch=30, warmup_epochs=1, optimizer="adamw", basic_lr_per_img=0.004,
                            weight_decay=0.05, no_aug_epochs=6, eval_interval=100, ema_ramp=250.0)
    exp.eval = EvalConfig(conf_thresh=0.001, nms_thresh=0.65, batch_size=16)
    return exp


EXPERIMENT_PRESETS = {
    "yolox-nano": lambda: _small("yolox-nano"),
    "yolox-tiny": lambda: _small("yolox-tiny"),
    "yolox-s": lambda: _coco("yolox-s"),
    "yolox-m": lambda: _coco("yolox-m"),
    "yolox-l": lambda: _coco("yolox-l"),
    "yolox-x": lambda: _coco("yolox-x"),
    "yolox-darknet53": lambda: _coco("yolox-darknet53"),
    "demo": _demo,
}


def experiment_preset(name: str, overrides: dict[str, Any] | None = None) -> ExperimentConfig:
    """The preset ``name`` with dotted-key overrides applied (``{"train.max_epoch": 5}``)."""
    if name not in EXPERIMENT_PRESETS:
        raise UsageError(f"unknown preset {name!r}; choose one of: {', '.join(EXPERIMENT_PRESETS)}")
    return override(EXPERIMENT_PRESETS[name](), overrides or {})


SECTIONS = {"train": TrainConfig, "data": DataConfig, "aug": AugConfig, "eval": EvalConfig}


def _short_keys() -> dict[str, tuple[str, ...]]:
    """Field name → the sections that have it (``"batch_size": ("data", "eval")``)."""
    out: dict[str, tuple[str, ...]] = {}
    for section, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            out[f.name] = (*out.get(f.name, ()), section)
    return out


SHORT_KEYS = _short_keys()


def override(exp: ExperimentConfig, overrides: dict[str, Any]) -> ExperimentConfig:
    """A copy of ``exp`` with ``--set``-style overrides (short or dotted keys, type-checked) applied;
    errors name ``--set`` and the key."""
    try:
        return apply_overrides(exp, with_sections(overrides))
    except UsageError as e:
        if str(e).startswith("--set"):
            raise
        raise type(e)(f"--set: {e}") from None


def with_sections(overrides: dict[str, Any]) -> dict[str, Any]:
    """Let unambiguous short names reach their section: ``max_epoch`` → ``train.max_epoch``.

    A name in two sections (``batch_size``: ``data.batch_size`` and ``eval.batch_size``) is refused, and
    so is a name in none; both errors name ``--set`` and the dotted keys to write instead."""
    top = {f.name for f in dataclasses.fields(ExperimentConfig)}
    out = {}
    for key, value in overrides.items():
        if "." in key or key in top:
            out[key] = value
            continue
        sections = SHORT_KEYS.get(key, ())
        if not sections:
            raise ConfigKeyError(f"--set {key}: unknown config key; use a dotted key such as train.max_epoch or "
                                 f"data.batch_size (yolox-edu train --print-config lists them all)")
        if len(sections) > 1:
            choices = " or ".join(f"{s}.{key}" for s in sections)
            raise ConfigKeyError(f"--set {key} is ambiguous: it could be {choices}; write the dotted key")
        out[f"{sections[0]}.{key}"] = value
    return out


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["max_epoch=5", "data.dir=/data/coco", "aug.mosaic_scale=(0.5, 1.5)"]`` → a dict of values."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set expects KEY=VALUE, got {item!r}")
        try:
            value = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            value = text.strip()  # a plain string such as a path
        out[key.strip()] = value
    return out


def config_from_dict(d: dict[str, Any]) -> ExperimentConfig:
    """Rebuild an ExperimentConfig from ``dataclasses.asdict`` output (as saved in checkpoints)."""
    def build(cls: type, values: dict[str, Any]) -> Any:
        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name in values:
                v = values[f.name]
                sub = {"model": ModelConfig, "data": DataConfig, "aug": AugConfig, "train": TrainConfig,
                       "eval": EvalConfig}.get(f.name) if cls is ExperimentConfig else None
                kwargs[f.name] = build(sub, v) if sub else (tuple(v) if isinstance(v, list) else v)
        return cls(**kwargs)
    return build(ExperimentConfig, d)
