"""Export to ONNX / TorchScript, the on-the-spot check, and predict through onnxruntime."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from yolox_edu import build_model, predict, save_checkpoint
from yolox_edu.cli import main
from yolox_edu.decode import postprocess
from yolox_edu.export import (
    ExportCheckError,
    batched_postprocess,
    check_export,
    decode_flat,
    default_check_images,
    export_model,
    load_exported,
    predict_exported,
)
from yolox_edu.inference import as_image_tensor
from yolox_edu.models import MODEL_NAMES
from yolox_edu.models.blocks import Bottleneck, ResLayer
from yolox_edu.preprocess import letterbox

pytest.importorskip("onnxruntime")
pytest.importorskip("onnx")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data_samples" / "demo" / "yolox_nano_shapes.pth"
SYNTH = sorted((ROOT / "data_samples" / "synth" / "val").glob("*.jpg"))
SIZE = 64
BIG = {"yolox-l", "yolox-x", "yolox-darknet53"}


def random_model(name: str = "yolox-nano", size: int = SIZE, **overrides):
    """Random weights conditioned like a trained net, so that float32 export noise stays far below the check's
    tolerance: small residual branches, BatchNorm statistics averaged over real photos at the checked sizes (else
    activations grow or fade with depth), tamed prediction layers (varied class scores with no exact ties,
    boxes a few cells wide) and confident objectness (so that there are detections to compare)."""
    torch.manual_seed(0)
    model = build_model(name, num_classes=3, input_size=(size, size), **overrides)
    bns = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # running stats := the average over the calibration batches
    photos = [as_image_tensor(p) for p in default_check_images()[:2]]
    with torch.no_grad():
        for m in model.modules():  # small residual branches, as trained nets have: activations stay O(1)
            if isinstance(m, (Bottleneck, ResLayer)):
                for bn in [b for b in m.modules() if isinstance(b, torch.nn.BatchNorm2d)][-1:]:
                    bn.weight.fill_(0.1)
        for hw in ((size, size), (size + 32, size + 64), (160, 160)):  # the sizes the tests check at, and a larger
            model.train()(torch.stack([letterbox(p, hw)[0] for p in photos]))
        for bn in bns:
            bn.momentum = 0.03
        for scale, bias, convs in ((0.1, 0.5, model.head.cls_preds), (0.01, 0.5, model.head.reg_preds),
                                   (0.1, 3.0, model.head.obj_preds)):  # varied scores, sane boxes, confident
            for conv in convs:
                conv.weight.normal_(0.0, scale / conv.in_channels ** 0.5)
                conv.bias.fill_(bias)
    return model.eval()


def by_position(det):
    """Detections in a fixed order (class, then x1, then y1): near-equal scores may list in either order."""
    order = np.lexsort((det.boxes[:, 1].numpy(), det.boxes[:, 0].numpy(), det.labels.numpy()))
    return det.boxes[order], det.scores[order], det.labels[order]


def assert_same_detections(a, b, atol=1e-3):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert len(x) == len(y)
        (xb, xs, xl), (yb, ys, yl) = by_position(x), by_position(y)
        assert torch.equal(xl, yl) and torch.allclose(xb, yb, atol=atol) and torch.allclose(xs, ys, atol=1e-4)


@pytest.fixture(scope="module")
def nano_ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp("ckpt") / "nano.pth"
    save_checkpoint(path, random_model(), class_names=["a", "b", "c"])
    return path


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n in BIG else n for n in MODEL_NAMES])
def test_every_size_exports_checks_and_predicts_through_onnxruntime(name, tmp_path, capsys):
    model = random_model(name)
    save_checkpoint(tmp_path / "m.pth", model)
    out = tmp_path / "m.onnx"
    rc = main(["export", "--model", name, "--ckpt", str(tmp_path / "m.pth"), "--format", "onnx", "--dynamic",
               "--decode", "--out", str(out)])
    printed = capsys.readouterr().out
    assert rc == 0 and out.is_file(), printed
    assert "check passed" in printed and "batch 1 @ 96x128" in printed  # dynamic H, W checked at a second size
    images = [as_image_tensor(p) for p in default_check_images()[:2]]
    got = predict_exported(load_exported(out), images, conf_thresh=0.3)
    ref = predict(model, images, conf_thresh=0.3)
    assert sum(len(d) for d in ref) > 0
    assert_same_detections(got, ref)


def test_metadata_is_written_and_readable(nano_ckpt, tmp_path):
    import onnx

    out = tmp_path / "m.onnx"
    assert main(["export", "--model", "nano", "--ckpt", str(nano_ckpt), "--format", "onnx", "--size", "64", "96",
                 "--batch", "2", "--decode", "--opset", "16", "--out", str(out)]) == 0
    meta = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert meta["channel_order"] == "RGB" and "0-255" in meta["input_convention"] and "114" in meta["input_convention"]
    assert json.loads(meta["input_size"]) == [64, 96] and meta["batch"] == "2" and meta["dynamic_hw"] == "false"
    assert meta["opset"] == "16" and onnx.load(str(out)).opset_import[0].version == 16
    info = load_exported(out).info
    assert info.class_names == ["a", "b", "c"] and info.outputs == "decoded" and info.bn_fused


def test_official_bgr_weights_record_bgr_and_predict_the_same(tmp_path):
    model = random_model(bgr=True)
    out = tmp_path / "bgr.onnx"
    export_model(model, out, "onnx", batch=None, outputs="raw")
    exported = load_exported(out)
    assert exported.info.channel_order == "BGR"
    image = as_image_tensor(SYNTH[0])
    assert_same_detections(predict_exported(exported, image, conf_thresh=0.3), predict(model, image, conf_thresh=0.3))
    x = torch.stack([letterbox(image, (SIZE, SIZE))[0]])  # (1, 3, H, W) RGB
    with torch.no_grad():
        ref = model(x)
    assert torch.allclose(exported.predictions(x), ref, rtol=1e-4, atol=1e-3)  # flipped to BGR as the file asks
    assert not torch.allclose(decode_flat(exported(x), (SIZE, SIZE), (8, 16, 32)), ref, rtol=1e-4, atol=1e-3)


def test_torchscript_export_with_extra_files(nano_ckpt, tmp_path, capsys):
    out = tmp_path / "m.pt"
    assert main(["export", "--model", "nano", "--ckpt", str(nano_ckpt), "--format", "torchscript", "--dynamic",
                 "--decode", "--out", str(out)]) == 0
    assert "check passed" in capsys.readouterr().out
    extra = {"yolox_edu.json": ""}
    torch.jit.load(str(out), _extra_files=extra)
    assert json.loads(extra["yolox_edu.json"])["format"] == "torchscript"
    model = random_model()
    image = as_image_tensor(SYNTH[1])
    assert_same_detections(predict_exported(load_exported(out), image, conf_thresh=0.3),
                           predict(model, image, conf_thresh=0.3))


def test_raw_fixed_batch_file_pads_the_last_run(tmp_path):
    model = random_model()
    out = tmp_path / "raw.onnx"
    export_model(model, out, "onnx", batch=2, outputs="raw")
    images = [as_image_tensor(p) for p in SYNTH[:3]]  # 3 images through a batch-2 file
    assert_same_detections(predict_exported(load_exported(out), images, conf_thresh=0.3),
                           predict(model, images, conf_thresh=0.3))


def test_batched_postprocess_matches_per_image_postprocess():
    torch.manual_seed(1)
    preds = torch.cat((torch.rand(3, 200, 2) * 60, torch.rand(3, 200, 2) * 20 + 4, torch.rand(3, 200, 4)), -1)
    for agnostic in (False, True):
        rows = batched_postprocess(preds, 0.2, 0.45, agnostic)  # (N, 7)
        for b, det in enumerate(postprocess(preds, 0.2, 0.45, agnostic)):
            mine = rows[rows[:, 0] == b]
            assert len(mine) == len(det) > 0
            assert torch.allclose(mine[:, 1:5], det.boxes) and torch.equal(mine[:, 6].long(), det.labels)


def test_check_names_the_differing_output(tmp_path):
    model = random_model()
    out = tmp_path / "m.onnx"
    export_model(model, out, "onnx", outputs="decoded")
    other = random_model()
    with torch.no_grad():
        other.head.reg_preds[0].bias += 0.5  # a plausible bug: boxes off by half a cell at stride 8
    images = [as_image_tensor(SYNTH[0])]
    with pytest.raises(ExportCheckError, match="'predictions: boxes'"):
        check_export(load_exported(out), other, images)
    assert all(c.ok for c in check_export(load_exported(out), model, images))


def test_cli_export_fails_on_mismatch_and_moves_the_file(nano_ckpt, tmp_path, monkeypatch, capsys):
    import yolox_edu.export.writer as writer

    class Broken(writer.ExportGraph):
        def forward(self, images):
            out = super().forward(images)
            return torch.cat((out[..., :4], out[..., 4:5] * 0.9, out[..., 5:]), -1)  # objectness scaled

    monkeypatch.setattr(writer, "ExportGraph", Broken)
    out = tmp_path / "m.onnx"
    rc = main(["export", "--model", "nano", "--ckpt", str(nano_ckpt), "--format", "onnx", "--decode",
               "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2 and "'predictions: objectness'" in err and "unverified" in err
    assert not out.exists() and (tmp_path / "m.onnx.unverified").is_file()


def test_demo_checkpoint_end_to_end_with_nms_in_the_graph(tmp_path, capsys):
    out = tmp_path / "demo.onnx"
    assert main(["export", "--model", "yolox-nano", "--ckpt", str(DEMO), "--format", "onnx", "--nms",
                 "--check-image", *map(str, SYNTH[:2]), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "detections (N, 7)" in printed and "check passed" in printed
    images = [str(p) for p in SYNTH[:4]]
    common = ["--image", *images, "--conf", "0.3", "--out"]
    assert main(["predict", "--onnx", str(out), *common, str(tmp_path / "a"), "--json", str(tmp_path / "a.json")]) == 0
    assert main(["predict", "--model", "yolox-nano", "--ckpt", str(DEMO), *common, str(tmp_path / "b"),
                 "--json", str(tmp_path / "b.json")]) == 0
    a, b = (sorted(json.loads((tmp_path / f"{k}.json").read_text()), key=lambda r: (r["image"], r["class_id"],
                                                                                   r["box_xyxy"])) for k in "ab")
    assert len(a) == len(b) >= 4 and [r["class_name"] for r in a] == [r["class_name"] for r in b]
    assert max(abs(u - v) for ra, rb in zip(a, b) for u, v in zip(ra["box_xyxy"], rb["box_xyxy"])) < 0.05
    assert (tmp_path / "a" / f"{SYNTH[0].stem}_pred.jpg").is_file()


def test_predict_through_onnxruntime_matches_pytorch_on_demo_images(tmp_path):
    from yolox_edu.course import load_demo_model

    model = load_demo_model()
    out = tmp_path / "demo.onnx"
    export_model(model, out, "onnx", batch=None, outputs="decoded")
    images = [as_image_tensor(p) for p in SYNTH[:6]]
    ref = predict(model, images, conf_thresh=0.3)
    assert sum(len(d) for d in ref) >= 6
    assert_same_detections(predict_exported(load_exported(out), images, conf_thresh=0.3), ref)


def run_cli(args, capsys):
    rc = main(args)
    return rc, capsys.readouterr().err


def test_clear_errors(nano_ckpt, tmp_path, capsys):
    base = ["export", "--ckpt", str(nano_ckpt), "--out", str(tmp_path / "m.onnx")]
    rc, err = run_cli([*base, "--model", "yolox-s", "--format", "onnx"], capsys)
    assert rc == 2 and "--ckpt" in err and "yolox-nano" in err and "--model" in err
    with pytest.raises(SystemExit):  # --size is checked while the command line is parsed
        main([*base, "--model", "nano", "--format", "onnx", "--size", "100"])
    err = capsys.readouterr().err
    assert "--size" in err and "multiple of 32" in err
    rc, err = run_cli(["export", "--model", "nano", "--ckpt", str(nano_ckpt), "--format", "onnx",
                       "--out", str(tmp_path / "missing" / "m.onnx")], capsys)
    assert rc == 2 and "--out" in err and "does not exist" in err
    rc, err = run_cli([*base, "--model", "nano", "--format", "torchscript", "--nms"], capsys)
    assert rc == 2 and "--nms is only for --format onnx" in err
    with pytest.raises(SystemExit):
        main([*base, "--model", "nano", "--format", "tflite"])
    assert "--format" in capsys.readouterr().err and not (tmp_path / "m.onnx").exists()


def test_official_checkpoint_of_another_architecture(tmp_path, capsys):
    torch.save({"model": random_model("yolox-tiny").state_dict()}, tmp_path / "official.pth")  # no config
    rc, err = run_cli(["export", "--model", "nano", "--ckpt", str(tmp_path / "official.pth"), "--format", "onnx",
                       "--out", str(tmp_path / "m.onnx")], capsys)
    assert rc == 2 and "--ckpt does not fit --model yolox-nano" in err


def test_missing_onnx_says_how_to_install(nano_ckpt, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    rc, err = run_cli(["export", "--model", "nano", "--ckpt", str(nano_ckpt), "--format", "onnx",
                       "--out", str(tmp_path / "m.onnx")], capsys)
    assert rc == 2 and "pip install -e '.[export]'" in err


def test_predict_onnx_errors(tmp_path, capsys):
    model = random_model()
    export_model(model, tmp_path / "nms.onnx", "onnx", outputs="detections", conf_thresh=0.3)
    image = str(SYNTH[0])
    common = ["--image", image, "--out", str(tmp_path / "o.jpg")]
    rc, err = run_cli(["predict", "--onnx", str(tmp_path / "nms.onnx"), "--conf", "0.1", *common], capsys)
    assert rc == 2 and "--conf 0.1 is below" in err
    rc, err = run_cli(["predict", "--onnx", str(tmp_path / "nms.onnx"), "--size", "96", "--conf", "0.3", *common],
                      capsys)
    assert rc == 2 and "--size" in err and "--dynamic" in err
    with pytest.raises(SystemExit):  # argparse: one of --ckpt and --onnx is required
        main(["predict", *common])
    err = capsys.readouterr().err
    assert "--ckpt" in err and "--onnx" in err
    (tmp_path / "junk.onnx").write_bytes(b"not a model")
    rc, err = run_cli(["predict", "--onnx", str(tmp_path / "junk.onnx"), *common], capsys)
    assert rc == 2 and "not a loadable ONNX model" in err
