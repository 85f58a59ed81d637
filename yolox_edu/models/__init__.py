"""The YOLOX model family."""

from yolox_edu.models.backbone import CSPDarknet, Darknet53
from yolox_edu.models.blocks import BaseConv, Bottleneck, CSPLayer, DWConv, Focus, ResLayer, SPPBottleneck
from yolox_edu.models.head import YOLOXHead
from yolox_edu.models.neck import PAFPN, YOLOv3FPN
from yolox_edu.models.yolox import MODEL_NAMES, YOLOX, build_model, build_model_from_config, canonical_name

__all__ = ["BaseConv", "DWConv", "Bottleneck", "CSPLayer", "SPPBottleneck", "Focus", "ResLayer",
           "CSPDarknet", "Darknet53", "PAFPN", "YOLOv3FPN", "YOLOXHead", "YOLOX", "build_model",
           "build_model_from_config", "canonical_name", "MODEL_NAMES"]
