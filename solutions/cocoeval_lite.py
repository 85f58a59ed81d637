"""Solution: COCOeval-lite (see exercises/cocoeval_lite.py), the rules of pycocotools' COCOeval for one category."""

from __future__ import annotations

import numpy as np

RECALL_LEVELS = np.linspace(0.0, 1.0, 101)


def crowd_iou(det_boxes: np.ndarray, gt_boxes: np.ndarray, iscrowd: np.ndarray) -> np.ndarray:
    d, g = np.asarray(det_boxes, float).reshape(-1, 4), np.asarray(gt_boxes, float).reshape(-1, 4)
    low = np.maximum(d[:, None, :2], g[None, :, :2])  # (D, G, 2)
    high = np.minimum(d[:, None, :2] + d[:, None, 2:], g[None, :, :2] + g[None, :, 2:])  # (D, G, 2)
    inter = np.clip(high - low, 0, None).prod(axis=2)  # (D, G)
    det_area, gt_area = d[:, 2] * d[:, 3], g[:, 2] * g[:, 3]  # (D,), (G,)
    union = np.where(np.asarray(iscrowd, bool)[None, :], det_area[:, None], det_area[:, None] + gt_area - inter)
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)  # (D, G)


def evaluate_image(det_boxes, det_scores, gt_boxes, iscrowd, iou_thresh, max_dets):
    crowd = np.asarray(iscrowd, bool).reshape(-1)
    gt_order = np.argsort(crowd, kind="stable")  # normal gts first
    gts, crowd = np.asarray(gt_boxes, float).reshape(-1, 4)[gt_order], crowd[gt_order]
    order = np.argsort(-np.asarray(det_scores, float), kind="stable")[:max_dets]
    dets, scores = np.asarray(det_boxes, float).reshape(-1, 4)[order], np.asarray(det_scores, float)[order]
    ious = crowd_iou(dets, gts, crowd)  # (K, G)
    taken = np.zeros(len(gts), bool)
    is_tp, ignored = np.zeros(len(dets), bool), np.zeros(len(dets), bool)
    for d in range(len(dets)):
        best, m = min(iou_thresh, 1 - 1e-10), -1
        for g in range(len(gts)):
            if taken[g] and not crowd[g]:
                continue
            if m > -1 and not crowd[m] and crowd[g]:
                break  # a normal match beats any crowd
            if ious[d, g] < best:
                continue
            best, m = ious[d, g], g
        if m > -1:
            ignored[d], is_tp[d] = crowd[m], not crowd[m]
            taken[m] = True
    return scores, is_tp, ignored, int((~crowd).sum())


def average_precision(images: list[dict], iou_thresh: float = 0.5, max_dets: int = 100) -> float:
    parts = [evaluate_image(im["det_boxes"], im["det_scores"], im["gt_boxes"], im["iscrowd"], iou_thresh, max_dets)
             for im in images]
    num_gt = sum(p[3] for p in parts)
    if num_gt == 0:
        return -1.0
    scores = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0)
    is_tp = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, bool)
    keep = ~np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, bool)
    order = np.argsort(-scores, kind="mergesort")
    tp = is_tp[order][keep[order]]
    tps, fps = np.cumsum(tp), np.cumsum(~tp)
    recall, precision = tps / num_gt, tps / np.maximum(tps + fps, np.finfo(float).eps)
    precision = np.maximum.accumulate(precision[::-1])[::-1]  # best precision at this recall or beyond
    idx = np.searchsorted(recall, RECALL_LEVELS, side="left")
    reached = idx < len(precision)
    return float(np.where(reached, precision[np.minimum(idx, len(precision) - 1)] if len(precision) else 0, 0).mean())
