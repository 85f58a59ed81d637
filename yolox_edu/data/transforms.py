"""The last steps of a training sample (HSV, flip, letterbox, filter, pad) and the val transform.

Output contract (what the trainer and the model consume):
    image: (3, H, W) float32 tensor, RGB values 0–255.
    targets: (max_labels, 5) float32 rows (class, cx, cy, w, h) in input pixels, zero rows as padding.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..boxes import xyxy_to_cxcywh
from .augment import hflip_boxes, hsv_jitter, letterbox_image

__all__ = ["MAX_LABELS", "to_chw_float", "to_chw_uint8", "keep_boxes", "pad_labels", "train_transform", "val_transform"]

MAX_LABELS = 120  # padded target rows per training image


def to_chw_float(image: np.ndarray, flip: bool = False) -> Tensor:
    """(h, w, 3) uint8 → (3, h, w) float32 tensor with values 0–255, mirrored left-right if ``flip``.

    One pass: the transpose, the conversion and the mirror happen in the same copy.
    """
    out = np.empty((3, *image.shape[:2]), np.float32)  # (3, h, w)
    np.copyto(out, (image[:, ::-1] if flip else image).transpose(2, 0, 1))
    return torch.from_numpy(out)


def to_chw_uint8(image: np.ndarray, flip: bool = False) -> Tensor:
    """(h, w, 3) uint8 → (3, h, w) uint8 tensor (a channels-last view of one contiguous copy), mirrored
    left-right if ``flip``. The batch crosses process boundaries in uint8 and becomes float on the device."""
    out = np.ascontiguousarray(image[:, ::-1] if flip else image)  # (h, w, 3)
    return torch.from_numpy(out).permute(2, 0, 1)


def keep_boxes(boxes: np.ndarray, min_size: float = 1.0) -> np.ndarray:
    """(N,) bool: boxes whose shorter side is > ``min_size`` pixels (xyxy)."""
    return np.minimum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) > min_size


def pad_labels(boxes: np.ndarray, labels: np.ndarray, max_labels: int = MAX_LABELS) -> Tensor:
    """Rows (class, cx, cy, w, h) padded with zeros (or truncated) to ``max_labels``.

    Shapes: boxes (N, 4) xyxy, labels (N,) → (max_labels, 5) float32.
    """
    out = torch.zeros(max_labels, 5)  # (max_labels, 5)
    n = min(len(boxes), max_labels)
    if n:
        out[:n, 0] = torch.from_numpy(labels[:n].astype(np.float32))
        out[:n, 1:] = xyxy_to_cxcywh(torch.from_numpy(boxes[:n].astype(np.float32)))
    return out


def train_transform(image: np.ndarray, boxes: np.ndarray, labels: np.ndarray, input_hw: tuple[int, int],
                    rng: np.random.Generator, hsv_prob: float = 1.0, flip_prob: float = 0.5,
                    max_labels: int = MAX_LABELS, min_size: float = 1.0, uint8: bool = False
                    ) -> tuple[Tensor, Tensor]:
    """HSV jitter (prob ``hsv_prob``), horizontal flip (prob ``flip_prob``), letterbox to ``input_hw``,
    drop boxes whose shorter side is ≤ ``min_size`` px, pad to ``max_labels``.

    If boxes were given but none survive, the input image (without HSV/flip) is used instead, as the
    official; unlike the official, degenerate boxes are never returned. ``uint8=True`` returns the image
    as (3, H, W) uint8 (same values).

    Shapes: image (h, w, 3) uint8, boxes (N, 4) xyxy → image (3, H, W) float32, targets (max_labels, 5).
    """
    out = image
    if rng.random() < hsv_prob:
        out = hsv_jitter(out, rng)
    flip = rng.random() < flip_prob
    out_boxes = hflip_boxes(boxes, image.shape[1]) if flip else boxes
    flip_at_end = flip and image.shape[:2] == tuple(input_hw)  # letterbox is a no-op: mirror in the last copy
    out, r = letterbox_image(out[:, ::-1] if flip and not flip_at_end else out, input_hw)
    out_boxes = out_boxes * r
    keep = keep_boxes(out_boxes, min_size)
    if len(boxes) and not keep.any():
        out, r = letterbox_image(image, input_hw)
        out_boxes, flip_at_end = boxes * r, False
        keep = keep_boxes(out_boxes, min_size)
    image_out = (to_chw_uint8 if uint8 else to_chw_float)(out, flip_at_end)
    return image_out, pad_labels(out_boxes[keep], labels[keep], max_labels)


def val_transform(image: np.ndarray, input_hw: tuple[int, int]) -> tuple[Tensor, float]:
    """Letterbox only (for evaluation). Returns ((3, H, W) float32 0–255, ratio r); boxes map back by /r."""
    out, r = letterbox_image(image, input_hw)
    return to_chw_float(out), r
