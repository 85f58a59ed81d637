"""The augmentation explorer: one Mosaic → random affine → MixUp → HSV → flip sample, step by step.

``augment_sample`` runs the training pipeline's own steps (the public functions of ``yolox_edu.data``)
in the order and with the random draws of :class:`~yolox_edu.data.MosaicDataset`, but keeps what happens
in between: the 2H × 2W mosaic (which training never builds: ``mosaic_warp`` resamples the four images
straight into the output), its centre, the affine matrix, which boxes were dropped. With the dataset's
settings and the same seed it gives the very image and boxes the dataset gives (tests check this).
``plot_augment_sample`` draws it; ``aug_explorer`` wires sliders to the two (a thin widget).
"""

from __future__ import annotations

import base64
import io
import time
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from yolox_edu.data import (
    CocoDataset,
    hflip,
    hsv_jitter,
    keep_boxes,
    letterbox_image,
    mixup,
    mosaic,
    mosaic_center,
    mosaic_warp,
    random_affine_matrix,
    resize_image,
)
from yolox_edu.viz.figures import show_boxes

__all__ = ["AugmentedSample", "augment_sample", "plot_augment_sample", "aug_explorer", "draw_dropped_boxes",
           "draw_affine_window"]

WINDOW_COLOR = (1.0, 0.85, 0.0)


@dataclass
class AugmentedSample:
    """Every stage of one augmented training sample.

    Shapes: mosaic (2H, 2W, 3) uint8 with N boxes (N, 4) xyxy on it; image (H, W, 3) uint8 with the K
    kept boxes (K, 4) xyxy; ``kept`` (N + M,) bool over the N mosaic boxes then the M MixUp boxes.
    """

    mosaic: np.ndarray
    mosaic_boxes: np.ndarray
    mosaic_labels: np.ndarray
    center: tuple[int, int]  # (yc, xc) on the mosaic canvas
    matrix: np.ndarray  # (2, 3) affine: mosaic pixels → output pixels
    image: np.ndarray
    boxes: np.ndarray
    labels: np.ndarray
    kept: np.ndarray
    mixup_used: bool
    flipped: bool
    class_names: list[str]

    @property
    def num_mosaic(self) -> int:
        return len(self.mosaic_boxes)

    def summary(self) -> str:
        n, kept = self.num_mosaic, self.kept
        text = f"kept {int(kept[:n].sum())} of {n} mosaic boxes"
        if self.mixup_used:
            text += f", {int(kept[n:].sum())} of {len(kept) - n} MixUp boxes"
        if len(kept) and not kept.any():
            text += " (none left: training would use the image before HSV and flip, with no boxes)"
        return text + ("; flipped" if self.flipped else "")


def _images_with_boxes(dataset: CocoDataset) -> list[int]:
    return [i for i in range(len(dataset)) if len(dataset.targets(i)[1])]


def augment_sample(dataset: CocoDataset, index: int = 0, seed: int = 0, input_hw: tuple[int, int] = (640, 640), *,
                   mosaic_scale: tuple[float, float] = (0.1, 2.0), degrees: float = 10.0, translate: float = 0.1,
                   shear: float = 2.0, mixup_on: bool = True, mixup_scale: tuple[float, float] = (0.5, 1.5),
                   hgain: float = 5.0, sgain: float = 30.0, vgain: float = 30.0, flip_prob: float = 0.5,
                   min_size: float = 1.0) -> AugmentedSample:
    """Mosaic of ``dataset[index]`` and three random images, random affine, MixUp (if ``mixup_on``), HSV
    jitter with gains (``hgain``, ``sgain``, ``vgain``) on OpenCV's scales, flip, drop boxes ≤ ``min_size``.

    Defaults are the official s/m/l/x recipe (HSV always on, MixUp probability 1). The random draws
    follow ``MosaicDataset`` exactly, so ``seed`` here is ``SampleKey.seed`` there.
    """
    if not 0 <= index < len(dataset):
        raise ValueError(f"index must be in 0..{len(dataset) - 1}, got {index}")
    if not 0 < mosaic_scale[0] <= mosaic_scale[1]:
        raise ValueError(f"mosaic_scale must be (low, high) with 0 < low <= high, got {mosaic_scale}")
    input_hw = tuple(input_hw)
    rng = np.random.default_rng(seed)
    rng.random()  # MosaicDataset's Mosaic coin; the explorer always makes a mosaic
    items = [dataset[index], *(dataset[int(i)] for i in rng.integers(0, len(dataset), 3))]
    parts = [s.image for s in items], [s.boxes for s in items], [s.labels for s in items]
    center = mosaic_center(rng, input_hw)
    canvas, boxes, labels = mosaic(*parts, input_hw, center)  # the 2H × 2W canvas, to look at
    matrix = random_affine_matrix(rng, input_hw, degrees, translate, tuple(mosaic_scale), shear)
    # what training computes: mosaic + warp_affine(canvas, matrix) in one resampling pass
    image, out_boxes, out_labels = mosaic_warp(*parts, input_hw, center, matrix)
    with_boxes = _images_with_boxes(dataset)
    mixup_used = False
    if len(out_boxes) and with_boxes and rng.random() < float(mixup_on):
        other = dataset[with_boxes[int(rng.integers(len(with_boxes)))]]
        image, out_boxes, out_labels = mixup(image, out_boxes, out_labels, other.image, other.boxes, other.labels,
                                             rng, mixup_scale)
        mixup_used = True
    image, out_boxes, kept, flipped = _finish(image, out_boxes, rng, input_hw, hgain, sgain, vgain, flip_prob,
                                              min_size)
    return AugmentedSample(canvas, boxes, labels, center, matrix, image, out_boxes[kept], out_labels[kept], kept,
                           mixup_used, flipped, list(dataset.class_names))


def _finish(image: np.ndarray, boxes: np.ndarray, rng: np.random.Generator, input_hw: tuple[int, int],
            hgain: float, sgain: float, vgain: float, flip_prob: float, min_size: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
    """The last steps of ``train_transform`` (HSV, flip, letterbox, size filter) with the HSV gains exposed.

    Returns (image (H, W, 3), all boxes (N, 4) xyxy, kept (N,) bool, flipped)."""
    if rng.random() < 1.0:  # train_transform's HSV coin; the recipe's hsv_prob is 1
        image = hsv_jitter(image, rng, hgain, sgain, vgain)
    flipped = bool(rng.random() < flip_prob)
    if flipped:
        image, boxes = hflip(image, boxes)
    image, r = letterbox_image(image, input_hw)  # the mosaic path is already H × W: r = 1
    boxes = boxes * r
    return image, boxes, keep_boxes(boxes, min_size), flipped


def _window_on_mosaic(matrix: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """(4, 2) corners, on the mosaic canvas, of the region the affine maps onto the H × W output."""
    h, w = out_hw
    full = np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))  # output → mosaic
    corners = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], float)  # (4, 3)
    return (corners @ full.T)[:, :2]


def _dropped_patches(ax, boxes: np.ndarray) -> None:
    """Dashed white-on-black outlines: readable on any image and unlike every class colour."""
    for x1, y1, x2, y2 in boxes.tolist():
        for color, style, width in (("black", "-", 3.0), ("white", "--", 2.0)):
            ax.add_patch(Rectangle((x1, y1), x2 - x1, y2 - y1, fill=False, edgecolor=color, linestyle=style,
                                   linewidth=width))


def _fit_limits(ax, window: np.ndarray, hw: tuple[int, int], most: float = 3.0) -> None:
    """Widen the axes to show the whole window (zoom < 1 makes it larger than the canvas), at most
    ``most`` × the canvas."""
    h, w = hw
    size = np.array([w, h], float)
    pad = 0.02 * size  # room for the window's line width where it reaches past the canvas
    lo = np.maximum(np.minimum(window.min(0) - pad, -0.5), -most * size)
    hi = np.minimum(np.maximum(window.max(0) + pad, size - 0.5), (1 + most) * size)
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(hi[1], lo[1])


def draw_dropped_boxes(ax, boxes: np.ndarray) -> None:
    """(N, 4) xyxy boxes as dashed white-on-black outlines: visible on grey borders and on any photo, and
    unlike every class colour (for boxes an augmentation dropped)."""
    _dropped_patches(ax, np.asarray(boxes, float).reshape(-1, 4))


def draw_affine_window(ax, matrix: np.ndarray, out_hw: tuple[int, int], canvas_hw: tuple[int, int],
                       scale: float = 1.0) -> np.ndarray:
    """Outline (yellow) on a canvas of ``canvas_hw`` the region the (2, 3) ``matrix`` maps onto the
    ``out_hw`` output, draw the canvas edge, and widen the axes so the whole window shows (zooming out
    makes it larger than the canvas). ``scale``: the canvas is drawn at this fraction of its size.
    Returns the window's (4, 2) corners in the drawn coordinates."""
    window = _window_on_mosaic(matrix, out_hw) * scale
    h, w = canvas_hw
    ax.add_patch(Polygon(window, closed=True, fill=False, edgecolor=WINDOW_COLOR, linewidth=2.5))
    ax.add_patch(Rectangle((-0.5, -0.5), w, h, fill=False, edgecolor="black", linewidth=1))
    _fit_limits(ax, window, (h, w))
    return window


def plot_augment_sample(sample: AugmentedSample, title: str | None = None) -> Figure:
    """Left: the mosaic with its centre, the window the affine keeps (yellow) and the boxes the last
    step dropped (dashed). Right: the training image with its kept boxes."""
    fig = Figure(figsize=(11, 5.8), dpi=100, layout="none")
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=0.86 if title else 0.9, wspace=0.04)
    ax_mosaic, ax_out = fig.subplots(1, 2)
    n, kept_mosaic = sample.num_mosaic, sample.kept[:sample.num_mosaic]
    shrink = max(1, sample.mosaic.shape[0] // sample.image.shape[0])  # show the 2H × 2W canvas at H × W
    small = resize_image(sample.mosaic, (sample.mosaic.shape[1] // shrink, sample.mosaic.shape[0] // shrink))
    show_boxes(small, sample.mosaic_boxes[kept_mosaic] / shrink, sample.mosaic_labels[kept_mosaic],
               class_names=sample.class_names, ax=ax_mosaic, captions=False, linewidth=1.5)
    draw_dropped_boxes(ax_mosaic, sample.mosaic_boxes[~kept_mosaic] / shrink)
    draw_affine_window(ax_mosaic, sample.matrix, sample.image.shape[:2], small.shape[:2], 1 / shrink)
    yc, xc = sample.center
    ax_mosaic.plot([xc / shrink], [yc / shrink], marker="+", markersize=18, markeredgewidth=3, color=WINDOW_COLOR)
    ax_mosaic.set_title(f"1. Mosaic {sample.mosaic.shape[1]}×{sample.mosaic.shape[0]}, centre + at (x {xc}, y {yc})"
                        f"\nyellow: the part the affine keeps · dashed: boxes dropped ({n - int(kept_mosaic.sum())})")
    h, w = sample.image.shape[:2]
    show_boxes(sample.image, sample.boxes, sample.labels, class_names=sample.class_names, ax=ax_out, fontsize=10)
    steps = "affine → " + ("MixUp → " if sample.mixup_used else "") + "HSV → " + ("flip" if sample.flipped else
                                                                                  "no flip")
    ax_out.set_title(f"2. training image {w}×{h} ({steps})\n{sample.summary()}")
    if title:
        fig.suptitle(title)
    return fig


def figure_png(fig: Figure) -> bytes:
    """A figure as PNG bytes (what the explorer's output shows)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})  # fast to write, a few 100 kB
    return buf.getvalue()


def aug_explorer(dataset: CocoDataset, index: int = 0, input_hw: tuple[int, int] = (640, 640)):
    """Sliders for the recipe's augmentation settings over ``augment_sample`` + ``plot_augment_sample``.

    Returns an ipywidgets VBox (CSS class ``yolox-aug-explorer``); its ``.controls`` dict holds the
    controls by name, ``.output`` the Output widget with the figure and ``.status`` the timing line.
    """
    import ipywidgets as W

    wide = {"description_width": "150px"}
    slider = dict(continuous_update=False, style=wide, layout=W.Layout(width="420px"))
    controls = {
        "mosaic_scale": W.FloatRangeSlider(value=(0.1, 2.0), min=0.1, max=3.0, step=0.05, readout_format=".2f",
                                           description="Mosaic scale range", **slider,
                                           tooltip="random affine zoom drawn from this range (nano/tiny: 0.5–1.5)"),
        "degrees": W.FloatSlider(value=10.0, min=0.0, max=45.0, step=1.0, description="rotation ± degrees",
                                 **slider),
        "shear": W.FloatSlider(value=2.0, min=0.0, max=20.0, step=0.5, description="shear ± degrees", **slider),
        "translate": W.FloatSlider(value=0.1, min=0.0, max=0.5, step=0.01, description="translate ± fraction",
                                   **slider),
        "mixup_on": W.Checkbox(value=True, description="MixUp with a second image", style=wide, indent=False),
        "hgain": W.FloatSlider(value=5.0, min=0.0, max=90.0, step=1.0, description="HSV hue gain (0–179)", **slider),
        "sgain": W.FloatSlider(value=30.0, min=0.0, max=255.0, step=5.0, description="HSV saturation gain",
                               **slider),
        "vgain": W.FloatSlider(value=30.0, min=0.0, max=255.0, step=5.0, description="HSV value gain", **slider),
        "seed": W.BoundedIntText(value=0, min=0, max=2**31 - 1, description="random seed", style=wide,
                                 layout=W.Layout(width="260px")),
    }
    output, status = W.Output(), W.HTML()

    def redraw(_=None) -> None:
        start = time.perf_counter()
        values = {k: c.value for k, c in controls.items()}
        sample = augment_sample(dataset, index, input_hw=input_hw, **values)
        png = figure_png(plot_augment_sample(sample))
        output.outputs = ({"output_type": "display_data", "metadata": {},
                           "data": {"image/png": base64.b64encode(png).decode("ascii"),
                                    "text/plain": f"<augmented sample, seed {values['seed']}>"}},)
        status.value = f"{sample.summary()} · drawn in {time.perf_counter() - start:.2f} s"

    for control in controls.values():
        control.observe(redraw, names="value")
    geometry = W.VBox([W.HTML("<b>Mosaic + random affine</b>"), *(controls[k] for k in
                                                                  ("mosaic_scale", "degrees", "shear", "translate"))])
    colour = W.VBox([W.HTML("<b>MixUp, colour, randomness</b>"), controls["mixup_on"],
                     *(controls[k] for k in ("hgain", "sgain", "vgain", "seed"))])
    box = W.VBox([W.HBox([geometry, colour]), status, output])
    box.add_class("yolox-aug-explorer")
    box.controls, box.output, box.status = controls, output, status
    redraw()
    return box
