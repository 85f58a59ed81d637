"""Data: COCO datasets, augmentations (pure functions), training/validation loaders, synthetic shapes."""

from yolox_edu._lazy import group, lazy_exports

# names load their module (and torch) on first use: importing the package stays instant
_EXPORTS = {
    **group(
        ".augment",
        "affine_boxes", "affine_matrix", "clip_boxes", "hflip", "hflip_boxes", "hsv_jitter", "hsv_to_rgb",
        "letterbox_image", "random_affine", "random_affine_matrix", "resize_image", "rgb_to_hsv", "shift_hsv",
        "warp_affine",
    ),
    **group(".cache", "CACHE_MODES", "CachedDataset", "cached_dataset"),
    **group(".check", "Problem", "check_coco"),
    **group(".coco", "CocoDataset", "CocoSample", "load_coco_json", "read_image"),
    **group(".dataset", "MosaicDataset", "SampleKey", "ValDataset"),
    **group(
        ".loader",
        "MultiScaleBatchSampler", "TrainLoader", "build_train_loader", "build_val_loader", "collate_samples",
        "multiscale_sizes",
    ),
    **group(".mosaic_mixup", "mixup", "mosaic", "mosaic_center", "mosaic_warp"),
    **group(".paths", "coco_paths"),
    **group(".subset", "make_subset"),
    **group(".stats", "DatasetStats", "dataset_stats"),
    **group(".synth", "SHAPES", "make_synth"),
    **group(
        ".transforms",
        "MAX_LABELS", "keep_boxes", "pad_labels", "to_chw_float", "train_transform", "val_transform",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "DatasetStats", "dataset_stats",
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
