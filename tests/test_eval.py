"""Evaluation: from-scratch COCO AP agrees with pycocotools; matching rules; edge cases; PR curves."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from yolox_edu.decode import Detections
from yolox_edu.eval import (
    METRIC_KEYS,
    check_results,
    coco_evaluate,
    detections_to_results,
    evaluate_scratch,
    interpolated_ap,
    interpolated_precision,
    load_coco_gt,
    load_results,
    match_detections,
    plot_pr,
    plot_pr_curves,
    pr_curve,
    precision_recall,
)
from yolox_edu.eval import ap as ap_module

CAT_IDS = (1, 3, 7)  # not contiguous on purpose


def make_gt(tmp_path, rng: np.random.Generator, num_images: int = 8, crowd: bool = False, name: str = "gt.json"):
    """A random COCO ground truth: boxes of all sizes, an 'area' field that differs from w·h, ids from 1."""
    images = [{"id": i + 1, "file_name": f"{i + 1}.png", "height": 480, "width": 640} for i in range(num_images)]
    anns = []
    for img in images[:-1]:  # the last image has no gts
        for _ in range(rng.integers(0, 7)):
            w, h = rng.uniform(4, 220, size=2)
            x, y = rng.uniform(0, 640 - w), rng.uniform(0, 480 - h)
            anns.append({"id": len(anns) + 1, "image_id": img["id"], "category_id": int(rng.choice(CAT_IDS[:2])),
                         "bbox": [x, y, w, h], "area": w * h * rng.uniform(0.5, 1.0),
                         "iscrowd": int(crowd and rng.random() < 0.15)})
    cats = [{"id": c, "name": f"class{c}"} for c in CAT_IDS]  # class7 never has a gt
    path = tmp_path / name
    path.write_text(json.dumps({"images": images, "annotations": anns, "categories": cats}))
    return load_coco_gt(path)


def jittered(ann: dict, rng: np.random.Generator, sigma: float, cat: int) -> dict:
    x, y, w, h = ann["bbox"]
    jit = rng.normal(0, sigma, size=4) * [w, h, w, h]
    return {"image_id": ann["image_id"], "category_id": cat,
            "bbox": [x + jit[0], y + jit[1], abs(w + jit[2]), abs(h + jit[3])], "score": rng.random()}


def make_detections(coco, rng: np.random.Generator, crowded_image: bool = True) -> list[dict]:
    """Jittered copies of gts (duplicates make matching matter), random false positives and, if
    ``crowded_image``, 130 detections for one (image, class) so that maxDets=100 truncates."""
    dets = []
    for ann in coco.dataset["annotations"]:
        for _ in range(rng.integers(0, 4)):
            cat = ann["category_id"] if rng.random() < 0.9 else int(rng.choice(CAT_IDS))
            dets.append(jittered(ann, rng, 0.08, cat))
    img_ids = coco.getImgIds()
    for _ in range(40):
        w, h = rng.uniform(2, 250, size=2)
        dets.append({"image_id": int(rng.choice(img_ids)), "category_id": int(rng.choice(CAT_IDS)),
                     "bbox": [rng.uniform(0, 500), rng.uniform(0, 400), w, h], "score": rng.random()})
    if crowded_image:
        first = coco.dataset["annotations"][0]
        same = coco.getAnnIds(imgIds=first["image_id"], catIds=first["category_id"])
        crowd_of = coco.loadAnns(same)
        dets += [jittered(crowd_of[i % len(crowd_of)], rng, 0.2, first["category_id"]) for i in range(130)]
    return dets


def assert_same(a, b, tol: float = 1e-6) -> None:
    for key in METRIC_KEYS:
        assert a.metrics[key] == pytest.approx(b.metrics[key], abs=tol), key
    assert a.per_class == pytest.approx(b.per_class, abs=tol)


@pytest.mark.parametrize("seed", range(12))
def test_scratch_matches_pycocotools(tmp_path, seed):
    rng = np.random.default_rng(seed)
    coco = make_gt(tmp_path, rng, crowd=seed % 3 == 2)
    dets = make_detections(coco, rng, crowded_image=seed % 2 == 0)
    ref, ours = coco_evaluate(coco, dets), evaluate_scratch(coco, dets)
    assert_same(ours, ref)
    np.testing.assert_allclose(ours.precision, ref.precision, atol=1e-9)
    np.testing.assert_allclose(ours.recall, ref.recall, atol=1e-9)
    assert 0 < ref.metrics["AP"] < 1 and ref.per_class["class7"] == -1  # a real, non-trivial case


def test_summary_matches_cocoeval_stats(tmp_path):
    from pycocotools.cocoeval import COCOeval

    from yolox_edu.eval.coco_eval import results_to_coco
    rng = np.random.default_rng(100)
    coco = make_gt(tmp_path, rng)
    dets = make_detections(coco, rng)
    e = COCOeval(coco, results_to_coco(coco, dets), "bbox")
    e.evaluate(), e.accumulate(), e.summarize()
    scores = coco_evaluate(coco, dets)
    np.testing.assert_allclose([scores.metrics[k] for k in METRIC_KEYS], e.stats, atol=1e-12)
    with_loadres = COCOeval(coco, coco.loadRes(dets), "bbox")  # our results_to_coco == pycocotools' loadRes
    with_loadres.evaluate(), with_loadres.accumulate(), with_loadres.summarize()
    np.testing.assert_allclose(with_loadres.stats, e.stats, atol=1e-12)


def rematching(det_boxes, det_scores, gt_boxes, iou_thresh, gt_ignore=None, gt_crowd=None):
    """A plausible bug: every detection takes its best gt even if an earlier detection already took it."""
    ious = ap_module.box_iou_xywh(det_boxes, gt_boxes)  # (D, G)
    thr = np.atleast_1d(iou_thresh)
    if ious.size == 0:
        out = np.full((len(thr), len(det_scores)), -1)
    else:
        best, best_iou = ious.argmax(1), ious.max(1)  # (D,)
        out = np.where(best_iou[None, :] >= thr[:, None], best[None, :], -1)  # (T, D)
    return out if np.ndim(iou_thresh) else out[0]


def test_broken_matching_rule_is_caught(tmp_path, monkeypatch):
    rng = np.random.default_rng(7)
    coco = make_gt(tmp_path, rng)
    dets = make_detections(coco, rng)
    ref = coco_evaluate(coco, dets)
    assert_same(evaluate_scratch(coco, dets), ref)
    monkeypatch.setattr(ap_module, "match_detections", rematching)
    broken = evaluate_scratch(coco, dets)
    assert broken.metrics["AP"] > ref.metrics["AP"] + 0.01  # duplicates became true positives


def test_match_detections_hand_built():
    gts = np.array([[0, 0, 10, 10], [20, 0, 10, 10]], float)
    dets = np.array([[0, 0, 10, 10], [1, 0, 10, 10], [20, 0, 10, 10], [50, 50, 5, 5]], float)
    scores = np.array([0.9, 0.95, 0.5, 0.8])
    # det 1 (best score) takes gt 0 (IoU 9/11); det 0 then finds gt 0 used up → unmatched
    assert match_detections(dets, scores, gts, 0.5).tolist() == [-1, 0, 1, -1]
    # at IoU 0.85 det 1 no longer fits gt 0, so det 0 gets it
    assert match_detections(dets, scores, gts, 0.85).tolist() == [0, -1, 1, -1]
    # a regular gt is preferred to an ignored one even with a lower IoU
    assert match_detections(dets[:1], scores[:1], np.array([[0, 0, 10, 10], [0, 0, 10, 11]], float), 0.5,
                            gt_ignore=np.array([True, False])).tolist() == [1]
    # a crowd region absorbs any number of detections (IoU = intersection / detection area)
    crowd = match_detections(dets[:2], scores[:2], np.array([[0, 0, 100, 100]], float), 0.5, gt_crowd=[True])
    assert crowd.tolist() == [0, 0]
    assert match_detections(dets, scores, np.zeros((0, 4)), [0.5, 0.7]).shape == (2, 4)


def test_precision_recall_and_ap_hand_built():
    prec, rec = precision_recall(np.array([0.9, 0.8, 0.7, 0.6]), np.array([True, False, True, False]), num_gt=4)
    np.testing.assert_allclose(prec, [1, 0.5, 2 / 3, 0.5])
    np.testing.assert_allclose(rec, [0.25, 0.25, 0.5, 0.5])
    interp = interpolated_precision(prec, rec, 101)
    assert interp[0] == 1 and interp[25] == 1 and interp[26] == pytest.approx(2 / 3) and interp[51] == 0
    assert interpolated_ap(prec, rec) == pytest.approx((26 * 1 + 25 * 2 / 3) / 101)
    assert interpolated_ap(np.zeros(0), np.zeros(0)) == 0


@pytest.mark.parametrize("impl", [coco_evaluate, evaluate_scratch])
def test_no_detections(tmp_path, impl):
    coco = make_gt(tmp_path, np.random.default_rng(1))
    scores = impl(coco, [])
    assert scores.metrics["AP"] == 0 and scores.metrics["AR100"] == 0
    assert scores.per_class["class7"] == -1  # no gts: undefined


@pytest.mark.parametrize("impl", [coco_evaluate, evaluate_scratch])
def test_perfect_detections_and_undefined_areas(tmp_path, impl):
    images = [{"id": 1, "file_name": "a.png", "height": 100, "width": 100},
              {"id": 2, "file_name": "b.png", "height": 100, "width": 100}]
    anns = [{"id": 1, "image_id": 1, "category_id": 5, "bbox": [10, 10, 50, 40], "area": 2000, "iscrowd": 0}]
    path = tmp_path / "gt.json"
    path.write_text(json.dumps({"images": images, "annotations": anns,
                                "categories": [{"id": 5, "name": "cat"}, {"id": 9, "name": "dog"}]}))
    coco = load_coco_gt(path)
    scores = impl(coco, [{"image_id": 1, "category_id": 5, "bbox": [10, 10, 50, 40], "score": 0.9}])
    one = pytest.approx(1.0, abs=1e-12)  # pycocotools divides by tp + fp + 2.2e-16
    assert scores.metrics["AP"] == one and scores.metrics["APm"] == one and scores.metrics["AR1"] == one
    assert scores.metrics["APs"] == -1 and scores.metrics["APl"] == -1  # no gt in those ranges
    assert scores.per_class == {"cat": one, "dog": -1.0}
    # a false positive of a class without gts changes nothing that is defined
    with_fp = [{"image_id": 2, "category_id": 9, "bbox": [0, 0, 5, 5], "score": 0.99},
               {"image_id": 1, "category_id": 5, "bbox": [10, 10, 50, 40], "score": 0.9}]
    assert impl(coco, with_fp).metrics["AP"] == one


def test_unknown_ids_are_clear_errors(tmp_path):
    coco = make_gt(tmp_path, np.random.default_rng(2))
    det = {"image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "score": 0.5}
    for impl in (coco_evaluate, evaluate_scratch):
        with pytest.raises(ValueError, match="image_id.*not in the ground truth.*999"):
            impl(coco, [det, dict(det, image_id=999)])
        with pytest.raises(ValueError, match="category_id.*not in the ground truth.*42"):
            impl(coco, [det, dict(det, category_id=42)])


@pytest.mark.parametrize("content, message", [
    ("{not json", "not valid JSON"),
    ('{"a": 1}', "JSON list"),
    ('[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}]', "entry 0 lacks field 'score'"),
    ('[{"image_id": "1", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]', "'image_id' must be an integer"),
    ('[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 1}]', "'bbox' must be 4 finite"),
    ('[{"image_id": 1, "category_id": 1, "bbox": [0, 0, -1, 1], "score": 1}]', "negative width"),
    ('[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": NaN}]', "'score' must be a finite"),
])
def test_bad_results_file_names_file_and_field(tmp_path, content, message):
    path = tmp_path / "results.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as err:
        load_results(path)
    assert str(path) in str(err.value)
    with pytest.raises(FileNotFoundError, match="detections file not found"):
        load_results(tmp_path / "missing.json")
    assert check_results([]) == []


def test_detections_to_results_maps_back():
    dets = Detections(boxes=torch.tensor([[20.0, 10.0, 60.0, 50.0]]), scores=torch.tensor([0.5]),
                      labels=torch.tensor([2]))
    (res,) = detections_to_results(dets, image_id=7, ratio=2.0, cat_ids=[1, 3, 7])
    assert res == {"image_id": 7, "category_id": 7, "bbox": [10.0, 5.0, 20.0, 20.0], "score": 0.5}
    with pytest.raises(ValueError, match="label 3.*3 categories"):
        detections_to_results(Detections(dets.boxes, dets.scores, torch.tensor([3])), 7, 2.0, [1, 3, 7])


def test_pr_curves_from_both_implementations(tmp_path):
    rng = np.random.default_rng(3)
    coco = make_gt(tmp_path, rng)
    dets = make_detections(coco, rng)
    for scores in (coco_evaluate(coco, dets), evaluate_scratch(coco, dets)):
        fig = plot_pr_curves(scores, class_index=0)
        assert isinstance(fig, Figure)
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert len(labels) == 10 and "IoU 0.50" in labels[0] and "AP" in labels[0]
        ap50 = scores.precision[0, :, 0, 0, -1].mean()
        assert f"{ap50:.3f}" in labels[0]
        assert isinstance(plot_pr_curves(scores), Figure)  # all classes


def test_raw_pr_curve_gives_the_reported_ap(tmp_path):
    rng = np.random.default_rng(4)
    coco = make_gt(tmp_path, rng, crowd=True)
    dets = make_detections(coco, rng)
    scores = coco_evaluate(coco, dets)
    for k, cat in enumerate(CAT_IDS[:2]):
        for t, thr in ((0, 0.5), (5, 0.75)):
            precision, recall = pr_curve(coco, dets, cat, thr)
            assert np.all(np.diff(recall) >= 0) and len(precision) > 10  # a real zig-zag curve
            assert interpolated_ap(precision, recall) == pytest.approx(scores.precision[t, :, k, 0, -1].mean(),
                                                                       abs=1e-12)
    fig = plot_pr([(recall, precision, "raw")], title="class 3")
    assert isinstance(fig, Figure) and fig.axes[0].get_title() == "class 3"
    with pytest.raises(ValueError, match="0.50, 0.55"):
        pr_curve(coco, dets, 1, 0.52)
