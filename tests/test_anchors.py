"""Anchors: parsing, the anchor grid, YOLOv3 decoding by hand, the darknet rule, k-means, and the loss."""

import math

import pytest
import torch

from yolox_edu.anchors import (
    YOLOV3_ANCHORS,
    format_anchors,
    kmeans_anchors,
    make_anchor_grid,
    mean_best_iou,
    parse_anchors,
    shape_iou,
)
from yolox_edu.assign import get_assigner
from yolox_edu.assign.yolov3 import darknet_match, yolov3_assign, yolov3_assign_batched
from yolox_edu.decode import MAX_LOG_WH, decode_anchor_boxes, decode_anchor_outputs, flatten_anchor_levels
from yolox_edu.grid import make_grid
from yolox_edu.loss import yolox_loss

SIZE = (64, 64)  # levels 8×8, 4×4, 2×2: N = 3·(64 + 16 + 4) = 252
COCO = parse_anchors("yolov3")


def test_parse_anchors_forms_agree():
    assert COCO.shape == (3, 3, 2)
    assert COCO[0, 0].tolist() == [10, 13] and COCO[2, 2].tolist() == [373, 326]
    text = format_anchors(COCO)
    assert text.startswith("10,13 16,30 33,23 30,61")
    assert torch.equal(parse_anchors(text), COCO)
    assert torch.equal(parse_anchors([list(p) for p in YOLOV3_ANCHORS]), COCO)
    assert torch.equal(parse_anchors(tuple(YOLOV3_ANCHORS)), COCO)


@pytest.mark.parametrize("bad", ["10,13 16,30", "ten,13", [[1, 2]] * 8, [[0, 1]] * 9])
def test_parse_anchors_refuses_bad_input(bad):
    with pytest.raises(ValueError, match="anchor"):
        parse_anchors(bad)


def test_anchor_grid_order_is_level_anchor_row_col():
    grid = make_anchor_grid(COCO, SIZE)
    assert grid.num_points == 3 * (64 + 16 + 4)
    # level 0, anchor 1, row 2, col 5 → 1·64 + 2·8 + 5
    assert grid.cells[85].tolist() == [5, 2] and grid.anchor_wh[85].tolist() == [16, 30] and grid.strides[85] == 8
    # level 1 starts at 192; anchor 2 row 3 col 0 → 192 + 2·16 + 3·4
    p = 192 + 32 + 12
    assert grid.cells[p].tolist() == [0, 3] and grid.anchor_wh[p].tolist() == [59, 119] and grid.strides[p] == 16
    assert grid.strides[-1] == 32 and grid.anchor_wh[-1].tolist() == [373, 326]


def test_anchor_decode_by_hand_equals_library():
    grid = make_anchor_grid(COCO, SIZE)
    reg = torch.zeros(1, grid.num_points, 4)
    p = 192 + 32 + 12  # level 1 (stride 16), anchor (59, 119), cell (i=0, j=3)
    reg[0, p] = torch.tensor([0.0, 2.0, math.log(2.0), -1.0])
    box = decode_anchor_boxes(reg, grid)[0, p]
    sig2 = 1 / (1 + math.exp(-2.0))
    expected = [(0.5 + 0) * 16, (sig2 + 3) * 16, 59 * 2.0, 119 * math.exp(-1.0)]
    assert box.tolist() == pytest.approx(expected, rel=1e-6)
    reg[0, p, 2] = 1e4  # a diverging head stays finite (clamped at MAX_LOG_WH)
    assert decode_anchor_boxes(reg, grid)[0, p, 2] == pytest.approx(59 * math.exp(MAX_LOG_WH), rel=1e-5)


def test_flatten_anchor_levels_regroups_channels_per_anchor():
    c = 2  # map channels: anchor k holds channels k·7 .. k·7 + 6
    maps = [torch.arange(3 * (5 + c) * h * w, dtype=torch.float).reshape(1, 3 * (5 + c), h, w)
            for h, w in ((8, 8), (4, 4), (2, 2))]
    rows = flatten_anchor_levels(maps, 3)  # (1, 252, 7)
    assert rows.shape == (1, 252, 7)
    # level 0, anchor 2, row 1, col 3 → map channels 14..20 at pixel (1, 3)
    assert rows[0, 2 * 64 + 1 * 8 + 3].tolist() == maps[0][0, 14:21, 1, 3].tolist()
    out = decode_anchor_outputs([m * 1e-3 for m in maps], COCO)
    assert out.shape == (1, 252, 7) and ((out[..., 4:] > 0) & (out[..., 4:] < 1)).all()


def gt(*rows):
    return torch.tensor(rows, dtype=torch.float)


def test_darknet_match_expected_indices():
    grid = make_anchor_grid(COCO, (320, 320))  # levels 40×40, 20×20, 10×10
    boxes = gt(
        [100.0, 50.0, 12, 14],  # best (10,13): level 0 anchor 0, cell col 12 row 6
        [200.0, 300.0, 60, 44],  # best (62,45): level 1 anchor 1, col 12 row 18
        [319.0, 5.0, 360, 320],  # best (373,326): level 2 anchor 2, col 9 row 0
        [33.0, 33.0, 30, 60],  # best (30,61): level 1 anchor 0, col 2 row 2
    )
    m = darknet_match(boxes, grid.level_anchors, (8, 16, 32), grid.level_shapes)
    assert m.level.tolist() == [0, 1, 2, 1]
    assert m.anchor.tolist() == [0, 1, 2, 0]
    assert m.col.tolist() == [12, 12, 9, 2]
    assert m.row.tolist() == [6, 18, 0, 2]
    o1, o2 = 3 * 1600, 3 * 1600 + 3 * 400
    assert m.index.tolist() == [6 * 40 + 12, o1 + 400 + 18 * 20 + 12, o2 + 200 + 9, o1 + 2 * 20 + 2]
    # the index points at a prediction with that anchor and that cell
    for k, idx in enumerate(m.index.tolist()):
        assert grid.cells[idx].tolist() == [m.col[k], m.row[k]]
        assert grid.anchor_wh[idx].tolist() == COCO[m.level[k], m.anchor[k]].tolist()


def test_yolov3_rule_one_positive_per_gt_and_ignore_mask():
    grid = make_anchor_grid(COCO, (320, 320))
    boxes = gt([100.0, 52.0, 12, 14], [200.0, 300.0, 60, 44], [160.0, 160.0, 300, 300])  # gt 0 on its cell centre
    pred = torch.cat((grid.centers, grid.anchor_wh), dim=1)  # (N, 4) every anchor at its cell centre
    pred[5] = boxes[1]  # an unchosen prediction that already sits on gt 1 exactly → ignored, not background
    r = yolov3_assign(pred, None, None, boxes, torch.zeros(3, dtype=torch.long), grid)
    assert r.num_fg == 3 and r.dynamic_k.tolist() == [1, 1, 1]
    fg = r.fg_mask.nonzero().flatten()
    expected = darknet_match(boxes, grid.level_anchors, (8, 16, 32), grid.level_shapes).index
    assert sorted(fg.tolist()) == sorted(expected.tolist())
    assert r.matched_gt[expected].tolist() == [0, 1, 2]
    assert r.ignore_mask[5] and not (r.ignore_mask & r.fg_mask).any()
    ious = shape_iou(torch.tensor([[12.0, 14]]), torch.tensor([[10.0, 13]]))[0, 0]
    assert r.matched_iou[expected[0]] == pytest.approx(float(ious), abs=1e-4)  # same centre


def test_yolov3_rule_batched_equals_per_image_and_padding():
    grid = make_anchor_grid(COCO, (320, 320))
    torch.manual_seed(0)
    preds = torch.cat((torch.rand(2, grid.num_points, 2) * 320, torch.rand(2, grid.num_points, 2) * 100 + 5), -1)
    gts = torch.zeros(2, 3, 4)
    gts[0, :2] = gt([50.0, 60, 30, 40], [250.0, 100, 150, 90])
    gts[1, :3] = gt([10.0, 300, 10, 12], [160.0, 160, 200, 250], [300.0, 20, 40, 80])
    valid = torch.tensor([[True, True, False], [True, True, True]])
    r = get_assigner("yolov3")(preds, None, None, gts, torch.zeros(2, 3, dtype=torch.long), valid, grid)
    assert r.fg_mask.sum(1).tolist() == [2, 3] and r.dynamic_k.tolist() == [[1, 1, 0], [1, 1, 1]]
    for b in range(2):
        n = int(valid[b].sum())
        one = yolov3_assign(preds[b], None, None, gts[b, :n], None, grid)
        assert torch.equal(one.fg_mask, r.fg_mask[b]) and torch.equal(one.ignore_mask, r.ignore_mask[b])
        assert torch.equal(one.matched_gt, r.matched_gt[b])


def test_yolov3_rule_shared_slot_goes_to_smaller_gt():
    grid = make_anchor_grid(COCO, (320, 320))
    boxes = gt([100.0, 50.0, 12, 14], [101.0, 51.0, 11, 13])  # same cell, same anchor
    pred = torch.cat((grid.centers, grid.anchor_wh), dim=1)
    r = yolov3_assign(pred, None, None, boxes, None, grid)
    assert r.num_fg == 1 and r.matched_gt[r.fg_mask].tolist() == [1]


def test_yolov3_rule_refuses_anchor_free_grid():
    grid = make_grid((64, 64))
    with pytest.raises(TypeError, match="needs anchors"):
        yolov3_assign_batched(torch.zeros(1, 84, 4), None, None, torch.zeros(1, 1, 4), None,
                              torch.ones(1, 1, dtype=torch.bool), grid)


def test_kmeans_recovers_clusters_and_beats_coco_anchors():
    torch.manual_seed(0)
    centres = torch.tensor([[8.0, 8], [20, 40], [40, 20], [60, 60], [100, 50], [50, 100], [120, 120],
                            [200, 150], [250, 250]])
    wh = (centres.repeat_interleave(30, 0) * (1 + 0.05 * torch.randn(270, 2))).clamp(min=1)
    ours = kmeans_anchors(wh, 9, seed=0)
    assert torch.equal(ours, kmeans_anchors(wh, 9, seed=0))  # deterministic
    assert (ours.prod(1)[1:] >= ours.prod(1)[:-1]).all()  # sorted by area
    assert mean_best_iou(wh, ours) > 0.85
    assert mean_best_iou(wh, ours) > mean_best_iou(wh, COCO)
    assert mean_best_iou(centres, centres) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="at least"):
        kmeans_anchors(wh[:3], 9)


def anchor_maps(c=2, b=2, size=64, k=3, seed=0):
    torch.manual_seed(seed)
    return [(0.1 * torch.randn(b, k * (5 + c), size // s, size // s)).requires_grad_() for s in (8, 16, 32)]


def test_loss_with_anchors_has_all_parts_and_ignores():
    maps = anchor_maps()
    targets = torch.zeros(2, 4, 5)
    targets[0, 0] = torch.tensor([1.0, 20, 20, 12, 14])
    targets[0, 1] = torch.tensor([0.0, 40, 40, 40, 50])
    targets[1, 0] = torch.tensor([1.0, 30, 30, 60, 60])
    out = yolox_loss(maps, targets, assigner="yolov3", anchors=COCO, use_l1=True)
    assert out["num_fg"] == 3  # one positive per gt
    for key in ("iou", "obj", "cls", "l1"):
        assert torch.isfinite(out[key]) and out[key] > 0
    out["total"].backward()
    assert all(m.grad is not None for m in maps)


def test_loss_without_targets_keeps_graph_with_anchors():
    maps = anchor_maps()
    out = yolox_loss(maps, torch.zeros(2, 3, 5), assigner="yolov3", anchors=COCO)
    assert out["num_fg"] == 0
    out["total"].backward()


def test_loss_refuses_mixed_rules():
    with pytest.raises(ValueError, match="anchor-free"):
        yolox_loss(anchor_maps(), torch.zeros(2, 1, 5), assigner="simota", anchors=COCO)
    with pytest.raises(ValueError, match="needs anchors"):
        yolox_loss(anchor_maps(k=1), torch.zeros(2, 1, 5), assigner="yolov3")
