"""Label-assignment speed and memory: per-image vs batched SimOTA (and the official 0.3.0 code if installed).

    .venv/bin/python benchmarks/bench_assign.py            # B in {8, 32} × G in {10, 50}, 640², + memory
    .venv/bin/python benchmarks/bench_assign.py --quick    # B = 8 only, fewer repeats

Inputs are synthetic but realistic: 640×640 (A = 8400), 80 classes, gt sizes 8..300 px spread over the
image, predictions scattered around their cells with boxes of 1..7 cells, random logits. Times are
the median of ``--repeats`` runs of one batch's assignment on the CPU (``torch.get_num_threads()``);
the official code runs once per case (it is slow), bracketed by batched runs. Speed-ups divide CPU
seconds (``time.process_time``), which other processes on a shared machine disturb far less than
wall-clock seconds.

Peak memory of the batched version at B=64, G=120 is measured in a fresh subprocess as the growth of
the process's peak resident set size (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) across one
assignment call, after the inputs are built: torch's CPU allocator hands large blocks straight to the
OS, so the peak RSS growth is the largest amount of extra memory alive at once during the call
(tracemalloc cannot see torch's allocations).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import warnings

import torch

from yolox_edu.assign import AssignResult, simota_assign, simota_assign_batched
from yolox_edu.grid import make_grid

SIZE, NUM_CLASSES = (640, 640), 80


def make_inputs(batch: int, num_gt: int, seed: int = 0):
    """Grid, decoded boxes (B, A, 4), cls (B, A, C), obj (B, A), gts (B, G, 4), classes (B, G), valid (B, G)."""
    gen = torch.Generator().manual_seed(seed)
    grid = make_grid(SIZE)
    a = grid.num_points
    xy = (torch.rand(batch, a, 2, generator=gen) + grid.cells) * grid.strides[:, None]  # (B, A, 2)
    wh = torch.exp(torch.rand(batch, a, 2, generator=gen) * 2) * grid.strides[:, None]  # (B, A, 2)
    boxes = torch.cat((xy, wh), -1)  # (B, A, 4)
    cls = torch.randn(batch, a, NUM_CLASSES, generator=gen) * 2 - 4  # (B, A, C)
    obj = torch.randn(batch, a, generator=gen) * 2 - 4  # (B, A)
    gt_wh = torch.exp(torch.rand(batch, num_gt, 2, generator=gen) * 3.6) * 8  # (B, G, 2) 8..300 px
    gt_xy = torch.rand(batch, num_gt, 2, generator=gen) * torch.tensor(SIZE, dtype=torch.float)  # (B, G, 2)
    gts = torch.cat((gt_xy, gt_wh), -1)  # (B, G, 4)
    classes = torch.randint(0, NUM_CLASSES, (batch, num_gt), generator=gen)  # (B, G)
    valid = torch.ones(batch, num_gt, dtype=torch.bool)  # (B, G)
    return grid, boxes, cls, obj, gts, classes, valid


def run_per_image(grid, boxes, cls, obj, gts, classes, valid) -> AssignResult:
    results = [simota_assign(boxes[b], cls[b], obj[b], gts[b], classes[b], grid) for b in range(boxes.shape[0])]
    index = [torch.arange(gts.shape[1])] * boxes.shape[0]
    return AssignResult.stack(results, index, gts.shape[1])


def run_batched(grid, boxes, cls, obj, gts, classes, valid) -> AssignResult:
    return simota_assign_batched(boxes, cls, obj, gts, classes, valid, grid)


def official_runner():
    """A callable running the official 0.3.0 get_assignments image by image, or None if not installed."""
    try:
        from yolox.models import YOLOXHead
    except ImportError:
        return None
    head = YOLOXHead(NUM_CLASSES, 0.25)

    def run(grid, boxes, cls, obj, gts, classes, valid):
        xs, ys, st = grid.cells[None, :, 0], grid.cells[None, :, 1], grid.strides[None]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for b in range(boxes.shape[0]):
                head.get_assignments(b, gts.shape[1], grid.num_points, gts[b], classes[b].float(), boxes[b],
                                     st, xs, ys, cls, boxes, obj[..., None], None, None)

    return run


def median_time(fn, inputs, repeats: int) -> tuple[float, float]:
    """Median wall-clock and median CPU (process) seconds of ``repeats`` calls."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn(*inputs)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def peak_memory_child(batch: int, num_gt: int) -> None:
    """Runs in the subprocess: print the peak RSS growth (MiB) of one batched assignment as JSON."""
    import resource

    inputs = make_inputs(batch, num_gt)
    run_batched(*make_inputs(1, 2))  # warm up code paths with a tiny call
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result = run_batched(*inputs)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    dense_bgac = batch * num_gt * inputs[0].num_points * NUM_CLASSES * 4 / 2**20
    print(json.dumps({"peak_mib": (after - before) / 1024, "num_fg": result.num_fg, "dense_bgac_mib": dense_bgac}))


def measure_peak_memory(batch: int, num_gt: int) -> dict:
    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); import bench_assign; "
        f"bench_assign.peak_memory_child({batch}, {num_gt})"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="B = 8 only, fewer repeats")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per case (median reported)")
    parser.add_argument("--no-official", action="store_true", help="skip the official yolox timing")
    parser.add_argument("--no-memory", action="store_true", help="skip the B=64, G=120 memory measurement")
    args = parser.parse_args()
    repeats = args.repeats or (2 if args.quick else 3)
    batches = (8,) if args.quick else (8, 32)
    official = None if args.no_official else official_runner()

    print(f"SimOTA assignment, 640x640 input (A=8400), C={NUM_CLASSES}, CPU threads={torch.get_num_threads()}")
    print("wall-clock seconds (median); speed-ups are ratios of CPU seconds, steadier on a shared machine")
    header = f"{'B':>3} {'G':>3} | {'per-image s':>11} {'batched s':>9} {'speedup':>7} | "
    header += f"{'official s':>10} {'vs official':>11}"
    print(header + "\n" + "-" * len(header))
    for batch in batches:
        for num_gt in (10, 50):
            inputs = make_inputs(batch, num_gt)
            run_batched(*inputs)  # warm-up
            per, per_cpu = median_time(run_per_image, inputs, repeats)
            bat, bat_cpu = median_time(run_batched, inputs, repeats)
            off_cols = f"{'-':>10} {'-':>11}"
            if official is not None:
                off, off_cpu = median_time(official, inputs, 1)
                bat_after, bat_cpu_after = median_time(run_batched, inputs, repeats)  # bracket the slow run
                bat, bat_cpu = statistics.median([bat, bat_after]), statistics.median([bat_cpu, bat_cpu_after])
                off_cols = f"{off:>10.3f} {off_cpu / bat_cpu:>10.1f}x"
            print(f"{batch:>3} {num_gt:>3} | {per:>11.3f} {bat:>9.3f} {per_cpu / bat_cpu:>6.1f}x | {off_cols}")
    if not args.no_memory:
        mem = measure_peak_memory(64, 120)
        print(f"\nbatched B=64, G=120: peak RSS growth {mem['peak_mib']:.0f} MiB "
              f"(a dense B·G·A·C float32 class cost alone would be {mem['dense_bgac_mib']:.0f} MiB)")


if __name__ == "__main__":
    main()
