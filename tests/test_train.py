"""The trainer end to end on a tiny synthetic set: smoke run, kill + resume, guards."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch

from yolox_edu import build_model, load_checkpoint
from yolox_edu.data.synth import make_synth
from yolox_edu.errors import UsageError
from yolox_edu.train import loop
from yolox_edu.train.experiment import experiment_preset

TINY = {"model.input_size": (128, 128), "data.batch_size": 4, "data.num_workers": 0, "max_epoch": 3,
        "warmup_epochs": 1, "no_aug_epochs": 1, "eval_interval": 1, "aug.random_size": (3, 5),
        "aug.multiscale_interval": 2, "eval.conf_thresh": 0.05, "max_iters_per_epoch": 4}


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    return make_synth(tmp_path_factory.mktemp("synth"), n_train=16, n_val=4, seed=3, size=128)


def _exp(data, out, **extra):
    return experiment_preset("demo", {**TINY, "data.dir": str(data), "out_dir": str(out), **extra})


def _log(out):
    lines = (out / "log.jsonl").read_text().split("\n")
    return [json.loads(line) for line in lines[:-1]]  # a last line without "\n" may still be being written


def test_fit_smoke(tiny_data, tmp_path):
    out = tmp_path / "run"
    metrics = loop.fit(_exp(tiny_data, out), progress=False)
    assert {"AP", "AP50"} <= set(metrics)
    for name in ("last.pth", "best.pth", "last_mosaic_epoch.pth", "metrics.json", "config.json"):
        assert (out / name).is_file(), name
    assert {"AP", "AP50", "AP75", "APs", "APm", "APl", "AR100", "per_class"} <= set(
        json.loads((out / "metrics.json").read_text()))
    train = [r for r in _log(out) if r["type"] == "train"]
    assert [r["iter"] for r in train] == list(range(1, 13))
    assert train[0]["lr"] == 0.0 and train[3]["lr"] > 0  # warmup starts from 0
    assert all(r["l1"] == 0 for r in train[:8]) and all(r["l1"] > 0 for r in train[8:]), "L1 only in the tail"
    assert len({r["size"] for r in train[:8]}) > 1, "multi-scale sizes change during training"
    assert {r["size"] for r in train} <= {96, 128, 160}
    assert sum(r["type"] == "eval" for r in _log(out)) == 3
    ckpt = load_checkpoint(build_model("yolox-nano", num_classes=6, input_size=(128, 128)), out / "last.pth")
    assert ckpt["epoch"] == 3 and ckpt["iteration"] == 12 and ckpt["class_names"][0] == "circle"


def test_class_count_mismatch_is_reported_before_training(tiny_data, tmp_path):
    with pytest.raises(ValueError, match="6 classes .* configured for 80: pass --set model.num_classes=6"):
        loop.fit(_exp(tiny_data, tmp_path, **{"model.num_classes": 80}), progress=False)
    assert not (tmp_path / "log.jsonl").exists()


def test_non_finite_loss_stops_and_keeps_last_good_checkpoint(tiny_data, tmp_path, monkeypatch):
    exp = _exp(tiny_data, tmp_path, max_epoch=2, save_interval_iters=2)
    real_forward = type(build_model("yolox-nano")).forward
    calls = {"n": 0}

    def forward(self, images, targets=None, **kw):
        out = real_forward(self, images, targets, **kw)
        if targets is not None:  # a training step
            calls["n"] += 1
            if calls["n"] == 6:
                out["total"] = out["total"] * float("nan")
        return out

    monkeypatch.setattr(type(build_model("yolox-nano")), "forward", forward)
    with pytest.raises(loop.NonFiniteLossError, match="epoch 2, iteration 6"):
        loop.fit(exp, progress=False)
    ckpt = torch.load(tmp_path / "last.pth", weights_only=True)
    assert ckpt["iteration"] == 4 and all(torch.isfinite(v).all() for v in ckpt["model"].values()
                                          if v.is_floating_point())


def test_stop_and_resume_mid_epoch_matches_an_uninterrupted_run(tiny_data, tmp_path):
    """fit(stop_at=6) leaves epoch 2 half done with last.pth at step 6; resuming from it gives the same
    losses at every step and the same final weights as a run that never stopped (same process, CPU)."""
    full, part = tmp_path / "full", tmp_path / "part"
    metrics = loop.fit(_exp(tiny_data, full), progress=False)
    assert loop.fit(_exp(tiny_data, part), progress=False, stop_at=6) == {}
    saved = torch.load(part / "last.pth", weights_only=True)
    assert (saved["epoch"], saved["iter_in_epoch"], saved["iteration"]) == (1, 2, 6)
    assert loop.fit(resume_from=part / "last.pth", progress=False) == metrics
    losses = ("total", "iou", "obj", "cls", "l1", "num_fg", "lr", "size")
    steps = {name: [tuple(r[k] for k in losses) for r in _log(out) if r["type"] == "train"]
             for name, out in (("full", full), ("part", part))}
    assert len(steps["full"]) == 12 and steps["part"] == steps["full"]
    a, b = (torch.load(out / "last.pth", weights_only=True) for out in (full, part))
    for key in ("model", "train_model"):
        assert all(torch.equal(a[key][name], b[key][name]) for name in a[key]), key


def test_last_checkpoint_every_n_epochs_and_always_at_the_end_or_a_stop(tiny_data, tmp_path, monkeypatch):
    saves = []
    real_save = loop.save
    monkeypatch.setattr(loop, "save", lambda tr, name: saves.append((name, tr.iteration)) or real_save(tr, name))
    loop.fit(_exp(tiny_data, tmp_path / "every2", save_interval_epochs=2), progress=False)
    assert [it for name, it in saves if name == "last.pth"] == [8, 12]  # epoch 2, and the last epoch (3)
    saves.clear()
    assert loop.fit(_exp(tiny_data, tmp_path / "stop", save_interval_epochs=2), progress=False, stop_at=4) == {}
    assert [it for name, it in saves if name == "last.pth"] == [4]  # a stop at an epoch's end saves too
    assert torch.load(tmp_path / "stop" / "last.pth", weights_only=True)["iteration"] == 4
    for key in ("save_interval_epochs", "eval_interval"):
        with pytest.raises(UsageError, match=f"train.{key} must be 1 or more"):
            loop.fit(_exp(tiny_data, tmp_path / "bad", **{key: 0}), progress=False)


def _train_cmd(data, out, *extra):
    sets = [f"{k}={v}" for k, v in {**TINY, "save_interval_iters": 1}.items()]
    args = [sys.executable, "-m", "yolox_edu.train", "--preset", "demo", "--data", str(data), "--out", str(out),
            "--no-progress", *[a for s in sets for a in ("--set", s)], *extra]
    return args


@pytest.mark.timeout(400)
def test_resume_after_kill_continues_schedule(tiny_data, tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    full, killed = tmp_path / "full", tmp_path / "killed"
    subprocess.run(_train_cmd(tiny_data, full), check=True, env=env, capture_output=True, timeout=300)
    proc = subprocess.Popen(_train_cmd(tiny_data, killed), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:  # kill it mid-epoch 2, after a mid-epoch save
        if (killed / "log.jsonl").exists() and any(r["iter"] >= 5 for r in _log(killed) if r["type"] == "train"):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    saved = torch.load(killed / "last.pth", weights_only=True)
    assert saved["epoch"] == 1 and 0 < saved["iter_in_epoch"] < 4, "killed mid-epoch after a mid-epoch save"
    subprocess.run([*_train_cmd(tiny_data, killed)[:3], "--resume", str(killed / "last.pth"), "--no-progress"],
                   check=True, env=env, capture_output=True, timeout=300)
    ref = {r["iter"]: r for r in _log(full) if r["type"] == "train"}
    resumed = [r for r in _log(killed) if r["type"] == "train"]
    after = [r for r in resumed if r["iter"] > saved["iteration"]]
    # the resumed run repeats nothing it saved, and continues with the same iterations, lr and sizes
    assert [r["iter"] for r in after[-(12 - saved["iteration"]):]] == list(range(saved["iteration"] + 1, 13))
    for r in after[-(12 - saved["iteration"]):]:
        assert r["lr"] == pytest.approx(ref[r["iter"]]["lr"]) and r["size"] == ref[r["iter"]]["size"]
        assert r["epoch"] == ref[r["iter"]]["epoch"]
    final = torch.load(killed / "last.pth", weights_only=True)
    assert (final["epoch"], final["iteration"]) == (3, 12)


@pytest.mark.filterwarnings("ignore:CPU training with")  # one worker on purpose, to exercise the loader
def test_demo_preset_cli_runs_on_bundled_data(tmp_path):
    """CI runs a few iterations of the real demo (bundled synthetic set, YOLOX-nano, CLI)."""
    from yolox_edu.cli import main

    rc = main(["train", "--preset", "demo", "--out", str(tmp_path), "--no-progress", "--set", "max_epoch=1",
               "--set", "max_iters_per_epoch=2", "--set", "data.batch_size=4", "--set", "data.num_workers=1",
               "--set", "eval.conf_thresh=0.2"])
    assert rc == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert set(metrics["per_class"]) == {"circle", "square", "triangle", "star", "ring", "cross"}
    assert (tmp_path / "last.pth").is_file() and (tmp_path / "pr_curves").is_dir()


def test_bf16_autocast_training_runs_on_cpu(tiny_data, tmp_path):
    exp = _exp(tiny_data, tmp_path, max_epoch=1, max_iters_per_epoch=2, no_aug_epochs=0, **{"train.amp": "bf16"})
    tr = loop.setup(exp)
    assert tr.amp_dtype == torch.bfloat16 and not tr.scaler.is_enabled()
    loop.train_one_epoch(tr, progress=False)
    assert tr.iteration == 2 and all(torch.isfinite(p).all() for p in tr.core.parameters())
    with pytest.raises(ValueError, match="train.amp must be one of"):
        loop.setup(_exp(tiny_data, tmp_path, **{"train.amp": "fp8"}))


def test_fp16_autocast_on_cpu_uses_the_grad_scaler_and_checkpoints_it(tiny_data, tmp_path):
    exp = _exp(tiny_data, tmp_path, max_epoch=1, max_iters_per_epoch=2, no_aug_epochs=0, **{"train.amp": "fp16"})
    with pytest.warns(RuntimeWarning, match="train.amp=fp16 on the CPU is very slow"):
        tr = loop.setup(exp)
    assert tr.amp_dtype == torch.float16 and tr.scaler.is_enabled(), "fp16 gradients underflow without scaling"
    loop.train_one_epoch(tr, progress=False)
    assert tr.iteration == 2 and all(torch.isfinite(p).all() for p in tr.core.parameters())
    ckpt = torch.load(loop.save(tr, "last.pth"), map_location="cpu", weights_only=False)
    assert ckpt["scaler"] and ckpt["scaler"]["scale"] > 0


def test_tensorboard_scalars_are_written_and_the_writer_closed(tiny_data, tmp_path, monkeypatch):
    """With tensorboard installed (a stand-in SummaryWriter here), every logged number becomes a scalar
    at its iteration, and the writer is closed (flushed) when fit ends."""
    import types

    class Writer:
        made = []

        def __init__(self, log_dir):
            self.log_dir, self.scalars, self.closed = log_dir, [], False
            Writer.made.append(self)

        def add_scalar(self, tag, value, step):
            self.scalars.append((tag, value, step))

        def close(self):
            self.closed = True

    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", types.SimpleNamespace(SummaryWriter=Writer))
    loop.fit(_exp(tiny_data, tmp_path, max_epoch=1, no_aug_epochs=0), progress=False)
    (w,) = Writer.made
    assert w.log_dir == str(tmp_path / "tensorboard") and w.closed
    assert [step for tag, _, step in w.scalars if tag == "train/total"] == [1, 2, 3, 4]
    assert any(tag == "eval/AP" and step == 4 for tag, _, step in w.scalars)


def test_setup_uses_configured_ema_decay_and_ramp(tiny_data, tmp_path):
    tr = loop.setup(_exp(tiny_data, tmp_path, **{"train.ema_decay": 0.99, "train.ema_ramp": 7.0}))
    assert (tr.ema.decay, tr.ema.ramp) == (0.99, 7.0)
    assert loop.setup(_exp(tiny_data, tmp_path, **{"train.ema": False})).ema is None


@pytest.mark.timeout(400)
def test_torchrun_two_cpu_processes_train_and_evaluate(tiny_data, tmp_path):
    """`torchrun --nproc_per_node 2 -m yolox_edu.train` on CPU (gloo): DDP training, sharded evaluation
    gathered on rank 0, rank-0 logging and checkpoints, and a clean exit (no collective left waiting).
    With data.cache=ram rank 0 builds one shared-memory copy of the images (removed at exit)."""
    from yolox_edu.data.cache import shm_cache_dir

    sets = {**TINY, "max_epoch": 2, "no_aug_epochs": 1, "max_iters_per_epoch": 2, "data.cache": "ram"}
    shm_before = set(shm_cache_dir().glob("*"))
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           "-m", "yolox_edu.train", "--preset", "demo", "--data", str(tiny_data), "--out", str(tmp_path),
           "--no-progress", *[a for k, v in sets.items() for a in ("--set", f"{k}={v}")]]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=360)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stderr.count("caching 16 images") >= 1 and set(shm_cache_dir().glob("*")) <= shm_before
    train = [r for r in _log(tmp_path) if r["type"] == "train"]
    assert [r["iter"] for r in train] == [1, 2, 3, 4], "rank 0 alone writes the log"
    assert sum(r["type"] == "eval" for r in _log(tmp_path)) == 2
    assert (tmp_path / "metrics.json").is_file() and torch.load(tmp_path / "last.pth", weights_only=True)[
        "iteration"] == 4
