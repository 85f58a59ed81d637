"""Evaluator and ``yolox-edu eval`` on a tiny generated COCO dataset (PNG files written by PIL)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.distributed as dist
from PIL import Image
from torch import nn

from yolox_edu.eval import METRIC_KEYS, evaluate_model, load_coco_gt, predict_coco
from yolox_edu.eval import cli as eval_cli
from yolox_edu.eval import evaluator as evaluator_module

CATS = [{"id": 2, "name": "red thing"}, {"id": 5, "name": "green/thing"}]  # label 0 ↔ id 2, label 1 ↔ id 5
SIZE = (192, 192)  # every image below is letterboxed by exactly r = 2, so box edges stay exact
# (height, width, [(category id, x, y, w, h)]); image 5 has no objects
IMAGES = [(64, 96, [(2, 10, 8, 30, 20), (5, 50, 30, 40, 30)]), (96, 64, [(5, 4, 40, 50, 44)]),
          (80, 96, [(2, 60, 2, 30, 70)]), (96, 96, [(2, 1, 1, 20, 16), (5, 40, 50, 50, 40)]), (64, 64, [])]


@pytest.fixture
def dataset(tmp_path):
    """DIR/annotations/instances_val.json and DIR/val/*.png: red and green rectangles on black."""
    root = tmp_path / "ds"
    (root / "val").mkdir(parents=True)
    (root / "annotations").mkdir()
    images, anns = [], []
    for i, (h, w, objects) in enumerate(IMAGES, start=1):
        pixels = np.zeros((h, w, 3), np.uint8)
        for cat, x, y, bw, bh in objects:
            pixels[y:y + bh, x:x + bw, 0 if cat == 2 else 1] = 255
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": cat, "bbox": [x, y, bw, bh],
                         "area": bw * bh, "iscrowd": 0})
        Image.fromarray(pixels).save(root / "val" / f"{i:03d}.png")
        images.append({"id": i, "file_name": f"{i:03d}.png", "height": h, "width": w})
    (root / "annotations" / "instances_val.json").write_text(
        json.dumps({"images": images, "annotations": anns, "categories": CATS}))
    return root


class ColorBoxModel(nn.Module):
    """A fake detector: class c is the box around pixels whose channel c is bright (> 127.5).

    Eval-mode output (B, A=2, 5 + 2) rows (cx, cy, w, h, objectness, class probs), like YOLOX's."""

    def __init__(self) -> None:
        super().__init__()
        self.cfg = SimpleNamespace(input_size=SIZE)
        self.calls = 0

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        assert images.dtype == torch.float32 and images.shape[1:] == (3, *SIZE)
        self.calls += 1
        out = torch.zeros(images.shape[0], 2, 7, device=images.device)  # (B, A, 5 + C)
        for b, image in enumerate(images):
            for c in range(2):
                ys, xs = torch.nonzero(image[c] > 127.5, as_tuple=True)
                if len(xs):
                    x1, y1, x2, y2 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
                    out[b, c, :4] = torch.stack([(x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1]).float()
                    out[b, c, 4], out[b, c, 5 + c] = 1.0, 0.9
        return out


def gt_boxes() -> set:
    return {(i, cat, x, y, w, h) for i, (_, _, objs) in enumerate(IMAGES, start=1) for cat, x, y, w, h in objs}


def as_set(results: list[dict]) -> set:
    return {(d["image_id"], d["category_id"], *[round(v, 4) for v in d["bbox"]]) for d in results}


def test_predict_coco_maps_back_to_original_pixels_and_ids(dataset):
    coco = load_coco_gt(dataset / "annotations" / "instances_val.json")
    model = ColorBoxModel().train()
    results = predict_coco(model, coco, dataset / "val", SIZE, batch_size=3, progress=False)
    assert as_set(results) == gt_boxes()
    assert model.calls == 2 and model.training  # batched; training mode restored
    assert [d["image_id"] for d in results] == sorted(d["image_id"] for d in results)
    assert all(d["score"] == pytest.approx(0.9) for d in results)


def test_evaluate_model_perfect_with_workers(dataset):
    coco = load_coco_gt(dataset / "annotations" / "instances_val.json")
    for impl in ("pycocotools", "scratch"):
        scores, results = evaluate_model(ColorBoxModel(), coco, dataset / "val", SIZE, ap_impl=impl,
                                         batch_size=2, num_workers=1 if impl == "scratch" else 0, progress=False)
        assert len(results) == len(gt_boxes())
        assert scores.metrics["AP"] == pytest.approx(1.0, abs=1e-9)
        assert scores.per_class == pytest.approx({"red thing": 1.0, "green/thing": 1.0}, abs=1e-9)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_predict_coco_on_gpu(dataset):
    coco = load_coco_gt(dataset / "annotations" / "instances_val.json")
    results = predict_coco(ColorBoxModel(), coco, dataset / "val", SIZE, device="cuda", progress=False)
    assert as_set(results) == gt_boxes()


def test_sharding_and_gather_with_a_gloo_group(dataset, tmp_path, monkeypatch):
    coco = load_coco_gt(dataset / "annotations" / "instances_val.json")
    monkeypatch.setattr(evaluator_module, "_rank_world", lambda: (1, 2))  # pretend to be rank 1 of 2
    shard = predict_coco(ColorBoxModel(), coco, dataset / "val", SIZE, progress=False)
    assert {d["image_id"] for d in shard} == {2, 4}  # every second image, starting at index 1
    monkeypatch.undo()
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'pg'}", rank=0, world_size=1)
    try:
        scores, results = evaluate_model(ColorBoxModel(), coco, dataset / "val", SIZE, progress=False)
    finally:
        dist.destroy_process_group()
    assert as_set(results) == gt_boxes() and scores.metrics["AP"] == pytest.approx(1.0, abs=1e-9)


def run_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    eval_cli.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize("impl", ["pycocotools", "scratch"])
def test_cli_model_perfect(dataset, tmp_path, monkeypatch, capsys, impl):
    monkeypatch.setattr(eval_cli, "load_model", lambda name, ckpt, num_classes, device, **_: ColorBoxModel())
    out = tmp_path / "out"
    assert run_cli(["eval", "--model", "yolox-nano", "--ckpt", "fake.pth", "--data", str(dataset), "--split",
                    "val", "--out", str(out), "--workers", "0", "--no-progress", "--ap-impl", impl]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(METRIC_KEYS) | {"per_class", "settings"} == set(metrics)
    assert metrics["AP"] == pytest.approx(1.0) and metrics["AR100"] == pytest.approx(1.0)
    assert metrics["APs"] == pytest.approx(1.0) and metrics["APl"] == -1  # no gt over 96² px: undefined
    assert metrics["per_class"] == pytest.approx({"red thing": 1.0, "green/thing": 1.0})
    assert metrics["settings"]["conf_thresh"] == 0.001 and metrics["settings"]["input_size"] == list(SIZE)
    assert len(json.loads((out / "detections.json").read_text())) == len(gt_boxes())
    assert sorted(p.name for p in (out / "pr_curves").iterdir()) == [
        "pr_00_red_thing.png", "pr_01_green_thing.png", "pr_all.png"]
    printed = capsys.readouterr().out
    assert "= 1.000" in printed and "fractions of 1" in printed
    assert "red thing" in printed and f"ap_impl={impl}" in printed


def test_cli_scores_results_file(dataset, tmp_path):
    coco_dets = [{"image_id": i, "category_id": c, "bbox": [x, y, w, h], "score": 0.5}
                 for i, c, x, y, w, h in gt_boxes()]
    coco_dets[0]["bbox"] = [0.0, 0.0, 1.0, 1.0]  # one miss
    results = tmp_path / "results.json"
    results.write_text(json.dumps(coco_dets))
    metrics = {}
    for impl in ("pycocotools", "scratch"):
        out = tmp_path / impl
        assert run_cli(["eval", "--detections", str(results), "--data", str(dataset), "--split", "val",
                        "--out", str(out), "--ap-impl", impl, "--no-curves"]) == 0
        metrics[impl] = json.loads((out / "metrics.json").read_text())
    assert 0 < metrics["scratch"]["AP"] < 1
    for key in METRIC_KEYS:
        assert metrics["scratch"][key] == pytest.approx(metrics["pycocotools"][key], abs=1e-9)
    results.write_text("[]")
    run_cli(["eval", "--detections", str(results), "--ann", str(dataset / "annotations" / "instances_val.json"),
             "--out", str(tmp_path / "empty"), "--no-curves"])
    assert json.loads((tmp_path / "empty" / "metrics.json").read_text())["AP"] == 0


def test_cli_errors(dataset, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"image_id": 1, "category_id": 2, "box": [0, 0, 1, 1], "score": 1}]')
    with pytest.raises(ValueError, match=f"{bad}.*entry 0 lacks field 'bbox'"):
        run_cli(["eval", "--detections", str(bad), "--data", str(dataset), "--split", "val", "--out", str(tmp_path)])
    bad.write_text('[{"image_id": 77, "category_id": 2, "bbox": [0, 0, 1, 1], "score": 1}]')
    with pytest.raises(ValueError, match="image_id.*77"):
        run_cli(["eval", "--detections", str(bad), "--data", str(dataset), "--split", "val", "--out", str(tmp_path)])
    with pytest.raises(FileNotFoundError, match="instances_test.json"):
        run_cli(["eval", "--detections", str(bad), "--data", str(dataset), "--split", "test", "--out", str(tmp_path)])
    with pytest.raises(SystemExit):  # argparse: one of --ckpt and --detections is required
        run_cli(["eval", "--data", str(dataset), "--split", "val", "--out", str(tmp_path)])


def test_cli_with_a_real_checkpoint(dataset, tmp_path):
    """Untrained yolox-nano through the real build/load path (numbers are meaningless, nothing may crash)."""
    from yolox_edu import build_model, save_checkpoint

    ckpt = save_checkpoint(tmp_path / "nano.pth", build_model("yolox-nano", num_classes=2))
    out = tmp_path / "out"
    assert run_cli(["eval", "--model", "yolox-nano", "--ckpt", str(ckpt), "--data", str(dataset), "--split", "val",
                    "--out", str(out), "--size", "192", "--workers", "0", "--no-progress", "--no-curves"]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["AP"] < 0.5 and set(metrics["per_class"]) == {"red thing", "green/thing"}
    wrong = save_checkpoint(tmp_path / "nano3.pth", build_model("yolox-nano", num_classes=3))
    with pytest.raises(ValueError, match="predicts 3 classes but the dataset has 2"):
        run_cli(["eval", "--model", "yolox-nano", "--ckpt", str(wrong), "--data", str(dataset), "--split", "val",
                 "--out", str(out), "--size", "192", "--workers", "0"])


def test_coco80_label_ids_only_for_true_coco_subsets():
    from yolox_edu.names import COCO_CATEGORY_IDS, coco80_label_ids

    assert len(COCO_CATEGORY_IDS) == 80 and COCO_CATEGORY_IDS[-1] == 90
    assert coco80_label_ids({1: "person", 17: "cat", 47: "cup"}) == COCO_CATEGORY_IDS
    assert coco80_label_ids({1: "person", 2: "cat"}) is None, "id 2 is bicycle in COCO"
    assert coco80_label_ids({1: "circle"}) is None and coco80_label_ids({}) is None


def test_cli_80_class_coco_model_on_the_bundled_photos(tmp_path, capsys):
    """An official-style 80-class model is scored on the 7-category COCO subset of the bundled photos."""
    import json

    from yolox_edu import build_model, save_checkpoint
    from yolox_edu.cli import main

    photos = Path(__file__).resolve().parents[1] / "data_samples" / "photos"
    ckpt = save_checkpoint(tmp_path / "nano80.pth", build_model("yolox-nano", num_classes=80))
    rc = main(["eval", "--model", "yolox-nano", "--ckpt", str(ckpt), "--data", str(photos), "--split", "samples",
               "--size", "128", "--conf", "0.000001", "--workers", "0", "--out", str(tmp_path / "out"),
               "--no-progress", "--no-curves"])
    assert rc == 0
    assert "labels map to COCO ids" in capsys.readouterr().out
    dataset_ids = {c["id"] for c in json.loads((photos / "annotations" / "instances_samples.json").read_text())[
        "categories"]}
    found = {d["category_id"] for d in json.loads((tmp_path / "out" / "detections.json").read_text())}
    assert found and found <= dataset_ids
