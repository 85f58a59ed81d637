"""The CUDA paths: fp16 AMP training with the grad scaler, channels-last fused inference, NCCL under
torchrun. Skipped without a GPU (CI has none); `benchmarks/gpu_check.sh` runs them on a lent GPU."""

import json
import os
import subprocess
import sys

import pytest
import torch

from yolox_edu import build_model
from yolox_edu.data.synth import make_synth
from yolox_edu.train import loop
from yolox_edu.train.experiment import experiment_preset

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")

TINY = {"model.input_size": (128, 128), "data.batch_size": 8, "data.num_workers": 2, "max_epoch": 2,
        "warmup_epochs": 1, "no_aug_epochs": 1, "eval_interval": 1, "aug.random_size": (3, 5),
        "aug.multiscale_interval": 2, "eval.conf_thresh": 0.05, "max_iters_per_epoch": 4}


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    return make_synth(tmp_path_factory.mktemp("synth"), n_train=32, n_val=4, seed=3, size=128)


def _log(out):
    return [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]


def test_amp_fp16_training_uses_the_grad_scaler_and_resumes(tiny_data, tmp_path):
    exp = experiment_preset("demo", {**TINY, "data.dir": str(tiny_data), "out_dir": str(tmp_path),
                                     "train.device": "cuda", "train.amp": "fp16"})
    tr = loop.setup(exp)
    assert tr.device.type == "cuda" and tr.amp_dtype == torch.float16 and tr.scaler.is_enabled()
    metrics = loop.fit(exp, progress=False)
    assert {"AP", "AP50"} <= set(metrics)
    train = [r for r in _log(tmp_path) if r["type"] == "train"]
    assert len(train) == 8 and all(r["total"] == r["total"] for r in train)  # finite, no NaN
    ckpt = torch.load(tmp_path / "last.pth", weights_only=False, map_location="cpu")
    assert ckpt["scaler"] and ckpt["scaler"]["scale"] > 0, "the grad scaler's state is checkpointed"
    metrics = loop.fit(resume_from=tmp_path / "last.pth", overrides={"max_epoch": 3}, progress=False)
    assert [r["iter"] for r in _log(tmp_path) if r["type"] == "train"][-1] == 12


def test_fused_channels_last_cuda_matches_cpu():
    torch.manual_seed(0)
    model = build_model("yolox-s", num_classes=80).eval()
    images = torch.rand(2, 3, 256, 256) * 255
    with torch.no_grad():
        cpu = model(images)
        fast = model.cuda().fuse().to(memory_format=torch.channels_last)
        gpu = fast(images.cuda().contiguous(memory_format=torch.channels_last)).cpu()
    torch.testing.assert_close(gpu, cpu, rtol=1e-3, atol=1e-2)


def test_fp16_autocast_inference_is_close():
    torch.manual_seed(0)
    model = build_model("yolox-nano", num_classes=6).eval().cuda()
    images = torch.rand(1, 3, 320, 320, device="cuda") * 255
    with torch.no_grad():
        ref = model(images)
        with torch.autocast("cuda", dtype=torch.float16):
            half = model(images).float()
    boxes_err = (half[..., :4] - ref[..., :4]).abs().max().item()
    assert boxes_err < 1.0, f"fp16 boxes moved {boxes_err:.3f} px"


@pytest.mark.timeout(300)
def test_torchrun_one_process_nccl(tiny_data, tmp_path):
    sets = {**TINY, "max_iters_per_epoch": 3}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
           "-m", "yolox_edu.train", "--preset", "demo", "--data", str(tiny_data), "--out", str(tmp_path),
           "--device", "cuda", "--no-progress", *[a for k, v in sets.items() for a in ("--set", f"{k}={v}")]]
    env = {**os.environ, "NCCL_DEBUG": "INFO"}
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "NCCL" in proc.stdout + proc.stderr, "a NCCL process group was made"
    assert sum(r["type"] == "eval" for r in _log(tmp_path)) == 2
