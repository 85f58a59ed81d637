"""Grading tests of exercises/nms.py."""

from __future__ import annotations

import pytest
import torch
from torchvision.ops import batched_nms as tv_batched_nms
from torchvision.ops import nms as tv_nms

from yolox_edu.grading.checks import distinct_scores, expect_tensor, gen

EXERCISE = "nms"


NMS_HINT = ("sort by score (highest first); keep the best, drop every remaining box whose IoU with it is "
            "strictly greater than the threshold, repeat. Return int64 indices into the ORIGINAL boxes, best first")


def clustered(n: int, seed: int) -> torch.Tensor:
    """Boxes in a few clusters, so that NMS has real work to do."""
    g = gen(seed)
    centers = torch.rand(4, 2, generator=g) * 80  # (4, 2)
    pick = torch.randint(0, 4, (n,), generator=g)  # (n,)
    low = centers[pick] + torch.randn(n, 2, generator=g) * 4  # (n, 2)
    side = 15 + torch.rand(n, 2, generator=g) * 10  # (n, 2)
    return torch.cat((low, low + side), dim=1)  # (n, 4)


@pytest.mark.points(3)
@pytest.mark.hint(NMS_HINT)
def test_nms_random(ex):
    for seed, thresh in ((50, 0.5), (51, 0.3), (52, 0.7)):
        boxes, scores = clustered(40, seed), distinct_scores(40, seed)
        expect_tensor(ex.nms(boxes.clone(), scores.clone(), thresh), tv_nms(boxes, scores, thresh),
                      f"nms kept indices (40 boxes, threshold {thresh})")


@pytest.mark.points(1)
@pytest.mark.hint("a box is removed only when its IoU is strictly GREATER than the threshold (> not >=)")
def test_nms_iou_equal_to_threshold(ex):
    boxes = torch.tensor([[0.0, 0, 3, 1], [1, 0, 4, 1], [0, 5, 2, 7]])  # boxes 0 and 1: IoU exactly 0.5
    scores = torch.tensor([0.9, 0.8, 0.7])
    expect_tensor(ex.nms(boxes, scores, 0.5), tv_nms(boxes, scores, 0.5), "nms with an IoU equal to the threshold")


@pytest.mark.points(1)
@pytest.mark.hint("with no boxes return torch.zeros(0, dtype=torch.int64); one box is always kept")
def test_nms_no_box_and_one_box(ex):
    expect_tensor(ex.nms(torch.zeros(0, 4), torch.zeros(0), 0.5), torch.zeros(0, dtype=torch.int64),
                  "nms of no boxes")
    expect_tensor(ex.nms(torch.tensor([[1.0, 2, 3, 4]]), torch.tensor([0.3]), 0.5), torch.zeros(1, dtype=torch.int64),
                  "nms of one box")


@pytest.mark.points(3)
@pytest.mark.hint("run nms per class (labels == c) and map the kept positions back to the original "
                       "indices; then order all kept boxes by score, highest first")
def test_batched_nms_random(ex):
    for seed in (60, 61):
        boxes, scores = clustered(50, seed), distinct_scores(50, seed)
        labels = torch.randint(0, 3, (50,), generator=gen(seed))
        expect_tensor(ex.batched_nms(boxes, scores, labels, 0.5), tv_batched_nms(boxes, scores, labels, 0.5),
                      "batched_nms kept indices (50 boxes, 3 classes)")


@pytest.mark.points(1)
@pytest.mark.hint("boxes of different classes never suppress each other; no boxes → an empty int64 tensor")
def test_batched_nms_classes_and_empty(ex):
    boxes = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 10]])
    scores, labels = torch.tensor([0.9, 0.8]), torch.tensor([0, 1])
    expect_tensor(ex.batched_nms(boxes, scores, labels, 0.5), tv_batched_nms(boxes, scores, labels, 0.5),
                  "batched_nms of two identical boxes of different classes")
    expect_tensor(ex.batched_nms(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.int64), 0.5),
                  torch.zeros(0, dtype=torch.int64), "batched_nms of no boxes")
