"""Single-image augmentations of the YOLOX training pipeline, as pure functions.

Every function takes an (h, w, 3) uint8 RGB numpy image, (N, 4) float32 xyxy pixel boxes and (N,) labels
where relevant, never modifies its inputs, and draws its randomness from an explicit
``numpy.random.Generator``. Pixels are resampled with PIL (bilinear); no OpenCV.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from ..preprocess import PAD_VALUE, letterbox_image, resize_image  # re-exported: data's API

__all__ = [
    "resize_image", "letterbox_image", "hflip", "shift_hsv", "hsv_jitter", "rgb_to_hsv", "hsv_to_rgb", "affine_matrix",
    "random_affine_matrix", "warp_affine", "affine_boxes", "random_affine", "clip_boxes",
]


def clip_boxes(boxes: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Clip (N, 4) xyxy boxes to an (h, w) image (a copy)."""
    out = boxes.copy()
    out[:, 0::2] = out[:, 0::2].clip(0, hw[1])
    out[:, 1::2] = out[:, 1::2].clip(0, hw[0])
    return out


def hflip(image: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right: x → W - x, so (x1, x2) becomes (W - x2, W - x1)."""
    w = image.shape[1]
    out = boxes.copy()
    out[:, 0], out[:, 2] = w - boxes[:, 2], w - boxes[:, 0]
    return np.ascontiguousarray(image[:, ::-1]), out


# ---- colour: OpenCV's 8-bit HSV (H in 0..179 = degrees / 2, S and V in 0..255) -----------------------

def rgb_to_hsv(image: np.ndarray) -> np.ndarray:
    """(h, w, 3) uint8 RGB → int16 HSV on OpenCV's 8-bit scales (H 0..179, S and V 0..255)."""
    rgb = image.astype(np.float32)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(-1)
    diff = v - rgb.min(-1)
    safe = np.where(diff == 0, 1, diff)
    hue = np.where(v == r, (g - b) / safe, np.where(v == g, 2 + (b - r) / safe, 4 + (r - g) / safe)) * 60
    hue = np.where(diff == 0, 0, hue % 360)
    s = np.where(v == 0, 0, 255 * diff / np.where(v == 0, 1, v))
    return np.stack([np.round(hue / 2) % 180, np.round(s), v], -1).astype(np.int16)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_hsv`: int HSV (OpenCV 8-bit scales) → (h, w, 3) uint8 RGB."""
    h = hsv[..., 0].astype(np.float32) * 2 / 60  # sector position in [0, 6)
    s, v = hsv[..., 1].astype(np.float32) / 255, hsv[..., 2].astype(np.float32)
    sector = np.floor(h).astype(np.int64) % 6
    f = h - np.floor(h)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    choices = np.stack([np.stack(c, -1) for c in
                        [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]])  # (6, h, w, 3)
    rgb = np.take_along_axis(choices, sector[None, ..., None].repeat(3, -1), 0)[0]
    return np.round(rgb).clip(0, 255).astype(np.uint8)


def _hue_weight(hue_deg: np.ndarray, n: int) -> np.ndarray:
    """Position (0 = min, 1 = max) of one channel at a hue, the HSV hexcone; n = 5, 3, 1 for R, G, B."""
    k = n + hue_deg / 60
    k -= 6 * np.floor(k / 6)  # k mod 6 (numpy's float % is several times slower)
    return 1 - np.clip(np.minimum(k, 4 - k), 0, 1)


# Hue of a pixel from which channel is largest/smallest: code = [r>=g] + 2[g>=b] + 4[b>=r] picks the sector
# start and direction; within it the hue moves by 60 degrees * (mid - min) / (max - min).
_SECTOR_BASE = np.array([0, 360, 120, 0, 240, 240, 120, 0], np.float32)
_SECTOR_SIGN = np.array([0, -60, -60, 60, -60, 60, 60, 0], np.float32)


def _hue(r: np.ndarray, g: np.ndarray, b: np.ndarray, hi: np.ndarray, lo: np.ndarray, span: np.ndarray
         ) -> np.ndarray:
    """Hue in degrees from float planes, their max, min and max - min (> 0)."""
    code = (r >= g).view(np.uint8) + 2 * (g >= b).view(np.uint8) + 4 * (b >= r).view(np.uint8)
    frac = (r + g + b - hi - 2 * lo) / span  # (mid - min) / (max - min)
    return np.take(_SECTOR_BASE, code) + np.take(_SECTOR_SIGN, code) * frac


def shift_hsv(image: np.ndarray, dh: int, ds: int, dv: int) -> np.ndarray:
    """Add (dh, ds, dv) on OpenCV's 8-bit HSV scales (H 0..179 = degrees / 2, S and V 0..255); hue
    wraps around, S and V are clipped. (h, w, 3) uint8 RGB in and out.

    Done in RGB without a full HSV round trip (faster): every pixel keeps its hue position between its
    min and max channel; the new max is V' = V + dv and the new min V'·(1 − S'/255). Matches OpenCV's
    round trip up to its 2-degree hue quantisation; :func:`rgb_to_hsv`/:func:`hsv_to_rgb` are the reference.
    """
    if dh == 0 and ds == 0 and dv == 0:
        return image
    r, g, b = image.transpose(2, 0, 1).astype(np.float32)  # planes (h, w): fast per-pixel max/min
    hi, lo = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)  # V and min
    span = hi - lo
    safe = np.where(span == 0, 1, span)
    sat = np.clip(np.round(255 * span / np.where(hi == 0, 1, hi)) + ds, 0, 255)  # S'
    new_hi = np.clip(hi + dv, 0, 255)  # V'
    new_lo = new_hi * (1 - sat / 255)
    if dh or ds > 0:  # grey pixels have hue 0 (red) in OpenCV, which matters once they gain saturation
        hue = _hue(r, g, b, hi, lo, safe) + 2 * dh  # grey: code 7, hue 0
        weights = [_hue_weight(hue, n) for n in (5, 3, 1)]
    else:
        weights = [(c - lo) / safe for c in (r, g, b)]
    out = np.empty(image.shape, np.uint8)
    for k, w in enumerate(weights):
        out[..., k] = np.rint(new_lo + (new_hi - new_lo) * w)
    return out


def hsv_jitter(image: np.ndarray, rng: np.random.Generator, hgain: float = 5, sgain: float = 30,
               vgain: float = 30) -> np.ndarray:
    """Random HSV shift as the official: gains ``uniform(-1, 1) * (hgain, sgain, vgain)``, each kept
    with probability 1/2, truncated to integers, then :func:`shift_hsv`."""
    gains = rng.uniform(-1, 1, 3) * (hgain, sgain, vgain) * rng.integers(0, 2, 3)
    dh, ds, dv = (int(g) for g in gains)  # truncation toward zero, as astype(int16)
    return shift_hsv(image, dh, ds, dv)


# ---- geometry: affine warps --------------------------------------------------------------------------

def affine_matrix(degrees: float = 0.0, scale: float = 1.0, shear_x: float = 0.0, shear_y: float = 0.0,
                  translate_px: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """The official's (2, 3) affine: rotation+scale about the origin (0, 0), then shear, then translation.

    ``degrees`` counter-clockwise on screen (as OpenCV), shears in degrees, translation in pixels.
    """
    a = math.radians(degrees)
    rot = np.array([[math.cos(a), math.sin(a)], [-math.sin(a), math.cos(a)]]) * scale  # (2, 2)
    tx, ty = math.tan(math.radians(shear_x)), math.tan(math.radians(shear_y))
    m = np.zeros((2, 3))
    m[0, :2] = rot[0] + ty * rot[1]
    m[1, :2] = rot[1] + tx * rot[0]
    m[:, 2] = translate_px
    return m


def random_affine_matrix(rng: np.random.Generator, out_hw: tuple[int, int], degrees: float = 10.0,
                         translate: float = 0.1, scale_range: tuple[float, float] = (0.1, 2.0),
                         shear: float = 2.0) -> np.ndarray:
    """Draw angle, scale, shear x, shear y, translation x, y (in this order) and build the matrix."""
    angle = rng.uniform(-degrees, degrees)
    scale = rng.uniform(*scale_range)
    if scale <= 0:
        raise ValueError(f"scale_range must be positive, got {scale_range}")
    sx, sy = rng.uniform(-shear, shear), rng.uniform(-shear, shear)
    t = (rng.uniform(-translate, translate) * out_hw[1], rng.uniform(-translate, translate) * out_hw[0])
    return affine_matrix(angle, scale, sx, sy, t)


def warp_affine(image: np.ndarray, matrix: np.ndarray, out_hw: tuple[int, int],
                pad_value: int = PAD_VALUE) -> np.ndarray:
    """Output pixel q takes the input at ``M⁻¹ q`` (bilinear, grey border), pixel centres at integers
    like OpenCV's warpAffine. Shapes: (h, w, 3) uint8 → (H, W, 3) uint8."""
    full = np.vstack([matrix, [0, 0, 1]])
    half = np.array([[1, 0, 0.5], [0, 1, 0.5], [0, 0, 1]])  # PIL samples at pixel centres x + 0.5
    inv = half @ np.linalg.inv(full) @ np.linalg.inv(half)
    out = Image.fromarray(image).transform((out_hw[1], out_hw[0]), Image.AFFINE, tuple(inv[:2].ravel()),
                                           Image.BILINEAR, fillcolor=(pad_value,) * 3)
    return np.asarray(out)


def affine_boxes(boxes: np.ndarray, matrix: np.ndarray, out_hw: tuple[int, int]) -> np.ndarray:
    """Each box becomes the axis-aligned hull of its 4 transformed corners, clipped to (H, W).

    Shapes: boxes (N, 4) xyxy → (N, 4) xyxy float32.
    """
    corners = boxes[:, [0, 1, 2, 3, 0, 3, 2, 1]].reshape(-1, 4, 2)  # (N, 4, 2) x1y1 x2y2 x1y2 x2y1
    moved = corners @ matrix[:, :2].T + matrix[:, 2]  # (N, 4, 2)
    hull = np.concatenate([moved.min(1), moved.max(1)], 1)  # (N, 4)
    return clip_boxes(hull.astype(np.float32), out_hw)


def random_affine(image: np.ndarray, boxes: np.ndarray, rng: np.random.Generator,
                  out_hw: tuple[int, int] | None = None, degrees: float = 10.0, translate: float = 0.1,
                  scale_range: tuple[float, float] = (0.1, 2.0), shear: float = 2.0
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Random rotation/scale/shear/translation; output (H, W) (default: the input size), grey border.

    On a 2H × 2W mosaic with ``out_hw=(H, W)`` this keeps the top-left H × W of the warped canvas, as
    the official 0.3.0. Boxes are kept even if clipped away (filtering happens after the last step).
    """
    out_hw = tuple(out_hw) if out_hw is not None else image.shape[:2]
    m = random_affine_matrix(rng, out_hw, degrees, translate, scale_range, shear)
    return warp_affine(image, m, out_hw), affine_boxes(boxes, m, out_hw)
