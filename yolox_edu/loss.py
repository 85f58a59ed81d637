"""The YOLOX training loss: assign labels, then four terms normalised by the number of positives.

* IoU:  reg_weight · Σ_fg (1 − IoU²)  (or 1 − GIoU with ``iou_type="giou"``)
* obj:  Σ_all points BCE-with-logits(obj, 1 on foreground else 0)
* cls:  Σ_fg BCE-with-logits(cls, one-hot(gt class) · matched IoU), summed over classes
* L1:   Σ_fg |raw (tx, ty, tw, th) − (cx/s − i, cy/s − j, log(w/s + 1e-8), log(h/s + 1e-8))|
        (only when ``use_l1``: the last no-augmentation epochs)

each divided by the number of foreground points of the batch (at least 1). Sums run over all images,
so the loss of a batch is not a mean over images. The returned parts are already weighted:
``total == iou + obj + cls + l1`` (the official code also reports its IoU part times 5).

Under ``torch.distributed`` the foreground count is averaged over processes before dividing, so N
processes with DDP (which averages gradients) give the gradients of one process on the global batch.
This is our choice (MMDetection's YOLOX does the same), not the official one: YOLOX 0.3.0 divides by each
process's own foreground count, with no all-reduce, so an image-rich process and a sparse one weigh each
positive differently. On one process the two are identical.

With anchors (the paper's YOLOv3 rungs, ``anchors`` (L, K, 2) px) the maps carry K groups of channels,
the boxes are decoded YOLOv3's way (``decode.decode_anchor_boxes``), the rule must be ``yolov3``, and
the obj term skips the predictions the rule marks ``ignore_mask`` (overlapping a gt, not chosen). The
L1 term then compares (σ(tx), σ(ty), tw, th) with (cx/s − i, cy/s − j, log(w/a_w), log(h/a_h)).

Shapes: per level raw maps (B, K·(5 + C), h, w) (K = 1 anchor-free); targets (B, G, 5) rows (class, cx, cy,
w, h) in input pixels, all-zero rows are padding. Internally (B, A, ...) after ``decode.flatten_levels``.
"""

from __future__ import annotations

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import Tensor

from yolox_edu.anchors import AnchorGrid
from yolox_edu.assign import AssignResult, get_assigner
from yolox_edu.assign.registry import ANCHOR_ASSIGNER_NAMES
from yolox_edu.boxes import aligned_giou, aligned_iou
from yolox_edu.decode import (
    anchor_grid_for,
    decode_anchor_boxes,
    decode_boxes,
    flatten_anchor_levels,
    flatten_levels,
    grid_for,
)
from yolox_edu.grid import DEFAULT_STRIDES, Grid

__all__ = ["yolox_loss", "split_targets", "drop_padding", "iou_loss", "l1_targets", "anchor_l1_targets",
           "LOSS_KEYS"]

REG_WEIGHT = 5.0
L1_EPS = 1e-8
LOSS_KEYS = ("total", "iou", "obj", "cls", "l1", "num_fg")


def split_targets(targets: Tensor, num_classes: int) -> tuple[Tensor, Tensor, Tensor]:
    """(B, G, 5) label rows → gt boxes (B, G, 4) cxcywh, classes (B, G) int64, valid (B, G) bool.

    A row is padding iff all its five values are 0 (the official label convention).
    """
    if targets.ndim != 3 or targets.shape[-1] != 5:
        raise ValueError(f"targets must be (B, G, 5) rows (class, cx, cy, w, h), got {tuple(targets.shape)}")
    valid = (targets != 0).any(dim=-1)  # (B, G) bool
    classes = targets[..., 0].long()  # (B, G)
    bad = valid & ((classes < 0) | (classes >= num_classes) | (targets[..., 0] != classes))  # (B, G)
    if bad.any():
        raise ValueError(
            f"targets hold class ids outside 0..{num_classes - 1} (or not integers): "
            f"{targets[..., 0][bad].unique().tolist()}; check the dataset's category mapping and num_classes"
        )
    return targets[..., 1:5], classes * valid, valid


def drop_padding(gt_boxes: Tensor, gt_classes: Tensor, gt_valid: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Move each image's real rows first (keeping their order) and cut the batch to its largest count.

    Training pads labels to 120 rows but images hold far fewer: this shrinks every (B, G, A) matrix of
    the assignment. Shapes: (B, G, 4), (B, G), (B, G) → (B, G', 4), (B, G'), (B, G') with G' <= G.
    """
    keep = int(gt_valid.sum(dim=1).max()) if gt_valid.numel() else 0
    order = torch.argsort((~gt_valid).to(torch.uint8), dim=1, stable=True)[:, :keep]  # (B, G') real rows first
    boxes = gt_boxes.gather(1, order[..., None].expand(-1, -1, 4))  # (B, G', 4)
    return boxes, gt_classes.gather(1, order), gt_valid.gather(1, order)


def iou_loss(pred: Tensor, target: Tensor, iou_type: str = "iou") -> Tensor:
    """Per-box IoU loss of row-aligned cxcywh boxes: 1 − IoU² or 1 − GIoU (clamped to [-1, 1]).

    Shapes: (F, 4), (F, 4) → (F,).
    """
    if iou_type == "iou":
        return 1 - aligned_iou(pred, target) ** 2
    if iou_type == "giou":
        return 1 - aligned_giou(pred, target).clamp(min=-1.0, max=1.0)
    raise ValueError(f"iou_type must be 'iou' or 'giou', got {iou_type!r}")


def l1_targets(gt_boxes: Tensor, grid: Grid, points: Tensor, eps: float = L1_EPS) -> Tensor:
    """What the raw regression (tx, ty, tw, th) of each foreground point should have been.

    Shapes: gt_boxes (F, 4) cxcywh px matched to ``points`` (F,) indices into the grid → (F, 4).
    """
    stride = grid.strides[points][:, None]  # (F, 1)
    xy = gt_boxes[:, :2] / stride - grid.cells[points]  # (F, 2)
    wh = torch.log(gt_boxes[:, 2:] / stride + eps)  # (F, 2)
    return torch.cat((xy, wh), dim=1)  # (F, 4)


def anchor_l1_targets(gt_boxes: Tensor, grid: AnchorGrid, points: Tensor, eps: float = L1_EPS) -> Tensor:
    """What (σ(tx), σ(ty), tw, th) of each foreground anchor prediction should have been.

    Shapes: gt_boxes (F, 4) cxcywh px matched to ``points`` (F,) indices into the anchor grid → (F, 4).
    """
    xy = gt_boxes[:, :2] / grid.strides[points][:, None] - grid.cells[points]  # (F, 2) in [0, 1)
    wh = torch.log(gt_boxes[:, 2:] / grid.anchor_wh[points] + eps)  # (F, 2)
    return torch.cat((xy, wh), dim=1)  # (F, 4)


def _normaliser(num_fg: Tensor) -> Tensor:
    """Foreground count averaged over processes (when distributed), at least 1."""
    num_fg = num_fg.detach().float().clone()  # 0-d
    if dist.is_available() and dist.is_initialized():
        dist.all_reduce(num_fg)
        num_fg = num_fg / dist.get_world_size()
    return num_fg.clamp(min=1.0)


def _check_rule(assigner: str, anchors: Tensor | None) -> None:
    """Anchor rules need anchors and the anchor-free rules refuse them."""
    if anchors is None and assigner in ANCHOR_ASSIGNER_NAMES:
        raise ValueError(f"assigner={assigner!r} needs anchors (pass anchors=(L, K, 2) sizes, or build the model "
                         "with anchors='yolov3')")
    if anchors is not None and assigner not in ANCHOR_ASSIGNER_NAMES:
        raise ValueError(f"assigner={assigner!r} is anchor-free (one prediction per cell) and is not defined with "
                         f"anchors; use one of {', '.join(ANCHOR_ASSIGNER_NAMES)}, or drop the anchors")


def _flatten_and_decode(outputs: list[Tensor], strides: tuple[int, ...],
                        anchors: Tensor | None) -> tuple[Tensor, Tensor, Grid | AnchorGrid]:
    """Raw rows (B, A, 5 + C), decoded boxes (B, A, 4) cxcywh px, and the grid (points or anchors)."""
    if anchors is None:
        raw, grid = flatten_levels(outputs), grid_for(outputs, strides)  # (B, A, 5 + C)
        return raw, decode_boxes(raw[..., :4], grid), grid
    raw = flatten_anchor_levels(outputs, anchors.shape[1])  # (B, A, 5 + C)
    grid = anchor_grid_for(outputs, anchors, strides)
    return raw, decode_anchor_boxes(raw[..., :4], grid), grid


def _check_outputs(outputs: list[Tensor], strides: tuple[int, ...]) -> None:
    if not outputs or len(outputs) != len(strides):
        raise ValueError(f"expected {len(strides)} output maps (one per stride {strides}), got {len(outputs)}")
    for m in outputs:
        if m.ndim != 4 or m.shape[1] < 6 or m.shape[:2] != outputs[0].shape[:2]:
            raise ValueError(
                f"outputs must be per-level raw maps (B, 5 + C, h, w) with the same B and C, "
                f"got shapes {[tuple(o.shape) for o in outputs]}"
            )


def yolox_loss(
    outputs: list[Tensor],
    targets: Tensor,
    strides: tuple[int, ...] = DEFAULT_STRIDES,
    *,
    assigner: str = "simota",
    use_l1: bool = False,
    iou_type: str = "iou",
    reg_weight: float = REG_WEIGHT,
    assigner_kwargs: dict | None = None,
    anchors: Tensor | None = None,
) -> dict[str, Tensor]:
    """The YOLOX loss of one batch.

    Args:
        outputs: per-level raw head maps (B, 5 + C, h, w), channels (tx, ty, tw, th, obj, classes...).
        targets: (B, G, 5) rows (class, cx, cy, w, h) in input pixels; all-zero rows are padding.
        strides: stride of each level.
        assigner: rule name (see ``yolox_edu.assign.ASSIGNER_NAMES``); ``assigner_kwargs`` go to it.
        use_l1: add the L1 term on raw regression outputs.
        iou_type: "iou" (1 − IoU²) or "giou".
        reg_weight: weight of the IoU term.
        anchors: (L, K, 2) anchor sizes in px for an anchor head (rule ``yolov3``); None: anchor-free.

    Returns:
        dict with ``total``, ``iou`` (already × reg_weight), ``obj``, ``cls``, ``l1`` (0-d tensors,
        ``total`` carries the graph) and ``num_fg`` (0-d float tensor, this process's positives).
    """
    _check_outputs(outputs, strides)
    _check_rule(assigner, anchors)
    raw, boxes, grid = _flatten_and_decode(outputs, strides, anchors)  # (B, A, 5 + C), (B, A, 4) cxcywh px
    obj, cls = raw[..., 4], raw[..., 5:]  # (B, A), (B, A, C)
    gt_boxes, gt_classes, gt_valid = drop_padding(*split_targets(targets.to(raw.device), cls.shape[-1]))  # (B, G')

    with torch.no_grad():
        result: AssignResult = get_assigner(assigner)(
            boxes.detach(), cls.detach(), obj.detach(), gt_boxes, gt_classes, gt_valid, grid,
            **(assigner_kwargs or {}),
        )
    fg = result.fg_mask  # (B, A) bool
    image, point = fg.nonzero(as_tuple=True)  # (F,), (F,)
    matched = result.matched_gt[image, point]  # (F,)
    fg_gt_boxes = gt_boxes[image, matched].to(boxes.dtype)  # (F, 4)
    num_fg = fg.sum()
    norm = _normaliser(num_fg)

    loss_iou = reg_weight * iou_loss(boxes[image, point], fg_gt_boxes, iou_type).sum() / norm
    ignore = getattr(result, "ignore_mask", None)  # (B, A) bool, anchor rule only
    obj_weight = None if ignore is None else (~ignore).to(obj.dtype)  # (B, A)
    loss_obj = F.binary_cross_entropy_with_logits(obj, fg.to(obj.dtype), weight=obj_weight, reduction="sum") / norm
    cls_target = F.one_hot(gt_classes[image, matched], cls.shape[-1]).to(cls.dtype)  # (F, C)
    cls_target = cls_target * result.matched_iou[image, point, None].to(cls.dtype)  # (F, C)
    loss_cls = F.binary_cross_entropy_with_logits(cls[image, point], cls_target, reduction="sum") / norm
    if use_l1:
        if anchors is None:
            l1_pred, l1_target = raw[image, point, :4], l1_targets(fg_gt_boxes, grid, point)  # (F, 4) each
        else:
            reg = raw[image, point, :4]  # (F, 4)
            l1_pred = torch.cat((reg[:, :2].sigmoid(), reg[:, 2:]), dim=1)  # (F, 4)
            l1_target = anchor_l1_targets(fg_gt_boxes, grid, point)  # (F, 4)
        loss_l1 = F.l1_loss(l1_pred, l1_target, reduction="sum") / norm
    else:
        loss_l1 = raw.new_zeros(())
    # every output element stays in the graph even when F = 0 (DDP needs all parameters to get a gradient);
    # summed in float32: an fp16 sum of a whole batch overflows to inf, and 0 · inf is NaN
    total = loss_iou + loss_obj + loss_cls + loss_l1 + 0.0 * raw.float().sum()
    return dict(total=total, iou=loss_iou, obj=loss_obj, cls=loss_cls, l1=loss_l1, num_fg=num_fg.detach().float())
