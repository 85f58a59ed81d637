"""Training checkpoints: everything a run needs to continue exactly where it stopped.

Layout (a superset of an inference checkpoint, so ``yolox_edu.load_checkpoint`` reads it):
``model`` the weights to run (the EMA when EMA is on, as the official trainer saves), ``config`` the
model config, ``experiment`` the whole experiment config, ``class_names``, and for resuming
``train_model``, ``ema_updates``, ``optimizer``, ``scaler``, ``epoch`` (epochs finished),
``iteration`` (optimizer steps done), ``iter_in_epoch`` (steps done in the unfinished epoch),
``best_ap`` and ``rng``. Written atomically (``yolox_edu.checkpoint.atomic_save``)."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import Any

import numpy as np
import torch

from yolox_edu.checkpoint import atomic_save

__all__ = ["capture_rng", "restore_rng", "save_training_state"]


def capture_rng() -> dict[str, Any]:
    """Python, NumPy and torch RNG states in types ``torch.load(weights_only=True)`` accepts."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    state = {"python": random.getstate(), "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), pos, has_gauss,
                                                    cached), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any]) -> None:
    random.setstate(_tuples(state["python"]))
    kind, keys, pos, has_gauss, cached = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _tuples(x: Any) -> Any:
    return tuple(_tuples(v) for v in x) if isinstance(x, (list, tuple)) else x


def save_training_state(path: str | Path, *, model: torch.nn.Module, ema: Any, optimizer: torch.optim.Optimizer,
                        scaler: Any, experiment: Any, epoch: int, iteration: int, iter_in_epoch: int,
                        best_ap: float, class_names: list[str]) -> Path:
    run_model = ema.ema if ema is not None else model
    ckpt = {
        "model": run_model.state_dict(),
        "config": dataclasses.asdict(model.cfg),
        "experiment": dataclasses.asdict(experiment),
        "class_names": list(class_names),
        "train_model": model.state_dict(),
        "ema_updates": ema.updates if ema is not None else 0,
        "optimizer": optimizer.state_dict(),
        "scaler": scaler.state_dict() if scaler is not None and scaler.is_enabled() else None,
        "epoch": epoch,
        "iteration": iteration,
        "iter_in_epoch": iter_in_epoch,
        "best_ap": best_ap,
        "rng": capture_rng(),
    }
    return atomic_save(ckpt, path)
