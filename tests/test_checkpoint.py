import pytest
import torch

from yolox_edu import build_model, load_checkpoint, save_checkpoint
from yolox_edu.checkpoint import CheckpointError, atomic_save, read_checkpoint


def _outputs(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)


def test_round_trip(tmp_path):
    a = build_model("yolox-nano", num_classes=5)
    for p in a.parameters():
        p.data.normal_(0, 0.02)
    path = save_checkpoint(tmp_path / "ckpt.pth", a, epoch=3, class_names=list("abcde"))
    b = build_model("yolox-nano", num_classes=5)
    ckpt = load_checkpoint(b, path)
    assert ckpt["epoch"] == 3 and ckpt["config"]["name"] == "yolox-nano" and ckpt["class_names"][1] == "b"
    x = torch.rand(1, 3, 128, 128) * 255
    assert torch.equal(_outputs(a, x), _outputs(b, x))


def test_official_layout_loads_and_sets_bgr(tmp_path):
    src = build_model("yolox-nano")
    torch.save({"start_epoch": 300, "model": src.state_dict(), "best_ap": 25.8}, tmp_path / "official.pth")
    dst = build_model("yolox-nano")
    with pytest.warns(UserWarning, match="official YOLOX weights expect BGR"):
        load_checkpoint(dst, tmp_path / "official.pth")
    assert dst.cfg.bgr is True
    # a bare state dict is accepted too
    torch.save(src.state_dict(), tmp_path / "bare.pth")
    with pytest.warns(UserWarning, match="BGR"):
        load_checkpoint(build_model("yolox-nano"), tmp_path / "bare.pth")


def test_class_count_change_drops_class_layers(tmp_path):
    src = build_model("yolox-tiny", num_classes=80)
    for p in src.parameters():
        p.data.normal_(0, 0.02)
    save_checkpoint(tmp_path / "coco.pth", src)
    dst = build_model("yolox-tiny", num_classes=3)
    fresh_cls = dst.head.cls_preds[0].weight.clone()
    with pytest.warns(UserWarning, match="trained for 80 classes, the model has 3"):
        load_checkpoint(dst, tmp_path / "coco.pth")
    assert torch.equal(dst.head.cls_preds[0].weight, fresh_cls)
    assert torch.equal(dst.head.reg_preds[1].weight, src.head.reg_preds[1].weight)
    assert torch.equal(dst.backbone.backbone.stem.conv.conv.weight, src.backbone.backbone.stem.conv.conv.weight)


def test_wrong_architecture_names_keys(tmp_path):
    save_checkpoint(tmp_path / "nano.pth", build_model("yolox-nano"))
    with pytest.raises(CheckpointError, match=r"looks like yolox-nano.*First: .*backbone\.backbone\.stem"):
        load_checkpoint(build_model("yolox-s"), tmp_path / "nano.pth")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "notes.pth").write_text("hello")
    with pytest.raises(CheckpointError, match="notes.pth is not a readable PyTorch checkpoint"):
        read_checkpoint(tmp_path / "notes.pth")
    torch.save({"epoch": 1}, tmp_path / "empty.pth")
    with pytest.raises(CheckpointError, match="holds no model weights"):
        read_checkpoint(tmp_path / "empty.pth")
    with pytest.raises(FileNotFoundError, match="missing.pth"):
        read_checkpoint(tmp_path / "missing.pth")


def test_fused_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="fused"):
        save_checkpoint(tmp_path / "f.pth", build_model("yolox-nano").fuse())


def test_atomic_save_keeps_previous_file_on_failure(tmp_path, monkeypatch):
    path = tmp_path / "last.pth"
    atomic_save({"model": {"w": torch.ones(2)}}, path)

    def crash(obj, f):
        f.write(b"partial")
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_save({"model": {"w": torch.zeros(2)}}, path)
    monkeypatch.undo()
    assert torch.equal(read_checkpoint(path)["model"]["w"], torch.ones(2))
    assert [p.name for p in tmp_path.iterdir()] == ["last.pth"], "no temp file is left behind"


def test_export_weights_keeps_only_what_inference_needs(tmp_path):
    from yolox_edu.checkpoint import export_weights

    model = build_model("yolox-nano", num_classes=2)
    save_checkpoint(tmp_path / "train.pth", model, optimizer={"state": {}}, class_names=["a", "b"], epoch=5)
    export_weights(tmp_path / "train.pth", tmp_path / "slim.pth")
    slim = read_checkpoint(tmp_path / "slim.pth")
    assert set(slim) == {"model", "config", "class_names"}
    load_checkpoint(build_model("yolox-nano", num_classes=2), tmp_path / "slim.pth")
