"""Drawing detections on images (torchvision's draw_bounding_boxes underneath)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from matplotlib import font_manager
from PIL import Image
from torch import Tensor
from torchvision.utils import draw_bounding_boxes

__all__ = ["draw_detections", "class_color"]


def class_color(label: int) -> tuple[int, int, int]:
    """A stable, distinct colour per class id (golden-angle hue steps)."""
    import colorsys

    r, g, b = colorsys.hsv_to_rgb((label * 0.618034) % 1.0, 0.85, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def draw_detections(image: Tensor, boxes: Tensor, labels: Tensor, scores: Tensor | None = None,
                    class_names: Sequence[str] | None = None, width: int = 2) -> Image.Image:
    """Draw (N, 4) xyxy ``boxes`` with class names (and scores) on a (3, h, w) uint8 RGB image."""
    texts = []
    for k, label in enumerate(labels.tolist()):
        name = class_names[label] if class_names is not None and label < len(class_names) else str(label)
        texts.append(f"{name} {scores[k]:.2f}" if scores is not None else name)
    colors = [class_color(int(c)) for c in labels.tolist()]
    font_size = max(10, min(image.shape[1:]) // 40)
    font = font_manager.findfont("DejaVu Sans")  # matplotlib ships it; torchvision needs a TrueType path
    drawn = draw_bounding_boxes(image.to(torch.uint8), boxes.float(), labels=texts, colors=colors, width=width,
                                font=font, font_size=font_size)
    return Image.fromarray(drawn.permute(1, 2, 0).numpy())
