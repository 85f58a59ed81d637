"""Matplotlib figures the course notebooks share: images with boxes, image grids, feature-map montages.

One colour per class everywhere (``class_color``); box captions sit on filled backgrounds with black or
white text, whichever contrasts more. Boxes are xyxy in the image's pixels.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from PIL import Image
from torch import Tensor

from yolox_edu.viz.draw import box_caption, class_color, text_color_for

__all__ = ["mpl_color", "as_display_image", "show_image", "show_boxes", "image_grid", "montage",
           "feature_montage", "overlay_grid", "class_legend"]

Displayable = Tensor | np.ndarray | Image.Image | str | Path
NEUTRAL = (0.55, 0.55, 0.55)  # boxes without a class (e.g. suppressed or plain proposals)


def mpl_color(label: int) -> tuple[float, float, float]:
    """``class_color`` as a matplotlib RGB triple in [0, 1]."""
    return tuple(c / 255 for c in class_color(label))  # type: ignore[return-value]


def as_display_image(image: Displayable) -> np.ndarray:
    """Anything image-like → an array matplotlib shows: (h, w, 3) uint8 RGB, or (h, w) for one channel.

    Accepts a path, a PIL image, an (h, w, 3) / (h, w) array, or a (3, h, w) / (h, w) tensor with values
    0–255 (float tensors are rounded and clipped)."""
    if isinstance(image, (str, Path)):
        with Image.open(image) as im:
            return np.asarray(im.convert("RGB"))
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    if isinstance(image, Tensor):
        image = image.detach().cpu()
        if image.ndim == 3:
            if image.shape[0] != 3:
                raise ValueError(f"image tensor must be (3, h, w) or (h, w), got {tuple(image.shape)}")
            image = image.permute(1, 2, 0)
        image = image.numpy()
    if isinstance(image, np.ndarray):
        if image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3):
            return image if image.dtype == np.uint8 or image.ndim == 2 else image.round().clip(0, 255).astype(np.uint8)
        raise ValueError(f"image array must be (h, w, 3) or (h, w), got {image.shape}")
    raise TypeError(f"cannot show {type(image).__name__} as an image (give a path, PIL image, array or tensor)")


def _new_axes(hw: tuple[int, int], width_in: float = 6.0) -> Axes:
    h, w = hw
    _, ax = plt.subplots(figsize=(width_in, width_in * h / w + 0.4))
    return ax


def show_image(image: Displayable, ax: Axes | None = None, title: str | None = None, **imshow_kw) -> Axes:
    """Show an image without axis ticks; returns the axes."""
    array = as_display_image(image)
    ax = ax or _new_axes(array.shape[:2])
    ax.imshow(array, **({"cmap": "gray"} if array.ndim == 2 else {}) | imshow_kw)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def show_boxes(image: Displayable, boxes: Tensor | np.ndarray, labels: Sequence[int] | Tensor | None = None,
               scores: Sequence[float] | Tensor | None = None, class_names: Sequence[str] | None = None,
               ax: Axes | None = None, title: str | None = None, *, linewidth: float = 2.0,
               linestyle: str | tuple = "-", captions: Sequence[str] | bool = True, fontsize: float = 9.0) -> Axes:
    """An image with (N, 4) xyxy ``boxes``, coloured by class, captioned "name score" on filled labels.

    ``labels=None`` draws every box in one neutral grey. ``captions`` can be a list of strings (one per
    box) or ``False`` for none. Returns the axes (a new figure when ``ax`` is None).
    """
    array = as_display_image(image)
    ax = show_image(array, ax, title)
    boxes = np.asarray(torch.as_tensor(boxes, dtype=torch.float32).reshape(-1, 4))  # (N, 4)
    labels_list = None if labels is None else [int(v) for v in torch.as_tensor(labels).reshape(-1).tolist()]
    scores_list = None if scores is None else [float(v) for v in torch.as_tensor(scores).reshape(-1).tolist()]
    if labels_list is not None and len(labels_list) != len(boxes):
        raise ValueError(f"{len(labels_list)} labels for {len(boxes)} boxes")
    h, w = array.shape[:2]
    taken: list[tuple[float, ...]] = []  # caption rectangles already placed
    for k, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
        color = NEUTRAL if labels_list is None else mpl_color(labels_list[k])
        ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linewidth=linewidth,
                               linestyle=linestyle))
        text = _caption(k, labels_list, scores_list, class_names, captions)
        if text:
            _put_caption(ax, text, (x1, y1, x2, y2), (h, w), color, fontsize, taken)
    ax.set_xlim(-0.5, w - 0.5)
    ax.set_ylim(h - 0.5, -0.5)
    return ax


def _caption(k: int, labels: list[int] | None, scores: list[float] | None, class_names: Sequence[str] | None,
             captions: Sequence[str] | bool) -> str:
    if captions is False:
        return ""
    if captions is not True:
        return str(captions[k])
    if labels is None:
        return "" if scores is None else f"{scores[k]:.2f}"
    return box_caption(labels[k], None if scores is None else scores[k], class_names)


def _put_caption(ax: Axes, text: str, box: tuple[float, float, float, float], hw: tuple[int, int],
                 color: tuple[float, float, float], fontsize: float, taken: list[tuple[float, ...]]) -> None:
    """Caption on a filled label at the first free spot among: above the box's top-left corner, inside
    its top, below its bottom, inside its bottom, then a line further out (right-aligned near the right
    edge). A spot is free when its estimated rectangle misses every caption already placed (``taken``);
    when none is, the one overlapping least wins. Spots off the picture are skipped."""
    x1, y1, x2, y2 = box
    h, w = hw
    unit = _data_per_point(ax, w)
    tw, th = (0.62 * len(text) + 0.6) * fontsize * unit, 1.3 * fontsize * unit  # label size, data units
    right = x1 + tw > w
    x = min(x2, w) if right else max(x1, 0)
    left_edge = x - tw if right else x
    y1, y2 = max(y1, 0), min(y2, h)
    tops = [y1 - th, y1, y2, y2 - th, y1 - 2 * th, y1 + th, y2 + th]  # above, inside top, below, inside bottom, ...
    fits = [t for t in tops if 0 <= t <= h - th] or [min(max(y1, 0), h - th)]
    top = min(fits, key=lambda t: sum(_overlap_area((left_edge, t, tw, th), r) for r in taken))  # first free
    taken.append((left_edge, top, tw, th))
    ink = "black" if text_color_for(tuple(int(round(c * 255)) for c in color)) == (0, 0, 0) else "white"
    ax.text(x, top, text, fontsize=fontsize, color=ink, ha="right" if right else "left", va="top", clip_on=True,
            bbox=dict(boxstyle="square,pad=0.15", facecolor=color, edgecolor="none", alpha=0.9))


def _data_per_point(ax: Axes, image_width: float) -> float:
    """Image pixels per typographic point at the axes' current size (the image fills the axes' width)."""
    width_pt = ax.figure.get_figwidth() * ax.get_position().width * 72
    return image_width / max(width_pt, 1.0)


def _overlap_area(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """Intersection area of two (left, top, width, height) rectangles."""
    dx = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    dy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    return max(dx, 0.0) * max(dy, 0.0)


def image_grid(images: Sequence[Displayable], titles: Sequence[str] | None = None, ncols: int = 4,
               size: float = 3.0, suptitle: str | None = None) -> Figure:
    """Images side by side in rows of ``ncols`` (each ``size`` inches wide), with optional titles."""
    if not len(images):
        raise ValueError("image_grid needs at least one image")
    if titles is not None and len(titles) != len(images):
        raise ValueError(f"{len(titles)} titles for {len(images)} images")
    ncols = min(ncols, len(images))
    nrows = math.ceil(len(images) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3 * (titles is not None)),
                             squeeze=False)
    for k, ax in enumerate(axes.flat):
        if k < len(images):
            show_image(images[k], ax, titles[k] if titles is not None else None)
        else:
            ax.set_axis_off()
    if suptitle:
        fig.suptitle(suptitle)
    return fig


def montage(fmap: Tensor, n: int = 16, ncols: int | None = None, channels: Sequence[int] | None = None
            ) -> tuple[np.ndarray, list[int]]:
    """Tile ``n`` channels of a (C, h, w) activation into one 2-D array, each channel scaled to [0, 1].

    By default the ``n`` channels with the largest spatial spread (std) are shown: they carry structure,
    while many others are nearly constant. Tiles are separated by NaN gaps (drawn blank) of
    max(1, min(h, w) // 20) pixels. Returns (the 2-D montage, the channel indices in tile order).
    """
    if fmap.ndim == 4 and fmap.shape[0] == 1:
        fmap = fmap[0]
    if fmap.ndim != 3:
        raise ValueError(f"fmap must be a (C, h, w) activation (or (1, C, h, w)), got {tuple(fmap.shape)}")
    x = fmap.detach().float().cpu()  # (C, h, w)
    if channels is None:
        channels = x.flatten(1).std(dim=1).argsort(descending=True)[:n].tolist()
    tiles = x[list(channels)]  # (n, h, w)
    lo = tiles.amin(dim=(1, 2), keepdim=True)
    hi = tiles.amax(dim=(1, 2), keepdim=True)
    tiles = ((tiles - lo) / (hi - lo).clamp(min=1e-12)).numpy()
    ncols = ncols or math.ceil(math.sqrt(len(tiles)))
    nrows = math.ceil(len(tiles) / ncols)
    h, w = tiles.shape[1:]
    gap = max(1, min(h, w) // 20)
    out = np.full((nrows * (h + gap) - gap, ncols * (w + gap) - gap), np.nan, dtype=np.float32)
    for k, tile in enumerate(tiles):
        r, c = divmod(k, ncols)
        out[r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = tile
    return out, list(channels)


def feature_montage(fmap: Tensor, n: int = 16, ax: Axes | None = None, title: str | None = None,
                    ncols: int | None = None, cmap: str = "viridis", colorbar: bool = True) -> Axes:
    """Show ``montage(fmap, n)``: the most varied channels of a (C, h, w) activation, with a labelled
    colour bar (each tile scaled from its own min to max). Returns the axes."""
    tiles, chans = montage(fmap, n, ncols)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.5, 5.5 * tiles.shape[0] / tiles.shape[1] + 0.4))
    shown = ax.imshow(np.ma.masked_invalid(tiles), cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    c, h, w = fmap.shape[-3:]
    ax.set_title(title or f"{len(chans)} of {c} channels, each {h}×{w}")
    if colorbar:
        ax.figure.colorbar(shown, ax=ax, shrink=0.8, label="activation (each tile: its min → max)")
    return ax


def overlay_grid(ax: Axes, stride: int, hw: tuple[int, int], color: str = "white", linewidth: float = 0.6,
                 alpha: float = 0.8, points: bool = False) -> None:
    """Draw a stride-``stride`` grid over an (h, w) image on ``ax``; ``points`` also marks cell centers."""
    h, w = hw
    for x in range(0, w + 1, stride):
        ax.axvline(x - 0.5, color=color, linewidth=linewidth, alpha=alpha)
    for y in range(0, h + 1, stride):
        ax.axhline(y - 0.5, color=color, linewidth=linewidth, alpha=alpha)
    if points:
        cx, cy = np.meshgrid(np.arange(stride / 2, w, stride), np.arange(stride / 2, h, stride))
        ax.scatter(cx.ravel() - 0.5, cy.ravel() - 0.5, s=4, color=color, alpha=alpha)


def class_legend(ax: Axes, labels: Sequence[int], class_names: Sequence[str], **legend_kw) -> None:
    """A legend with one coloured patch per class in ``labels`` (sorted, without repeats)."""
    handles = [Patch(facecolor=mpl_color(c), label=class_names[c]) for c in sorted(set(int(v) for v in labels))]
    ax.legend(handles=handles, **({"loc": "upper right", "fontsize": 8, "framealpha": 0.9} | legend_kw))
