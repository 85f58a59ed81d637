"""Saving and loading weights: our checkpoints and official YOLOX ``.pth`` files.

A checkpoint is a dict with ``model`` (the state dict to run: the EMA weights when training used EMA,
as the official trainer saves them) plus, for ours, ``config`` (the model config as a dict) and
whatever the trainer adds (optimizer, epoch, …). Files are written atomically: a temp file in the
same folder, flushed to disk, then renamed over the target, so a crash never leaves a half file.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from yolox_edu.errors import UsageError

__all__ = ["save_checkpoint", "atomic_save", "read_checkpoint", "load_checkpoint", "export_weights",
           "build_model_for_checkpoint", "load_model", "CheckpointError", "ChannelOrderNotice"]

CLASS_LAYERS = "head.cls_preds."


class CheckpointError(UsageError):
    """A file that is not a usable checkpoint for this model; the message says why."""


class ChannelOrderNotice(UserWarning):
    """``load_checkpoint`` set ``model.cfg.bgr`` to the checkpoint's channel order. Information, not a
    problem (the model flips channels itself): filter this category alone to silence it."""


def atomic_save(obj: Any, path: str | Path) -> Path:
    """``torch.save`` to a temp file next to ``path``, fsync, then rename over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file the permissions a plain save would
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_checkpoint(path: str | Path, model: nn.Module, **extra: Any) -> Path:
    """Save ``model``'s weights and config (plus ``extra`` entries) atomically; returns the path."""
    if any(isinstance(m, nn.Identity) and n.endswith(".bn") for n, m in model.named_modules()):
        raise ValueError("this model was fused (model.fuse()); save the unfused model so that it can be "
                         "loaded again")
    cfg = getattr(model, "cfg", None)
    ckpt = {"model": model.state_dict(), **extra}
    if cfg is not None:
        ckpt["config"] = dataclasses.asdict(cfg)
    return atomic_save(ckpt, path)


def read_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint dict with ``torch.load(weights_only=True)``; clear errors for bad files."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # pickle, zip and unpickler errors all mean "not a checkpoint we can read"
        raise CheckpointError(f"{path} is not a readable PyTorch checkpoint ({type(e).__name__}: "
                              f"{str(e).splitlines()[0][:200]})") from None
    if isinstance(ckpt, dict) and "model" not in ckpt and ckpt and all(
            isinstance(v, torch.Tensor) for v in ckpt.values()):
        ckpt = {"model": ckpt}  # a bare state dict
    if not isinstance(ckpt, dict) or not isinstance(ckpt.get("model"), dict):
        raise CheckpointError(f"{path} holds no model weights: expected a dict with a 'model' state dict")
    return ckpt


def _mismatches(model_sd: dict, ckpt_sd: dict) -> tuple[list[str], list[str], list[str]]:
    """Keys missing from the checkpoint, unexpected in it, and present in both with other shapes."""
    missing = [k for k in model_sd if k not in ckpt_sd]
    unexpected = [k for k in ckpt_sd if k not in model_sd]
    shapes = [f"{k}: checkpoint {tuple(ckpt_sd[k].shape)} vs model {tuple(model_sd[k].shape)}"
              for k in model_sd if k in ckpt_sd and ckpt_sd[k].shape != model_sd[k].shape]
    return missing, unexpected, shapes


def load_checkpoint(model: nn.Module, path: str | Path, key: str = "model") -> dict[str, Any]:
    """Load weights from our checkpoint or an official YOLOX ``.pth`` into ``model``; returns the dict.

    Keys and shapes must match exactly, except the class-prediction layers: a checkpoint trained for
    another number of classes loads everything else and leaves ``head.cls_preds`` freshly
    initialised (fine-tuning), with a warning. Any other difference is an error naming the first
    mismatching keys. The checkpoint decides the input channel order: official weights expect BGR,
    ours record it in their config; ``model.cfg.bgr`` is set to match, with a warning if it changes.
    """
    ckpt = read_checkpoint(path)
    state = ckpt[key] if key in ckpt else None
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} has no {key!r} entry (entries: {', '.join(map(str, ckpt))})")
    model_sd = model.state_dict()
    missing, unexpected, shapes = _mismatches(model_sd, state)
    finetune = bool(shapes) and not missing and not unexpected and all(s.startswith(CLASS_LAYERS) for s in shapes)
    if finetune:
        state = {k: v for k, v in state.items() if not k.startswith(CLASS_LAYERS)}
        n_ckpt = state_num_classes(ckpt[key])
        warnings.warn(f"{path}: trained for {n_ckpt} classes, the model has {model.num_classes}; "
                      "loaded everything except the class-prediction layers (head.cls_preds), which keep "
                      "their fresh initialisation for fine-tuning", stacklevel=2)
    elif missing or unexpected or shapes:
        problems = [f"missing from checkpoint: {k}" for k in missing[:5]]
        problems += [f"not in model: {k}" for k in unexpected[:5]] + shapes[:5]
        arch = (ckpt.get("config") or {}).get("name", "an unknown architecture")
        raise CheckpointError(
            f"{path} does not fit this model ({getattr(getattr(model, 'cfg', None), 'name', '?')}); "
            f"it looks like {arch}. {len(missing)} missing, {len(unexpected)} unexpected, "
            f"{len(shapes)} shape mismatches. First: " + "; ".join(problems))
    model.load_state_dict(state, strict=not finetune)
    _adopt_channel_order(model, ckpt, path)
    return ckpt


def state_num_classes(state: dict[str, torch.Tensor]) -> int | None:
    """Number of classes a state dict was trained for (rows of the first class-prediction conv)."""
    w = state.get(f"{CLASS_LAYERS}0.weight")
    return None if w is None else int(w.shape[0])


def _adopt_channel_order(model: nn.Module, ckpt: dict[str, Any], path: str | Path) -> None:
    cfg = getattr(model, "cfg", None)
    if cfg is None:
        return
    official = "config" not in ckpt
    bgr = True if official else bool(ckpt["config"].get("bgr", False))
    if bgr != cfg.bgr:
        origin = "official YOLOX weights expect" if official else "these weights were trained on"
        warnings.warn(f"{path}: {origin} {'BGR' if bgr else 'RGB'} input; set model.cfg.bgr={bgr} "
                      "(keep feeding RGB images: the model flips channels itself)", ChannelOrderNotice, stacklevel=3)
        cfg.bgr = bgr


def export_weights(src: str | Path, dst: str | Path) -> Path:
    """Write an inference-only copy of a checkpoint: the weights to run (EMA when trained with EMA), the
    model config and class names — no optimizer or training state (about half the size)."""
    ckpt = read_checkpoint(src)
    slim = {k: ckpt[k] for k in ("model", "config", "class_names") if k in ckpt}
    return atomic_save(slim, dst)


def build_model_for_checkpoint(name: str, ckpt: dict[str, Any], num_classes: int | None = None) -> nn.Module:
    """``build_model(name)`` shaped for a checkpoint read with ``read_checkpoint``: its class count (unless
    ``num_classes`` is given) and, for our checkpoints of the same model, the input size it was trained at
    (and for the roadmap's YOLOv3 rungs its head, anchors and rule)."""
    from yolox_edu.anchors import anchors_enabled
    from yolox_edu.models import build_model, canonical_name

    overrides: dict[str, Any] = {}
    cfg = ckpt.get("config") or {}
    if cfg.get("name") == canonical_name(name):
        if cfg.get("input_size"):
            overrides["input_size"] = tuple(cfg["input_size"])
        if anchors_enabled(cfg.get("anchors")) or cfg.get("head", "decoupled") != "decoupled":  # a roadmap rung
            overrides.update(head=cfg.get("head", "decoupled"), anchors=cfg.get("anchors", "none"),
                             assigner=cfg["assigner"])
            num_classes = num_classes or cfg.get("num_classes")  # class layers hold K·C rows (or none)
    classes = num_classes or state_num_classes(ckpt["model"]) or 80
    return build_model(name, num_classes=classes, **overrides)


def load_model(name: str, path: str | Path, num_classes: int | None = None) -> tuple[nn.Module, dict[str, Any]]:
    """``name`` built for the checkpoint at ``path`` with its weights loaded, in eval mode, and the
    checkpoint dict: the one "build the model and load the checkpoint" of the command line.

    The class count is the checkpoint's; a different ``num_classes`` is an error here (inference with
    freshly initialised class layers draws random labels). The channel-order notice is silenced (expected
    for official weights); any other warning is shown."""
    ckpt = read_checkpoint(path)
    trained_for = state_num_classes(ckpt["model"])
    if num_classes is not None and trained_for is not None and num_classes != trained_for:
        raise UsageError(f"{path} predicts {trained_for} classes, not --num-classes {num_classes}; drop "
                         "--num-classes (it is read from the checkpoint) or pass the checkpoint trained for it")
    model = build_model_for_checkpoint(name, ckpt, num_classes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ChannelOrderNotice)
        load_checkpoint(model, path)
    return model.eval(), ckpt
