import json

import numpy as np
import pytest
import torch
from PIL import Image

from yolox_edu import build_model, predict, save_checkpoint
from yolox_edu.cli import main
from yolox_edu.decode import postprocess
from yolox_edu.preprocess import letterbox


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    m = build_model("yolox-nano", num_classes=3, input_size=(128, 128)).eval()
    with torch.no_grad():
        for conv in m.head.obj_preds:
            conv.bias.fill_(3.0)  # confident objectness so that random weights still give detections
    return m


def test_predict_maps_boxes_to_original_pixels(model):
    image = torch.randint(0, 255, (3, 90, 200), dtype=torch.uint8)
    det = predict(model, image, conf_thresh=0.001)
    assert isinstance(det, list) and len(det) == 1 and len(det[0]) > 0
    boxed, r = letterbox(image, (128, 128))
    with torch.no_grad():
        ref = postprocess(model(boxed[None]), 0.001, 0.45)[0]
    expected = (ref.boxes / r).clamp(min=0)
    expected[:, 0::2] = expected[:, 0::2].clamp(max=200)
    expected[:, 1::2] = expected[:, 1::2].clamp(max=90)
    assert torch.allclose(det[0].boxes, expected, atol=1e-4)
    assert (det[0].boxes[:, 2] <= 200).all() and (det[0].boxes[:, 3] <= 90).all()


def test_predict_accepts_many_kinds_of_image(model, tmp_path):
    array = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    Image.fromarray(array).save(tmp_path / "a.png")
    dets = predict(model, [str(tmp_path / "a.png"), array, Image.fromarray(array),
                           torch.from_numpy(array).permute(2, 0, 1)], conf_thresh=0.001)
    assert len(dets) == 4
    for d in dets[1:]:
        assert torch.allclose(d.boxes, dets[0].boxes) and torch.equal(d.labels, dets[0].labels)
    with pytest.raises(TypeError, match="cannot use int"):
        predict(model, 3)


def test_bf16_predictions_stay_close(model):
    image = torch.randint(0, 255, (3, 128, 128), dtype=torch.uint8)
    fp32 = predict(model, image, conf_thresh=0.3)[0]
    bf16 = predict(model, image, conf_thresh=0.3, bf16=True)[0]
    assert abs(len(fp32) - len(bf16)) <= max(2, len(fp32) // 5)


def test_cli_predict_writes_image_and_json(model, tmp_path):
    save_checkpoint(tmp_path / "m.pth", model, class_names=["circle", "square", "star"])
    Image.fromarray(np.full((100, 150, 3), 90, np.uint8)).save(tmp_path / "in.jpg")
    rc = main(["predict", "--model", "yolox-nano", "--ckpt", str(tmp_path / "m.pth"), "--image",
               str(tmp_path / "in.jpg"), "--out", str(tmp_path / "out.jpg"), "--json", str(tmp_path / "d.json"),
               "--conf", "0.001", "--size", "128"])
    assert rc == 0
    assert Image.open(tmp_path / "out.jpg").size == (150, 100)
    records = json.loads((tmp_path / "d.json").read_text())
    assert records and set(records[0]) == {"image", "box_xyxy", "score", "class_id", "class_name"}
    assert records[0]["class_name"] in {"circle", "square", "star"}


def test_cli_predict_clear_errors(model, tmp_path, capsys):
    save_checkpoint(tmp_path / "m.pth", model)
    (tmp_path / "broken.jpg").write_bytes(b"\x00" * 10)
    rc = main(["predict", "--model", "yolox-nano", "--ckpt", str(tmp_path / "m.pth"), "--image",
               str(tmp_path / "broken.jpg"), "--out", str(tmp_path / "o.jpg")])
    assert rc == 2 and "cannot read image" in capsys.readouterr().err
    rc = main(["predict", "--model", "yolox-big", "--ckpt", str(tmp_path / "m.pth"), "--image", "x.jpg",
               "--out", "o.jpg"])
    assert rc == 2 and "unknown model name 'yolox-big'" in capsys.readouterr().err
    rc = main(["predict", "--model", "yolox-s", "--ckpt", str(tmp_path / "m.pth"), "--image", "x.jpg",
               "--out", "o.jpg"])
    assert rc == 2 and "does not fit this model" in capsys.readouterr().err


def test_fused_channels_last_predict_matches(model):
    import copy

    image = torch.randint(0, 255, (3, 100, 140), dtype=torch.uint8)
    ref = predict(model, image, conf_thresh=0.05)[0]
    fast = copy.deepcopy(model).fuse().to(memory_format=torch.channels_last)
    out = predict(fast, image, conf_thresh=0.05)[0]
    assert len(out) == len(ref) and torch.allclose(out.boxes, ref.boxes, atol=1e-3)


def test_bundled_demo_checkpoint_detects_shapes():
    """The committed demo checkpoint (trained by `yolox-edu train --preset demo`) finds the shapes."""
    from pathlib import Path

    from torchvision.ops import box_iou

    from yolox_edu import load_checkpoint
    from yolox_edu.checkpoint import build_model_for_checkpoint, read_checkpoint
    from yolox_edu.data import CocoDataset

    root = Path(__file__).resolve().parents[1] / "data_samples"
    ckpt_path = root / "demo" / "yolox_nano_shapes.pth"
    model = build_model_for_checkpoint("yolox-nano", read_checkpoint(ckpt_path))
    assert model.cfg.input_size == (320, 320) and model.num_classes == 6
    load_checkpoint(model, ckpt_path)
    val = CocoDataset.from_dir(root / "synth", "val")
    hits = total = 0
    for i in range(10):
        sample = val[i]
        det = predict(model, sample.image, conf_thresh=0.3)[0]
        gt = torch.from_numpy(sample.boxes)
        iou = box_iou(gt, det.boxes) * (torch.from_numpy(sample.labels)[:, None] == det.labels[None])
        hits += int((iou.max(1).values > 0.5).sum()) if len(det) else 0
        total += len(gt)
    assert hits / total > 0.5, f"only {hits}/{total} shapes found"
