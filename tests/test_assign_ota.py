"""Sinkhorn OTA: marginals, a hand-built case where it differs from SimOTA, and agreement where it should."""

from __future__ import annotations

import pytest
import torch

from yolox_edu.assign import simota_assign
from yolox_edu.assign.matching import resolve_conflicts, select_lowest_cost
from yolox_edu.assign.ota import ota_assign, ota_supply, sinkhorn, sinkhorn_ota
from yolox_edu.grid import make_grid

FAR = 100.0  # a cost no optimal plan pays


def test_sinkhorn_plan_has_the_requested_marginals():
    gen = torch.Generator().manual_seed(0)
    cost = torch.rand(4, 30, generator=gen) * 5  # (S, D)
    supply = torch.tensor([3.0, 5.0, 2.0, 20.0])  # sums to D = 30
    plan = sinkhorn(cost, supply, torch.ones(30), epsilon=0.5, iterations=200)
    torch.testing.assert_close(plan.sum(dim=0), torch.ones(30))  # every point gets one unit
    torch.testing.assert_close(plan.sum(dim=1), supply, atol=1e-3, rtol=1e-3)
    assert (plan >= 0).all()


def test_supply_is_k_then_the_rest_and_shrinks_when_gts_ask_too_much():
    torch.testing.assert_close(ota_supply(torch.tensor([2, 3]), 10), torch.tensor([2.0, 3.0, 5.0]))
    s = ota_supply(torch.tensor([6, 6]), 8)  # 12 units asked, 8 points: scaled to 4 + 4, background ~0
    torch.testing.assert_close(s[:2], torch.tensor([4.0, 4.0]))
    assert s[2] < 1e-6


def test_ota_gives_a_contested_point_to_the_gt_without_alternative_where_simota_does_not():
    # gt0 and gt1 both like point 0 best; gt0 has a good second choice (point 1), gt1 has none.
    cost = torch.tensor([[1.0, 2.0, FAR, FAR],
                         [1.5, FAR, FAR, FAR]])  # (G, N)
    ious = torch.tensor([[0.5, 0.4, 0.0, 0.0],
                         [0.5, 0.0, 0.0, 0.0]])  # k = 1 for both
    background = torch.tensor([10.0, 10.0, 0.0, 0.0])  # points 2 and 3 are cheap background
    ota = sinkhorn_ota(cost, ious, background)
    assert ota.matched_gt.tolist() == [1, 0, -1, -1]  # total cost 3.5: the optimum
    simota = resolve_conflicts(select_lowest_cost(cost, torch.tensor([1, 1])), cost)
    assert simota.tolist() == [0, -1, -1, -1]  # SimOTA: gt1 is left with no positive
    torch.testing.assert_close(ota.supply, torch.tensor([1.0, 1.0, 2.0]))


def test_no_gts_or_no_points_is_all_background():
    ota = sinkhorn_ota(torch.zeros(0, 5), torch.zeros(0, 5), torch.zeros(5))
    assert ota.matched_gt.tolist() == [-1] * 5 and ota.plan.shape == (1, 5)
    assert sinkhorn_ota(torch.zeros(2, 0), torch.zeros(2, 0), torch.zeros(0)).matched_gt.shape == (0,)


def _scene(seed: int, num_gt: int, uniform_logits: bool):
    gen = torch.Generator().manual_seed(seed)
    grid = make_grid((128, 128))
    a = grid.num_points
    gt_boxes = torch.cat((torch.rand(num_gt, 2, generator=gen) * 80 + 24,
                          torch.rand(num_gt, 2, generator=gen) * 50 + 16), dim=1)  # (G, 4) cxcywh
    pred_boxes = torch.cat((grid.centers + torch.randn(a, 2, generator=gen) * 4,
                            torch.rand(a, 2, generator=gen) * 60 + 8), dim=1)  # (A, 4)
    if uniform_logits:
        cls, obj = torch.zeros(a, 3), torch.zeros(a)
    else:
        cls, obj = torch.randn(a, 3, generator=gen), torch.randn(a, generator=gen)
    return pred_boxes, cls, obj, gt_boxes, torch.arange(num_gt) % 3, grid


def test_one_gt_with_flat_background_cost_takes_simotas_points():
    # One gt and the same background cost everywhere: OTA ships k units to the k cheapest points, like SimOTA.
    # At the default ε = 0.1 two points whose costs differ by less than ~ε share a unit (here the 4th and 5th
    # cheapest differ by 0.07), so the exact-transport limit is checked with a small ε.
    scene = _scene(1, 1, uniform_logits=True)
    ota, simota = ota_assign(*scene, epsilon=0.01, iterations=300), simota_assign(*scene)
    assert ota.num_fg == simota.num_fg > 0
    assert torch.equal(ota.fg_mask, simota.fg_mask)
    torch.testing.assert_close(ota.matched_iou, simota.matched_iou)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_each_gt_gets_about_its_k_and_positives_lie_in_candidates(seed):
    pred, cls, obj, gt, classes, grid = _scene(seed, 4, uniform_logits=False)
    result = ota_assign(pred, cls, obj, gt, classes, grid, epsilon=0.01, iterations=300)
    counts = torch.bincount(result.matched_gt[result.fg_mask], minlength=4)  # (G,)
    assert (counts >= 1).all()
    # the plan ships each gt's k units; a unit split between near-tied points can round either way
    assert (counts - result.dynamic_k).abs().max() <= 1
    assert (result.matched_iou[result.fg_mask] >= 0).all()
    assert (result.matched_gt[~result.fg_mask] == -1).all()
