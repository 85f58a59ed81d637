"""What goes into an exported file: the network, and optionally decoding and NMS, as one traceable module.

Three output kinds, from least to most work inside the file:

- ``raw``: (B, A, 5 + C) head outputs, levels flattened: (tx, ty, tw, th, objectness logit, C class logits).
  The caller decodes them with ``decode_flat`` (the grid depends only on the input size).
- ``decoded``: (B, A, 5 + C) rows (cx, cy, w, h, objectness, class scores) in input pixels, probabilities:
  exactly what an eval-mode ``model(images)`` returns; ``yolox_edu.decode.postprocess`` takes it as is.
- ``detections``: (N, 7) final detections of the whole batch, rows
  (batch_index, x1, y1, x2, y2, score, class_id) in input pixels, sorted by score (highest first);
  N varies with the image (0 is a valid answer). Score filter and NMS are in the graph.

The file's input is (B, 3, H, W) float32, values 0–255, letterboxed, in the network's own channel
order (BGR for official weights): no channel flip is baked in, the metadata says which order it wants.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torchvision.ops import batched_nms

from yolox_edu.boxes import cxcywh_to_xyxy
from yolox_edu.decode import decode_boxes, flatten_levels
from yolox_edu.grid import make_grid

__all__ = ["OUTPUT_KINDS", "OUTPUT_NAMES", "ExportGraph", "batched_postprocess", "decode_flat", "split_detections"]

OUTPUT_KINDS = ("raw", "decoded", "detections")
OUTPUT_NAMES = {"raw": "raw", "decoded": "predictions", "detections": "detections"}


def batched_postprocess(preds: Tensor, conf_thresh: float = 0.25, nms_thresh: float = 0.45,
                        class_agnostic: bool = False) -> Tensor:
    """``postprocess`` for a whole batch in one pass, with no Python loop (so that it traces into a graph).

    Same rule as ``postprocess``: best class per point, score = objectness × class prob, keep
    score >= conf_thresh, NMS per image and class (per image only when ``class_agnostic``).

    Shapes: preds (B, A, 5 + C) decoded rows → (N, 7) rows (batch_index, x1, y1, x2, y2, score, class_id),
    sorted by score.
    """
    num_classes = preds.shape[-1] - 5
    cls_prob, labels = preds[..., 5:].max(dim=-1)  # (B, A), (B, A)
    scores = preds[..., 4] * cls_prob  # (B, A)
    image = torch.arange(preds.shape[0], device=preds.device)[:, None].expand_as(labels)  # (B, A)
    keep = scores >= conf_thresh  # (B, A) bool
    boxes = cxcywh_to_xyxy(preds[..., :4][keep])  # (K, 4)
    scores, labels, image = scores[keep], labels[keep], image[keep]  # (K,) each
    groups = image if class_agnostic else image * num_classes + labels  # (K,) one NMS group per image (and class)
    kept = batched_nms(boxes, scores, groups, nms_thresh)  # (N,) sorted by score
    return torch.cat((image[kept, None].to(boxes.dtype), boxes[kept], scores[kept, None],
                      labels[kept, None].to(boxes.dtype)), dim=1)  # (N, 7)


def split_detections(detections: Tensor, batch_size: int) -> list[tuple[Tensor, Tensor, Tensor]]:
    """(N, 7) rows of ``batched_postprocess`` → per image (boxes (n, 4) xyxy, scores (n,), labels (n,) int64)."""
    out = []
    for b in range(batch_size):
        rows = detections[detections[:, 0] == b]  # (n, 7)
        out.append((rows[:, 1:5], rows[:, 5], rows[:, 6].round().long()))
    return out


def decode_flat(raw: Tensor, input_size: tuple[int, int], strides: tuple[int, ...]) -> Tensor:
    """Decode ``raw`` (B, A, 5 + C) outputs of an input of size (H, W) → (B, A, 5 + C) decoded rows."""
    grid = make_grid(tuple(input_size), strides, device=raw.device, dtype=raw.dtype)
    if grid.num_points != raw.shape[1]:
        raise ValueError(f"{raw.shape[1]} outputs per image do not fit input size {tuple(input_size)} "
                         f"({grid.num_points} anchor points at strides {strides})")
    boxes = decode_boxes(raw[..., :4], grid)  # (B, A, 4)
    return torch.cat((boxes, raw[..., 4:].sigmoid()), dim=-1)  # (B, A, 5 + C)


class ExportGraph(nn.Module):
    """A YOLOX model (fuse it first) seen as an exportable function of one tensor.

    ``outputs`` is one of ``OUTPUT_KINDS``; the thresholds are only used for ``detections`` and are
    baked into the graph as constants. Images go in the network's own channel order (no flip here)."""

    def __init__(self, model: nn.Module, outputs: str = "decoded", conf_thresh: float = 0.25,
                 nms_thresh: float = 0.45, class_agnostic: bool = False):
        super().__init__()
        if outputs not in OUTPUT_KINDS:
            raise ValueError(f"outputs must be one of {', '.join(OUTPUT_KINDS)}, got {outputs!r}")
        if outputs == "raw" and getattr(model, "anchor_sizes", None) is not None:
            raise ValueError("outputs='raw' is anchor-free only (decode_flat knows no anchors); export an anchor "
                             "model with outputs='decoded' (--decode) or 'detections' (--nms)")
        self.model = model
        self.outputs = outputs
        self.strides = tuple(model.cfg.strides)
        self.conf_thresh, self.nms_thresh, self.class_agnostic = conf_thresh, nms_thresh, class_agnostic

    def forward(self, images: Tensor) -> Tensor:  # (B, 3, H, W), 0–255, network channel order
        maps = self.model.head(self.model.backbone(images))  # L × (B, 5 + C, h, w)
        if self.outputs == "raw":
            return flatten_levels(maps)  # (B, A, 5 + C)
        preds = self.model.decode(maps)  # (B, A, 5 + C); anchor models give one row per anchor
        if self.outputs == "decoded":
            return preds
        return batched_postprocess(preds, self.conf_thresh, self.nms_thresh, self.class_agnostic)  # (N, 7)
