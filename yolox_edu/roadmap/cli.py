"""``yolox-edu anchors`` (k-means anchors for a dataset) and ``yolox-edu ladder`` (the paper's roadmap)."""

from __future__ import annotations

import argparse
import shlex
import sys

from yolox_edu.errors import UsageError

__all__ = ["add_parser", "run_anchors", "run_ladder_command"]

LADDER_EPILOG = """examples:
  yolox-edu ladder --list                                      # the six rungs, their switches and sizes
  yolox-edu ladder --data data_samples/synth --out runs/ladder --epochs 10 --seeds 0 1
  yolox-edu ladder --data data_samples/synth --out runs/ladder --rungs yolov3,simota   # two rungs only
  yolox-edu ladder --data data_samples/synth --out runs/kmeans --rungs yolov3 \\
      --anchors "$(yolox-edu anchors --data data_samples/synth --size 320 --quiet)"

A rung and seed that already have a record in OUT/ladder.json are skipped: rerun the same command to resume.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    a = subparsers.add_parser("anchors", help="k-means anchors (1 - IoU) for a dataset, and how well they fit",
                              description="Cluster the training boxes (letterboxed to --size) into 9 anchors with "
                                          "the 1 - IoU distance; print them with their mean best IoU, beside "
                                          "YOLOv3's COCO anchors. The printed line is what model.anchors= takes.")
    a.add_argument("--data", required=True, help="dataset folder in COCO layout")
    a.add_argument("--split", default="train", help="split to cluster (default train)")
    a.add_argument("--size", type=int, default=640, help="network input size the boxes are letterboxed to")
    a.add_argument("--k", type=int, default=9, help="number of anchors (default 9: 3 per level)")
    a.add_argument("--seed", type=int, default=0, help="k-means start (deterministic for a seed)")
    a.add_argument("--quiet", action="store_true", help="print only the anchors line")
    a.set_defaults(func=run_anchors)

    p = subparsers.add_parser("ladder", help="train the paper's six roadmap rungs with one recipe and compare",
                              description="Climb YOLOX's Table 2: YOLOv3 baseline, +decoupled head, +strong "
                                          "augmentation, +anchor-free, +multi positives, +SimOTA; each trained "
                                          "and evaluated with the same recipe and budget; writes OUT/ladder.json "
                                          "and OUT/ladder.png.",
                              epilog=LADDER_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--list", action="store_true", help="print the rungs with their switches and sizes, and exit")
    p.add_argument("--data", help="dataset folder in COCO layout (train/val splits)")
    p.add_argument("--out", help="output folder (ladder.json, ladder.png, runs/)")
    p.add_argument("--model", default="yolox-nano", help="yolox-nano|tiny|s|m|l|x|darknet53 (default yolox-nano)")
    p.add_argument("--epochs", type=int, default=10, help="epochs per rung (default 10)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1], help="seeds (default 0 1)")
    p.add_argument("--rungs", help="comma-separated rung names (default: all six)")
    p.add_argument("--size", type=int, default=320, help="input size (default 320, the demo recipe's)")
    p.add_argument("--anchors", default="yolov3", help="anchors of the anchor rungs: yolov3 or 'w,h w,h ...'")
    p.add_argument("--train-split", default="train")
    p.add_argument("--val-split", default="val")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="extra config override for every rung (e.g. data.batch_size=16); repeatable")
    p.set_defaults(func=run_ladder_command)


def run_anchors(args: argparse.Namespace) -> int:
    from yolox_edu.anchors import (
        format_anchors,
        kmeans_anchors,
        letterboxed_box_sizes,
        mean_best_iou,
        parse_anchors,
    )
    from yolox_edu.data.paths import coco_paths

    ann, _ = coco_paths(args.data, args.split)  # FileNotFoundError naming the missing file
    wh = letterboxed_box_sizes(ann, args.size)  # (M, 2)
    ours = kmeans_anchors(wh, args.k, seed=args.seed)  # (k, 2)
    if args.quiet:
        print(format_anchors(ours))
        return 0
    coco = parse_anchors("yolov3")
    print(f"{len(wh)} boxes from {ann}, letterboxed to {args.size}x{args.size}")
    print(f"k-means (1 - IoU, k={args.k}, seed {args.seed}): {format_anchors(ours)}")
    print(f"mean best IoU  k-means: {mean_best_iou(wh, ours):.3f}   YOLOv3 COCO anchors: {mean_best_iou(wh, coco):.3f}")
    print(f'use them: --set model.anchors="{format_anchors(ours)}"  or  yolox-edu ladder --anchors '
          f'"{format_anchors(ours)}"')
    return 0


def _print_rungs(args: argparse.Namespace) -> None:
    from yolox_edu.roadmap.ladder import LadderSettings, rung_size
    from yolox_edu.roadmap.rungs import rung_overrides, select_rungs

    settings = LadderSettings(args.data or ".", args.out or ".", args.model, max(args.epochs, 1), (0,), args.anchors,
                              args.size)
    print(f"rungs of the roadmap ({args.model} at {args.size}px; paper: YOLOX-Darknet53, COCO, 640px)")
    sizes: dict[tuple, str] = {}  # rungs that differ only in training share a model: count it once
    for rung in select_rungs(args.rungs):
        overrides = rung_overrides(rung, args.anchors)
        switches = " ".join(f"{k}={v}" for k, v in overrides.items())
        key = (overrides["model.head"], overrides["model.anchors"])
        if key not in sizes:
            try:
                params, gflops = rung_size(rung, settings, num_classes=80 if args.data is None else None)
                sizes[key] = f"{params:6.2f} M {gflops:7.2f} GFLOPs"
            except (FileNotFoundError, ValueError) as err:
                sizes[key] = f"(size unknown: {err})"
        size = sizes[key]
        print(f"  {rung.name:<12} {rung.label:<22} {size}  | paper AP {rung.paper_ap:4.1f} "
              f"{rung.paper_params_m:5.2f} M {rung.paper_gflops:5.1f} GFLOPs\n      {switches}")


def run_ladder_command(args: argparse.Namespace) -> int:
    if args.list:
        _print_rungs(args)
        return 0
    if not args.data or not args.out:
        raise UsageError("ladder needs --data DIR and --out OUT (or --list to see the rungs)")
    from yolox_edu.roadmap.ladder import LadderSettings, run_ladder
    from yolox_edu.roadmap.rungs import select_rungs
    from yolox_edu.train.experiment import parse_overrides

    settings = LadderSettings(args.data, args.out, args.model, args.epochs, tuple(args.seeds), args.anchors,
                              args.size, args.train_split, args.val_split, parse_overrides(args.overrides))
    command = "yolox-edu " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:2] == ["ladder"] else ""
    data = run_ladder(select_rungs(args.rungs), settings, command=command)
    print(f"wrote {settings.out / 'ladder.json'} ({len(data['records'])} records) and {settings.out / 'ladder.png'}")
    return 0
