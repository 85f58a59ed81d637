"""Training and validation datasets that produce model-ready samples.

``MosaicDataset[key]`` returns ``(image (3, H, W) float32 0–255 RGB, targets (max_labels, 5) float32,
info (orig_h, orig_w, image_id))``; with ``output="uint8"`` the image is (3, H, W) uint8 (4× less to send
between processes; the trainer makes it float on its device), with ``output="plan"`` it is a
:class:`~yolox_edu.data.device_plan.SamplePlan` that :func:`~yolox_edu.data.device_augment.augment_batch`
turns into the same image on the training device (same boxes, pixels up to interpolation rounding).

A key is a plain index, or a :class:`SampleKey` ``(index, input_hw, mosaic, seed)`` as yielded by
:class:`~yolox_edu.data.loader.MultiScaleBatchSampler`: the key carries the input size, the mosaic switch
and the random seed, so they reach DataLoader worker processes without shared state and the same key
always gives the same sample, whatever the number of workers.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from torch import Tensor
from torch.utils.data import get_worker_info

from .augment import random_affine_matrix
from .coco import CocoDataset
from .device_plan import SamplePlan, plan_sample
from .mosaic_mixup import mixup, mosaic_center, mosaic_warp
from .transforms import MAX_LABELS, pad_labels, train_transform, val_transform

__all__ = ["SampleKey", "MosaicDataset", "ValDataset", "OUTPUTS"]

OUTPUTS = ("float", "uint8", "plan")  # what MosaicDataset[key] returns as the image, see the module docstring


class SampleKey(NamedTuple):
    """What the batch sampler hands the dataset for one image."""

    index: int
    input_hw: tuple[int, int]
    mosaic: bool
    seed: int


class MosaicDataset:
    """Mosaic → random affine → MixUp → HSV → flip → letterbox → pad, on top of a :class:`CocoDataset`.

    Defaults are the official s/m/l/x recipe; nano/tiny use ``mosaic_scale=(0.5, 1.5)``,
    ``mixup_prob=0`` (and nano ``mosaic_prob=0.5``). ``close_mosaic()`` turns Mosaic and MixUp off for
    plain-index access; inside a DataLoader the sampler's ``mosaic`` flag decides (see loader.py).
    ``output`` ("float", "uint8" or "plan") is the image type returned (module docstring); same keys,
    same draws and same targets whichever it is.
    """

    def __init__(self, dataset: CocoDataset, input_hw: tuple[int, int] = (640, 640), mosaic_prob: float = 1.0,
                 mixup_prob: float = 1.0, degrees: float = 10.0, translate: float = 0.1,
                 mosaic_scale: tuple[float, float] = (0.1, 2.0), mixup_scale: tuple[float, float] = (0.5, 1.5),
                 shear: float = 2.0, hsv_prob: float = 1.0, flip_prob: float = 0.5,
                 max_labels: int = MAX_LABELS, seed: int | None = None, output: str = "float") -> None:
        if output not in OUTPUTS:
            raise ValueError(f"MosaicDataset output must be one of {', '.join(OUTPUTS)}, got {output!r}")
        self.output = output
        self.dataset, self.input_hw = dataset, tuple(input_hw)
        self.mosaic_prob, self.mixup_prob = mosaic_prob, mixup_prob
        self.affine = dict(degrees=degrees, translate=translate, scale_range=tuple(mosaic_scale), shear=shear)
        self.mixup_scale, self.hsv_prob, self.flip_prob = tuple(mixup_scale), hsv_prob, flip_prob
        self.max_labels, self.enable_mosaic = max_labels, True
        self._base_seed = seed if seed is not None else int(np.random.SeedSequence().entropy % 2**63)
        self._seeds, self._seeded_for = np.random.default_rng(self._base_seed), None
        self._with_boxes = [i for i in range(len(dataset)) if len(dataset.targets(i)[1])]

    def __len__(self) -> int:
        return len(self.dataset)

    def close_mosaic(self) -> None:
        """No more Mosaic/MixUp for plain-index access (the last epochs of training)."""
        self.enable_mosaic = False

    def _key(self, key: int | SampleKey) -> SampleKey:
        if isinstance(key, SampleKey):
            return key
        worker = get_worker_info()  # plain indices in DataLoader workers: one seed stream per worker
        if worker is not None and self._seeded_for != worker.seed:
            self._seeds, self._seeded_for = np.random.default_rng([self._base_seed, worker.seed]), worker.seed
        return SampleKey(int(key), self.input_hw, self.enable_mosaic, int(self._seeds.integers(2**63)))

    def __getitem__(self, key: int | SampleKey) -> tuple[Tensor | SamplePlan, Tensor, tuple[int, int, int]]:
        if self.output == "plan":
            return plan_sample(self, key)
        index, input_hw, use_mosaic, seed = self._key(key)
        rng = np.random.default_rng(seed)
        sample = self.dataset[index]
        info = (*sample.hw, sample.image_id)
        if use_mosaic and rng.random() < self.mosaic_prob:
            image, boxes, labels = self.mosaic_sample(sample, input_hw, rng)
        else:
            image, boxes, labels = sample.image, sample.boxes, sample.labels
        image, targets = train_transform(image, boxes, labels, input_hw, rng, self.hsv_prob, self.flip_prob,
                                         self.max_labels, uint8=self.output == "uint8")
        return image, targets, info

    def mosaic_sample(self, first, input_hw: tuple[int, int], rng: np.random.Generator
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mosaic of ``first`` and three random items with a random affine (one resampling pass, see
        :func:`~yolox_edu.data.mosaic_mixup.mosaic_warp`), then MixUp (if it fires)."""
        others = [self.dataset[int(i)] for i in rng.integers(0, len(self.dataset), 3)]
        items = [first, *others]
        center = mosaic_center(rng, input_hw)
        matrix = random_affine_matrix(rng, input_hw, **self.affine)
        image, boxes, labels = mosaic_warp([s.image for s in items], [s.boxes for s in items],
                                           [s.labels for s in items], input_hw, center, matrix)
        if len(boxes) and self._with_boxes and rng.random() < self.mixup_prob:
            other = self.dataset[self._with_boxes[int(rng.integers(len(self._with_boxes)))]]
            image, boxes, labels = mixup(image, boxes, labels, other.image, other.boxes, other.labels, rng,
                                         self.mixup_scale)
        return image, boxes, labels


class ValDataset:
    """Letterbox-only samples for evaluation: ``(image (3, H, W) float32, targets (max_labels, 5), info)``.

    Targets are the ground truths in input pixels (for a validation loss; evaluation uses the COCO json).
    ``info = (orig_h, orig_w, image_id)``; the ratio is ``min(H / orig_h, W / orig_w)``, boxes map back
    to the original image by dividing by it.
    """

    def __init__(self, dataset: CocoDataset, input_hw: tuple[int, int] = (640, 640),
                 max_labels: int = MAX_LABELS) -> None:
        self.dataset, self.input_hw, self.max_labels = dataset, tuple(input_hw), max_labels

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[Tensor, Tensor, tuple[int, int, int]]:
        sample = self.dataset[int(index)]
        image, r = val_transform(sample.image, self.input_hw)
        return image, pad_labels(sample.boxes * r, sample.labels, self.max_labels), (*sample.hw, sample.image_id)
