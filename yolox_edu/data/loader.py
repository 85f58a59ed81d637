"""DataLoaders for training (multi-scale, seeded, mosaic switch, distributed) and validation.

How the trainer uses it::

    train_loader = build_train_loader(MosaicDataset(CocoDataset.from_dir(d, "train")), batch_size=16,
                                      num_workers=2, seed=0, distributed=dist.is_initialized())
    for epoch in range(max_epochs):
        if epoch == max_epochs - no_aug_epochs:
            train_loader.close_mosaic()           # no Mosaic/MixUp from the next batch drawn on
        train_loader.set_epoch(epoch)             # reshuffles; seeds sizes and augmentations
        for images, targets, infos in train_loader:   # (B, 3, S, S), (B, 120, 5), (B, 3)
            ...

The batch sampler yields lists of :class:`SampleKey` (index, input size, mosaic flag, seed): every
image of a batch gets the same size, a new size is drawn every ``change_every`` batches, and because the
switch and the seeds travel inside the keys they reach worker processes (persistent or not) and the
result does not depend on the number of workers. Sizes are drawn from ``(seed, epoch)`` only, so all
ranks of a distributed run agree without communication.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import BatchSampler, DataLoader, DistributedSampler, RandomSampler, Sampler

from .dataset import MosaicDataset, SampleKey, ValDataset
from .device_plan import PlanBatch, SamplePlan, collate_plans

__all__ = ["MultiScaleBatchSampler", "multiscale_sizes", "collate_samples", "worker_init", "TrainLoader",
           "build_train_loader", "build_val_loader"]


def multiscale_sizes(input_hw: tuple[int, int], spread: int = 5, stride: int = 32) -> tuple[int, int]:
    """(min, max) training heights: ``(H / stride ± spread) * stride``, as the official."""
    base = input_hw[0] // stride
    return max(1, base - spread) * stride, (base + spread) * stride


class MultiScaleBatchSampler(Sampler[list[SampleKey]]):
    """Batches of :class:`SampleKey`; the input size changes every ``change_every`` batches.

    ``size_range=(lo, hi)`` in pixels (multiples of ``stride``, inclusive; None = fixed ``input_hw``);
    non-square inputs keep their aspect ratio. ``mosaic`` is the close-mosaic switch.
    """

    def __init__(self, sampler: Sampler[int], batch_size: int, input_hw: tuple[int, int],
                 size_range: tuple[int, int] | None = None, change_every: int = 10, stride: int = 32,
                 seed: int = 0, drop_last: bool = True, mosaic: bool = True) -> None:
        self.sampler, self.batches = sampler, BatchSampler(sampler, batch_size, drop_last)
        self.input_hw, self.size_range, self.change_every = tuple(input_hw), size_range, change_every
        self.stride, self.seed, self.mosaic, self.epoch = stride, seed, mosaic, 0
        self.rank = getattr(sampler, "rank", 0)
        self.skip_batches = 0  # resume mid-epoch: draw but do not yield the first batches (set_epoch's skip)

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        """Call before each epoch (as with DistributedSampler): order, sizes and seeds depend only on
        (seed, epoch), so iterating twice in one epoch repeats it exactly. ``skip`` batches are drawn
        but not yielded (resuming mid-epoch: the remaining batches are the ones the run would have had)."""
        if skip < 0:
            raise ValueError(f"skip must be >= 0, got {skip}")
        self.epoch, self.skip_batches = epoch, skip
        if hasattr(self.sampler, "set_epoch"):
            self.sampler.set_epoch(epoch)

    def draw_size(self, rng: np.random.Generator) -> tuple[int, int]:
        if self.size_range is None:
            return self.input_hw
        lo, hi = (v // self.stride for v in self.size_range)
        h = int(rng.integers(lo, hi + 1)) * self.stride
        return h, int(h * self.input_hw[1] / self.input_hw[0] / self.stride) * self.stride

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self) -> Iterator[list[SampleKey]]:
        if isinstance(getattr(self.sampler, "generator", None), torch.Generator):
            self.sampler.generator.manual_seed(self.seed * 100_003 + self.epoch)
        size_rng = np.random.default_rng([self.seed, self.epoch])  # same on every rank
        item_rng = np.random.default_rng([self.seed, self.epoch, self.rank, 1])
        size = self.input_hw
        for k, batch in enumerate(self.batches):
            if k % self.change_every == 0:
                size = self.draw_size(size_rng)
            seeds = item_rng.integers(0, 2**63, len(batch))
            if k < self.skip_batches:  # already trained on before a restart: same draws, nothing loaded
                continue
            yield [SampleKey(int(i), size, self.mosaic, int(s)) for i, s in zip(batch, seeds)]


def collate_samples(batch: list[tuple[Tensor, Tensor, tuple]]) -> tuple[Tensor | PlanBatch, Tensor, Tensor]:
    """Stack samples: images (B, 3, H, W) (float32 or uint8, as the dataset gives them; plans of the
    device path become one :class:`~yolox_edu.data.device_plan.PlanBatch`), targets (B, max_labels, 5),
    infos (B, 3) int64 with columns (orig_h, orig_w, image_id)."""
    images, targets, infos = zip(*batch)
    stacked = collate_plans(list(images)) if isinstance(images[0], SamplePlan) else torch.stack(images)
    return stacked, torch.stack(targets), torch.tensor(infos, dtype=torch.int64)


def worker_init(worker_id: int) -> None:
    """Seed the global RNGs of a worker from its torch seed (which the loader's generator fixes)."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


class TrainLoader(DataLoader):
    """A DataLoader with ``set_epoch(epoch)`` and ``close_mosaic()`` forwarded to its batch sampler."""

    def set_epoch(self, epoch: int, skip: int = 0) -> None:
        """Start epoch ``epoch``, leaving out its first ``skip`` batches (a mid-epoch resume)."""
        self.batch_sampler.set_epoch(epoch, skip)

    def close_mosaic(self) -> None:
        self.batch_sampler.mosaic = False


def build_train_loader(dataset: MosaicDataset, batch_size: int, num_workers: int = 2, seed: int = 0,
                       multiscale: tuple[int, int] | None | str = "auto", change_every: int = 10,
                       distributed: bool = False, pin_memory: bool = False,
                       persistent_workers: bool = False) -> TrainLoader:
    """Shuffled, seeded, multi-scale training loader over a :class:`MosaicDataset`.

    ``multiscale="auto"`` uses ``multiscale_sizes(dataset.input_hw)``; a (lo, hi) pixel range or None
    (fixed size) can be given. ``distributed=True`` shards with a DistributedSampler (needs an initialised
    process group); ``batch_size`` is per process.
    """
    if multiscale == "auto":
        multiscale = multiscale_sizes(dataset.input_hw)
    if distributed:
        sampler = DistributedSampler(dataset, shuffle=True, seed=seed, drop_last=True)
    else:
        sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(seed))
    batch_sampler = MultiScaleBatchSampler(sampler, batch_size, dataset.input_hw, multiscale, change_every,
                                           seed=seed, drop_last=True)
    batch_sampler.set_epoch(0)
    if len(batch_sampler) == 0:
        raise ValueError(f"the training set has {len(dataset)} images, fewer than one batch of {batch_size} "
                         "per process; lower batch_size")
    return TrainLoader(dataset, batch_sampler=batch_sampler, num_workers=num_workers,
                       collate_fn=collate_samples, worker_init_fn=worker_init, pin_memory=pin_memory,
                       generator=torch.Generator().manual_seed(seed),
                       persistent_workers=persistent_workers and num_workers > 0)


def build_val_loader(dataset: ValDataset, batch_size: int, num_workers: int = 2, distributed: bool = False,
                     pin_memory: bool = False) -> DataLoader:
    """Sequential loader for evaluation (every image once; with ``distributed`` each rank gets a shard)."""
    sampler = DistributedSampler(dataset, shuffle=False) if distributed else None
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, shuffle=False, num_workers=num_workers,
                      collate_fn=collate_samples, pin_memory=pin_memory)
