"""Grading tests of exercises/csp.py."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from yolox_edu.grading.checks import Fail, expect, expect_tensor, gen
from yolox_edu.models.blocks import Bottleneck, CSPLayer

EXERCISE = "csp"


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


LAYOUT_HINT = ("print yolox_edu.models.blocks' module's state_dict shapes beside yours for the same arguments; the "
               "widths inside depend on c_out and expansion, not on c_in")


@pytest.mark.points(2)
@pytest.mark.hint(LAYOUT_HINT)
def test_bottleneck_layout(ex):
    for args in ((16, 16), (16, 32), (8, 24, True, 0.25)):
        same_layout(ex.Bottleneck(*args), Bottleneck(*args), f"Bottleneck{args}")


BOTTLENECK_HINT = ("when may the input be added to the output? Both conditions matter: what shortcut says, and "
                   "whether the shapes match")


@pytest.mark.points(3)
@pytest.mark.hint(BOTTLENECK_HINT)
def test_bottleneck_forward_and_residual(ex):
    x8, x16 = torch.randn(2, 8, 6, 5, generator=gen(80)), torch.randn(2, 16, 6, 5, generator=gen(81))
    for args, x in (((8, 8, True), x8), ((8, 8, False), x8), ((16, 8, True), x16)):
        ref = randomize(Bottleneck(*args), 82)
        learner = load_reference(ex.Bottleneck(*args), ref, f"Bottleneck{args}")
        with torch.no_grad():
            expect_tensor(learner(x), ref(x), f"Bottleneck(c_in={args[0]}, c_out={args[1]}, shortcut={args[2]})",
                          atol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint(LAYOUT_HINT)
def test_csp_layer_layout(ex):
    for args in ((16, 32, 1), (32, 32, 3, False), (12, 24, 2, True, 0.25)):
        same_layout(ex.CSPLayer(*args), CSPLayer(*args), f"CSPLayer{args}")


@pytest.mark.points(3)
@pytest.mark.hint("the layout can be right and the output wrong: which branch goes through the bottlenecks, and "
                  "in which order do the two branches meet the fusing conv?")
def test_csp_layer_forward(ex):
    for seed, args in enumerate(((16, 32, 2), (8, 8, 1, False), (12, 24, 3, True, 0.25))):
        ref = randomize(CSPLayer(*args), 90 + seed)
        learner = load_reference(ex.CSPLayer(*args), ref, f"CSPLayer{args}")
        x = torch.randn(2, args[0], 5, 7, generator=gen(95 + seed))
        with torch.no_grad():
            expect_tensor(learner(x), ref(x), f"CSPLayer{args} output on (2, {args[0]}, 5, 7)", atol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint("count each conv (in · out · k²) and each BatchNorm (2 per channel); the bottlenecks inside a "
                  "CSPLayer use expansion 1.0, whatever the layer's own expansion")
def test_csp_param_count(ex):
    for args in ((8, 8, 1, 0.5), (24, 40, 2, 0.5), (16, 64, 3, 0.25), (32, 16, 0, 0.5), (3, 10, 1, 1.0)):
        got = ex.csp_param_count(*args)
        want = sum(p.numel() for p in CSPLayer(args[0], args[1], args[2], expansion=args[3]).parameters())
        expect(isinstance(got, int) and not isinstance(got, bool), "csp_param_count must return an int")
        expect(got == want, f"csp_param_count{args} is not the number of parameters of that layer "
                            f"({'too many' if got > want else 'too few'})")
