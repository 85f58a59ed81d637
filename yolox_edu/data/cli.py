"""``yolox-edu data {synth,subset,check}``: make, cut and validate COCO-format datasets."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

__all__ = ["add_parser", "run_synth", "run_subset", "run_check"]


def run_synth(args: argparse.Namespace) -> int:
    from .synth import default_photo_dir, make_synth

    photos = None if args.no_photos else (args.photos or default_photo_dir())
    out = make_synth(args.out, args.train, args.val, args.seed, args.size, photo_dir=photos)
    print(f"wrote {args.train} train + {args.val} val images to {out} "
          f"(annotations/instances_train.json, instances_val.json)")
    return 0


def run_subset(args: argparse.Namespace) -> int:
    from .subset import make_subset

    split = args.split
    if split is None:
        match = re.fullmatch(r"instances_(.+)\.json", Path(args.ann).name)
        split = match.group(1) if match else "subset"
    cats = [c.strip() for c in args.cats.split(",") if c.strip()] if args.cats else None
    path, n_img, n_ann = make_subset(args.ann, args.images, args.out, split, cats, args.max_images, args.seed,
                                     args.copy)
    print(f"wrote {path} with {n_img} images and {n_ann} annotations; images in {Path(args.out) / split}")
    return 0


def _print_problems(problems: list, limit: int) -> None:
    """Problems grouped by file: at most ``limit`` files, and ``limit`` messages per file (0: all)."""
    by_file: dict[str, list[str]] = {}
    for p in problems:
        by_file.setdefault(p.file, []).append(p.message)
    files = list(by_file.items())
    for file, messages in files[:limit or None]:
        print(file)
        for m in messages[:limit or None]:
            print(f"  - {m}")
        if limit and len(messages) > limit:
            print(f"  ... and {len(messages) - limit} more")
    if limit and len(files) > limit:
        print(f"... and {len(files) - limit} more file(s) with problems (--limit 0 lists all)")


def _check_split(ann: Path, images: Path, args: argparse.Namespace, name: str) -> tuple[int, dict | None]:
    """Check one split, print its summary and problems; (number of problems, the json or None)."""
    from .check import check_coco, label_summary
    from .coco import load_coco_json

    print(f"== {name}: {ann}, images in {images}")
    try:
        data = load_coco_json(ann)
    except (ValueError, FileNotFoundError) as e:
        print(f"{ann}\n  - {e}")
        return 1, None
    print(label_summary(data))
    problems = check_coco(ann, images, decode=not args.quick, data=data)
    _print_problems(problems, args.limit)
    n_files = len({p.file for p in problems})
    print(f"{name}: " + (f"{len(problems)} problem(s) in {n_files} file(s)" if problems else "no problems found"))
    return len(problems), data


def _split_paths(args: argparse.Namespace) -> list[tuple[str, Path, Path]]:
    """(split, json, image folder) to check: the one asked for, or every split of DIR/annotations."""
    from .check import SPLIT_FILE, find_splits
    from .paths import coco_paths

    if args.split is None and args.ann is None and args.data_dir is not None:
        return [(s, *coco_paths(args.data_dir, s)) for s in find_splits(args.data_dir)]
    split = args.split
    if split is None:
        match = SPLIT_FILE.fullmatch(Path(args.ann).name) if args.ann else None
        split = match.group(1) if match else "val2017"
    return [(split, *coco_paths(args.data_dir, split, args.ann, args.images))]


def run_check(args: argparse.Namespace) -> int:
    from .check import category_mismatch

    splits = _split_paths(args)
    total, loaded = 0, {}
    for name, ann, images in splits:
        n, data = _check_split(ann, images, args, name)
        total += n
        if data is not None:
            loaded[name] = data
    names = list(loaded)
    for other in names[1:]:
        mismatch = category_mismatch(loaded[names[0]], loaded[other], names[0], other)
        if mismatch:
            print(f"== across splits\n  - {mismatch}")
            total += 1
    checked = ", ".join(s for s, _, _ in splits)
    print(f"checked {len(splits)} split(s) ({checked}): " + (f"{total} problem(s)" if total else "no problems found"))
    return 1 if total else 0


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``data`` with subcommands ``synth``, ``subset`` and ``check``; each sets ``func``."""
    data = subparsers.add_parser("data", help="make, cut and validate COCO-format datasets")
    sub = data.add_subparsers(dest="data_command", required=True)

    p = sub.add_parser("synth", help="generate the synthetic shapes set (COCO layout)")
    p.add_argument("--out", required=True, help="output folder (gets annotations/, train/, val/)")
    p.add_argument("--train", type=int, default=400, help="number of training images")
    p.add_argument("--val", type=int, default=100, help="number of validation images")
    p.add_argument("--seed", type=int, default=0, help="same seed, byte-identical output")
    p.add_argument("--size", type=int, default=320, help="square image side in pixels")
    p.add_argument("--photos", default=None, help="folder of photos for backgrounds (default: the bundled ones)")
    p.add_argument("--no-photos", action="store_true", help="procedural backgrounds only")
    p.set_defaults(func=run_synth)

    p = sub.add_parser("subset", help="cut a COCO subset (categories, max images) into the standard layout")
    p.add_argument("--ann", required=True, help="source json, e.g. instances_train2017.json")
    p.add_argument("--images", required=True, help="source image folder")
    p.add_argument("--cats", default=None, help="comma-separated category names (default: all)")
    p.add_argument("--max-images", type=int, default=None, help="sample at most this many images")
    p.add_argument("--seed", type=int, default=0, help="seed of the image sample")
    p.add_argument("--out", required=True, help="output dataset folder")
    p.add_argument("--split", default=None, help="split name (default: from the json name, e.g. train2017)")
    p.add_argument("--copy", action="store_true", help="copy images instead of symlinking them")
    p.set_defaults(func=run_subset)

    p = sub.add_parser("check", help="validate a COCO dataset (every split, or one); exit code 1 on problems")
    p.add_argument("data_dir", nargs="?", default=None, help="dataset folder (DIR/annotations, DIR/<split>)")
    p.add_argument("--split", default=None,
                   help="check this split only (default: every DIR/annotations/instances_<split>.json)")
    p.add_argument("--ann", default=None, help="annotation json (overrides DIR/annotations/instances_<split>.json)")
    p.add_argument("--images", default=None, help="image folder (overrides DIR/<split>)")
    p.add_argument("--quick", action="store_true", help="read image headers only, do not decode")
    p.add_argument("--limit", type=int, default=10, help="list at most this many files per split, and problems per "
                                                         "file (default 10; 0: all)")
    p.set_defaults(func=run_check)
    return data
