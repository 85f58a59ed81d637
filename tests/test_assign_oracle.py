"""Parity with the official YOLOX 0.3.0 head: same predictions and targets → same assignment and losses.

The official ``YOLOXHead`` runs in train mode on random features; forward hooks capture its raw
per-level outputs (our input), and a wrapper around its ``get_assignments`` records its per-image
assignment. Skipped when the official package is not installed.
"""

from __future__ import annotations

import warnings

import pytest
import torch

from yolox_edu.assign import get_assigner
from yolox_edu.decode import decode_boxes, flatten_levels, grid_for
from yolox_edu.loss import split_targets, yolox_loss

pytest.importorskip("yolox")
yolox_models = pytest.importorskip("yolox.models")

pytestmark = pytest.mark.oracle

NUM_CLASSES, WIDTH, SIZE, STRIDES = 4, 0.25, (128, 160), (8, 16, 32)


def _targets(gen: torch.Generator, batch: int, max_gt: int) -> torch.Tensor:
    """(B, max_gt, 5) labels; image 0 gets no objects, padding rows at the end (official convention)."""
    h, w = SIZE
    labels = torch.zeros(batch, max_gt, 5)
    for b in range(1, batch):
        n = int(torch.randint(1, max_gt + 1, (1,), generator=gen))
        wh = torch.rand(n, 2, generator=gen) * torch.tensor([w * 0.6, h * 0.6]) + 3  # includes < stride boxes
        cxy = torch.rand(n, 2, generator=gen) * torch.tensor([w, h])  # may stick out of the image
        cls = torch.randint(0, NUM_CLASSES, (n, 1), generator=gen).float()
        labels[b, :n] = torch.cat((cls, cxy, wh), dim=1)
    return labels


def _run_official(seed: int, batch: int = 4, max_gt: int = 10, use_l1: bool = False):
    """Official head losses plus its raw outputs and recorded per-image assignments."""
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    head = yolox_models.YOLOXHead(NUM_CLASSES, WIDTH, in_channels=[256, 512, 1024])
    head.initialize_biases(1e-2)
    with torch.no_grad():
        for conv in head.reg_preds:  # boxes of about 3-5 cells: real overlaps, k > 1, contested points
            conv.bias[2:] += 1.3
    head.train()
    head.use_l1 = use_l1
    feats = [
        torch.randn(batch, int(c * WIDTH), SIZE[0] // s, SIZE[1] // s, generator=gen)
        for c, s in zip((256, 512, 1024), STRIDES)
    ]
    captured: dict[str, list[torch.Tensor]] = {"reg": [], "obj": [], "cls": []}
    for name in captured:
        for conv in getattr(head, f"{name}_preds"):
            conv.register_forward_hook(lambda _m, _i, out, n=name: captured[n].append(out.detach().clone()))
    records = []
    original = head.get_assignments

    def recording(batch_idx, num_gt, *args, **kwargs):
        out = original(batch_idx, num_gt, *args, **kwargs)
        records.append((batch_idx, out[1].clone(), out[3].clone(), out[2].clone()))  # fg, matched gt, IoU
        return out

    head.get_assignments = recording
    labels = _targets(gen, batch, max_gt)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        official = head(feats, labels=labels, imgs=None)
    maps = [torch.cat((r, o, c), 1) for r, o, c in zip(captured["reg"], captured["obj"], captured["cls"])]
    return [float(torch.as_tensor(v).detach()) for v in official], maps, labels, records


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_assignment_matches_official(seed):
    _, maps, labels, records = _run_official(seed)
    raw = flatten_levels(maps)  # (B, A, 5 + C)
    grid = grid_for(maps, STRIDES)
    boxes = decode_boxes(raw[..., :4], grid)
    gt_boxes, gt_classes, valid = split_targets(labels, NUM_CLASSES)
    ours = get_assigner("simota")(boxes, raw[..., 5:], raw[..., 4], gt_boxes, gt_classes, valid, grid)
    assert len(records) == labels.shape[0] - 1  # image 0 has no objects: the official code skips it
    assert not ours.fg_mask[0].any()
    for b, fg, matched, iou in records:
        assert torch.equal(ours.fg_mask[b], fg)
        assert torch.equal(ours.matched_gt[b][fg], matched)
        torch.testing.assert_close(ours.matched_iou[b][fg], iou, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("seed", "use_l1"), [(0, False), (3, True)])
def test_losses_match_official(seed, use_l1):
    official, maps, labels, records = _run_official(seed, use_l1=use_l1)
    total, iou5, obj, cls, l1, fg_per_gt = official
    ours = yolox_loss(maps, labels, STRIDES, use_l1=use_l1)
    num_gt = int((labels.sum(-1) > 0).sum())
    for name, expected in [("total", total), ("iou", iou5), ("obj", obj), ("cls", cls), ("l1", l1)]:
        assert float(ours[name]) == pytest.approx(expected, rel=1e-5, abs=1e-7), name
    assert float(ours["num_fg"]) / num_gt == pytest.approx(fg_per_gt)
    assert float(ours["num_fg"]) == sum(int(fg.sum()) for _, fg, _, _ in records)
    assert float(ours["total"]) == pytest.approx(sum(float(ours[k]) for k in ("iou", "obj", "cls", "l1")))
