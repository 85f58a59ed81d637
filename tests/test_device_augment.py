"""On-device augmentation (data/device_plan.py + data/device_augment.py) and the uint8 batch path
(train/feed.py): same keys → identical targets and images within interpolation rounding of the CPU path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from yolox_edu.data import CocoDataset, MosaicDataset, SampleKey, build_train_loader
from yolox_edu.data import augment as augment_module
from yolox_edu.data.device_augment import augment_batch, hsv_rounding, sample_layer, shift_hsv_batch
from yolox_edu.data.device_plan import PARAM_FIELDS, TILE_FIELDS, PlanBatch, collate_plans
from yolox_edu.train.feed import batch_to_device, configure_feed, resolve_augment_on

ROOT = Path(__file__).resolve().parents[1] / "data_samples"
P = {name: i for i, name in enumerate(PARAM_FIELDS)}


@pytest.fixture(scope="module")
def photos() -> CocoDataset:
    return CocoDataset.from_dir(ROOT / "photos", "samples")


@pytest.fixture(scope="module")
def synth() -> CocoDataset:
    return CocoDataset.from_dir(ROOT / "synth", "train")


def both_paths(dataset: CocoDataset, hw: tuple[int, int], n: int, mosaic: bool = True, **aug):
    """CPU images (n, 3, H, W), device images (n, 3, H, W), the plans' params (n, 14), for the same keys;
    asserts that the targets are identical."""
    ds = MosaicDataset(dataset, hw, seed=0, **aug)
    keys = [SampleKey(i % len(dataset), hw, mosaic, 7919 * i + 13) for i in range(n)]
    cpu = [ds[k] for k in keys]
    ds.output = "plan"
    plans = [ds[k] for k in keys]
    for (_, t_cpu, info_cpu), (_, t_dev, info_dev) in zip(cpu, plans):
        assert torch.equal(t_cpu, t_dev)  # exactly the same boxes and classes
        assert info_cpu == info_dev
    batch = collate_plans([p for p, _, _ in plans])
    return torch.stack([c[0] for c in cpu]), augment_batch(batch), batch.params


@pytest.mark.parametrize("hw", [(96, 96), (96, 160)])
def test_geometry_without_colour_matches_to_one_grey_level(synth, hw):
    """Mosaic placement + affine + MixUp + flip (no HSV): every pixel within 1 grey level of OpenCV's."""
    cpu, dev, params = both_paths(synth, hw, 16, hsv_prob=0.0, flip_prob=0.5, mixup_prob=1.0)
    assert params[:, P["mix"]].any() and params[:, P["flip"]].any() and not params[:, P["flip"]].all()
    assert dev.shape == cpu.shape and dev.dtype == torch.float32
    assert (dev - cpu).abs().max() <= 1


@pytest.mark.parametrize("flip_prob", [0.0, 1.0])
def test_letterbox_without_mosaic_matches_to_one_grey_level(photos, flip_prob):
    cpu, dev, _ = both_paths(photos, (96, 128), 6, mosaic=False, hsv_prob=0.0, flip_prob=flip_prob)
    assert (dev - cpu).abs().max() <= 1
    assert (dev[..., 100:] == 114).all() == (cpu[..., 100:] == 114).all()  # the grey padding stays grey


@pytest.mark.parametrize("hw", [(128, 128), (160, 96)])
def test_full_recipe_within_interpolation_tolerance(photos, hw):
    """The official s/m/l/x recipe, with HSV: the few pixels that differ by more than rounding sit on
    colour edges, where HSV runs after the resize here and before it on the CPU (letterboxed samples)."""
    cpu, dev, params = both_paths(photos, hw, 24)
    assert params[:, P["hsv"]].any() and params[:, P["mix"]].any()
    diff = (dev - cpu).abs()
    assert diff.mean() < 0.5  # grey levels; measured 0.11 and 0.06
    assert (diff > 2).float().mean() < 0.01  # measured 0.4 % and 0.2 %
    assert diff.flatten(1).mean(1).max() < 1.5  # no image is off as a whole


def test_shift_hsv_batch_is_the_lookup_table_path(monkeypatch):
    monkeypatch.setattr(augment_module, "USE_OPENCV", False)  # compare with the pure (table) path
    assert hsv_rounding() == 0.5  # which rounds
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (3, 7, 9, 3), dtype=np.uint8)
    images[0, 0, :3] = [[0, 0, 0], [255, 255, 255], [114, 114, 114]]  # black, white, grey
    shifts = [(4, -25, 17), (-5, 30, -30), (179, 0, 255)]
    got = shift_hsv_batch(torch.from_numpy(images), torch.tensor(shifts))
    for image, s, out in zip(images, shifts, got):
        np.testing.assert_array_equal(out.numpy(), augment_module.shift_hsv(image, *s))


def test_hsv_follows_this_machines_cpu_path(synth):
    """With the rounding hsv_rounding() picks, the batched HSV agrees with augment.shift_hsv (OpenCV when
    installed) on a real image: every value within 1, nearly all equal."""
    image = synth[0].image
    got = shift_hsv_batch(torch.from_numpy(image)[None], torch.tensor([[3, -12, 9]]), hsv_rounding())[0].numpy()
    want = augment_module.shift_hsv(image, 3, -12, 9).astype(int)
    assert np.abs(got - want).max() <= 1 and (got == want).mean() > 0.95


def _tiles(*rows: dict) -> torch.Tensor:
    out = torch.zeros(1, len(rows), len(TILE_FIELDS), dtype=torch.float64)
    for k, row in enumerate(rows):
        for name, value in row.items():
            out[0, k, TILE_FIELDS.index(name)] = value
    return out


def test_sample_layer_by_hand():
    """A 2 × 3 source shifted right by one pixel and claimed only in its bounding box; the last tile wins."""
    source = torch.arange(18, dtype=torch.uint8).reshape(2, 3, 3) * 10  # (h, w, 3)
    batch = PlanBatch(source.reshape(-1, 3), torch.tensor([[0, 2, 3]]), torch.zeros(0), torch.zeros(0))
    shift = dict(on=1, src=0, m00=1, m02=-1, m11=1, x_lo=-9, x_hi=9, y_lo=-9, y_hi=9, bx0=1, by0=0, bx1=4, by1=2)
    qy, qx = torch.meshgrid(torch.arange(3.0), torch.arange(4.0), indexing="ij")
    grey = torch.full((1, 3, 4, 3), 114, dtype=torch.uint8)
    out = sample_layer(batch, _tiles(shift).float(), qx[None], qy[None], grey)[0]  # (3, 4, 3)
    assert (out[:, 0] == 114).all() and (out[2] == 114).all()  # outside the box: background
    assert torch.equal(out[:2, 1:], source)  # integer shift: the source itself
    half = dict(shift, m02=-0.5, bx0=0, bx1=1)  # a second tile on column 0, half a pixel to the left
    out = sample_layer(batch, _tiles(shift, half).float(), qx[None], qy[None], grey)[0]
    assert out[0, 0].tolist() == [0, 10, 20]  # x = -0.5 clamps to the edge pixel (replicated)
    narrow = dict(shift, x_hi=1)  # the nearest-pixel test drops source column 2
    out = sample_layer(batch, _tiles(narrow).float(), qx[None], qy[None], grey)[0]
    assert (out[:2, 3] == 114).all() and torch.equal(out[:2, 1:3], source[:, :2])


def test_uint8_output_is_the_float_output(photos):
    ds = MosaicDataset(photos, (64, 96), seed=0)
    key = SampleKey(1, (64, 96), True, 5)
    image, targets, _ = ds[key]
    ds.output = "uint8"
    small, small_targets, _ = ds[key]
    assert small.dtype == torch.uint8 and small.shape == image.shape
    assert torch.equal(small.float(), image) and torch.equal(small_targets, targets)
    with pytest.raises(ValueError, match="output"):
        MosaicDataset(photos, (64, 64), output="half")


@pytest.mark.parametrize("mode", ["cpu", "device"])
def test_loader_batches_through_workers(photos, mode):
    """uint8 batches and plans cross worker processes; the batch the model gets does not depend on the
    number of workers, and both modes feed the same targets."""
    ds = MosaicDataset(photos, (64, 64), seed=0)
    batches = []
    for workers in (0, 2):
        loader = build_train_loader(ds, 2, num_workers=workers, seed=1, multiscale=(64, 96), change_every=1)
        assert configure_feed(loader, mode, torch.device("cpu")) == mode and not loader.pin_memory
        images, targets, _ = next(iter(loader))
        assert isinstance(images, PlanBatch) if mode == "device" else images.dtype == torch.uint8
        batches.append(batch_to_device(images, targets, torch.device("cpu"), channels_last=True))
    (a, ta), (b, tb) = batches
    assert a.dtype == torch.float32 and a.is_contiguous(memory_format=torch.channels_last)
    assert torch.equal(a, b) and torch.equal(ta, tb)


def test_augment_on_setting():
    assert resolve_augment_on("auto", torch.device("cpu")) == "cpu"
    assert resolve_augment_on("auto", torch.device("cuda", 0)) == "device"
    assert resolve_augment_on("device", torch.device("cpu")) == "device"
    with pytest.raises(ValueError, match="data.augment_on"):
        resolve_augment_on("gpu", torch.device("cpu"))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_pinned_non_blocking_same_images(photos):
    ds = MosaicDataset(photos, (96, 96), seed=0)
    loader = build_train_loader(ds, 4, num_workers=1, seed=0, multiscale=None)
    cuda = torch.device("cuda")
    assert configure_feed(loader, "auto", cuda) == "device" and loader.pin_memory
    images, targets, _ = next(iter(loader))
    assert images.pixels.is_pinned()
    on_gpu, t_gpu = batch_to_device(images, targets, cuda)
    on_cpu, t_cpu = batch_to_device(images, targets, torch.device("cpu"))
    assert on_gpu.device.type == "cuda" and torch.equal(t_gpu.cpu(), t_cpu)
    assert (on_gpu.cpu() - on_cpu).abs().max() <= 1
