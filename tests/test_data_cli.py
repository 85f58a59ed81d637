"""`yolox-edu data synth|subset|check` handlers, called through an argparse parser built by add_parser."""

import argparse
import json
import shutil
from pathlib import Path

import pytest

from yolox_edu.data import CocoDataset
from yolox_edu.data.cli import add_parser

PHOTOS = Path(__file__).resolve().parents[1] / "data_samples" / "photos"


def run(*argv):
    parser = argparse.ArgumentParser(prog="yolox-edu")
    add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", *map(str, argv)])
    return args.func(args)


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
