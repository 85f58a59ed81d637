"""Run an exported file: ONNX through onnxruntime, TorchScript through ``torch.jit.load``, and ``predict``
with the same letterbox and postprocessing as the PyTorch path (``yolox_edu.inference``)."""

from __future__ import annotations

import json
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import Tensor

from yolox_edu.decode import Detections, postprocess
from yolox_edu.errors import UsageError
from yolox_edu.export.graph import decode_flat, split_detections
from yolox_edu.export.info import EXTRA_FILE, ExportInfo
from yolox_edu.export.writer import require_onnx
from yolox_edu.inference import ImageLike, as_image_tensor
from yolox_edu.preprocess import letterbox, unletterbox_boxes

__all__ = ["ExportedModel", "load_exported", "predict_exported"]


class ExportedModel:
    """An exported file, loaded. ``model(images)`` takes (B, 3, H, W) float 0–255 in ``info.channel_order`` and
    returns the file's one output as a tensor; ``predictions(images_rgb)`` returns decoded (B, A, 5 + C) rows
    (for ``raw`` and ``decoded`` files) from RGB images, flipping channels as the file asks."""

    def __init__(self, path: str | Path, threads: int | None = None):
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"exported model not found: {self.path}")
        self.is_torchscript = zipfile.is_zipfile(self.path)  # TorchScript files are zip archives, ONNX protobuf
        self._session = self._module = None
        if self.is_torchscript:
            extra = {EXTRA_FILE: ""}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FutureWarning)  # torch 2.14 deprecates TorchScript; it still works
                self._module = torch.jit.load(str(self.path), map_location="cpu", _extra_files=extra)
            props = json.loads(extra[EXTRA_FILE] or "{}")
        else:
            props = self._open_onnx(threads)
        self.info = ExportInfo.from_strings(props, str(self.path))

    def _open_onnx(self, threads: int | None) -> dict[str, str]:
        require_onnx()
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        try:
            self._session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own error types for files it cannot parse
            raise UsageError(f"{self.path} is not a loadable ONNX model ({type(e).__name__}: "
                             f"{str(e).splitlines()[0][:200]})") from None
        return dict(self._session.get_modelmeta().custom_metadata_map)

    @torch.no_grad()
    def __call__(self, images: Tensor) -> Tensor:
        images = images.float().contiguous()
        if self._module is not None:
            return self._module(images)
        out = self._session.run(None, {self.info.input_name: images.numpy()})[0]
        return torch.from_numpy(out)

    def to_file_order(self, images: Tensor) -> Tensor:
        """(B, 3, H, W) RGB → the channel order the file expects."""
        return images.flip(1) if self.info.channel_order == "BGR" else images

    def predictions(self, images: Tensor) -> Tensor:
        """RGB (B, 3, H, W) → decoded (B, A, 5 + C), as an eval-mode PyTorch model returns them."""
        if self.info.outputs == "detections":
            raise UsageError(f"{self.path} returns final detections (exported with --nms), not predictions")
        out = self(self.to_file_order(images))
        return decode_flat(out, tuple(images.shape[2:]), self.info.strides) if self.info.outputs == "raw" else out

    def detections(self, images: Tensor, conf_thresh: float, nms_thresh: float,
                   class_agnostic: bool = False) -> list[Detections]:
        """RGB (B, 3, H, W) → one ``Detections`` per image, boxes xyxy in input pixels."""
        if self.info.outputs != "detections":
            return postprocess(self.predictions(images), conf_thresh, nms_thresh, class_agnostic)
        self._check_baked_thresholds(conf_thresh, nms_thresh, class_agnostic)
        per_image = split_detections(self(self.to_file_order(images)), images.shape[0])
        # raising the score threshold after NMS gives what NMS at that threshold gives: survivors are decided
        # only by higher-scoring boxes, which pass the higher threshold too
        return [Detections(b[s >= conf_thresh], s[s >= conf_thresh], lab[s >= conf_thresh]) for b, s, lab in per_image]

    def _check_baked_thresholds(self, conf_thresh: float, nms_thresh: float, class_agnostic: bool) -> None:
        info = self.info
        if conf_thresh < info.conf_thresh - 1e-9:
            raise UsageError(f"--conf {conf_thresh} is below the score threshold {info.conf_thresh} baked into "
                             f"{self.path}; re-export with --conf {conf_thresh}")
        if abs(nms_thresh - info.nms_thresh) > 1e-9 or class_agnostic != info.class_agnostic:
            raise UsageError(f"--nms {nms_thresh}{' --class-agnostic' if class_agnostic else ''} differs from the "
                             f"NMS baked into {self.path} (IoU {info.nms_thresh}, "
                             f"{'class-agnostic' if info.class_agnostic else 'per class'}); re-export to change it")


def load_exported(path: str | Path, threads: int | None = None) -> ExportedModel:
    """Open an ONNX or TorchScript file written by ``export_model`` (onnxruntime threads default to torch's)."""
    return ExportedModel(path, threads)


def _run_size(info: ExportInfo, input_size: tuple[int, int] | None) -> tuple[int, int]:
    if input_size is None or tuple(input_size) == tuple(info.input_size):
        return tuple(info.input_size)
    if not info.dynamic_hw:
        raise UsageError(f"--size: this file was exported for {info.input_size[0]}x{info.input_size[1]} only; "
                         "drop --size or re-export with --dynamic")
    if any(s % max(info.strides) for s in input_size):
        raise UsageError(f"--size {input_size} must be a multiple of {max(info.strides)}")
    return tuple(input_size)


@torch.no_grad()
def predict_exported(exported: ExportedModel, images: ImageLike | Sequence[ImageLike], *,
                     input_size: tuple[int, int] | None = None, conf_thresh: float = 0.25, nms_thresh: float = 0.45,
                     class_agnostic: bool = False, batch_size: int = 8) -> list[Detections]:
    """``yolox_edu.predict`` through an exported file: same letterbox, same postprocess, boxes back in each
    image's original pixels. A file with a fixed batch runs that many images at a time (padding the last run)."""
    single = not isinstance(images, (list, tuple))
    items = [as_image_tensor(im) for im in ([images] if single else images)]
    size = _run_size(exported.info, input_size)
    step = exported.info.batch or batch_size
    results: list[Detections] = []
    for start in range(0, len(items), step):
        chunk = items[start:start + step]
        boxed = [letterbox(im, size) for im in chunk]
        batch = torch.stack([b for b, _ in boxed])  # (b, 3, H, W) RGB
        if exported.info.batch is not None and batch.shape[0] < step:  # fixed batch: pad with copies
            batch = torch.cat([batch, batch[-1:].expand(step - batch.shape[0], -1, -1, -1)])  # (step, 3, H, W)
        dets = exported.detections(batch, conf_thresh, nms_thresh, class_agnostic)[:len(chunk)]
        for det, im, (_, r) in zip(dets, chunk, boxed):
            results.append(Detections(unletterbox_boxes(det.boxes, r, tuple(im.shape[1:])), det.scores, det.labels))
    return results
