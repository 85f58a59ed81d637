"""Inference on images: letterbox, forward, postprocess, map boxes back to the original pixels."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from PIL import Image
from torch import Tensor, nn

from yolox_edu.decode import Detections, decode_boxes, flatten_levels, grid_for, postprocess
from yolox_edu.grid import Grid
from yolox_edu.preprocess import letterbox, load_image, unletterbox_boxes

__all__ = ["predict", "as_image_tensor", "model_predictions", "Predictions"]

ImageLike = str | Path | Tensor | np.ndarray | Image.Image


def as_image_tensor(image: ImageLike) -> Tensor:
    """A path, PIL image, (h, w, 3) uint8 array or (3, h, w) tensor → (3, h, w) uint8 RGB tensor."""
    if isinstance(image, (str, Path)):
        return load_image(str(image))
    if isinstance(image, Image.Image):
        return torch.from_numpy(np.asarray(image.convert("RGB")).copy()).permute(2, 0, 1)
    if isinstance(image, np.ndarray):
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"a numpy image must be (h, w, 3) RGB, got shape {image.shape}")
        return torch.from_numpy(np.require(image, requirements=["C", "W"])).permute(2, 0, 1)  # copies if read-only
    if isinstance(image, Tensor):
        if image.ndim != 3 or image.shape[0] != 3:
            raise ValueError(f"an image tensor must be (3, h, w) RGB, got shape {tuple(image.shape)}")
        return image
    raise TypeError(f"cannot use {type(image).__name__} as an image (give a path, PIL image, array or tensor)")


@torch.no_grad()
def predict(
    model: nn.Module,
    images: ImageLike | Sequence[ImageLike],
    *,
    input_size: tuple[int, int] | None = None,
    conf_thresh: float = 0.25,
    nms_thresh: float = 0.45,
    class_agnostic: bool = False,
    device: str | torch.device | None = None,
    bf16: bool = False,
    batch_size: int = 8,
) -> list[Detections]:
    """Detect objects in one image or a list of images.

    Args:
        model: a YOLOX model (put in eval mode here).
        images: path(s), PIL image(s), (h, w, 3) uint8 array(s) or (3, h, w) RGB tensor(s).
        input_size: (H, W) to letterbox to; default the model config's input size.
        bf16: run under CPU/GPU bfloat16 autocast (faster on CPUs with AMX and on GPUs; boxes move slightly).

    For speed on CPU, fuse and switch the model to channels-last first
    (``model.fuse().to(memory_format=torch.channels_last)``: about 1.5× faster here); inputs follow the
    model's memory format.

    Returns:
        One ``Detections`` per image, boxes xyxy in that image's original pixels (clipped to it).
    """
    single = not isinstance(images, (list, tuple))
    items = [as_image_tensor(im) for im in ([images] if single else images)]
    size = tuple(input_size or model.cfg.input_size)
    device = torch.device(device) if device is not None else next(model.parameters()).device
    model.eval()
    first_weight = next(model.parameters())
    fmt = torch.channels_last if first_weight.ndim == 4 and first_weight.is_contiguous(
        memory_format=torch.channels_last) and not first_weight.is_contiguous() else torch.contiguous_format
    results: list[Detections] = []
    for start in range(0, len(items), batch_size):
        chunk = items[start:start + batch_size]
        boxed = [letterbox(im, size) for im in chunk]
        batch = torch.stack([b for b, _ in boxed]).to(device).contiguous(memory_format=fmt)  # (B, 3, H, W)
        autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
        with autocast:
            preds = model(batch)  # (B, A, 5 + C)
        dets = postprocess(preds.float(), conf_thresh, nms_thresh, class_agnostic)
        for det, im, (_, r) in zip(dets, chunk, boxed):
            det = det.to("cpu")
            results.append(Detections(unletterbox_boxes(det.boxes, r, tuple(im.shape[1:])), det.scores, det.labels))
    return results


@dataclass
class Predictions:
    """A model's outputs as label assignment reads them. Shapes: (B, A, 4) cxcywh px, (B, A, C), (B, A)."""

    boxes: Tensor
    cls_logits: Tensor
    obj_logits: Tensor
    grid: Grid


@torch.no_grad()
def model_predictions(model: nn.Module, images: Tensor) -> Predictions:
    """Run ``model`` (any mode; it is not changed) and return decoded boxes and raw logits: the inputs
    every assignment rule of ``yolox_edu.assign`` takes.

    ``images``: (B, 3, H, W) float 0–255 RGB, H and W multiples of the largest stride. The model's
    ``cfg.bgr`` flip is applied as in ``YOLOX.forward``. Eval-mode BatchNorm is what you want here.
    """
    if images.ndim != 4 or images.shape[1] != 3 or not images.is_floating_point():
        raise ValueError(f"images must be float (B, 3, H, W) with values 0-255, got {images.dtype} "
                         f"{tuple(images.shape)}")
    cfg = model.cfg
    x = images.flip(1) if cfg.bgr else images
    maps = model.head(model.backbone(x))  # L × (B, 5 + C, h, w) raw maps
    raw = flatten_levels(maps)  # (B, A, 5 + C)
    grid = grid_for(maps, cfg.strides)
    return Predictions(decode_boxes(raw[..., :4], grid), raw[..., 5:], raw[..., 4], grid)  # (B, A, ...)
