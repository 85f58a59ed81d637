"""Grading tests of exercises/focus.py: the fold against the official Focus for b = 2 and a reference for any b,
the unfold against the reference fold."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.grading.checks import expect_tensor, gen
from yolox_edu.models.blocks import Focus

EXERCISE = "focus"


def reference_fold(x: torch.Tensor, b: int) -> torch.Tensor:
    """(B, C, H, W) → (B, b²C, H/b, W/b) via reshape: group k = column offset · b + row offset."""
    n, c, h, w = x.shape
    patches = x.reshape(n, c, h // b, b, w // b, b)  # (B, C, h, dy, w, dx)
    return patches.permute(0, 5, 3, 1, 2, 4).reshape(n, b * b * c, h // b, w // b)  # (B, [dx, dy, C], h, w)


def official_fold(x: torch.Tensor) -> torch.Tensor:
    """The library's Focus stem with an identity 1×1 conv, a neutral BN and no activation: its space-to-depth."""
    focus = Focus(x.shape[1], 4 * x.shape[1]).eval()
    conv = focus.conv  # BaseConv: conv → bn → act
    with torch.no_grad():
        conv.conv.weight.copy_(torch.eye(4 * x.shape[1])[:, :, None, None])
        conv.bn.running_var.fill_(1 - conv.bn.eps)
    conv.act = torch.nn.Identity()
    with torch.no_grad():
        return focus(x)


@pytest.mark.points(2)
@pytest.mark.hint("for b = 2 the channel groups go top-left, bottom-left, top-right, bottom-right: the row offset "
                  "changes first. Check yourself on the docstring's 2 × 2 example")
def test_fold_matches_the_official_focus(ex):
    x = torch.randn(2, 3, 8, 12, generator=gen(1))
    expect_tensor(ex.space_to_depth(x.clone(), 2), official_fold(x), "space_to_depth(x, 2) of a (2, 3, 8, 12) input",
                  atol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint("with b = 3 there are 9 groups; group k has row offset k mod b and column offset k div b — is "
                  "the block size used everywhere, or is a 2 left somewhere?")
def test_fold_any_block(ex):
    for b, shape in ((3, (1, 2, 9, 6)), (4, (2, 1, 8, 16)), (1, (1, 3, 5, 7))):
        x = torch.randn(*shape, generator=gen(b))
        expect_tensor(ex.space_to_depth(x, b), reference_fold(x, b), f"space_to_depth on {shape} with b = {b}")


@pytest.mark.points(1)
@pytest.mark.hint("keep the dtype (integers too) and let B = 0 work")
def test_fold_dtype_and_empty_batch(ex):
    x = torch.arange(2 * 1 * 6 * 6).reshape(2, 1, 6, 6)
    expect_tensor(ex.space_to_depth(x, 3), reference_fold(x, 3), "space_to_depth of an int64 input")
    empty = torch.zeros(0, 2, 4, 4)
    expect_tensor(ex.space_to_depth(empty, 2), torch.zeros(0, 8, 2, 2), "space_to_depth of a batch of 0 images")


@pytest.mark.points(3)
@pytest.mark.hint("unfold group k back to row offset k mod b, column offset k div b; test on the reference fold, "
                  "not only on your own (two wrong orders can undo each other)")
def test_unfold_inverts_the_reference_fold(ex):
    for b, shape in ((2, (2, 3, 8, 12)), (3, (1, 2, 9, 6)), (4, (1, 1, 8, 4))):
        x = torch.randn(*shape, generator=gen(10 + b))
        expect_tensor(ex.depth_to_space(reference_fold(x, b), b), x, f"depth_to_space of a folded {shape}, b = {b}")


@pytest.mark.points(1)
@pytest.mark.hint("depth_to_space keeps the dtype and works on B = 0")
def test_unfold_dtype_and_empty_batch(ex):
    x = torch.arange(16, dtype=torch.float64).reshape(1, 1, 4, 4)
    expect_tensor(ex.depth_to_space(reference_fold(x, 2), 2), x, "depth_to_space of a float64 input")
    expect_tensor(ex.depth_to_space(torch.zeros(0, 8, 2, 2), 2), torch.zeros(0, 2, 4, 4),
                  "depth_to_space of a batch of 0 images")
