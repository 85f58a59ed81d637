"""Drawing helpers and interactive explorers for the course."""

from yolox_edu.viz.aug_explorer import aug_explorer, augment_sample, plot_augment_sample
from yolox_edu.viz.dataset import plot_dataset_stats
from yolox_edu.viz.draw import class_color, draw_detections
from yolox_edu.viz.errors import (
    plot_confusion_matrix,
    plot_error_breakdown,
    plot_image_errors,
    plot_threshold_sweep,
)
from yolox_edu.viz.figures import (
    as_display_image,
    class_legend,
    feature_montage,
    image_grid,
    montage,
    mpl_color,
    overlay_grid,
    show_boxes,
    show_image,
)
from yolox_edu.viz.level_points import plot_level_points
from yolox_edu.viz.nms_explorer import NMSOutcome, demo_predictions, explore_nms, nms_explorer, nms_view, plot_nms
from yolox_edu.viz.pr_explorer import PRSource, plot_pr_view, pr_explorer, pr_view
from yolox_edu.viz.simota_explorer import SimOTAView, simota_explorer, simota_view
from yolox_edu.viz.training import plot_run_comparison, plot_training_log, read_log

__all__ = ["draw_detections", "class_color", "mpl_color", "as_display_image", "show_image", "show_boxes",
           "image_grid", "montage", "feature_montage", "overlay_grid", "class_legend",
           "NMSOutcome", "explore_nms", "plot_nms", "nms_view", "demo_predictions", "nms_explorer",
           "aug_explorer", "augment_sample", "plot_augment_sample",
           "PRSource", "pr_view", "plot_pr_view", "pr_explorer", "read_log", "plot_training_log", "plot_run_comparison",
           "SimOTAView", "simota_view", "simota_explorer", "plot_level_points",
           "plot_image_errors", "plot_error_breakdown", "plot_confusion_matrix", "plot_threshold_sweep",
           "plot_dataset_stats"]
