"""The augmentation explorer: its plain function is the training pipeline step by step, and the widget redraws."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from yolox_edu import course
from yolox_edu.data import CocoDataset, MosaicDataset, SampleKey
from yolox_edu.viz.aug_explorer import aug_explorer, augment_sample, plot_augment_sample

HW = (320, 320)


@pytest.fixture(scope="module")
def photos() -> CocoDataset:
    return CocoDataset.from_dir(course.data_samples() / "photos", "samples")


def _xyxy(targets) -> tuple[np.ndarray, np.ndarray]:
    rows = targets[targets.abs().sum(1) > 0].numpy()  # (K, 5) class, cx, cy, w, h
    cxcy, wh = rows[:, 1:3], rows[:, 3:5]
    return np.concatenate([cxcy - wh / 2, cxcy + wh / 2], 1), rows[:, 0].astype(np.int64)


@pytest.mark.parametrize("seed", [0, 1, 5])
def test_same_sample_as_the_training_dataset(photos, seed):
    """With the recipe's settings, the explorer's image and boxes are the MosaicDataset's for that seed."""
    dataset = MosaicDataset(photos, HW, mosaic_prob=1.0, mixup_prob=1.0, seed=0)
    image, targets, _ = dataset[SampleKey(2, HW, True, seed)]
    sample = augment_sample(photos, 2, seed, HW)
    np.testing.assert_array_equal(sample.image, image.permute(1, 2, 0).numpy().astype(np.uint8))
    boxes, labels = _xyxy(targets)
    np.testing.assert_allclose(sample.boxes, boxes, atol=1e-3)
    np.testing.assert_array_equal(sample.labels, labels)


def test_identity_affine_keeps_the_top_left_of_the_mosaic(photos):
    """No rotation, shear, translation or zoom, no MixUp, no colour change: the output is the mosaic's top-left
    H × W (maybe mirrored, up to rounding), and exactly the boxes that reach into it survive."""
    sample = augment_sample(photos, 0, 3, HW, mosaic_scale=(1.0, 1.0), degrees=0, translate=0, shear=0,
                            mixup_on=False, hgain=0, sgain=0, vgain=0)
    np.testing.assert_allclose(sample.matrix, [[1, 0, 0], [0, 1, 0]], atol=1e-12)
    window = sample.mosaic[:HW[0], :HW[1]].astype(int)
    diff = np.abs(sample.image - (window[:, ::-1] if sample.flipped else window))  # (H, W, 3)
    assert diff.max() <= 1  # training resamples the four photos in one pass: only rounding differs
    assert not sample.mixup_used and len(sample.kept) == sample.num_mosaic
    b = sample.mosaic_boxes
    inside = (np.minimum(b[:, 2], HW[1]) - b[:, 0] > 1) & (np.minimum(b[:, 3], HW[0]) - b[:, 1] > 1)
    np.testing.assert_array_equal(sample.kept, inside)
    assert 0 < inside.sum() < len(inside)  # this seed has boxes on both sides of the window


def test_settings_change_the_sample(photos):
    base = augment_sample(photos, 0, 1, HW)
    assert base.mixup_used and len(base.kept) > base.num_mosaic  # recipe: MixUp adds the other image's boxes
    no_mix = augment_sample(photos, 0, 1, HW, mixup_on=False)
    assert not no_mix.mixup_used and "MixUp" not in no_mix.summary()
    np.testing.assert_array_equal(no_mix.mosaic, base.mosaic)  # same draws up to the MixUp coin
    turned = augment_sample(photos, 0, 1, HW, degrees=40)
    assert not np.allclose(turned.matrix, base.matrix)
    grey = augment_sample(photos, 0, 1, HW, hgain=0, sgain=0, vgain=0)
    assert not np.array_equal(grey.image, base.image) or base.image.std() == 0
    with pytest.raises(ValueError, match="index"):
        augment_sample(photos, len(photos), 0, HW)
    with pytest.raises(ValueError, match="mosaic_scale"):
        augment_sample(photos, 0, 0, HW, mosaic_scale=(1.5, 0.5))


def test_plot_shows_mosaic_window_and_result(photos):
    sample = augment_sample(photos, 0, 3, HW)
    fig = plot_augment_sample(sample, title="seed 3")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "Mosaic" in fig.axes[0].get_title() and sample.summary() in fig.axes[1].get_title()
    dropped = sample.num_mosaic - int(sample.kept[:sample.num_mosaic].sum())
    dashed = [p for p in fig.axes[0].patches if p.get_linestyle() == "--"]
    assert len(dashed) == dropped  # one dashed outline per dropped mosaic box


def _png(box) -> str:
    (out,) = box.output.outputs
    return out["data"]["image/png"]


def test_widget_redraws_when_a_control_moves(photos):
    box = aug_explorer(photos, input_hw=HW)
    assert "yolox-aug-explorer" in box._dom_classes
    assert set(box.controls) == {"mosaic_scale", "degrees", "shear", "translate", "mixup_on", "hgain", "sgain",
                                 "vgain", "seed"}
    first, status = _png(box), box.status.value
    assert "kept" in status and "drawn in" in status
    box.controls["degrees"].value = 30.0
    second = _png(box)
    assert second != first
    box.controls["seed"].value = 7
    assert _png(box) != second
    box.controls["mixup_on"].value = False
    assert "MixUp" not in box.status.value.split("·")[0]


def test_window_and_dropped_helpers_keep_everything_on_the_axes():
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon, Rectangle

    from yolox_edu.data import affine_matrix
    from yolox_edu.viz.aug_explorer import draw_affine_window, draw_dropped_boxes

    fig, ax = plt.subplots()
    ax.imshow(np.zeros((200, 200, 3), np.uint8))
    matrix = affine_matrix(degrees=6, scale=0.5, shear_x=0, translate_px=(20, -15))  # window 2× the output
    window = draw_affine_window(ax, matrix, (100, 100), (200, 200))
    # output (0, 0) comes from canvas ((0 - 20) / 0.5, (0 + 15) / 0.5) before the rotation: left of the canvas
    assert window[:, 0].min() < 0 and isinstance(ax.patches[0], Polygon)
    x_lo, x_hi = sorted(ax.get_xlim())
    y_lo, y_hi = sorted(ax.get_ylim())
    assert x_lo <= window[:, 0].min() and x_hi >= window[:, 0].max()
    assert y_lo <= window[:, 1].min() and y_hi >= window[:, 1].max()
    draw_dropped_boxes(ax, np.array([[10, 10, 50, 40]]))
    outlines = [p for p in ax.patches if isinstance(p, Rectangle)][1:]  # after the canvas edge
    assert [p.get_linestyle() for p in outlines] == ["-", "--"]
    assert [p.get_edgecolor()[:3] for p in outlines] == [(0.0, 0.0, 0.0), (1.0, 1.0, 1.0)]
    plt.close(fig)
