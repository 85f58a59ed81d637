"""Write a YOLOX model as an ONNX or TorchScript file (BatchNorm fused first, metadata inside).

ONNX goes through ``torch.onnx.export(..., dynamo=False)``, the TorchScript-based exporter. In torch
2.14 it is deprecated but present and works offline with ``onnx`` alone; the default torch.export-based
path (``dynamo=True``) also needs ``onnxscript``, is about 5x slower to export here, and cannot export
the data-dependent score filter + NMS of ``--nms`` (torch.export stops at the unbacked sizes of
``batched_nms``). Should the legacy path disappear, ``_onnx_export`` is the one place to change.
"""

from __future__ import annotations

import copy
import json
import warnings
from pathlib import Path

import torch
from torch import nn

from yolox_edu.errors import MissingExtraError, UsageError
from yolox_edu.export.graph import OUTPUT_NAMES, ExportGraph
from yolox_edu.export.info import DEFAULT_OPSET, EXTRA_FILE, FORMATS, ExportInfo

__all__ = ["FORMATS", "DEFAULT_OPSET", "export_model", "require_onnx", "INSTALL_HINT", "validate_export_args"]

INSTALL_HINT = "pip install -e '.[export]'  (or: pip install onnx onnxruntime)"


def require_onnx() -> None:
    """Import ``onnx`` and ``onnxruntime`` or say how to install them."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError as e:
        raise MissingExtraError(f"ONNX export and inference need the onnx and onnxruntime packages ({e}); install "
                          f"them with: {INSTALL_HINT}") from None


def validate_export_args(fmt: str, input_size: tuple[int, int], out: str | Path, batch: int | None,
                         outputs: str, stride: int = 32) -> None:
    """Clear errors, each naming the command-line argument at fault."""
    if fmt not in FORMATS:
        raise UsageError(f"--format: unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if len(input_size) != 2 or any(s <= 0 or s % stride for s in input_size):
        raise UsageError(f"--size: {' '.join(map(str, input_size))} is not a multiple of {stride} (the largest "
                         f"stride); use e.g. {max(stride, round(input_size[0] / stride) * stride)}")
    if batch is not None and batch < 1:
        raise UsageError(f"--batch must be >= 1, got {batch}")
    parent = Path(out).resolve().parent
    if not parent.is_dir():
        raise FileNotFoundError(f"--out: folder {parent} does not exist; create it first (mkdir -p {parent})")
    if outputs == "detections" and fmt != "onnx":
        raise UsageError("--nms is only for --format onnx; a TorchScript file returns predictions (use --decode) "
                         "that yolox_edu.decode.postprocess turns into detections")


def export_model(model: nn.Module, out: str | Path, fmt: str = "onnx", *, input_size: tuple[int, int] | None = None,
                 batch: int | None = 1, outputs: str = "decoded", conf_thresh: float = 0.25, nms_thresh: float = 0.45,
                 class_agnostic: bool = False, opset: int = DEFAULT_OPSET, class_names: list[str] | None = None,
                 checkpoint: str = "") -> ExportInfo:
    """Fuse a copy of ``model``, export it to ``out`` and return the metadata written with it.

    Args:
        model: a YOLOX model (left untouched: a fused copy is exported).
        fmt: ``"onnx"`` or ``"torchscript"``.
        input_size: (H, W), multiples of 32; default the model config's.
        batch: fixed batch size, or None for a dynamic batch and dynamic H, W.
        outputs: ``"raw"``, ``"decoded"`` (``--decode``) or ``"detections"`` (``--nms``, ONNX only); see
            ``yolox_edu.export.graph``.
        conf_thresh, nms_thresh, class_agnostic: baked into ``"detections"`` files.
    """
    size = tuple(input_size or model.cfg.input_size)
    validate_export_args(fmt, size, out, batch, outputs, max(model.cfg.strides))
    if fmt == "onnx":
        require_onnx()
    fused = copy.deepcopy(model).float().cpu().eval().fuse()
    graph = ExportGraph(fused, outputs, conf_thresh, nms_thresh, class_agnostic).eval()
    info = ExportInfo(
        model=model.cfg.name, num_classes=model.num_classes, channel_order="BGR" if model.cfg.bgr else "RGB",
        input_size=size, batch=batch, dynamic_hw=batch is None, outputs=outputs, format=fmt,
        opset=opset if fmt == "onnx" else None, strides=tuple(model.cfg.strides),
        conf_thresh=conf_thresh if outputs == "detections" else None,
        nms_thresh=nms_thresh if outputs == "detections" else None,
        class_agnostic=class_agnostic and outputs == "detections", class_names=class_names,
        checkpoint=Path(checkpoint).name if checkpoint else "", exporter=_versions(fmt))
    example = torch.rand(batch or 2, 3, *size) * 255  # (B, 3, H, W); 2 for dynamic so no axis is traced as 1
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TracerWarnings about shape-dependent Python values; the check verifies
        if fmt == "onnx":
            _onnx_export(graph, example, out, info)
        else:
            _torchscript_export(graph, example, out, info)
    return info


def _versions(fmt: str) -> str:
    import yolox_edu

    text = f"yolox_edu {yolox_edu.__version__}, torch {torch.__version__}"
    return text + ", torch.onnx.export(dynamo=False)" if fmt == "onnx" else text + ", torch.jit.trace + freeze"


def _onnx_export(graph: ExportGraph, example: torch.Tensor, out: str | Path, info: ExportInfo) -> None:
    import onnx

    output = OUTPUT_NAMES[info.outputs]
    axes = {}
    if info.batch is None:
        axes = {info.input_name: {0: "batch", 2: "height", 3: "width"}}
        if info.outputs != "detections":
            axes[output] = {0: "batch", 1: "anchors"}
    if info.outputs == "detections":
        axes[output] = {0: "num_detections"}
    torch.onnx.export(graph, (example,), str(out), input_names=[info.input_name], output_names=[output],
                      opset_version=info.opset, dynamic_axes=axes or None, dynamo=False)
    proto = onnx.load(str(out))
    proto.doc_string = f"YOLOX ({info.model}) exported by yolox_edu. " + info.output_layout
    del proto.metadata_props[:]
    for key, value in info.to_strings().items():
        proto.metadata_props.add(key=key, value=value)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(out))


def _torchscript_export(graph: ExportGraph, example: torch.Tensor, out: str | Path, info: ExportInfo) -> None:
    traced = torch.jit.freeze(torch.jit.trace(graph, (example,), check_trace=False))
    torch.jit.save(traced, str(out), _extra_files={EXTRA_FILE: json.dumps(info.to_strings(), indent=1)})
