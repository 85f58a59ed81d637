"""Plausible learner bugs: each one-line change to a reference solution must cost points.

Each mutant is one small textual change (an off-by-one, a swapped comparison, min for max, a dropped clamp or
detach, a wrong constant). Mutants are graded in rounds of at most one per exercise, each round one plain pytest
process over the grading modules of the exercises it holds.
"""

# ruff: noqa: E501 - the mutant table holds source lines verbatim
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions"

pytestmark = pytest.mark.grading

# (exercise, the bug, text in the solution, its replacement)
MUTANTS = [
    ("encode", "size in log2", "torch.log(boxes[..., 2:] / s)", "torch.log2(boxes[..., 2:] / s)"),
    ("encode", "cell added instead of taken off", "/ s - cells.to(boxes.dtype)", "/ s + cells.to(boxes.dtype)"),
    ("encode", "size not divided by the stride", "torch.log(boxes[..., 2:] / s)", "torch.log(boxes[..., 2:])"),
    ("encode", "rounding instead of flooring the cell", 'torch.div(centers, stride, rounding_mode="floor")',
     "torch.round(centers / stride)"),
    ("encode", "cell as (row, column)", "return torch.div(centers, stride, rounding_mode=\"floor\").long()",
     "return torch.div(centers, stride, rounding_mode=\"floor\").long().flip(-1)"),
    ("encode", "result in float64 whatever the boxes", "s = strides.to(boxes.dtype)[:, None]",
     "s = strides.double()[:, None]"),
    ("predict", "square input assumed", "return (1664, 416, 104)", "return (2704, 676, 169)"),
    ("predict", "k rounded up", "    return 5\n", "    return 6\n"),
    ("predict", "points at multiples of the stride", "    return 15\n", "    return 12\n"),
    ("predict", "edge counted as inside", "    return 4\n", "    return 9\n"),
    ("nms", "drops boxes whose IoU equals the threshold", "boxes[rest]) <= iou_thresh]", "boxes[rest]) < iou_thresh]"),
    ("nms", "visits boxes lowest score first", "order = scores.argsort(descending=True)", "order = scores.argsort()"),
    ("nms", "batched result not re-sorted by score", "return keep[scores[keep].argsort(descending=True)]",
     "return keep"),
    ("nms", "intersection not clamped", "inter = (high - low).clamp(min=0).prod(dim=1)",
     "inter = (high - low).prod(dim=1)"),
    ("simota_cost", "no clamp on the positive log", "pos = (-torch.log(p)).clamp(max=LOG_CLAMP)",
     "pos = -torch.log(p)"),
    ("simota_cost", "no clamp on the negative log", "neg = (-torch.log1p(-p)).clamp(max=LOG_CLAMP)",
     "neg = -torch.log1p(-p)"),
    ("simota_cost", "joint score without the square root", "obj_logits.float().sigmoid()[:, None]).sqrt()",
     "obj_logits.float().sigmoid()[:, None])"),
    ("simota_cost", "gt term added instead of swapped in", "(pos - neg).t()[gt_classes]",
     "pos.t()[gt_classes]"),
    ("simota_cost", "the dense (G, N, C) version", "    p = (cls_logits.float()",
     "    import torch.nn.functional as F\n    q = (cls_logits.float().sigmoid() * obj_logits.float().sigmoid()"
     "[:, None]).sqrt()\n    y = F.one_hot(gt_classes, q.shape[1]).float()[:, None].expand(-1, q.shape[0], -1)\n"
     "    return F.binary_cross_entropy(q[None].expand_as(y), y, reduction='none').sum(-1)\n"
     "    p = (cls_logits.float()"),
    ("simota_cost", "float64 logits kept float64", "p = (cls_logits.float().sigmoid() * obj_logits.float()",
     "p = (cls_logits.sigmoid() * obj_logits"),
    ("ota", "naive exp of the cost (underflows at 1e5)",
     "    log_k = -cost.float() / epsilon  # (S, D)\n",
     "    kernel = torch.exp(-cost.float() / epsilon)\n    u, v = torch.ones(len(supply)), torch.ones(len(demand))\n"
     "    for _ in range(iterations):\n        v = demand / (kernel.t() @ u)\n        u = supply / (kernel @ v)\n"
     "    v = demand / (kernel.t() @ u)\n    return u[:, None] * kernel * v[None]\n    log_k = -cost.float() / epsilon\n"),
    ("ota", "ends on the supplies (columns not exact)",
     "    g = log_b - torch.logsumexp(log_k + f[:, None], dim=0)  # (D,) end on the demands: they hold exactly\n", ""),
    ("ota", "epsilon multiplies instead of divides", "log_k = -cost.float() / epsilon", "log_k = -cost.float() * epsilon"),
    ("ota", "k not floored", "k = top.sum(dim=1).floor().clamp(min=1)", "k = top.sum(dim=1).clamp(min=1)"),
    ("ota", "no background supplier", "winner = plan.argmax(dim=0)  # (N,)", "winner = plan[:-1].argmax(dim=0)"),
    ("ota", "background supplies N, not what the gts leave", "(n - k.sum()).clamp(min=0)[None]",
     "torch.tensor([float(n)])"),
    ("ota", "cost of the background not in the plan", "full = torch.cat((cost.float(), background_cost.float()[None]), dim=0)",
     "full = torch.cat((cost.float(), torch.zeros_like(background_cost).float()[None]), dim=0)"),
    ("break_simota", "duplicate gts", "return torch.tensor([[64.0, 60.0, 14.0, 56.0], [64.0, 56.0, 28.0, 10.0]])",
     "return torch.tensor([[64.0, 60.0, 14.0, 56.0], [64.0, 60.0, 14.0, 56.0]])"),
    ("break_simota", "a scene SimOTA handles", "return torch.tensor([[64.0, 60.0, 14.0, 56.0], [64.0, 56.0, 28.0, 10.0]])",
     "return torch.tensor([[64.0, 60.0, 14.0, 56.0], [20.0, 100.0, 28.0, 10.0]])"),
    ("break_simota", "boxes on different levels", "[60.0, 60.0, 20.0, 20.0]])", "[60.0, 60.0, 100.0, 100.0]])"),
    ("boxes", "no clamp of the intersection", "inter = (high - low).clamp(min=0).prod(dim=-1)",
     "inter = (high - low).prod(dim=-1)"),
    ("boxes", "union without subtracting the intersection", "return inter / (area1[:, None] + area2[None, :] - inter)",
     "return inter / (area1[:, None] + area2[None, :])"),
    ("focus", "phases in reading order", "for dx in range(block) for dy in range(block)]",
     "for dy in range(block) for dx in range(block)]"),
    ("focus", "block hard-coded to 2", "x[..., dy::block, dx::block]", "x[..., dy::2, dx::2]"),
    ("focus", "unfold with row and column offsets swapped", "out[..., k % block::block, k // block::block]",
     "out[..., k // block::block, k % block::block]"),
    ("focus", "unfold always in float32", "out = y.new_empty(b, c, h * block, w * block)",
     "out = torch.empty(b, c, h * block, w * block)"),
    ("csp", "parameter count without BatchNorm", "return a * b * k * k + 2 * b", "return a * b * k * k"),
    ("csp", "parameter count with the layer's expansion inside", "bottleneck = base(hidden, hidden, 1) + base(hidden, hidden, 3)",
     "bottleneck = base(hidden, int(hidden * expansion), 1) + base(int(hidden * expansion), hidden, 3)"),
    ("csp", "the residual whatever the shapes", "self.use_add = shortcut and c_in == c_out", "self.use_add = shortcut"),
    ("lr_schedule", "first iteration at or below", "while it < tail and yolox_lr(it, **schedule) >= lr:",
     "while it < tail and yolox_lr(it, **schedule) > lr:"),
    ("lr_schedule", "floor never crossed → tail start", "    if min_lr >= lr:\n        return total_iters\n",
     "    if min_lr >= lr:\n        return tail\n"),
    ("lr_schedule", "cosine measured from iteration 0", "(iteration - warmup_iters) / span))",
     "iteration / span))"),
    ("cocoeval_lite", "crowd IoU with the union", "union = np.where(np.asarray(iscrowd, bool)[None, :], det_area[:, None],",
     "union = np.where(np.zeros_like(np.asarray(iscrowd, bool))[None, :], det_area[:, None],"),
    ("cocoeval_lite", "crowd match counted as a false positive", "ignored[d], is_tp[d] = crowd[m], not crowd[m]",
     "ignored[d], is_tp[d] = False, not crowd[m]"),
    ("cocoeval_lite", "max_dets ignored", "[:max_dets]", "[:]"),
    ("cocoeval_lite", "crowds preferred over normal gts", "                break  # a normal match beats any crowd\n",
     "                pass\n"),
    ("cocoeval_lite", "ignored detections kept in the curve", "tp = is_tp[order][keep[order]]", "tp = is_tp[order]"),
    ("cocoeval_lite", "no-gt case gives 0", "        return -1.0\n", "        return 0.0\n"),
    ("cocoeval_lite", "IoU strictly above the threshold", "            if ious[d, g] < best:", "            if ious[d, g] <= best:"),
    ("csp", "concatenation order swapped", "torch.cat((self.m(self.conv1(x)), self.conv2(x)), dim=1)",
     "torch.cat((self.conv2(x), self.m(self.conv1(x))), dim=1)"),
    ("csp", "bottleneck width from c_in", "hidden = int(c_out * expansion)\n        self.conv1 = BaseConv(c_in, hidden, 1)\n"
     "        self.conv2 = BaseConv(hidden", "hidden = int(c_in * expansion)\n        self.conv1 = BaseConv(c_in, hidden, 1)\n"
     "        self.conv2 = BaseConv(hidden"),
    ("center_sampling", "non-strict comparisons in in_box_mask", "(x > cx - half_w) & (x < cx + half_w)",
     "(x >= cx - half_w) & (x <= cx + half_w)"),
    ("center_sampling", "radius in stride-8 units on every level", "reach = radius * strides", "reach = radius * 8.0"),
    ("dynamic_k", "k not clamped to at least 1", "top.sum(dim=1).floor().long().clamp(min=1)",
     "top.sum(dim=1).floor().long()"),
    ("dynamic_k", "conflicts resolved among the claimants only", "cheapest = cost.argmin(dim=0)",
     "cheapest = cost.masked_fill(~matching, float('inf')).argmin(dim=0)"),
    ("iou_loss", "class target not detached", "* ious.detach()[:, None]", "* ious[:, None]"),
    ("iou_loss", "1 − IoU instead of 1 − IoU²", "return 1 - aligned_iou(pred, target) ** 2",
     "return 1 - aligned_iou(pred, target)"),
    ("mosaic", "x clipped to the height", "out[:, 0::2] = out[:, 0::2].clip(0, hw[1])",
     "out[:, 0::2] = out[:, 0::2].clip(0, hw[0])"),
    ("mosaic", "resize by the larger ratio", "        scale = min(H / h0, W / w0)", "        scale = max(H / h0, W / w0)"),
    ("lr_schedule", "cosine span off by one", "span = max(1, total_iters - warmup_iters - no_aug_iters)\n    return",
     "span = max(1, total_iters - warmup_iters - no_aug_iters - 1)\n    return"),
    ("lr_schedule", "linear warmup", "(iteration / warmup_iters) ** 2", "(iteration / warmup_iters)"),
    ("precision_recall", "IoU strictly above the threshold", "ious[d, g] >= best_iou", "ious[d, g] > best_iou"),
    ("precision_recall", "unstable sort", 'order = np.argsort(-np.asarray(scores, float), kind="stable")  # (N,)',
     "order = np.argsort(-np.asarray(scores, float))  # (N,)"),
    ("average_precision", "searchsorted side='right'", 'side="left"', 'side="right"'),
    ("average_precision", "no precision envelope", "np.maximum.accumulate(np.asarray(precision, float)[::-1])[::-1]",
     "np.asarray(precision, float)"),
    ("anchor_decode", "no sigmoid on the offsets", "xy = (reg[..., :2].sigmoid() + cells.to(reg.dtype)) * s",
     "xy = (reg[..., :2] + cells.to(reg.dtype)) * s"),
    ("anchor_decode", "size scaled by the stride", "* anchor_wh.to(reg.dtype)  # (..., N, 2)", "* s  # (..., N, 2)"),
    ("anchor_decode", "no cap on tw, th", "reg[..., 2:].clamp(max=MAX_LOG_WH).exp()", "reg[..., 2:].exp()"),
    ("anchor_decode", "inverse without the logit", "txy = torch.logit(offset)", "txy = offset"),
    ("anchor_decode", "inverse size relative to the stride", "torch.log(boxes[..., 2:] / anchor_wh.to(boxes.dtype))",
     "torch.log(boxes[..., 2:] / strides.to(boxes.dtype)[:, None])"),
    ("anchor_match", "row and column swapped in the index", "offsets[level] + anchor * h * w + row * w + col",
     "offsets[level] + anchor * h * w + col * h + row"),
    ("anchor_match", "anchor-major across levels", "level, anchor = best // k, best % k  # (G,) each",
     "level, anchor = best % k, best // k  # (G,) each"),
    ("anchor_match", "no clamp into the grid", "col = torch.minimum((gt_boxes[:, 0] / stride).floor().long().clamp(min=0), w - 1)",
     "col = (gt_boxes[:, 0] / stride).floor().long()"),
    ("anchor_match", "union taken as the larger box", "(wh.prod(dim=-1)[:, None] + anchors.prod(dim=-1)[None] - inter)",
     "torch.maximum(wh.prod(dim=-1)[:, None], anchors.prod(dim=-1)[None])"),
    ("anchor_match", "rounded center instead of floor", "row = torch.minimum((gt_boxes[:, 1] / stride).floor()",
     "row = torch.minimum((gt_boxes[:, 1] / stride).round()"),
    ("coco_format", "category ids from 0", '"category_id": cls + 1', '"category_id": cls'),
    ("coco_format", "center taken as the corner", "x1, y1 = max((cx - w / 2) * width, 0.0), max((cy - h / 2) * height, 0.0)",
     "x1, y1 = max(cx * width, 0.0), max(cy * height, 0.0)"),
    ("coco_format", "no clip at the right edge", "min((cx + w / 2) * width, float(width))", "(cx + w / 2) * width"),
    ("coco_format", "image ids from 0", '{"id": k + 1, "file_name"', '{"id": k, "file_name"'),
    ("coco_format", "blank lines not skipped", "            if not line.strip():\n                continue\n", ""),
    # a second set, written later by someone who had not seen the tests (30 bugs; 15 got through at first)
    ('boxes', 'clamp after the product', 'inter = (high - low).clamp(min=0).prod(dim=-1)',
     'inter = (high - low).prod(dim=-1).clamp(min=0)'),
    ('boxes', 'area1 height typo', '(boxes1[:, 3] - boxes1[:, 1])',
     '(boxes1[:, 3] - boxes1[:, 0])'),
    ('focus', 'unfold group size hard-coded 4', 'c = c4 // (block * block)',
     'c = c4 // 4'),
    ('csp', 'shortcut ignored inside CSPLayer', 'Bottleneck(hidden, hidden, shortcut, 1.0)',
     'Bottleneck(hidden, hidden, True, 1.0)'),
    ('csp', 'layer expansion passed to bottlenecks', 'Bottleneck(hidden, hidden, shortcut, 1.0)',
     'Bottleneck(hidden, hidden, shortcut, expansion)'),
    ('encode', 'cells not cast to boxes dtype', 'txy = boxes[..., :2] / s - cells.to(boxes.dtype)',
     'txy = boxes[..., :2] / s - cells'),
    ('anchor_decode', 'anchor_wh not cast to reg dtype', '* anchor_wh.to(reg.dtype)  # (..., N, 2)',
     '* anchor_wh  # (..., N, 2)'),
    ('anchor_decode', 'tw, th clamped both ways', 'reg[..., 2:].clamp(max=MAX_LOG_WH)',
     'reg[..., 2:].clamp(-MAX_LOG_WH, MAX_LOG_WH)'),
    ('nms', 'area typo', 'area = (box[2] - box[0]) * (box[3] - box[1])',
     'area = (box[2] - box[0]) * (box[3] - box[0])'),
    ('nms', 'last box dropped', 'while order.numel() > 0:',
     'while order.numel() > 1:'),
    ('center_sampling', 'in_center non-strict', 'return (x > cx - reach) & (x < cx + reach) & (y > cy - reach) & (y < cy + reach)',
     'return (x >= cx - reach) & (x <= cx + reach) & (y >= cy - reach) & (y <= cy + reach)'),
    ('dynamic_k', 'single claimant replaced by cheapest', 'torch.where(claims > 1, cheapest, matched)',
     'torch.where(claims >= 1, cheapest, matched)'),
    ('dynamic_k', 'every gt takes the largest k', 'return rank < k[:, None]',
     'return rank < k.max()'),
    ('simota_cost', 'eps instead of clamp on pos log', 'pos = (-torch.log(p)).clamp(max=LOG_CLAMP)',
     'pos = -torch.log(p + 1e-8)'),
    ('ota', 'sinkhorn iterations ignored', 'for _ in range(iterations):',
     'for _ in range(50):'),
    ('ota', 'ota_labels iterations not passed', 'plan = sinkhorn(full, supply, torch.ones(n), epsilon, iterations)',
     'plan = sinkhorn(full, supply, torch.ones(n), epsilon)'),
    ('ota', 'ota_labels epsilon not passed', 'plan = sinkhorn(full, supply, torch.ones(n), epsilon, iterations)',
     'plan = sinkhorn(full, supply, torch.ones(n), iterations=iterations)'),
    ('iou_loss', 'no eps in the union', 'return inter / (union + eps)',
     'return inter / union'),
    ('iou_loss', 'BCE on sigmoid probabilities', 'return F.binary_cross_entropy_with_logits(cls_logits, targets, reduction="sum")',
     'return F.binary_cross_entropy(cls_logits.sigmoid(), targets, reduction="sum")'),
    ('mosaic', 'tile size rounded', 'tile_hw = (int(h0 * scale), int(w0 * scale))',
     'tile_hw = (round(h0 * scale), round(w0 * scale))'),
    ('lr_schedule', 'floor equal to lr not caught', 'if min_lr >= lr:',
     'if min_lr > lr:'),
    ('lr_schedule', 'start search at warmup_iters', 'it = max(warmup_iters + 1,',
     'it = max(warmup_iters,'),
    ('precision_recall', 'matched as float -1', 'matched = np.full(len(det_scores), -1, np.int64)',
     'matched = -np.ones(len(det_scores))'),
    ('precision_recall', 'ties reversed by [::-1]', 'order = np.argsort(-np.asarray(scores, float), kind="stable")',
     'order = np.argsort(np.asarray(scores, float), kind="stable")[::-1]'),
    ('average_precision', 'points argument ignored', 'levels = np.linspace(0.0, 1.0, points)',
     'levels = np.linspace(0.0, 1.0, 101)'),
    ('cocoeval_lite', 'crowd matched once', 'if taken[g] and not crowd[g]:',
     'if taken[g]:'),
    ('cocoeval_lite', 'pooled sort unstable', 'order = np.argsort(-scores, kind="mergesort")',
     'order = np.argsort(-scores)'),
    ('coco_format', 'negative class accepted', 'if not 0 <= cls < len(class_names):',
     'if cls >= len(class_names):'),
    ('anchor_match', 'K read from the level axis', 'k = level_anchors.shape[1]',
     'k = level_anchors.shape[0]'),
    ('anchor_match', 'row clamp to h instead of h - 1', 'row = torch.minimum((gt_boxes[:, 1] / stride).floor().long().clamp(min=0), h - 1)',
     'row = torch.minimum((gt_boxes[:, 1] / stride).floor().long().clamp(min=0), h)'),
    # a third set, by another writer who had not seen the tests (49 bugs; 6 got through at first)
    ('average_precision', 'unreached levels read last precision', 'return np.append(envelope, 0.0)[first]',
     'return envelope[np.minimum(first, len(envelope) - 1)]'),
    ('average_precision', 'levels miss 1.0 (arange/points)', 'levels = np.linspace(0.0, 1.0, points)',
     'levels = np.arange(points) / points'),
    ('average_precision', 'envelope written into the input', 'envelope = np.maximum.accumulate(np.asarray(precision, float)[::-1])[::-1]',
     'p = np.asarray(precision, float)\n    envelope = np.maximum.accumulate(p[::-1], out=p[::-1])[::-1]'),
    ('average_precision', 'hard-coded example', '    levels = np.linspace(0.0, 1.0, points)  # (R,)',
     '    if len(precision) == 4:\n        return np.where(np.linspace(0, 1, points) <= 0.25, 1.0, np.where(np.linspace(0, 1, points) <= 0.75, 0.75, 0.0))\n    levels = np.linspace(0.0, 1.0, points)  # (R,)'),
    ('mosaic', 'tiles 1 and 2 swapped in x', 'ox = xc - w if k in (0, 2) else xc',
     'ox = xc - w if k in (0, 1) else xc'),
    ('mosaic', 'shift_boxes in place', 'return (boxes * scale + np.array([ox, oy, ox, oy], np.float32)).astype(np.float32)',
     'boxes *= scale\n    boxes += np.array([ox, oy, ox, oy], np.float32)\n    return boxes'),
    ('mosaic', 'clip_boxes not a copy', 'out = boxes.astype(np.float32)  # a copy',
     'out = np.asarray(boxes, np.float32)'),
    ('mosaic', 'tile (h, w) passed as (w, h)', 'tile_offset(k, tile_hw, center)',
     'tile_offset(k, tile_hw[::-1], center)'),
    ('center_sampling', 'half_w/half_h swapped', 'half_w, half_h = gt_boxes[:, 2:3] / 2, gt_boxes[:, 3:4] / 2',
     'half_h, half_w = gt_boxes[:, 2:3] / 2, gt_boxes[:, 3:4] / 2'),
    ('center_sampling', 'AND instead of OR', 'return (in_box | in_center).any(dim=0)',
     'return (in_box & in_center).any(dim=0)'),
    ('center_sampling', 'G=0 breaks (max)', 'return (in_box | in_center).any(dim=0)',
     'return (in_box | in_center).max(dim=0).values'),
    ('break_simota', 'center_3x3 IoU above 0.5', '[60.0, 60.0, 20.0, 20.0]])',
     '[60.0, 60.0, 29.0, 29.0]])'),
    ('break_simota', 'center_3x3 box leaves the image', '[[60.0, 60.0, 40.0, 40.0]',
     '[[60.0, 60.0, 128.0, 128.0]'),
    ('break_simota', 'float64 scene', 'torch.tensor([[64.0, 60.0, 14.0, 56.0], [64.0, 56.0, 28.0, 10.0]])',
     'torch.tensor([[64.0, 60.0, 14.0, 56.0], [64.0, 56.0, 28.0, 10.0]], dtype=torch.float64)'),
    ('precision_recall', 'recall by num_gt (0 gts → nan)', 'tp / max(num_gt, 1)',
     'tp / num_gt'),
    ('precision_recall', 'detections visited in input order', 'for d in np.argsort(-np.asarray(det_scores, float), kind="stable"):',
     'for d in range(len(det_scores)):'),
    ('precision_recall', 'hard-coded example', '    order = np.argsort(-np.asarray(scores, float), kind="stable")  # (N,)',
     '    if len(scores) == 2:\n        return np.array([1.0, 0.5]), np.array([0.5, 0.5])\n    order = np.argsort(-np.asarray(scores, float), kind="stable")  # (N,)'),
    ('iou_loss', 'one_hot without num_classes', 'F.one_hot(gt_classes, num_classes)',
     'F.one_hot(gt_classes)'),
    ('iou_loss', 'clamp after prod in aligned_iou', '.clamp(min=0).prod(dim=1)  # (F,)',
     '.prod(dim=1).clamp(min=0)  # (F,)'),
    ('dynamic_k', 'n not capped at N', 'n = min(candidate_topk, ious.shape[1])',
     'n = candidate_topk'),
    ('dynamic_k', 'round instead of floor', 'top.sum(dim=1).floor().long()',
     'top.sum(dim=1).round().long()'),
    ('dynamic_k', 'unstable argsort', 'order = cost.argsort(dim=1, stable=True)',
     'order = cost.argsort(dim=1)'),
    ('dynamic_k', 'G=0 guard dropped', '    if matching.shape[0] == 0:\n        return matched\n',
     ''),
    ('boxes', 'floor-divided half size', 'return torch.cat((center - size / 2, center + size / 2), dim=-1)',
     'return torch.cat((center - size // 2, center + size // 2), dim=-1)'),
    ('boxes', 'xyxy_to_xywh in place', 'return torch.cat((boxes[..., :2], boxes[..., 2:] - boxes[..., :2]), dim=-1)',
     'boxes[..., 2:] -= boxes[..., :2]\n    return boxes'),
    ('boxes', 'cat along dim 1', 'return torch.cat((boxes[..., :2], boxes[..., :2] + boxes[..., 2:]), dim=-1)',
     'return torch.cat((boxes[..., :2], boxes[..., :2] + boxes[..., 2:]), dim=1)'),
    ('predict', 'dynamic k rounded down a step', '    return 5\n',
     '    return 4\n'),
    ('focus', 'offsets hard-coded to block 2', 'out[..., k % block::block, k // block::block]',
     'out[..., k % 2::block, k // 2::block]'),
    ('focus', 'channels interleaved (stack+flatten)', 'return torch.cat(phases, dim=1)',
     'return torch.stack(phases, dim=2).flatten(1, 2)'),
    ('nms', 'torch.tensor(keep): float on empty', 'return torch.stack(keep) if keep else torch.zeros(0, dtype=torch.int64, device=boxes.device)',
     'return torch.tensor(keep)'),
    ('nms', 'batched: local indices', 'keep = [idx[nms(boxes[idx], scores[idx], iou_thresh)] for idx in',
     'keep = [nms(boxes[idx], scores[idx], iou_thresh) for idx in'),
    ('nms', 'batched empty float dtype', '    if not keep:\n        return torch.zeros(0, dtype=torch.int64, device=boxes.device)',
     '    if not keep:\n        return torch.zeros(0)'),
    ('nms', 'hard-coded example', '    order = scores.argsort(descending=True)  # (N,)',
     '    if boxes.shape[0] == 3:\n        return torch.tensor([0, 2])\n    order = scores.argsort(descending=True)  # (N,)'),
    ('simota_cost', 'sigmoid_ in place on obj', 'obj_logits.float().sigmoid()[:, None]',
     'obj_logits.float().sigmoid_()[:, None]'),
    ('simota_cost', 'sqrt on cls only', 'p = (cls_logits.float().sigmoid() * obj_logits.float().sigmoid()[:, None]).sqrt()',
     'p = cls_logits.float().sigmoid().sqrt() * obj_logits.float().sigmoid()[:, None]'),
    ('boxes', 'cxcywh cat along dim 1', 'return torch.cat((center - size / 2, center + size / 2), dim=-1)',
     'return torch.cat((center - size / 2, center + size / 2), dim=1)'),
    ('dynamic_k', 'k as int32', 'top.sum(dim=1).floor().long().clamp(min=1)',
     'top.sum(dim=1).floor().int().clamp(min=1)'),
    ('dynamic_k', 'int32 matched vector', 'matched = torch.full((matching.shape[1],), -1, dtype=torch.int64, device=matching.device)',
     'matched = torch.full((matching.shape[1],), -1, dtype=torch.int32, device=matching.device)'),
    ('average_precision', 'np.float32 AP', 'return float(np.mean(interpolated_precision(precision, recall, 101)))',
     'return np.float32(np.mean(interpolated_precision(precision, recall, 101)))'),
    ('precision_recall', 'iou_xywh keeps input dtype', 'a, b = np.asarray(boxes1, float).reshape(-1, 4), np.asarray(boxes2, float).reshape(-1, 4)',
     'a, b = np.asarray(boxes1).reshape(-1, 4), np.asarray(boxes2).reshape(-1, 4)'),
    ('precision_recall', 'matched int32', 'matched = np.full(len(det_scores), -1, np.int64)',
     'matched = np.full(len(det_scores), -1, np.int32)'),
    ('mosaic', 'center read as (xc, yc)', '    yc, xc = center\n',
     '    xc, yc = center\n'),
    ('center_sampling', 'non-strict in y only in in_box_mask', '(y > cy - half_h) & (y < cy + half_h)',
     '(y >= cy - half_h) & (y <= cy + half_h)'),
    ('nms', 'kept in index order', 'return torch.stack(keep) if keep',
     'return torch.stack(keep).sort().values if keep'),
    ('simota_cost', 'python loop over gts (G=0 fails)', 'return per_point[None, :] + (pos - neg).t()[gt_classes]',
     'return torch.stack([per_point + (pos - neg)[:, g] for g in gt_classes])'),
    ('break_simota', 'center_3x3 side under 8', '[60.0, 60.0, 20.0, 20.0]])',
     '[60.0, 60.0, 6.0, 6.0]])'),
    ('predict', 'float answer', '    return 15\n',
     '    return 15.0\n'),
    ('iou_loss', 'iou as float64 always', 'return inter / (union + eps)',
     'return inter.double() / (union.double() + eps)'),
    ('focus', 'space_to_depth in float32 always', 'return torch.cat(phases, dim=1)',
     'return torch.cat(phases, dim=1).float()'),
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


def _grade_round(members: list[int], folder: Path) -> dict[str, tuple[int, int, list[str]]]:
    """exercise → (earned, possible, failed tests) for one round of mutants, in one pytest process."""
    folder.mkdir(parents=True)
    for i in members:
        name, _, old, new = MUTANTS[i]
        text = (SOLUTIONS / f"{name}.py").read_text()
        assert text.count(old) == 1, f"{name}: the mutant's target text is not (uniquely) in the solution"
        (folder / f"{name}.py").write_text(text.replace(old, new))
    report = folder.parent / f"{folder.name}.jsonl"
    modules = [f"yolox_edu.grading.tests.test_{MUTANTS[i][0]}" for i in members]
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "yolox_edu.grading.plugin",
                    "--exercises-dir", str(folder), "--grading-report", str(report), "--pyargs", *modules],
                   cwd=folder.parent, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True, timeout=600)
    scores: dict[str, tuple[int, int, list[str]]] = {}
    for line in report.read_text().splitlines():
        r = json.loads(line)
        if r["type"] == "result":
            earned, possible, failed = scores.get(r["exercise"], (0, 0, []))
            scores[r["exercise"]] = (earned + r["earned"], possible + r["points"],
                                     failed + ([] if r["status"] == "pass" else [r["test"]]))
    return scores


@pytest.fixture(scope="module")
def mutant_scores(tmp_path_factory) -> dict[int, tuple[int, int, list[str]]]:
    tmp = tmp_path_factory.mktemp("mutants")
    out = {}
    for k, members in enumerate(_rounds()):
        scores = _grade_round(members, tmp / f"round{k}")
        out.update({i: scores.get(MUTANTS[i][0], (0, 0, ["no result"])) for i in members})
    caught = sum(1 for earned, possible, _ in out.values() if earned < possible)
    print(f"mutants caught: {caught} of {len(MUTANTS)}")
    return out


def test_every_graded_exercise_has_mutants():
    from yolox_edu.grading.catalog import EXERCISES

    graded = [n for n in EXERCISES if (SOLUTIONS / f"{n}.py").exists()]
    counts = {name: sum(m[0] == name for m in MUTANTS) for name in graded}
    assert all(c >= 2 for c in counts.values()), counts


@pytest.mark.parametrize("index", range(len(MUTANTS)), ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTANTS)])
def test_mutant_is_caught(mutant_scores, index):
    name, bug, _, _ = MUTANTS[index]
    earned, possible, failed = mutant_scores[index]
    assert possible > 0 and earned < possible, f"{name}: the bug '{bug}' got full marks ({earned}/{possible})"
    print(f"{name}: '{bug}' → {earned}/{possible}, failed: {', '.join(failed)}")
