"""The explorer's view module and the labels its figure takes from the rule."""

import matplotlib

matplotlib.use("Agg")
import pytest  # noqa: E402

from yolox_edu.grid import make_grid  # noqa: E402
from yolox_edu.viz.simota_plot import Region, cheap_region, region_names  # noqa: E402
from yolox_edu.viz.simota_view import DEFAULT_GT, level_names, simota_view  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


def test_level_names_come_from_the_grid():
    assert level_names(make_grid((64, 64))) == ["s8", "s16", "s32"]
    assert level_names(make_grid((64, 64), strides=(4, 8))) == ["s4", "s8"]


def test_region_names_follow_the_rule():
    assert cheap_region({"box_candidates": True}) == "in box AND center"
    assert cheap_region({"box_candidates": False}) == "in center"
    later = region_names({"box_candidates": False})
    assert later[Region.NO_PENALTY].startswith("in center (no penalty")
    assert "not a candidate" in later[Region.BOX_NOT_CANDIDATE]
    assert region_names({"box_candidates": True})[Region.NO_PENALTY] == "in box AND center (no penalty)"
    assert [int(r) for r in Region] == [0, 1, 2, 3, 4]


def test_view_opens_where_the_rule_changes_the_answer_and_labels_from_it():
    old = simota_view(gt=DEFAULT_GT, rule="simota", draw=False)
    later = simota_view(gt=DEFAULT_GT, rule="simota-geometry", step="cost parts")
    assert old.positives_per_level != later.positives_per_level  # the default gt is a telling one
    assert later.levels == ["s8", "s16", "s32"] and "(s8 / s16 / s32)" in later.summary()
    labels = " ".join(ax.get_ylabel() for ax in later.figure.axes)
    assert "outside in center" in labels and "AND center" not in labels and "log scale" in labels
    candidates = simota_view(gt=DEFAULT_GT, rule="simota-geometry", step="candidates")
    legend = [t.get_text() for leg in candidates.figure.legends for t in leg.get_texts()]
    assert any(t.startswith("in center (no penalty") for t in legend) and not any("AND" in t for t in legend)
