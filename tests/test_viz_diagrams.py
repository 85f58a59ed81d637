"""The block diagrams are drawn from the model's real shapes (meta device, no compute)."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from yolox_edu import build_model  # noqa: E402
from yolox_edu.viz.diagrams import overview_shapes, pafpn_diagram, pafpn_shapes, yolox_overview  # noqa: E402


def _texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.axes[0].texts)


def test_overview_shows_stem_and_dark2_of_yolox_s():
    with torch.device("meta"):
        model = build_model("yolox-s", num_classes=80)
    shapes = overview_shapes(model, 640)
    assert shapes["stem"] == (1, 32, 320, 320) and shapes["dark2"] == (1, 64, 160, 160)
    fig = yolox_overview(model, 640)
    texts = _texts(fig)
    assert "stem (Focus)\n32×320×320\nstride 2" in texts and "dark2\n64×160×160\nstride 4" in texts
    assert "dark5 + SPP" in texts and "↑2" in texts and "↓2" in texts
    plt.close(fig)


def test_pafpn_shapes_follow_the_forward_pass():
    with torch.device("meta"):
        model = build_model("yolox-s", num_classes=80)
    s = pafpn_shapes(model, 640)
    assert s["lateral_conv0"] == (1, 256, 20, 20)  # lat5: 1×1 512 → 256 at stride 32
    assert s["reduce_conv1"] == (1, 128, 40, 40)  # lat4
    assert s["C3_p3"] == (1, 128, 80, 80) and s["C3_n3"] == (1, 256, 40, 40) and s["C3_n4"] == (1, 512, 20, 20)
    assert s["bu_conv2"] == (1, 128, 40, 40) and s["bu_conv1"] == (1, 256, 20, 20)  # stride-2 convs
    fig = pafpn_diagram(model, 640)
    texts = _texts(fig)
    assert "P3\n128×80×80\nstride 8" in texts and "no residual" in texts and texts.count("cat") >= 4
    plt.close(fig)


def test_pafpn_diagram_refuses_the_yolov3_neck():
    with torch.device("meta"):
        model = build_model("yolox-darknet53", num_classes=80)
    with pytest.raises(ValueError, match="PAFPN"):
        pafpn_diagram(model, 640)
