"""The step-by-step trace of an assignment ends where the library's rules end, and its steps are right."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign import get_assigner, simota_assign, simota_assign_batched
from yolox_edu.assign.trace import count_per_level, point_levels, trace_assignment
from yolox_edu.decode import decode_boxes
from yolox_edu.grid import make_grid
from yolox_edu.inference import model_predictions

RULES = ("simota", "simota-geometry", "center-3x3", "center-1")


def random_image(seed: int, size: int = 128, num_gt: int = 5, num_classes: int = 3):
    """Random gts (some tiny or thin) and predictions near them, so costs are tie-free and k varies."""
    g = torch.Generator().manual_seed(seed)
    grid = make_grid((size, size))
    wh = torch.rand(num_gt, 2, generator=g) * 60 + 3  # (G, 2) 3..63 px
    wh[0, 1] = 4.0  # one thin box
    cxcy = torch.rand(num_gt, 2, generator=g) * (size - 20) + 10  # (G, 2)
    gt = torch.cat((cxcy, wh), 1)  # (G, 4)
    reg = torch.randn(grid.num_points, 4, generator=g) * 0.5  # (A, 4)
    reg[:, 2:] += torch.log(torch.tensor(2.0))  # boxes of about two cells
    boxes = decode_boxes(reg[None], grid)[0]  # (A, 4)
    cls = torch.randn(grid.num_points, num_classes, generator=g)  # (A, C)
    obj = torch.randn(grid.num_points, generator=g)  # (A,)
    labels = torch.randint(0, num_classes, (num_gt,), generator=g)  # (G,)
    return boxes, cls, obj, gt, labels, grid


def assert_same(a, b):
    assert torch.equal(a.fg_mask, b.fg_mask)
    assert torch.equal(a.matched_gt, b.matched_gt)
    assert torch.equal(a.dynamic_k, b.dynamic_k)
    torch.testing.assert_close(a.matched_iou, b.matched_iou)


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("seed", range(6))
def test_trace_ends_at_the_library_rule(rule, seed):
    boxes, cls, obj, gt, labels, grid = random_image(seed)
    trace = trace_assignment(rule, boxes, cls, obj, gt, labels, grid)
    assert trace.result.num_fg > 0
    assert_same(trace.result, get_assigner(rule, batched=False)(boxes, cls, obj, gt, labels, grid))
    batched = get_assigner(rule)(boxes[None], cls[None], obj[None], gt[None], labels[None],
                                 torch.ones(1, len(gt), dtype=torch.bool), grid)
    assert torch.equal(trace.result.fg_mask, batched.fg_mask[0])
    assert torch.equal(trace.result.matched_gt, batched.matched_gt[0])


@pytest.mark.parametrize("seed", range(4))
def test_trace_honours_radius_weight_and_topk(seed):
    boxes, cls, obj, gt, labels, grid = random_image(seed)
    kw = dict(center_radius=1.0, iou_weight=0.5, candidate_topk=4)
    trace = trace_assignment("simota", boxes, cls, obj, gt, labels, grid, **kw)
    assert_same(trace.result, simota_assign(boxes, cls, obj, gt, labels, grid, **kw))
    batched = simota_assign_batched(boxes[None], cls[None], obj[None], gt[None], labels[None],
                                    torch.ones(1, len(gt), dtype=torch.bool), grid, **kw)
    assert torch.equal(trace.result.fg_mask, batched.fg_mask[0])
    assert trace.top_ious.shape == (len(gt), 4)


def test_steps_on_a_hand_built_image():
    grid = make_grid((64, 64))
    gt = torch.tensor([[28.0, 28.0, 16.0, 16.0]])  # one gt; stride-8 cell (3, 3) is its only in-box point
    boxes = torch.tensor([-1000.0, -1000.0, 1.0, 1.0]).repeat(grid.num_points, 1)  # (A, 4) overlap nothing
    good = (grid.strides == 8) & (grid.cells[:, 0] == 3) & (grid.cells[:, 1] == 3)  # (A,)
    boxes[good] = gt  # a perfect box at that point
    cls, obj = torch.zeros(grid.num_points, 2), torch.zeros(grid.num_points)
    trace = trace_assignment("simota", boxes, cls, obj, gt, torch.tensor([1]), grid)
    assert trace.top_ious[0, 0] == 1.0 and trace.top_ious[0, 1:].sum() == 0
    assert trace.dynamic_k.tolist() == [1]
    cheap = trace.cheap[0, trace.candidates]  # (N,)
    assert (trace.cost[0, ~cheap] >= 1e5).all() and (trace.cost[0, cheap] < 1e5).all()
    torch.testing.assert_close(trace.cost, trace.cls_cost + 3.0 * trace.iou_cost + 1e5 * (~cheap).float()[None])
    assert trace.result.fg_mask.nonzero()[:, 0].tolist() == good.nonzero()[:, 0].tolist()


def test_conflicts_name_the_winner():
    grid = make_grid((64, 64))
    gt = torch.tensor([[28.0, 28.0, 16.0, 16.0], [30.0, 30.0, 16.0, 16.0]])  # two almost equal gts
    boxes = gt[1].repeat(grid.num_points, 1)  # (A, 4) every prediction copies gt 1: gt 1 is cheaper everywhere
    cls, obj = torch.zeros(grid.num_points, 2), torch.zeros(grid.num_points)
    trace = trace_assignment("simota", boxes, cls, obj, gt, torch.tensor([0, 0]), grid)
    points, winners = trace.lost_to_others(0)
    assert len(points) > 0 and (winners == 1).all()
    assert (trace.result.matched_gt[points] == 1).all()
    assert trace.lost_to_others(1)[0].numel() == 0


def test_center_trace_patches_and_levels():
    grid = make_grid((128, 128))
    gt = torch.tensor([[60.0, 60.0, 20.0, 20.0], [64.0, 64.0, 100.0, 90.0]])  # small → stride 8, big → 16
    boxes = gt[0].repeat(grid.num_points, 1)  # (A, 4)
    cls, obj = torch.zeros(grid.num_points, 1), torch.zeros(grid.num_points)
    trace = trace_assignment("center-3x3", boxes, cls, obj, gt, torch.tensor([0, 0]), grid)
    assert trace.matching.sum(1).tolist() == [9, 9] and trace.cost is None
    assert count_per_level(trace.candidates[trace.matching[0]], grid) == [9, 0, 0]
    assert count_per_level(trace.candidates[trace.matching[1]], grid) == [0, 9, 0]
    assert point_levels(torch.tensor([0, 256, 320]), grid).tolist() == [0, 1, 2]  # 16² + 8² + 4² points


def test_bad_rule_and_empty_gts_are_errors():
    boxes, cls, obj, gt, labels, grid = random_image(0)
    with pytest.raises(ValueError, match="unknown rule"):
        trace_assignment("simOTA", boxes, cls, obj, gt, labels, grid)
    with pytest.raises(ValueError, match="G >= 1"):
        trace_assignment("simota", boxes, cls, obj, gt[:0], labels[:0], grid)


def test_model_predictions_match_the_eval_forward():
    from yolox_edu import build_model

    torch.manual_seed(0)
    model = build_model("yolox-nano", num_classes=3).eval()
    images = torch.rand(2, 3, 64, 96) * 255
    pred = model_predictions(model, images)
    assert pred.boxes.shape == (2, pred.grid.num_points, 4) and pred.cls_logits.shape[-1] == 3
    with torch.no_grad():
        out = model(images)  # (B, A, 5 + C) decoded
    torch.testing.assert_close(pred.boxes, out[..., :4])
    torch.testing.assert_close(pred.obj_logits.sigmoid(), out[..., 4])
    torch.testing.assert_close(pred.cls_logits.sigmoid(), out[..., 5:])
    assert not model.training


def test_trace_and_simota_assign_share_one_implementation():
    """The trace's steps are simota.simota_steps' own; the moved model_predictions keeps its old path."""
    import yolox_edu.assign.trace as trace_mod
    from yolox_edu import inference
    from yolox_edu.assign import simota

    assert trace_mod.simota_steps is simota.simota_steps and not hasattr(trace_mod, "_simota_result")
    assert trace_mod.model_predictions is inference.model_predictions  # old import path, new home
    assert trace_mod.RULE_DEFAULTS["simota-geometry"] == simota.GEOMETRY_RULE
