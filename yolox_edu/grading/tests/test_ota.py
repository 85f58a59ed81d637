"""Grading tests of exercises/ota.py: Sinkhorn's plan by its marginals and against the library's converged plan, OTA's
labels against ``yolox_edu.assign.ota`` (on points where the plan is not a near tie) and on a case SimOTA gets wrong."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign.ota import sinkhorn, sinkhorn_ota
from yolox_edu.grading.checks import expect, expect_tensor, gen

EXERCISE = "ota"
CONVERGED = 500  # iterations after which the plans of any correct implementation agree
FAR = 1e5  # SimOTA's penalty


def problem(s: int, d: int, seed: int, far_fraction: float = 0.0, low: float = 0.0):
    """(cost (S, D), supply (S,), demand (D,)) with equal totals; costs in low … low + 10, some FAR."""
    g = gen(seed)
    cost = low + torch.rand(s, d, generator=g) * 10  # (S, D)
    cost[torch.rand(s, d, generator=g) < far_fraction] = FAR
    cost[-1] = low + torch.rand(d, generator=g) * 10  # the last supplier reaches every point
    supply = torch.rand(s, generator=g) + 0.5  # (S,)
    return cost, supply * (d / supply.sum()), torch.ones(d)


@pytest.mark.points(2)
@pytest.mark.hint("after your last rescaling, are the columns (the points' demands) the ones that fit exactly? Do "
                  "the rows approach the supplies when you raise the iterations?")
def test_sinkhorn_marginals(ex):
    cost, supply, demand = problem(5, 40, 1)
    plan = ex.sinkhorn(cost.clone(), supply.clone(), demand.clone(), epsilon=0.5, iterations=CONVERGED)
    expect(isinstance(plan, torch.Tensor) and plan.shape == (5, 40) and plan.dtype == torch.float32,
           "sinkhorn must return a (S, D) float32 tensor")
    expect(bool((plan >= 0).all()), "the plan has negative entries")
    expect_tensor(plan.sum(dim=0), demand, "column sums (each point's demand)", atol=1e-4)
    expect_tensor(plan.sum(dim=1), supply, "row sums (the supplies) after 500 iterations", atol=1e-2, rtol=1e-3)
    few = ex.sinkhorn(cost, supply, demand, epsilon=0.5, iterations=3)
    expect_tensor(few.sum(dim=0), demand, "column sums after only 3 iterations (they must hold exactly)", atol=1e-4)


@pytest.mark.points(2)
@pytest.mark.hint("the plan minimises cost − ε·entropy; only one plan does, so after enough iterations yours must "
                  "be the library's (yolox_edu.assign.ota.sinkhorn)")
def test_sinkhorn_matches_the_converged_plan(ex):
    for seed, eps in ((2, 0.5), (3, 1.0)):
        cost, supply, demand = problem(4, 25, seed)
        want = sinkhorn(cost, supply, demand, epsilon=eps, iterations=CONVERGED)
        expect_tensor(ex.sinkhorn(cost, supply, demand, epsilon=eps, iterations=CONVERGED), want,
                      f"sinkhorn plan (epsilon {eps}, 500 iterations)", atol=1e-3)


@pytest.mark.points(2)
@pytest.mark.hint("exp(−cost / ε) is 0 in float32 already for a cost of 12 at ε = 0.1, and then a rescaling "
                  "divides 0 by 0: keep the plan's scalings as logarithms")
def test_sinkhorn_with_penalty_costs(ex):
    cost, supply, demand = problem(6, 30, 4, far_fraction=0.6, low=12.0)  # SimOTA's costs: ~10 to 30, and 1e5
    plan = ex.sinkhorn(cost, supply, demand, epsilon=0.1, iterations=CONVERGED)
    expect(isinstance(plan, torch.Tensor) and not plan.isnan().any(),
           "the plan holds NaN with costs of 12 to 22 and 1e5 at ε = 0.1")
    expect_tensor(plan, sinkhorn(cost, supply, demand, epsilon=0.1, iterations=CONVERGED),
                  "sinkhorn plan with costs of 12 to 22 and 1e5 (epsilon 0.1)", atol=1e-3)


@pytest.mark.points(2)
@pytest.mark.hint("the background is one more supplier (a row below the gts) with its own supply; each point "
                  "takes the row that sends it the most")
def test_ota_labels_where_simota_starves_a_gt(ex):
    cost = torch.tensor([[1.0, 2.0, FAR, FAR], [1.5, FAR, FAR, FAR], [3.0, 0.5, 0.7, FAR]])  # (3, 4)
    ious = torch.tensor([[0.5, 0.4, 0.0, 0.0], [0.5, 0.0, 0.0, 0.0], [0.2, 0.3, 0.1, 0.0]])  # k = 1 each
    background = torch.tensor([10.0, 10.0, 5.0, 0.0])
    want = sinkhorn_ota(cost, ious, background).matched_gt
    expect_tensor(ex.ota_labels(cost.clone(), ious.clone(), background.clone()), want,
                  "ota_labels on 3 gts competing for 4 points")


def random_assignment(g: int, n: int, seed: int):
    gen_ = gen(seed)
    cost = torch.rand(g, n, generator=gen_) * 8 + 1  # (G, N)
    cost[torch.rand(g, n, generator=gen_) < 0.5] += FAR
    ious = torch.rand(g, n, generator=gen_) * 0.9 * (cost < FAR)  # (G, N) 0 where penalised
    return cost, ious, torch.rand(n, generator=gen_) * 6  # (N,) background cost


@pytest.mark.points(3)
@pytest.mark.hint("supplies: each gt its k, the background N − Σk; labels: argmax of each column, the background "
                  "row mapped to −1")
def test_ota_labels_random(ex):
    for seed, (g, n) in enumerate([(3, 40), (6, 50), (12, 30)]):  # the last: the gts ask for more than N
        cost, ious, background = random_assignment(g, n, 10 + seed)
        ref = sinkhorn_ota(cost, ious, background, iterations=CONVERGED)
        top2 = ref.plan.topk(2, dim=0).values  # (2, N)
        clear = (top2[0] - top2[1]) > 0.02  # (N,) points that are not a near tie
        got = ex.ota_labels(cost, ious, background, iterations=CONVERGED)
        expect(isinstance(got, torch.Tensor) and got.shape == (n,) and got.dtype == torch.int64,
               "ota_labels must return an (N,) int64 tensor")
        expect_tensor(got[clear], ref.matched_gt[clear], f"ota_labels of {g} gts and {n} points")
    cost, ious, background = random_assignment(6, 50, 20)  # a softer plan: epsilon must reach sinkhorn
    ref = sinkhorn_ota(cost, ious, background, epsilon=2.0, iterations=CONVERGED)
    top2 = ref.plan.topk(2, dim=0).values  # (2, N)
    clear = (top2[0] - top2[1]) > 0.02  # (N,)
    got = ex.ota_labels(cost, ious, background, epsilon=2.0, iterations=CONVERGED)
    expect_tensor(got[clear], ref.matched_gt[clear], "ota_labels of 6 gts and 50 points at epsilon 2.0")
    cost, ious, background = random_assignment(5, 20, 1012)
    cost = cost * 0.3  # close costs: 50 iterations (the default) have not settled one label yet, 500 have
    ref = sinkhorn_ota(cost, ious, background, iterations=CONVERGED)
    top2 = ref.plan.topk(2, dim=0).values  # (2, N)
    clear = (top2[0] - top2[1]) > 0.05  # (N,)
    got = ex.ota_labels(cost, ious, background, iterations=CONVERGED)
    expect_tensor(got[clear], ref.matched_gt[clear], "ota_labels of 5 gts and 20 points after 500 iterations")


@pytest.mark.points(1)
@pytest.mark.hint("no gts: every point is background (−1), without calling sinkhorn on an empty supply")
def test_ota_labels_no_gts(ex):
    got = ex.ota_labels(torch.zeros(0, 5), torch.zeros(0, 5), torch.rand(5))
    expect_tensor(got, torch.full((5,), -1, dtype=torch.long), "ota_labels with no gts")
