"""Grading tests of exercises/iou_loss.py."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from yolox_edu.boxes import aligned_iou
from yolox_edu.grading.checks import Fail, expect, expect_tensor, gen, random_cxcywh
from yolox_edu.loss import iou_loss

EXERCISE = "iou_loss"


def pairs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Row-aligned cxcywh predictions and targets that mostly overlap."""
    target = random_cxcywh(n, seed)
    pred = target + torch.randn(n, 4, generator=gen(seed + 1)) * torch.tensor([3.0, 3.0, 2.0, 2.0])
    pred[:, 2:] = pred[:, 2:].clamp(min=1.0)
    return pred, target


IOU_HINT = ("each row pairs one prediction with one target, both cxcywh; boxes that do not overlap have "
            "no negative intersection")


@pytest.mark.points(2)
@pytest.mark.hint(IOU_HINT)
def test_aligned_iou_random(ex):
    pred, target = pairs(20, 130)
    expect_tensor(ex.aligned_iou(pred.clone(), target.clone()), aligned_iou(pred, target), "aligned_iou of 20 pairs")


@pytest.mark.points(1)
@pytest.mark.hint(IOU_HINT + "; far apart or edge-touching boxes have IoU 0, never negative; F = 0 → (0,)")
def test_aligned_iou_edge_cases(ex):
    pred = torch.tensor([[5.0, 5, 10, 10], [5, 5, 10, 10], [5, 5, 10, 10], [50, 50, 4, 4], [5, 5, 0, 0]])
    target = torch.tensor([[5.0, 5, 10, 10], [15, 5, 10, 10], [40, 40, 10, 10], [50, 50, 2, 2], [5, 5, 0, 0]])
    expect_tensor(ex.aligned_iou(pred, target), aligned_iou(pred, target),
                  "aligned_iou of identical, edge-touching, disjoint, nested and zero-size pairs")
    expect_tensor(ex.aligned_iou(torch.zeros(0, 4), torch.zeros(0, 4)), torch.zeros(0), "aligned_iou of F = 0 pairs")


@pytest.mark.points(2)
@pytest.mark.hint("YOLOX's loss is 1 − IoU² (squared), per box, computed with differentiable torch ops")
def test_iou_loss_values_and_gradient(ex):
    pred, target = pairs(12, 131)
    mine, theirs = pred.clone().requires_grad_(), pred.clone().requires_grad_()
    got, want = ex.iou_loss(mine, target), iou_loss(theirs, target)
    expect_tensor(got, want, "iou_loss of 12 pairs")
    if not got.requires_grad:
        raise Fail("iou_loss: the result carries no gradient (was it computed under no_grad, or with .item()?)")
    got.sum().backward()
    want.sum().backward()
    expect_tensor(mine.grad, theirs.grad, "the gradient of iou_loss(pred).sum() with respect to pred", atol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint("the target is one-hot at the gt class, scaled by the IoU; a target must not carry a gradient back "
                  "into the box branch; keep the IoUs' dtype")
def test_class_targets_values(ex):
    classes = torch.tensor([0, 3, 3, 1, 4])
    ious = torch.rand(5, generator=gen(132)).requires_grad_()
    got = ex.class_targets(classes, ious, 5)
    want = F.one_hot(classes, 5).float() * ious.detach()[:, None]
    expect_tensor(got, want, "class_targets of 5 points, 5 classes")
    expect(not got.requires_grad, "class_targets: the target carries a gradient; detach the IoUs")
    expect_tensor(ex.class_targets(torch.zeros(0, dtype=torch.int64), torch.zeros(0), 5), torch.zeros(0, 5),
                  "class_targets of F = 0 points")


@pytest.mark.points(1)
@pytest.mark.hint("one number for all points and classes: summed, not averaged; from logits, so it stays stable "
                  "at large logits")
def test_class_loss_values(ex):
    g = gen(133)
    logits, targets = torch.randn(6, 4, generator=g) * 2, torch.rand(6, 4, generator=g)
    expect_tensor(ex.class_loss(logits, targets), F.binary_cross_entropy_with_logits(logits, targets, reduction="sum"),
                  "class_loss of (6, 4) logits", atol=1e-4)
    big = torch.tensor([[30.0, -30.0, 100.0, -100.0]])  # saturated sigmoids: only a loss from logits gets these right
    expect_tensor(ex.class_loss(big, torch.tensor([[0.0, 1.0, 0.5, 0.2]])),
                  F.binary_cross_entropy_with_logits(big, torch.tensor([[0.0, 1.0, 0.5, 0.2]]), reduction="sum"),
                  "class_loss of logits ±30 and ±100", atol=1e-3)
