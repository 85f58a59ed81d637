"""Drawing detections on images with PIL (the CLI's ``--out`` pictures) and the course's class colours.

Labels sit on a filled box of the class colour with black or white text, whichever contrasts more, so
they stay readable on any background; the font grows with the image (≥ 11 px, legible at 320 px).
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence

import torch
from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont
from torch import Tensor

__all__ = ["draw_detections", "class_color", "text_color_for", "box_caption", "label_font_size"]

MIN_FONT_PX = 11  # DejaVu Sans at 11 px is the smallest size that stays readable on a 320 px image


def class_color(label: int) -> tuple[int, int, int]:
    """A stable, distinct colour per class id (golden-angle hue steps); the same everywhere in the course."""
    r, g, b = colorsys.hsv_to_rgb((label * 0.618034) % 1.0, 0.85, 0.95)
    return int(r * 255), int(g * 255), int(b * 255)


def text_color_for(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever contrasts more with an RGB ``background`` (relative luminance)."""
    r, g, b = (c / 255 for c in background)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (0, 0, 0) if luminance > 0.45 else (255, 255, 255)


def box_caption(label: int, score: float | None = None, class_names: Sequence[str] | None = None) -> str:
    """``"name 0.87"`` (or the class id when there are no names, without the score when there is none)."""
    name = class_names[label] if class_names is not None and 0 <= label < len(class_names) else str(label)
    return name if score is None else f"{name} {score:.2f}"


def label_font_size(image_hw: tuple[int, int]) -> int:
    """Label font height in pixels for an image: 1/28 of its short side, at least ``MIN_FONT_PX``."""
    return max(MIN_FONT_PX, round(min(image_hw) / 28))


def draw_detections(image: Tensor, boxes: Tensor, labels: Tensor, scores: Tensor | None = None,
                    class_names: Sequence[str] | None = None, width: int = 2) -> Image.Image:
    """Draw (N, 4) xyxy ``boxes`` with captions on a (3, h, w) uint8 RGB image → a PIL image.

    Each caption sits on a filled rectangle of the class colour just above its box (inside the box when
    the box touches the top edge), with black or white text chosen for contrast.
    """
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"image must be a (3, h, w) RGB tensor, got shape {tuple(image.shape)}")
    if boxes.ndim != 2 or boxes.shape[-1] != 4 or len(labels) != len(boxes):
        raise ValueError(f"boxes must be (N, 4) with N labels, got boxes {tuple(boxes.shape)} and "
                         f"{len(labels)} labels")
    canvas = Image.fromarray(image.to(torch.uint8).permute(1, 2, 0).cpu().numpy())
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.truetype(font_manager.findfont("DejaVu Sans"), label_font_size(tuple(image.shape[1:])))
    for k, (box, label) in enumerate(zip(boxes.tolist(), labels.tolist())):
        color = class_color(int(label))
        x1, y1, x2, y2 = box
        draw.rectangle((x1, y1, x2, y2), outline=color, width=width)
        caption = box_caption(int(label), None if scores is None else float(scores[k]), class_names)
        _draw_caption(draw, caption, (x1, y1), color, font, canvas.size)
    return canvas


def _draw_caption(draw: ImageDraw.ImageDraw, text: str, corner: tuple[float, float], color: tuple[int, int, int],
                  font: ImageFont.FreeTypeFont, image_wh: tuple[int, int]) -> None:
    """A filled caption box anchored at a box's top-left ``corner``, kept inside the image."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    pad = 2
    tw, th = right - left + 2 * pad, bottom - top + 2 * pad
    x = min(max(corner[0], 0), max(image_wh[0] - tw, 0))
    y = corner[1] - th if corner[1] - th >= 0 else max(corner[1], 0)  # above the box, else just inside it
    draw.rectangle((x, y, x + tw, y + th), fill=color)
    draw.text((x + pad - left, y + pad - top), text, fill=text_color_for(color), font=font)
