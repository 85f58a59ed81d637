"""``yolox-edu export``: write an ONNX or TorchScript file and check it against PyTorch on the spot.

    yolox-edu export --model yolox-nano --ckpt data_samples/demo/yolox_nano_shapes.pth --format onnx \\
                     --dynamic --decode --out nano.onnx
    yolox-edu predict --onnx nano.onnx --image data_samples/synth/val/000001.jpg --out boxes.jpg

Without --decode the file returns raw head outputs; --decode adds box decoding; --nms (ONNX) adds the
score filter and NMS so that the file returns final detections. The metadata written into the file
(channel order, input convention, outputs, thresholds, opset) is printed.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from yolox_edu.cli_options import add_nms_iou_option, add_size_option, input_size
from yolox_edu.errors import UsageError

__all__ = ["add_parser", "run_export", "predict_with_file"]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    from yolox_edu.export.info import DEFAULT_OPSET, FORMATS

    p = subparsers.add_parser("export", help="export a model to ONNX or TorchScript, checked against PyTorch",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="yolox-s", help="yolox-nano|tiny|s|m|l|x|darknet53 (default yolox-s)")
    p.add_argument("--ckpt", required=True, help="checkpoint: ours or an official YOLOX .pth")
    p.add_argument("--format", required=True, choices=FORMATS, help="onnx or torchscript")
    p.add_argument("--out", required=True, help="file to write (its folder must exist)")
    add_size_option(p)
    shape = p.add_mutually_exclusive_group()
    shape.add_argument("--batch", type=int, default=1, help="fixed batch size (default 1)")
    shape.add_argument("--dynamic", action="store_true", help="dynamic batch, height and width")
    p.add_argument("--decode", action="store_true", help="decode boxes in the graph (outputs in input pixels)")
    p.add_argument("--nms", action="store_true", help="ONNX: also score filter + NMS (outputs final detections)")
    p.add_argument("--conf", type=float, default=0.25, help="score threshold for --nms and the check (0.25)")
    add_nms_iou_option(p, 0.45, " for --nms and the check")
    p.add_argument("--class-agnostic", action="store_true", help="NMS across classes")
    p.add_argument("--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET})")
    p.add_argument("--num-classes", type=int, help="classes the checkpoint predicts (default: read from it)")
    p.add_argument("--check-image", nargs="+", help="images for the check (default: the bundled photos)")
    p.set_defaults(func=run_export)
    return p


def load_model_for_export(name: str, ckpt_path: str, num_classes: int | None = None):
    """Build ``name`` and load ``ckpt_path``; an architecture mismatch names --ckpt and --model."""
    from yolox_edu.checkpoint import CheckpointError, load_model, read_checkpoint
    from yolox_edu.models import canonical_name

    saved = (read_checkpoint(ckpt_path).get("config") or {}).get("name")
    if saved and saved != canonical_name(name):
        raise UsageError(f"--ckpt {ckpt_path} holds a {saved} model, not --model {canonical_name(name)}; "
                         f"pass --model {saved}")
    try:  # the channel-order notice stays silent: the order goes into the file's metadata instead
        model, ckpt = load_model(name, ckpt_path, num_classes)
    except CheckpointError as e:
        raise CheckpointError(f"--ckpt does not fit --model {canonical_name(name)}: {e}") from None
    return model.eval(), ckpt.get("class_names")


def run_export(args: argparse.Namespace) -> int:
    from yolox_edu.export.check import ExportCheckError, check_export, default_check_images
    from yolox_edu.export.runtime import load_exported
    from yolox_edu.export.writer import export_model, require_onnx, validate_export_args
    from yolox_edu.inference import as_image_tensor

    if args.format == "onnx":
        require_onnx()  # before the slow part: say how to install
    outputs = "detections" if args.nms else "decoded" if args.decode else "raw"
    batch = None if args.dynamic else args.batch
    validate_export_args(args.format, input_size(args.size) or (32, 32), args.out, batch, outputs)
    model, class_names = load_model_for_export(args.model, args.ckpt, args.num_classes)
    info = export_model(model, args.out, args.format, input_size=input_size(args.size), batch=batch,
                        outputs=outputs, conf_thresh=args.conf, nms_thresh=args.nms_iou,
                        class_agnostic=args.class_agnostic, opset=args.opset, class_names=class_names,
                        checkpoint=args.ckpt)
    print(f"exported {args.ckpt} → {args.out} ({Path(args.out).stat().st_size / 1e6:.1f} MB)")
    for line in info.describe():
        print("  " + line)
    paths = args.check_image or default_check_images()
    if not paths:
        raise FileNotFoundError("no images to check the export on; pass --check-image FILE")
    images = [as_image_tensor(p) for p in paths[:4]]
    print(f"check against PyTorch on {', '.join(Path(p).name for p in paths[:4])}:")
    try:
        comparisons = check_export(load_exported(args.out), model, images, conf_thresh=args.conf,
                                   nms_thresh=args.nms_iou, class_agnostic=args.class_agnostic)
    except ExportCheckError as e:
        bad = Path(args.out).replace(Path(f"{args.out}.unverified"))
        raise ExportCheckError(f"{e}; the file was moved to {bad} (do not deploy it)") from None
    for c in comparisons:
        print("  " + str(c))
    print(f"check passed: {args.out} matches the PyTorch model")
    return 0


def predict_with_file(args: argparse.Namespace) -> tuple[list, list, list[str] | None]:
    """``predict --onnx FILE``: the images, their detections and the class names (for drawing)."""
    from yolox_edu.export.runtime import load_exported, predict_exported
    from yolox_edu.inference import as_image_tensor
    from yolox_edu.names import COCO_CLASSES, read_class_names

    exported = load_exported(args.onnx)
    info = exported.info
    names = (read_class_names(args.class_names) if args.class_names
             else info.class_names or (list(COCO_CLASSES) if info.num_classes == 80 else None))
    images = [as_image_tensor(p) for p in args.image]
    dets = predict_exported(exported, images, input_size=input_size(args.size), conf_thresh=args.conf,
                            nms_thresh=args.nms_iou, class_agnostic=args.class_agnostic)
    return images, dets, names
