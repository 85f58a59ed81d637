"""Single-image augmentations of the YOLOX training pipeline, as pure functions.

Every function takes an (h, w, 3) uint8 RGB numpy image, (N, 4) float32 xyxy pixel boxes and (N,) labels
where relevant, never modifies its inputs, and draws its randomness from an explicit
``numpy.random.Generator``. Pixels are resampled with PIL or torch (bilinear) and colours shifted with
uint8 lookup tables; no OpenCV, and no float copies of whole images where uint8 will do.
"""

from __future__ import annotations

import math
import os

import numpy as np
from PIL import Image

from ..preprocess import PAD_VALUE, letterbox_image, resize_image  # re-exported: data's API

try:  # optional accelerator; the pure numpy/PIL/torch path is the reference and works without it
    import cv2 as _cv2
except ImportError:  # pragma: no cover - depends on the environment
    _cv2 = None

USE_OPENCV = _cv2 is not None and os.environ.get("YOLOX_EDU_OPENCV", "1") != "0"
if USE_OPENCV:  # one thread: loader workers are the parallelism, and a forked worker must not inherit
    _cv2.setNumThreads(1)  # OpenCV's thread pool (it can deadlock there)


def opencv():
    """The ``cv2`` module when OpenCV is installed and allowed (``YOLOX_EDU_OPENCV=0`` or
    ``augment.USE_OPENCV = False`` turn it off), else None. Used for HSV, mosaic warps and decoding."""
    return _cv2 if USE_OPENCV else None

__all__ = [
    "resize_image", "letterbox_image", "hflip", "hflip_boxes", "shift_hsv", "hsv_jitter", "rgb_to_hsv", "hsv_to_rgb",
    "affine_matrix", "opencv",
    "random_affine_matrix", "warp_affine", "affine_boxes", "random_affine", "clip_boxes",
]


def clip_boxes(boxes: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Clip (N, 4) xyxy boxes to an (h, w) image (a copy)."""
    out = boxes.copy()
    out[:, 0::2] = out[:, 0::2].clip(0, hw[1])
    out[:, 1::2] = out[:, 1::2].clip(0, hw[0])
    return out


def hflip_boxes(boxes: np.ndarray, width: int) -> np.ndarray:
    """Boxes of an image mirrored left-right: x → W - x, so (x1, x2) becomes (W - x2, W - x1). (N, 4) xyxy."""
    out = boxes.copy()
    out[:, 0], out[:, 2] = width - boxes[:, 2], width - boxes[:, 0]
    return out


def hflip(image: np.ndarray, boxes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mirror left-right: x → W - x, so (x1, x2) becomes (W - x2, W - x1)."""
    return np.ascontiguousarray(image[:, ::-1]), hflip_boxes(boxes, image.shape[1])


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


def _rounded_reciprocals(numerator: int) -> np.ndarray:
    """``round(numerator · 4096 / i)`` for i = 0..255 (0 at i = 0): OpenCV's fixed-point division tables."""
    i = np.arange(1, 256)
    return np.r_[0, np.rint(numerator * 4096 / i)].astype(np.int64)


def _hsv_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables that reproduce OpenCV's 8-bit RGB ↔ HSV conversions (built once, < 1 MB).

    hue[d · 1531 + n + 255]: H (0..179) from d = max − min and the signed numerator n (see shift_hsv);
    sat[v · 256 + d]: S = round(255 d / v); rgb[H · 256 + S]: per channel the factor m with
    channel = V · m, i.e. 1, 1 − s, 1 − s f or 1 − s (1 − f) for the hue's sector and position f.
    """
    d, n = np.arange(256)[:, None], np.arange(-255, 1276)[None]  # (256, 1), (1, 1531)
    h = (n * _rounded_reciprocals(30)[d] + 2048) >> 12  # 30 = 180 / 6: hue in half degrees
    hue = np.where(h < 0, h + 180, h).clip(0, 179).astype(np.uint8).ravel()  # (256 · 1531,)
    sat = ((np.arange(256)[None] * _rounded_reciprocals(255)[:, None] + 2048) >> 12).clip(0, 255)
    sector_pos = np.arange(180)[:, None] / 30  # (180, 1) position on the hexcone, 0..6
    s, f = np.arange(256)[None] / 255, sector_pos % 1  # (1, 256), (180, 1)
    options = np.stack(np.broadcast_arrays(1.0, 1 - s, 1 - s * f, 1 - s * (1 - f)), -1)  # (180, 256, 4)
    pick = np.array([[0, 3, 1], [2, 0, 1], [1, 0, 3], [1, 2, 0], [3, 1, 0], [0, 1, 2]])  # (6, 3) r, g, b
    which = np.broadcast_to(pick[sector_pos.astype(int)[:, 0]][:, None], (180, 256, 3))
    rgb = np.take_along_axis(options, which, -1).astype(np.float32).reshape(-1, 3)  # (180 · 256, 3)
    return hue, sat.astype(np.uint8).ravel(), rgb


_HUE_TABLE, _SAT_TABLE, _RGB_TABLE = _hsv_tables()


def shift_hsv(image: np.ndarray, dh: int, ds: int, dv: int) -> np.ndarray:
    """Add (dh, ds, dv) on OpenCV's 8-bit HSV scales (H 0..179 = degrees / 2, S and V 0..255); hue
    wraps around, S and V are clipped. (h, w, 3) uint8 RGB in and out.

    The arithmetic of OpenCV's uint8 round trip (cvtColor to HSV, shift, back), done with lookup tables
    over uint8 values instead of floating-point maths on whole images: H from max − min and one signed
    difference, S from (max, max − min), and each output channel as V' × a factor looked up by (H', S').
    Agrees with OpenCV to ±1 per channel; :func:`rgb_to_hsv`/:func:`hsv_to_rgb` are the plain-maths
    reference.
    """
    if dh == 0 and ds == 0 and dv == 0:
        return image
    cv = opencv()
    if cv is not None:  # the same round trip in OpenCV's SIMD code
        t = np.arange(256)
        lut = np.stack([(t + dh) % 180, np.clip(t + ds, 0, 255), np.clip(t + dv, 0, 255)], -1).astype(np.uint8)
        hsv = cv.LUT(cv.cvtColor(np.ascontiguousarray(image), cv.COLOR_RGB2HSV), lut[:, None])  # (256, 1, 3)
        return cv.cvtColor(hsv, cv.COLOR_HSV2RGB)
    r, g, b = image.transpose(2, 0, 1).astype(np.int16)  # planes (h, w)
    hi, lo = np.maximum(np.maximum(r, g), b), np.minimum(np.minimum(r, g), b)  # V and min
    d = hi - lo
    n = np.where(hi == r, g - b, np.where(hi == g, b - r + 2 * d, r - g + 4 * d))  # OpenCV's hue numerator
    hue = np.take(_HUE_TABLE, d.astype(np.int32) * 1531 + (n + 255))  # (h, w) H, 0..179
    sat_lut = np.clip(_SAT_TABLE.astype(np.int16) + ds, 0, 255).astype(np.uint16)
    sat = np.take(sat_lut, (hi << 8) | d)  # (h, w) S'
    hue = np.take(((np.arange(180) + dh) % 180).astype(np.uint16), hue)  # (h, w) H'
    out = np.take(_RGB_TABLE, (hue << 8) | sat, axis=0).reshape(image.shape)  # (h, w, 3) factors
    out *= np.clip(hi + dv, 0, 255).astype(np.float32)[..., None]  # × V'
    out += 0.5
    return out.astype(np.uint8)


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
