"""Climb the ladder: train every rung with one recipe and one budget, evaluate each, keep one record each.

The recipe is the ``demo`` preset's (YOLOX-nano from scratch on a CPU: AdamW, warmup, cosine, a no-aug
tail with L1, EMA, multi-scale 224–320, evaluation at 320) with only the rung's switches changed, so the
rungs differ in nothing else. Records go to ``OUT/ladder.json`` after every run: a killed ladder resumes
where it stopped (a rung and seed with a record is skipped).
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from yolox_edu.errors import UsageError
from yolox_edu.roadmap.rungs import PAPER_SOURCE, RUNGS, Rung, rung_overrides

__all__ = ["LadderSettings", "ladder_experiment", "rung_model_config", "rung_size", "run_ladder", "read_ladder",
           "write_ladder", "record_key", "machine_name", "METRIC_FIELDS"]

METRIC_FIELDS = ("AP", "AP50", "APs", "APm", "APl")
DEFAULT_SIZE = 320


class LadderSettings:
    """What every rung shares: data, model, budget, anchors, extra overrides."""

    def __init__(self, data: str | Path, out: str | Path, model: str = "yolox-nano", epochs: int = 10,
                 seeds: tuple[int, ...] = (0, 1), anchors: Any = "yolov3", size: int = DEFAULT_SIZE,
                 train_split: str = "train", val_split: str = "val", overrides: dict[str, Any] | None = None):
        if epochs < 1:
            raise UsageError(f"--epochs must be >= 1, got {epochs}")
        self.data, self.out, self.model, self.epochs = Path(data), Path(out), model, epochs
        self.seeds, self.anchors, self.size = tuple(seeds), anchors, size
        self.train_split, self.val_split, self.overrides = train_split, val_split, dict(overrides or {})


def _num_classes(settings: LadderSettings) -> int:
    from yolox_edu.data.paths import coco_paths

    ann, _ = coco_paths(settings.data, settings.train_split)
    return len(json.loads(ann.read_text())["categories"])


def rung_model_config(rung: Rung, settings: LadderSettings, num_classes: int | None = None) -> Any:
    """The ``ModelConfig`` of a rung: the ladder's model at its size with the rung's ``model.*`` switches."""
    from yolox_edu.config import model_config
    from yolox_edu.models import canonical_name

    switches = {k.split(".", 1)[1]: v for k, v in rung_overrides(rung, settings.anchors).items()
                if k.startswith("model.")}
    return model_config(canonical_name(settings.model), num_classes=num_classes or _num_classes(settings),
                        input_size=(settings.size, settings.size), **switches)


def ladder_experiment(rung: Rung, settings: LadderSettings, seed: int) -> Any:
    """The ``ExperimentConfig`` of one rung and seed: the demo recipe, the rung's switches, the budget."""
    from yolox_edu.train.experiment import DataConfig, apply_overrides, experiment_preset, with_sections

    exp = experiment_preset("demo")
    exp.name = f"ladder-{rung.name}"
    exp.out_dir = str(settings.out / "runs" / f"{rung.name}-seed{seed}")
    exp.model = rung_model_config(rung, settings)
    exp.data = DataConfig(dir=str(settings.data), train_split=settings.train_split, val_split=settings.val_split,
                          batch_size=exp.data.batch_size, num_workers=0, max_labels=exp.data.max_labels)
    t = exp.train
    t.max_epoch, t.seed = settings.epochs, seed
    t.no_aug_epochs = max(1, settings.epochs // 5)  # the demo's share (6 of 30): L1 on, Mosaic/MixUp off
    t.warmup_epochs = 1 if settings.epochs >= 3 else 0
    t.eval_interval = settings.epochs + 1  # only the final evaluation
    overrides = {**rung_overrides(rung, settings.anchors), **settings.overrides}
    return apply_overrides(exp, with_sections(overrides))


def rung_size(rung: Rung, settings: LadderSettings, num_classes: int | None = None) -> tuple[float, float]:
    """(params in M, GFLOPs at the ladder's input size) of the rung's model, counted on the meta device."""
    import torch

    from yolox_edu.model_stats import count_gflops, count_parameters
    from yolox_edu.models import build_model_from_config

    cfg = rung_model_config(rung, settings, num_classes)
    with torch.device("meta"):
        model = build_model_from_config(cfg)
    return count_parameters(model) / 1e6, count_gflops(model, settings.size)


def record_key(record: dict[str, Any]) -> tuple[str, int]:
    return record["rung"], int(record["seed"])


def read_ladder(path: str | Path) -> dict[str, Any]:
    """A ladder file: ``{"meta": {...}, "records": [...]}``; an empty one when the file does not exist."""
    path = Path(path)
    if not path.is_file():
        return {"meta": {}, "records": []}
    data = json.loads(path.read_text())
    if not isinstance(data, dict) or not isinstance(data.get("records"), list):
        raise UsageError(f"{path} is not a ladder record (expected a JSON object with a 'records' list)")
    return data


def write_ladder(path: str | Path, data: dict[str, Any]) -> None:
    path = Path(path)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    tmp.replace(path)  # atomic: a killed ladder never leaves half a file


def machine_name() -> str:
    """The CPU model (``lscpu``'s "Model name") or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _train_rung(rung: Rung, settings: LadderSettings, seed: int) -> dict[str, Any]:
    import dataclasses

    from yolox_edu.train.loop import fit

    exp = ladder_experiment(rung, settings, seed)
    params_m, gflops = rung_size(rung, settings)
    start = time.perf_counter()
    metrics = fit(exp, progress=False)
    train_s = time.perf_counter() - start
    switches = {k: getattr(getattr(exp, k.split(".")[0]), k.split(".")[1]) for k in rung.switches}
    return {"rung": rung.name, "label": rung.label, "seed": seed, "switches": switches,
            "params_M": round(params_m, 4), "gflops": round(gflops, 3),
            **{k: float(metrics.get(k, float("nan"))) for k in METRIC_FIELDS},
            "train_s": round(train_s, 1), "epochs": settings.epochs, "model": settings.model,
            "input_size": settings.size, "train": {k: v for k, v in dataclasses.asdict(exp.train).items()
                                                   if k in ("optimizer", "basic_lr_per_img", "no_aug_epochs")}}


def run_ladder(rungs: list[Rung], settings: LadderSettings, *, command: str = "",
               log: Callable[[str], None] = print) -> dict[str, Any]:
    """Train and evaluate every (rung, seed) without a record in ``OUT/ladder.json``; draw ``OUT/ladder.png``."""
    settings.out.mkdir(parents=True, exist_ok=True)
    path = settings.out / "ladder.json"
    data = read_ladder(path)
    data["meta"] = {**data.get("meta", {}), "command": command or data.get("meta", {}).get("command", ""),
                    "machine": machine_name(), "paper": PAPER_SOURCE, "model": settings.model,
                    "epochs": settings.epochs, "input_size": settings.size, "anchors": str(settings.anchors),
                    "data": str(settings.data), "recipe": "demo preset (AdamW, EMA, cosine, no-aug tail), "
                                                          "only the rung switches differ"}
    done = {record_key(r) for r in data["records"]}
    todo = [(r, s) for r in rungs for s in settings.seeds if (r.name, s) not in done]
    log(f"ladder: {len(todo)} run(s) to go, {len(done)} already recorded in {path}")
    for i, (rung, seed) in enumerate(todo, 1):
        log(f"[{i}/{len(todo)}] rung {rung.name} ({rung.label}), seed {seed}: training {settings.epochs} epoch(s)")
        record = _train_rung(rung, settings, seed)
        data["records"].append(record)
        data["records"].sort(key=lambda r: ([x.name for x in RUNGS].index(r["rung"]), r["seed"]))
        write_ladder(path, data)
        log(f"[{i}/{len(todo)}] rung {rung.name}, seed {seed}: AP {record['AP']:.4f}  AP50 {record['AP50']:.4f}  "
            f"({record['train_s']:.0f} s)")
    if data["records"]:
        _draw(data, settings.out / "ladder.png")  # once at the end (a resumed ladder redraws it)
    return data


def _draw(data: dict[str, Any], png: Path) -> None:
    import matplotlib.pyplot as plt

    from yolox_edu.viz.roadmap import plot_ladder

    fig = plot_ladder(data["records"])
    fig.savefig(png, dpi=110, bbox_inches="tight")
    plt.close(fig)
