import math

import pytest
import torch

from yolox_edu.decode import decode_boxes, decode_outputs, flatten_levels, postprocess
from yolox_edu.grid import make_grid


def test_grid_order_and_centers():
    grid = make_grid((64, 96))
    assert grid.level_shapes == ((8, 12), (4, 6), (2, 3))
    assert grid.num_points == 96 + 24 + 6
    # row-major: second point is column 1 of row 0 at stride 8; first point of level 2 is (0, 0) at stride 16
    assert grid.cells[1].tolist() == [1.0, 0.0] and grid.cells[12].tolist() == [0.0, 1.0]
    assert grid.strides[96].item() == 16 and grid.cells[96].tolist() == [0.0, 0.0]
    assert grid.centers[13].tolist() == [12.0, 12.0]  # cell (1, 1) at stride 8


def test_decode_hand_computed():
    # one level of 2×2 cells, stride 8; point (i=1, j=0) predicts tx=0.5, ty=0.25, tw=log 2, th=0
    reg = torch.zeros(1, 4, 4)
    reg[0, 1] = torch.tensor([0.5, 0.25, math.log(2.0), 0.0])
    grid = make_grid(strides=(8,), level_shapes=[(2, 2)])
    boxes = decode_boxes(reg, grid)
    assert torch.allclose(boxes[0, 1], torch.tensor([(0.5 + 1) * 8, (0.25 + 0) * 8, 16.0, 8.0]))
    assert torch.allclose(boxes[0, 2], torch.tensor([0.0, 8.0, 8.0, 8.0]))  # (i=0, j=1), raw zeros


def test_decode_outputs_and_flatten():
    maps = [torch.zeros(2, 7, 4, 4), torch.zeros(2, 7, 2, 2), torch.zeros(2, 7, 1, 1)]
    maps[1][1, 4, 1, 0] = 2.0  # image 1, level 1, row 1, col 0: objectness logit 2
    flat = flatten_levels(maps)
    assert flat.shape == (2, 21, 7) and flat[1, 16 + 2, 4] == 2.0
    out = decode_outputs(maps, strides=(8, 16, 32))
    assert torch.allclose(out[1, 18, 4], torch.sigmoid(torch.tensor(2.0)))
    assert torch.allclose(out[1, 18, :4], torch.tensor([0.0, 16.0, 16.0, 16.0]))  # (tx + i)·s, (ty + j)·s


def _rows(boxes_cxcywh, obj, cls_probs):
    return torch.cat([torch.tensor(boxes_cxcywh, dtype=torch.float32), torch.tensor(obj)[:, None],
                      torch.tensor(cls_probs)], dim=1)[None]


def test_postprocess_nms_hand_made():
    preds = _rows(
        [[50, 50, 40, 40], [52, 50, 40, 40], [51, 51, 40, 40], [150, 150, 20, 20], [50, 50, 40, 40]],
        [0.9, 0.8, 0.9, 0.9, 0.05],
        [[0.9, 0.1], [0.9, 0.1], [0.2, 0.8], [0.5, 0.4], [0.9, 0.1]],
    )
    det = postprocess(preds, conf_thresh=0.1, nms_thresh=0.45)[0]
    # box 1 is suppressed by box 0 (same class, IoU ≈ 0.9); box 2 survives (other class); box 4 is under conf
    assert det.scores.tolist() == sorted(det.scores.tolist(), reverse=True)
    assert sorted(zip(det.labels.tolist(), [round(s, 2) for s in det.scores.tolist()])) == [
        (0, 0.45), (0, 0.81), (1, 0.72)]
    assert torch.allclose(det.boxes[0], torch.tensor([30.0, 30.0, 70.0, 70.0]))
    agnostic = postprocess(preds, conf_thresh=0.1, nms_thresh=0.45, class_agnostic=True)[0]
    assert len(agnostic) == 2


def test_postprocess_empty_and_max():
    preds = torch.zeros(3, 10, 8)
    dets = postprocess(preds, conf_thresh=0.5)
    assert [len(d) for d in dets] == [0, 0, 0] and dets[0].boxes.shape == (0, 4)


def test_decoded_sizes_stay_finite_for_a_diverging_head():
    """A raw tw of 100 (seen from a half-trained fp16 head) must not give inf/−inf boxes."""
    from yolox_edu.decode import MAX_LOG_WH, decode_boxes, grid_for

    maps = [torch.zeros(1, 4, 4, 4), torch.zeros(1, 4, 2, 2), torch.zeros(1, 4, 1, 1)]
    grid = grid_for(maps)
    reg = torch.zeros(1, grid.cells.shape[0], 4)
    reg[0, 0, 2:] = torch.tensor([100.0, 3.0])
    boxes = decode_boxes(reg, grid)
    assert torch.isfinite(boxes).all()
    assert boxes[0, 0, 2] == pytest.approx(8 * torch.exp(torch.tensor(MAX_LOG_WH)).item(), rel=1e-6)
    assert boxes[0, 0, 3] == pytest.approx(8 * torch.exp(torch.tensor(3.0)).item(), rel=1e-6), "real sizes unchanged"
