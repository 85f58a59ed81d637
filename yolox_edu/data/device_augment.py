"""The device half of on-device augmentation: run a batch of plans (see :mod:`~yolox_edu.data.device_plan`)
on whatever device the batch is on, batched in torch.

Every output pixel of every image is computed at once: its coordinates go through each tile's affine map
(Mosaic placement and the random affine in one matrix), the last tile whose nearest-pixel test accepts it
wins, and one bilinear sample is read from that tile's source window in the batch's pixel buffer (a gather,
so images of any size share one buffer without padding). MixUp is a second such layer blended
``floor((a + b) / 2)``; HSV is OpenCV's 8-bit round trip done with the same lookup tables as
:func:`~yolox_edu.data.augment.shift_hsv`; the flip is folded into the coordinates.

Against the CPU path (OpenCV warps, same keys) boxes are identical (the worker computes them with the same
code) and pixels agree up to interpolation rounding: OpenCV quantises sub-pixel positions to 1/32 and uses
fixed-point weights, this path uses float weights (see tests/test_device_augment.py for the measured gap).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from ..preprocess import PAD_VALUE
from .augment import _HUE_TABLE, _RGB_TABLE, _SAT_TABLE, opencv
from .device_plan import MIX_TILE, PARAM_FIELDS, TILE_FIELDS, PlanBatch

__all__ = ["augment_batch", "sample_layer", "shift_hsv_batch"]

T = {name: i for i, name in enumerate(TILE_FIELDS)}
P = {name: i for i, name in enumerate(PARAM_FIELDS)}
_TABLES: dict[torch.device, tuple[Tensor, Tensor, Tensor]] = {}
ROUND, TRUNCATE = 0.5, 0.0  # added before the uint8 cast at the end of HSV → RGB


def hsv_rounding() -> float:
    """How the CPU path's HSV → RGB conversion ends: the pure table path rounds, OpenCV 5.0's vectorised
    loop truncates (a 320 × 320 synth image: truncation matches it on 99.0 % of values, rounding on 69 %;
    its scalar loop for short rows rounds). Decided once by converting a fixed 128 × 128 probe both ways,
    so the device path follows the CPU path of this machine."""
    cv = opencv()
    if cv is None:
        return ROUND
    probe = np.random.default_rng(0).integers(0, 256, (128, 128, 3), dtype=np.uint8)  # SIMD-sized rows
    want = cv.cvtColor(cv.cvtColor(probe, cv.COLOR_RGB2HSV), cv.COLOR_HSV2RGB)
    got = {r: shift_hsv_batch(torch.from_numpy(probe)[None], torch.zeros(1, 3, dtype=torch.long), r)[0].numpy()
           for r in (ROUND, TRUNCATE)}
    return max(got, key=lambda r: int((got[r] == want).sum()))


_ROUNDING: list[float] = []  # hsv_rounding(), computed on first use


def _hsv_tables(device: torch.device) -> tuple[Tensor, Tensor, Tensor]:
    if device not in _TABLES:
        _TABLES[device] = (torch.from_numpy(_HUE_TABLE).to(device, torch.int64),
                           torch.from_numpy(_SAT_TABLE).to(device, torch.int64),
                           torch.from_numpy(_RGB_TABLE).to(device))
    return _TABLES[device]


def _select(tiles: Tensor, qx: Tensor, qy: Tensor, used: list[int]) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """For each output pixel, the last tile that claims it and the source point there.

    Shapes: tiles (B, K, 16) float; output coordinates qx, qy broadcastable to (B, H, W) (a column
    vector (B, 1, W) and a row vector (1, H, 1) keep the affine maps to one full-size pass each);
    ``used``: the tiles on in some image → claimed (B, H, W) bool, source buffer row (B, H, W) int32,
    sx, sy (B, H, W) float in that source's window."""
    shape = torch.broadcast_shapes(qx.shape, qy.shape)
    claimed = torch.zeros(shape, dtype=torch.bool, device=qx.device)  # (B, H, W)
    src = torch.zeros(shape, dtype=torch.int32, device=qx.device)
    sx, sy = torch.zeros(shape, device=qx.device), torch.zeros(shape, device=qx.device)
    for k in used:
        t = tiles[:, k, :, None, None]  # (B, 16, 1, 1)
        x = (t[:, T["m00"]] * qx + t[:, T["m02"]]) + t[:, T["m01"]] * qy  # (B, H, W)
        y = (t[:, T["m10"]] * qx + t[:, T["m12"]]) + t[:, T["m11"]] * qy
        box = ((qx >= t[:, T["bx0"]]) & (qx < t[:, T["bx1"]])) & ((qy >= t[:, T["by0"]]) & (qy < t[:, T["by1"]]))
        # OpenCV's INTER_NEAREST test: round(x) in [lo, hi] ⟺ lo - 0.5 <= x < hi + 0.5
        inside = (box & (t[:, T["on"]] > 0) & (x >= t[:, T["x_lo"]] - 0.5) & (x < t[:, T["x_hi"]] + 0.5)
                  & (y >= t[:, T["y_lo"]] - 0.5) & (y < t[:, T["y_hi"]] + 0.5))
        claimed |= inside
        src = torch.where(inside, t[:, T["src"]].int(), src)
        sx, sy = torch.where(inside, x, sx), torch.where(inside, y, sy)
    return claimed, src, sx, sy


def _bilinear(pixels: Tensor, images: Tensor, src: Tensor, sx: Tensor, sy: Tensor) -> Tensor:
    """Bilinear samples with edge replication from the windows in ``pixels``.

    Shapes: pixels (P, 3) uint8, images (S, 3) long (first pixel, h, w), src/sx/sy (B, H, W)
    → (B, H, W, 3) float, not rounded."""
    first, h, w = (images[:, i][src] for i in range(3))  # (B, H, W) long each
    x0, y0 = torch.floor(sx), torch.floor(sy)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]  # (B, H, W, 1)
    x0, y0 = x0.long(), y0.long()
    xs = [torch.minimum(torch.clamp(x, min=0), w - 1) for x in (x0, x0 + 1)]
    rows = [first + torch.minimum(torch.clamp(y, min=0), h - 1) * w for y in (y0, y0 + 1)]

    def at(x: Tensor, row: Tensor) -> Tensor:
        return pixels[row + x].float()  # (B, H, W, 3)

    top = torch.lerp(at(xs[0], rows[0]), at(xs[1], rows[0]), fx)
    bottom = torch.lerp(at(xs[0], rows[1]), at(xs[1], rows[1]), fx)
    return torch.lerp(top, bottom, fy)


def sample_layer(batch: PlanBatch, tiles: Tensor, qx: Tensor, qy: Tensor, background: Tensor,
                 used: list[int] | None = None) -> Tensor:
    """One layer: each pixel's bilinear sample from the tile that claims it, else ``background``.
    ``used``: the tiles that are on in some image (default: all K).

    Shapes: tiles (B, K, 16), qx/qy broadcastable to (B, H, W), background (B, H, W, 3) uint8
    → (B, H, W, 3) uint8."""
    claimed, src, sx, sy = _select(tiles, qx, qy, list(range(tiles.shape[1])) if used is None else used)
    values = _bilinear(batch.pixels, batch.images, src, sx, sy)
    values = torch.floor(values + 0.5).clamp_(0, 255).to(torch.uint8)  # round half up, as fixed-point OpenCV
    return torch.where(claimed[..., None], values, background)


def shift_hsv_batch(images: Tensor, shifts: Tensor, rounding: float = ROUND) -> Tensor:
    """:func:`~yolox_edu.data.augment.shift_hsv` (pure path) for a batch, one (dh, ds, dv) per image;
    ``rounding`` 0.5 rounds the result as the pure path (and OpenCV 4), 0 truncates (OpenCV 5).

    Shapes: images (N, H, W, 3) uint8 RGB, shifts (N, 3) long → (N, H, W, 3) uint8."""
    hue_table, sat_table, rgb_table = _hsv_tables(images.device)
    dh, ds, dv = (s[:, None, None] for s in shifts.unbind(-1))  # (N, 1, 1) each
    r, g, b = images.int().unbind(-1)  # (N, H, W) each
    hi, lo = torch.maximum(torch.maximum(r, g), b), torch.minimum(torch.minimum(r, g), b)
    d = hi - lo
    n = torch.where(hi == r, g - b, torch.where(hi == g, b - r + 2 * d, r - g + 4 * d))  # hue numerator
    hue = (hue_table[d * 1531 + n + 255] + dh).remainder(180)  # (N, H, W) H'
    sat = (sat_table[(hi << 8) | d] + ds).clamp(0, 255)  # (N, H, W) S'
    factors = rgb_table[(hue << 8) | sat]  # (N, H, W, 3)
    return (factors * (hi + dv).clamp(0, 255)[..., None] + rounding).to(torch.uint8)


def _output_grid(params: Tensor, H: int, W: int) -> tuple[Tensor, Tensor]:
    """Output pixel coordinates: x (B, 1, W), mirrored for samples with ``flip``, and y (1, H, 1)."""
    device = params.device
    qx = torch.arange(W, device=device, dtype=torch.float32)[None, None]  # (1, 1, W)
    qy = torch.arange(H, device=device, dtype=torch.float32)[None, :, None]  # (1, H, 1)
    flip = params[:, P["flip"], None, None].bool()  # (B, 1, 1)
    return torch.where(flip, W - 1 - qx, qx), qy  # (B, 1, W), (1, H, 1)


def _in_rect(qx: Tensor, qy: Tensor, x0: Tensor, y0: Tensor, x1: Tensor, y1: Tensor) -> Tensor:
    """(B, H, W) bool: pixels in [x0, x1) × [y0, y1), one rectangle per image ((B,) each); qx (B, 1, W),
    qy (1, H, 1)."""
    def c(v: Tensor) -> Tensor:
        return v[:, None, None].to(qx.dtype)
    return ((qx >= c(x0)) & (qx < c(x1))) & ((qy >= c(y0)) & (qy < c(y1)))


@torch.no_grad()
def augment_batch(batch: PlanBatch, host: PlanBatch | None = None) -> Tensor:
    """Images (B, 3, H, W) float32, 0–255 RGB, of a batch of plans, on the batch's device.

    ``host``: the same batch still on the CPU (if at hand), so that the output size, the tiles in use
    and which images need MixUp or HSV are known without waiting for the device."""
    params = batch.params
    host_params, host_tiles = (host.params, host.tiles) if host is not None else (params.cpu(), batch.tiles.cpu())
    H, W = int(host_params[0, P["H"]]), int(host_params[0, P["W"]])
    tiles = batch.tiles.float()  # (B, 5, 16)
    qx, qy = _output_grid(params, H, W)  # (B, 1, W), (1, H, 1)
    grey = torch.full((len(params), H, W, 3), PAD_VALUE, dtype=torch.uint8, device=qx.device)  # (B, H, W, 3)
    used = [k for k in range(MIX_TILE) if host_tiles[:, k, T["on"]].any()]  # e.g. only tile 0 without Mosaic
    out = sample_layer(batch, tiles[:, :MIX_TILE], qx, qy, grey, used)
    mix = host_params[:, P["mix"]].nonzero()[:, 0].to(params.device)  # (M,) images with MixUp
    if len(mix):
        p = params[mix]
        zero = torch.zeros_like(p[:, 0])
        inside = _in_rect(qx[mix], qy, zero, zero, p[:, P["grey_w"]], p[:, P["grey_h"]])[..., None]
        background = torch.where(inside, grey[mix], torch.zeros_like(grey[mix]))  # grey canvas, black beyond
        other = sample_layer(batch, tiles[mix, MIX_TILE:], qx[mix], qy, background)
        a = out[mix]
        out[mix] = (a >> 1) + (other >> 1) + (a & other & 1)  # floor((a + b) / 2) in uint8
    hsv = host_params[:, P["hsv"]].nonzero()[:, 0].to(params.device)  # (N,) images with a non-zero HSV shift
    if len(hsv):
        p = params[hsv]
        region = _in_rect(qx[hsv], qy, *(p[:, P[k]] for k in ("hx0", "hy0", "hx1", "hy1")))[..., None]
        if not _ROUNDING:
            _ROUNDING.append(hsv_rounding())
        shifted = shift_hsv_batch(out[hsv], p[:, [P["dh"], P["ds"], P["dv"]]], _ROUNDING[0])
        out[hsv] = torch.where(region, shifted, out[hsv])
    return out.permute(0, 3, 1, 2).float()  # (B, 3, H, W), channels-last in memory
