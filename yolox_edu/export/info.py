"""What an exported file says about itself: channel order, input convention, outputs, thresholds, opset.

Stored as string key/value pairs: ONNX ``metadata_props`` (readable with onnxruntime's
``session.get_modelmeta().custom_metadata_map`` or Netron) and, for TorchScript, the extra file
``yolox_edu.json`` (``torch.jit.load(path, _extra_files={"yolox_edu.json": ""})``).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from yolox_edu.errors import UsageError

__all__ = ["ExportInfo", "INPUT_CONVENTION", "OUTPUT_LAYOUTS", "EXTRA_FILE", "FORMATS", "DEFAULT_OPSET"]

FORMATS = ("onnx", "torchscript")
DEFAULT_OPSET = 17  # onnxruntime >= 1.14 runs it; NonMaxSuppression, Resize and Slice are all stable there

EXTRA_FILE = "yolox_edu.json"
INPUT_CONVENTION = ("float32 (B, 3, H, W), values 0-255 (no mean/std normalisation), letterboxed: resized by "
                    "r = min(H / h, W / w) (bilinear), pasted at the top-left of an H x W canvas filled with 114; "
                    "divide output boxes by r to get original-image pixels")
OUTPUT_LAYOUTS = {
    "raw": "raw (B, A, 5 + C): per anchor point (tx, ty, tw, th, objectness logit, C class logits), levels at "
           "strides 8/16/32 flattened row-major; decode with cx = (tx + i) * s, w = exp(tw) * s, sigmoid on scores",
    "decoded": "predictions (B, A, 5 + C): per anchor point (cx, cy, w, h, objectness, C class probabilities), "
               "boxes in input pixels; score = objectness * best class probability, then NMS",
    "detections": "detections (N, 7): rows (batch_index, x1, y1, x2, y2, score, class_id) in input pixels, "
                  "sorted by score, N variable (0 is valid); score filter and NMS already applied",
}


@dataclass
class ExportInfo:
    """Metadata of one exported file (all of it is written into the file and printed)."""

    model: str  # e.g. "yolox-nano"
    num_classes: int
    channel_order: str  # "RGB" or "BGR": the order the file's input channels must be in
    input_size: tuple[int, int]  # (H, W) exported at (and checked at)
    batch: int | None  # fixed batch size; None = dynamic
    dynamic_hw: bool  # True: any H, W that are multiples of 32 work
    outputs: str  # "raw" | "decoded" | "detections"
    format: str  # "onnx" | "torchscript"
    opset: int | None = None  # ONNX opset (None for TorchScript)
    strides: tuple[int, ...] = (8, 16, 32)
    conf_thresh: float | None = None  # baked-in score threshold ("detections" only)
    nms_thresh: float | None = None  # baked-in NMS IoU threshold ("detections" only)
    class_agnostic: bool = False
    class_names: list[str] | None = None
    bn_fused: bool = True
    input_name: str = "images"
    input_convention: str = INPUT_CONVENTION
    output_layout: str = ""
    checkpoint: str = ""
    exporter: str = ""  # library versions and the exporter path used
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.output_layout = self.output_layout or OUTPUT_LAYOUTS[self.outputs]

    @property
    def output_name(self) -> str:
        return self.output_layout.split(" ", 1)[0]

    def to_strings(self) -> dict[str, str]:
        """Flat string key/value pairs (strings as they are, everything else as JSON)."""
        return {f.name: v if isinstance(v := getattr(self, f.name), str) else json.dumps(v)
                for f in dataclasses.fields(self)}

    @classmethod
    def from_strings(cls, props: dict[str, str], source: str = "the file") -> ExportInfo:
        """Inverse of ``to_strings``; a file without our metadata is a clear error."""
        missing = [f.name for f in dataclasses.fields(cls) if f.default is dataclasses.MISSING and f.name not in props]
        if missing:
            raise UsageError(f"{source} has no yolox_edu export metadata (missing {', '.join(missing)}); "
                             "export it with `yolox-edu export`")
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in props:
                text = props[f.name]
                values[f.name] = text if f.type in ("str", str) else json.loads(text)
        values["input_size"] = tuple(values["input_size"])
        values["strides"] = tuple(values.get("strides", (8, 16, 32)))
        return cls(**values)

    def describe(self) -> list[str]:
        """Human-readable lines for the command line."""
        h, w = self.input_size
        batch = "dynamic" if self.batch is None else str(self.batch)
        hw = f"any multiple of 32 (exported at {h}x{w})" if self.dynamic_hw else f"{h}x{w}"
        lines = [f"model      : {self.model}, {self.num_classes} classes, BatchNorm fused: {self.bn_fused}",
                 f"format     : {self.format}" + (f", opset {self.opset}" if self.opset else ""),
                 f"input      : {self.input_name}, channel order {self.channel_order}, batch {batch}, H x W {hw}",
                 f"convention : {self.input_convention}",
                 f"output     : {self.output_layout}"]
        if self.outputs == "detections":
            lines.append(f"NMS        : score >= {self.conf_thresh}, IoU > {self.nms_thresh} suppressed, "
                         f"{'class-agnostic' if self.class_agnostic else 'per class'}")
        return lines
