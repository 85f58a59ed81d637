"""The training loop, in plain sight: ``setup`` builds the pieces, ``train_one_epoch`` runs the
iterations (per-iteration lr, AMP, EMA), ``evaluate`` runs the COCO evaluator, and ``fit`` strings
epochs together with the no-augmentation switch (Mosaic/MixUp off, L1 loss on) and checkpoints."""

from __future__ import annotations

import dataclasses
import json
import math
import os
import time
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from yolox_edu.checkpoint import load_checkpoint, read_checkpoint
from yolox_edu.data import CocoDataset, MosaicDataset, build_train_loader, coco_paths, multiscale_sizes
from yolox_edu.data.cache import cached_dataset
from yolox_edu.data.check import check_train_val
from yolox_edu.eval.coco_eval import load_coco_gt
from yolox_edu.eval.curves import save_pr_curves
from yolox_edu.eval.evaluator import evaluate_model
from yolox_edu.eval.report import format_report, write_metrics
from yolox_edu.eval.scores import CocoScores
from yolox_edu.models import build_model_from_config
from yolox_edu.train import distributed as D
from yolox_edu.train.ema import ModelEMA, unwrap
from yolox_edu.train.experiment import ExperimentConfig, config_from_dict, override
from yolox_edu.train.optim import build_optimizer
from yolox_edu.train.schedule import yolox_lr
from yolox_edu.train.state import restore_rng, save_training_state

__all__ = ["NonFiniteLossError", "Trainer", "setup", "warn_if_oversubscribed", "train_one_epoch", "evaluate", "fit",
           "lr_at"]

LOSS_KEYS = ("total", "iou", "obj", "cls", "l1")


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
    tensorboard: Any = field(default=False, repr=False)  # False: not tried yet; None: not installed

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
        raise ValueError(f"train.amp must be one of {', '.join(choices)}, got {amp!r}")
    return choices[amp]


def _datasets(exp: ExperimentConfig) -> tuple[CocoDataset, Any, Path]:
    d = exp.data
    train = CocoDataset.from_dir(d.dir, d.train_split, ann=d.train_ann, images=d.train_images)
    val_ann, val_images = coco_paths(d.dir, d.val_split, ann=d.val_ann, images=d.val_images)
    if train.num_classes != exp.model.num_classes:
        raise ValueError(
            f"the training set has {train.num_classes} classes ({', '.join(train.class_names[:6])}"
            f"{', ...' if train.num_classes > 6 else ''}) but the model is configured for "
            f"{exp.model.num_classes}: pass --set model.num_classes={train.num_classes}")
    val_gt = load_coco_gt(val_ann)
    check_train_val(train.coco.dataset, val_gt.dataset, train.ann_file, val_ann)  # no boxes, mixed-up categories
    return train, val_gt, val_images


def _train_loader(exp: ExperimentConfig, train: CocoDataset, per_process_batch: int) -> Any:
    a = exp.aug
    images = cached_dataset(train, exp.data.cache, max(exp.model.input_size), exp.data.cache_dir,
                            progress=D.is_main())
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
        raise ValueError(f"data.batch_size={exp.data.batch_size} must divide evenly over {world} processes")
    torch.manual_seed(exp.train.seed + D.rank())
    if D.is_main():
        warn_if_oversubscribed(exp.data.num_workers, device, int(os.environ.get("LOCAL_WORLD_SIZE", world)))
    train, val_gt, val_images = _datasets(exp)
    loader = _train_loader(exp, train, exp.data.batch_size // world)
    iters = len(loader) if exp.train.max_iters_per_epoch <= 0 else min(len(loader), exp.train.max_iters_per_epoch)
    if iters == 0:
        raise ValueError(f"the training set has {len(train)} images, fewer than one batch of "
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
                   train.class_names, Path(exp.out_dir), iters)


def resume(tr: Trainer, path: str | Path) -> None:
    """Load model, EMA, optimizer, scaler, counters and RNG states from a training checkpoint."""
    ckpt = read_checkpoint(path)
    if "train_model" not in ckpt:
        raise ValueError(f"{path} is not a training checkpoint (no optimizer state); to start from its weights "
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


def save(tr: Trainer, name: str) -> Path | None:
    if not D.is_main():
        return None
    return save_training_state(tr.out_dir / name, model=tr.core, ema=tr.ema, optimizer=tr.optimizer,
                               scaler=tr.scaler, experiment=tr.exp, epoch=tr.epoch, iteration=tr.iteration,
                               iter_in_epoch=tr.iter_in_epoch, best_ap=tr.best_ap, class_names=tr.class_names)


def log(tr: Trainer, record: dict) -> None:
    """A JSON line in OUT/log.jsonl (rank 0), stamped with the wall-clock ``time`` (Unix seconds), and
    TensorBoard scalars when tensorboard is installed."""
    if not D.is_main():
        return
    tr.out_dir.mkdir(parents=True, exist_ok=True)
    with open(tr.out_dir / "log.jsonl", "a") as f:
        f.write(json.dumps({**record, "time": round(time.time(), 3)}) + "\n")
    writer = _tensorboard(tr)
    if writer is not None:
        for key, value in record.items():
            if key not in ("type", "epoch", "iter", "time") and isinstance(value, (int, float)):
                writer.add_scalar(f"{record['type']}/{key}", value, record["iter"])


def _tensorboard(tr: Trainer) -> Any:
    if tr.tensorboard is False:
        try:
            from torch.utils.tensorboard import SummaryWriter
        except ImportError:  # tensorboard is optional
            tr.tensorboard = None
        else:
            tr.tensorboard = SummaryWriter(str(tr.out_dir / "tensorboard"))
    return tr.tensorboard


def in_no_aug_tail(exp: ExperimentConfig, epoch: int) -> bool:
    return epoch >= exp.train.max_epoch - exp.train.no_aug_epochs


def train_one_epoch(tr: Trainer, progress: bool = True) -> None:
    """One epoch from ``tr.iter_in_epoch``: per-iteration lr, forward under autocast, loss guard,
    (scaled) backward, SGD step, EMA update; a JSON line per iteration."""
    exp, epoch = tr.exp, tr.epoch
    use_l1 = in_no_aug_tail(exp, epoch)
    tr.model.train()
    tr.loader.set_epoch(epoch)
    tr.loader.batch_sampler.skip_batches = tr.iter_in_epoch  # resume mid-epoch on the same batches
    bar = tqdm(total=tr.iters_per_epoch, initial=tr.iter_in_epoch, desc=f"epoch {epoch + 1}/{exp.train.max_epoch}",
               disable=not progress or not D.is_main(), unit="it", dynamic_ncols=True)
    t_last = time.perf_counter()
    for images, targets, _ in tr.loader:
        if tr.iter_in_epoch >= tr.iters_per_epoch:
            break
        lr = lr_at(exp, tr.iteration, tr.iters_per_epoch)
        for group in tr.optimizer.param_groups:
            group["lr"] = lr
        images, targets = images.to(tr.device, non_blocking=True), targets.to(tr.device, non_blocking=True)
        if tr.exp.train.channels_last:
            images = images.contiguous(memory_format=torch.channels_last)
        autocast = torch.autocast(tr.device.type, dtype=tr.amp_dtype) if tr.amp_dtype else nullcontext()
        with autocast:
            losses = tr.model(images, targets, use_l1=use_l1)
        if not D.all_true(bool(torch.isfinite(losses["total"])), tr.device):
            parts = {k: float(losses[k].detach()) for k in LOSS_KEYS}
            raise NonFiniteLossError(
                f"loss became non-finite at epoch {epoch + 1}, iteration {tr.iteration + 1} ({parts}); training "
                f"stopped and the last good checkpoint in {tr.out_dir} was kept. Try a lower learning rate "
                "(train.basic_lr_per_img) or train.amp=off.")
        tr.optimizer.zero_grad(set_to_none=True)
        tr.scaler.scale(losses["total"]).backward()
        tr.scaler.step(tr.optimizer)
        tr.scaler.update()
        if tr.ema is not None:
            tr.ema.update(tr.core)
        tr.iteration += 1
        tr.iter_in_epoch += 1
        now = time.perf_counter()
        record = {"type": "train", "epoch": epoch + 1, "iter": tr.iteration, "lr": lr, "size": images.shape[-1],
                  "img_per_s": images.shape[0] * D.world_size() / max(now - t_last, 1e-9),
                  **{k: round(float(losses[k].detach()), 5) for k in LOSS_KEYS}, "num_fg": float(losses["num_fg"])}
        t_last = now
        if exp.train.save_interval_iters and tr.iteration % exp.train.save_interval_iters == 0:
            save(tr, "last.pth")  # before the log line: a logged iteration is always on disk
        log(tr, record)
        bar.set_postfix({k: f"{record[k]:.3f}" for k in ("total", "iou", "obj", "cls")} |
                        {"lr": f"{lr:.2e}", "img/s": f"{record['img_per_s']:.1f}"}, refresh=False)
        bar.update(1)
    bar.close()
    tr.epoch += 1
    tr.iter_in_epoch = 0


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
        overrides: dict[str, Any] | None = None, progress: bool = True) -> dict[str, Any]:
    """Train ``exp`` (or continue the run in ``resume_from``), evaluate, and write the final report.

    Returns the final metrics dict (rank 0; {} on other ranks)."""
    if resume_from is not None:
        exp = config_from_dict(read_checkpoint(resume_from)["experiment"])
    if exp is None:
        raise ValueError("give an experiment config or a checkpoint to resume from")
    if overrides:
        exp = override(exp, overrides)
    tr = setup(exp)
    if resume_from is not None:
        resume(tr, resume_from)
    if D.is_main():
        tr.out_dir.mkdir(parents=True, exist_ok=True)
        (tr.out_dir / "config.json").write_text(json.dumps(dataclasses.asdict(exp), indent=2))
    try:
        return _train_epochs(tr, progress)
    finally:
        if tr.tensorboard:  # flush the event file also when training stops with an error
            tr.tensorboard.close()


def _train_epochs(tr: Trainer, progress: bool) -> dict[str, Any]:
    """Epochs from where ``tr`` stands (close-mosaic at the tail, evaluations, best/last checkpoints),
    then the final report."""
    exp = tr.exp
    scores, evaluated_at = None, None
    while tr.epoch < exp.train.max_epoch:
        if in_no_aug_tail(exp, tr.epoch):
            tr.loader.close_mosaic()
            if tr.epoch == exp.train.max_epoch - exp.train.no_aug_epochs and tr.iter_in_epoch == 0:
                save(tr, "last_mosaic_epoch.pth")
        train_one_epoch(tr, progress)
        if _should_eval(exp, tr.epoch):
            scores, evaluated_at = evaluate(tr, progress), tr.epoch  # every rank takes part; rank 0 scores
            if scores is not None:
                ap = scores.metrics["AP"]
                tr.history.append({"epoch": tr.epoch, "AP": ap, "AP50": scores.metrics["AP50"]})
                log(tr, {"type": "eval", "epoch": tr.epoch, "iter": tr.iteration, **scores.metrics})
                print(f"epoch {tr.epoch}: AP {ap:.4f}  AP50 {scores.metrics['AP50']:.4f}", flush=True)
                if ap > tr.best_ap:
                    tr.best_ap = ap
                    save(tr, "best.pth")
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
