"""yolox_edu: YOLOX object detection, built step by step.

Shape vocabulary used in every docstring and shape comment of the package:

    B  batch size               A  anchor points over all levels (8400 at 640²)
    G  ground truths (padded)   F  foreground (positive) points
    C  classes                  L  pyramid levels (3: strides 8, 16, 32)
    H, W  input height and width in pixels; h, w  a level's grid size

Boxes are in input pixels; ``cxcywh`` = (center x, center y, width, height), ``xyxy`` = corners.
"""


from yolox_edu.checkpoint import load_checkpoint, save_checkpoint
from yolox_edu.models import MODEL_NAMES, build_model
from yolox_edu.predict import predict

__version__ = "0.1.0"

__all__ = ["build_model", "MODEL_NAMES", "load_checkpoint", "save_checkpoint", "predict", "__version__"]
