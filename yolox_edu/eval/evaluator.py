"""Run a detector over a COCO dataset and score it.

Images are letterboxed to the input size (H, W) in a DataLoader, the model's eval-mode output
(B, A, 5 + C) goes through ``postprocess`` (score filter + per-class NMS), boxes are divided by the
letterbox ratio (not clipped, as the official evaluator) and written as COCO results in original
category ids. Under ``torch.distributed`` each process takes every world_size-th image and rank 0
gathers the results and scores them.

Protocol: the published COCO numbers use ``conf_thresh=0.001, nms_thresh=0.65`` (the defaults here);
a quicker training-time check may use ``conf_thresh=0.01``. Reports should say which one was used.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch
import torch.distributed as dist
from pycocotools.coco import COCO
from torch import Tensor, nn
from torch.utils.data import DataLoader, Dataset
from tqdm import tqdm

from yolox_edu.decode import Detections, postprocess
from yolox_edu.errors import UsageError
from yolox_edu.eval.ap import evaluate_scratch
from yolox_edu.eval.coco_eval import coco_evaluate
from yolox_edu.eval.protocol import CONF_THRESH, NMS_THRESH
from yolox_edu.eval.scores import CocoScores, category_info
from yolox_edu.preprocess import letterbox, load_image, unletterbox_boxes

__all__ = ["CONF_THRESH", "NMS_THRESH", "detections_to_results", "predict_coco", "gather_results",
           "evaluate_model", "score_results"]



class LetterboxedImages(Dataset):
    """COCO images by id → ((3, H, W) float 0–255 letterboxed, image id, ratio)."""

    def __init__(self, files: Sequence[tuple[int, Path]], input_size: tuple[int, int]):
        self.files, self.input_size = list(files), tuple(input_size)

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, i: int) -> tuple[Tensor, int, float]:
        image_id, path = self.files[i]
        image, ratio = letterbox(load_image(str(path)), self.input_size)  # (3, H, W), r
        return image, image_id, ratio


def collate_letterboxed(batch: list[tuple[Tensor, int, float]]) -> tuple[Tensor, list[int], list[float]]:
    images, ids, ratios = zip(*batch)
    return torch.stack(images), list(ids), list(ratios)  # (B, 3, H, W)


def detections_to_results(dets: Detections, image_id: int, ratio: float, cat_ids: Sequence[int],
                          keep_ids: set[int] | None = None) -> list[dict]:
    """One image's detections (input pixels, contiguous labels) → COCO results (original pixels, xywh, ids).

    ``cat_ids[label]`` is the category id of a label; with ``keep_ids``, results of other ids are dropped
    (an 80-class COCO model scored on a COCO subset)."""
    if len(dets) and int(dets.labels.max()) >= len(cat_ids):
        raise UsageError(f"the model predicted label {int(dets.labels.max())} but the dataset has {len(cat_ids)} "
                         "categories; build the model with num_classes equal to the dataset's category count")
    boxes = unletterbox_boxes(dets.boxes.float().cpu(), ratio)  # (N, 4) xyxy original pixels
    xywh = torch.cat([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], dim=1)  # (N, 4)
    results = [{"image_id": int(image_id), "category_id": int(cat_ids[label]), "bbox": box, "score": score}
               for box, score, label in zip(xywh.tolist(), dets.scores.float().cpu().tolist(), dets.labels.tolist())]
    return results if keep_ids is None else [r for r in results if r["category_id"] in keep_ids]


def _rank_world() -> tuple[int, int]:
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def gather_results(results: list[dict], dst: int = 0) -> list[dict]:
    """Merge every process's results on rank ``dst`` (others get []); sorted by image id, stable."""
    if dist.is_available() and dist.is_initialized():
        rank, world = dist.get_rank(), dist.get_world_size()
        parts = [None] * world if rank == dst else None
        dist.gather_object(results, parts, dst=dst)
        if rank != dst:
            return []
        results = [d for part in parts for d in part]
    return sorted(results, key=lambda d: d["image_id"])


def _image_files(coco_gt: COCO, image_dir: str | Path, img_ids: Sequence[int]) -> list[tuple[int, Path]]:
    files = []
    for i in img_ids:
        if "file_name" not in coco_gt.imgs[i]:
            raise UsageError(f"image {i} in the annotation file has no 'file_name'")
        files.append((i, Path(image_dir) / coco_gt.imgs[i]["file_name"]))
    return files


@torch.no_grad()
def predict_coco(
    model: nn.Module, coco_gt: COCO, image_dir: str | Path, input_size: tuple[int, int] = (640, 640), *,
    batch_size: int = 8, conf_thresh: float = CONF_THRESH, nms_thresh: float = NMS_THRESH,
    device: str | torch.device | None = None, num_workers: int = 0, progress: bool = True,
    label_ids: Sequence[int] | None = None,
) -> list[dict]:
    """COCO results of ``model`` on every image of ``coco_gt``; gathered on rank 0 when distributed.

    The model is put in eval mode (and back afterwards) and must already be on ``device``
    (default: the device of its parameters). ``label_ids``: the category id of each model label when it
    differs from the dataset's own sorted categories (``names.COCO_CATEGORY_IDS`` for an 80-class COCO
    model on a COCO subset); detections of categories the dataset lacks are then dropped.
    """
    rank, world = _rank_world()
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    cat_ids, _ = category_info(coco_gt)
    keep_ids = None if label_ids is None else set(cat_ids)
    cat_ids = cat_ids if label_ids is None else list(label_ids)
    files = _image_files(coco_gt, image_dir, sorted(coco_gt.getImgIds())[rank::world])
    loader = DataLoader(LetterboxedImages(files, input_size), batch_size=batch_size, num_workers=num_workers,
                        collate_fn=collate_letterboxed, pin_memory=torch.device(device).type == "cuda")
    was_training, results = model.training, []
    model.eval()
    try:
        with tqdm(total=len(files), unit="img", desc="eval", disable=not progress or rank != 0) as bar:
            for images, ids, ratios in loader:
                preds = model(images.to(device, non_blocking=True))  # (B, A, 5 + C)
                for dets, image_id, ratio in zip(postprocess(preds, conf_thresh, nms_thresh), ids, ratios):
                    results += detections_to_results(dets, image_id, ratio, cat_ids, keep_ids)
                bar.update(len(ids))
    finally:
        model.train(was_training)
    return gather_results(results)


def score_results(coco_gt: COCO, results: list[dict], ap_impl: str = "pycocotools",
                  source: str = "detections") -> CocoScores:
    """Score COCO results with ``ap_impl`` "pycocotools" (COCOeval) or "scratch" (``evaluate_scratch``)."""
    if ap_impl == "pycocotools":
        return coco_evaluate(coco_gt, results, source)
    if ap_impl == "scratch":
        return evaluate_scratch(coco_gt, results, source=source)
    raise UsageError(f"unknown ap_impl {ap_impl!r}; choose 'pycocotools' or 'scratch'")


def evaluate_model(
    model: nn.Module, coco_gt: COCO, image_dir: str | Path, input_size: tuple[int, int] = (640, 640), *,
    ap_impl: str = "pycocotools", **predict_kwargs,
) -> tuple[CocoScores | None, list[dict]]:
    """``predict_coco`` then ``score_results``: (scores, results) on rank 0, (None, []) on other ranks."""
    results = predict_coco(model, coco_gt, image_dir, input_size, **predict_kwargs)
    if _rank_world()[0] != 0:
        return None, []
    return score_results(coco_gt, results, ap_impl, source="model detections"), results
