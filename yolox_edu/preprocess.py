"""Letterbox: resize keeping the aspect ratio, paste top-left on a grey canvas; and its inverse.

The official YOLOX resizes by ``r = min(H / h, W / w)`` and pastes at the top-left corner of an
``H × W`` canvas filled with 114, so mapping a box back is a division by ``r``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import Tensor

__all__ = ["PAD_VALUE", "letterbox", "letterbox_ratio", "unletterbox_boxes", "load_image"]

PAD_VALUE = 114


def letterbox_ratio(image_hw: tuple[int, int], input_hw: tuple[int, int]) -> float:
    """The scale ``r = min(H / h, W / w)`` that fits an (h, w) image into an (H, W) input."""
    return min(input_hw[0] / image_hw[0], input_hw[1] / image_hw[1])


def letterbox(
    image: Tensor | np.ndarray, input_hw: tuple[int, int], pad_value: float = PAD_VALUE
) -> tuple[Tensor, float]:
    """Letterbox one image.

    Args:
        image: (3, h, w) tensor or (h, w, 3) uint8 array, values 0–255.
        input_hw: (H, W) of the output.

    Returns:
        (3, H, W) float32 tensor with values 0–255, and the ratio ``r`` used.
    """
    if isinstance(image, np.ndarray):
        image = torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1)
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"expected a (3, h, w) image, got shape {tuple(image.shape)}")
    h, w = image.shape[1:]
    r = letterbox_ratio((h, w), input_hw)
    new_h, new_w = max(1, round(h * r)), max(1, round(w * r))
    resized = F.interpolate(image[None].float(), size=(new_h, new_w), mode="bilinear", align_corners=False,
                            antialias=False)[0]  # as OpenCV INTER_LINEAR, like the official pipeline
    out = torch.full((3, *input_hw), float(pad_value), dtype=torch.float32)  # (3, H, W)
    out[:, :new_h, :new_w] = resized.clamp_(0, 255)
    return out, r


def unletterbox_boxes(boxes: Tensor, ratio: float, image_hw: tuple[int, int] | None = None) -> Tensor:
    """Map (N, 4) xyxy boxes from letterboxed input pixels back to the original image; clip if hw given."""
    out = boxes / ratio
    if image_hw is not None:
        h, w = image_hw
        out[:, 0::2] = out[:, 0::2].clamp(0, w)
        out[:, 1::2] = out[:, 1::2].clamp(0, h)
    return out


def load_image(path: str) -> Tensor:
    """Read an image file as a (3, h, w) uint8 RGB tensor; a clear error names a file that fails."""
    try:
        with Image.open(path) as im:
            array = np.asarray(im.convert("RGB"))
    except FileNotFoundError:
        raise FileNotFoundError(f"image file not found: {path}") from None
    except (OSError, ValueError) as e:
        raise ValueError(f"cannot read image {path}: {e}. Is it a JPEG/PNG/BMP image?") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1)  # (3, h, w) uint8
