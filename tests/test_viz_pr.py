"""The PR-curve explorer and ``pr_points``: hand-counted TP/FP, the confidence cut as a prefix, the widget."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from yolox_edu.eval import coco_evaluate, interpolated_ap, load_coco_gt, pr_curve, pr_points
from yolox_edu.viz.pr_explorer import PRSource, plot_pr_view, pr_explorer, pr_view


def _gt(tmp_path, anns: list[tuple[int, int, list[float]]], num_images: int = 2):
    images = [{"id": i + 1, "file_name": f"{i + 1}.png", "height": 100, "width": 100} for i in range(num_images)]
    annotations = [{"id": k + 1, "image_id": img, "category_id": cat, "bbox": box, "area": box[2] * box[3],
                    "iscrowd": 0} for k, (img, cat, box) in enumerate(anns)]
    path = tmp_path / "gt.json"
    path.write_text(json.dumps({"images": images, "annotations": annotations,
                                "categories": [{"id": 1, "name": "dot"}, {"id": 2, "name": "bar"}]}))
    return load_coco_gt(path)


def _det(img: int, cat: int, box: list[float], score: float) -> dict:
    return {"image_id": img, "category_id": cat, "bbox": box, "score": score}


@pytest.fixture
def toy(tmp_path):
    """Three 'dot' gts; detections (by score): hit, duplicate of that hit (FP), hit at IoU 0.64, miss (FP)."""
    gt = _gt(tmp_path, [(1, 1, [10, 10, 20, 20]), (1, 1, [60, 60, 20, 20]), (2, 1, [30, 30, 20, 20]),
                        (2, 2, [0, 0, 50, 10])])
    dets = [_det(1, 1, [10, 10, 20, 20], 0.9), _det(1, 1, [11, 11, 20, 20], 0.8),
            _det(2, 1, [30, 30, 20, 16], 0.6),  # IoU 320 / 400 = 0.8
            _det(2, 1, [80, 0, 10, 10], 0.3), _det(2, 2, [0, 0, 50, 10], 0.7)]
    return gt, dets


def test_pr_points_by_hand(toy):
    gt, dets = toy
    pts = pr_points(gt, dets, 1, 0.5)
    np.testing.assert_array_equal(pts.scores, [0.9, 0.8, 0.6, 0.3])
    np.testing.assert_array_equal(pts.is_tp, [True, False, True, False])
    np.testing.assert_allclose(pts.precision, [1, 1 / 2, 2 / 3, 2 / 4])
    np.testing.assert_allclose(pts.recall, [1 / 3, 1 / 3, 2 / 3, 2 / 3])
    assert pts.num_gt == 3
    strict = pr_points(gt, dets, 1, 0.85)  # the 0.8-IoU detection no longer counts
    np.testing.assert_array_equal(strict.is_tp, [True, False, False, False])
    p, r = pr_curve(gt, dets, 1, 0.5)  # pr_curve is the same curve without the scores
    np.testing.assert_array_equal(p, pts.precision) and np.testing.assert_array_equal(r, pts.recall)


def test_view_counts_and_ap_at_a_confidence_cut(toy):
    gt, dets = toy
    source = PRSource(gt, dets)
    assert source.class_names == ["dot", "bar"]
    view = pr_view(source, "dot", 0.5, conf_thresh=0.7)
    assert (view.kept, view.tp, view.fp, view.fn) == (2, 1, 1, 2)
    assert view.precision == pytest.approx(0.5) and view.recall == pytest.approx(1 / 3)
    full = coco_evaluate(gt, dets).precision[0, :, 0, 0, -1].mean()  # pycocotools' AP50 of 'dot'
    assert view.ap_all == pytest.approx(full, abs=1e-12)
    kept = [d for d in dets if d["score"] >= 0.7]
    assert view.ap_kept == pytest.approx(coco_evaluate(gt, kept).precision[0, :, 0, 0, -1].mean(), abs=1e-12)
    assert view.ap_kept < view.ap_all  # the cut lost the third hit: lower recall, lower AP
    empty = pr_view(source, "dot", 0.5, conf_thresh=0.95)
    assert (empty.kept, empty.tp, empty.fn, empty.ap_kept) == (0, 0, 3, 0.0) and np.isnan(empty.precision)
    with pytest.raises(ValueError, match="unknown class"):
        pr_view(source, "cat")
    with pytest.raises(ValueError, match="0.50, 0.55"):
        pr_view(source, "dot", 0.52)


def test_confidence_cut_is_a_prefix_of_the_full_curve(tmp_path):
    """Filtering detections by score and recomputing gives the first points of the full curve."""
    rng = np.random.default_rng(0)
    anns = [(int(rng.integers(1, 6)), 1, [*rng.uniform(0, 60, 2), *rng.uniform(8, 40, 2)]) for _ in range(25)]
    gt = _gt(tmp_path, anns, num_images=5)
    dets = []
    for img, _, (x, y, w, h) in anns:
        for _ in range(3):
            jitter = rng.normal(0, 0.15, 4) * [w, h, w, h]
            dets.append(_det(img, 1, [x + jitter[0], y + jitter[1], abs(w + jitter[2]), abs(h + jitter[3])],
                             float(rng.random())))
    full = pr_points(gt, dets, 1, 0.5)
    for conf in (0.2, 0.5, 0.8):
        cut = pr_points(gt, [d for d in dets if d["score"] >= conf], 1, 0.5)
        k = int((full.scores >= conf).sum())
        np.testing.assert_array_equal(cut.is_tp, full.is_tp[:k])
        np.testing.assert_allclose(cut.precision, full.precision[:k])
        view = pr_view(PRSource(gt, dets), "dot", 0.5, conf)
        assert view.ap_kept == pytest.approx(interpolated_ap(cut.precision, cut.recall), abs=1e-12)


def test_plot_labels_the_cut(toy):
    view = pr_view(PRSource(*toy), "dot", 0.5, 0.7)
    fig = plot_pr_view(view)
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert "1 TP + 1 FP, 2 missed" in fig._suptitle.get_text()
    assert fig.axes[0].get_xlabel() == "recall" and "confidence" in fig.axes[1].get_xlabel()


def _png(box) -> str:
    (out,) = box.output.outputs
    return out["data"]["image/png"]


def test_widget_redraws_and_caches(toy):
    source = PRSource(*toy)
    box = pr_explorer(source)
    assert "yolox-pr-explorer" in box._dom_classes
    first = _png(box)
    box.controls["conf_thresh"].value = 0.7
    assert _png(box) != first and "P 0.50 R 0.33" in box.status.value
    box.controls["iou_thresh"].value = 0.9
    box.controls["class_name"].value = "bar"
    assert set(source._cache) == {(1, 0.5), (1, 0.9), (2, 0.9)}  # one matching per (class, IoU), reused
