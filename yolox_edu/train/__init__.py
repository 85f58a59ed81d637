"""Training: configs and presets, lr schedule, EMA, optimizer, checkpoints, the loop, distributed."""

from yolox_edu._lazy import group, lazy_exports

# names load their module (and torch) on first use: importing the package stays instant
_EXPORTS = {
    **group(".experiment", "ExperimentConfig", "experiment_preset", "parse_overrides"),
    **group(".ema", "ModelEMA", "ema_decay"),
    **group(".optim", "build_optimizer", "param_groups"),
    **group(".schedule", "yolox_lr"),
    **group(".loop", "fit"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["ExperimentConfig", "experiment_preset", "parse_overrides", "ModelEMA", "ema_decay", "build_optimizer",
           "param_groups", "yolox_lr", "fit"]
