"""Grading tests of exercises/simota_cost.py: values against the dense class cost, and memory at a size where the
dense version needs more than 1 GiB."""

from __future__ import annotations

import resource
import sys
from pathlib import Path

import pytest
import torch

from yolox_edu.assign.cost import class_cost, class_cost_dense
from yolox_edu.grading.checks import expect_tensor, gen

EXERCISE = "simota_cost"
MEMORY_BUDGET_MB = 512  # above what the process holds already; the (G, N, C) tensor alone is 1.3 GB
BIG = (64, 20_000, 256)  # G, N, C


def logits(n: int, c: int, seed: int, scale: float = 3.0, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    g = gen(seed)
    return (torch.randn(n, c, generator=g, dtype=dtype) * scale, torch.randn(n, generator=g, dtype=dtype) * scale)


@pytest.mark.points(3)
@pytest.mark.hint("compare with yolox_edu.assign.class_cost_dense on a small case; the joint score is the square "
                  "root of a product of two sigmoids")
def test_class_cost_random(ex):
    for seed, (g, n, c) in enumerate([(4, 30, 6), (9, 50, 80), (1, 7, 1)]):
        cls, obj = logits(n, c, seed)
        classes = torch.randint(0, c, (g,), generator=gen(100 + seed))
        expect_tensor(ex.class_cost(cls, obj, classes), class_cost_dense(cls, obj, classes),
                      f"class_cost for G={g} gts, N={n} points, C={c} classes", atol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint("at large logits sigmoid is exactly 1.0 in float32 and log(1 − p) = −inf; every log term needs "
                  "the same clamp binary_cross_entropy applies, also the ones you rearranged")
def test_class_cost_saturated_logits(ex):
    cls = torch.tensor([[30.0, -30.0, 20.0], [-25.0, 40.0, 0.0], [18.0, 18.0, -18.0], [90.0, 90.0, 90.0],
                        [-120.0, 5.0, 0.0]])  # sigmoid(-120) is exactly 0 in float32
    obj = torch.tensor([30.0, 25.0, -30.0, 90.0, 2.0])
    classes = torch.tensor([1, 0, 2, 2, 0])
    expect_tensor(ex.class_cost(cls, obj, classes), class_cost_dense(cls, obj, classes),
                  "class_cost with saturated logits (±18 … ±120)", atol=1e-3)


@pytest.mark.points(1)
@pytest.mark.hint("the cost is float32 whatever the logits' dtype; G = 0 gts give a (0, N) result")
def test_class_cost_dtype_and_no_gts(ex):
    cls, obj = logits(5, 3, 7, dtype=torch.float64)
    classes = torch.tensor([2, 0])
    expect_tensor(ex.class_cost(cls, obj, classes), class_cost_dense(cls, obj, classes),
                  "class_cost on float64 logits", atol=1e-4)
    cls, obj = logits(6, 4, 8)
    expect_tensor(ex.class_cost(cls, obj, torch.zeros(0, dtype=torch.long)), torch.zeros(0, 6),
                  "class_cost with no gts")


def _address_space_mb() -> float:
    """This process's virtual memory size (Linux), MiB."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmSize:")[1].split()[0]) / 1024


def _run_with_memory_budget(func, budget_mb: int):
    """func() with at most budget_mb more address space (Linux: RLIMIT_AS; elsewhere: the peak RSS grows by less)."""
    if sys.platform.startswith("linux"):
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = int((_address_space_mb() + budget_mb) * 2**20)
        resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
        try:
            return func()
        finally:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    out = func()
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / (2**20 if sys.platform == "darwin"
                                                                                else 2**10)
    if grown_mb > budget_mb:
        raise MemoryError(f"peak memory grew by {grown_mb:.0f} MiB")
    return out


@pytest.mark.points(3)
@pytest.mark.timeout(60)
@pytest.mark.hint("which part of each pair's sum depends on the point only, and which on the gt's class? Compute "
                  "the first once per point, look the second up per (gt, point)")
def test_class_cost_memory_lean(ex):
    g, n, c = BIG
    cls, obj = logits(n, c, 9)
    classes = torch.randint(0, c, (g,), generator=gen(10))
    want = class_cost(cls, obj, classes)  # (G, N) the library's factorised version
    try:
        got = _run_with_memory_budget(lambda: ex.class_cost(cls, obj, classes), MEMORY_BUDGET_MB)
    except (MemoryError, RuntimeError) as e:
        if isinstance(e, RuntimeError) and "alloc" not in str(e).lower():
            raise
        raise AssertionError(f"class_cost for G={g}, N={n}, C={c} needed more than {MEMORY_BUDGET_MB} MiB "
                             f"(a (G, N, C) tensor takes {g * n * c * 4 / 2**30:.1f} GiB)") from None
    expect_tensor(got, want, f"class_cost for G={g}, N={n}, C={c}", atol=1e-3, rtol=1e-4)
