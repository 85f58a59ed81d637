"""Label assignment: hand-checked cases per rule, the building blocks, and per-image == batched."""

from __future__ import annotations

import math

import pytest
import torch

from yolox_edu.assign import (
    ASSIGNER_NAMES,
    AssignResult,
    assign,
    box_iou_matrix,
    candidate_mask,
    class_cost,
    class_cost_dense,
    dynamic_k,
    fitting_level,
    get_assigner,
    in_box_mask,
    in_center_mask,
    resolve_conflicts,
    select_lowest_cost,
    select_lowest_cost_batched,
    simota_assign,
    simota_assign_batched,
    simota_regions,
)
from yolox_edu.assign.simota_batched import regions_by_axis
from yolox_edu.boxes import pairwise_iou
from yolox_edu.decode import decode_boxes
from yolox_edu.grid import make_grid

FAR = torch.tensor([-1000.0, -1000.0, 1.0, 1.0])  # a predicted box that overlaps nothing


def point(grid, stride: int, col: int, row: int) -> int:
    """Index of cell (col, row) of the level with this stride."""
    hit = (grid.strides == stride) & (grid.cells[:, 0] == col) & (grid.cells[:, 1] == row)
    return int(hit.nonzero()[0, 0])


def one_image(grid, good: list[int], gt: torch.Tensor, num_classes: int = 2):
    """Predictions: a perfect copy of ``gt`` at the ``good`` points, far-away boxes elsewhere, flat scores."""
    boxes = FAR.repeat(grid.num_points, 1)  # (A, 4)
    boxes[good] = gt
    return boxes, torch.zeros(grid.num_points, num_classes), torch.zeros(grid.num_points)


# ---------------------------------------------------------------- center sampling


def test_in_box_is_strict_and_in_center_scales_with_stride():
    grid = make_grid((64, 64))  # 8×8 + 4×4 + 2×2 = 84 points
    gt = torch.tensor([[28.0, 28.0, 16.0, 16.0]])  # spans 20..36: centers 20 and 36 (stride 8) are on the edge
    in_box = in_box_mask(gt, grid.centers)[0]  # (A,)
    assert sorted(in_box.nonzero()[:, 0].tolist()) == [point(grid, 8, 3, 3), point(grid, 16, 1, 1)]
    in_center = in_center_mask(gt, grid.centers, grid.strides, radius=2.5)[0]
    assert int(in_center[grid.strides == 8].sum()) == 25  # |x − 28| < 20 → columns 1..5, rows 1..5
    assert int(in_center[grid.strides == 16].sum()) == 16  # |x − 28| < 40 → the whole 4×4 level
    assert int(in_center[grid.strides == 32].sum()) == 4
    assert int(in_center_mask(gt, grid.centers, grid.strides, radius=1.5)[0, grid.strides == 8].sum()) == 9


def test_candidate_mask_ignores_padding_gts():
    in_box = torch.tensor([[[True, False, False], [False, False, True]]])  # (1, 2, 3)
    in_center = torch.tensor([[[False, True, False], [False, False, False]]])
    assert candidate_mask(in_box, in_center).tolist() == [[True, True, True]]
    assert candidate_mask(in_box, in_center, torch.tensor([[True, False]])).tolist() == [[True, True, False]]


# ---------------------------------------------------------------- cost


def test_box_iou_matrix_agrees_with_torchvision_and_broadcasts():
    gen = torch.Generator().manual_seed(1)
    a = torch.cat((torch.rand(2, 5, 2, generator=gen) * 50, torch.rand(2, 5, 2, generator=gen) * 30 + 1), -1)
    b = torch.cat((torch.rand(2, 7, 2, generator=gen) * 50, torch.rand(2, 7, 2, generator=gen) * 30 + 1), -1)
    batched = box_iou_matrix(a, b)  # (2, 5, 7)
    for i in range(2):
        torch.testing.assert_close(batched[i], pairwise_iou(a[i], b[i]), rtol=1e-5, atol=1e-6)
    assert box_iou_matrix(a[0, :1], a[0, :1]).item() == pytest.approx(1.0)


@pytest.mark.parametrize("scale", [1.0, 300.0])  # 300: saturated sigmoids hit the −100 log clamp
def test_factorised_class_cost_equals_dense_bce(scale):
    gen = torch.Generator().manual_seed(2)
    cls, obj = torch.randn(40, 6, generator=gen) * scale, torch.randn(40, generator=gen) * scale
    gt_classes = torch.tensor([0, 5, 2, 2])
    torch.testing.assert_close(class_cost(cls, obj, gt_classes), class_cost_dense(cls, obj, gt_classes))


def test_class_cost_by_hand_and_float32_under_autocast():
    cls = torch.tensor([[0.0, 0.0]])  # p = sqrt(0.5 · 0.5) = 0.5 for both classes
    cost = class_cost(cls, torch.zeros(1), torch.tensor([1]))
    assert cost.item() == pytest.approx(2 * math.log(2))  # −log(0.5) twice
    with torch.autocast("cpu", dtype=torch.bfloat16):
        assert class_cost(cls.bfloat16(), torch.zeros(1).bfloat16(), torch.tensor([1])).dtype == torch.float32


# ---------------------------------------------------------------- dynamic k and matching


def test_dynamic_k_by_hand():
    ious = torch.tensor([[0.9, 0.8, 0.7, 0.0], [0.1, 0.2, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    assert dynamic_k(ious).tolist() == [2, 1, 4]  # floor(2.4), max(1, floor(0.3)), 4
    many = torch.full((1, 30), 0.5)  # only the top 10 count: floor(5.0)
    assert dynamic_k(many).tolist() == [5]
    assert dynamic_k(many, candidate_topk=4).tolist() == [2]


def test_select_lowest_cost_breaks_ties_by_index_in_both_versions():
    gen = torch.Generator().manual_seed(3)
    cost = torch.randint(0, 4, (50, 30), generator=gen).float()  # many ties
    k = torch.randint(0, 11, (50,), generator=gen)
    expected = torch.zeros(50, 30, dtype=torch.bool)
    for g in range(50):  # brute force: sort by (cost, index)
        order = sorted(range(30), key=lambda a, g=g: (float(cost[g, a]), a))
        expected[g, order[: int(k[g])]] = True
    assert torch.equal(select_lowest_cost(cost, k), expected)
    assert torch.equal(select_lowest_cost_batched(cost, k), expected)


def test_conflicts_go_to_lowest_cost_gt_among_all_gts():
    matching = torch.tensor([[True, False, False], [True, True, False], [False, True, False]])  # (G=3, N=3)
    cost = torch.tensor([[1.0, 0.5, 9.0], [2.0, 3.0, 9.0], [0.5, 4.0, 9.0]])
    # point 0: gts 0 and 1 claim it, gt 2 is cheapest overall → gt 2 (official 0.3.0 rule)
    # point 1: gts 1 and 2 claim it, gt 0 is cheapest → gt 0; point 2: nobody → -1
    assert resolve_conflicts(matching, cost).tolist() == [2, 0, -1]
    tie = torch.tensor([[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    assert resolve_conflicts(matching, tie).tolist() == [0, 0, -1]  # equal costs → lower gt index


# ---------------------------------------------------------------- SimOTA by hand


def test_simota_hand_case():
    grid = make_grid((64, 64))
    gt = torch.tensor([28.0, 28.0, 16.0, 16.0])
    inside = [point(grid, 8, 3, 3), point(grid, 16, 1, 1)]  # in box AND in center
    outside = point(grid, 8, 2, 2)  # in center only: pays the 1e5 penalty
    boxes, cls, obj = one_image(grid, inside + [outside], gt)
    r = simota_assign(boxes, cls, obj, gt[None], torch.tensor([1]), grid)
    assert r.dynamic_k.tolist() == [3]  # three perfect boxes: floor(1 + 1 + 1)
    assert sorted(r.fg_mask.nonzero()[:, 0].tolist()) == sorted(inside + [outside])
    assert set(r.matched_gt[r.fg_mask].tolist()) == {0} and r.matched_gt[~r.fg_mask].eq(-1).all()
    torch.testing.assert_close(r.matched_iou[r.fg_mask], torch.ones(3))
    # a plausible bug: counting the boundary cells as in box would make them cheap; check we did not
    boxes[point(grid, 8, 2, 3)] = gt * torch.tensor([1, 1, 0.9, 0.9])  # center 20: on the box edge
    r = simota_assign(boxes, cls, obj, gt[None], torch.tensor([1]), grid)
    assert r.dynamic_k.tolist() == [3] and point(grid, 8, 2, 3) not in r.fg_mask.nonzero()[:, 0].tolist()


def test_simota_duplicate_gts_and_no_gts():
    grid = make_grid((64, 64))
    gt = torch.tensor([28.0, 28.0, 16.0, 16.0])
    boxes, cls, obj = one_image(grid, [point(grid, 8, 3, 3)], gt)
    r = simota_assign(boxes, cls, obj, gt.repeat(2, 1), torch.tensor([1, 1]), grid)
    assert r.num_fg == 1 and r.matched_gt[point(grid, 8, 3, 3)] == 0  # the tie goes to the first duplicate
    empty = simota_assign(boxes, cls, obj, torch.zeros(0, 4), torch.zeros(0, dtype=torch.long), grid)
    assert empty.num_fg == 0 and empty.dynamic_k.shape == (0,)


def test_simota_gt_outside_image_has_no_candidates():
    grid = make_grid((64, 64))
    gt = torch.tensor([[500.0, 500.0, 10.0, 10.0]])
    boxes, cls, obj = one_image(grid, [], gt[0])
    r = simota_assign(boxes, cls, obj, gt, torch.tensor([0]), grid)
    assert r.num_fg == 0 and r.dynamic_k.tolist() == [0]


def test_simota_geometry_rule_uses_center_region_only():
    grid = make_grid((64, 64))
    gt = torch.tensor([[28.0, 28.0, 40.0, 40.0]])
    eligible, cheap = simota_regions(gt, grid, center_radius=1.5, box_candidates=False)
    assert torch.equal(eligible, cheap)
    assert [int(eligible[0, grid.strides == s].sum()) for s in (8, 16, 32)] == [9, 9, 4]
    corner = point(grid, 8, 1, 1)  # center (12, 12): in the 40-px box, outside the 1.5-stride square
    boxes, cls, obj = one_image(grid, [corner], gt[0])
    geometry = assign("simota-geometry", boxes[None], cls[None], obj[None], gt[None], torch.tensor([[0]]),
                      torch.tensor([[True]]), grid)
    default = assign("simota", boxes[None], cls[None], obj[None], gt[None], torch.tensor([[0]]),
                     torch.tensor([[True]]), grid)
    assert not geometry.fg_mask[0, corner] and default.fg_mask[0, corner]


# ---------------------------------------------------------------- center rules by hand


def test_fitting_level_size_ranges():
    boxes = torch.tensor([[0, 0, 63.9, 10], [0, 0, 10, 64], [0, 0, 127, 5], [0, 0, 128, 5], [0, 0, 900, 900]])
    assert fitting_level(boxes, torch.tensor([8.0, 16.0, 32.0])).tolist() == [0, 1, 1, 2, 2]


def test_center_1_and_3x3_by_hand():
    grid = make_grid((64, 64))
    gts = torch.tensor([[
        [28.0, 28.0, 16.0, 16.0],  # stride 8 (max side < 64), cell (3, 3)
        [12.0, 12.0, 10.0, 10.0],  # stride 8, cell (1, 1)
        [28.0, 28.0, 100.0, 100.0],  # stride 16 (64 <= 100 < 128), cell (1, 1)
        [4.0, 4.0, 6.0, 6.0],  # stride 8, cell (0, 0) in the corner
    ]])
    valid, classes = torch.ones(1, 4, dtype=torch.bool), torch.zeros(1, 4, dtype=torch.long)
    boxes = gts[0, 0].repeat(1, grid.num_points, 1)  # every point predicts gt 0 exactly
    cls, obj = torch.zeros(1, grid.num_points, 2), torch.zeros(1, grid.num_points)

    def matches(r):
        fg = r.fg_mask[0]
        return dict(zip(fg.nonzero()[:, 0].tolist(), r.matched_gt[0][fg].tolist()))

    one = assign("center-1", boxes, cls, obj, gts, classes, valid, grid)
    p8, p16 = (lambda c, r: point(grid, 8, c, r)), (lambda c, r: point(grid, 16, c, r))
    assert matches(one) == {p8(3, 3): 0, p8(1, 1): 1, p16(1, 1): 2, p8(0, 0): 3}
    assert one.matched_iou[0, p8(3, 3)] == pytest.approx(1.0) and one.dynamic_k[0].tolist() == [1, 1, 1, 1]
    nine = assign("center-3x3", boxes, cls, obj, gts, classes, valid, grid)
    assert nine.dynamic_k[0].tolist() == [9, 9, 9, 4]  # gt 3's patch is clipped to 2×2 by the corner
    got = matches(nine)
    assert len(got) == 9 + 9 - 1 + 9  # gt 3's cells lie inside gt 1's patch; gts 0 and 1 share (2, 2)
    assert got[p8(2, 2)] == 1 and got[p8(1, 1)] == 3 and got[p8(0, 0)] == 3  # the smaller gt wins
    assert got[p8(4, 4)] == 0 and got[p16(0, 0)] == 2


def test_registry():
    assert set(ASSIGNER_NAMES) == {"simota", "simota-geometry", "center-3x3", "center-1"}
    with pytest.raises(ValueError, match="unknown assigner 'ota'.*simota"):
        get_assigner("ota")
    assert get_assigner("simota", batched=False) is simota_assign


@pytest.mark.parametrize("rule", ASSIGNER_NAMES)
def test_every_rule_accepts_no_gt_rows(rule):
    grid = make_grid((64, 64))
    boxes = FAR.repeat(2, grid.num_points, 1)  # (2, A, 4)
    cls, obj = torch.zeros(2, grid.num_points, 3), torch.zeros(2, grid.num_points)
    r = assign(rule, boxes, cls, obj, torch.zeros(2, 0, 4), torch.zeros(2, 0, dtype=torch.long),
               torch.zeros(2, 0, dtype=torch.bool), grid)
    assert r.fg_mask.shape == (2, grid.num_points) and r.num_fg == 0 and r.dynamic_k.shape == (2, 0)
    single = get_assigner(rule, batched=False)(boxes[0], cls[0], obj[0], torch.zeros(0, 4),
                                                torch.zeros(0, dtype=torch.long), grid)
    assert single.num_fg == 0 and single.matched_gt.eq(-1).all()


# ---------------------------------------------------------------- per-image == batched


def random_batch(gen: torch.Generator, batch: int, size: tuple[int, int], max_gt: int, classes: int = 3):
    """Random predictions and padded gts, with the edge cases mixed in."""
    h, w = size
    grid = make_grid(size)
    reg = torch.randn(batch, grid.num_points, 4, generator=gen) * 0.6 + torch.tensor([0.5, 0.5, 1.0, 1.0])
    boxes = decode_boxes(reg, grid)  # (B, A, 4)
    cls = torch.randn(batch, grid.num_points, classes, generator=gen) * 2
    obj = torch.randn(batch, grid.num_points, generator=gen) * 2
    valid = torch.rand(batch, max_gt, generator=gen) < 0.7  # padding anywhere
    valid[0] = False  # an image without objects
    cxy = torch.rand(batch, max_gt, 2, generator=gen) * torch.tensor([w * 1.2, h * 1.2]) - 5  # some stick out
    wh = torch.rand(batch, max_gt, 2, generator=gen) ** 2 * torch.tensor([w, h]) * 0.7 + 1  # many < stride
    gt = torch.cat((cxy, wh), -1)  # (B, G, 4)
    if max_gt > 2:
        gt[:, 1] = gt[:, 2]  # duplicate gts
        gt[1, 0] = torch.tensor([w * 5.0, h * 5.0, 4.0, 4.0])  # far outside: no candidates of its own
    gt = gt * valid[..., None]
    gt_classes = torch.randint(0, classes, (batch, max_gt), generator=gen) * valid
    return grid, boxes, cls, obj, gt, gt_classes, valid


def per_image(rule: str, grid, boxes, cls, obj, gt, gt_classes, valid) -> AssignResult:
    fn = get_assigner(rule, batched=False)
    results, index = [], []
    for b in range(boxes.shape[0]):
        keep = valid[b].nonzero()[:, 0]
        results.append(fn(boxes[b], cls[b], obj[b], gt[b, keep], gt_classes[b, keep], grid))
        index.append(keep)
    return AssignResult.stack(results, index, valid.shape[1])


@pytest.mark.parametrize("rule", ["simota", "simota-geometry"])
def test_batched_equals_per_image_on_random_cases(rule):
    gen = torch.Generator().manual_seed(4)
    sizes = [(64, 64), (96, 128), (160, 160), (32, 32)]  # 32×32: 21 points, fewer than the gts
    total_fg = 0
    for case in range(150):
        size = sizes[case % len(sizes)]
        data = random_batch(gen, batch=3, size=size, max_gt=int(torch.randint(1, 30, (1,), generator=gen)))
        expected = per_image(rule, *data)
        got = get_assigner(rule)(data[1], data[2], data[3], data[4], data[5], data[6], data[0])
        assert torch.equal(got.fg_mask, expected.fg_mask), case
        assert torch.equal(got.matched_gt, expected.matched_gt), case
        assert torch.equal(got.dynamic_k, expected.dynamic_k), case
        torch.testing.assert_close(got.matched_iou, expected.matched_iou, rtol=0, atol=1e-6)
        total_fg += got.num_fg
    assert total_fg > 1000  # the cases are not trivially empty


@pytest.mark.parametrize("rule", ["center-1", "center-3x3"])
def test_center_rules_batched_equals_per_image(rule):
    gen = torch.Generator().manual_seed(5)
    for _ in range(20):
        data = random_batch(gen, batch=3, size=(96, 64), max_gt=8)
        expected = per_image(rule, *data)
        got = get_assigner(rule)(data[1], data[2], data[3], data[4], data[5], data[6], data[0])
        assert torch.equal(got.fg_mask, expected.fg_mask) and torch.equal(got.matched_gt, expected.matched_gt)


@pytest.mark.parametrize("box_candidates", [True, False])
def test_regions_by_axis_equal_pointwise_regions(box_candidates):
    gen = torch.Generator().manual_seed(8)
    grid, _, _, _, gt, _, valid = random_batch(gen, batch=3, size=(96, 160), max_gt=12)
    gt[2, 3] = torch.tensor([28.0, 20.0, 16.0, 24.0])  # edges exactly on cell centers
    valid[2, 3] = True
    expected = simota_regions(gt, grid, center_radius=2.5, box_candidates=box_candidates)
    got = regions_by_axis(gt, valid, grid, center_radius=2.5, box_candidates=box_candidates)
    for e, g in zip(expected, got):
        assert torch.equal(e & valid[..., None], g)


@pytest.mark.parametrize("penalty", [0.0, 5.0])  # cheap pairs no longer always win: whole-row path
def test_batched_equals_per_image_with_small_penalty(penalty):
    gen = torch.Generator().manual_seed(9)
    for _ in range(10):
        grid, boxes, cls, obj, gt, gt_classes, valid = random_batch(gen, batch=3, size=(64, 96), max_gt=10)
        results, index = [], []
        for b in range(3):
            keep = valid[b].nonzero()[:, 0]
            results.append(simota_assign(boxes[b], cls[b], obj[b], gt[b, keep], gt_classes[b, keep], grid,
                                         penalty=penalty))
            index.append(keep)
        expected = AssignResult.stack(results, index, valid.shape[1])
        got = simota_assign_batched(boxes, cls, obj, gt, gt_classes, valid, grid, penalty=penalty)
        assert torch.equal(got.fg_mask, expected.fg_mask) and torch.equal(got.matched_gt, expected.matched_gt)


def test_batched_handles_ties_like_per_image():
    """Identical predictions everywhere make many exactly equal costs."""
    gen = torch.Generator().manual_seed(6)
    grid, boxes, cls, obj, gt, gt_classes, valid = random_batch(gen, batch=2, size=(64, 64), max_gt=5)
    boxes[:] = torch.tensor([30.0, 30.0, 20.0, 20.0])
    cls[:], obj[:] = 0.0, 0.0
    expected = per_image("simota", grid, boxes, cls, obj, gt, gt_classes, valid)
    got = simota_assign_batched(boxes, cls, obj, gt, gt_classes, valid, grid)
    assert torch.equal(got.fg_mask, expected.fg_mask) and torch.equal(got.matched_gt, expected.matched_gt)


def test_class_cost_never_builds_gnc_tensor():
    """The batched cost for B=2, G=50, A=8400, C=80 must stay far below the 270 MB of a B·G·A·C float tensor."""
    grid = make_grid((640, 640))
    gen = torch.Generator().manual_seed(7)
    cls, obj = torch.randn(2, grid.num_points, 80, generator=gen), torch.randn(2, grid.num_points, generator=gen)
    classes = torch.randint(0, 80, (2, 50), generator=gen)
    with torch.profiler.profile(profile_memory=True) as prof:
        class_cost(cls, obj, classes)
    biggest = max(e.cpu_memory_usage for e in prof.key_averages())  # bytes of the largest allocation
    assert 0 < biggest < 2 * 50 * grid.num_points * 80 * 4 / 4  # a quarter of B·G·A·C floats
