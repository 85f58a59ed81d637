"""The SimOTA explorer: the plain function shows the library's assignment, and the widget redraws."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign import get_assigner, simota_assign_batched
from yolox_edu.viz.simota_explorer import (
    MODELS,
    STEPS,
    explorer_images,
    explorer_predictions,
    load_explorer_image,
    simota_view,
)

IMAGE = "synth val 000001.jpg"


pytestmark = pytest.mark.usefixtures("one_thread")


def library_result(image: str, model: str, rule: str, **kw):
    img, pred = load_explorer_image(image), explorer_predictions(image, model)
    return get_assigner(rule, batched=False)(pred.boxes[0], pred.cls_logits[0], pred.obj_logits[0], img.gt_boxes,
                                             img.cost_classes, pred.grid, **kw)


def test_images_cover_synth_val_and_photos_with_boxes():
    keys = explorer_images()
    assert IMAGE in keys and "photo clock.jpg" in keys
    assert "photo hubble.jpg" not in keys  # a negative: no gt to explore
    img = load_explorer_image("photo clock.jpg")
    assert img.image.shape == (3, 320, 320) and len(img.gt_boxes) == 1
    assert img.class_names[int(img.gt_labels[0])] == "clock" and 0 <= int(img.cost_classes[0]) < 6
    with pytest.raises(ValueError, match="unknown explorer image"):
        load_explorer_image("synth val 999999.jpg")


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("rule", ["simota", "simota-geometry", "center-3x3", "center-1"])
def test_view_positives_equal_the_library(rule, model):
    view = simota_view(IMAGE, gt=1, rule=rule, model=model, draw=False)
    ref = library_result(IMAGE, model, rule)
    assert torch.equal(view.result.fg_mask, ref.fg_mask)
    assert torch.equal(view.result.matched_gt, ref.matched_gt)
    assert view.k == int(ref.dynamic_k[1])
    assert sum(view.positives_per_level) == int((ref.matched_gt == 1).sum())


def test_view_settings_reach_the_assignment():
    kw = dict(center_radius=1.0, iou_weight=0.5, candidate_topk=3)
    view = simota_view(IMAGE, gt=2, radius=1.0, iou_weight=0.5, topk=3, draw=False)
    ref = library_result(IMAGE, "demo checkpoint", "simota", **kw)
    assert torch.equal(view.result.matched_gt, ref.matched_gt)
    assert len(view.top_ious) == 3 and view.k == max(1, int(sum(view.top_ious)))
    img, pred = load_explorer_image(IMAGE), explorer_predictions(IMAGE, "demo checkpoint")
    batched = simota_assign_batched(pred.boxes, pred.cls_logits, pred.obj_logits, img.gt_boxes[None],
                                    img.cost_classes[None], torch.ones(1, len(img.gt_boxes), dtype=torch.bool),
                                    pred.grid, **kw)
    assert torch.equal(view.result.fg_mask, batched.fg_mask[0])
    default = simota_view(IMAGE, gt=2, draw=False)
    assert not torch.equal(default.result.fg_mask, view.result.fg_mask)  # the knobs change something


def test_trained_model_asks_for_more_points_than_untrained():
    trained = simota_view(IMAGE, gt=0, model="demo checkpoint", draw=False)
    untrained = simota_view(IMAGE, gt=0, model="untrained", draw=False)
    assert trained.k > untrained.k
    assert sum(trained.top_ious) > sum(untrained.top_ious)


def test_lost_points_went_to_the_named_winner():
    # the cup (gt 0) and the spoon in it (gt 1): their 3×3 patches overlap and the smaller gt wins
    view = simota_view("photo coffee.jpg", gt=0, rule="center-3x3", draw=False)
    assert len(view.lost) == 2 and {w for _, w in view.lost} == {1}
    for point, winner in view.lost:
        assert int(view.result.matched_gt[point]) == winner
    assert sum(view.chosen_per_level) == 9 and sum(view.positives_per_level) == 7
    assert simota_view("photo coffee.jpg", gt=1, rule="center-3x3", draw=False).lost == []


@pytest.mark.parametrize("step", STEPS)
def test_every_step_draws(step):
    view = simota_view(IMAGE, gt=2, step=step)
    assert view.figure is not None and len(view.figure.axes) >= 6
    labels = " ".join(ax.get_ylabel() for ax in view.figure.axes)
    assert {"candidates": "region", "cost parts": "class cost", "dynamic k": "IoU", "chosen": "total cost",
            "after conflicts": "final positives"}[step] in labels


def test_bad_controls_are_errors():
    with pytest.raises(ValueError, match="gt must be"):
        simota_view(IMAGE, gt=99, draw=False)
    with pytest.raises(ValueError, match="step must be"):
        simota_view(IMAGE, step="costs", draw=False)
    with pytest.raises(ValueError, match="rule must be"):
        simota_view(IMAGE, rule="ota", draw=False)


def test_widget_redraws_and_matches_the_library():
    from yolox_edu.viz.simota_explorer import simota_explorer

    box = simota_explorer(IMAGE)
    assert "yolox-simota-explorer" in box._dom_classes
    c = box.controls
    assert [c[k].description for k in ("image", "gt", "rule", "radius", "topk", "iou_weight", "model", "step")] == \
        ["image", "gt", "rule", "radius", "top-k", "IoU weight", "model", "step"]
    first = box.output.outputs[0]["data"]["image/png"]
    c["step"].value = "after conflicts"
    second = box.output.outputs[0]["data"]["image/png"]
    assert second != first
    c["gt"].value = 3
    c["radius"].value = 1.5
    ref = library_result(IMAGE, "demo checkpoint", "simota", center_radius=1.5)
    assert torch.equal(box.view.result.matched_gt, ref.matched_gt) and box.view.gt == 3
    c["rule"].value = "simota-geometry"  # resets the radius to the rule's own 1.5
    assert c["radius"].value == 1.5 and box.view.settings["rule"] == "simota-geometry"
    c["rule"].value = "center-1"
    assert c["radius"].disabled and box.view.k == 1
    c["image"].value = "photo coffee.jpg"
    assert [v for _, v in c["gt"].options] == [0, 1] and box.view.settings["image"] == "photo coffee.jpg"
    c["model"].value = "untrained"
    assert box.view.settings["model"] == "untrained" and "drawn in" in box.status.value


def test_level_points_fill_one_cell_per_marked_point_on_its_level():
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection

    from yolox_edu.viz import plot_level_points

    img, pred = load_explorer_image(IMAGE), explorer_predictions(IMAGE, "demo checkpoint")
    result = library_result(IMAGE, "demo checkpoint", "simota")
    fig = plot_level_points(img.image, img.gt_boxes, img.gt_labels, pred.grid, result.matched_gt)
    try:
        marked = (result.matched_gt >= 0).nonzero()[:, 0]
        assert len(marked) > 0 and len(fig.axes) == len(pred.grid.level_shapes)
        start = 0
        for ax, (h, w) in zip(fig.axes, pred.grid.level_shapes):
            on_level = int(((marked >= start) & (marked < start + h * w)).sum())
            start += h * w
            filled = sum(len(c.get_paths()) for c in ax.collections if isinstance(c, PatchCollection))
            assert filled == on_level, ax.get_title()
            assert ax.get_title().endswith(f": {on_level} point{'' if on_level == 1 else 's'}")
    finally:
        plt.close(fig)
