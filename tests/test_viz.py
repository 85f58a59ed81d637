"""Course figure helpers: class colours, legible captions (PIL and matplotlib), grids and montages."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from yolox_edu.viz import (  # noqa: E402
    class_color,
    draw_detections,
    feature_montage,
    image_grid,
    montage,
    mpl_color,
    show_boxes,
)
from yolox_edu.viz.draw import label_font_size, text_color_for  # noqa: E402

NAMES = ("circle", "square", "triangle", "star", "ring", "cross")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _striped_image(h: int = 320, w: int = 320) -> torch.Tensor:
    """A busy background (stripes of many colours), like the bundled shapes' backgrounds."""
    x = torch.arange(w)[None, :].expand(h, w)
    return torch.stack(((x * 7) % 256, (x * 13) % 256, (x * 29) % 256)).to(torch.uint8)  # (3, h, w)


def test_class_colors_are_stable_and_distinct():
    colors = [class_color(c) for c in range(6)]
    assert colors == [class_color(c) for c in range(6)]
    assert len(set(colors)) == 6
    assert mpl_color(3) == pytest.approx(tuple(v / 255 for v in class_color(3)))


def test_text_color_contrasts_with_background():
    assert text_color_for((255, 255, 0)) == (0, 0, 0)  # yellow → black text
    assert text_color_for((0, 0, 160)) == (255, 255, 255)  # dark blue → white text


def test_draw_detections_puts_captions_on_filled_backgrounds():
    image = _striped_image()
    boxes = torch.tensor([[100.0, 120.0, 200.0, 220.0], [10.0, 0.0, 60.0, 50.0]])  # second touches the top
    labels = torch.tensor([2, 4])
    out = np.asarray(draw_detections(image, boxes, labels, torch.tensor([0.9, 0.5]), NAMES))  # (h, w, 3)
    assert out.shape == (320, 320, 3)
    font = label_font_size((320, 320))
    assert font >= 11
    above = out[120 - font:119, 101:140]  # the caption band just above box 0 (text + fill)
    fill = np.all(above == class_color(2), axis=-1).mean()
    ink = np.all(above == text_color_for(class_color(2)), axis=-1).mean()
    assert fill > 0.5, "the caption of box 0 must sit on a filled rectangle of its class colour"
    assert ink > 0.03, "the caption text must be drawn in the contrasting colour"
    inside = out[2:font, 12:50]  # box 1 touches the top: its caption goes inside the box
    assert np.all(inside == class_color(4), axis=-1).mean() > 0.5


def test_draw_detections_rejects_bad_shapes():
    with pytest.raises(ValueError, match="boxes"):
        draw_detections(_striped_image(), torch.zeros(2, 4), torch.tensor([1]))
    with pytest.raises(ValueError, match="image"):
        draw_detections(torch.zeros(320, 320, 3, dtype=torch.uint8), torch.zeros(0, 4), torch.tensor([]))


def test_show_boxes_colours_boxes_and_captions_by_class():
    boxes = np.array([[10, 40, 100, 120], [150, 150, 300, 310]], np.float32)
    ax = show_boxes(_striped_image(), boxes, [1, 5], [0.87, 0.3], NAMES, title="t")
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == 2
    assert rects[0].get_edgecolor()[:3] == pytest.approx(mpl_color(1))
    texts = {t.get_text(): t for t in ax.texts}
    assert set(texts) == {"square 0.87", "cross 0.30"}
    patch = texts["square 0.87"].get_bbox_patch()
    assert patch is not None and patch.get_facecolor()[:3] == pytest.approx(mpl_color(1))
    assert ax.get_title() == "t"


def test_show_boxes_without_labels_and_bad_label_count():
    ax = show_boxes(_striped_image(), torch.tensor([[1.0, 2.0, 30.0, 40.0]]), captions=False)
    assert len(ax.patches) == 1 and not ax.texts
    with pytest.raises(ValueError, match="labels"):
        show_boxes(_striped_image(), np.zeros((2, 4)), [1])


def test_image_grid_layout_and_titles():
    images = [_striped_image(32, 48)] * 5
    fig = image_grid(images, [f"#{k}" for k in range(5)], ncols=3)
    shown = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(shown) == 5
    assert [ax.get_title() for ax in shown] == [f"#{k}" for k in range(5)]
    with pytest.raises(ValueError, match="titles"):
        image_grid(images, ["one"])


def test_montage_picks_the_most_varied_channels_and_scales_each():
    torch.manual_seed(0)
    fmap = torch.full((8, 6, 6), 3.0)
    fmap[5] = torch.randn(6, 6) * 10  # the most varied channel
    fmap[2] = torch.randn(6, 6)
    tiles, chans = montage(fmap, n=2, ncols=2)
    assert chans == [5, 2]
    assert tiles.shape == (6, 13)  # 2 tiles of 6 columns and a 1-pixel gap
    assert np.isnan(tiles[:, 6]).all()
    assert np.nanmin(tiles[:, :6]) == 0 and np.nanmax(tiles[:, :6]) == 1
    with pytest.raises(ValueError, match="fmap"):
        montage(torch.zeros(6, 6))


def test_feature_montage_has_a_labelled_colorbar():
    ax = feature_montage(torch.randn(1, 32, 10, 10), n=16)
    assert "16 of 32 channels" in ax.get_title()
    bars = [a for a in ax.figure.axes if a is not ax]
    assert bars and "min" in bars[0].get_ylabel()
