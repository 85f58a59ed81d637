#!/usr/bin/env bash
# The GPU checks of issue 19, in one call on a lent CUDA machine (run from the repo root):
#   OUT=/tmp/gpu bash benchmarks/gpu_check.sh            # full: s@640 batch 64, demo preset
#   GPU_CHECK_QUICK=1 OUT=/tmp/gpu bash benchmarks/gpu_check.sh   # tiny sizes (rehearsal; runs on CPU too)
#   DEMO_SEEDS="0 1 2" ...                                       # the demo once per seed (default: seed 0)
# Needs torch/torchvision/pillow/matplotlib/numpy/tqdm there; pycocotools (and the official yolox + loguru
# + thop for the comparison) are taken from $GPU_SITE (a folder on PYTHONPATH) when given.
set -uo pipefail
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
export PYTHONPATH="$PWD${GPU_SITE:+:$GPU_SITE}${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PY:-python3}
if [[ -n "${GPU_CHECK_QUICK:-}" ]]; then
  SIZE=128 BATCH=2 STEPS=1 DEMO="--set max_epoch=2 --set max_iters_per_epoch=3" DEMO_T=120 DEV=${DEV:-cpu}
else
  SIZE=640 BATCH=64 STEPS=10 DEMO="" DEMO_T=300 DEV=cuda
fi
section() { echo; echo "=== $* ($(date +%T))"; }

section "machine"
$PY - <<'PY'
import torch, torchvision
print("torch", torch.__version__, "torchvision", torchvision.__version__, "cuda", torch.version.cuda)
try:
    import cv2
    print("opencv", cv2.__version__)
except ImportError:
    print("opencv: not installed (the pure PIL/numpy image path is used)")
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(), f"{torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB")
PY

section "1. tests skipped without CUDA"
$PY -m pytest -q -p no:cacheprovider -o addopts="" tests/test_cuda.py tests/test_loss.py::test_cuda_matches_cpu \
  tests/test_eval_cli.py::test_predict_coco_on_gpu 2>&1 | tail -15

section "2. training step: yolox-s @ $SIZE, batch $BATCH, AMP fp16 (ours vs official, same batches)"
$PY benchmarks/bench_train_step.py --device "$DEV" $([[ $DEV == cuda ]] && echo --amp) --model yolox-s \
  --size "$SIZE" --batch "$BATCH" --steps "$STEPS" 2>&1 | tail -8

section "5. yolox-edu eval on $DEV: YOLOX-s (random weights: no official checkpoint offline) on the photos, demo nano on synth"
$PY - "$OUT/s_random.pth" <<'PY'
import sys, torch
from yolox_edu import build_model, save_checkpoint
torch.manual_seed(0)
save_checkpoint(sys.argv[1], build_model("yolox-s", num_classes=80))
PY
/usr/bin/time -f "eval s/photos wall %e s" $PY -m yolox_edu.cli eval --model yolox-s --ckpt "$OUT/s_random.pth" \
  --data data_samples/photos --split samples --device "$DEV" --out "$OUT/eval_s" --no-progress --no-curves 2>&1 | tail -4
/usr/bin/time -f "eval demo/synth wall %e s" $PY -m yolox_edu.cli eval --model yolox-nano \
  --ckpt data_samples/demo/yolox_nano_shapes.pth --data data_samples/synth --split val --device "$DEV" \
  --out "$OUT/eval_demo" --no-progress --no-curves 2>&1 | tail -4

section "3a. the demo's training batches here vs the committed reference (6 loader workers)"
BACKEND=$($PY -c "from yolox_edu.data.augment import USE_OPENCV; print('opencv' if USE_OPENCV else 'pure')")
$PY benchmarks/data_fingerprint.py --workers 6 --check "benchmarks/reference/demo_fingerprint_$BACKEND.json" 2>&1 \
  | grep -v Warning | tail -6

for SEED in ${DEMO_SEEDS:-0}; do
section "3. demo preset on $DEV, seed $SEED: wall time to AP50 >= 0.80 (evaluated every epoch)"
start=$(date +%s.%N)
timeout "$DEMO_T" $PY -m yolox_edu.train --preset demo --device "$DEV" --out "$OUT/demo_$SEED" --no-progress \
  --set eval_interval=1 --set data.num_workers=6 --set seed="$SEED" $DEMO 2>&1 | grep -v Warning | tail -40
echo "demo exit $?"
$PY - "$OUT/demo_$SEED/log.jsonl" "$start" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
start = float(sys.argv[2])
evals = [r for r in rows if r["type"] == "eval"]
for r in evals:
    print(f"epoch {r['epoch']:>2}  t={r['time'] - start:6.1f} s  AP {r['AP']:.3f}  AP50 {r['AP50']:.3f}")
hit = next((r for r in evals if r["AP50"] >= 0.80), None)
ips = sorted(r["img_per_s"] for r in rows if r["type"] == "train")
print("median train img/s", ips[len(ips) // 2] if ips else None)
print("AP50>=0.80 at", f"epoch {hit['epoch']}, {hit['time'] - start:.1f} s after launch" if hit else "never")
PY
done
section "done"
