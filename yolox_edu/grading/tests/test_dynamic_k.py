"""Grading tests of exercises/dynamic_k.py."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign.matching import dynamic_k, resolve_conflicts, select_lowest_cost
from yolox_edu.grading.checks import expect_tensor, gen

EXERCISE = "dynamic_k"


@pytest.mark.points(2)
@pytest.mark.hint("only the best candidate_topk IoUs of a row count, and k rounds down")
def test_dynamic_k_random(ex):
    ious = torch.rand(5, 40, generator=gen(120)) ** 2
    expect_tensor(ex.dynamic_k(ious.clone()), dynamic_k(ious), "dynamic_k of (5, 40) IoUs")
    expect_tensor(ex.dynamic_k(ious, candidate_topk=4), dynamic_k(ious, 4), "dynamic_k with candidate_topk=4")


@pytest.mark.points(1)
@pytest.mark.hint("with fewer than 10 candidates take the top N; a gt whose IoUs are all 0 still gets "
                             "k = 1 (clamp); the result is int64")
def test_dynamic_k_few_candidates(ex):
    ious = torch.tensor([[0.9, 0.95, 0.8], [0.0, 0.0, 0.0], [0.6, 0.3, 0.2]])
    expect_tensor(ex.dynamic_k(ious), dynamic_k(ious), "dynamic_k with N = 3 candidates")


SELECT_HINT = ("each row takes as many of its cheapest points as its own k says; the result is a mask, not indices")


@pytest.mark.points(2)
@pytest.mark.hint(SELECT_HINT)
def test_select_lowest_cost_random(ex):
    g = gen(121)
    cost = torch.rand(4, 25, generator=g) * 10
    k = torch.tensor([1, 3, 7, 2])
    expect_tensor(ex.select_lowest_cost(cost.clone(), k), select_lowest_cost(cost, k), "select_lowest_cost, G=4, N=25")


@pytest.mark.points(1)
@pytest.mark.hint(SELECT_HINT + "; equal costs: the LOWER point index is taken first")
def test_select_lowest_cost_ties(ex):
    cost = torch.tensor([[2.0, 1.0, 1.0, 1.0, 0.0], [3.0, 3.0, 3.0, 3.0, 3.0]])
    k = torch.tensor([2, 3])
    expect_tensor(ex.select_lowest_cost(cost, k), select_lowest_cost(cost, k), "select_lowest_cost with equal costs")
    flat, k = torch.zeros(2, 64), torch.tensor([3, 5])  # many equal costs: only a stable order gives the lowest indices
    expect_tensor(ex.select_lowest_cost(flat, k), select_lowest_cost(flat, k), "select_lowest_cost of 64 equal costs")


CONFLICT_HINT = ("when several gts claim a point, the cheapest gt wins — cheapest among which gts? Read the "
                 "docstring again; unclaimed points get -1")


@pytest.mark.points(3)
@pytest.mark.hint(CONFLICT_HINT)
def test_resolve_conflicts_random(ex):
    g = gen(122)
    for num_gt in (2, 5):
        matching = torch.rand(num_gt, 30, generator=g) > 0.6
        cost = torch.rand(num_gt, 30, generator=g) * 10
        expect_tensor(ex.resolve_conflicts(matching.clone(), cost.clone()), resolve_conflicts(matching, cost),
                      f"resolve_conflicts, G={num_gt}, N=30 (with conflicts)")


@pytest.mark.points(1)
@pytest.mark.hint("with G = 0 gts (or a point nobody claims) the matched gt is -1, without an error")
def test_resolve_conflicts_no_gt(ex):
    expect_tensor(ex.resolve_conflicts(torch.zeros(0, 6, dtype=torch.bool), torch.zeros(0, 6)),
                  torch.full((6,), -1, dtype=torch.int64), "resolve_conflicts with no gts")
