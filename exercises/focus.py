"""Exercise: the Focus stem (space-to-depth) — notebook 02 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade focus                                   # in a terminal, from the course folder
    from yolox_edu.grading import check; check("focus")     # in the notebook

Use torch only. YOLOX's first layer folds each 2×2 block of pixels into the channels, so the image
shrinks 2× without losing any pixel, then applies a conv. Shapes: B batch, C channels, H, W height and
width (even).
"""

from __future__ import annotations

from torch import Tensor, nn


def space_to_depth(x: Tensor) -> Tensor:
    """Stack the four pixel phases of each 2×2 block on the channel dimension.

    Args:
        x: (B, C, H, W) tensor, H and W even, any float dtype.

    Returns:
        (B, 4C, H/2, W/2) tensor, same dtype: the concatenation on dim 1 of, in this order,
        top-left x[..., 0::2, 0::2], bottom-left x[..., 1::2, 0::2], top-right x[..., 0::2, 1::2],
        bottom-right x[..., 1::2, 1::2]. The order is the official one: the pretrained stem's weights
        depend on it.

    Example:
        >>> space_to_depth(torch.tensor([[[[1.0, 2.0], [3.0, 4.0]]]]))   # (1, 1, 2, 2)
        tensor([[[[1.]], [[3.]], [[2.]], [[4.]]]])                      # (1, 4, 1, 1)
    """
    raise NotImplementedError


class Focus(nn.Module):
    """space_to_depth, then Conv2d (no bias) → BatchNorm2d → SiLU.

    ``__init__`` is given: keep it as it is (the grader copies reference weights into these layers).
    Write ``forward``.
    """

    def __init__(self, c_in: int, c_out: int, ksize: int = 1, stride: int = 1):
        super().__init__()
        self.conv = nn.Conv2d(4 * c_in, c_out, ksize, stride, padding=(ksize - 1) // 2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, eps=1e-3, momentum=0.03)
        self.act = nn.SiLU()

    def forward(self, x: Tensor) -> Tensor:
        """(B, c_in, H, W) → (B, c_out, H/2, W/2) (stride 1): act(bn(conv(space_to_depth(x))))."""
        raise NotImplementedError
