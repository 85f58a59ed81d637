"""Assignment statistics: hand-built images where each rule's positives per gt and level are known."""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from yolox_edu.assign.stats import AssignmentStats, assignment_stats  # noqa: E402
from yolox_edu.grid import make_grid  # noqa: E402
from yolox_edu.viz.assign_stats import plot_assignment_stats  # noqa: E402


def _inputs():
    grid = make_grid((128, 128))  # 16² + 8² + 4² = 336 points
    b, a, c = 2, grid.num_points, 3
    targets = torch.zeros(b, 4, 5)  # two real gts in image 0, one in image 1, the rest padding
    targets[0, 0] = torch.tensor([0, 36.0, 36.0, 10.0, 10.0])  # small: stride 8
    targets[0, 1] = torch.tensor([1, 64.0, 64.0, 90.0, 80.0])  # max side 90 px: stride 16
    targets[1, 0] = torch.tensor([2, 60.0, 68.0, 20.0, 30.0])
    preds = (torch.zeros(b, a, 4), torch.zeros(b, a, c), torch.zeros(b, a))
    return grid, targets, preds


def test_center_1_gives_one_positive_on_the_size_level():
    grid, targets, preds = _inputs()
    st = assignment_stats("center-1", *preds, targets, grid)
    assert st.positives.tolist() == [[1, 0, 0], [0, 1, 0], [1, 0, 0]]
    assert st.image_index.tolist() == [0, 0, 1]
    torch.testing.assert_close(st.gt_size, torch.tensor([10.0, (90.0 * 80.0) ** 0.5, (20.0 * 30.0) ** 0.5]))
    assert st.strides == (8, 16, 32) and st.level_names == ["stride 8", "stride 16", "stride 32"]
    assert len(st.zero_positive()) == 0


def test_center_3x3_gives_the_whole_patch_and_by_size_bins():
    grid, targets, preds = _inputs()
    st = assignment_stats("center-3x3", *preds, targets, grid)
    assert st.total.tolist() == [9, 9, 9]
    rows = st.by_size((0, 16, 64, 1000))
    assert [(r[2], r[3]) for r in rows] == [(1, 9.0), (1, 9.0), (1, 9.0)]
    assert rows[2][4] == [0.0, 1.0, 0.0]  # the 85-px gt: all on stride 16


def test_zero_positive_and_bad_targets():
    st = AssignmentStats("x", torch.tensor([4.0, 40.0]), torch.tensor([0, 0]), torch.tensor([[0, 0, 0], [2, 1, 0]]),
                         (8, 16, 32))
    assert st.zero_positive().tolist() == [0] and st.total.tolist() == [0, 3]
    grid, targets, preds = _inputs()
    with pytest.raises(ValueError, match="class, cx, cy, w, h"):
        assignment_stats("center-1", *preds, targets[..., :4], grid)
    with pytest.raises(ValueError, match="grid points"):
        assignment_stats("center-1", preds[0][:, :10], preds[1], preds[2], targets, grid)


def test_plot_names_each_rule_and_its_zero_count():
    grid, targets, preds = _inputs()
    stats = {rule: assignment_stats(rule, *preds, targets, grid) for rule in ("center-1", "center-3x3")}
    fig = plot_assignment_stats(stats)
    legend = [t.get_text() for ax in fig.axes for leg in [ax.get_legend()] if leg for t in leg.get_texts()]
    assert "center-1: 0 of 3" in legend and "center-3x3: 0 of 3" in legend
    assert {ax.get_title() for ax in fig.axes} >= {"center-1", "center-3x3"}
    plt.close(fig)
