"""``yolox-edu eval``: score a model (or an existing COCO results file) on a COCO-format dataset.

    yolox-edu eval --model yolox-s --ckpt yolox_s.pth --data datasets/COCO --split val2017 --out runs/eval
    yolox-edu eval --detections results.json --data datasets/COCO --split val2017 --out runs/eval
    yolox-edu eval ... --ap-impl scratch     # the same report from the from-scratch AP implementation

Writes OUT/metrics.json (AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl as fractions,
-1 where undefined; per_class AP; settings), OUT/pr_curves/*.png and, for a model, OUT/detections.json.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from yolox_edu.cli_options import add_nms_iou_option, add_size_option, input_size
from yolox_edu.errors import UsageError
from yolox_edu.eval.protocol import CONF_THRESH, NMS_THRESH

if TYPE_CHECKING:
    from yolox_edu.eval.scores import CocoScores

__all__ = ["add_parser", "run_eval", "load_model"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "eval", help="COCO AP of a model or of a results file",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    src = p.add_argument_group("what to score (a model checkpoint, or --detections)")
    src.add_argument("--model", default="yolox-s", help="yolox-nano|tiny|s|m|l|x|darknet53 (default yolox-s)")
    scored = src.add_mutually_exclusive_group(required=True)
    scored.add_argument("--ckpt", help="checkpoint: ours or an official YOLOX .pth")
    scored.add_argument("--detections", help="score this COCO results json instead of running a model")
    data = p.add_argument_group("dataset (DIR/annotations/instances_SPLIT.json, images in DIR/SPLIT/)")
    data.add_argument("--data", help="dataset folder")
    data.add_argument("--split", default="val2017", help="split name (default val2017)")
    data.add_argument("--ann", help="annotation json (overrides the folder convention)")
    data.add_argument("--images", help="image folder (overrides the folder convention)")
    p.add_argument("--out", required=True, help="output folder for metrics.json and PR curves")
    p.add_argument("--ap-impl", choices=("pycocotools", "scratch"), default="pycocotools",
                   help="AP implementation (default pycocotools; scratch gives the same numbers)")
    p.add_argument("--conf", type=float, default=CONF_THRESH,
                   help=f"score threshold (default {CONF_THRESH}, the published-numbers protocol)")
    add_nms_iou_option(p, NMS_THRESH)
    add_size_option(p)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--workers", type=int, default=2, help="DataLoader worker processes (default 2)")
    p.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    p.add_argument("--no-curves", action="store_true", help="skip the PR-curve PNGs")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=run_eval)
    return p


def _annotation_file(args: argparse.Namespace) -> Path:
    """The annotation json alone (scoring a results file needs no images)."""
    if args.ann:
        path = Path(args.ann)
    elif args.data:
        path = Path(args.data) / "annotations" / f"instances_{args.split}.json"
    else:
        raise UsageError("give a dataset folder (--data DIR) or an annotation file (--ann FILE)")
    if not path.is_file():
        raise FileNotFoundError(f"annotation file not found: {path} (expected DIR/annotations/"
                                f"instances_{args.split}.json; pass --ann FILE to point elsewhere)")
    return path


def load_model(name: str, ckpt: str, num_classes: int, device: str, coco_subset: bool = False):
    """Build ``name`` for ``num_classes`` and load ``ckpt``; a class-count mismatch is an error here,
    except an 80-class COCO model on a dataset of COCO categories (``coco_subset``)."""
    from yolox_edu.checkpoint import load_model as load_checkpoint_model
    from yolox_edu.checkpoint import read_checkpoint, state_num_classes

    trained_for = state_num_classes(read_checkpoint(ckpt)["model"])
    if coco_subset and trained_for == 80:
        num_classes = 80
    if trained_for is not None and trained_for != num_classes:
        raise UsageError(f"{ckpt} predicts {trained_for} classes but the dataset has {num_classes} categories; "
                         "evaluate it on a dataset with the same categories")
    model, _ = load_checkpoint_model(name, ckpt, num_classes)  # our checkpoints keep their input size
    return model.to(device)


def _score_model(args: argparse.Namespace, out: Path) -> tuple[CocoScores, dict]:
    from yolox_edu.data.paths import coco_paths
    from yolox_edu.eval.coco_eval import load_coco_gt, save_results
    from yolox_edu.eval.evaluator import evaluate_model
    from yolox_edu.eval.scores import category_info
    from yolox_edu.names import coco80_label_ids

    ann, image_dir = coco_paths(args.data, args.split, args.ann, args.images)
    coco_gt = load_coco_gt(ann)
    cat_ids, names = category_info(coco_gt)
    coco_ids = coco80_label_ids(dict(zip(cat_ids, names)))
    model = load_model(args.model, args.ckpt, len(cat_ids), args.device, coco_subset=coco_ids is not None)
    label_ids = coco_ids if getattr(model, "num_classes", None) == 80 and len(cat_ids) != 80 else None
    if label_ids is not None:
        print(f"80-class COCO model on {len(cat_ids)} COCO categories: labels map to COCO ids, other classes dropped")
    size = input_size(args.size) or tuple(model.cfg.input_size)
    scores, results = evaluate_model(
        model, coco_gt, image_dir, size, ap_impl=args.ap_impl, batch_size=args.batch_size, conf_thresh=args.conf,
        nms_thresh=args.nms_iou, device=args.device, num_workers=args.workers, progress=not args.no_progress,
        label_ids=label_ids)
    save_results(results, out / "detections.json")
    settings = dict(model=args.model, ckpt=str(args.ckpt), input_size=list(size), conf_thresh=args.conf,
                    nms_thresh=args.nms_iou, annotations=str(ann))
    return scores, settings


def _score_file(args: argparse.Namespace) -> tuple[CocoScores, dict]:
    from yolox_edu.eval.coco_eval import load_coco_gt, load_results
    from yolox_edu.eval.evaluator import score_results

    if args.ckpt:
        raise UsageError("give either --ckpt (run a model) or --detections (score a results file), not both")
    ann = _annotation_file(args)
    coco_gt = load_coco_gt(ann)
    scores = score_results(coco_gt, load_results(args.detections), args.ap_impl, source=str(args.detections))
    return scores, dict(detections=str(args.detections), annotations=str(ann))


def run_eval(args: argparse.Namespace) -> int:
    from yolox_edu.eval.curves import save_pr_curves
    from yolox_edu.eval.report import format_report, write_metrics

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scores, settings = _score_file(args) if args.detections else _score_model(args, out)
    settings = dict(settings, split=args.split, ap_impl=args.ap_impl)
    print(format_report(scores, settings))
    path = write_metrics(scores, out / "metrics.json", settings)
    if not args.no_curves:
        save_pr_curves(scores, out / "pr_curves")
    print(f"\nmetrics → {path}" + ("" if args.no_curves else f"; PR curves → {out / 'pr_curves'}"))
    return 0
