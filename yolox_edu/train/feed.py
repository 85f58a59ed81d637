"""How batches reach the model: where augmentation runs (``data.augment_on``) and the move to the device.

* ``"cpu"``: loader workers run the whole augmentation and send (B, 3, H, W) **uint8** images (4× less
  to move between processes and to the device than float32); they become float32 on the device.
* ``"device"``: workers only read/decode (or take from the image cache), draw the random parameters from
  the same seeded keys and compute the boxes; they send uint8 source windows plus a plan, and
  :func:`~yolox_edu.data.device_augment.augment_batch` makes the images on the training device, batched.
* ``"auto"`` (default): ``"device"`` when training on CUDA, else ``"cpu"``.

Either way the model gets the same (B, 3, H, W) float32 0–255 input and the same targets. On CUDA the
loader pins its batches and the copies are non-blocking.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

AUGMENT_ON = ("auto", "cpu", "device")

__all__ = ["AUGMENT_ON", "resolve_augment_on", "configure_feed", "batch_to_device"]


def resolve_augment_on(augment_on: str, device: torch.device) -> str:
    """"cpu" or "device" for the setting and the training device; a bad value names ``data.augment_on``."""
    if augment_on not in AUGMENT_ON:
        raise ValueError(f"data.augment_on must be one of {', '.join(AUGMENT_ON)}, got {augment_on!r}")
    if augment_on == "auto":
        return "device" if device.type == "cuda" else "cpu"
    return augment_on


def configure_feed(loader: Any, augment_on: str, device: torch.device) -> str:
    """Make ``loader``'s dataset send uint8 images (``"cpu"``) or plans (``"device"``), and pin its batches
    when training on CUDA. Call before iterating (workers get the dataset when an epoch starts).
    Returns the resolved mode."""
    mode = resolve_augment_on(augment_on, device)
    loader.dataset.output = "plan" if mode == "device" else "uint8"
    loader.pin_memory = device.type == "cuda"
    return mode


def batch_to_device(images: Any, targets: Tensor, device: torch.device, channels_last: bool = False
                    ) -> tuple[Tensor, Tensor]:
    """A loader batch as the model's input on ``device``: (B, 3, H, W) float32 0–255, targets (B, G, 5).

    ``images`` is a float or uint8 (B, 3, H, W) tensor or a :class:`~yolox_edu.data.device_plan.PlanBatch`
    (augmented here, on ``device``). Copies are non-blocking (they overlap when the batch is pinned)."""
    from yolox_edu.data.device_augment import augment_batch
    from yolox_edu.data.device_plan import PlanBatch

    if isinstance(images, PlanBatch):
        images = augment_batch(images.to(device, non_blocking=True), images)  # (B, 3, H, W) float32
    else:
        images = images.to(device, non_blocking=True).float()  # uint8 → float on the device
    targets = targets.to(device, non_blocking=True)
    return images.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format), targets
