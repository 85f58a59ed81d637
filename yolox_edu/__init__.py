"""yolox_edu: YOLOX object detection, built step by step.

Shape vocabulary used in every docstring and shape comment of the package:

    B  batch size               A  anchor points over all levels (8400 at 640²)
    G  ground truths (padded)   F  foreground (positive) points
    C  classes                  L  pyramid levels (3: strides 8, 16, 32)
    H, W  input height and width in pixels; h, w  a level's grid size

Boxes are in input pixels; ``cxcywh`` = (center x, center y, width, height), ``xyxy`` = corners.
"""


from yolox_edu._lazy import group, lazy_exports

__version__ = "0.1.0"

# Nothing heavy is imported here: each name loads its module (and torch) the first time it is used, so that
# ``yolox-edu --help`` and ``import yolox_edu`` are instant (PEP 562).
_EXPORTS = {
    **group(".checkpoint", "load_checkpoint", "save_checkpoint"),
    **group(".models", "build_model", "MODEL_NAMES"),
    **group(".inference", "predict"),
}
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

__all__ = ["build_model", "MODEL_NAMES", "load_checkpoint", "save_checkpoint", "predict", "__version__"]
