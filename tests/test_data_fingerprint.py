"""benchmarks/data_fingerprint.py: this machine feeds the demo the batches of the committed reference, and
the comparison notices a flipped, recoloured or relabelled batch."""

from __future__ import annotations

import copy
import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fp():
    spec = importlib.util.spec_from_file_location("data_fingerprint", ROOT / "benchmarks" / "data_fingerprint.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def reference(fp):
    backend = "opencv" if fp.USE_OPENCV else "pure"
    return json.loads((ROOT / "benchmarks" / "reference" / f"demo_fingerprint_{backend}.json").read_text())


def test_demo_batches_match_the_committed_reference(fp, reference, capsys):
    backend = reference["backend"]
    assert fp.main(["--check", str(ROOT / "benchmarks" / "reference" / f"demo_fingerprint_{backend}.json")]) == 0, (
        capsys.readouterr().out + "\nif the augmentation changed on purpose, rewrite the reference with --write")


@pytest.mark.parametrize("change", ["flip", "colour", "label", "size", "backend"])
def test_differences_name_the_batch(fp, reference, change):
    got = copy.deepcopy(reference)
    row = got["batches"][4]
    if change == "flip":
        row["left_minus_right"] = -row["left_minus_right"]
    elif change == "colour":
        row["mean"][0] += 1.0
    elif change == "label":
        row["class_sum"] += 1
    elif change == "size":
        row["shape"][2] += 32
    else:
        got["backend"] = "pure" if reference["backend"] == "opencv" else "opencv"
    problems = fp.differences(reference, got)
    assert len(problems) == 1
    if change != "backend":
        assert problems[0].startswith(f"epoch {row['epoch']} batch {row['batch']}")
    assert fp.differences(reference, copy.deepcopy(reference)) == []


def test_device_augmentation_feeds_the_reference_batches(fp, reference):
    """``data.augment_on=device`` (run on the CPU here) feeds the demo the reference's targets exactly and
    its images within DEVICE_IMAGE_ATOL; the comparison still notices a flipped or recoloured batch."""
    epochs = sorted({r["epoch"] for r in reference["batches"]})
    got = fp.fingerprint(reference["preset"], epochs, 1 + max(r["batch"] for r in reference["batches"]), 0, "device")
    assert got["augment_on"] == "device"
    assert fp.differences(reference, got) == []
    for change in ("flip", "colour"):
        changed = copy.deepcopy(got)
        row = changed["batches"][4]
        if change == "flip":
            row["left_minus_right"] = -row["left_minus_right"]
        else:
            row["mean"][0] += 1.0
        assert len(fp.differences(reference, changed)) == 1
