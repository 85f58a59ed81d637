"""The YOLOX loss: a hand-computed case, empty images, options, bad input, and distributed scaling."""

from __future__ import annotations

import math

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F

from yolox_edu.assign import ASSIGNER_NAMES
from yolox_edu.grid import make_grid
from yolox_edu.loss import LOSS_KEYS, iou_loss, l1_targets, split_targets, yolox_loss

pytestmark = pytest.mark.filterwarnings("ignore:Converting a tensor with requires_grad")

SIZE, STRIDES, C = (64, 64), (8, 16, 32), 2


def maps_from_flat(raw: torch.Tensor) -> list[torch.Tensor]:
    """(B, A, 5 + C) rows back to per-level (B, 5 + C, h, w) maps for a 64×64 input."""
    out, start = [], 0
    for s in STRIDES:
        h, w = SIZE[0] // s, SIZE[1] // s
        out.append(raw[:, start : start + h * w].permute(0, 2, 1).reshape(raw.shape[0], -1, h, w))
        start += h * w
    return out


def random_maps(gen: torch.Generator, batch: int, size=SIZE, classes: int = C) -> list[torch.Tensor]:
    maps = []
    for s in STRIDES:
        m = torch.randn(batch, 5 + classes, size[0] // s, size[1] // s, generator=gen) * 0.5
        m[:, 2:4] += 1.0  # boxes of a few cells: plenty of overlap with the gts
        maps.append(m.requires_grad_())
    return maps


def random_targets(gen: torch.Generator, batch: int, max_gt: int, size=SIZE, classes: int = C) -> torch.Tensor:
    t = torch.zeros(batch, max_gt, 5)
    for b in range(batch):
        n = int(torch.randint(0, max_gt + 1, (1,), generator=gen))
        t[b, :n, 0] = torch.randint(0, classes, (n,), generator=gen).float()
        t[b, :n, 1:3] = torch.rand(n, 2, generator=gen) * torch.tensor(size[::-1])
        t[b, :n, 3:5] = torch.rand(n, 2, generator=gen) * 30 + 4
    return t


def test_hand_computed_loss():
    """One gt, three perfect predictions (so k = 3 and IoU loss 0), all logits 0 except known ones."""
    grid = make_grid(SIZE)
    gt = torch.tensor([28.0, 28.0, 16.0, 16.0])
    good = [27, 64 + 5, 18]  # (3, 3) stride 8, (1, 1) stride 16, (2, 2) stride 8
    raw = torch.zeros(1, grid.num_points, 5 + C)
    raw[0, :, :2] = -50.0  # every other box far away (top-left, outside the image)
    raw[0, :, 2:4] = math.log(0.1)
    stride = grid.strides[good][:, None]
    raw[0, good, :2] = gt[:2] / stride - grid.cells[good]  # exact decoded copies of the gt
    raw[0, good, 2:4] = torch.log(gt[2:] / stride)
    targets = torch.tensor([[[1.0, *gt.tolist()]]])
    out = yolox_loss(maps_from_flat(raw), targets, STRIDES, use_l1=True)
    assert set(out) == set(LOSS_KEYS) and float(out["num_fg"]) == 3
    a = grid.num_points
    assert float(out["iou"]) == pytest.approx(0.0, abs=1e-5)
    assert float(out["obj"]) == pytest.approx(a * math.log(2) / 3)  # BCE(0, y) = log 2 for every point
    assert float(out["cls"]) == pytest.approx(2 * math.log(2))  # 3 points × 2 classes × log 2 / 3
    assert float(out["l1"]) == pytest.approx(0.0, abs=1e-5)  # raw outputs equal their L1 targets
    assert float(out["total"]) == pytest.approx(sum(float(out[k]) for k in ("iou", "obj", "cls", "l1")))


def test_image_without_objects_gives_objectness_only_and_keeps_graph():
    gen = torch.Generator().manual_seed(0)
    maps = random_maps(gen, batch=2)
    out = yolox_loss(maps, torch.zeros(2, 4, 5), STRIDES, use_l1=True)
    assert float(out["num_fg"]) == 0 and float(out["iou"]) == float(out["cls"]) == float(out["l1"]) == 0
    obj = torch.cat([m[:, 4].flatten(1) for m in maps], 1)
    expected = F.binary_cross_entropy_with_logits(obj, torch.zeros_like(obj), reduction="sum")  # / max(0, 1)
    assert float(out["obj"]) == pytest.approx(float(expected), rel=1e-6)
    out["total"].backward()
    assert all(m.grad is not None for m in maps)
    assert all(m.grad[:, 5:].abs().sum() == 0 for m in maps)  # class channels: connected, zero gradient


def test_padding_rows_anywhere_and_totals():
    gen = torch.Generator().manual_seed(1)
    maps = random_maps(gen, batch=3)
    targets = random_targets(gen, batch=3, max_gt=6)
    shuffled = targets[:, torch.randperm(6, generator=gen)]  # padding rows now between real ones
    a, b = yolox_loss(maps, targets, STRIDES), yolox_loss(maps, shuffled, STRIDES)
    assert float(a["num_fg"]) > 0
    for key in ("obj", "iou", "num_fg"):  # order-independent parts (cls/matching may differ only on exact ties)
        assert float(a[key]) == pytest.approx(float(b[key]), rel=1e-5)
    assert float(a["total"]) == pytest.approx(sum(float(a[k]) for k in ("iou", "obj", "cls", "l1")))


def test_padding_to_120_rows_changes_nothing():
    gen = torch.Generator().manual_seed(9)
    maps, targets = random_maps(gen, 3), random_targets(gen, 3, 5)
    padded = torch.cat((targets, torch.zeros(3, 115, 5)), dim=1)  # the training loader pads to 120
    a, b = yolox_loss(maps, targets, use_l1=True), yolox_loss(maps, padded, use_l1=True)
    assert all(float(a[k]) == float(b[k]) for k in ("total", "iou", "obj", "cls", "l1", "num_fg"))


def test_giou_option_and_iou_loss_values():
    box = torch.tensor([[10.0, 10.0, 4.0, 4.0]])
    assert float(iou_loss(box, box)) == pytest.approx(0.0)
    shifted = torch.tensor([[12.0, 10.0, 4.0, 4.0]])  # IoU 1/3
    assert float(iou_loss(shifted, box)) == pytest.approx(1 - 1 / 9)
    far = torch.tensor([[30.0, 10.0, 4.0, 4.0]])  # GIoU = 0 − (enclosing 24·4 − 32) / 96 = −2/3
    assert float(iou_loss(far, box, "giou")) == pytest.approx(1 + 2 / 3)
    gen = torch.Generator().manual_seed(2)
    maps, targets = random_maps(gen, 2), random_targets(gen, 2, 4)
    assert float(yolox_loss(maps, targets, iou_type="giou")["iou"]) != float(yolox_loss(maps, targets)["iou"])
    with pytest.raises(ValueError, match="iou_type"):
        yolox_loss(maps, targets, iou_type="diou")


def test_l1_targets_invert_decoding():
    grid = make_grid(SIZE)
    points = torch.tensor([0, 70, 83])
    gt = torch.tensor([[5.0, 6.0, 7.0, 8.0], [30.0, 20.0, 40.0, 10.0], [60.0, 60.0, 64.0, 64.0]])
    t = l1_targets(gt, grid, points)
    s = grid.strides[points][:, None]
    torch.testing.assert_close((t[:, :2] + grid.cells[points]) * s, gt[:, :2])
    torch.testing.assert_close(t[:, 2:].exp() * s, gt[:, 2:], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("rule", ASSIGNER_NAMES)
def test_every_assigner_trains(rule):
    gen = torch.Generator().manual_seed(3)
    maps, targets = random_maps(gen, 2), random_targets(gen, 2, 5)
    targets[0, 0] = torch.tensor([1.0, 30.0, 30.0, 20.0, 20.0])  # at least one object
    out = yolox_loss(maps, targets, assigner=rule, use_l1=True)
    assert float(out["num_fg"]) > 0 and torch.isfinite(out["total"])
    out["total"].backward()


def test_assigner_kwargs_reach_the_rule():
    gen = torch.Generator().manual_seed(4)
    maps, targets = random_maps(gen, 2), random_targets(gen, 2, 5)
    targets[0, 0] = torch.tensor([1.0, 30.0, 30.0, 20.0, 20.0])
    one = yolox_loss(maps, targets, assigner="center-3x3", assigner_kwargs={"patch": 1})
    assert float(one["num_fg"]) == float(yolox_loss(maps, targets, assigner="center-1")["num_fg"])


def test_bad_inputs_have_clear_errors():
    gen = torch.Generator().manual_seed(5)
    maps = random_maps(gen, 1)
    with pytest.raises(ValueError, match=r"targets must be \(B, G, 5\)"):
        yolox_loss(maps, torch.zeros(1, 5))
    with pytest.raises(ValueError, match="class ids outside 0..1"):
        yolox_loss(maps, torch.tensor([[[7.0, 10, 10, 5, 5]]]))
    with pytest.raises(ValueError, match="expected 3 output maps"):
        yolox_loss(maps[:2], torch.zeros(1, 1, 5))
    with pytest.raises(ValueError, match="unknown assigner"):
        yolox_loss(maps, torch.zeros(1, 1, 5), assigner="atss")
    with pytest.raises(ValueError, match="class ids"):
        split_targets(torch.tensor([[[0.5, 10, 10, 5, 5]]]), 2)


def test_autocast_bfloat16_runs():
    gen = torch.Generator().manual_seed(6)
    maps, targets = random_maps(gen, 2), random_targets(gen, 2, 5)
    targets[0, 0] = torch.tensor([1.0, 30.0, 30.0, 20.0, 20.0])
    with torch.autocast("cpu", dtype=torch.bfloat16):
        out = yolox_loss([m.bfloat16() for m in maps], targets)
    assert torch.isfinite(out["total"]) and float(out["num_fg"]) > 0


def _grads(maps, targets):
    for m in maps:
        m.grad = None
    yolox_loss(maps, targets, use_l1=True)["total"].backward()
    return [m.grad.clone() for m in maps]


def test_two_processes_give_the_gradients_of_one(monkeypatch):
    """Simulate DDP with 2 ranks: each normalises by the all-reduced fg count / 2, DDP averages gradients.

    The all-reduce is faked (the total fg of both halves, known from a first pass) so the test runs in
    one process; a real one-process gloo group is exercised in the next test.
    """
    gen = torch.Generator().manual_seed(7)
    maps, targets = random_maps(gen, 4), random_targets(gen, 4, 6)
    full = _grads(maps, targets)
    halves = [([m[:2].detach().requires_grad_() for m in maps], targets[:2]),
              ([m[2:].detach().requires_grad_() for m in maps], targets[2:])]
    fg_total = sum(float(yolox_loss(m, t)["num_fg"]) for m, t in halves)
    assert fg_total > 0
    monkeypatch.setattr(dist, "is_initialized", lambda: True)
    monkeypatch.setattr(dist, "get_world_size", lambda: 2)
    monkeypatch.setattr(dist, "all_reduce", lambda t, *a, **k: t.fill_(fg_total))
    per_rank = [_grads(m, t) for m, t in halves]
    for level, g in enumerate(full):
        ddp = torch.cat([per_rank[0][level], per_rank[1][level]]) / 2  # DDP: mean over ranks
        torch.testing.assert_close(ddp, g, rtol=1e-5, atol=1e-7)


def test_real_single_process_group(tmp_path):
    gen = torch.Generator().manual_seed(8)
    maps, targets = random_maps(gen, 2), random_targets(gen, 2, 4)
    plain = yolox_loss(maps, targets)
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        grouped = yolox_loss(maps, targets)
    finally:
        dist.destroy_process_group()
    assert float(grouped["total"]) == pytest.approx(float(plain["total"]))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_maps_give_a_finite_loss(dtype):
    """Maps as a half-precision forward pass leaves them (8 images at 640², objectness and class logits near
    their −4.6 prior): their plain sum is far past fp16's 65504, yet the loss must stay finite and close."""
    gen = torch.Generator().manual_seed(12)
    maps = random_maps(gen, 8, size=(640, 640))
    with torch.no_grad():
        for m in maps:
            m[:, 4:] -= 4.6
    targets = random_targets(gen, 8, 6, size=(640, 640))
    full = yolox_loss(maps, targets, use_l1=True)
    half = [m.detach().to(dtype).requires_grad_() for m in maps]
    with torch.autocast("cpu", dtype=dtype):
        low = yolox_loss(half, targets, use_l1=True)
    assert torch.isfinite(low["total"]), {k: float(low[k]) for k in LOSS_KEYS}
    assert float(low["total"]) == pytest.approx(float(full["total"]), rel=0.02)
    low["total"].backward()
    assert all(torch.isfinite(m.grad).all() for m in half)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("rule", ASSIGNER_NAMES)
def test_cuda_matches_cpu(rule):
    gen = torch.Generator().manual_seed(10)
    maps, targets = random_maps(gen, 3), random_targets(gen, 3, 6)
    targets[0, 0] = torch.tensor([1.0, 30.0, 30.0, 20.0, 20.0])
    cpu = yolox_loss(maps, targets, assigner=rule, use_l1=True)
    gpu = yolox_loss([m.detach().cuda() for m in maps], targets.cuda(), assigner=rule, use_l1=True)
    for key in LOSS_KEYS:
        assert float(gpu[key]) == pytest.approx(float(cpu[key]), rel=1e-4, abs=1e-5), key
