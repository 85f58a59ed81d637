"""Training curves from log.jsonl: reading, smoothing, what the figure shows."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.figure import Figure

from yolox_edu.viz.training import _smooth, plot_training_log, read_log


def _log(tmp_path, tail_from: int = 7) -> list[dict]:
    lines = []
    for i in range(1, 11):
        epoch = (i - 1) // 4 + 1
        lines.append({"type": "train", "epoch": epoch, "iter": i, "lr": 0.01 * i, "total": 10.0 - i, "iou": 3.0,
                      "obj": 2.0, "cls": 1.0, "l1": 0.5 if i >= tail_from else 0.0, "num_fg": 5.0})
    lines.append({"type": "eval", "epoch": 3, "iter": 10, "AP": 0.2, "AP50": 0.4})
    (tmp_path / "log.jsonl").write_text("\n".join(json.dumps(r) for r in lines) + "\n")
    return lines


def test_read_log_from_folder_or_file(tmp_path):
    lines = _log(tmp_path)
    assert read_log(tmp_path) == lines == read_log(tmp_path / "log.jsonl")
    with pytest.raises(FileNotFoundError, match="log.jsonl"):
        read_log(tmp_path / "nowhere")


def test_smooth_is_a_trailing_mean():
    np.testing.assert_allclose(_smooth(np.array([2.0, 4.0, 6.0, 8.0]), 2), [2, 3, 5, 7])


def test_plot_shows_losses_epochs_lr_and_ap(tmp_path):
    fig = plot_training_log(_log(tmp_path), smooth=2, title="run")
    assert isinstance(fig, Figure)
    ax_loss, ax_lr, ax_ap = fig.axes
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == ["total", "iou", "obj", "cls", "l1"]
    dotted = [line for line in ax_loss.lines if line.get_linestyle() == ":"]
    assert [line.get_xdata()[0] for line in dotted] == [4.5, 8.5]  # epochs 2 and 3 start at iterations 5 and 9
    np.testing.assert_allclose(ax_lr.lines[0].get_ydata(), 0.01 * np.arange(1, 11))
    assert {t.get_text() for t in ax_ap.get_legend().get_texts()} == {"AP50", "AP"}
    no_tail = plot_training_log(_log(tmp_path, tail_from=99))
    assert "l1" not in [t.get_text() for t in no_tail.axes[0].get_legend().get_texts()]  # L1 off: not drawn
    with pytest.raises(ValueError, match="no training records"):
        plot_training_log([{"type": "eval", "iter": 1, "AP": 0.1, "AP50": 0.2}])


def test_run_comparison_draws_each_run_and_fits_the_ap_axis(tmp_path):
    from yolox_edu.viz.training import plot_run_comparison

    adamw = _log(tmp_path)
    sgd = [dict(r, total=r["total"] * 2) if r["type"] == "train" else dict(r, AP=0.01, AP50=0.02) for r in adamw]
    fig = plot_run_comparison({"AdamW": adamw, "SGD": sgd}, smooth=2, title="demo")
    ax_loss, ax_ap = fig.axes
    assert [line.get_label() for line in ax_loss.get_lines()] == ["AdamW", "SGD"]
    np.testing.assert_allclose(ax_loss.get_lines()[1].get_ydata(), 2 * ax_loss.get_lines()[0].get_ydata())
    labels = [t.get_text() for t in ax_ap.get_legend().get_texts()]
    assert labels == ["AdamW: AP50 (final 0.400)", "AdamW: AP (final 0.200)", "SGD: AP50 (final 0.020)",
                      "SGD: AP (final 0.010)"]
    assert ax_ap.get_ylim() == pytest.approx((0, 0.44))  # fitted to the best AP50, not a fixed 0–1
    with pytest.raises(ValueError, match="no training records"):
        plot_run_comparison({"empty": [{"type": "eval", "epoch": 1, "iter": 1, "AP": 0.0, "AP50": 0.0}]})
