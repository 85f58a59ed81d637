"""The roadmap's model switches: coupled head, anchors, their parameter counts, and anchor models end to end."""

from pathlib import Path

import pytest
import torch

from yolox_edu.checkpoint import build_model_for_checkpoint, read_checkpoint, save_checkpoint
from yolox_edu.decode import postprocess
from yolox_edu.model_stats import count_gflops, count_parameters
from yolox_edu.models import build_model
from yolox_edu.models.head import CoupledHead, YOLOXHead

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT / "data_samples" / "synth"
YOLOV3 = dict(anchors="yolov3", assigner="yolov3")

# (switches, params M, GFLOPs at 640) of the paper's Table 2 (YOLOX-Darknet53, 80 classes)
PAPER = {
    "coupled+anchors": (dict(head="coupled", **YOLOV3), 63.00, 157.3),
    "decoupled+anchors": (dict(**YOLOV3), 63.86, 186.0),
    "decoupled anchor-free": (dict(), 63.72, 185.3),
}


@pytest.fixture(scope="module")
def darknets():
    """The three Darknet53 models, built once on the meta device (shapes only, no memory)."""
    with torch.device("meta"):
        return {name: build_model("yolox-darknet53", 80, **kw) for name, (kw, _, _) in PAPER.items()}


@pytest.mark.parametrize("name", PAPER)
def test_darknet53_parameter_counts_match_the_paper(darknets, name):
    assert round(count_parameters(darknets[name]) / 1e6, 2) == PAPER[name][1]


@pytest.mark.parametrize("name", PAPER)
def test_darknet53_gflops_near_the_paper(darknets, name):
    # our counter counts convolutions only (2 × MACs); the paper's tool also counts BN and activations: ~0.3 % more
    assert count_gflops(darknets[name], 640) == pytest.approx(PAPER[name][2], rel=0.01)


def test_coupled_head_is_one_3x3_and_one_1x1_per_level(darknets):
    head = darknets["coupled+anchors"].head
    assert isinstance(head, CoupledHead)
    assert [c.conv.out_channels for c in head.convs] == [256, 512, 1024]  # 2C per level (YOLOv3)
    assert [p.out_channels for p in head.preds] == [3 * 85] * 3
    assert isinstance(darknets["decoupled+anchors"].head, YOLOXHead)
    assert darknets["decoupled+anchors"].head.cls_preds[0].out_channels == 3 * 80


@pytest.mark.parametrize("kw", [dict(anchors="yolov3"), dict(anchors="yolov3", assigner="center-3x3"),
                                dict(assigner="yolov3"), dict(head="twin")])
def test_inconsistent_switches_are_refused(kw):
    with pytest.raises(ValueError, match="anchor|head"):
        build_model("yolox-nano", 3, **kw)


@pytest.mark.parametrize("head", ["coupled", "decoupled"])
def test_anchor_model_outputs_three_rows_per_cell(head):
    torch.manual_seed(0)
    model = build_model("yolox-nano", 4, head=head, **YOLOV3).eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 64, 96) * 255)
    assert out.shape == (2, 3 * (8 * 12 + 4 * 6 + 2 * 3), 9)
    assert (out[..., 2:4] > 0).all() and ((out[..., 4:] >= 0) & (out[..., 4:] <= 1)).all()
    # the bias prior: every objectness and class score starts near 0.01
    assert out[..., 4].mean() == pytest.approx(0.01, abs=0.01)


def test_decoupled_head_with_anchors_groups_channels_per_anchor():
    """Anchor k's (box, obj, classes) come from rows k·4.., k, k·C.. of the three 1×1 predictors."""
    head = YOLOXHead(2, 0.25, (16, 16, 16), num_anchors=3).eval()
    feats = tuple(torch.rand(1, 16, s, s) for s in (4, 2, 1))
    maps = head(feats)
    assert maps[0].shape == (1, 3 * 7, 4, 4)
    x = head.stems[0](feats[0])
    reg, obj = head.reg_preds[0](head.reg_convs[0](x)), head.obj_preds[0](head.reg_convs[0](x))
    cls = head.cls_preds[0](head.cls_convs[0](x))
    k = 2
    expected = torch.cat((reg[:, 4 * k:4 * k + 4], obj[:, k:k + 1], cls[:, 2 * k:2 * k + 2]), dim=1)
    assert torch.allclose(maps[0][:, 7 * k:7 * k + 7], expected)


def test_anchor_model_trains_one_step():
    torch.manual_seed(0)
    model = build_model("yolox-nano", 3, head="coupled", **YOLOV3).train()
    targets = torch.tensor([[[1.0, 30, 30, 20, 24], [2.0, 60, 40, 50, 40]]])
    out = model(torch.rand(1, 3, 96, 96) * 255, targets, use_l1=True)
    assert out["num_fg"] == 2 and torch.isfinite(out["total"])
    out["total"].backward()
    assert model.head.preds[0].weight.grad is not None


def test_anchor_model_end_to_end_postprocess_checkpoint_eval_export(tmp_path):
    """Eval rows of an anchor model feed postprocess, evaluation, checkpoints and export unchanged."""
    from yolox_edu.eval import evaluate_model, load_coco_gt
    from yolox_edu.inference import predict

    torch.manual_seed(0)
    model = build_model("yolox-nano", 6, head="coupled", input_size=(64, 64), **YOLOV3).eval()
    with torch.no_grad():  # tame, confident predictions: detections to compare, no near-ties for NMS to flip
        for pred in model.head.preds:
            pred.weight.mul_(0.05)
            pred.bias.view(3, 11)[:, 2:4] = -3.0  # boxes 5 % of their anchor: few overlaps for NMS to decide
            pred.bias.view(3, 11)[:, 4] = 2.0
            pred.bias.view(3, 11)[:, 5:] = torch.linspace(-1.0, 0.5, 6)
        dets = postprocess(model(torch.rand(1, 3, 64, 64) * 255), conf_thresh=0.3)
    assert len(dets[0]) > 0 and dets[0].boxes.shape[1] == 4

    save_checkpoint(tmp_path / "m.pth", model)
    again = build_model_for_checkpoint("yolox-nano", read_checkpoint(tmp_path / "m.pth"))
    assert again.cfg.head == "coupled" and again.cfg.anchors == "yolov3" and again.num_classes == 6

    gt = load_coco_gt(SYNTH / "annotations" / "instances_val.json")
    keep = {img["id"] for img in gt.dataset["images"][:8]}
    gt.dataset = {**gt.dataset, "images": [i for i in gt.dataset["images"] if i["id"] in keep],
                  "annotations": [a for a in gt.dataset["annotations"] if a["image_id"] in keep]}
    gt.createIndex()
    scores, results = evaluate_model(model, gt, SYNTH / "val", (64, 64), progress=False)
    assert results and 0.0 <= scores.metrics["AP"] <= 1.0

    images = [torch.rand(3, 64, 64) * 255]
    ref = predict(model, images, conf_thresh=0.3)
    pytest.importorskip("onnxruntime")
    from yolox_edu.export import check_export, export_model, load_exported, predict_exported
    from yolox_edu.export.check import match_detections

    out = tmp_path / "m.onnx"
    export_model(model, out, "onnx", outputs="decoded")
    exported = load_exported(out)
    assert all(c.ok for c in check_export(exported, model, images))
    got = predict_exported(exported, images, conf_thresh=0.3)
    assert len(got[0]) == len(ref[0]) > 0
    diffs = match_detections(ref[0], got[0])  # (max box diff, max score diff) once paired up, None if unpaired
    assert diffs is not None and max(diffs) < 1e-2
    with pytest.raises(ValueError, match="anchor-free only"):
        export_model(model, tmp_path / "raw.onnx", "onnx", outputs="raw")
