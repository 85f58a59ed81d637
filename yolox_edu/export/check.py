"""Check an exported file against the PyTorch model on real images, output by output.

Per run (a batch of letterboxed images at one input size) it compares the decoded boxes, objectness
and class scores: max |diff| ≤ ``rtol`` × max(1, largest |reference value|), i.e. relative to the
output's scale (the input size for boxes in pixels, 1 for scores); then the detections after score
filter + NMS: same count and classes, boxes and scores within the same tolerance. The first comparison
that fails raises ``ExportCheckError`` naming that output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor, nn

from yolox_edu.decode import Detections, postprocess
from yolox_edu.errors import UsageError
from yolox_edu.export.runtime import ExportedModel
from yolox_edu.preprocess import letterbox

__all__ = ["ExportCheckError", "Comparison", "check_export", "match_detections", "check_runs", "default_check_images"]

RTOL = 1e-4


class ExportCheckError(UsageError):
    """The exported file does not reproduce the PyTorch model; the message names the first differing output."""


@dataclass
class Comparison:
    run: str  # e.g. "batch 2 @ 416x416"
    output: str  # e.g. "predictions: boxes"
    max_abs_diff: float
    tol: float
    ok: bool
    note: str = ""

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        note = f" {self.note}" if self.note else ""
        return (f"{self.run:>20} | {self.output:<34} | max|diff| {self.max_abs_diff:.2e} (tol {self.tol:.1e}) "
                f"{verdict}{note}")


def default_check_images() -> list[Path]:
    """The bundled photos (real images), else the bundled synthetic shapes; empty when neither is there."""
    from yolox_edu.course import data_samples

    try:
        root = data_samples()
    except FileNotFoundError:
        return []
    return sorted((root / "photos" / "samples").glob("*.jpg")) or sorted((root / "synth" / "val").glob("*.jpg"))


def check_runs(info_batch: int | None, size: tuple[int, int], dynamic_hw: bool) -> list[tuple[int, tuple[int, int]]]:
    """(batch, (H, W)) runs to check: the exported shape; for a dynamic file also batch 2 and a larger H, W."""
    if info_batch is not None:
        return [(info_batch, size)]
    runs = [(2, size)]
    if dynamic_hw:
        runs.append((1, (size[0] + 32, size[1] + 64)))
    return runs


def _part_diffs(ref: Tensor, got: Tensor, run: str, name: str, rtol: float) -> list[Comparison]:
    if got.shape != ref.shape:
        return [Comparison(run, name, float("inf"), 0.0, False, f"shape {tuple(got.shape)} vs {tuple(ref.shape)}")]
    parts = {"boxes": (ref[..., :4], got[..., :4]), "objectness": (ref[..., 4], got[..., 4]),
             "class scores": (ref[..., 5:], got[..., 5:])}
    out = []
    for part, (r, g) in parts.items():
        tol = rtol * max(1.0, float(r.abs().max()))  # relative to the output's scale (pixels for boxes)
        diff = float((r - g).abs().max())
        out.append(Comparison(run, f"{name}: {part}", diff, tol, diff <= tol))  # nan never passes
    return out


def match_detections(ref: Detections, got: Detections) -> tuple[float, float] | None:
    """Pair each reference detection with the same-class detection nearest in box corners (order-free, so
    near-equal scores listed in another order still match). Returns (max box diff, max score diff), or None
    when counts differ or the pairing is not one-to-one."""
    if len(ref) != len(got):
        return None
    if not len(ref):
        return 0.0, 0.0
    dist = (ref.boxes[:, None] - got.boxes[None]).abs().amax(-1)  # (R, G) max corner difference
    dist[ref.labels[:, None] != got.labels[None].to(ref.labels.dtype)] = float("inf")
    box_diff, j = dist.min(dim=1)  # (R,), (R,)
    if j.unique().numel() != len(ref) or not torch.isfinite(box_diff).all():
        return None
    return float(box_diff.max()), float((ref.scores - got.scores[j]).abs().max())


def _detection_diff(ref: list[Detections], got: list[Detections], run: str, name: str, rtol: float) -> Comparison:
    diff, tol, counts = 0.0, rtol, []
    for k, (r, g) in enumerate(zip(ref, got)):
        counts.append(f"{len(g)}/{len(r)}")
        matched = match_detections(r, g)
        if matched is None:
            return Comparison(run, f"{name} (image {k})", float("inf"), tol, False,
                              f"{len(g)} detections, classes {sorted(g.labels.tolist())[:12]} vs PyTorch {len(r)}, "
                              f"{sorted(r.labels.tolist())[:12]}")
        if len(r):
            tol = max(tol, rtol * float(r.boxes.abs().max()))
            diff = max(diff, *matched)
    return Comparison(run, name, diff, tol, diff <= tol, f"[{', '.join(counts)} detections]")


@torch.no_grad()
def check_export(exported: ExportedModel, model: nn.Module, images: list[Tensor], *, conf_thresh: float = 0.25,
                 nms_thresh: float = 0.45, class_agnostic: bool = False, rtol: float = RTOL,
                 raise_on_mismatch: bool = True) -> list[Comparison]:
    """Compare ``exported`` with ``model`` (the PyTorch model, unfused is fine) on ``images``.

    Args:
        images: (3, h, w) uint8 RGB images, reused in turn to fill each run's batch.
        conf_thresh, nms_thresh, class_agnostic: for the detections comparison (a ``--nms`` file uses its own).
    Returns:
        Every comparison made; raises ``ExportCheckError`` at the first mismatch unless told not to.
    """
    if not images:
        raise UsageError("no images to check the export on")
    info = exported.info
    if info.outputs == "detections":
        conf_thresh, nms_thresh, class_agnostic = info.conf_thresh, info.nms_thresh, info.class_agnostic
    model = model.eval()
    results: list[Comparison] = []
    for batch, size in check_runs(info.batch, info.input_size, info.dynamic_hw):
        run = f"batch {batch} @ {size[0]}x{size[1]}"
        x = torch.stack([letterbox(images[k % len(images)], size)[0] for k in range(batch)])  # (B, 3, H, W) RGB
        ref = model(x.to(next(model.parameters()).device)).float().cpu()  # (B, A, 5 + C)
        comps = []
        if info.outputs != "detections":
            comps += _part_diffs(ref, exported.predictions(x), run, f"{_output_name(info)}", rtol)
        got = exported.detections(x, conf_thresh, nms_thresh, class_agnostic)
        ref_dets = postprocess(ref, conf_thresh, nms_thresh, class_agnostic)
        comps.append(_detection_diff(ref_dets, got, run, "detections after NMS", rtol))
        results += comps
        bad = next((c for c in comps if not c.ok), None)
        if bad is not None and raise_on_mismatch:
            raise ExportCheckError(f"{exported.path} does not match the PyTorch model: output '{bad.output}' "
                                   f"differs at {bad.run}: max|diff| {bad.max_abs_diff:.3g} > tol {bad.tol:.3g} "
                                   f"{bad.note}".rstrip())
    return results


def _output_name(info) -> str:
    return "raw (decoded here)" if info.outputs == "raw" else "predictions"
