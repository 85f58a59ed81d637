#!/usr/bin/env bash
# The GPU checks of issue 28 (feed the GPU), in one call on a lent CUDA machine, from the repo root:
#   OUT=$OUT bash benchmarks/gpu_feed_check.sh                  # full: ~4-6 min, hard cap 45 + 225 + 270 + 60 + ~20 s
#   FEED_QUICK=1 OUT=/tmp/feed_check bash benchmarks/gpu_feed_check.sh   # tiny rehearsal, runs on a CPU
# 0. the CUDA test of the feed (pinned batches, non-blocking copy, device augmentation = CPU result).
# 1. bench_feed.py: YOLOX-s @ 640, batch 64, AMP fp16, channels-last, 14 workers, 2560 generated COCO-like
#    images x 3 epochs: ours augment_on=cpu, ours augment_on=device, the official 0.3.0 (same data, same call),
#    with nvidia-smi sampled every 0.5 s (GPU utilisation per run at the end).
# 2. the demo preset on the GPU (today's lr), seeds 0 and 1 side by side (they share the GPU and the cores):
#    final AP50 and wall time each.
# 3. GPU memory of three real AMP steps (YOLOX-s/m @ 640, batch 8/32) next to notebook 11's estimate (60 s cap).
# Needs torch/torchvision/pillow/numpy/tqdm/pycocotools there; the official yolox (+ loguru, thop, tabulate,
# opencv) is taken from $GPU_SITE (a folder put on PYTHONPATH) when given, else its row is skipped.
# Every step has its own timeout, so the script ends within 45 s + BENCH_T + DEMO_T + 60 s + ~20 s whatever happens.
set -uo pipefail
OUT=${OUT:-/tmp/gpu_feed_check}; mkdir -p "$OUT"
export PYTHONPATH="$PWD${GPU_SITE:+:$GPU_SITE}${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1 MPLBACKEND=Agg
PY=${PY:-python3}
if [[ -n "${FEED_QUICK:-}" ]]; then
  BENCH="--tiny --device cpu" BENCH_T=300 DEV=cpu DEMO_T=240 DEMO_WORKERS=0
  DEMO="--set max_epoch=2 --set max_iters_per_epoch=3 --set no_aug_epochs=1"
else
  BENCH="--device cuda --amp --model yolox-s --size 640 --batch 64 --workers 14 --images 2560 --epochs 3"
  BENCH_T=225 DEV=cuda DEMO_T=270 DEMO_WORKERS=6 DEMO=""
fi
section() { echo; echo "=== $* ($(date +%T))"; }

section "machine"
$PY - <<'PY'
import torch
print("torch", torch.__version__, "cuda", torch.version.cuda, "cpus", __import__("os").cpu_count())
if torch.cuda.is_available():
    print("device", torch.cuda.get_device_name(), f"{torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB")
try:
    import yolox
    print("official yolox", yolox.__version__)
except ImportError:
    print("official yolox: not importable (give GPU_SITE); its row is skipped")
PY

section "0. CUDA test of the feed (skipped without CUDA)"
timeout 45 $PY -m pytest -q -p no:cacheprovider -o addopts="" tests/test_device_augment.py -k cuda 2>&1 | tail -3

SMI_PID=""
if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 500 \
    > "$OUT/smi.csv" 2>/dev/null & SMI_PID=$!
fi

section "1. bench_feed: $BENCH"
timeout "$BENCH_T" $PY benchmarks/bench_feed.py $BENCH --data "${FEED_DATA:-/tmp/yolox_edu_feed_coco}" \
  --json "$OUT/feed.json" 2>&1 \
  | grep -v -i warning | tail -25
echo "bench_feed exit ${PIPESTATUS[0]}"

section "2. demo preset on $DEV, seeds 0 and 1 side by side (data.augment_on=auto: device on CUDA)"
DEMO_PIDS=()
for SEED in 0 1; do
  ( start=$(date +%s.%N)
    timeout "$DEMO_T" $PY -m yolox_edu.train --preset demo --device "$DEV" --out "$OUT/demo_$SEED" --no-progress \
      --set seed="$SEED" --set data.num_workers="$DEMO_WORKERS" $DEMO > "$OUT/demo_$SEED.log" 2>&1
    echo "exit $? start $start end $(date +%s.%N)" > "$OUT/demo_$SEED.time" ) &
  DEMO_PIDS+=($!)
done
wait "${DEMO_PIDS[@]}"
for SEED in 0 1; do echo "--- demo seed $SEED (log tail)"; grep -v -i warning "$OUT/demo_$SEED.log" | tail -6; done
[[ -n "$SMI_PID" ]] && kill "$SMI_PID" 2>/dev/null

section "3. GPU memory of real steps vs model_stats.training_memory (notebook 11's estimate)"
timeout 60 $PY benchmarks/gpu_memory_check.py --device "$DEV" 2>&1 | grep -v -i warning | tail -8

section "summary"
$PY - "$OUT" <<'PY'
import datetime, json, sys
from pathlib import Path
out = Path(sys.argv[1])
phases = {}
if (out / "feed.json").exists():
    feed = json.loads((out / "feed.json").read_text())
    phases = {k: tuple(v) for k, v in feed["phases"].items()}
for seed in (0, 1):
    t = (out / f"demo_{seed}.time")
    if not t.exists():
        print(f"demo seed {seed}: no timing file"); continue
    words = t.read_text().split()
    code, start, end = int(words[1]), float(words[3]), float(words[5])
    first, last = phases.get("demo seeds 0+1", (start, end))
    phases["demo seeds 0+1"] = (min(first, start), max(last, end))
    metrics = out / f"demo_{seed}" / "metrics.json"
    saved = json.loads(metrics.read_text()) if metrics.exists() else {}
    ap50 = saved.get("metrics", saved).get("AP50")
    print(f"demo seed {seed}: exit {code}, wall {end - start:.1f} s, final AP50 {ap50}, "
          f"{'>= 0.80' if ap50 is not None and ap50 >= 0.80 else 'NOT >= 0.80'}")
smi = out / "smi.csv"
if smi.exists() and smi.stat().st_size:
    rows = []
    for line in smi.read_text().splitlines():
        parts = [p.strip() for p in line.split(",")]
        try:
            when = datetime.datetime.strptime(parts[0], "%Y/%m/%d %H:%M:%S.%f").timestamp()
            rows.append((when, float(parts[1]), float(parts[2])))
        except (ValueError, IndexError):
            continue
    for name, (a, b) in phases.items():
        inside = [r for r in rows if a <= r[0] <= b]
        if inside:
            util = sorted(r[1] for r in inside)
            print(f"GPU utilisation during {name}: mean {sum(util) / len(util):.0f} %, median "
                  f"{util[len(util) // 2]:.0f} %, {len(util)} samples; memory max {max(r[2] for r in inside):.0f} MiB")
else:
    print("no nvidia-smi samples (no GPU here)")
PY
section "done"
