import pytest
import torch

import yolox_edu
from yolox_edu.config import apply_overrides, model_config
from yolox_edu.models import YOLOX, build_model, canonical_name

# Official model zoo parameter counts for 80 classes (exact counts of the official modules).
OFFICIAL_PARAMS = {
    "yolox-nano": 912_159,
    "yolox-tiny": 5_055_855,
    "yolox-s": 8_968_255,
    "yolox-m": 25_326_495,
    "yolox-l": 54_208_895,
    "yolox-x": 99_071_455,
    "yolox-darknet53": 63_724_767,
}
ZOO_MILLIONS = {"yolox-nano": 0.91, "yolox-tiny": 5.06, "yolox-s": 9.0, "yolox-m": 25.3, "yolox-l": 54.2,
                "yolox-x": 99.1, "yolox-darknet53": 63.7}


def n_params(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", yolox_edu.MODEL_NAMES)
def test_parameter_counts_match_official_zoo(name):
    count = n_params(build_model(name))
    print(f"{name}: {count:,} parameters ({count / 1e6:.2f} M)")
    assert count == OFFICIAL_PARAMS[name]
    assert round(count / 1e6, 1 if count > 5e6 else 2) == pytest.approx(ZOO_MILLIONS[name], abs=0.051)


@pytest.mark.parametrize("name", yolox_edu.MODEL_NAMES)
@pytest.mark.parametrize("size", [416, 640])
def test_output_shapes_every_size(name, size):
    model = build_model(name, num_classes=7)
    x = torch.rand(1, 3, size, size) * 255
    model.train()
    with torch.no_grad():
        maps = model(x)
    assert [tuple(m.shape) for m in maps] == [(1, 12, size // s, size // s) for s in (8, 16, 32)]
    model.eval()
    with torch.no_grad():
        out = model(x)
    a = sum((size // s) ** 2 for s in (8, 16, 32))
    assert out.shape == (1, a, 5 + 7)
    assert ((out[..., 4:] >= 0) & (out[..., 4:] <= 1)).all(), "objectness and class scores are probabilities"


def test_non_square_input_and_anchor_count():
    model = build_model("yolox-nano").eval()
    with torch.no_grad():
        out = model(torch.rand(2, 3, 320, 416) * 255)
    assert out.shape == (2, 40 * 52 + 20 * 26 + 10 * 13, 85)


def test_state_dict_layout_is_official():
    sd = build_model("yolox-s").state_dict()
    assert len(sd) == 462
    keys = list(sd)
    assert keys[0] == "backbone.backbone.stem.conv.conv.weight"
    assert "backbone.lateral_conv0.conv.weight" in sd and "backbone.C3_n4.m.0.conv2.bn.running_var" in sd
    assert keys[-1].startswith("head.stems.2."), "stems are registered last, as in the official head"
    assert sd["head.cls_preds.0.weight"].shape == (80, 128, 1, 1)
    assert not any("grid" in k for k in sd), "grids are not persistent buffers"


def test_biases_start_at_prior():
    model = build_model("yolox-nano")
    for conv in (*model.head.cls_preds, *model.head.obj_preds):
        assert torch.sigmoid(conv.bias).allclose(torch.tensor(0.01))


def test_batchnorm_settings():
    bns = [m for m in build_model("yolox-tiny").modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and all(bn.eps == 1e-3 and bn.momentum == 0.03 for bn in bns)


@pytest.mark.parametrize("name", ["yolox-nano", "yolox-s", "yolox-darknet53"])
def test_fused_equals_unfused(name):
    model = build_model(name).eval()
    for m in model.modules():  # non-trivial BN statistics so that fusion has something to fold
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    x = torch.rand(1, 3, 256, 256) * 255
    with torch.no_grad():
        ref = model(x)
        fused = model.fuse()(x)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    assert (ref - fused).abs().max() < 1e-4


def test_bgr_flag_flips_channels():
    model = build_model("yolox-nano").eval()
    x = torch.rand(1, 3, 128, 128) * 255
    with torch.no_grad():
        rgb = model(x)
        model.cfg.bgr = True
        bgr = model(x.flip(1))
    assert torch.allclose(rgb, bgr, atol=1e-5)


def test_names_and_bad_input_errors():
    assert canonical_name("yolox_s") == canonical_name("S") == "yolox-s"
    with pytest.raises(ValueError, match="unknown model name 'yolox-q'.*yolox-nano"):
        build_model("yolox-q")
    with pytest.raises(ValueError, match="num_classes"):
        build_model("yolox-nano", num_classes=0)
    model = build_model("yolox-nano").eval()
    with pytest.raises(ValueError, match="multiples of 32"):
        model(torch.rand(1, 3, 100, 128))
    with pytest.raises(ValueError, match=r"\(B, 3, H, W\)"):
        model(torch.rand(3, 128, 128))
    with pytest.raises(TypeError, match="float"):
        model(torch.zeros(1, 3, 64, 64, dtype=torch.uint8))


def test_config_overrides():
    cfg = model_config("yolox-tiny", num_classes=3)
    assert (cfg.depth, cfg.width, cfg.input_size, cfg.num_classes) == (0.33, 0.375, (416, 416), 3)
    with pytest.raises(KeyError, match="widht"):
        apply_overrides(cfg, {"widht": 1.0})
    assert isinstance(build_model("yolox-nano", assigner="center-1"), YOLOX)
