"""Grading: center sampling (notebook 05), the SimOTA cost and dynamic k (06), the IoU loss (07)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from yolox_edu.assign.cost import class_cost_dense, iou_cost, total_cost
from yolox_edu.assign.matching import dynamic_k, resolve_conflicts, select_lowest_cost
from yolox_edu.assign.sampling import candidate_mask, in_box_mask, in_center_mask
from yolox_edu.boxes import aligned_iou
from yolox_edu.grading.harness import Fail, expect_tensor, expect_true, graded
from yolox_edu.grading.suites._util import gen, random_cxcywh
from yolox_edu.grid import make_grid
from yolox_edu.loss import iou_loss

# -------------------------------------------------------------------------------------- center sampling

GRID = make_grid((160, 128))  # 320 + 80 + 20 = 420 points


@graded("center_sampling", 1, hint="the center of cell (i, j) at stride s is ((i + 0.5)·s, (j + 0.5)·s). "
                                   "Example: cell (1, 0) at stride 8 → (12, 4)")
def point_centers_values(ex):
    expect_tensor(ex.point_centers(GRID.cells, GRID.strides), GRID.centers, "point_centers of a 160×128 grid")


IN_BOX_HINT = ("compare each center with the box's edges cx ± w/2, cy ± h/2, strictly (> and <), broadcasting "
               "(G, 1) edges against (A,) centers → (G, A). Example: box (12, 12, 16, 16) spans 4..20, so a "
               "center at x = 4 or x = 20 (on the edge) is NOT inside")


@graded("center_sampling", 2, hint=IN_BOX_HINT)
def in_box_random(ex):
    gts = random_cxcywh(6, 100, size=128)
    expect_tensor(ex.in_box_mask(gts, GRID.centers), in_box_mask(gts, GRID.centers), "in_box_mask of 6 gts")


@graded("center_sampling", 1, hint=IN_BOX_HINT)
def in_box_edges_on_centers(ex):
    gts = torch.tensor([[12.0, 12, 16, 16], [64, 64, 48, 32], [0, 0, 8, 8]])  # edges through point centers
    expect_tensor(ex.in_box_mask(gts, GRID.centers), in_box_mask(gts, GRID.centers),
                  "in_box_mask with box edges exactly on point centers (and a box touching the border)")


IN_CENTER_HINT = ("the square has half-side radius·s where s is each POINT's own stride (strides (A,)), so it is "
                  "larger on coarse levels; strict comparisons; use the `radius` argument")


@graded("center_sampling", 2, hint=IN_CENTER_HINT)
def in_center_random(ex):
    gts = random_cxcywh(5, 101, size=128)
    for radius in (2.5, 1.5):
        expect_tensor(ex.in_center_mask(gts, GRID.centers, GRID.strides, radius),
                      in_center_mask(gts, GRID.centers, GRID.strides, radius), f"in_center_mask, radius {radius}")


@graded("center_sampling", 1, hint="a point is a candidate when it is in box OR in center of ANY gt: "
                                   "(in_box | in_center).any(dim=0)")
def candidates_random(ex):
    gts = random_cxcywh(4, 102, size=128)
    in_box, in_center = in_box_mask(gts, GRID.centers), in_center_mask(gts, GRID.centers, GRID.strides)
    expect_tensor(ex.candidate_mask(in_box, in_center), candidate_mask(in_box, in_center), "candidate_mask of 4 gts")


@graded("center_sampling", 1, hint="with G = 0 gts the masks are (0, A) and no point is a candidate; avoid "
                                   "Python loops over gts, broadcast instead")
def no_gt(ex):
    none = torch.zeros(0, 4)
    expect_tensor(ex.in_box_mask(none, GRID.centers), torch.zeros(0, GRID.num_points, dtype=torch.bool),
                  "in_box_mask with no gts")
    expect_tensor(ex.in_center_mask(none, GRID.centers, GRID.strides),
                  torch.zeros(0, GRID.num_points, dtype=torch.bool), "in_center_mask with no gts")
    empty = torch.zeros(0, GRID.num_points, dtype=torch.bool)
    expect_tensor(ex.candidate_mask(empty, empty), torch.zeros(GRID.num_points, dtype=torch.bool),
                  "candidate_mask with no gts")


# ---------------------------------------------------------------------------------------------- simota

@graded("simota_cost", 1, hint="−log(IoU + eps): 0 for IoU 1, about 18.4 for IoU 0. Example: IoU 0.5 → 0.693")
def iou_cost_values(ex):
    ious = torch.rand(4, 9, generator=gen(110))
    ious[0, :3] = torch.tensor([0.0, 1.0, 0.5])
    expect_tensor(ex.iou_cost(ious.clone()), iou_cost(ious), "iou_cost of (4, 9) IoUs")


CLS_HINT = ("p = sqrt(sigmoid(cls) · sigmoid(obj)[:, None]) → (N, C); one-hot the gt classes → (G, C); "
            "F.binary_cross_entropy on (G, N, C) broadcasts, then sum over C → (G, N). Compute in float32")


@graded("simota_cost", 3, hint=CLS_HINT)
def class_cost_random(ex):
    g = gen(111)
    cls, obj = torch.randn(30, 6, generator=g) * 3, torch.randn(30, generator=g) * 3
    classes = torch.tensor([0, 5, 2, 2])
    expect_tensor(ex.class_cost(cls, obj, classes), class_cost_dense(cls, obj, classes),
                  "class_cost for G=4 gts, N=30 points, C=6 classes", atol=1e-4)


@graded("simota_cost", 2, hint="at large logits sigmoid rounds to exactly 1.0 in float32 and log(1 − p) = −inf: "
                               "clamp each log at −100 as F.binary_cross_entropy does (or use it)")
def class_cost_saturated_logits(ex):
    cls = torch.tensor([[30.0, -30.0, 20.0], [-25.0, 40.0, 0.0], [18.0, 18.0, -18.0]])
    obj = torch.tensor([30.0, 25.0, -30.0])
    classes = torch.tensor([1, 0, 2])
    expect_tensor(ex.class_cost(cls, obj, classes), class_cost_dense(cls, obj, classes),
                  "class_cost with saturated logits (±20 … ±40)", atol=1e-3)


@graded("simota_cost", 1, hint="the cost is float32 whatever the logits' dtype: cast with .float() first")
def class_cost_dtype(ex):
    g = gen(112)
    cls, obj = torch.randn(5, 3, generator=g, dtype=torch.float64), torch.randn(5, generator=g, dtype=torch.float64)
    classes = torch.tensor([2, 0])
    expect_tensor(ex.class_cost(cls, obj, classes), class_cost_dense(cls, obj, classes),
                  "class_cost on float64 logits", atol=1e-4)


@graded("simota_cost", 2, hint="cost = cls_cost + iou_weight · iou_costs + penalty · (NOT in_box_and_center) "
                               "→ use ~mask (a bool tensor), and the iou_weight / penalty arguments")
def total_cost_values(ex):
    g = gen(113)
    cls_cost, iou_costs = torch.rand(3, 12, generator=g) * 5, torch.rand(3, 12, generator=g) * 10
    mask = torch.rand(3, 12, generator=g) > 0.5
    expect_tensor(ex.total_cost(cls_cost, iou_costs, mask), total_cost(cls_cost, iou_costs, mask),
                  "total_cost with the default weights", rtol=1e-6)
    expect_tensor(ex.total_cost(cls_cost, iou_costs, mask, iou_weight=2.0, penalty=1e6),
                  total_cost(cls_cost, iou_costs, mask, iou_weight=2.0, penalty=1e6),
                  "total_cost with iou_weight=2, penalty=1e6", rtol=1e-6)


# ------------------------------------------------------------------------------------------- dynamic k

@graded("dynamic_k", 2, hint="k = max(1, floor(sum of the top min(10, N) IoUs of the gt's row)); "
                             "ious.topk(n, dim=1). Example: IoUs (0.9, 0.8, 0.7, 0.1) → floor(2.5) = 2")
def dynamic_k_random(ex):
    ious = torch.rand(5, 40, generator=gen(120)) ** 2
    expect_tensor(ex.dynamic_k(ious.clone()), dynamic_k(ious), "dynamic_k of (5, 40) IoUs")
    expect_tensor(ex.dynamic_k(ious, candidate_topk=4), dynamic_k(ious, 4), "dynamic_k with candidate_topk=4")


@graded("dynamic_k", 1, hint="with fewer than 10 candidates take the top N; a gt whose IoUs are all 0 still gets "
                             "k = 1 (clamp); the result is int64")
def dynamic_k_few_candidates(ex):
    ious = torch.tensor([[0.9, 0.95, 0.8], [0.0, 0.0, 0.0], [0.6, 0.3, 0.2]])
    expect_tensor(ex.dynamic_k(ious), dynamic_k(ious), "dynamic_k with N = 3 candidates")


SELECT_HINT = ("each row takes its k[g] smallest costs; argsort(dim=1, stable=True) keeps equal costs in index "
               "order; a mask is rank < k[:, None]")


@graded("dynamic_k", 2, hint=SELECT_HINT)
def select_lowest_cost_random(ex):
    g = gen(121)
    cost = torch.rand(4, 25, generator=g) * 10
    k = torch.tensor([1, 3, 7, 2])
    expect_tensor(ex.select_lowest_cost(cost.clone(), k), select_lowest_cost(cost, k), "select_lowest_cost, G=4, N=25")


@graded("dynamic_k", 1, hint=SELECT_HINT + "; equal costs: the LOWER point index is taken first")
def select_lowest_cost_ties(ex):
    cost = torch.tensor([[2.0, 1.0, 1.0, 1.0, 0.0], [3.0, 3.0, 3.0, 3.0, 3.0]])
    k = torch.tensor([2, 3])
    expect_tensor(ex.select_lowest_cost(cost, k), select_lowest_cost(cost, k), "select_lowest_cost with equal costs")


CONFLICT_HINT = ("claims = matching.sum(0); a point claimed by one gt goes to it; by several, to cost.argmin(0) "
                 "over ALL gts (not only the claimants); unclaimed points get -1 (int64)")


@graded("dynamic_k", 3, hint=CONFLICT_HINT)
def resolve_conflicts_random(ex):
    g = gen(122)
    for num_gt in (2, 5):
        matching = torch.rand(num_gt, 30, generator=g) > 0.6
        cost = torch.rand(num_gt, 30, generator=g) * 10
        expect_tensor(ex.resolve_conflicts(matching.clone(), cost.clone()), resolve_conflicts(matching, cost),
                      f"resolve_conflicts, G={num_gt}, N=30 (with conflicts)")


@graded("dynamic_k", 1, hint="with G = 0 gts (or a point nobody claims) the matched gt is -1; argmax over an empty "
                             "dim fails, so handle G = 0 first")
def resolve_conflicts_no_gt(ex):
    expect_tensor(ex.resolve_conflicts(torch.zeros(0, 6, dtype=torch.bool), torch.zeros(0, 6)),
                  torch.full((6,), -1, dtype=torch.int64), "resolve_conflicts with no gts")


# ---------------------------------------------------------------------------------------------- iou loss

def pairs(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Row-aligned cxcywh predictions and targets that mostly overlap."""
    target = random_cxcywh(n, seed)
    pred = target + torch.randn(n, 4, generator=gen(seed + 1)) * torch.tensor([3.0, 3.0, 2.0, 2.0])
    pred[:, 2:] = pred[:, 2:].clamp(min=1.0)
    return pred, target


IOU_HINT = ("convert both to corners (c ∓ size/2), intersection clamped at 0, union = area_p + area_t − inter, "
            "IoU = inter / (union + eps), row by row → (F,). Example: (1, 1, 2, 2) vs (2, 1, 2, 2) → 2 / 6")


@graded("iou_loss", 2, hint=IOU_HINT)
def aligned_iou_random(ex):
    pred, target = pairs(20, 130)
    expect_tensor(ex.aligned_iou(pred.clone(), target.clone()), aligned_iou(pred, target), "aligned_iou of 20 pairs")


@graded("iou_loss", 1, hint=IOU_HINT + "; far apart or edge-touching boxes have IoU 0, never negative; F = 0 → (0,)")
def aligned_iou_edge_cases(ex):
    pred = torch.tensor([[5.0, 5, 10, 10], [5, 5, 10, 10], [5, 5, 10, 10], [50, 50, 4, 4]])
    target = torch.tensor([[5.0, 5, 10, 10], [15, 5, 10, 10], [40, 40, 10, 10], [50, 50, 2, 2]])
    expect_tensor(ex.aligned_iou(pred, target), aligned_iou(pred, target),
                  "aligned_iou of identical, edge-touching, disjoint and nested pairs")
    expect_tensor(ex.aligned_iou(torch.zeros(0, 4), torch.zeros(0, 4)), torch.zeros(0), "aligned_iou of F = 0 pairs")


@graded("iou_loss", 2, hint="YOLOX's loss is 1 − IoU² (squared), per box, computed with differentiable torch ops")
def iou_loss_values_and_gradient(ex):
    pred, target = pairs(12, 131)
    mine, theirs = pred.clone().requires_grad_(), pred.clone().requires_grad_()
    got, want = ex.iou_loss(mine, target), iou_loss(theirs, target)
    expect_tensor(got, want, "iou_loss of 12 pairs")
    if not got.requires_grad:
        raise Fail("iou_loss: the result carries no gradient (was it computed under no_grad, or with .item()?)")
    got.sum().backward()
    want.sum().backward()
    expect_tensor(mine.grad, theirs.grad, "the gradient of iou_loss(pred).sum() with respect to pred", atol=1e-4)


@graded("iou_loss", 2, hint="F.one_hot(gt_classes, num_classes) times ious[:, None], in the IoUs' dtype, with "
                            "ious.detach() so no gradient flows through a target. Example: class 1 of 3, IoU 0.8 → "
                            "(0, 0.8, 0)")
def class_targets_values(ex):
    classes = torch.tensor([0, 3, 3, 1, 4])
    ious = torch.rand(5, generator=gen(132)).requires_grad_()
    got = ex.class_targets(classes, ious, 5)
    want = F.one_hot(classes, 5).float() * ious.detach()[:, None]
    expect_tensor(got, want, "class_targets of 5 points, 5 classes")
    expect_true(not got.requires_grad, "class_targets: the target carries a gradient; detach the IoUs")
    expect_tensor(ex.class_targets(torch.zeros(0, dtype=torch.int64), torch.zeros(0), 5), torch.zeros(0, 5),
                  "class_targets of F = 0 points")


@graded("iou_loss", 1, hint="F.binary_cross_entropy_with_logits(cls_logits, targets, reduction='sum'): a 0-d "
                            "tensor, summed (not averaged) over points and classes")
def class_loss_values(ex):
    g = gen(133)
    logits, targets = torch.randn(6, 4, generator=g) * 2, torch.rand(6, 4, generator=g)
    expect_tensor(ex.class_loss(logits, targets), F.binary_cross_entropy_with_logits(logits, targets, reduction="sum"),
                  "class_loss of (6, 4) logits", atol=1e-4)
