"""Mosaic (four images around a random centre) and MixUp (blend with a second image), as pure functions.

Images are (h, w, 3) uint8 RGB numpy arrays, boxes (N, 4) float32 xyxy pixels, labels (N,) int64.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..preprocess import PAD_VALUE
from .augment import clip_boxes, hflip, letterbox_image, resize_image

__all__ = ["mosaic_center", "mosaic", "mixup"]


def mosaic_center(rng: np.random.Generator, input_hw: tuple[int, int],
                  center_range: tuple[float, float] = (0.5, 1.5)) -> tuple[int, int]:
    """The mosaic centre (yc, xc), each drawn from ``center_range × size`` and truncated to int."""
    yc = int(rng.uniform(center_range[0] * input_hw[0], center_range[1] * input_hw[0]))
    xc = int(rng.uniform(center_range[0] * input_hw[1], center_range[1] * input_hw[1]))
    return yc, xc


def mosaic(images: Sequence[np.ndarray], boxes_list: Sequence[np.ndarray], labels_list: Sequence[np.ndarray],
           input_hw: tuple[int, int], center: tuple[int, int], pad_value: int = PAD_VALUE
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Paste four images around ``center = (yc, xc)`` on a 2H × 2W grey canvas.

    Each image is resized by ``min(H/h, W/w)``; image 0 ends at the centre from the top-left, 1 from the
    top-right, 2 from the bottom-left, 3 from the bottom-right; parts outside the canvas are cut.
    Boxes follow their image and are clipped to the canvas (none are dropped here).

    Shapes: 4 × (h_i, w_i, 3) → (2H, 2W, 3) uint8, boxes (sum N_i, 4) xyxy, labels (sum N_i,).
    """
    if len(images) != 4:
        raise ValueError(f"mosaic needs 4 images, got {len(images)}")
    H, W = input_hw
    yc, xc = center
    canvas = np.full((2 * H, 2 * W, 3), pad_value, np.uint8)  # (2H, 2W, 3)
    all_boxes, all_labels = [], []
    for k, (image, boxes, labels) in enumerate(zip(images, boxes_list, labels_list)):
        h0, w0 = image.shape[:2]
        scale = min(H / h0, W / w0)
        w, h = int(w0 * scale), int(h0 * scale)
        resized = resize_image(image, (w, h))
        ox = xc - w if k in (0, 2) else xc  # where the image's top-left corner lands on the canvas
        oy = yc - h if k in (0, 1) else yc
        x1, y1, x2, y2 = max(ox, 0), max(oy, 0), min(ox + w, 2 * W), min(oy + h, 2 * H)
        canvas[y1:y2, x1:x2] = resized[y1 - oy:y2 - oy, x1 - ox:x2 - ox]
        all_boxes.append(boxes * scale + np.array([ox, oy, ox, oy], np.float32))
        all_labels.append(labels)
    boxes = clip_boxes(np.concatenate(all_boxes).astype(np.float32).reshape(-1, 4), (2 * H, 2 * W))
    return canvas, boxes, np.concatenate(all_labels).astype(np.int64)


def mixup(image: np.ndarray, boxes: np.ndarray, labels: np.ndarray, other_image: np.ndarray,
          other_boxes: np.ndarray, other_labels: np.ndarray, rng: np.random.Generator,
          scale_range: tuple[float, float] = (0.5, 1.5), flip_prob: float = 0.5,
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Blend ``image`` 0.5/0.5 with a jittered copy of ``other_image``; labels are concatenated.

    The other image is letterboxed to the size of ``image``, the whole canvas scaled by a factor drawn
    from ``scale_range``, maybe mirrored, padded with black to at least that size and randomly cropped
    back to it (as the official's "copy-paste" MixUp).

    Shapes: image (H, W, 3) uint8 → (H, W, 3) uint8; boxes (N + M, 4) xyxy; labels (N + M,).
    """
    H, W = image.shape[:2]
    jitter = rng.uniform(*scale_range)
    flip = rng.uniform(0, 1) < flip_prob
    canvas, r = letterbox_image(other_image, (H, W))
    jw, jh = int(W * jitter), int(H * jitter)
    canvas = resize_image(canvas, (jw, jh))
    cp_boxes = clip_boxes(other_boxes * (r * jitter), (jh, jw))
    if flip:
        canvas, cp_boxes = hflip(canvas, cp_boxes)
    padded = np.zeros((max(jh, H), max(jw, W), 3), np.uint8)
    padded[:jh, :jw] = canvas
    y_off = int(rng.integers(0, padded.shape[0] - H)) if padded.shape[0] > H else 0
    x_off = int(rng.integers(0, padded.shape[1] - W)) if padded.shape[1] > W else 0
    crop = padded[y_off:y_off + H, x_off:x_off + W]
    cp_boxes = clip_boxes(cp_boxes - np.array([x_off, y_off, x_off, y_off], np.float32), (H, W))
    blended = ((image.astype(np.uint16) + crop) >> 1).astype(np.uint8)  # = floor(0.5 a + 0.5 b)
    return (blended, np.concatenate([boxes, cp_boxes]).astype(np.float32),
            np.concatenate([labels, other_labels]).astype(np.int64))
