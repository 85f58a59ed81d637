"""The training loop, in plain sight: ``setup`` builds the pieces, ``train_one_epoch`` runs the
iterations (per-iteration lr, AMP, EMA), ``evaluate`` runs the COCO evaluator, and ``fit`` strings
epochs together with the no-augmentation switch (Mosaic/MixUp off, L1 loss on) and checkpoints.

Checkpoints and resuming live in ``train/state.py``, the JSON-lines/TensorBoard log in ``train/runlog.py``."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import warnings
from collections.abc import Iterable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from yolox_edu.checkpoint import load_checkpoint, read_checkpoint
from yolox_edu.data import CocoDataset, MosaicDataset, build_train_loader, coco_paths, multiscale_sizes
from yolox_edu.data.cache import cached_dataset, shared_cached_dataset
from yolox_edu.data.check import check_train_val
from yolox_edu.errors import UsageError
from yolox_edu.eval.coco_eval import load_coco_gt
from yolox_edu.eval.curves import save_pr_curves
from yolox_edu.eval.evaluator import evaluate_model
from yolox_edu.eval.report import format_report, write_metrics
from yolox_edu.eval.scores import CocoScores
from yolox_edu.loss import LOSS_KEYS
from yolox_edu.models import build_model_from_config
from yolox_edu.train import distributed as D
from yolox_edu.train.ema import ModelEMA, unwrap
from yolox_edu.train.experiment import ExperimentConfig, config_from_dict, override
from yolox_edu.train.feed import batch_to_device, configure_feed
from yolox_edu.train.optim import build_optimizer
from yolox_edu.train.runlog import RunLog
from yolox_edu.train.schedule import yolox_lr
from yolox_edu.train.state import resume, save

__all__ = ["NonFiniteLossError", "Trainer", "setup", "warn_if_oversubscribed", "train_one_epoch", "evaluate", "fit",
           "lr_at", "save", "resume"]

LOSS_DIGITS = 5  # loss terms are logged rounded to this many decimals


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is left untouched."""


@dataclass
class Trainer:
    """Everything the loop works with (built by ``setup``); the counters are the resumable state."""

    exp: ExperimentConfig
    model: nn.Module  # DDP-wrapped when distributed
    ema: ModelEMA | None
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    amp_dtype: torch.dtype | None
    device: torch.device
    loader: Any
    val_gt: Any
    val_images: Path
    class_names: list[str]
    out_dir: Path
    iters_per_epoch: int
    epoch: int = 0  # epochs finished
    iteration: int = 0  # optimizer steps done
    iter_in_epoch: int = 0  # steps done in the unfinished epoch (mid-epoch resume)
    best_ap: float = -1.0
    history: list[dict] = field(default_factory=list)
    log: RunLog = field(default_factory=lambda: RunLog(None), repr=False)  # off until setup opens it

    @property
    def core(self) -> nn.Module:
        return unwrap(self.model)

    @property
    def eval_model(self) -> nn.Module:
        return self.ema.ema if self.ema is not None else self.core


def lr_at(exp: ExperimentConfig, iteration: int, iters_per_epoch: int) -> float:
    t = exp.train
    return yolox_lr(iteration, base_lr=t.basic_lr_per_img * exp.data.batch_size,
                    total_iters=t.max_epoch * iters_per_epoch, warmup_iters=t.warmup_epochs * iters_per_epoch,
                    no_aug_iters=t.no_aug_epochs * iters_per_epoch, warmup_lr=t.warmup_lr,
                    min_lr_ratio=t.min_lr_ratio)


def _amp_dtype(amp: str, device: torch.device) -> torch.dtype | None:
    choices = {"auto": torch.float16 if device.type == "cuda" else None, "fp16": torch.float16,
               "bf16": torch.bfloat16, "off": None}
    if amp not in choices:
        raise UsageError(f"train.amp must be one of {', '.join(choices)}, got {amp!r}")
    return choices[amp]


def _datasets(exp: ExperimentConfig) -> tuple[CocoDataset, Any, Path]:
    d = exp.data
    train = CocoDataset.from_dir(d.dir, d.train_split, ann=d.train_ann, images=d.train_images)
    val_ann, val_images = coco_paths(d.dir, d.val_split, ann=d.val_ann, images=d.val_images)
    if train.num_classes != exp.model.num_classes:
        raise UsageError(
            f"the training set has {train.num_classes} classes ({', '.join(train.class_names[:6])}"
            f"{', ...' if train.num_classes > 6 else ''}) but the model is configured for "
            f"{exp.model.num_classes}: pass --set model.num_classes={train.num_classes}")
    val_gt = load_coco_gt(val_ann)
    check_train_val(train.coco.dataset, val_gt.dataset, train.ann_file, val_ann)  # no boxes, mixed-up categories
    return train, val_gt, val_images


def _cached_images(exp: ExperimentConfig, train: CocoDataset) -> Any:
    """The training images through ``data.cache``; under DDP one copy per machine, built by local rank 0."""
    d, side = exp.data, max(exp.model.input_size)
    if not D.is_distributed():
        return cached_dataset(train, d.cache, side, d.cache_dir)
    return shared_cached_dataset(train, d.cache, side, d.cache_dir, builder=D.local_rank() == 0, wait=D.barrier,
                                 progress=D.is_main())


def _train_loader(exp: ExperimentConfig, train: CocoDataset, per_process_batch: int) -> Any:
    a = exp.aug
    images = _cached_images(exp, train)
    dataset = MosaicDataset(images, exp.model.input_size, mosaic_prob=a.mosaic_prob, mixup_prob=a.mixup_prob,
                            degrees=a.degrees, translate=a.translate, mosaic_scale=a.mosaic_scale,
                            mixup_scale=a.mixup_scale, shear=a.shear, hsv_prob=a.hsv_prob, flip_prob=a.flip_prob,
                            max_labels=exp.data.max_labels)
    if a.random_size is not None:
        sizes = (a.random_size[0] * 32, a.random_size[1] * 32)
    else:
        sizes = multiscale_sizes(exp.model.input_size, a.multiscale_range) if a.multiscale_range > 0 else None
    return build_train_loader(dataset, per_process_batch, exp.data.num_workers, seed=exp.train.seed,
                              multiscale=sizes, change_every=a.multiscale_interval, distributed=D.is_distributed())


def warn_if_oversubscribed(num_workers: int, device: torch.device, processes: int = 1) -> bool:
    """Warn when CPU training runs more compute threads plus loader workers than there are cores.

    On a 2-core machine one loader worker next to two compute threads made each demo step ~38 % slower
    (the threads wait for each other at every parallel region); loading in the training process or
    fewer threads avoids it. Returns whether it warned."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = processes * (torch.get_num_threads() + num_workers)
    if device.type != "cpu" or num_workers == 0 or busy <= cores:
        return False
    warnings.warn(f"CPU training with {processes} process(es) × ({torch.get_num_threads()} compute threads + "
                  f"{num_workers} data.num_workers) on {cores} cores: they will compete for the cores and slow "
                  "every step; use --set data.num_workers=0 (loading is cheap next to a training step) or fewer "
                  "workers", RuntimeWarning, stacklevel=2)
    return True


def setup(exp: ExperimentConfig, device: torch.device | None = None) -> Trainer:
    """Datasets, loader, model (DDP when distributed), EMA, optimizer, AMP scaler."""
    device = device or D.init_distributed(exp.train.device)
    world = D.world_size()
    if exp.data.batch_size % world:
        raise UsageError(f"data.batch_size={exp.data.batch_size} must divide evenly over {world} processes")
    for key in ("eval_interval", "save_interval_epochs"):
        if getattr(exp.train, key) < 1:
            raise UsageError(f"train.{key} must be 1 or more (epochs), got {getattr(exp.train, key)}")
    torch.manual_seed(exp.train.seed + D.rank())
    if D.is_main():
        warn_if_oversubscribed(exp.data.num_workers, device, int(os.environ.get("LOCAL_WORLD_SIZE", world)))
    train, val_gt, val_images = _datasets(exp)
    loader = _train_loader(exp, train, exp.data.batch_size // world)
    configure_feed(loader, exp.data.augment_on, device)  # uint8 images or device-augmentation plans (feed.py)
    iters = len(loader) if exp.train.max_iters_per_epoch <= 0 else min(len(loader), exp.train.max_iters_per_epoch)
    if iters == 0:
        raise UsageError(f"the training set has {len(train)} images, fewer than one batch of "
                         f"{exp.data.batch_size // world}: lower data.batch_size")
    model = build_model_from_config(dataclasses.replace(exp.model))
    if exp.train.init_from:
        load_checkpoint(model, exp.train.init_from)  # pretrained weights (class layers dropped if C differs)
    model = model.to(device, memory_format=torch.channels_last if exp.train.channels_last else torch.preserve_format)
    if exp.train.sync_bn and D.is_distributed():
        model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ema = ModelEMA(model, exp.train.ema_decay, exp.train.ema_ramp) if exp.train.ema else None
    optimizer = build_optimizer(model, lr_at(exp, 0, iters), exp.train.momentum, exp.train.weight_decay,
                                exp.train.optimizer)
    amp_dtype = _amp_dtype(exp.train.amp, device)
    if amp_dtype == torch.float16 and device.type == "cpu":
        warnings.warn("train.amp=fp16 on the CPU is very slow (a nano training step at 320, batch 8, on a 2-core "
                      "Xeon with avx512_fp16: 8.7 s vs 0.28 s in float32 and 0.24 s in bf16); use train.amp=bf16 "
                      "on CPUs with bf16 units, or train.amp=off",
                      RuntimeWarning, stacklevel=2)
    scaler = torch.amp.GradScaler(device.type, enabled=amp_dtype == torch.float16)  # fp16 gradients underflow unscaled
    if D.is_distributed():
        model = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    return Trainer(exp, model, ema, optimizer, scaler, amp_dtype, device, loader, val_gt, val_images,
                   train.class_names, Path(exp.out_dir), iters, log=RunLog(exp.out_dir if D.is_main() else None))


def in_no_aug_tail(exp: ExperimentConfig, epoch: int) -> bool:
    return epoch >= exp.train.max_epoch - exp.train.no_aug_epochs


def train_one_epoch(tr: Trainer, progress: bool = True, stop_at: int | None = None) -> None:
    """One epoch from ``tr.iter_in_epoch``: per-iteration lr, a training step, a JSON line per iteration.

    ``stop_at``: leave the epoch unfinished once ``tr.iteration`` reaches it (``fit(stop_at=…)``)."""
    exp, epoch = tr.exp, tr.epoch
    use_l1 = in_no_aug_tail(exp, epoch)
    tr.model.train()
    tr.loader.set_epoch(epoch, skip=tr.iter_in_epoch)  # resume mid-epoch on the same batches
    bar = tqdm(total=tr.iters_per_epoch, initial=tr.iter_in_epoch, desc=f"epoch {epoch + 1}/{exp.train.max_epoch}",
               disable=not progress or not D.is_main(), unit="it", dynamic_ncols=True)
    t_last = time.perf_counter()
    for images, targets, _ in _batches(tr):
        lr = lr_at(exp, tr.iteration, tr.iters_per_epoch)
        for group in tr.optimizer.param_groups:
            group["lr"] = lr
        losses = dict(zip(LOSS_KEYS, _train_step(tr, images, targets, use_l1).tolist()))  # the one host sync
        if not D.all_true(math.isfinite(losses["total"]), tr.device):
            raise NonFiniteLossError(
                f"loss became non-finite at epoch {epoch + 1}, iteration {tr.iteration + 1} ({losses}); training "
                f"stopped and the last good checkpoint in {tr.out_dir} was kept. Try a lower learning rate "
                "(train.basic_lr_per_img) or train.amp=off.")
        tr.iteration += 1
        tr.iter_in_epoch += 1
        now = time.perf_counter()
        record = {"type": "train", "epoch": epoch + 1, "iter": tr.iteration, "lr": lr, "size": images.shape[-1],
                  "img_per_s": images.shape[0] * D.world_size() / max(now - t_last, 1e-9),
                  **{k: round(v, LOSS_DIGITS) for k, v in losses.items() if k != "num_fg"},
                  "num_fg": losses["num_fg"]}
        t_last = now
        if exp.train.save_interval_iters and tr.iteration % exp.train.save_interval_iters == 0:
            save(tr, "last.pth")  # before the log line: a logged iteration is always on disk
        tr.log.write(record)
        bar.set_postfix({k: f"{record[k]:.3f}" for k in ("total", "iou", "obj", "cls")} |
                        {"lr": f"{lr:.2e}", "img/s": f"{record['img_per_s']:.1f}"}, refresh=False)
        bar.update(1)
        if stop_at is not None and tr.iteration >= stop_at and tr.iter_in_epoch < tr.iters_per_epoch:
            break
    bar.close()
    if tr.iter_in_epoch >= tr.iters_per_epoch:
        tr.epoch += 1
        tr.iter_in_epoch = 0


def _batches(tr: Trainer) -> Iterable[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """The loader's batches on the device (channels-last when configured), up to the epoch's end."""
    for k, (images, targets, infos) in enumerate(tr.loader, start=tr.iter_in_epoch):
        if k >= tr.iters_per_epoch:
            return
        images, targets = batch_to_device(images, targets, tr.device, tr.exp.train.channels_last)  # float, on device
        yield images, targets, infos


def _train_step(tr: Trainer, images: torch.Tensor, targets: torch.Tensor, use_l1: bool) -> torch.Tensor:
    """Forward under autocast, (scaled) backward, optimizer step, EMA update.

    Returns the loss terms in ``LOSS_KEYS`` order, detached, still on the device: (len(LOSS_KEYS),)
    float32. Nothing here waits for the device; the caller reads all of them with one ``.tolist()``."""
    autocast = torch.autocast(tr.device.type, dtype=tr.amp_dtype) if tr.amp_dtype else nullcontext()
    with autocast:
        losses = tr.model(images, targets, use_l1=use_l1)
    tr.optimizer.zero_grad(set_to_none=True)
    tr.scaler.scale(losses["total"]).backward()
    tr.scaler.step(tr.optimizer)
    tr.scaler.update()
    if tr.ema is not None:
        tr.ema.update(tr.core)
    return torch.stack([losses[k].detach().float() for k in LOSS_KEYS])


def evaluate(tr: Trainer, progress: bool = True, conf_thresh: float | None = None) -> CocoScores | None:
    """COCO evaluation of the EMA model on the validation set (scores on rank 0, None elsewhere)."""
    e = tr.exp.eval
    conf = e.conf_thresh if conf_thresh is None else conf_thresh
    scores, _ = evaluate_model(tr.eval_model, tr.val_gt, tr.val_images, tuple(tr.exp.model.input_size),
                               batch_size=e.batch_size, conf_thresh=conf, nms_thresh=e.nms_thresh, device=tr.device,
                               progress=progress)
    return scores


def _should_eval(exp: ExperimentConfig, epoch_done: int) -> bool:
    return (epoch_done % exp.train.eval_interval == 0 or epoch_done == exp.train.max_epoch
            or in_no_aug_tail(exp, epoch_done - 1))


def fit(exp: ExperimentConfig | None = None, *, resume_from: str | Path | None = None,
        overrides: dict[str, Any] | None = None, progress: bool = True, stop_at: int | None = None) -> dict[str, Any]:
    """Train ``exp`` (or continue the run in ``resume_from``), evaluate, and write the final report.

    ``stop_at``: stop as if interrupted once this many optimizer steps are done in all (``last.pth``
    saved at that step; ``fit(resume_from=OUT/last.pth)`` then continues with the very batches, losses
    and weights of an uninterrupted run). Returns the final metrics dict (rank 0; {} on other ranks and
    when stopped)."""
    if resume_from is not None:
        exp = config_from_dict(read_checkpoint(resume_from)["experiment"])
    if exp is None:
        raise UsageError("give an experiment config or a checkpoint to resume from")
    if overrides:
        exp = override(exp, overrides)
    tr = setup(exp)
    if resume_from is not None:
        resume(tr, resume_from)
    if D.is_main():
        tr.out_dir.mkdir(parents=True, exist_ok=True)
        (tr.out_dir / "config.json").write_text(json.dumps(dataclasses.asdict(exp), indent=2))
    try:
        return _train_epochs(tr, progress, stop_at)
    finally:
        tr.log.close()  # flush the event file also when training stops with an error


def _train_epochs(tr: Trainer, progress: bool, stop_at: int | None = None) -> dict[str, Any]:
    """Epochs from where ``tr`` stands (close-mosaic at the tail, evaluations, best/last checkpoints),
    then the final report; {} once ``tr.iteration`` reaches ``stop_at``."""
    exp = tr.exp
    scores, evaluated_at = None, None
    while tr.epoch < exp.train.max_epoch:
        if stop_at is not None and tr.iteration >= stop_at:
            return {}
        if in_no_aug_tail(exp, tr.epoch):
            tr.loader.close_mosaic()
            if tr.epoch == exp.train.max_epoch - exp.train.no_aug_epochs and tr.iter_in_epoch == 0:
                save(tr, "last_mosaic_epoch.pth")
        train_one_epoch(tr, progress, stop_at)
        if tr.iter_in_epoch:  # stopped mid-epoch
            save(tr, "last.pth")
            return {}
        if _should_eval(exp, tr.epoch):
            scores, evaluated_at = evaluate(tr, progress), tr.epoch  # every rank takes part; rank 0 scores
            if scores is not None:
                ap = scores.metrics["AP"]
                tr.history.append({"epoch": tr.epoch, "AP": ap, "AP50": scores.metrics["AP50"]})
                tr.log.write({"type": "eval", "epoch": tr.epoch, "iter": tr.iteration, **scores.metrics})
                print(f"epoch {tr.epoch}: AP {ap:.4f}  AP50 {scores.metrics['AP50']:.4f}", flush=True)
                if ap > tr.best_ap:
                    tr.best_ap = ap
                    save(tr, "best.pth")
        if (tr.epoch % exp.train.save_interval_epochs == 0 or tr.epoch == exp.train.max_epoch
                or (stop_at is not None and tr.iteration >= stop_at)):
            save(tr, "last.pth")
    return final_report(tr, scores if evaluated_at == tr.epoch else None, progress, reuse=evaluated_at == tr.epoch)


def final_report(tr: Trainer, scores: CocoScores | None = None, progress: bool = True,
                 reuse: bool = False) -> dict[str, Any]:
    """Evaluate the final (EMA) model (unless ``reuse``: the last epoch just did, and ``scores`` holds
    rank 0's result) and write metrics.json and PR curves into the output folder."""
    if not reuse:
        scores = evaluate(tr, progress)  # a collective under DDP: every rank must call it or none
    if scores is None:
        return {}
    settings = {"conf_thresh": tr.exp.eval.conf_thresh, "nms_thresh": tr.exp.eval.nms_thresh,
                "input_size": list(tr.exp.model.input_size), "ap_impl": "pycocotools", "epochs": tr.epoch}
    write_metrics(scores, tr.out_dir / "metrics.json", settings)
    save_pr_curves(scores, tr.out_dir / "pr_curves")
    print(format_report(scores, settings), flush=True)
    metrics = dict(scores.metrics)
    if not math.isfinite(metrics.get("AP", 0.0)):
        metrics["AP"] = -1.0
    return metrics
