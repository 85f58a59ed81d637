"""Plausible learner bugs, two per exercise: each must cost points, in the grading test named here.

Every mutant is one small textual change to the reference solution (an off-by-one, a swapped comparison,
a missing clamp, ...). Mutants are graded in rounds of at most one per exercise, in this process.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from yolox_edu.grading import grade
from yolox_edu.grading.runner import EXERCISES

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"

pytestmark = pytest.mark.grading

# (exercise, the bug, text in the solution, replacement, the grading test that must catch it)
MUTANTS = [
    ("boxes", "no clamp of the intersection (disjoint boxes: negative × negative > 0)",
     "inter = (high - low).clamp(min=0).prod(dim=-1)", "inter = (high - low).prod(dim=-1)", "pairwise_iou_random"),
    ("boxes", "union without subtracting the intersection", "return inter / (area1[:, None] + area2[None, :] - inter)",
     "return inter / (area1[:, None] + area2[None, :])", "pairwise_iou_random"),
    ("focus", "phases in reading order (tl, tr, bl, br) instead of the official (tl, bl, tr, br)",
     "(top_left, bottom_left, top_right, bottom_right)", "(top_left, top_right, bottom_left, bottom_right)",
     "space_to_depth_phase_order"),
    ("focus", "activation forgotten", "return self.act(self.bn(self.conv(space_to_depth(x))))",
     "return self.bn(self.conv(space_to_depth(x)))", "focus_matches_library"),
    ("csp", "concatenation order swapped", "torch.cat((self.m(self.conv1(x)), self.conv2(x)), dim=1)",
     "torch.cat((self.conv2(x), self.m(self.conv1(x))), dim=1)", "csp_layer_forward"),
    ("csp", "bottleneck width from c_in instead of c_out",
     "hidden = int(c_out * expansion)\n        self.conv1 = BaseConv(c_in, hidden, 1)\n"
     "        self.conv2 = BaseConv(hidden",
     "hidden = int(c_in * expansion)\n        self.conv1 = BaseConv(c_in, hidden, 1)\n"
     "        self.conv2 = BaseConv(hidden",
     "bottleneck_layout"),
    ("decode", "cells stored as (row, column) instead of (column, row)", "torch.stack((cols, rows), dim=-1)",
     "torch.stack((rows, cols), dim=-1)", "grid_points_non_square"),
    ("decode", "offset added after scaling by the stride", "xy = (reg[..., :2] + cells) * s",
     "xy = reg[..., :2] * s + cells", "decode_boxes_values"),
    ("nms", "drops boxes whose IoU equals the threshold (< instead of <=)", "boxes[rest]) <= iou_thresh]",
     "boxes[rest]) < iou_thresh]", "nms_iou_equal_to_threshold"),
    ("nms", "visits boxes lowest score first", "order = scores.argsort(descending=True)", "order = scores.argsort()",
     "nms_random"),
    ("center_sampling", "non-strict comparisons in in_box_mask", "(x > cx - half_w) & (x < cx + half_w)",
     "(x >= cx - half_w) & (x <= cx + half_w)", "in_box_edges_on_centers"),
    ("center_sampling", "center radius in stride-8 units on every level", "reach = radius * strides",
     "reach = radius * 8.0", "in_center_random"),
    ("simota_cost", "BCE written by hand without clamping the logs",
     'return F.binary_cross_entropy(p, onehot, reduction="none").sum(dim=-1)',
     "return -(onehot * p.log() + (1 - onehot) * (1 - p).log()).sum(dim=-1)", "class_cost_saturated_logits"),
    ("simota_cost", "joint score without the square root", "obj_logits.float().sigmoid()[:, None]).sqrt()",
     "obj_logits.float().sigmoid()[:, None])", "class_cost_random"),
    ("dynamic_k", "k not clamped to at least 1", "top.sum(dim=1).floor().long().clamp(min=1)",
     "top.sum(dim=1).floor().long()", "dynamic_k_few_candidates"),
    ("dynamic_k", "conflicts resolved among the claimants only", "cheapest = cost.argmin(dim=0)",
     "cheapest = cost.masked_fill(~matching, float('inf')).argmin(dim=0)", "resolve_conflicts_random"),
    ("iou_loss", "class target not detached (gradient flows through the IoU)", "* ious.detach()[:, None]",
     "* ious[:, None]", "class_targets_values"),
    ("iou_loss", "1 − IoU instead of 1 − IoU²", "return 1 - aligned_iou(pred, target) ** 2",
     "return 1 - aligned_iou(pred, target)", "iou_loss_values_and_gradient"),
    ("mosaic", "x clipped to the height, y to the width", "out[:, 0::2] = out[:, 0::2].clip(0, hw[1])",
     "out[:, 0::2] = out[:, 0::2].clip(0, hw[0])", "clip_boxes_border"),
    ("mosaic", "resize by the larger ratio", "        scale = min(H / h0, W / w0)",
     "        scale = max(H / h0, W / w0)", "mosaic_boxes_match_library"),
    ("lr_schedule", "cosine span off by one", "span = max(1, total_iters - warmup_iters - no_aug_iters)",
     "span = max(1, total_iters - warmup_iters - no_aug_iters - 1)", "cosine_phase"),
    ("lr_schedule", "linear warmup", "(iteration / warmup_iters) ** 2", "(iteration / warmup_iters)", "warmup_phase"),
    ("precision_recall", "IoU must be strictly above the threshold (> instead of >=)", "ious[d, g] >= best_iou",
     "ious[d, g] > best_iou", "match_ties"),
    ("precision_recall", "unstable sort: equal scores lose their input order",
     'order = np.argsort(-np.asarray(scores, float), kind="stable")  # (N,)',
     "order = np.argsort(-np.asarray(scores, float))  # (N,)", "precision_recall_edge_cases"),
    ("average_precision", "searchsorted side='right': a recall level reached exactly reads the next point",
     'side="left"', 'side="right"', "exact_recall_levels"),
    ("average_precision", "no precision envelope", "np.maximum.accumulate(np.asarray(precision, float)[::-1])[::-1]",
     "np.asarray(precision, float)", "envelope_after_a_dip"),
    ("coco_format", "category ids from 0 (class index) instead of 1", '"category_id": cls + 1', '"category_id": cls',
     "coco_dict_random"),
    ("coco_format", "the center taken as the top-left corner",
     "x1, y1 = max((cx - w / 2) * width, 0.0), max((cy - h / 2) * height, 0.0)",
     "x1, y1 = max(cx * width, 0.0), max(cy * height, 0.0)", "line_to_xywh_random"),
]


def _rounds() -> list[list[int]]:
    """Mutant indices grouped so that each round holds at most one mutant per exercise."""
    rounds: list[list[int]] = []
    for i, (name, *_) in enumerate(MUTANTS):
        target = next((r for r in rounds if all(MUTANTS[j][0] != name for j in r)), None)
        if target is None:
            rounds.append(target := [])
        target.append(i)
    return rounds


@pytest.fixture(scope="module")
def mutant_results(tmp_path_factory) -> dict[int, object]:
    results = {}
    for k, members in enumerate(_rounds()):
        folder = tmp_path_factory.mktemp(f"mutants{k}") / "exercises"
        folder.mkdir()
        for i in members:
            name, _, old, new, _ = MUTANTS[i]
            text = (SOLUTIONS / f"{name}.py").read_text()
            assert text.count(old) == 1, f"{name}: the mutant's target text is not (uniquely) in the solution"
            (folder / f"{name}.py").write_text(text.replace(old, new))
        report = {e.name: e for e in grade([MUTANTS[i][0] for i in members], folder, in_process=True).exercises}
        results.update({i: report[MUTANTS[i][0]] for i in members})
    return results


def test_every_exercise_has_two_mutants():
    counts = {name: sum(m[0] == name for m in MUTANTS) for name in EXERCISES}
    assert all(c >= 2 for c in counts.values()), counts


@pytest.mark.parametrize("index", range(len(MUTANTS)), ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)])
def test_mutant_is_caught(mutant_results, index):
    name, bug, _, _, catcher = MUTANTS[index]
    ex = mutant_results[index]
    tests = {t.test: t for t in ex.tests}
    assert ex.earned < ex.possible, f"{name}: the bug '{bug}' got full marks"
    assert tests[catcher].status != "pass", f"{name}: '{bug}' was not caught by {catcher}"
    failed = [t.test for t in ex.tests if t.status != "pass"]
    print(f"{name}: '{bug}' → {ex.earned}/{ex.possible}, failed: {', '.join(failed)}")
