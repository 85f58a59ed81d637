"""COCO dataset, training/validation datasets, loaders and the synthetic set."""

import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from yolox_edu.data import (
    CocoDataset,
    MosaicDataset,
    SampleKey,
    ValDataset,
    build_train_loader,
    build_val_loader,
    multiscale_sizes,
)
from yolox_edu.data.synth import SHAPES, make_synth

ROOT = Path(__file__).resolve().parents[1]
PHOTOS = ROOT / "data_samples" / "photos"
SYNTH = ROOT / "data_samples" / "synth"


def write_coco(tmp_path, annotations, images=None, categories=None, sizes=((20, 30),)):
    from PIL import Image
    (tmp_path / "annotations").mkdir(exist_ok=True)
    (tmp_path / "train").mkdir(exist_ok=True)
    if images is None:
        images = []
        for k, (h, w) in enumerate(sizes, start=1):
            Image.new("RGB", (w, h), (k * 40, 0, 0)).save(tmp_path / "train" / f"{k}.png")
            images.append({"id": k, "file_name": f"{k}.png", "width": w, "height": h})
    data = {"images": images, "annotations": annotations,
            "categories": categories or [{"id": 3, "name": "car"}, {"id": 1, "name": "person"}]}
    (tmp_path / "annotations" / "instances_train.json").write_text(json.dumps(data))
    return tmp_path


def ann(i, image_id, cat, bbox, crowd=0):
    return {"id": i, "image_id": image_id, "category_id": cat, "bbox": bbox, "iscrowd": crowd}


@pytest.fixture(scope="module")
def photos():
    return CocoDataset.from_dir(PHOTOS, "samples")


def test_photos_dataset_item_contract(photos):
    assert len(photos) >= 8 and photos.cat_ids == sorted(photos.cat_ids)
    assert photos.class_names[photos.cat_ids.index(17)] == "cat"
    k = [photos.coco.imgs[i]["file_name"] for i in photos.ids].index("coffee.jpg")
    s = photos[k]
    assert s.image.shape == (400, 600, 3) and s.image.dtype == np.uint8 and s.hw == (400, 600)
    assert s.boxes.dtype == np.float32 and s.labels.dtype == np.int64
    np.testing.assert_allclose(s.boxes[0], [172, 18, 412, 305])
    assert [photos.cat_ids[label] for label in s.labels] == [47, 50]  # cup, spoon
    assert s.image_id == photos.ids[k]


def test_contiguous_labels_crowd_degenerate_and_negatives(tmp_path):
    d = write_coco(tmp_path, [ann(1, 1, 3, [1, 1, 5, 5]), ann(2, 1, 1, [2, 2, 4, 4], crowd=1),
                              ann(3, 1, 1, [2, 2, 0.5, 4]), ann(4, 1, 1, [25, 2, 10, 4])],
                   sizes=((20, 30), (10, 10)))
    ds = CocoDataset.from_dir(d, "train")
    assert ds.cat_ids == [1, 3] and ds.class_names == ["person", "car"]
    s = ds[0]  # crowd and the 0.5-px box skipped; the box past the right edge is clipped to 30
    np.testing.assert_allclose(s.boxes, [[1, 1, 6, 6], [25, 2, 30, 6]])
    np.testing.assert_array_equal(s.labels, [1, 0])
    assert len(ds) == 2 and ds[1].boxes.shape == (0, 4) and ds[1].labels.shape == (0,)  # negative kept


def test_missing_image_raises_naming_file_or_skips(tmp_path):
    d = write_coco(tmp_path, [], sizes=((8, 8), (8, 8)))
    (d / "train" / "1.png").unlink()
    with pytest.raises(FileNotFoundError, match="1.png"):
        CocoDataset.from_dir(d, "train")[0]
    (d / "train" / "1.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="1.png"):
        CocoDataset.from_dir(d, "train")[0]
    ds = CocoDataset.from_dir(d, "train", on_error="skip")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert ds[0].image_id == 2
    assert "1.png" in str(caught[0].message)


def test_malformed_json_names_field(tmp_path):
    write_coco(tmp_path, [{"id": 1, "image_id": 1, "bbox": [0, 0, 1, 1]}])
    with pytest.raises(ValueError, match=r"annotations\[0\].*category_id"):
        CocoDataset.from_dir(tmp_path, "train")
    write_coco(tmp_path, [ann(1, 1, 1, [0, 0, 1])])
    with pytest.raises(ValueError, match="bbox"):
        CocoDataset.from_dir(tmp_path, "train")
    (tmp_path / "annotations" / "instances_train.json").write_text("{bad json")
    with pytest.raises(ValueError, match="not valid JSON"):
        CocoDataset.from_dir(tmp_path, "train")
    with pytest.raises(FileNotFoundError, match="instances_nope.json"):
        CocoDataset.from_dir(tmp_path, "nope")


def test_mosaic_dataset_contract_and_determinism(photos):
    md = MosaicDataset(photos, (128, 128), mosaic_scale=(0.5, 1.5))
    key = SampleKey(2, (96, 128), True, 1234)
    image, targets, info = md[key]
    assert image.shape == (3, 96, 128) and image.dtype == torch.float32
    assert 0 <= image.min() and image.max() <= 255
    assert targets.shape == (120, 5) and targets.dtype == torch.float32
    assert info == (*photos[2].hw, photos[2].image_id)
    n = int((targets[:, 3:] > 0).all(1).sum())
    assert (targets[n:] == 0).all() and (targets[:n, 3:] > 1).all()
    assert ((targets[:, 0] >= 0) & (targets[:, 0] < photos.num_classes)).all()
    image2, targets2, _ = md[key]
    assert torch.equal(image, image2) and torch.equal(targets, targets2)
    assert not torch.equal(md[SampleKey(2, (96, 128), True, 99)][0], image)


def test_close_mosaic_gives_plain_letterbox(photos):
    md = MosaicDataset(photos, (64, 64), hsv_prob=0, flip_prob=0, seed=0)
    md.close_mosaic()
    image, targets, _ = md[0]
    from yolox_edu.data import letterbox_image
    expected, r = letterbox_image(photos[0].image, (64, 64))
    np.testing.assert_array_equal(image.permute(1, 2, 0).numpy(), expected)
    np.testing.assert_allclose(targets[0, 1:].numpy(), np.r_[(photos[0].boxes[0, :2] + photos[0].boxes[0, 2:]) / 2,
                                                            photos[0].boxes[0, 2:] - photos[0].boxes[0, :2]] * r,
                               rtol=1e-5)


def test_val_dataset(photos):
    image, targets, info = ValDataset(photos, (64, 64))[0]
    assert image.shape == (3, 64, 64) and info[:2] == photos[0].hw and targets.shape == (120, 5)


def test_multiscale_sizes():
    assert multiscale_sizes((640, 640)) == (480, 800)
    assert multiscale_sizes((416, 416)) == (256, 576)


def test_train_loader_multiscale_deterministic_and_worker_independent(photos):
    md = MosaicDataset(photos, (64, 64), mixup_prob=0.5)
    loader = build_train_loader(md, batch_size=2, num_workers=0, seed=3, multiscale=(32, 96), change_every=2)
    sizes = [images.shape[-2:] for images, _, _ in loader]
    assert len(sizes) == len(photos) // 2 and all(s[0] in (32, 64, 96) and s[0] == s[1] for s in sizes)
    assert sizes[0] == sizes[1] and sizes[2] == sizes[3]  # a new size every 2 batches
    first = next(iter(loader))
    again = next(iter(build_train_loader(md, 2, num_workers=0, seed=3, multiscale=(32, 96), change_every=2)))
    assert torch.equal(first[0], again[0]) and torch.equal(first[1], again[1])
    images, targets, infos = first
    assert targets.shape == (2, 120, 5) and infos.shape == (2, 3) and infos.dtype == torch.int64
    loader.set_epoch(1)
    assert not torch.equal(next(iter(loader))[0], first[0])  # new epoch: new shuffle and augmentations
    loader.set_epoch(0)
    workers = next(iter(build_train_loader(md, 2, num_workers=2, seed=3, multiscale=(32, 96), change_every=2)))
    assert torch.equal(workers[0], first[0])  # same samples with worker processes


def test_close_mosaic_reaches_workers(photos):
    md = MosaicDataset(photos, (64, 64), hsv_prob=0, flip_prob=0)
    loader = build_train_loader(md, 1, num_workers=1, seed=0, multiscale=None, persistent_workers=True)
    from yolox_edu.data import letterbox_image

    def plain(batch):
        k = photos.ids.index(int(batch[2][0, 2]))
        return np.array_equal(batch[0][0].permute(1, 2, 0).numpy(), letterbox_image(photos[k].image, (64, 64))[0])

    assert not plain(next(iter(loader)))  # starts the persistent worker with mosaic on
    loader.close_mosaic()
    assert plain(next(iter(loader)))


def test_val_loader(photos):
    images, targets, infos = next(iter(build_val_loader(ValDataset(photos, (64, 64)), 4, num_workers=0)))
    assert images.shape == (4, 3, 64, 64) and infos[:, 2].tolist() == photos.ids[:4]


def test_synth_is_byte_identical_under_seed(tmp_path):
    a, b, c = (make_synth(tmp_path / n, 3, 2, seed=s, size=96) for n, s in (("a", 5), ("b", 5), ("c", 6)))
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert len(files) == 7
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f
    assert (a / "train/000001.jpg").read_bytes() != (c / "train/000001.jpg").read_bytes()
    ds = CocoDataset.from_dir(a, "train")
    assert ds.class_names == list(SHAPES) and all(1 <= len(ds[i].labels) <= 8 for i in range(3))


def test_bundled_synth_set():
    train, val = CocoDataset.from_dir(SYNTH, "train"), CocoDataset.from_dir(SYNTH, "val")
    assert len(train) == 400 and len(val) == 100 and train.class_names == list(SHAPES)
    sides = np.concatenate([train.targets(i)[0] for i in range(len(train))])
    wh = sides[:, 2:] - sides[:, :2]
    area = wh.prod(1)
    assert wh.max() > 120 and np.percentile(wh.max(1), 10) < 24  # large and small objects present
    assert (area < 32**2).mean() > 0.25 and (area > 96**2).mean() > 0.05  # every COCO size range matters
    counts = [len(train.targets(i)[1]) for i in range(len(train))]
    assert min(counts) >= 1 and max(counts) <= 8


def test_distributed_ranks_share_sizes_and_split_indices(photos):
    from torch.utils.data import DistributedSampler

    from yolox_edu.data import MultiScaleBatchSampler
    keys = []
    for rank in range(2):
        sampler = DistributedSampler(range(8), num_replicas=2, rank=rank, shuffle=True, seed=1)
        bs = MultiScaleBatchSampler(sampler, 2, (64, 64), (32, 96), change_every=1, seed=1)
        bs.set_epoch(2)
        keys.append([k for batch in bs for k in batch])
    assert [k.input_hw for k in keys[0]] == [k.input_hw for k in keys[1]]
    assert not {k.index for k in keys[0]} & {k.index for k in keys[1]}
    assert [k.seed for k in keys[0]] != [k.seed for k in keys[1]]


def test_plain_index_loader_workers_do_not_repeat_augmentations(photos):
    from torch.utils.data import DataLoader

    md = MosaicDataset(photos, (64, 64), seed=0)
    loader = DataLoader(md, batch_size=1, num_workers=2, sampler=[0, 0, 0, 0],
                        generator=torch.Generator().manual_seed(0))
    images = [batch[0][0] for batch in loader]
    assert not torch.equal(images[0], images[1])  # workers 0 and 1 draw different augmentations


def test_train_loader_rejects_batch_larger_than_dataset(photos):
    with pytest.raises(ValueError, match="fewer than one batch"):
        build_train_loader(MosaicDataset(photos, (64, 64)), batch_size=64, num_workers=0)
