"""The image cache (data.cache = none | ram | disk): contents, reuse, invalidation, refusals, workers."""

import json
import os
import pickle
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import yolox_edu.data.cache as cache_mod
from yolox_edu.data import CocoDataset, MosaicDataset, SampleKey, build_train_loader, resize_image
from yolox_edu.data.cache import CachedDataset, cache_key, cached_dataset, cached_hw
from yolox_edu.train.experiment import experiment_preset


def make_set(root, sizes=((40, 60), (30, 30), (90, 20))):
    """A tiny COCO set: random images of the given (h, w), one box each."""
    import json
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    (root / "train").mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    images, anns = [], []
    for k, (h, w) in enumerate(sizes, start=1):
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(root / "train" / f"{k}.png")
        images.append({"id": k, "file_name": f"{k}.png", "width": w, "height": h})
        anns.append({"id": k, "image_id": k, "category_id": 1, "bbox": [2, 4, w / 2, h / 2], "iscrowd": 0})
    data = {"images": images, "annotations": anns, "categories": [{"id": 1, "name": "thing"}]}
    (root / "annotations" / "instances_train.json").write_text(json.dumps(data))
    return CocoDataset.from_dir(root, "train")


def test_cached_hw_shrinks_never_enlarges():
    assert cached_hw((400, 600), 300) == (200, 300)
    assert cached_hw((30, 30), 300) == (30, 30)
    assert cached_hw((1000, 3), 100) == (100, 1)


@pytest.mark.parametrize("mode", ["ram", "disk"])
def test_cached_items_match_resized_originals(tmp_path, mode):
    ds = make_set(tmp_path / "data")
    c = cached_dataset(ds, mode, max_side=48, cache_dir=tmp_path / "cache", progress=False)
    assert isinstance(c, CachedDataset) and len(c) == len(ds) and c.class_names == ds.class_names
    for i in range(len(ds)):
        s, orig = c[i], ds[i]
        h, w = cached_hw(orig.hw, 48)
        assert s.image.shape == (h, w, 3) and s.hw == orig.hw and s.image_id == orig.image_id
        np.testing.assert_array_equal(s.image, resize_image(orig.image, (w, h)))
        np.testing.assert_allclose(s.boxes, orig.boxes * np.array([w / orig.hw[1], h / orig.hw[0]] * 2), rtol=1e-5)
        np.testing.assert_array_equal(s.labels, orig.labels)
    assert not c[0].image.flags.writeable  # shared: nobody may modify it
    assert cached_dataset(ds, "none") is ds


def test_disk_cache_is_reused_and_invalidated(tmp_path, monkeypatch):
    ds = make_set(tmp_path / "data")
    first = CachedDataset(ds, "disk", 48, tmp_path / "cache", progress=False)
    built = first.path.stat().st_mtime_ns
    calls = []
    monkeypatch.setattr(cache_mod, "read_image", lambda p: calls.append(p))  # reuse must decode nothing
    again = CachedDataset(ds, "disk", 48, tmp_path / "cache", progress=False)
    assert again.path == first.path and again.path.stat().st_mtime_ns == built and not calls
    np.testing.assert_array_equal(again[1].image, first[1].image)
    monkeypatch.undo()
    other_size = CachedDataset(ds, "disk", 32, tmp_path / "cache", progress=False)  # new size: new key
    assert other_size.key != first.key and max(other_size[0].image.shape[:2]) == 32
    assert not first.path.exists()  # the stale cache of this dataset was removed
    time.sleep(0.01)
    image_file = ds.image_path(0)
    Image.new("RGB", (60, 40), (255, 0, 0)).save(image_file)  # the image changes (new mtime/size)
    os.utime(image_file, ns=(time.time_ns(), time.time_ns() + 10**9))
    changed = CachedDataset(CocoDataset.from_dir(tmp_path / "data", "train"), "disk", 32, tmp_path / "cache",
                            progress=False)
    assert changed.key != other_size.key
    assert (changed[0].image == [255, 0, 0]).all()  # rebuilt from the new pixels


def test_cache_key_changes_with_file_list_and_names_missing_file(tmp_path):
    ds = make_set(tmp_path / "data")
    paths = [ds.image_path(i) for i in range(len(ds))]
    assert cache_key(paths, 64) == cache_key(paths, 64) != cache_key(paths[:2], 64) != cache_key(paths, 65)
    paths[1].unlink()
    with pytest.raises(FileNotFoundError, match="2.png"):
        cache_key(paths, 64)


def test_refuses_when_it_does_not_fit(tmp_path, monkeypatch):
    ds = make_set(tmp_path / "data")
    monkeypatch.setattr(cache_mod, "available_ram", lambda: 1000)
    with pytest.raises(MemoryError, match=r"needs 0\.00 GiB.*only 0\.00 GiB is free in RAM.*data.cache=disk"):
        CachedDataset(ds, "ram", 48, progress=False)
    monkeypatch.setattr(cache_mod, "available_disk", lambda folder: 10 * 2**30)
    monkeypatch.setattr(cache_mod, "HEADROOM_BYTES", 20 * 2**30)
    with pytest.raises(MemoryError, match=r"only 10\.00 GiB is free on the disk of .*cache"):
        CachedDataset(ds, "disk", 48, tmp_path / "cache", progress=False)
    assert not list((tmp_path / "cache").glob("*.u8"))  # nothing half-built left behind


def test_bad_mode_size_and_unreadable_image(tmp_path):
    ds = make_set(tmp_path / "data")
    with pytest.raises(ValueError, match="data.cache must be one of none, ram, disk, got 'ssd'"):
        cached_dataset(ds, "ssd")
    with pytest.raises(ValueError, match="max_side"):
        cached_dataset(ds, "ram", max_side=0)
    ds.image_path(1).write_bytes(b"not an image")
    with pytest.raises(ValueError, match="2.png"):
        cached_dataset(ds, "ram", 48, progress=False)
    skipping = CocoDataset.from_dir(tmp_path / "data", "train", on_error="skip")
    c = cached_dataset(skipping, "ram", 48, progress=False)
    with pytest.warns(UserWarning, match="2.png"):
        assert c[1].image_id == 3  # the next readable one, as CocoDataset does


def test_ram_cache_is_shared_not_copied_when_pickled(tmp_path):
    ds = make_set(tmp_path / "data")
    c = CachedDataset(ds, "ram", 48, progress=False)
    assert c._storage.is_shared()
    import io
    from multiprocessing.reduction import ForkingPickler  # torch.multiprocessing registers tensor sharing

    import torch.multiprocessing  # noqa: F401
    buf = io.BytesIO()
    ForkingPickler(buf, pickle.HIGHEST_PROTOCOL).dump(c)  # what spawned DataLoader workers receive
    assert len(buf.getvalue()) < c.nbytes  # a handle to the shared block, not the pixels
    back = pickle.loads(buf.getvalue())
    np.testing.assert_array_equal(back[2].image, c[2].image)


@pytest.mark.parametrize("mode", ["ram", "disk"])
def test_loader_workers_read_the_cache(tmp_path, mode):
    ds = make_set(tmp_path / "data", sizes=((40, 60),) * 4)
    c = cached_dataset(ds, mode, 64, tmp_path / "cache", progress=False)
    md = MosaicDataset(c, (64, 64), seed=0)
    a = next(iter(build_train_loader(md, 2, num_workers=0, seed=1, multiscale=None)))
    b = next(iter(build_train_loader(md, 2, num_workers=2, seed=1, multiscale=None)))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    image, targets, _ = md[SampleKey(0, (64, 64), True, 5)]
    assert image.shape == (3, 64, 64) and (targets[:, 3:] >= 0).all()


def test_config_has_cache_field_default_none():
    exp = experiment_preset("demo", {"data.cache": "ram"})
    assert exp.data.cache == "ram" and experiment_preset("demo").data.cache == "none"


def test_trainer_wraps_the_training_set_in_the_cache(tmp_path):
    from yolox_edu.train.loop import _train_loader
    ds = make_set(tmp_path / "data", sizes=((40, 60),) * 4)
    exp = experiment_preset("demo", {"data.cache": "ram"})
    cached = _train_loader(exp, ds, 2).dataset.dataset
    assert isinstance(cached, CachedDataset) and cached.mode == "ram" and cached.max_side == max(exp.model.input_size)
    assert _train_loader(experiment_preset("demo"), ds, 2).dataset.dataset is ds
    with pytest.raises(ValueError, match="data.cache must be one of"):
        _train_loader(experiment_preset("demo", {"data.cache": "yes"}), ds, 2)


@pytest.mark.parametrize("garbage", ["{not json", '{"key": 1}', "[]", ""])
def test_corrupt_disk_cache_metadata_is_rebuilt_not_a_crash(tmp_path, garbage):
    ds = make_set(tmp_path / "data")
    first = CachedDataset(ds, "disk", 48, tmp_path / "cache", progress=False)
    expected = [first[i].image.copy() for i in range(len(ds))]
    first.path.with_suffix(".json").write_text(garbage)  # e.g. a crash while it was written
    again = CachedDataset(ds, "disk", 48, tmp_path / "cache", progress=False)
    for i in range(len(ds)):
        np.testing.assert_array_equal(again[i].image, expected[i])
    assert json.loads(again.path.with_suffix(".json").read_text())["key"] == again.key


def _one_rank(rank: int, world: int, root: str, mode: str) -> None:
    """A process of a 2-process gloo group: open the shared cache, report whether it decoded any image."""
    import torch.distributed as dist

    from yolox_edu.data.cache import shared_cached_dataset

    dist.init_process_group("gloo", init_method=f"file://{root}/rendezvous", rank=rank, world_size=world)
    decoded = []
    fill = CachedDataset._fill
    CachedDataset._fill = lambda self, buffer: (decoded.append(rank), fill(self, buffer))[1]
    ds = CocoDataset.from_dir(f"{root}/data", "train")
    images = shared_cached_dataset(ds, mode, 48, f"{root}/cache", builder=rank == 0, wait=dist.barrier,
                                   progress=False)
    report = {"decoded": decoded, "path": str(images.path), "pixels": [int(images[i].image.sum()) for i in range(3)]}
    (Path(root) / f"rank{rank}.json").write_text(json.dumps(report))
    dist.barrier()  # the builder's file stays until everyone has read it
    dist.destroy_process_group()


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize("mode", ["disk", "ram"])
def test_distributed_cache_is_built_once_by_rank_0(tmp_path, mode):
    """Two processes (gloo): rank 0 decodes the images, rank 1 waits at the barrier and opens the same
    file; ``ram`` is one shared-memory file for both (removed when rank 0 exits), not one copy each."""
    import torch.multiprocessing as mp

    ds = make_set(tmp_path / "data")
    expected = [int(CachedDataset(ds, "ram", 48, progress=False)[i].image.sum()) for i in range(3)]
    mp.spawn(_one_rank, args=(2, str(tmp_path), mode), nprocs=2, join=True)
    r0, r1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert r0["decoded"] == [0] and r1["decoded"] == [], "only rank 0 decodes"
    assert r0["path"] == r1["path"] and r0["pixels"] == r1["pixels"] == expected
    if mode == "ram":
        assert Path(r0["path"]).parent == cache_mod.shm_cache_dir()
        assert not Path(r0["path"]).exists(), "the shared-memory file is removed when rank 0 exits"
    else:
        assert Path(r0["path"]).parent == tmp_path / "cache" and Path(r0["path"]).is_file()
