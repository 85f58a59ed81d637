"""Parity with the official yolox==0.3.0 (skipped when it is not installed; `make parity` installs it)."""

import pytest
import torch

from yolox_edu import build_model

pytestmark = pytest.mark.oracle
yolox_models = pytest.importorskip("yolox.models")


def official(depth, width, depthwise=False, num_classes=80):
    model = yolox_models.YOLOX(
        yolox_models.YOLOPAFPN(depth, width, depthwise=depthwise),
        yolox_models.YOLOXHead(num_classes, width, depthwise=depthwise),
    )
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eps, m.momentum = 1e-3, 0.03
    model.head.initialize_biases(1e-2)
    return model


@pytest.mark.parametrize("name,depth,width,depthwise", [("yolox-nano", 0.33, 0.25, True),
                                                        ("yolox-s", 0.33, 0.50, False)])
def test_same_weights_same_outputs(name, depth, width, depthwise):
    ours = build_model(name).eval()
    theirs = official(depth, width, depthwise).eval()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    with torch.no_grad():
        for m in ours.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 1.5)
        for p in ours.head.parameters():
            p.mul_(0.5)  # keep exp(tw) in a realistic range
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.rand(2, 3, 320, 256) * 255
    with torch.no_grad():
        diff = (ours(x) - theirs(x)).abs().max().item()
    print(f"{name}: max abs diff of eval outputs vs official = {diff:.2e}")
    assert diff < 1e-4
