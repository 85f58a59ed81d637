"""Evaluation: COCO AP with pycocotools, the same AP from scratch, PR curves, reports.

- ``evaluate_model`` / ``predict_coco``: run a model over a COCO dataset → COCO results → scores.
- ``coco_evaluate``: score COCO results with pycocotools' COCOeval.
- ``evaluate_scratch`` with ``match_detections``, ``precision_recall``, ``interpolated_ap``: the same
  numbers, written out step by step.
- ``plot_pr_curves`` / ``save_pr_curves``, ``format_report``, ``write_metrics``.
- ``error_breakdown``, ``confusion_matrix``, ``threshold_sweep`` / ``pick_threshold``: what the errors are,
  and which confidence threshold to deploy.
"""

from yolox_edu._lazy import group, lazy_exports

# names load their module (and torch) on first use: importing the package stays instant
_EXPORTS = {
    **group(
        ".ap",
        "PRPoints", "box_iou_xywh", "evaluate_scratch", "interpolated_ap", "interpolated_precision",
        "match_detections", "pr_curve", "pr_points", "precision_recall",
    ),
    **group(
        ".coco_eval",
        "check_results", "coco_evaluate", "load_coco_gt", "load_results", "results_to_coco", "save_results",
        "validate_results",
    ),
    **group(".curves", "plot_pr", "plot_pr_curves", "save_pr_curves"),
    **group(
        ".errors",
        "ErrorBreakdown", "ImageErrors", "ThresholdSweep", "classify_image", "confusion_matrix", "error_breakdown",
        "image_arrays", "pick_threshold", "threshold_sweep",
    ),
    **group(
        ".evaluator",
        "CONF_THRESH", "NMS_THRESH", "detections_to_results", "evaluate_model", "gather_results", "predict_coco",
        "score_results",
    ),
    **group(".report", "format_per_class", "format_report", "format_summary", "write_metrics"),
    **group(
        ".scores",
        "AREA_RANGES", "IOU_THRESHOLDS", "MAX_DETS", "METRIC_DEFINITIONS", "METRIC_KEYS", "RECALL_POINTS",
        "CocoScores", "category_info", "summarize",
    ),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "ErrorBreakdown", "ImageErrors", "ThresholdSweep", "classify_image", "confusion_matrix", "error_breakdown",
    "image_arrays", "pick_threshold", "threshold_sweep",
    "box_iou_xywh", "match_detections", "precision_recall", "interpolated_precision", "interpolated_ap", "pr_curve",
    "PRPoints", "pr_points",
    "evaluate_scratch", "check_results", "coco_evaluate", "load_coco_gt", "load_results", "results_to_coco",
    "save_results", "validate_results", "plot_pr", "plot_pr_curves", "save_pr_curves", "CONF_THRESH",
    "NMS_THRESH", "detections_to_results", "evaluate_model", "gather_results", "predict_coco", "score_results",
    "format_per_class", "format_report", "format_summary", "write_metrics", "AREA_RANGES", "IOU_THRESHOLDS",
    "MAX_DETS", "METRIC_KEYS", "METRIC_DEFINITIONS", "RECALL_POINTS", "CocoScores", "category_info", "summarize",
]
