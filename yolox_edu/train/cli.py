"""``yolox-edu train`` (and ``python -m yolox_edu.train`` / ``torchrun -m yolox_edu.train``)."""

from __future__ import annotations

import argparse

__all__ = ["add_parser", "add_train_arguments", "run_train"]

EPILOG = """examples:
  yolox-edu train --preset demo --out runs/demo                 # YOLOX-nano on the bundled shapes, CPU
  yolox-edu train --preset yolox-s --data /data/coco --out runs/s --set data.batch_size=64
  yolox-edu train --resume runs/s/last.pth                       # continue exactly where it stopped
  torchrun --nproc_per_node 8 -m yolox_edu.train --preset yolox-s --data /data/coco --out runs/s
  yolox-edu train --preset yolox-s --data /data/voc_coco --set model.num_classes=20 \\
      --set train.init_from=yolox_s.pth --set max_epoch=50      # fine-tune official weights

Any config value can be set with --set KEY=VALUE (dotted keys: data.batch_size, aug.mosaic_prob,
train.max_epoch; the section may be left out when the name is unambiguous: max_epoch=5).
"""


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    from yolox_edu.train.experiment import EXPERIMENT_PRESETS

    p.add_argument("--preset", default="demo",
                   help=f"experiment preset: {', '.join(EXPERIMENT_PRESETS)} (default demo)")
    p.add_argument("--data", help="dataset folder in COCO layout (sets data.dir)")
    p.add_argument("--out", help="output folder for checkpoints, logs and metrics (sets out_dir)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value; repeatable")
    p.add_argument("--resume", metavar="CKPT", help="continue a run from its last.pth (its config is used; "
                                                    "--set still applies)")
    p.add_argument("--device", help="cpu, cuda, cuda:1 … (default: cuda when available)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars (logs still written)")
    p.add_argument("--print-config", action="store_true", help="print the resolved config and exit")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser("train", help="train a detector (presets: demo, yolox-nano … yolox-x)",
                              description="Train YOLOX with the official recipe; checkpoints, a JSON-lines log, "
                                          "metrics.json and PR curves go to --out.",
                              epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_train_arguments(p)
    p.set_defaults(func=run_train)
    return p


def run_train(args: argparse.Namespace) -> int:
    import dataclasses
    import json

    from yolox_edu.errors import UsageError
    from yolox_edu.train import distributed as D
    from yolox_edu.train.experiment import experiment_preset, parse_overrides
    from yolox_edu.train.loop import fit

    overrides = parse_overrides(args.overrides)
    if args.data:
        overrides["data.dir"] = args.data
    if args.out:
        overrides["out_dir"] = args.out
    if args.device:
        overrides["train.device"] = args.device
    if args.resume:
        fit(resume_from=args.resume, overrides=overrides, progress=not args.no_progress)
    else:
        exp = experiment_preset(args.preset, overrides)
        if args.print_config:
            print(json.dumps(dataclasses.asdict(exp), indent=2))
            return 0
        if exp.data.dir is None and exp.data.train_ann is None:
            raise UsageError(f"preset {args.preset!r} needs a dataset: --data DIR (COCO layout)")
        fit(exp, progress=not args.no_progress)
    D.cleanup()
    return 0
