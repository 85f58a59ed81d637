"""Data: COCO datasets, augmentations (pure functions), training/validation loaders, synthetic shapes."""

from .augment import (
    affine_boxes,
    affine_matrix,
    clip_boxes,
    hflip,
    hflip_boxes,
    hsv_jitter,
    hsv_to_rgb,
    letterbox_image,
    random_affine,
    random_affine_matrix,
    resize_image,
    rgb_to_hsv,
    shift_hsv,
    warp_affine,
)
from .cache import CACHE_MODES, CachedDataset, cached_dataset
from .check import Problem, check_coco
from .coco import CocoDataset, CocoSample, load_coco_json, read_image
from .dataset import MosaicDataset, SampleKey, ValDataset
from .loader import (
    MultiScaleBatchSampler,
    TrainLoader,
    build_train_loader,
    build_val_loader,
    collate_samples,
    multiscale_sizes,
)
from .mosaic import mixup, mosaic, mosaic_center, mosaic_warp
from .paths import coco_paths
from .subset import make_subset
from .synth import SHAPES, make_synth
from .transforms import MAX_LABELS, keep_boxes, pad_labels, to_chw_float, train_transform, val_transform

__all__ = [
    "CocoDataset", "CocoSample", "load_coco_json", "read_image", "coco_paths",
    "resize_image", "letterbox_image", "clip_boxes", "hflip", "hflip_boxes", "shift_hsv", "hsv_jitter",
    "rgb_to_hsv", "hsv_to_rgb",
    "affine_matrix", "random_affine_matrix", "warp_affine", "affine_boxes", "random_affine",
    "mosaic", "mosaic_center", "mosaic_warp", "mixup",
    "MAX_LABELS", "keep_boxes", "pad_labels", "to_chw_float", "train_transform", "val_transform",
    "MosaicDataset", "SampleKey", "ValDataset",
    "MultiScaleBatchSampler", "TrainLoader", "build_train_loader", "build_val_loader", "collate_samples",
    "multiscale_sizes", "CACHE_MODES", "CachedDataset", "cached_dataset",
    "check_coco", "Problem", "make_subset", "make_synth", "SHAPES",
]
