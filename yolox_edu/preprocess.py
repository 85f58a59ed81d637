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

from yolox_edu.errors import UsageError

__all__ = ["PAD_VALUE", "letterbox", "letterbox_image", "letterbox_ratio", "resize_image", "unletterbox_boxes",
           "load_image"]

PAD_VALUE = 114


def letterbox_ratio(image_hw: tuple[int, int], input_hw: tuple[int, int]) -> float:
    """The scale ``r = min(H / h, W / w)`` that fits an (h, w) image into an (H, W) input."""
    return min(input_hw[0] / image_hw[0], input_hw[1] / image_hw[1])


def resize_image(image: np.ndarray, size_wh: tuple[int, int]) -> np.ndarray:
    """Bilinear resize without antialiasing (as OpenCV's INTER_LINEAR) to (width, height).

    (h, w, 3) uint8 in and out. Torch's uint8 kernel does the work on a channels-last view, so nothing is
    transposed or converted to float on the way.
    """
    if (image.shape[1], image.shape[0]) == tuple(size_wh):
        return image
    x = torch.from_numpy(np.require(image, np.uint8, ["C", "W"]))[None].permute(0, 3, 1, 2)  # (1, 3, h, w)
    out = F.interpolate(x, size=(size_wh[1], size_wh[0]), mode="bilinear", align_corners=False, antialias=False)
    return out[0].permute(1, 2, 0).numpy()


def letterbox_image(image: np.ndarray, input_hw: tuple[int, int], pad_value: int = PAD_VALUE
                    ) -> tuple[np.ndarray, float]:
    """Resize by ``r = min(H/h, W/w)`` (sizes truncated, as the official) and paste top-left on grey.

    The one letterbox of the project: inference, evaluation and the data pipeline all use it.
    Shapes: image (h, w, 3) uint8 → (H, W, 3) uint8; returns (canvas, r).
    An image that already has the input size is returned as it is, not copied (the data pipeline
    relies on this to skip a copy): copy before writing into the canvas if the input must stay intact.
    """
    h, w = image.shape[:2]
    r = letterbox_ratio((h, w), input_hw)
    if (h, w) == tuple(input_hw):
        return image, r
    nw, nh = max(1, int(w * r)), max(1, int(h * r))
    canvas = np.full((*input_hw, 3), pad_value, np.uint8)  # (H, W, 3)
    canvas[:nh, :nw] = resize_image(image, (nw, nh))
    return canvas, r


def letterbox(
    image: Tensor | np.ndarray, input_hw: tuple[int, int], pad_value: int = PAD_VALUE
) -> tuple[Tensor, float]:
    """Letterbox one image for the model (``letterbox_image`` on a tensor or array).

    Args:
        image: (3, h, w) tensor or (h, w, 3) uint8 array, values 0–255 (float tensors are rounded).
        input_hw: (H, W) of the output.

    Returns:
        (3, H, W) float32 tensor with values 0–255, and the ratio ``r`` used.
    """
    if isinstance(image, Tensor):
        if image.ndim != 3 or image.shape[0] != 3:
            raise UsageError(f"expected a (3, h, w) image, got shape {tuple(image.shape)}")
        if image.is_floating_point():
            image = image.round().clamp(0, 255)
        image = image.to(torch.uint8).permute(1, 2, 0).numpy()
    elif image.ndim != 3 or image.shape[2] != 3:
        raise UsageError(f"expected a (h, w, 3) image, got shape {image.shape}")
    canvas, r = letterbox_image(image, input_hw, pad_value)
    canvas = np.require(canvas, requirements=["C", "W"])  # copies only a read-only / strided input of the right size
    return torch.from_numpy(canvas).permute(2, 0, 1).float(), r  # (3, H, W)


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
        raise UsageError(f"cannot read image {path}: {e}. Is it a JPEG/PNG/BMP image?") from None
    return torch.from_numpy(array.copy()).permute(2, 0, 1)  # (3, h, w) uint8
