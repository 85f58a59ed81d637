"""The text report: one labelled scale (fractions of 1, as COCOeval prints them) for every number."""

from __future__ import annotations

import numpy as np

from yolox_edu.eval import METRIC_KEYS, CocoScores, format_per_class, format_report, format_summary
from yolox_edu.eval.report import SCALE_NOTE


def _scores() -> CocoScores:
    metrics = dict.fromkeys(METRIC_KEYS, 0.5)
    metrics.update(AP=0.6552, AP50=0.8794, APs=-1.0)
    return CocoScores(metrics=metrics, per_class={"circle": 0.7, "ring": -1.0}, class_names=["circle", "ring"],
                      precision=np.zeros(0), recall=np.zeros(0), category_ids=[1, 2])


def test_summary_prints_fractions_and_says_so():
    lines = format_summary(_scores()).splitlines()
    assert lines[0] == SCALE_NOTE and "fractions of 1" in lines[0] and "× 100" in lines[0]
    assert len(lines) == 1 + len(METRIC_KEYS)
    assert lines[1].startswith("    AP AP @[IoU=0.50:0.95") and lines[1].endswith("= 0.655")
    assert lines[2].endswith("= 0.879")
    assert lines[METRIC_KEYS.index("APs") + 1].endswith("=   n/a")
    assert "65.5" not in format_summary(_scores())


def test_per_class_and_report_use_the_same_scale():
    table = format_per_class(_scores(), columns=2)
    assert "circle 0.700" in table and "ring     n/a" in table
    report = format_report(_scores(), {"conf_thresh": 0.001})
    assert report.startswith("conf_thresh=0.001") and SCALE_NOTE in report
