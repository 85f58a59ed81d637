"""The roadmap: rungs in the paper's order, the `anchors` and `ladder` commands, records, resume, the plot."""

import json
from pathlib import Path

import pytest

from yolox_edu.anchors import parse_anchors
from yolox_edu.cli import main
from yolox_edu.roadmap import RUNG_NAMES, RUNGS, rung_overrides, select_rungs
from yolox_edu.roadmap import ladder as L

ROOT = Path(__file__).resolve().parents[1]
SYNTH = ROOT / "data_samples" / "synth"
RECORD_FIELDS = {"rung", "seed", "switches", "params_M", "gflops", "AP", "AP50", "APs", "APm", "APl", "train_s"}


def test_six_rungs_in_the_papers_order_with_table_2():
    assert RUNG_NAMES == ("yolov3", "decoupled", "strong-aug", "anchor-free", "multi-pos", "simota")
    assert [r.paper_ap for r in RUNGS] == [38.5, 39.6, 42.0, 42.9, 45.0, 47.3]
    assert [r.paper_params_m for r in RUNGS] == [63.00, 63.86, 63.86, 63.72, 63.72, 63.72]
    assert [r.paper_gflops for r in RUNGS] == [157.3, 186.0, 186.0, 185.3, 185.3, 185.3]


def test_each_rung_changes_one_thing():
    sw = [rung_overrides(r, anchors="yolov3") for r in RUNGS]
    changed = [{k for k in sw[i] if sw[i][k] != sw[i - 1][k]} for i in range(1, len(sw))]
    assert changed == [{"model.head"}, {"aug.mosaic_prob", "aug.mixup_prob"}, {"model.anchors", "model.assigner"},
                       {"model.assigner"}, {"model.assigner"}]
    assert sw[0]["model.anchors"] == "yolov3" and rung_overrides(RUNGS[0], "1,2 " * 9)["model.anchors"] == "1,2 " * 9


def test_select_rungs_keeps_paper_order_and_names_unknown():
    assert [r.name for r in select_rungs("simota, yolov3")] == ["yolov3", "simota"]
    with pytest.raises(ValueError, match="unknown rung.*nope"):
        select_rungs("yolov3,nope")


def test_every_rung_builds_with_the_ladder_recipe(tmp_path):
    settings = L.LadderSettings(SYNTH, tmp_path, epochs=10)
    for rung in RUNGS:
        exp = L.ladder_experiment(rung, settings, seed=3)
        assert exp.train.max_epoch == 10 and exp.train.seed == 3 and exp.train.no_aug_epochs == 2
        assert exp.model.num_classes == 6 and exp.model.input_size == (320, 320)
        assert exp.aug.mosaic_prob == (0.0 if rung.name in ("yolov3", "decoupled") else 1.0)
    (p_first, g_first), (p_last, g_last) = (L.rung_size(r, settings) for r in (RUNGS[0], RUNGS[-1]))
    assert p_first > p_last > 0.8 and g_first > g_last > 0.1  # nano's coupled head (2C wide) is the larger one


def test_ladder_list_prints_rungs(capsys):
    assert main(["ladder", "--list"]) == 0
    out = capsys.readouterr().out
    for rung in RUNGS:
        assert rung.name in out and rung.label in out
    assert "model.assigner=yolov3" in out and "paper AP 47.3" in out


def test_anchors_command_output_is_accepted_by_anchors(capsys):
    assert main(["anchors", "--data", str(SYNTH), "--size", "320"]) == 0
    out = capsys.readouterr().out
    assert "1820 boxes" in out and "mean best IoU" in out
    iou_line = next(line for line in out.splitlines() if line.startswith("mean best IoU"))
    ours, coco = (float(v) for v in iou_line.split("k-means: ")[1].split("YOLOv3 COCO anchors: "))
    assert ours > coco  # the shapes are not COCO: clustered anchors fit them better
    assert main(["anchors", "--data", str(SYNTH), "--size", "320", "--quiet"]) == 0
    line = capsys.readouterr().out.strip()
    assert parse_anchors(line).shape == (3, 3, 2)
    assert main(["anchors", "--data", str(SYNTH), "--split", "nope"]) == 2
    assert "instances_nope.json" in capsys.readouterr().err


def fake_train(rung, settings, seed):
    return {"rung": rung.name, "label": rung.label, "seed": seed, "switches": dict(rung.switches), "params_M": 1.0,
            "gflops": 0.5, "AP": 0.1 * (1 + RUNG_NAMES.index(rung.name)) + 0.01 * seed, "AP50": 0.5, "APs": 0.0,
            "APm": 0.1, "APl": 0.2, "train_s": 1.0, "epochs": settings.epochs, "model": settings.model,
            "input_size": settings.size}


def test_ladder_records_resume_and_progress(tmp_path, monkeypatch):
    calls, lines = [], []
    monkeypatch.setattr(L, "_train_rung", lambda r, s, seed: calls.append((r.name, seed)) or fake_train(r, s, seed))
    settings = L.LadderSettings(SYNTH, tmp_path, epochs=1, seeds=(0, 1))
    L.run_ladder(select_rungs("yolov3,simota"), settings, log=lines.append)
    assert calls == [("yolov3", 0), ("yolov3", 1), ("simota", 0), ("simota", 1)]
    assert lines[1].startswith("[1/4] rung yolov3") and "seed 1" in lines[3]
    calls.clear()
    data = L.run_ladder(list(RUNGS), settings, log=lines.append)  # resumes: only the 4 missing rungs run
    assert len(calls) == 8 and ("yolov3", 0) not in calls
    assert [r["rung"] for r in data["records"]][::2] == list(RUNG_NAMES)  # paper order in the file
    saved = json.loads((tmp_path / "ladder.json").read_text())
    assert saved["meta"]["machine"] and saved["meta"]["model"] == "yolox-nano"
    assert all(RECORD_FIELDS <= set(r) for r in saved["records"])
    assert (tmp_path / "ladder.png").stat().st_size > 10_000


@pytest.mark.slow
def test_ladder_trains_and_evaluates_a_tiny_rung(tmp_path, capsys):
    """One real rung: 1 epoch of 1 iteration at 64 px, evaluated on the val split."""
    args = ["ladder", "--data", str(SYNTH), "--out", str(tmp_path), "--epochs", "1", "--seeds", "0", "--rungs",
            "yolov3", "--size", "64", "--set", "train.max_iters_per_epoch=1", "--set", "aug.random_size=(2,2)"]
    assert main(args) == 0
    record = json.loads((tmp_path / "ladder.json").read_text())["records"][0]
    assert RECORD_FIELDS <= set(record) and record["switches"]["model.head"] == "coupled"
    assert 0.0 <= record["AP"] <= 1.0 and record["train_s"] > 0
    assert (tmp_path / "runs" / "yolov3-seed0" / "last.pth").is_file()
    capsys.readouterr()
    assert main(args) == 0
    assert "0 run(s) to go, 1 already recorded" in capsys.readouterr().out


def test_roadmap_figures_draw_what_they_say():
    import numpy as np

    from yolox_edu.viz.roadmap import plot_anchors_vs_points, plot_heads, plot_ladder, plot_positives

    fig = plot_anchors_vs_points(parse_anchors("yolov3"), stride=32)
    assert len(fig.axes[0].patches) == 1 + 3 and len(fig.axes[1].patches) == 1  # cell + 3 anchors | cell only
    assert "373×326" in " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert len(plot_heads().axes) == 2
    panels = [("one", np.array([[10.0, 10.0]])), ("many", np.array([[5.0, 5.0], [6.0, 6.0], [7.0, 7.0]]))]
    fig = plot_positives(np.zeros((32, 32, 3), np.uint8), np.array([[10.0, 10.0, 8.0, 8.0]]), panels)
    assert [ax.get_title() for ax in fig.axes] == ["one: 1 positives", "many: 3 positives"]
    records = [fake_train(r, L.LadderSettings(SYNTH, "."), s) for r in RUNGS[:2] for s in (0, 1)]
    fig = plot_ladder(records)
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["YOLOv3 baseline", "+decoupled head"]
    assert "2 seed(s)" in fig.axes[0].get_title()
