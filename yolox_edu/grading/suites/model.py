"""Grading: the Focus stem and the CSP blocks (notebook 02)."""

from __future__ import annotations

import torch
from torch import nn

from yolox_edu.grading.harness import Fail, expect_tensor, expect_true, graded
from yolox_edu.grading.suites._util import gen
from yolox_edu.models.blocks import Bottleneck, CSPLayer, Focus


def randomize(module: nn.Module, seed: int) -> nn.Module:
    """Random weights AND BatchNorm statistics, so a wrong wiring cannot hide behind zeros or identities."""
    g = gen(seed)
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if t.dtype.is_floating_point:
                values = torch.rand(t.shape, generator=g) * 0.5 + 0.5 if "running_var" in name else \
                    torch.randn(t.shape, generator=g) * 0.3
                t.copy_(values)
    return module.eval()


def same_layout(learner: nn.Module, ref: nn.Module, what: str) -> None:
    """The learner's module has the official parameter names and shapes (so official weights load)."""
    got = {k: tuple(v.shape) for k, v in learner.state_dict().items() if not k.endswith("num_batches_tracked")}
    want = {k: tuple(v.shape) for k, v in ref.state_dict().items() if not k.endswith("num_batches_tracked")}
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    if missing or extra:
        raise Fail(f"{what}: parameter names differ from the official layout (missing {missing[:4]}, "
                   f"unexpected {extra[:4]})")
    wrong = [k for k in want if got[k] != want[k]]
    if wrong:
        raise Fail(f"{what}: {len(wrong)} parameters have the wrong shape, first {wrong[0]}: expected "
                   f"{want[wrong[0]]}, got {got[wrong[0]]}")


def load_reference(learner: nn.Module, ref: nn.Module, what: str) -> nn.Module:
    same_layout(learner, ref, what)
    learner.load_state_dict(ref.state_dict(), strict=False)
    return learner.eval()


# ------------------------------------------------------------------------------------------------ focus

PHASE_HINT = ("take x[..., 0::2, 0::2] (top-left), x[..., 1::2, 0::2] (bottom-left), x[..., 0::2, 1::2] "
              "(top-right), x[..., 1::2, 1::2] (bottom-right) and concatenate them on dim 1 in that order. "
              "Example: a 1×1×2×2 input [[a, b], [c, d]] → channels (a, c, b, d)")


@graded("focus", 1, hint=PHASE_HINT)
def space_to_depth_shape(ex):
    x = torch.randn(2, 3, 8, 12, generator=gen(70))
    out = ex.space_to_depth(x)
    expect_true(isinstance(out, torch.Tensor), f"space_to_depth: expected a tensor, got {type(out).__name__}")
    expect_true(tuple(out.shape) == (2, 12, 4, 6),
                f"space_to_depth of (2, 3, 8, 12): expected shape (2, 12, 4, 6), got {tuple(out.shape)}")


def reference_phases(x: torch.Tensor) -> torch.Tensor:
    """The (B, 4C, H/2, W/2) tensor yolox_edu's Focus feeds to its conv: the phases as the library stacks them."""
    focus = Focus(x.shape[1], 4 * x.shape[1], 1).to(x.dtype).eval()
    captured = {}
    handle = focus.conv.register_forward_pre_hook(lambda m, args: captured.setdefault("x", args[0]))
    with torch.no_grad():
        focus(x)
    handle.remove()
    return captured["x"]


@graded("focus", 3, hint=PHASE_HINT)
def space_to_depth_phase_order(ex):
    for shape in ((2, 3, 8, 12), (1, 5, 4, 2)):
        x = torch.randn(*shape, generator=gen(71))
        expect_tensor(ex.space_to_depth(x.clone()), reference_phases(x), f"space_to_depth of {shape}")


@graded("focus", 1, hint="slicing keeps the dtype; do not convert with .float()")
def space_to_depth_float64(ex):
    x = torch.randn(3, 2, 6, 4, generator=gen(72), dtype=torch.float64)
    expect_tensor(ex.space_to_depth(x), reference_phases(x), "space_to_depth of a float64 (3, 2, 6, 4) input")


@graded("focus", 3, hint="forward = self.act(self.bn(self.conv(space_to_depth(x)))); keep __init__ as given")
def focus_matches_library(ex):
    for c_in, c_out, k in ((3, 16, 3), (2, 8, 1)):
        learner = ex.Focus(c_in, c_out, k).eval()
        ref = randomize(Focus(c_in, c_out, k), 73 + k)
        with torch.no_grad():
            bn_keys = ("weight", "bias", "running_mean", "running_var")
            pairs = [(learner.conv.weight, ref.conv.conv.weight)] + [
                (getattr(learner.bn, k), getattr(ref.conv.bn, k)) for k in bn_keys]
            for mine, theirs in pairs:
                if mine.shape != theirs.shape:
                    raise Fail(f"Focus({c_in}, {c_out}, {k}): a conv/bn parameter has shape {tuple(mine.shape)}, "
                               f"expected {tuple(theirs.shape)}; keep __init__ as given")
                mine.copy_(theirs)
        x = torch.randn(2, c_in, 16, 16, generator=gen(74))
        with torch.no_grad():
            expect_tensor(learner(x), ref(x), f"Focus({c_in}, {c_out}, ksize={k}) output (eval mode)", atol=1e-4)


# -------------------------------------------------------------------------------------------------- csp

LAYOUT_HINT = ("use the official attribute names: Bottleneck has conv1 (1×1 to int(c_out·expansion)) and conv2 "
               "(3×3 to c_out); CSPLayer has conv1, conv2 (1×1 each to hidden = int(c_out·expansion)), conv3 "
               "(1×1 from 2·hidden to c_out) and m (an nn.Sequential of n Bottlenecks hidden → hidden, expansion 1.0)")


@graded("csp", 2, hint=LAYOUT_HINT)
def bottleneck_layout(ex):
    for args in ((16, 16), (16, 32), (8, 24, True, 0.25)):
        same_layout(ex.Bottleneck(*args), Bottleneck(*args), f"Bottleneck{args}")


BOTTLENECK_HINT = ("y = conv2(conv1(x)); return x + y only when shortcut is True AND c_in == c_out, else y. "
                   "Example: with shortcut and conv2's output all zeros, the block returns x unchanged")


@graded("csp", 3, hint=BOTTLENECK_HINT)
def bottleneck_forward_and_residual(ex):
    x8, x16 = torch.randn(2, 8, 6, 5, generator=gen(80)), torch.randn(2, 16, 6, 5, generator=gen(81))
    for args, x in (((8, 8, True), x8), ((8, 8, False), x8), ((16, 8, True), x16)):
        ref = randomize(Bottleneck(*args), 82)
        learner = load_reference(ex.Bottleneck(*args), ref, f"Bottleneck{args}")
        with torch.no_grad():
            expect_tensor(learner(x), ref(x), f"Bottleneck(c_in={args[0]}, c_out={args[1]}, shortcut={args[2]})",
                          atol=1e-4)


@graded("csp", 2, hint=LAYOUT_HINT)
def csp_layer_layout(ex):
    for args in ((16, 32, 1), (32, 32, 3, False), (12, 24, 2, True, 0.25)):
        same_layout(ex.CSPLayer(*args), CSPLayer(*args), f"CSPLayer{args}")


@graded("csp", 3, hint="conv3(cat((m(conv1(x)), conv2(x)), dim=1)): the bottleneck branch comes first in the "
                       "concatenation (the official order; the weights of conv3 depend on it)")
def csp_layer_forward(ex):
    for seed, args in enumerate(((16, 32, 2), (8, 8, 1, False), (12, 24, 3, True, 0.25))):
        ref = randomize(CSPLayer(*args), 90 + seed)
        learner = load_reference(ex.CSPLayer(*args), ref, f"CSPLayer{args}")
        x = torch.randn(2, args[0], 5, 7, generator=gen(95 + seed))
        with torch.no_grad():
            expect_tensor(learner(x), ref(x), f"CSPLayer{args} output on (2, {args[0]}, 5, 7)", atol=1e-4)
