"""Exercise: break it — scenes where an assignment rule leaves a ground truth with no positive — notebook 06.

Every rule promises each gt "at least one" positive point, and then settles conflicts between gts. Build a
scene (the gt boxes) in which a gt ends up with none. The grader runs the library's own assigner on your
boxes, in a fixed setting: a 128 × 128 image (strides 8, 16, 32: 336 points); at every point the model
predicts a 32 × 32 box centred on the point, with every class and objectness logit 0; all gts have class 0.
Replace each ``raise NotImplementedError`` with your boxes, then grade it:

    yolox-edu grade break_simota                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("break_simota")   # in the notebook

Rules for a scene: 2 to 10 gts, each inside the image, sides from 8 to 128 px, and no two gts with an IoU
above 0.5 (no duplicates: that would be too easy). Use torch only; build your scene with the notebook's
SimOTA explorer, then write its boxes here.
"""

from __future__ import annotations

from torch import Tensor


def simota_scene() -> Tensor:
    """Gt boxes for which ``yolox_edu.assign.simota_assign`` gives some gt 0 positive points.

    Returns:
        (G, 4) float32 cxcywh boxes in pixels.

    Example:
        torch.tensor([[40.0, 40.0, 30.0, 30.0], [90.0, 90.0, 20.0, 20.0]]) is a valid scene (two gts far
        apart) — but each of them gets its positives, so it does not break anything.
    """
    raise NotImplementedError


def center_3x3_scene() -> Tensor:
    """Gt boxes for which the paper's ``center-3x3`` rule (``yolox_edu.assign.center_assign`` with patch 3)
    gives some gt 0 positive points.

    Returns:
        (G, 4) float32 cxcywh boxes in pixels.

    Example:
        as for ``simota_scene``.
    """
    raise NotImplementedError
