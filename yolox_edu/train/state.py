"""Training checkpoints: everything a run needs to continue exactly where it stopped.

Layout (a superset of an inference checkpoint, so ``yolox_edu.load_checkpoint`` reads it):
``model`` the weights to run (the EMA when EMA is on, as the official trainer saves), ``config`` the
model config, ``experiment`` the whole experiment config, ``class_names``, and for resuming
``train_model``, ``ema_updates``, ``optimizer``, ``scaler``, ``epoch`` (epochs finished),
``iteration`` (optimizer steps done), ``iter_in_epoch`` (steps done in the unfinished epoch),
``best_ap`` and ``rng``. Written atomically (``yolox_edu.checkpoint.atomic_save``).

``save(tr, name)`` and ``resume(tr, path)`` write and read them for the training loop's ``Trainer``;
resuming a checkpoint saved mid-epoch continues on the very batches the run would have had next."""

from __future__ import annotations

import dataclasses
import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from yolox_edu.checkpoint import atomic_save, read_checkpoint
from yolox_edu.errors import UsageError
from yolox_edu.train import distributed as D

if TYPE_CHECKING:
    from yolox_edu.train.loop import Trainer

__all__ = ["capture_rng", "restore_rng", "save_training_state", "save", "resume"]


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


def save(tr: Trainer, name: str) -> Path | None:
    """``tr.out_dir / name`` with everything needed to continue (rank 0 writes; None on other ranks)."""
    if not D.is_main():
        return None
    return save_training_state(tr.out_dir / name, model=tr.core, ema=tr.ema, optimizer=tr.optimizer,
                               scaler=tr.scaler, experiment=tr.exp, epoch=tr.epoch, iteration=tr.iteration,
                               iter_in_epoch=tr.iter_in_epoch, best_ap=tr.best_ap, class_names=tr.class_names)


def resume(tr: Trainer, path: str | Path) -> None:
    """Load model, EMA, optimizer, scaler, counters and RNG states from a training checkpoint."""
    ckpt = read_checkpoint(path)
    if "train_model" not in ckpt:
        raise UsageError(f"{path} is not a training checkpoint (no optimizer state); to start from its weights "
                         "use --set train.init_from=PATH")
    tr.core.load_state_dict(ckpt["train_model"])
    tr.core.cfg.bgr = bool(ckpt["config"].get("bgr", False))  # e.g. a run started from official weights
    if tr.ema is not None:
        tr.ema.load_state_dict({"model": ckpt["model"], "updates": ckpt["ema_updates"]})
        tr.ema.ema.cfg.bgr = tr.core.cfg.bgr
    tr.optimizer.load_state_dict(ckpt["optimizer"])
    if ckpt.get("scaler") and tr.scaler.is_enabled():
        tr.scaler.load_state_dict(ckpt["scaler"])
    tr.epoch, tr.iteration, tr.iter_in_epoch = ckpt["epoch"], ckpt["iteration"], ckpt["iter_in_epoch"]
    tr.best_ap = ckpt.get("best_ap", -1.0)
    restore_rng(ckpt["rng"])
