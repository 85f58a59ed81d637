"""OTA: label assignment as optimal transport, solved by Sinkhorn-Knopp (Ge et al., 2021).

SimOTA is YOLOX's cheap approximation of OTA. Both start from the same (G, N) cost matrix; they differ
in how they turn it into positives:

* SimOTA: each gt takes its k cheapest candidates (k from its top IoUs), conflicts go to the cheapest gt.
* OTA: each gt is a *supplier* of k units of "label", a *background supplier* holds the remaining
  N − Σk units, and each of the N points *demands* one unit. The cheapest way to ship every unit
  (an optimal transport plan) is found approximately by Sinkhorn-Knopp iterations on the
  entropy-regularised problem; each point then takes the label of the supplier that sent it most.

The background's cost for a point is the class cost of saying "no object here": for SimOTA's class
cost that is ``negative_class_cost`` of the joint score (Σ_c −log(1 − p_c)), without the IoU term.

Everything runs in float32, without gradients, in the log domain (the 1e5 penalties of the SimOTA cost
would underflow ``exp(-cost / ε)`` otherwise).

Shapes: cost, ious (G, N); background_cost (N,); supply (S,); demand (N,); plan (S, N) with S = G + 1
(row G is the background); matched gt (N,) int64, -1 on background.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from yolox_edu.assign.cost import (
    CENTER_PENALTY,
    IOU_WEIGHT,
    box_iou_matrix,
    class_cost,
    iou_cost,
    joint_score,
    negative_class_cost,
    total_cost,
)
from yolox_edu.assign.matching import CANDIDATE_TOPK, dynamic_k
from yolox_edu.assign.result import AssignResult
from yolox_edu.assign.sampling import CENTER_RADIUS
from yolox_edu.grid import Grid

__all__ = ["OTAResult", "ota_supply", "sinkhorn", "sinkhorn_ota", "ota_assign"]

SINKHORN_EPSILON = 0.1  # entropy weight ε: smaller = closer to the exact transport, slower to converge
SINKHORN_ITERATIONS = 50
MIN_SUPPLY = 1e-8  # keeps log(supply) finite when the background has nothing left to give


@dataclass
class OTAResult:
    """What Sinkhorn OTA decided on one cost matrix.

    Attributes:
        matched_gt: (N,) int64, the gt each point was labelled with, -1 for background.
        plan: (G + 1, N) float32, the transport plan; row G is the background supplier.
        supply: (G + 1,) float32, units each supplier ships (the gts' k, then the background's rest).
    """

    matched_gt: Tensor
    plan: Tensor
    supply: Tensor

    @property
    def fg_mask(self) -> Tensor:
        return self.matched_gt >= 0  # (N,) bool


def ota_supply(k: Tensor, num_points: int) -> Tensor:
    """Supplies (G + 1,): each gt's k, then the background's N − Σk.

    When the gts ask for more than N units in total, their supplies are scaled down to share the N
    points and the background gets (almost) nothing. Shapes: k (G,) → (G + 1,) float32.
    """
    k = k.float()  # (G,)
    total = float(k.sum())
    if total > num_points:
        k = k * (num_points / total)  # (G,)
    background = max(num_points - float(k.sum()), 0.0)
    return torch.cat((k, k.new_tensor([background]))).clamp_(min=MIN_SUPPLY)  # (G + 1,)


def sinkhorn(
    cost: Tensor, supply: Tensor, demand: Tensor, *, epsilon: float = SINKHORN_EPSILON,
    iterations: int = SINKHORN_ITERATIONS,
) -> Tensor:
    """Entropy-regularised transport plan by Sinkhorn-Knopp, in log space.

    Finds π ≥ 0 with row sums ≈ supply and column sums = demand that minimises Σ π·cost − ε·H(π).
    The two marginals must have the same total. Shapes: cost (S, D), supply (S,), demand (D,) → (S, D).
    """
    log_kernel = -cost.float() / epsilon  # (S, D)
    log_supply, log_demand = supply.float().log(), demand.float().log()  # (S,), (D,)
    f = torch.zeros_like(log_supply)  # (S,) row potentials (log scale)
    g = torch.zeros_like(log_demand)  # (D,) column potentials (log scale)
    for _ in range(iterations):
        g = log_demand - torch.logsumexp(log_kernel + f[:, None], dim=0)  # (D,) fit the column sums
        f = log_supply - torch.logsumexp(log_kernel + g[None, :], dim=1)  # (S,) fit the row sums
    # the last update was on f, so the columns (each point's one unit) may be a little off: fix them
    g = log_demand - torch.logsumexp(log_kernel + f[:, None], dim=0)  # (D,)
    return (log_kernel + f[:, None] + g[None, :]).exp()  # (S, D)


@torch.no_grad()
def sinkhorn_ota(
    cost: Tensor,
    ious: Tensor,
    background_cost: Tensor,
    *,
    candidate_topk: int = CANDIDATE_TOPK,
    epsilon: float = SINKHORN_EPSILON,
    iterations: int = SINKHORN_ITERATIONS,
) -> OTAResult:
    """OTA on a SimOTA-style cost matrix: gts supply their dynamic k, a background supplier the rest.

    Args:
        cost: (G, N) cost of labelling point n with gt g (e.g. SimOTA's ``total_cost``).
        ious: (G, N) IoUs of the predictions with the gts, only used for each gt's k (``dynamic_k``).
        background_cost: (N,) cost of labelling each point as background.
    Returns:
        an ``OTAResult``; each point takes the label of the supplier that ships it the most
        (ties to the lower row, the background last).
    """
    num_gt, num_points = cost.shape
    if num_gt == 0 or num_points == 0:
        return OTAResult(
            matched_gt=torch.full((num_points,), -1, dtype=torch.long, device=cost.device),
            plan=cost.new_zeros(num_gt + 1, num_points).float(),
            supply=cost.new_zeros(num_gt + 1).float(),
        )
    supply = ota_supply(dynamic_k(ious.float(), candidate_topk), num_points)  # (G + 1,)
    full_cost = torch.cat((cost.float(), background_cost.float()[None, :]), dim=0)  # (G + 1, N)
    demand = full_cost.new_ones(num_points)  # (N,)
    plan = sinkhorn(full_cost, supply, demand, epsilon=epsilon, iterations=iterations)  # (G + 1, N)
    winner = plan.argmax(dim=0)  # (N,) first maximum on ties
    matched = torch.where(winner < num_gt, winner, torch.full_like(winner, -1))  # (N,) int64
    return OTAResult(matched_gt=matched, plan=plan, supply=supply)


@torch.no_grad()
def ota_assign(
    pred_boxes: Tensor,
    cls_logits: Tensor,
    obj_logits: Tensor,
    gt_boxes: Tensor,
    gt_classes: Tensor,
    grid: Grid,
    *,
    center_radius: float = CENTER_RADIUS,
    iou_weight: float = IOU_WEIGHT,
    penalty: float = CENTER_PENALTY,
    candidate_topk: int = CANDIDATE_TOPK,
    epsilon: float = SINKHORN_EPSILON,
    iterations: int = SINKHORN_ITERATIONS,
) -> AssignResult:
    """Sinkhorn OTA for one image on exactly SimOTA's candidates and cost (so the two can be compared).

    Same arguments and result type as ``simota_assign``; ``dynamic_k`` holds each gt's supply k.
    Shapes: pred_boxes (A, 4) cxcywh px, cls_logits (A, C), obj_logits (A,), gt_boxes (G, 4), gt_classes (G,).
    """
    from yolox_edu.assign.simota import simota_regions  # simota imports cost/matching too; keep this light

    num_points, num_gt = pred_boxes.shape[0], gt_boxes.shape[0]
    gt_boxes = gt_boxes.float()  # (G, 4)
    eligible, cheap = simota_regions(gt_boxes, grid, center_radius=center_radius)  # (G, A) bool each
    candidates = eligible.any(dim=0).nonzero()[:, 0]  # (N,) point indices, ascending
    result = AssignResult.empty(num_points, num_gt, pred_boxes.device)
    if num_gt == 0 or len(candidates) == 0:
        return result
    ious = box_iou_matrix(gt_boxes, pred_boxes[candidates].float())  # (G, N)
    cls_cost = class_cost(cls_logits[candidates], obj_logits[candidates], gt_classes)  # (G, N)
    cost = total_cost(cls_cost, iou_cost(ious), cheap[:, candidates], iou_weight=iou_weight, penalty=penalty)
    background = negative_class_cost(joint_score(cls_logits[candidates], obj_logits[candidates]))  # (N,)
    ota = sinkhorn_ota(cost, ious, background, candidate_topk=candidate_topk, epsilon=epsilon, iterations=iterations)
    fg = ota.fg_mask  # (N,) bool
    result.fg_mask[candidates] = fg
    result.matched_gt[candidates] = ota.matched_gt
    result.matched_iou[candidates[fg]] = ious[ota.matched_gt[fg], fg.nonzero()[:, 0]]
    result.dynamic_k = dynamic_k(ious, candidate_topk)
    return result
