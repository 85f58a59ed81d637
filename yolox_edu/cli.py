"""``yolox-edu``: one command line for the whole library.

    yolox-edu predict --model yolox-s --ckpt yolox_s.pth --image dog.jpg --out dog_boxes.jpg
    yolox-edu train   --preset demo --out runs/demo
    yolox-edu eval    --model yolox-nano --ckpt runs/demo/best.pth --data data_samples/synth --split val \
                      --out runs/eval
    yolox-edu data    synth | subset | check ...

Run ``yolox-edu COMMAND --help`` for the options of each command.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from yolox_edu.cli_options import add_nms_iou_option, add_size_option, input_size
from yolox_edu.errors import USAGE_EXIT_CODE, UsageError

__all__ = ["main", "build_parser"]

# each of these modules has add_parser(subparsers) registering one command
SUBCOMMAND_MODULES = ("yolox_edu.train.cli", "yolox_edu.eval.cli", "yolox_edu.data.cli", "yolox_edu.grading.cli",
                      "yolox_edu.export.cli", "yolox_edu.roadmap.cli")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``predict``: the one command defined here (the others live next to what they run)."""
    p = subparsers.add_parser("predict", help="detect objects in images and draw them",
                              description="Detect objects in images; draw boxes with class names and "
                                          "optionally write them as JSON.")
    p.add_argument("--model", default="yolox-s", help="yolox-nano|tiny|s|m|l|x|darknet53 (default yolox-s)")
    weights = p.add_mutually_exclusive_group(required=True)
    weights.add_argument("--ckpt", help="checkpoint: ours or an official YOLOX .pth")
    weights.add_argument("--onnx", help="run this exported file (yolox-edu export; ONNX or TorchScript)")
    p.add_argument("--image", required=True, nargs="+", help="image file(s)")
    p.add_argument("--out", required=True, help="output image (one input) or folder (several inputs)")
    p.add_argument("--json", help="also write the detections to this JSON file")
    p.add_argument("--conf", type=float, default=0.25, help="score threshold (default 0.25)")
    add_nms_iou_option(p, 0.45)
    add_size_option(p)
    p.add_argument("--num-classes", type=int, help="classes the checkpoint predicts (default: read from it)")
    p.add_argument("--class-names", help="COCO json or text file (one name per line); default COCO's or "
                                         "the names stored in our checkpoint")
    p.add_argument("--class-agnostic", action="store_true", help="NMS across classes")
    p.add_argument("--device", default="cpu")
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast (faster on AMX CPUs / GPUs)")
    p.add_argument("--no-fuse", action="store_true", help="keep BatchNorm separate (default: fused, channels-last)")
    p.set_defaults(func=run_predict)
    return p


def run_predict(args: argparse.Namespace) -> int:
    if args.onnx:
        from yolox_edu.export.cli import predict_with_file

        images, dets, names = predict_with_file(args)
    else:
        images, dets, names = _predict_with_checkpoint(args)
    _write_predictions(args, images, dets, names)
    return 0


def _predict_with_checkpoint(args: argparse.Namespace) -> tuple[list, list, list[str] | None]:
    import torch

    from yolox_edu.checkpoint import load_model
    from yolox_edu.inference import as_image_tensor, predict
    from yolox_edu.names import COCO_CLASSES, read_class_names

    model, ckpt = load_model(args.model, args.ckpt, args.num_classes)
    num_classes = model.num_classes
    names = (read_class_names(args.class_names) if args.class_names
             else ckpt.get("class_names") or (list(COCO_CLASSES) if num_classes == 80 else None))
    size = input_size(args.size)
    model.to(args.device)
    if not args.no_fuse:
        model.fuse().to(memory_format=torch.channels_last)
    images = [as_image_tensor(p) for p in args.image]
    dets = predict(model, images, input_size=size, conf_thresh=args.conf, nms_thresh=args.nms_iou,
                   class_agnostic=args.class_agnostic, device=args.device, bf16=args.bf16)
    return images, dets, names


def _write_predictions(args: argparse.Namespace, images: list, dets: list, names: list[str] | None) -> None:
    from yolox_edu.viz import draw_detections

    out = Path(args.out)
    many = len(images) > 1
    if many:
        out.mkdir(parents=True, exist_ok=True)
    records = []
    for path, image, det in zip(args.image, images, dets):
        target = out / f"{Path(path).stem}_pred.jpg" if many else out
        target.parent.mkdir(parents=True, exist_ok=True)
        draw_detections(image, det.boxes, det.labels, det.scores, names).save(target)
        for box, score, label in zip(det.boxes.tolist(), det.scores.tolist(), det.labels.tolist()):
            records.append({"image": str(path), "box_xyxy": [round(v, 2) for v in box], "score": round(score, 5),
                            "class_id": label, "class_name": names[label] if names else str(label)})
        print(f"{path}: {len(det)} detections → {target}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(records, indent=1))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="yolox-edu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_parser(sub)
    for name in SUBCOMMAND_MODULES:
        importlib.import_module(name).add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except (UsageError, FileNotFoundError) as e:  # bad input: one line; anything else is a bug: its traceback
        print(f"yolox-edu {args.command}: error: {e}", file=sys.stderr)
        return USAGE_EXIT_CODE


if __name__ == "__main__":
    sys.exit(main())
