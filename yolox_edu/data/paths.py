"""The one dataset folder convention, COCO's own: ``DIR/annotations/instances_<split>.json`` with the
images in ``DIR/<split>/``. ``ann`` and ``images`` override either part."""

from __future__ import annotations

from pathlib import Path

from yolox_edu.errors import UsageError

__all__ = ["coco_paths"]


def coco_paths(
    data_dir: str | Path | None = None, split: str = "val2017", ann: str | Path | None = None,
    images: str | Path | None = None,
) -> tuple[Path, Path]:
    """(annotation json, image folder) for a dataset; clear errors say which path is missing."""
    if data_dir is None and (ann is None or images is None):
        raise UsageError("give a dataset folder (--data DIR) or both --ann FILE and --images DIR")
    ann_path = Path(ann) if ann is not None else Path(data_dir) / "annotations" / f"instances_{split}.json"
    img_dir = Path(images) if images is not None else Path(data_dir) / split
    if not ann_path.is_file():
        raise FileNotFoundError(
            f"annotation file not found: {ann_path} (expected DIR/annotations/instances_{split}.json; "
            "pass --ann FILE to point elsewhere)")
    if not img_dir.is_dir():
        raise FileNotFoundError(f"image folder not found: {img_dir} (expected DIR/{split}/; pass --images DIR)")
    return ann_path, img_dir
