"""Exercise: space-to-depth for any block size, and its inverse — notebook 02 ("Your turn").

Notebook 02 shows YOLOX's Focus stem folding each 2 × 2 block of pixels into the channels. Here you write the
general fold for a b × b block, in the channel order that makes b = 2 exactly the official Focus (so its
pretrained weights still fit), and the unfold that undoes it (depth-to-space, as in "pixel shuffle" upsampling).
Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade focus                                   # in a terminal, from the course folder
    from yolox_edu.grading import check; check("focus")     # in the notebook

Use torch only. Shapes: B batch, C channels, H, W height and width (multiples of the block size b).
"""

from __future__ import annotations

from torch import Tensor


def space_to_depth(x: Tensor, block: int = 2) -> Tensor:
    """Fold each block × block patch of pixels into the channel dimension.

    Args:
        x: (B, C, H, W), H and W multiples of ``block``, any dtype.
        block: b >= 1.

    Returns:
        (B, b²·C, H/b, W/b), same dtype. Channel group k (channels k·C … k·C + C − 1) holds, for every
        patch, the pixel at row offset k mod b and column offset k div b inside the patch — for b = 2 the
        order of ``yolox_edu.models.blocks.Focus``. b = 1 returns x unchanged.

    Example:
        a (1, 1, 2, 2) input [[1, 2], [3, 4]] with b = 2 → (1, 4, 1, 1) holding 1, 3, 2, 4.
    """
    raise NotImplementedError


def depth_to_space(y: Tensor, block: int = 2) -> Tensor:
    """The inverse of ``space_to_depth``: depth_to_space(space_to_depth(x, b), b) equals x.

    Args:
        y: (B, b²·C, h, w), any dtype.
        block: b >= 1.

    Returns:
        (B, C, h·b, w·b), same dtype.

    Example:
        a (1, 4, 1, 1) input holding 1, 3, 2, 4 with b = 2 → [[1, 2], [3, 4]] (shape (1, 1, 2, 2)).
    """
    raise NotImplementedError
