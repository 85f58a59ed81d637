"""Shared set-up for the course notebooks: where the bundled data lives, the demo model, seeding.

Every notebook starts with ``from yolox_edu import course; course.setup()`` so its figures are the same
on every run; the rest of its code uses the library's public API, as a script would.
"""

from __future__ import annotations

import os
import random

import numpy as np
import torch
from torch import nn

from yolox_edu.samples import data_samples, demo_checkpoint

__all__ = ["setup", "data_samples", "demo_checkpoint", "load_demo_model", "show_library", "library_sources",
           "LIBRARY_OF", "DEMO_CLASSES"]

# The six shapes of data_samples/synth, in category order (ids 1..6 in its COCO json).
DEMO_CLASSES = ("circle", "square", "triangle", "star", "ring", "cross")


# name → the library's version of the exercise (dotted names), or a sentence saying why there is none;
# the notebooks show it after the exercise with ``show_library(name)``
LIBRARY_OF: dict[str, tuple[str, ...] | str] = {
    "boxes": ("yolox_edu.boxes.cxcywh_to_xyxy", "yolox_edu.boxes.xyxy_to_cxcywh", "yolox_edu.boxes.pairwise_iou"),
    "focus": ("yolox_edu.models.blocks.Focus",),
    "csp": ("yolox_edu.models.blocks.BaseConv", "yolox_edu.models.blocks.Bottleneck",
            "yolox_edu.models.blocks.CSPLayer"),
    "encode": ("yolox_edu.decode.decode_boxes", "yolox_edu.loss.l1_targets"),
    "nms": ("yolox_edu.decode.postprocess",),
    "center_sampling": ("yolox_edu.assign.sampling.in_box_mask", "yolox_edu.assign.sampling.in_center_mask",
                        "yolox_edu.assign.sampling.candidate_mask"),
    "predict": ("yolox_edu.grid.make_grid", "yolox_edu.assign.matching.dynamic_k"),
    "simota_cost": ("yolox_edu.assign.cost.class_cost",),
    "dynamic_k": ("yolox_edu.assign.matching.dynamic_k", "yolox_edu.assign.matching.select_lowest_cost",
                  "yolox_edu.assign.matching.resolve_conflicts"),
    "break_simota": "there is no library scene: your scenes were graded by running the library's assigners "
                    "(yolox_edu.assign.simota_assign and center_assign) on them, as the notebook did above.",
    "ota": ("yolox_edu.assign.ota.sinkhorn", "yolox_edu.assign.ota.sinkhorn_ota"),
    "iou_loss": ("yolox_edu.boxes.aligned_iou", "yolox_edu.loss.iou_loss"),
    "mosaic": ("yolox_edu.data.mosaic_mixup.mosaic_tile", "yolox_edu.data.mosaic_mixup._mosaic_boxes"),
    "lr_schedule": ("yolox_edu.train.schedule.yolox_lr",),
    "precision_recall": ("yolox_edu.eval.ap.match_detections", "yolox_edu.eval.ap.precision_recall"),
    "average_precision": ("yolox_edu.eval.ap.interpolated_precision", "yolox_edu.eval.ap.interpolated_ap"),
    "cocoeval_lite": "the library does not re-implement COCOeval: it scores with pycocotools itself "
                     "(yolox_edu.eval.coco_eval), the reference your cocoeval_lite was graded against.",
    "coco_format": "the library reads COCO json and has no YOLO-label converter: converting your labels is what "
                   "this exercise is for, and its grading tests (yolox_edu/grading/tests/test_coco_format.py) "
                   "hold the reference.",
    "anchor_decode": ("yolox_edu.decode.decode_anchor_boxes",),
    "anchor_match": ("yolox_edu.assign.yolov3.darknet_match",),
}


def load_demo_model(trained: bool = True) -> nn.Module:
    """YOLOX-nano for the 6 shapes, in eval mode: the demo checkpoint, or fresh weights (seeded)."""
    from yolox_edu.checkpoint import build_model_for_checkpoint, load_checkpoint, read_checkpoint

    ckpt = read_checkpoint(demo_checkpoint())
    torch.manual_seed(0)
    model = build_model_for_checkpoint("yolox-nano", ckpt)
    if trained:
        load_checkpoint(model, demo_checkpoint())
    return model.eval()


def setup(seed: int = 0, threads: int | None = None) -> None:
    """Seed python/numpy/torch, cap torch threads at the cores, and set a legible figure style."""
    import matplotlib as mpl

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.set_num_threads(threads or min(4, os.cpu_count() or 1))
    mpl.rcParams.update({"figure.dpi": 100, "savefig.dpi": 100, "font.size": 10, "axes.titlesize": 11,
                         "figure.constrained_layout.use": True})


def library_sources(exercise: str) -> list[tuple[str, str, str]] | str:
    """The library's version of an exercise: ``[(dotted name, "path:line", source), ...]``, or the sentence
    saying why there is none (``LIBRARY_OF``)."""
    import importlib
    import inspect
    from pathlib import Path

    from yolox_edu.grading.catalog import check_names

    check_names([exercise])  # a clear error for an unknown name
    entry = LIBRARY_OF[exercise]
    if isinstance(entry, str):
        return entry
    root = Path(__file__).resolve().parent.parent
    out = []
    for dotted in entry:
        module, _, attr = dotted.rpartition(".")
        obj = inspect.unwrap(getattr(importlib.import_module(module), attr))  # past @torch.no_grad()
        path = Path(inspect.getsourcefile(obj)).resolve()
        where = f"{path.relative_to(root) if path.is_relative_to(root) else path}:{inspect.getsourcelines(obj)[1]}"
        out.append((dotted, where, inspect.getsource(obj)))
    return out


def show_library(*exercises: str) -> None:
    """After an exercise: the library's version of each, folded under a "show" line in a notebook (open it
    once your own passes, and compare), printed in full elsewhere."""
    from html import escape

    from IPython import get_ipython

    notebook = get_ipython() is not None
    if notebook:
        from IPython.display import HTML, display
    for name in exercises:
        sources = library_sources(name)
        if not notebook:
            print(f"# {name}: {sources}" if isinstance(sources, str) else
                  "\n\n".join(f"# {d} ({w})\n{src}" for d, w, src in sources))
        elif isinstance(sources, str):  # no library version: the sentence that says why
            display(HTML(f"<p><b>{escape(name)}</b>: {escape(sources)}</p>"))
        else:
            body = "".join(f"<p><code>{escape(d)}</code> <small>({escape(w)})</small></p>{_highlight(src)}"
                           for d, w, src in sources)
            display(HTML(f"<details><summary><b>{escape(name)}</b>: show the library's version "
                         f"({', '.join(d.rsplit('.', 1)[1] for d, _, _ in sources)})</summary>{body}</details>"))


def _highlight(source: str) -> str:
    """Python source as HTML, coloured when pygments is there (it comes with JupyterLab)."""
    from html import escape

    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return f"<pre>{escape(source)}</pre>"
    return highlight(source, PythonLexer(), HtmlFormatter(noclasses=True, nobackground=True))
