"""Deployment: export to ONNX or TorchScript (BatchNorm fused, metadata inside), check the file against
PyTorch, and run it (onnxruntime / ``torch.jit.load``) with the same pre- and post-processing.

    from yolox_edu.export import export_model, load_exported, check_export, predict_exported
    info = export_model(model, "nano.onnx", "onnx", batch=None, outputs="decoded")
    exported = load_exported("nano.onnx")
    dets = predict_exported(exported, "dog.jpg")

ONNX needs the optional extra: ``pip install -e '.[export]'``.
"""

from yolox_edu._lazy import group, lazy_exports

# names load their module (and torch) on first use: importing the package stays instant
_EXPORTS = {
    **group(".check", "Comparison", "ExportCheckError", "check_export", "default_check_images"),
    **group(".graph", "OUTPUT_KINDS", "ExportGraph", "batched_postprocess", "decode_flat"),
    **group(".info", "ExportInfo"),
    **group(".runtime", "ExportedModel", "load_exported", "predict_exported"),
    **group(".writer", "DEFAULT_OPSET", "FORMATS", "export_model", "require_onnx"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["export_model", "load_exported", "predict_exported", "check_export", "ExportCheckError", "Comparison",
           "ExportedModel", "ExportInfo", "ExportGraph", "batched_postprocess", "decode_flat", "OUTPUT_KINDS",
           "FORMATS", "DEFAULT_OPSET", "require_onnx", "default_check_images"]
