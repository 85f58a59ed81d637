"""What a detector gets wrong, beyond one AP number: an error breakdown, a confusion matrix and a
deployment threshold.

- ``classify_image`` / ``error_breakdown``: every kept detection is a true positive or one kind of error,
  in the spirit of TIDE (Bolya et al., ECCV 2020) with its two IoU thresholds (foreground 0.5,
  background 0.1), checked in this order for a detection that is not a true positive:

  * ``dup``: it overlaps a gt of its own class at IoU ≥ 0.5, but a better-scoring detection took that gt;
  * ``cls``: it overlaps a gt of *another* class at IoU ≥ 0.5 (the box is right, the class is wrong);
  * ``loc``: its best gt of its own class has 0.1 ≤ IoU < 0.5 (the right object, a loose box);
  * ``cls`` again when only a gt of another class overlaps at 0.1 ≤ IoU < 0.5 (wrong class, loose box:
    TIDE calls it "both"; we count it as class confusion);
  * ``bkg``: IoU < 0.1 with every gt (a detection on background);
  * ``ignored``: it lies on a crowd region (COCO neither rewards nor punishes it).

  A gt that no true positive took is ``missed`` (a false negative), whether or not a loose or wrong-class
  detection lies on it.
- ``confusion_matrix``: matching that ignores the class (best score first, IoU ≥ 0.5), then counts
  (true class, predicted class); unmatched detections go to the "background" row, unmatched gts to the
  "missed" column.
- ``threshold_sweep`` / ``pick_threshold``: precision, recall and F1 of the detections kept at each
  confidence threshold (IoU ≥ 0.5, all classes pooled), and the threshold to deploy.

Boxes are COCO's ``xywh`` pixels (results files and annotations) throughout. Shapes: D detections,
G ground truths of one image, K classes, T thresholds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from pycocotools.coco import COCO

from yolox_edu.eval.ap import box_iou_xywh, match_detections
from yolox_edu.eval.scores import category_info

__all__ = ["DETECTION_KINDS", "FG_IOU", "BG_IOU", "ImageErrors", "ErrorBreakdown", "classify_image",
           "error_breakdown", "image_arrays", "confusion_matrix", "ThresholdSweep", "threshold_sweep",
           "pick_threshold"]

FG_IOU = 0.5  # a true positive / a duplicate / a class confusion needs at least this IoU
BG_IOU = 0.1  # below this with every gt, a detection is on background
DETECTION_KINDS = ("tp", "dup", "cls", "loc", "bkg", "ignored")


@dataclass
class ImageErrors:
    """One image: ``kinds`` (D,) one of DETECTION_KINDS per detection (input order), ``gt_index`` (D,) the
    gt each detection was judged against (-1 for ``bkg``), ``missed`` (G,) bool, gts no true positive took."""

    kinds: np.ndarray
    gt_index: np.ndarray
    missed: np.ndarray


def classify_image(gt_boxes: np.ndarray, gt_labels: np.ndarray, det_boxes: np.ndarray, det_scores: np.ndarray,
                   det_labels: np.ndarray, gt_crowd: np.ndarray | None = None, fg_iou: float = FG_IOU,
                   bg_iou: float = BG_IOU) -> ImageErrors:
    """Sort the detections of one image into true positives and error kinds (module docstring).

    Args:
        gt_boxes (G, 4), det_boxes (D, 4): xywh pixels. gt_labels (G,), det_labels (D,): class ids.
        det_scores (D,): confidences (true positives are matched best score first, per class, as COCO).
        gt_crowd (G,) bool: crowd regions (never missed; detections on them are ``ignored``).
    """
    gt_boxes, det_boxes = np.asarray(gt_boxes, float).reshape(-1, 4), np.asarray(det_boxes, float).reshape(-1, 4)
    gt_labels, det_labels = np.asarray(gt_labels), np.asarray(det_labels)
    det_scores = np.asarray(det_scores, float)
    crowd = np.zeros(len(gt_boxes), bool) if gt_crowd is None else np.asarray(gt_crowd, bool)  # (G,)
    matched = np.full(len(det_boxes), -1)  # (D,) gt index of each true positive
    for c in np.unique(det_labels):
        d_idx, g_idx = np.flatnonzero(det_labels == c), np.flatnonzero(gt_labels == c)
        hit = match_detections(det_boxes[d_idx], det_scores[d_idx], gt_boxes[g_idx], fg_iou,
                               gt_crowd=crowd[g_idx])  # (d,) index into g_idx or -1
        matched[d_idx[hit >= 0]] = g_idx[hit[hit >= 0]]
    ious = box_iou_xywh(det_boxes, gt_boxes, crowd) if len(gt_boxes) else np.zeros((len(det_boxes), 0))  # (D, G)
    kinds = np.full(len(det_boxes), "bkg", dtype=object)
    gt_index = np.full(len(det_boxes), -1)
    for d in range(len(det_boxes)):
        kinds[d], gt_index[d] = _judge(d, matched[d], ious[d], gt_labels == det_labels[d], crowd, fg_iou, bg_iou)
    missed = np.ones(len(gt_boxes), bool) & ~crowd  # (G,)
    missed[matched[(matched >= 0)]] = False
    return ImageErrors(kinds.astype(str), gt_index, missed)


def _judge(d: int, match: int, iou: np.ndarray, same: np.ndarray, crowd: np.ndarray, fg_iou: float,
           bg_iou: float) -> tuple[str, int]:
    """The kind of detection ``d`` and its gt, from its IoUs (G,) and which gts share its class (G,)."""
    if match >= 0:
        return ("ignored" if crowd[match] else "tp"), int(match)
    regular = ~crowd
    if crowd.any() and (iou * crowd).max() >= fg_iou:
        return "ignored", int(np.argmax(iou * crowd))
    own = np.where(same & regular, iou, -1.0)  # (G,) IoU with gts of its class
    other = np.where(~same & regular, iou, -1.0)  # (G,) IoU with gts of other classes
    best_own, best_other = (int(np.argmax(v)) if len(v) else -1 for v in (own, other))
    own_iou = own[best_own] if best_own >= 0 else -1.0
    other_iou = other[best_other] if best_other >= 0 else -1.0
    if own_iou >= fg_iou:
        return "dup", best_own
    if other_iou >= fg_iou:
        return "cls", best_other
    if own_iou >= bg_iou:
        return "loc", best_own
    if other_iou >= bg_iou:
        return "cls", best_other
    return "bkg", -1


def image_arrays(coco_gt: COCO, results: list[dict], image_id: int, conf_thresh: float = 0.0
                 ) -> dict[str, np.ndarray]:
    """One image's gts and kept detections (score ≥ ``conf_thresh``) as arrays: ``gt_boxes`` (G, 4) xywh,
    ``gt_labels`` (G,) category ids, ``gt_crowd`` (G,), ``det_boxes`` (D, 4), ``det_scores``, ``det_labels``."""
    anns = coco_gt.loadAnns(coco_gt.getAnnIds(imgIds=[image_id]))
    dets = [r for r in results if r["image_id"] == image_id and r["score"] >= conf_thresh]
    return _arrays(anns, dets)


def _arrays(anns: list[dict], dets: list[dict]) -> dict[str, np.ndarray]:
    return dict(gt_boxes=np.array([a["bbox"] for a in anns], float).reshape(-1, 4),
                gt_labels=np.array([a["category_id"] for a in anns], int),
                gt_crowd=np.array([bool(a.get("iscrowd", 0)) for a in anns], bool),
                det_boxes=np.array([r["bbox"] for r in dets], float).reshape(-1, 4),
                det_scores=np.array([r["score"] for r in dets], float),
                det_labels=np.array([r["category_id"] for r in dets], int))


def _by_image(coco_gt: COCO, results: list[dict], conf_thresh: float) -> dict[int, dict[str, np.ndarray]]:
    anns, dets = defaultdict(list), defaultdict(list)
    for a in coco_gt.dataset.get("annotations", []):
        anns[a["image_id"]].append(a)
    for r in results:
        if r["score"] >= conf_thresh:
            dets[r["image_id"]].append(r)
    return {i: _arrays(anns[i], dets[i]) for i in sorted(coco_gt.getImgIds())}


@dataclass
class ErrorBreakdown:
    """``counts``: detections per kind plus ``missed`` gts; ``per_class``: the same per class name (the
    detection's class; ``missed`` by the gt's class); ``images``: ImageErrors per image id."""

    counts: dict[str, int]
    per_class: dict[str, dict[str, int]]
    images: dict[int, ImageErrors] = field(repr=False)
    conf_thresh: float = 0.0
    num_gt: int = 0

    def summary(self) -> str:
        kept = sum(self.counts[k] for k in DETECTION_KINDS)
        parts = ", ".join(f"{k} {self.counts[k]}" for k in DETECTION_KINDS[1:] if k != "ignored" or self.counts[k])
        return (f"score ≥ {self.conf_thresh:g}: {kept} detections = {self.counts['tp']} true positives + errors "
                f"({parts}); {self.counts['missed']} of {self.num_gt} gts missed")


def error_breakdown(coco_gt: COCO, results: list[dict], conf_thresh: float = 0.3, fg_iou: float = FG_IOU,
                    bg_iou: float = BG_IOU) -> ErrorBreakdown:
    """``classify_image`` over every image, for the detections with score ≥ ``conf_thresh``."""
    cat_ids, names = category_info(coco_gt)
    name_of = dict(zip(cat_ids, names))
    counts: Counter = Counter({k: 0 for k in (*DETECTION_KINDS, "missed")})
    per_class = {n: dict.fromkeys((*DETECTION_KINDS, "missed"), 0) for n in names}
    images = {}
    for image_id, a in _by_image(coco_gt, results, conf_thresh).items():
        errors = classify_image(a["gt_boxes"], a["gt_labels"], a["det_boxes"], a["det_scores"], a["det_labels"],
                                a["gt_crowd"], fg_iou, bg_iou)
        images[image_id] = errors
        for kind, label in zip(errors.kinds, a["det_labels"]):
            counts[kind] += 1
            per_class[name_of[int(label)]][kind] += 1
        for label in a["gt_labels"][errors.missed]:
            counts["missed"] += 1
            per_class[name_of[int(label)]]["missed"] += 1
    num_gt = sum(not a.get("iscrowd", 0) for a in coco_gt.dataset.get("annotations", []))
    return ErrorBreakdown(dict(counts), per_class, images, conf_thresh, num_gt)


def confusion_matrix(coco_gt: COCO, results: list[dict], conf_thresh: float = 0.3, iou_thresh: float = FG_IOU
                     ) -> tuple[np.ndarray, list[str]]:
    """(K + 1, K + 1) int counts and the K + 1 axis names (classes, then "background" / "missed").

    Rows are the true class, columns the predicted class. Per image, detections with score ≥ ``conf_thresh``
    are matched to gts regardless of class (best score first, IoU ≥ ``iou_thresh``, COCO's greedy rule):
    a matched pair counts at [true class, predicted class]; an unmatched detection at [background, its
    class]; an unmatched gt at [its class, missed]. Crowd gts are left out."""
    cat_ids, names = category_info(coco_gt)
    index = {c: k for k, c in enumerate(cat_ids)}
    k_none = len(cat_ids)  # the extra row/column
    matrix = np.zeros((k_none + 1, k_none + 1), int)
    for a in _by_image(coco_gt, results, conf_thresh).values():
        regular = ~a["gt_crowd"]
        gt_boxes, gt_labels = a["gt_boxes"][regular], a["gt_labels"][regular]
        hit = match_detections(a["det_boxes"], a["det_scores"], gt_boxes, iou_thresh)  # (D,)
        for d, label in enumerate(a["det_labels"]):
            row = index[int(gt_labels[hit[d]])] if hit[d] >= 0 else k_none
            matrix[row, index[int(label)]] += 1
        for g in np.setdiff1d(np.arange(len(gt_boxes)), hit[hit >= 0]):
            matrix[index[int(gt_labels[g])], k_none] += 1
    return matrix, [*names, "background / missed"]


@dataclass
class ThresholdSweep:
    """Precision, recall and F1 (T,) of the detections kept at each confidence threshold (T,), pooled over
    classes at IoU ≥ ``iou_thresh``; ``kept`` and ``tp`` (T,) counts; ``num_gt`` regular gts."""

    thresholds: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    kept: np.ndarray
    tp: np.ndarray
    num_gt: int
    iou_thresh: float


def threshold_sweep(coco_gt: COCO, results: list[dict], thresholds: np.ndarray | None = None,
                    iou_thresh: float = FG_IOU) -> ThresholdSweep:
    """Precision / recall / F1 at each threshold (default 0.05, 0.10, …, 0.95).

    Matching is COCO's per image and class, best score first, so a detection's match never depends on
    detections that score lower: one matching of all detections serves every threshold."""
    thresholds = np.round(np.arange(0.05, 0.951, 0.05), 2) if thresholds is None else np.asarray(thresholds, float)
    scores, hits, num_gt = [], [], 0
    for a in _by_image(coco_gt, results, 0.0).values():
        errors = classify_image(a["gt_boxes"], a["gt_labels"], a["det_boxes"], a["det_scores"], a["det_labels"],
                                a["gt_crowd"], iou_thresh, iou_thresh)
        keep = errors.kinds != "ignored"
        scores.append(a["det_scores"][keep])
        hits.append(errors.kinds[keep] == "tp")
        num_gt += int((~a["gt_crowd"]).sum())
    scores_all, tp_all = np.concatenate(scores), np.concatenate(hits)  # (N,), (N,) bool
    above = scores_all[None, :] >= thresholds[:, None]  # (T, N)
    kept, tp = above.sum(1), (above & tp_all[None, :]).sum(1)  # (T,), (T,)
    precision = np.divide(tp, kept, out=np.ones(len(thresholds)), where=kept > 0)
    recall = tp / max(num_gt, 1)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros(len(thresholds)),
                   where=precision + recall > 0)
    return ThresholdSweep(thresholds, precision, recall, f1, kept, tp, num_gt, iou_thresh)


def pick_threshold(sweep: ThresholdSweep, min_precision: float | None = None) -> float:
    """The threshold to deploy: with ``min_precision``, the lowest threshold whose precision reaches it
    (the most recall at that precision); without, the threshold of the highest F1. Raises ValueError when
    no threshold of the sweep reaches ``min_precision``."""
    if min_precision is None:
        return float(sweep.thresholds[int(np.argmax(sweep.f1))])
    ok = np.flatnonzero((sweep.precision >= min_precision) & (sweep.kept > 0))
    if len(ok) == 0:
        raise ValueError(f"no threshold in {sweep.thresholds.min():g}…{sweep.thresholds.max():g} reaches precision "
                         f"{min_precision} (best {sweep.precision.max():.3f}); lower min_precision")
    return float(sweep.thresholds[ok[np.argmin(sweep.thresholds[ok])]])
