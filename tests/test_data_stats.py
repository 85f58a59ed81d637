"""Dataset statistics (yolox_edu.data.stats) from a hand-built json, and its figure."""

from __future__ import annotations

import json

import numpy as np
import pytest

from yolox_edu.data.stats import dataset_stats


@pytest.fixture
def folder(tmp_path):
    images = [{"id": 1, "file_name": "a.jpg", "width": 1280, "height": 640},  # letterbox to 640: r = 0.5
              {"id": 2, "file_name": "b.jpg", "width": 320, "height": 320},  # r = 2
              {"id": 3, "file_name": "c.jpg", "width": 320, "height": 320}]  # no boxes
    anns = [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [0, 0, 40, 10], "area": 400, "iscrowd": 0},
            {"id": 2, "image_id": 1, "category_id": 9, "bbox": [0, 0, 400, 100], "area": 40000, "iscrowd": 0},
            {"id": 3, "image_id": 2, "category_id": 5, "bbox": [10, 10, 3, 12], "area": 36, "iscrowd": 0},
            {"id": 4, "image_id": 2, "category_id": 5, "bbox": [0, 0, 300, 300], "area": 1, "iscrowd": 1}]
    cats = [{"id": 9, "name": "kite"}, {"id": 5, "name": "bolt"}, {"id": 7, "name": "never"}]
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "instances_train.json").write_text(
        json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return tmp_path


def test_dataset_stats_counts_and_sides_at_the_input_size(folder):
    stats = dataset_stats(folder, "train", (640, 640))
    assert stats.num_images == 3 and stats.empty_images == 1  # the crowd region is not a box to learn
    assert stats.class_counts == {"kite": 1, "bolt": 2, "never": 0}  # json order, zero counts kept
    # sqrt(40·10)·0.5 = 10, sqrt(400·100)·0.5 = 100, sqrt(3·12)·2 = 12
    np.testing.assert_allclose(stats.sides, [10.0, 100.0, 12.0])
    assert stats.side_bins() == {"< 8 px": 0, "8–16 px": 2, "16–32 px": 0, "32–96 px": 0, "≥ 96 px": 1}
    text = stats.summary()
    assert "3 images (2 different sizes), 1 without boxes" in text and "kite 1, bolt 2, never 0" in text
    small = dataset_stats(folder, "train", (160, 160))  # a quarter of the size: every side / 4
    np.testing.assert_allclose(small.sides, [2.5, 25.0, 3.0])


def test_dataset_stats_errors_name_the_file(folder):
    with pytest.raises(FileNotFoundError, match="instances_val.json"):
        dataset_stats(folder, "val")
    path = folder / "annotations" / "instances_train.json"
    data = json.loads(path.read_text())
    del data["images"][0]["width"]
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"images \[1\] have no width/height"):
        dataset_stats(folder, "train")


def test_plot_dataset_stats_labels_counts_and_strides(folder):
    from yolox_edu.viz.dataset import plot_dataset_stats

    fig = plot_dataset_stats(dataset_stats(folder, "train", (640, 640)))
    ax_cls, ax_size = fig.axes
    assert [t.get_text() for t in ax_cls.texts] == ["1", "2", "0"]
    assert [t.get_text() for t in ax_size.get_legend().get_texts()] == [
        "stride 8 (P3 cell)", "stride 16 (P4 cell)", "stride 32 (P5 cell)"]
    assert "0% smaller than one stride-8 cell" in ax_size.get_title()
