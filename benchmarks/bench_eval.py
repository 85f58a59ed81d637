"""COCO scoring speed: pycocotools COCOeval vs yolox_edu's from-scratch AP, on a COCO-val-like synthetic set.

    python benchmarks/bench_eval.py [--images 500] [--classes 80] [--gts 7] [--dets 100] [--seed 0]

Random gts (all box sizes) and ``--dets`` detections per image (jittered gts + random boxes), then each
implementation scores them once; prints wall times and the largest metric difference between the two.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from pycocotools.coco import COCO

from yolox_edu.eval import METRIC_KEYS, coco_evaluate, evaluate_scratch


def synthetic(images: int, classes: int, gts: int, dets: int, seed: int) -> tuple[COCO, list[dict]]:
    rng = np.random.default_rng(seed)
    anns, results = [], []
    for i in range(1, images + 1):
        boxes = []
        for _ in range(rng.poisson(gts)):
            w, h = np.exp(rng.uniform(np.log(4), np.log(400), size=2))
            box = [rng.uniform(0, 640 - min(w, 639)), rng.uniform(0, 480 - min(h, 479)), w, h]
            cat = int(rng.integers(1, classes + 1))
            anns.append({"id": len(anns) + 1, "image_id": i, "category_id": cat, "bbox": box,
                         "area": w * h * 0.8, "iscrowd": int(rng.random() < 0.01)})
            boxes.append((cat, box))
        for k in range(dets):
            if boxes and k < 3 * len(boxes):
                cat, (x, y, w, h) = boxes[k % len(boxes)]
                jit = rng.normal(0, 0.1, 4) * [w, h, w, h]
                box = [x + jit[0], y + jit[1], abs(w + jit[2]), abs(h + jit[3])]
            else:
                cat, box = int(rng.integers(1, classes + 1)), [*rng.uniform(0, 500, 2), *rng.uniform(2, 200, 2)]
            results.append({"image_id": i, "category_id": cat, "bbox": [float(v) for v in box],
                            "score": float(rng.random())})
    coco = COCO()
    coco.dataset = {"images": [{"id": i, "width": 640, "height": 480} for i in range(1, images + 1)],
                    "annotations": anns, "categories": [{"id": c, "name": str(c)} for c in range(1, classes + 1)]}
    coco.createIndex()
    return coco, results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--images", type=int, default=500)
    p.add_argument("--classes", type=int, default=80)
    p.add_argument("--gts", type=float, default=7.0, help="mean gts per image")
    p.add_argument("--dets", type=int, default=100, help="detections per image")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    coco, results = synthetic(args.images, args.classes, args.gts, args.dets, args.seed)
    print(f"{args.images} images, {len(coco.dataset['annotations'])} gts, {len(results)} detections, "
          f"{args.classes} classes")
    scores = {}
    for name, fn in (("pycocotools", coco_evaluate), ("scratch", evaluate_scratch)):
        start = time.perf_counter()
        scores[name] = fn(coco, results)
        print(f"{name:>12}: {time.perf_counter() - start:6.2f} s   AP {scores[name].metrics['AP']:.4f}")
    diff = max(abs(scores["pycocotools"].metrics[k] - scores["scratch"].metrics[k]) for k in METRIC_KEYS)
    print(f"largest metric difference: {diff:.2e}")


if __name__ == "__main__":
    main()
