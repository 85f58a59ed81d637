"""The YOLOX detector: neck (with its backbone) + head, and ``build_model``.

``ModelConfig.head`` and ``ModelConfig.anchors`` also build the paper's earlier rungs: YOLOv3's
coupled head with anchors, and the decoupled head with anchors (see ``yolox_edu.roadmap``)."""

from __future__ import annotations

from typing import Any

from torch import Tensor, nn

from yolox_edu.anchors import anchors_enabled, parse_anchors
from yolox_edu.assign.registry import ANCHOR_ASSIGNER_NAMES
from yolox_edu.config import MODEL_PRESETS, ModelConfig, model_config
from yolox_edu.decode import decode_anchor_outputs, decode_outputs
from yolox_edu.errors import UsageError
from yolox_edu.models.blocks import BaseConv
from yolox_edu.models.head import CoupledHead, YOLOXHead
from yolox_edu.models.neck import PAFPN, YOLOv3FPN

__all__ = ["YOLOX", "build_model", "build_model_from_config", "MODEL_NAMES", "canonical_name", "HEAD_TYPES"]

MODEL_NAMES: tuple[str, ...] = tuple(MODEL_PRESETS)
HEAD_TYPES = ("decoupled", "coupled")


class YOLOX(nn.Module):
    """YOLOX. ``self.backbone`` is the neck that owns the backbone (official naming: checkpoint keys
    start ``backbone.backbone.`` for the backbone and ``backbone.`` for the neck); ``self.neck`` is a
    readable alias that adds no keys.

    Forward:
        - ``model(images, targets)`` → loss dict (``total``, ``iou``, ``obj``, ``cls``, ``l1``, ``num_fg``);
          ``targets`` (B, G, 5) rows (class, cx, cy, w, h) in input pixels, all-zero rows are padding.
        - train mode, no targets → list of L raw maps (B, 5 + C, h, w).
        - eval mode → decoded (B, A, 5 + C) rows (cx, cy, w, h, objectness, class scores), input pixels;
          with anchors A = 3·(points): one row per anchor of every cell, same format.

    ``images`` are float (B, 3, H, W), values 0–255, RGB (flipped to BGR first when ``cfg.bgr``).
    """

    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.cfg = cfg
        if cfg.backbone == "cspdarknet":
            self.backbone: nn.Module = PAFPN(cfg.depth, cfg.width, cfg.depthwise, cfg.act)
            head_in, head_width = self.backbone.out_channels, cfg.width
        elif cfg.backbone == "darknet53":
            self.backbone = YOLOv3FPN()
            head_in, head_width = self.backbone.out_channels, 1.0
        else:
            raise UsageError(f"unknown backbone {cfg.backbone!r}; choose 'cspdarknet' or 'darknet53'")
        anchors = _check_head_config(cfg)  # (L, K, 2) or None
        k = 1 if anchors is None else anchors.shape[1]
        if cfg.head == "coupled":
            self.head: nn.Module = CoupledHead(cfg.num_classes, head_in, cfg.act, cfg.depthwise, num_anchors=k)
        else:
            self.head = YOLOXHead(cfg.num_classes, head_width, head_in, cfg.act, cfg.depthwise, num_anchors=k)
        # anchor sizes follow the model's device but are not checkpoint keys (rebuilt from cfg.anchors)
        self.register_buffer("anchor_sizes", anchors, persistent=False)

    @property
    def neck(self) -> nn.Module:
        return self.backbone

    @property
    def num_classes(self) -> int:
        return self.cfg.num_classes

    def forward(self, images: Tensor, targets: Tensor | None = None, *, use_l1: bool = False) -> Any:
        self._check_images(images)
        x = images.flip(1) if self.cfg.bgr else images
        maps = self.head(self.backbone(x))  # L × (B, 5 + C, h, w)
        if targets is not None:
            from yolox_edu.loss import yolox_loss

            return yolox_loss(maps, targets, self.cfg.strides, assigner=self.cfg.assigner, use_l1=use_l1,
                              anchors=self.anchor_sizes, **self.cfg.loss)
        if self.training:
            return maps
        return self.decode(maps)  # (B, A, 5 + C)

    def decode(self, maps: list[Tensor]) -> Tensor:
        """Raw head maps → (B, A, 5 + C) decoded rows (anchor-free, or one row per anchor)."""
        if self.anchor_sizes is None:
            return decode_outputs(maps, self.cfg.strides)  # (B, A, 5 + C)
        return decode_anchor_outputs(maps, self.anchor_sizes, self.cfg.strides)  # (B, 3·A, 5 + C)

    def _check_images(self, images: Tensor) -> None:
        if images.ndim != 4 or images.shape[1] != 3:
            raise UsageError(f"images must be (B, 3, H, W), got shape {tuple(images.shape)}")
        if not images.is_floating_point():
            raise TypeError(f"images must be a float tensor with values 0-255, got {images.dtype}")
        stride = max(self.cfg.strides)
        if images.shape[2] % stride or images.shape[3] % stride:
            raise UsageError(f"image height and width must be multiples of {stride}, got "
                             f"{tuple(images.shape[2:])}; letterbox to e.g. 640x640 first")

    def fuse(self) -> YOLOX:
        """Fold every BatchNorm into its conv for inference (eval mode, outputs unchanged to ~1e-5).

        A fused model has no BN keys, so save the unfused one."""
        self.eval()
        for m in self.modules():
            if isinstance(m, BaseConv):
                m.fuse()
        return self


def _check_head_config(cfg: ModelConfig) -> Tensor | None:
    """Validate ``head``/``anchors``/``assigner`` together; the anchors as (L, K, 2) or None."""
    if cfg.head not in HEAD_TYPES:
        raise UsageError(f"unknown head {cfg.head!r}; choose one of: {', '.join(HEAD_TYPES)}")
    if not anchors_enabled(cfg.anchors):
        if cfg.assigner in ANCHOR_ASSIGNER_NAMES:
            raise UsageError(f"assigner={cfg.assigner!r} needs anchors: set anchors='yolov3' (or k-means anchors "
                             "from `yolox-edu anchors`), or pick an anchor-free rule (simota, center-1, center-3x3)")
        return None
    if cfg.assigner not in ANCHOR_ASSIGNER_NAMES:
        raise UsageError(f"anchors={cfg.anchors!r} with assigner={cfg.assigner!r}: SimOTA and the center rules are "
                         f"anchor-free (one prediction per cell); with anchors use assigner='yolov3' (the darknet "
                         f"rule), or set anchors='none'")
    return parse_anchors(cfg.anchors, len(cfg.strides))


def canonical_name(name: str) -> str:
    """Accept ``yolox-s``, ``yolox_s``, ``YOLOX-S`` and ``s``; return the canonical ``yolox-s``."""
    key = name.strip().lower().replace("_", "-")
    if not key.startswith("yolox-"):
        key = f"yolox-{key}"
    if key not in MODEL_PRESETS:
        raise UsageError(f"unknown model name {name!r}; choose one of: {', '.join(MODEL_NAMES)}")
    return key


def build_model_from_config(cfg: ModelConfig) -> YOLOX:
    if cfg.num_classes < 1:
        raise UsageError(f"num_classes must be >= 1, got {cfg.num_classes}")
    return YOLOX(cfg)


def build_model(name: str = "yolox-s", num_classes: int = 80, **overrides: Any) -> YOLOX:
    """A randomly initialised YOLOX of the named size (``yolox-nano`` … ``yolox-x``, ``yolox-darknet53``).

    ``overrides`` set other ``ModelConfig`` fields, e.g. ``assigner="center-3x3"`` or ``bgr=True``."""
    return build_model_from_config(model_config(canonical_name(name), num_classes=num_classes, **overrides))
