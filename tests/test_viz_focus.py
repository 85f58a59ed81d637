"""Focus made visible: the pixel figure and Focus + 3×3 conv == one 6×6 stride-2 conv."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from yolox_edu.models.blocks import Focus  # noqa: E402
from yolox_edu.viz.focus import focus_kernel_as_6x6, focus_pixel_figure  # noqa: E402


def test_focus_equals_a_6x6_stride_2_conv():
    torch.manual_seed(0)
    focus = Focus(3, 8, ksize=3).eval()
    x = torch.randn(2, 3, 10, 14)
    weight = focus.conv.conv.weight  # (8, 12, 3, 3)
    with torch.no_grad():
        expected = F.conv2d(torch.cat((x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]), 1),
                            weight, padding=1)
        got = F.conv2d(x, focus_kernel_as_6x6(weight), stride=2, padding=2)
    torch.testing.assert_close(got, expected)


def test_focus_kernel_places_each_phase_weight():
    weight = torch.zeros(1, 4, 3, 3)
    weight[0, 1, 0, 2] = 1.0  # phase 1 = (odd row, even col), du = -1, dv = +1
    kernel = focus_kernel_as_6x6(weight)
    assert kernel.shape == (1, 1, 6, 6)
    assert kernel.nonzero().tolist() == [[0, 0, 1, 4]]  # row 2·0 + 1, col 2·2 + 0
    with pytest.raises(ValueError, match="4C, 3, 3"):
        focus_kernel_as_6x6(torch.zeros(1, 6, 3, 3))


def test_focus_pixel_figure_numbers_every_pixel_once():
    fig = focus_pixel_figure(4)
    numbers = [t.get_text() for ax in fig.axes[1:] for t in ax.texts]
    assert sorted(map(int, numbers)) == list(range(16))
    assert [t.get_text() for t in fig.axes[1].texts] == ["0", "2", "8", "10"]  # even rows, even cols
    assert [t.get_text() for t in fig.axes[2].texts] == ["4", "6", "12", "14"]  # odd rows, even cols
    plt.close(fig)
    with pytest.raises(ValueError, match="even"):
        focus_pixel_figure(5)
