"""Focus (space-to-depth) made visible (notebook 02): where each pixel of a small image goes, and the
proof that Focus followed by a 3×3 conv is one 6×6 stride-2 conv (what YOLOv5 v6.0 replaced it with).

Phase order is the official one: (even rows, even cols), (odd, even), (even, odd), (odd, odd).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from torch import Tensor

__all__ = ["FOCUS_PHASES", "focus_pixel_figure", "focus_kernel_as_6x6"]

FOCUS_PHASES: tuple[tuple[int, int], ...] = ((0, 0), (1, 0), (0, 1), (1, 1))  # (row parity, col parity)
PHASE_NAMES = ("top-left", "bottom-left", "top-right", "bottom-right")
PHASE_COLORS = ("#8ecae6", "#ffb703", "#90be6d", "#f28482")


def _draw_grid(ax, numbers: Tensor, colors: list[list[str]], title: str) -> None:
    h, w = numbers.shape
    for r in range(h):
        for c in range(w):
            ax.add_patch(plt.Rectangle((c, r), 1, 1, facecolor=colors[r][c], edgecolor="black", lw=1))
            ax.text(c + 0.5, r + 0.5, str(int(numbers[r, c])), ha="center", va="center", fontsize=12)
    ax.set(xlim=(-0.05, w + 0.05), ylim=(h + 0.05, -0.05), aspect="equal", title=title)
    ax.set_axis_off()


def focus_pixel_figure(size: int = 4) -> Figure:
    """A ``size × size`` image of numbered pixels (one channel) and the four ``size/2 × size/2`` phase
    channels Focus stacks, each pixel coloured by the phase it goes to."""
    if size % 2:
        raise ValueError(f"size must be even, got {size}")
    numbers = torch.arange(size * size).reshape(size, size)  # (size, size)
    phase_of = [[PHASE_COLORS[FOCUS_PHASES.index((r % 2, c % 2))] for c in range(size)] for r in range(size)]
    fig, axes = plt.subplots(1, 5, figsize=(13, 3.4), gridspec_kw={"width_ratios": [2, 1, 1, 1, 1]},
                             layout="constrained")
    _draw_grid(axes[0], numbers, phase_of, f"input: 1 channel, {size}×{size}")
    for k, ((a, b), name, color) in enumerate(zip(FOCUS_PHASES, PHASE_NAMES, PHASE_COLORS)):
        half = numbers[a::2, b::2]  # (size/2, size/2)
        _draw_grid(axes[k + 1], half, [[color] * (size // 2)] * (size // 2),
                   f"channel {k}: {name}\nrows {a}::2, cols {b}::2")
    fig.suptitle(f"Focus: 1×{size}×{size} → 4×{size // 2}×{size // 2}; no pixel lost, neighbours become channels",
                 fontsize=11)
    return fig


def focus_kernel_as_6x6(weight: Tensor) -> Tensor:
    """The (O, C, 6, 6) kernel of a stride-2, padding-2 conv equal to Focus + a 3×3, stride-1, padding-1
    conv with kernel ``weight`` of shape (O, 4C, 3, 3) (channels in the official phase order).

    Output pixel (u, v) of the 3×3 conv reads phase (a, b) at (u + du, v + dv), du, dv ∈ {−1, 0, 1}, which
    is image pixel (2u + 2du + a, 2v + 2dv + b): six rows 2u − 2 … 2u + 3, exactly a 6×6 window at stride 2."""
    o, c4, kh, kw = weight.shape
    if c4 % 4 or (kh, kw) != (3, 3):
        raise ValueError(f"expected a (O, 4C, 3, 3) kernel, got {tuple(weight.shape)}")
    c = c4 // 4
    kernel = weight.new_zeros(o, c, 6, 6)  # (O, C, 6, 6)
    for k, (a, b) in enumerate(FOCUS_PHASES):
        kernel[:, :, a::2, b::2] = weight[:, k * c:(k + 1) * c]  # rows 2·du' + a, du' = du + 1 ∈ {0, 1, 2}
    return kernel
