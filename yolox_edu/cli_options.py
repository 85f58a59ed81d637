"""Options that several commands share, declared and checked in one place (no torch imported here).

``--size`` is one number (a square) or H W, positive multiples of the largest stride; ``--nms-iou`` is
always the NMS IoU threshold (``--nms`` is only ``export``'s switch that puts NMS into the file)."""

from __future__ import annotations

import argparse

from yolox_edu.errors import UsageError

__all__ = ["add_size_option", "input_size", "add_nms_iou_option", "MAX_STRIDE"]

MAX_STRIDE = 32  # input sides must be multiples of the coarsest level's stride


class _SizeAction(argparse.Action):
    """Parses ``--size`` into (H, W) while the command line is read: a bad size is a usage error at once."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: list[int],
                 option_string: str | None = None) -> None:
        try:
            setattr(namespace, self.dest, input_size(values))
        except UsageError as e:
            parser.error(str(e))


def add_size_option(p: argparse.ArgumentParser | argparse._ArgumentGroup, default: str = "the model's") -> None:
    """``--size``: (H, W) in ``args.size`` (None when not given), checked by ``input_size``."""
    p.add_argument("--size", type=int, nargs="+", action=_SizeAction, metavar="PIXELS",
                   help=f"input size: one number or H W, multiples of {MAX_STRIDE} (default: {default})")


def input_size(values: list[int] | tuple[int, ...] | None, stride: int = MAX_STRIDE) -> tuple[int, int] | None:
    """``--size`` as (H, W); None when not given. One number means a square."""
    if not values:
        return None
    if len(values) > 2 or any(v <= 0 or v % stride for v in values):
        raise UsageError(f"--size takes one or two positive numbers (H W), each a multiple of {stride}; got "
                         f"{' '.join(map(str, values))}")
    return values[0], values[-1]


def add_nms_iou_option(p: argparse.ArgumentParser | argparse._ArgumentGroup, default: float, extra: str = "") -> None:
    p.add_argument("--nms-iou", type=float, default=default, metavar="IOU",
                   help=f"NMS IoU threshold{extra} (default {default})")
