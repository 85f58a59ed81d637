"""Error breakdown, confusion matrix and deployment threshold (yolox_edu.eval.errors), on hand-built scenes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from yolox_edu.eval import load_coco_gt
from yolox_edu.eval.errors import (
    classify_image,
    confusion_matrix,
    error_breakdown,
    pick_threshold,
    threshold_sweep,
)

# one image, three gts: class 1 at (0, 0), class 2 at (200, 0), class 1 at (400, 0), all 100 × 100
GT_BOXES = np.array([[0, 0, 100, 100], [200, 0, 100, 100], [400, 0, 100, 100]], float)
GT_LABELS = np.array([1, 2, 1])
DETS = [  # (box xywh, score, label, expected kind, expected gt)
    ([0, 0, 100, 100], 0.9, 1, "tp", 0),  # exact hit on gt 0
    ([5, 0, 100, 100], 0.8, 1, "dup", 0),  # IoU 0.90 with gt 0, already taken by the 0.9 box
    ([200, 0, 100, 100], 0.7, 1, "cls", 1),  # right box, wrong class (gt 1 is class 2)
    ([460, 0, 100, 100], 0.6, 1, "loc", 2),  # IoU 40/160 = 0.25 with gt 2: right object, loose box
    ([800, 800, 50, 50], 0.5, 2, "bkg", -1),  # nothing there
    ([270, 0, 100, 100], 0.4, 1, "cls", 1),  # IoU 30/170 = 0.18 with gt 1 (class 2) only: wrong class, loose
]


def _dets():
    boxes = np.array([d[0] for d in DETS], float)
    return boxes, np.array([d[1] for d in DETS]), np.array([d[2] for d in DETS])


def test_classify_image_names_each_error():
    boxes, scores, labels = _dets()
    out = classify_image(GT_BOXES, GT_LABELS, boxes, scores, labels)
    assert out.kinds.tolist() == [d[3] for d in DETS]
    assert out.gt_index.tolist() == [d[4] for d in DETS]
    assert out.missed.tolist() == [False, True, True]  # only gt 0 has a true positive


def test_classify_image_order_does_not_matter_and_score_decides_the_duplicate():
    boxes, scores, labels = _dets()
    perm = np.array([5, 3, 1, 0, 4, 2])
    out = classify_image(GT_BOXES, GT_LABELS, boxes[perm], scores[perm], labels[perm])
    assert out.kinds.tolist() == [DETS[i][3] for i in perm]
    swapped = scores.copy()
    swapped[[0, 1]] = swapped[[1, 0]]  # now the shifted box scores higher: it is the TP, the exact one the dup
    out = classify_image(GT_BOXES, GT_LABELS, boxes, swapped, labels)
    assert out.kinds[:2].tolist() == ["dup", "tp"]


def test_classify_image_crowd_region_is_ignored_not_missed():
    out = classify_image(np.array([[0, 0, 200, 200]]), np.array([1]), np.array([[10, 10, 50, 50]]), np.array([0.9]),
                         np.array([1]), gt_crowd=np.array([True]))
    assert out.kinds.tolist() == ["ignored"] and out.missed.tolist() == [False]


def test_classify_image_without_gts_or_detections():
    out = classify_image(np.zeros((0, 4)), np.zeros(0, int), np.array([[0, 0, 5, 5]]), np.array([0.5]), np.array([3]))
    assert out.kinds.tolist() == ["bkg"]
    out = classify_image(GT_BOXES, GT_LABELS, np.zeros((0, 4)), np.zeros(0), np.zeros(0, int))
    assert out.kinds.tolist() == [] and out.missed.all()


@pytest.fixture
def scene(tmp_path):
    """Two images: the hand-built one above, and one with a single class-2 gt found by a 0.35 detection."""
    anns = [{"id": i + 1, "image_id": 1, "category_id": int(c), "bbox": b.tolist(), "area": 1e4, "iscrowd": 0}
            for i, (b, c) in enumerate(zip(GT_BOXES, GT_LABELS))]
    anns.append({"id": 4, "image_id": 2, "category_id": 2, "bbox": [10, 10, 50, 50], "area": 2500, "iscrowd": 0})
    data = {"images": [{"id": 1, "file_name": "a.png", "width": 900, "height": 900},
                       {"id": 2, "file_name": "b.png", "width": 100, "height": 100}],
            "annotations": anns, "categories": [{"id": 1, "name": "one"}, {"id": 2, "name": "two"}]}
    path = tmp_path / "gt.json"
    path.write_text(json.dumps(data))
    results = [{"image_id": 1, "category_id": d[2], "bbox": d[0], "score": d[1]} for d in DETS]
    results.append({"image_id": 2, "category_id": 2, "bbox": [10, 10, 50, 50], "score": 0.35})
    return load_coco_gt(path), results


def test_error_breakdown_counts_and_threshold(scene):
    coco, results = scene
    out = error_breakdown(coco, results, conf_thresh=0.3)
    assert out.counts == {"tp": 2, "dup": 1, "cls": 2, "loc": 1, "bkg": 1, "ignored": 0, "missed": 2}
    assert out.per_class["one"]["cls"] == 2 and out.per_class["two"]["bkg"] == 1
    assert out.per_class["one"]["missed"] == 1 and out.per_class["two"]["missed"] == 1
    high = error_breakdown(coco, results, conf_thresh=0.65)  # keeps the 0.9, 0.8 and 0.7 boxes
    assert high.counts == {"tp": 1, "dup": 1, "cls": 1, "loc": 0, "bkg": 0, "ignored": 0, "missed": 3}
    assert "3 of 4 gts missed" in high.summary()


def test_confusion_matrix_rows_true_columns_predicted(scene):
    coco, results = scene
    matrix, names = confusion_matrix(coco, results, conf_thresh=0.3)
    assert names == ["one", "two", "background / missed"]
    # class-agnostic matching: 0.9 → gt0 (one→one), 0.7 → gt1 (two→one), 0.35 → img2 gt (two→two);
    # unmatched detections 0.8, 0.6, 0.5 (class two), 0.4 → background row; gt 2 (one) → missed
    expected = np.array([[1, 0, 1],
                         [1, 1, 0],
                         [3, 1, 0]])
    np.testing.assert_array_equal(matrix, expected)
    assert matrix[:2].sum() == 4  # every gt exactly once


def test_threshold_sweep_and_pick(scene):
    coco, results = scene
    sweep = threshold_sweep(coco, results, thresholds=np.array([0.3, 0.65, 0.85, 0.95]))
    # TPs: the 0.9 box and the 0.35 box, 4 gts
    np.testing.assert_array_equal(sweep.kept, [7, 3, 1, 0])
    np.testing.assert_array_equal(sweep.tp, [2, 1, 1, 0])
    np.testing.assert_allclose(sweep.precision, [2 / 7, 1 / 3, 1.0, 1.0])
    np.testing.assert_allclose(sweep.recall, [0.5, 0.25, 0.25, 0.0])
    f1 = [2 * (2 / 7) * 0.5 / (2 / 7 + 0.5), 2 * (1 / 3) * 0.25 / (1 / 3 + 0.25), 0.4, 0.0]
    np.testing.assert_allclose(sweep.f1, f1)
    assert pick_threshold(sweep) == 0.85  # F1 0.4 beats 0.364 and 0.286
    assert pick_threshold(sweep, min_precision=0.3) == 0.65
    with pytest.raises(ValueError, match="precision 1.1"):
        pick_threshold(sweep, min_precision=1.1)


def test_error_figures_draw_every_box_count_and_cell(scene):
    from matplotlib.patches import Rectangle

    from yolox_edu.eval.errors import image_arrays
    from yolox_edu.viz.errors import (
        OUTCOME_COLORS,
        plot_confusion_matrix,
        plot_error_breakdown,
        plot_image_errors,
        plot_threshold_sweep,
    )

    coco, results = scene
    breakdown = error_breakdown(coco, results, conf_thresh=0.3)
    arrays = image_arrays(coco, results, 1, conf_thresh=0.3)
    ax = plot_image_errors(np.zeros((900, 900, 3), np.uint8), arrays, breakdown.images[1], {1: "one", 2: "two"})
    rects = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(rects) == 3 + 6  # every gt and every kept detection of image 1
    texts = [t.get_text() for t in ax.texts]
    assert "cls one, is two 0.70" in texts and "missed one" in texts and "TP one 0.90" in texts
    dup = next(r for r in rects if tuple(r.get_edgecolor()[:3]) == OUTCOME_COLORS["dup"])
    assert dup.get_x() == 5
    ax = plot_error_breakdown(breakdown)
    assert [int(float(t.get_text())) for t in ax.texts] == [2, 1, 2, 1, 1, 2]  # tp dup cls loc bkg missed
    matrix, names = confusion_matrix(coco, results, conf_thresh=0.3)
    ax = plot_confusion_matrix(matrix, names)
    assert sorted(int(t.get_text()) for t in ax.texts) == sorted(matrix.ravel().tolist()[:-1])  # corner left blank
    sweep = threshold_sweep(coco, results, thresholds=np.array([0.3, 0.65, 0.85, 0.95]))
    ax = plot_threshold_sweep(sweep, chosen=0.85)
    assert "chosen 0.85: P 1.00, R 0.25" in [t.get_text() for t in ax.get_legend().get_texts()]
