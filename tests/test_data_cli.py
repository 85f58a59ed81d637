"""`yolox-edu data synth|subset|check` handlers, called through an argparse parser built by add_parser."""

import json
import shutil
from pathlib import Path

import pytest

from yolox_edu.data import CocoDataset

PHOTOS = Path(__file__).resolve().parents[1] / "data_samples" / "photos"


def run(*argv):
    """``yolox-edu data ARGV…`` through the real entry point (its error handling included)."""
    from yolox_edu.cli import main

    return main(["data", *map(str, argv)])


def test_synth_writes_standard_layout_and_checks_clean(tmp_path, capsys):
    out = tmp_path / "synth"
    assert run("synth", "--out", out, "--train", 3, "--val", 2, "--seed", 1, "--size", 64, "--no-photos") == 0
    assert sorted(p.name for p in (out / "train").iterdir()) == ["000001.jpg", "000002.jpg", "000003.jpg"]
    assert len(CocoDataset.from_dir(out, "val")) == 2
    assert run("check", out, "--split", "train") == 0
    assert "no problems found" in capsys.readouterr().out


def test_subset_of_samples(tmp_path):
    out = tmp_path / "sub"
    ann = PHOTOS / "annotations" / "instances_samples.json"
    assert run("subset", "--ann", ann, "--images", PHOTOS / "samples", "--cats", "person,cat",
               "--max-images", 2, "--seed", 0, "--out", out) == 0
    ds = CocoDataset.from_dir(out, "samples")  # split name taken from instances_samples.json
    assert len(ds) == 2 and ds.class_names == ["person", "cat"] and ds.cat_ids == [1, 17]
    assert all(len(ds[i].labels) >= 1 for i in range(2))
    assert (out / "samples" / ds.coco.imgs[ds.ids[0]]["file_name"]).is_symlink()
    assert run("check", out, "--split", "samples") == 0
    copy = tmp_path / "copy"
    assert run("subset", "--ann", ann, "--images", PHOTOS / "samples", "--cats", "cup", "--out", copy,
               "--split", "cups", "--copy") == 0
    files = list((copy / "cups").iterdir())
    assert [f.name for f in files] == ["coffee.jpg"] and not files[0].is_symlink()


def test_subset_unknown_category_is_an_error(tmp_path, capsys):
    ann = PHOTOS / "annotations" / "instances_samples.json"
    assert run("subset", "--ann", ann, "--images", PHOTOS / "samples", "--cats", "unicorn",
               "--out", tmp_path / "x") == 2
    assert "unicorn" in capsys.readouterr().err


@pytest.fixture()
def broken(tmp_path):
    root = tmp_path / "bad"
    shutil.copytree(PHOTOS, root)
    ann = root / "annotations" / "instances_samples.json"
    data = json.loads(ann.read_text())
    data["annotations"][0]["bbox"] = [400, 10, 300, 50]  # astronaut is 512 wide: outside
    data["annotations"][1]["category_id"] = 999
    ann.write_text(json.dumps(data))
    (root / "samples" / "rocket.jpg").unlink()
    (root / "samples" / "hubble.jpg").write_bytes(b"garbage")
    return root


def test_check_reports_problems_file_by_file(broken, capsys):
    assert run("check", broken, "--split", "samples") == 1
    out = capsys.readouterr().out
    assert "rocket.jpg" in out and "missing image file" in out
    assert "hubble.jpg" in out and "unreadable image" in out
    assert "astronaut.jpg" in out and "outside" in out
    assert "unknown category_id 999" in out
    assert "4 problem(s)" in out


def test_check_malformed_json_names_field(tmp_path, capsys):
    root = tmp_path / "d"
    (root / "annotations").mkdir(parents=True)
    (root / "val").mkdir()
    (root / "annotations" / "instances_val.json").write_text(json.dumps({"images": [{"id": 1}], "categories": []}))
    assert run("check", root, "--split", "val") == 1
    assert "images[0] lacks field 'file_name'" in capsys.readouterr().out


def test_check_missing_dataset_folder(tmp_path, capsys):
    assert run("check", tmp_path, "--split", "val") == 2
    assert "instances_val.json" in capsys.readouterr().err


# --- `data check DIR` with no --split: every split, and the dataset-wide label mistakes -----------------

def _synth(tmp_path, name="ds"):
    return run("synth", "--out", tmp_path / name, "--train", 4, "--val", 3, "--seed", 2, "--size", 64,
               "--no-photos") == 0 and tmp_path / name


def _edit(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_check_without_split_checks_every_split(tmp_path, capsys):
    out = _synth(tmp_path)
    assert run("check", out) == 0
    text = capsys.readouterr().out
    assert "== train:" in text and "== val:" in text and "4 images" in text and "3 images" in text
    assert "checked 2 split(s) (train, val): no problems found" in text
    _edit(out / "annotations" / "instances_val.json", lambda d: d["annotations"][0].update(category_id=99))
    assert run("check", out) == 1
    text = capsys.readouterr().out
    assert "train: no problems found" in text and "unknown category_id 99" in text


def test_check_without_annotations_folder_is_a_clear_error(tmp_path, capsys):
    assert run("check", tmp_path) == 2
    err = capsys.readouterr().err
    assert "no annotations folder" in err and str(tmp_path / "annotations") in err
    (tmp_path / "annotations").mkdir()
    (tmp_path / "annotations" / "labels.json").write_text("{}")
    assert run("check", tmp_path) == 2
    assert "no instances_<split>.json" in capsys.readouterr().err


def test_check_names_categories_that_differ_between_splits(tmp_path, capsys):
    out = _synth(tmp_path)

    def rotate(d):  # same names, other ids: the val json was written from another category list
        ids = {c["id"]: c["id"] % 6 + 1 for c in d["categories"]}
        for c in d["categories"]:
            c["id"] = ids[c["id"]]
        for a in d["annotations"]:
            a["category_id"] = ids[a["category_id"]]

    _edit(out / "annotations" / "instances_val.json", rotate)
    assert run("check", out) == 1
    text = capsys.readouterr().out
    assert "categories differ between train and val" in text and "1 problem(s)" in text


def _coco(boxes, size=(100, 80)):
    return {"images": [{"id": 1, "file_name": "a.jpg", "width": size[0], "height": size[1]}],
            "annotations": [{"id": k, "image_id": 1, "category_id": 1, "bbox": b} for k, b in enumerate(boxes)],
            "categories": [{"id": 1, "name": "thing"}]}


def test_label_problems_name_the_classic_mistakes():
    from yolox_edu.data.check import label_problems

    assert label_problems(_coco([[10, 10, 30, 20], [60, 50, 30, 25]]), "a.json") == []
    xyxy = label_problems(_coco([[10, 10, 40, 30], [60, 50, 90, 75]]), "a.json")  # x2 = 90 > 100 - 60
    assert len(xyxy) == 1 and "[x1, y1, x2, y2]" in xyxy[0].message
    normalised = label_problems(_coco([[0.1, 0.2, 0.3, 0.25]]), "a.json")
    assert "normalised" in normalised[0].message
    empty = label_problems(_coco([]), "a.json")
    assert "no image has a box" in empty[0].message and "no annotations" in empty[0].message
    lost = _coco([[10, 10, 30, 20]])
    lost["annotations"][0]["image_id"] = 0
    assert "image_ids that no image has" in label_problems(lost, "a.json")[0].message


def test_label_problems_catch_centre_boxes_when_an_object_nears_the_edge():
    from yolox_edu.data.check import label_problems

    # true boxes (xywh) in a 100 × 80 image: one touching the left edge, one near the right edge
    true = [[0, 10, 30, 20], [75, 50, 20, 25]]
    centres = [[x + w / 2, y + h / 2, w, h] for x, y, w, h in true]  # [[15, 20, 30, 20], [85, 62.5, 20, 25]]
    assert label_problems(_coco(true), "a.json") == []
    found = label_problems(_coco(centres), "a.json")  # 85 + 20 > 100: overflows as xywh, fits as centres
    assert len(found) == 1 and "[centre x, centre y, width, height]" in found[0].message
    assert "x = cx - width / 2" in found[0].message
    inside = [[x + w / 2, y + h / 2, w, h] for x, y, w, h in [[20, 10, 30, 20], [40, 30, 20, 25]]]
    assert label_problems(_coco(inside), "a.json") == []  # no object near the right/bottom edge: undetectable
    sloppy = [[0, 10, 30, 20], [75, 50, 26.5, 25]]  # real xywh, one box 1.5 px past the edge
    assert label_problems(_coco(sloppy), "a.json") == []  # x = 0 cannot be a centre: not flagged


def test_label_problems_quiet_on_real_data():
    from yolox_edu.data.check import label_problems
    from yolox_edu.data.coco import load_coco_json

    synth = PHOTOS.parent / "synth" / "annotations"
    for ann in (synth / "instances_train.json", synth / "instances_val.json",
                PHOTOS / "annotations" / "instances_samples.json"):
        assert label_problems(load_coco_json(ann), ann) == []


def test_check_flags_xyxy_boxes_and_limits_listed_files(tmp_path, capsys):
    out = _synth(tmp_path)

    def to_xyxy(d):
        for a in d["annotations"]:
            x, y, w, h = a["bbox"]
            a["bbox"] = [x, y, x + w, y + h]

    _edit(out / "annotations" / "instances_train.json", to_xyxy)
    assert run("check", out, "--split", "train", "--limit", 1) == 1
    text = capsys.readouterr().out
    assert "boxes look like [x1, y1, x2, y2]" in text and "more file(s) with problems" in text


def test_trainer_refuses_mixed_up_categories_and_empty_labels(tmp_path):
    from yolox_edu.train import loop
    from yolox_edu.train.experiment import experiment_preset

    out = _synth(tmp_path)
    exp = experiment_preset("demo", {"data.dir": str(out), "out_dir": str(tmp_path / "run"),
                                     "model.input_size": (64, 64), "data.batch_size": 2})
    val = out / "annotations" / "instances_val.json"
    _edit(val, lambda d: [c.update(name=c["name"].upper()) for c in d["categories"]])
    with pytest.raises(ValueError, match="categories differ between instances_train.json and instances_val.json"):
        loop.setup(exp)
    _edit(out / "annotations" / "instances_train.json", lambda d: d.update(annotations=[]))
    with pytest.raises(ValueError, match="instances_train.json: no image has a box"):
        loop.setup(exp)
    assert not (tmp_path / "run").exists()


def test_check_names_lost_labels_and_caps_messages_per_file(tmp_path, capsys):
    out = _synth(tmp_path)
    _edit(out / "annotations" / "instances_train.json",
          lambda d: [im.update(id=im["id"] + 1000) for im in d["images"]])  # annotations keep the old ids
    assert run("check", out, "--split", "train", "--limit", 2) == 1
    text = capsys.readouterr().out
    assert "no image has a box" in text and "image_ids that no image has" in text
    n_anns = len(json.loads((out / "annotations" / "instances_train.json").read_text())["annotations"])
    # one json file holds them all: the dataset-wide message, one per annotation, two of them listed
    assert text.count("unknown image_id") == 1 and f"... and {n_anns + 1 - 2} more" in text
