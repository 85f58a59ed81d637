"""Library helpers behind notebooks 00–03: sliding windows, toy region proposals, model size counting."""

from pathlib import Path

import numpy as np
import pytest
import torch
from torchvision.ops import box_iou

from yolox_edu.model_stats import PUBLISHED, count_gflops, count_parameters, meta_feature_shapes, model_stats
from yolox_edu.models import build_model
from yolox_edu.viz.history import connected_regions, region_proposals, sliding_windows


def test_sliding_windows_count_and_fit():
    boxes = sliding_windows((100, 200), sizes=(50,), aspect_ratios=(1.0,), step=0.5)
    # 50×50 windows every 25 px: x in 0..150 (7 positions), y in 0..50 (3 positions)
    assert boxes.shape == (21, 4)
    assert boxes[:, 2].max() <= 200 and boxes[:, 3].max() <= 100
    assert torch.allclose(boxes[:, 2] - boxes[:, 0], torch.full((21,), 50.0))
    tall = sliding_windows((100, 200), sizes=(50,), aspect_ratios=(2.0,), step=0.5)
    h, w = tall[0, 3] - tall[0, 1], tall[0, 2] - tall[0, 0]
    assert float(h / w) == pytest.approx(2.0) and float(h * w) == pytest.approx(2500.0)
    assert len(sliding_windows((10, 10), sizes=(64,))) == 0


def test_connected_regions_separates_equal_codes_that_do_not_touch():
    codes = torch.tensor([[1, 1, 0, 2],
                          [0, 1, 0, 2],
                          [0, 0, 0, 1]])
    regions = connected_regions(codes)
    assert regions[0, 0] == regions[0, 1] == regions[1, 1]
    assert regions[2, 3] != regions[0, 0]  # same code 1, not connected
    assert len(regions.unique()) == 4  # {1s top-left}, {0s}, {2s}, {lone 1}


def test_region_proposals_find_solid_objects():
    image = np.full((120, 160, 3), 20, np.uint8)
    image[10:50, 20:70] = (230, 40, 40)  # red rectangle
    image[60:110, 90:150] = (40, 220, 60)  # green rectangle
    proposals = region_proposals(image, work_size=160)
    truth = torch.tensor([[20.0, 10, 70, 50], [90, 60, 150, 110]])
    assert box_iou(truth, proposals).amax(dim=1).min() > 0.9
    with pytest.raises(ValueError, match="image"):
        region_proposals(np.zeros((5, 5)))


def test_model_stats_match_the_published_table():
    for name in ("yolox-nano", "yolox-s"):
        stats = model_stats(name)
        assert stats.params_m == pytest.approx(PUBLISHED[name][1], rel=0.01)
        assert stats.gflops == pytest.approx(PUBLISHED[name][2], rel=0.04)  # thop counts a little more
    assert model_stats("s", input_size=320).published_gflops is None  # not the published setting


def test_gflops_scale_with_pixels_and_real_models_stay_untouched():
    torch.manual_seed(0)
    model = build_model("yolox-nano", num_classes=6)
    before = model.head.cls_preds[0].weight.clone()
    g320, g640 = count_gflops(model, 320), count_gflops(model, 640)
    assert g640 == pytest.approx(4 * g320, rel=1e-6)
    assert torch.equal(model.head.cls_preds[0].weight, before) and not before.is_meta
    assert count_parameters(model) == sum(p.numel() for p in model.parameters())


def test_meta_feature_shapes():
    model = build_model("yolox-nano", num_classes=6)
    shapes = meta_feature_shapes(model, {"dark3": model.backbone.backbone.dark3, "neck": model.backbone}, 320)
    assert shapes["dark3"] == (1, 64, 40, 40)
    assert [shapes[f"neck[{k}]"] for k in range(3)] == [(1, 64, 40, 40), (1, 128, 20, 20), (1, 256, 10, 10)]


def test_yolox_overview_shows_the_models_real_shapes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from yolox_edu.viz.diagrams import overview_shapes, yolox_overview

    with torch.device("meta"):
        model = build_model("yolox-s", num_classes=80)
    shapes = overview_shapes(model, 640)
    assert shapes["C5"] == (1, 512, 20, 20) and shapes["P3"] == (1, 128, 80, 80) and shapes["head4"] == (1, 85, 40, 40)
    fig = yolox_overview(model, 640)
    texts = " ".join(t.get_text() for t in fig.axes[0].texts)
    assert "C3: 128×80×80" in texts and "6400 + 1600 + 400" in texts and "= 8400 points" in texts
    plt.close(fig)


MEMORY_PROBE = """
import os, sys, torch
from yolox_edu.models import build_model
torch.set_num_threads(1)
rss = lambda: int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
model = build_model("yolox-nano", num_classes=80).train()
x = torch.zeros(4, 3, 256, 256)
before = rss()
kept = model(x)  # the autograd graph holds the saved activations
print((rss() - before) / 1e9)
"""


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads the process's memory from /proc")
def test_training_memory_estimate_matches_a_measured_forward_pass():
    """The meta-device count of saved activations agrees with the memory a real fp32 forward pass keeps."""
    import subprocess
    import sys

    from yolox_edu.model_stats import training_memory

    est = training_memory("yolox-nano", 4, 256, amp=False)
    measured = float(subprocess.run([sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True,
                                    check=True).stdout)
    assert 0.8 < measured / est.activations_gb < 1.3, (measured, est)
    half = training_memory("yolox-nano", 4, 256, amp=True)
    assert half.activations_gb == pytest.approx(est.activations_gb / 2, rel=0.02)  # fp16 activations
    assert training_memory("yolox-nano", 8, 256).activations_gb == pytest.approx(2 * half.activations_gb)
    params = count_parameters(build_model("yolox-nano", num_classes=80)) / 1e9
    assert est.weights_gb == pytest.approx(4 * params) and half.weights_gb == pytest.approx(6 * params)
    assert half.total_gb == pytest.approx(half.weights_gb + 8 * params + half.activations_gb)
