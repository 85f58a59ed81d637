"""Training: configs and presets, lr schedule, EMA, optimizer, checkpoints, the loop, distributed."""

from yolox_edu.train.experiment import ExperimentConfig, experiment_preset, parse_overrides
from yolox_edu.train.ema import ModelEMA, ema_decay
from yolox_edu.train.optim import build_optimizer, param_groups
from yolox_edu.train.schedule import yolox_lr

__all__ = ["ExperimentConfig", "experiment_preset", "parse_overrides", "ModelEMA", "ema_decay", "build_optimizer",
           "param_groups", "yolox_lr", "fit"]


def __getattr__(name: str):
    if name == "fit":  # the loop imports data and eval; load it only when asked for
        from yolox_edu.train.loop import fit

        return fit
    raise AttributeError(name)
