"""Augmentations: hand-built cases, properties on random inputs, and parity with the official (oracle)."""

import random

import numpy as np
import pytest
import torch

from yolox_edu.data import (
    affine_boxes,
    affine_matrix,
    hflip,
    hsv_jitter,
    hsv_to_rgb,
    keep_boxes,
    letterbox_image,
    mixup,
    mosaic,
    pad_labels,
    random_affine,
    rgb_to_hsv,
    shift_hsv,
    train_transform,
    warp_affine,
)
from yolox_edu.preprocess import letterbox


def random_case(rng, h=60, w=80, n=5):
    image = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    xy = rng.uniform(0, [w - 10, h - 10], (n, 2))
    wh = rng.uniform(2, 30, (n, 2))
    boxes = np.concatenate([xy, np.minimum(xy + wh, [w, h])], 1).astype(np.float32)
    return image, boxes, rng.integers(0, 6, n)


def inside(boxes, hw):
    return bool((boxes >= 0).all() and (boxes[:, 0::2] <= hw[1]).all() and (boxes[:, 1::2] <= hw[0]).all())


def test_hflip_hand_case_and_twice_is_identity():
    image = np.zeros((4, 10, 3), np.uint8)
    image[:, 0] = 255
    boxes = np.array([[1, 0, 3, 2]], np.float32)
    out, ob = hflip(image, boxes)
    assert (out[:, 9] == 255).all() and (out[:, 0] == 0).all()
    np.testing.assert_array_equal(ob, [[7, 0, 9, 2]])
    back, bb = hflip(out, ob)
    np.testing.assert_array_equal(back, image)
    np.testing.assert_array_equal(bb, boxes)


def test_hflip_matches_torchvision_boxes():
    from torchvision import tv_tensors
    from torchvision.transforms.v2 import functional as TF
    image, boxes, _ = random_case(np.random.default_rng(0))
    tv = TF.horizontal_flip(tv_tensors.BoundingBoxes(torch.from_numpy(boxes), format="XYXY", canvas_size=(60, 80)))
    np.testing.assert_allclose(hflip(image, boxes)[1], tv.numpy(), atol=1e-5)


def test_identity_affine_is_identity():
    rng = np.random.default_rng(1)
    image, boxes, _ = random_case(rng)
    out, ob = random_affine(image, boxes, rng, degrees=0, translate=0, scale_range=(1, 1), shear=0)
    np.testing.assert_array_equal(out, image)
    np.testing.assert_allclose(ob, boxes, atol=1e-4)


def test_affine_hand_case_scale_and_translate():
    m = affine_matrix(scale=2.0, translate_px=(5, -3))
    boxes = np.array([[1, 2, 4, 6]], np.float32)
    np.testing.assert_allclose(affine_boxes(boxes, m, (100, 100)), [[7, 1, 13, 9]])
    # a 90-degree rotation turns a wide box into a tall one (hull of the rotated corners)
    rot = affine_matrix(degrees=90, translate_px=(0, 50))
    np.testing.assert_allclose(affine_boxes(np.array([[0, 0, 20, 10]], np.float32), rot, (100, 100)),
                               [[0, 30, 10, 50]], atol=1e-4)


@pytest.mark.parametrize("seed", range(5))
def test_random_affine_boxes_inside_and_follow_labels(seed):
    rng = np.random.default_rng(seed)
    image, boxes, labels = random_case(rng)
    out, ob = random_affine(image, boxes, rng, out_hw=(50, 70))
    assert out.shape == (50, 70, 3) and out.dtype == np.uint8
    assert inside(ob, (50, 70)) and len(ob) == len(labels)
    # a box's transformed centre stays inside its new box (labels follow their boxes, no reordering)
    rng2 = np.random.default_rng(seed)
    random_case(rng2)
    from yolox_edu.data import random_affine_matrix
    m = random_affine_matrix(rng2, (50, 70), scale_range=(0.1, 2.0))
    centers = np.c_[(boxes[:, :2] + boxes[:, 2:]) / 2, np.ones(len(boxes))] @ m.T
    visible = (centers[:, 0] > 0) & (centers[:, 0] < 70) & (centers[:, 1] > 0) & (centers[:, 1] < 50)
    assert ((ob[visible, 0] <= centers[visible, 0] + 1e-3) & (centers[visible, 0] <= ob[visible, 2] + 1e-3)).all()


def test_mosaic_hand_case():
    H, W = 40, 60
    imgs = [np.full((20, 30, 3), v, np.uint8) for v in (10, 20, 30, 40)]  # scale = min(40/20, 60/30) = 2
    boxes = [np.array([[0, 0, 10, 10]], np.float32)] * 4
    labels = [np.array([k]) for k in range(4)]
    canvas, ob, ol = mosaic(imgs, boxes, labels, (H, W), center=(50, 70))
    assert canvas.shape == (80, 120, 3)
    assert canvas[49, 69, 0] == 10 and canvas[49, 70, 0] == 20 and canvas[50, 69, 0] == 30 and canvas[50, 70, 0] == 40
    assert canvas[0, 0, 0] == 114 and canvas[79, 0, 0] == 114  # outside every quadrant: grey
    # image 0 ends at the centre: its origin is (70 - 60, 50 - 40) = (10, 10)
    np.testing.assert_allclose(ob, [[10, 10, 30, 30], [70, 10, 90, 30], [10, 50, 30, 70], [70, 50, 90, 70]])
    np.testing.assert_array_equal(ol, [0, 1, 2, 3])


@pytest.mark.parametrize("seed", range(3))
def test_mosaic_boxes_clipped_to_canvas(seed):
    rng = np.random.default_rng(seed)
    cases = [random_case(rng, int(rng.integers(20, 90)), int(rng.integers(20, 90))) for _ in range(4)]
    canvas, ob, ol = mosaic(*zip(*cases), (64, 64), center=(int(rng.integers(32, 96)), int(rng.integers(32, 96))))
    assert inside(ob, (128, 128)) and len(ob) == len(ol) == 20


def test_mixup_blends_and_concatenates():
    rng = np.random.default_rng(0)
    a = np.full((32, 32, 3), 100, np.uint8)
    b = np.full((16, 16, 3), 200, np.uint8)
    out, ob, ol = mixup(a, np.array([[1, 1, 5, 5]], np.float32), np.array([0]), b,
                        np.array([[0, 0, 8, 8]], np.float32), np.array([3]), rng, scale_range=(1, 1), flip_prob=0)
    assert out[0, 0, 0] == 150  # (100 + 200) / 2
    np.testing.assert_allclose(ob, [[1, 1, 5, 5], [0, 0, 16, 16]])  # other letterboxed by r = 2
    np.testing.assert_array_equal(ol, [0, 3])
    for seed in range(5):  # random jitter/crop keep boxes inside
        _, ob, _ = mixup(a, np.zeros((0, 4), np.float32), np.zeros(0, np.int64), b,
                         np.array([[0, 0, 16, 16]], np.float32), np.array([1]), np.random.default_rng(seed))
        assert inside(ob, (32, 32))


def test_hsv_reference_roundtrip_and_zero_shift():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (20, 20, 3), dtype=np.uint8)
    assert np.abs(hsv_to_rgb(rgb_to_hsv(image)).astype(int) - image).max() <= 5  # hue quantised to 2 degrees
    assert shift_hsv(image, 0, 0, 0) is image
    red = np.array([[[255, 0, 0]]], np.uint8)
    np.testing.assert_array_equal(rgb_to_hsv(red)[0, 0], [0, 255, 255])
    np.testing.assert_array_equal(shift_hsv(red, 60, 0, 0)[0, 0], [0, 255, 0])  # +120 degrees: green
    assert shift_hsv(red, 0, 0, -55)[0, 0, 0] == 200  # value -55


def test_hsv_jitter_deterministic_under_seed():
    image = np.random.default_rng(0).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    a = hsv_jitter(image, np.random.default_rng(7))
    np.testing.assert_array_equal(a, hsv_jitter(image, np.random.default_rng(7)))


def test_letterbox_image_matches_preprocess_letterbox():
    image = np.random.default_rng(0).integers(0, 256, (30, 50, 3), dtype=np.uint8)
    ours, r = letterbox_image(image, (64, 64))
    ref, r_ref = letterbox(image, (64, 64))
    assert r == pytest.approx(r_ref)
    assert ours.shape == (64, 64, 3) and (ours[39:, :, :] == 114).all()
    assert np.abs(ours.astype(float) - ref.permute(1, 2, 0).numpy()).mean() < 2.0


def test_pad_labels_and_keep_boxes():
    boxes = np.array([[0, 0, 10, 20], [5, 5, 6, 30], [1, 1, 3, 3]], np.float32)
    np.testing.assert_array_equal(keep_boxes(boxes), [True, False, True])  # shorter side 1 px is dropped
    t = pad_labels(boxes, np.array([2, 1, 0]), max_labels=4)
    assert t.shape == (4, 5) and t.dtype == torch.float32
    np.testing.assert_allclose(t[0].numpy(), [2, 5, 10, 10, 20])
    assert (t[3] == 0).all()
    assert pad_labels(np.zeros((200, 4), np.float32) + [0, 0, 4, 4], np.zeros(200, np.int64)).shape == (120, 5)


@pytest.mark.parametrize("seed", range(6))
def test_train_transform_contract_and_degenerate_dropped(seed):
    rng = np.random.default_rng(seed)
    image, boxes, labels = random_case(rng, 50, 90)
    boxes[0] = [10, 10, 10.5, 40]  # degenerate: 0.5 px wide
    img, t = train_transform(image, boxes, labels, (64, 64), rng)
    assert img.shape == (3, 64, 64) and img.dtype == torch.float32 and 0 <= img.min() and img.max() <= 255
    n = int((t[:, 3:] > 0).all(1).sum())
    assert t.shape == (120, 5) and n == int(keep_boxes(boxes * 64 / 90).sum()) and n < len(boxes)
    assert (t[n:] == 0).all() and (t[:n, 3:] > 1).all()
    x1, x2 = t[:n, 1] - t[:n, 3] / 2, t[:n, 1] + t[:n, 3] / 2
    assert (x1 >= -1e-4).all() and (x2 <= 64 + 1e-4).all()
    # labels follow their boxes: every output row matches a kept input box (flipped or not)
    kept = boxes[keep_boxes(boxes * 64 / 90)] * 64 / 90
    widths = sorted(t[:n, 3].tolist())
    np.testing.assert_allclose(widths, sorted((kept[:, 2] - kept[:, 0]).tolist()), atol=1e-3)


def test_train_transform_identity_without_jitter():
    rng = np.random.default_rng(0)
    image, boxes, labels = random_case(rng, 64, 64)
    img, t = train_transform(image, boxes, labels, (64, 64), rng, hsv_prob=0, flip_prob=0)
    np.testing.assert_array_equal(img.permute(1, 2, 0).numpy(), image)
    np.testing.assert_allclose(t[:5, 0].numpy(), labels)


def test_train_transform_falls_back_when_nothing_survives():
    image = np.zeros((32, 32, 3), np.uint8)
    img, t = train_transform(image, np.array([[1, 1, 1.5, 1.5]], np.float32), np.array([0]), (32, 32),
                             np.random.default_rng(0))
    assert (t == 0).all() and img.shape == (3, 32, 32)


@pytest.mark.oracle
def test_affine_matches_official():
    yolox_aug = pytest.importorskip("yolox.data.data_augment")
    cv2 = pytest.importorskip("cv2")
    random.seed(3)
    m_official, _ = yolox_aug.get_affine_matrix((400, 300), 10.0, 0.1, (0.5, 1.5), 2.0)
    random.seed(3)
    draws = [random.uniform(-10, 10), random.uniform(0.5, 1.5), random.uniform(-2, 2), random.uniform(-2, 2)]
    t = (random.uniform(-0.1, 0.1) * 400, random.uniform(-0.1, 0.1) * 300)
    m = affine_matrix(*draws, translate_px=t)
    np.testing.assert_allclose(m, m_official, atol=1e-12)
    rng = np.random.default_rng(0)
    image, boxes, labels = random_case(rng, 200, 300)
    targets = np.c_[boxes, labels].astype(np.float64)
    ref = yolox_aug.apply_affine_to_bboxes(targets.copy(), (400, 300), m_official, 1.0)[:, :4]
    np.testing.assert_allclose(affine_boxes(boxes, m, (300, 400)), ref, atol=1e-3)
    warped = cv2.warpAffine(image, m_official, dsize=(400, 300), borderValue=(114, 114, 114))
    assert np.abs(warp_affine(image, m, (300, 400)).astype(int) - warped).mean() < 1.5


@pytest.mark.oracle
def test_hsv_matches_opencv():
    cv2 = pytest.importorskip("cv2")
    image = np.random.default_rng(0).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    ref = cv2.cvtColor(image, cv2.COLOR_RGB2HSV).astype(int)
    diff = np.abs(rgb_to_hsv(image) - ref)
    assert diff.max() <= 1 and (diff > 0).mean() < 0.02
    shifted = ref.copy()
    shifted[..., 0] = (shifted[..., 0] + 4) % 180
    shifted[..., 1:] = np.clip(shifted[..., 1:] + [-20, 25], 0, 255)
    want = cv2.cvtColor(shifted.astype(np.uint8), cv2.COLOR_HSV2RGB).astype(int)
    assert np.abs(shift_hsv(image, 4, -20, 25).astype(int) - want).mean() < 2.0


@pytest.mark.oracle
def test_resize_matches_opencv_inter_linear():
    cv2 = pytest.importorskip("cv2")
    from yolox_edu.data import resize_image
    image = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    for size in [(100, 80), (20, 15), (53, 74)]:
        assert np.abs(resize_image(image, size).astype(int) - cv2.resize(image, size)).max() <= 1


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(4))
def test_mosaic_quadrants_match_official(seed):
    mosaicdetection = pytest.importorskip("yolox.data.datasets.mosaicdetection")
    rng = np.random.default_rng(seed)
    H, W = 48, 64
    sizes = [(int(rng.integers(10, 90)), int(rng.integers(10, 90))) for _ in range(4)]
    images = [np.full((h, w, 3), 10 * (k + 1), np.uint8) for k, (h, w) in enumerate(sizes)]
    boxes = [np.array([[0, 0, w, h]], np.float32) for h, w in sizes]
    yc, xc = int(rng.integers(H // 2, 3 * H // 2)), int(rng.integers(W // 2, 3 * W // 2))
    canvas, ob, _ = mosaic(images, boxes, [np.array([k]) for k in range(4)], (H, W), (yc, xc))
    for k, (h0, w0) in enumerate(sizes):
        s = min(H / h0, W / w0)
        h, w = int(h0 * s), int(w0 * s)
        (x1, y1, x2, y2), (sx1, sy1, _, _) = mosaicdetection.get_mosaic_coordinate(None, k, xc, yc, w, h, H, W)
        if x2 > x1 and y2 > y1:
            assert (canvas[y1:y2, x1:x2] == 10 * (k + 1)).all()
        want = np.clip([x1 - sx1, y1 - sy1, x1 - sx1 + w0 * s, y1 - sy1 + h0 * s], 0, [2 * W, 2 * H] * 2)
        np.testing.assert_allclose(ob[k], want, atol=1e-3)


@pytest.fixture(params=["pure", "opencv"])
def backend(request, monkeypatch):
    """Run a test on the pure numpy/PIL path and, when OpenCV is installed, on the accelerated path."""
    import yolox_edu.data.augment as augment
    if request.param == "opencv" and augment._cv2 is None:
        pytest.skip("OpenCV not installed")
    monkeypatch.setattr(augment, "USE_OPENCV", request.param == "opencv")
    return request.param


def smooth_image(rng, h, w):
    """A smooth random picture (bilinear upsampling of a coarse one): interpolation differences stay small."""
    from yolox_edu.data import resize_image
    return resize_image(rng.integers(0, 256, (max(2, h // 12), max(2, w // 12), 3), dtype=np.uint8), (w, h))


def test_shift_hsv_matches_plain_reference(backend):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    for dh, ds, dv in [(4, -20, 25), (-7, 30, 0), (0, 0, -40), (90, 0, 0)]:
        hsv = rgb_to_hsv(image)
        hsv[..., 0] = (hsv[..., 0] + dh) % 180
        hsv[..., 1:] = np.clip(hsv[..., 1:] + [ds, dv], 0, 255)
        diff = np.abs(shift_hsv(image, dh, ds, dv).astype(int) - hsv_to_rgb(hsv))
        assert diff.mean() < 1.0 and np.percentile(diff, 99) <= 3, (dh, ds, dv)
    grey = np.full((2, 2, 3), 100, np.uint8)
    np.testing.assert_array_equal(shift_hsv(grey, 30, 0, 20), grey + 20)  # no saturation: only V moves
    assert shift_hsv(image, 3, 0, 0).dtype == np.uint8 and not np.shares_memory(shift_hsv(image, 3, 0, 0), image)


@pytest.mark.parametrize("seed", range(3))
def test_mosaic_warp_equals_mosaic_then_warp(seed, backend):
    from yolox_edu.data import mosaic_warp, random_affine_matrix
    rng = np.random.default_rng(seed)
    H, W = 64, 96
    sizes = [(int(rng.integers(30, 150)), int(rng.integers(30, 150))) for _ in range(4)]
    images = [smooth_image(rng, h, w) for h, w in sizes]
    boxes = [np.array([[1, 2, w - 3, h - 1]], np.float32) for h, w in sizes]
    labels = [np.array([k]) for k in range(4)]
    center = (int(rng.integers(H // 2, 3 * H // 2)), int(rng.integers(W // 2, 3 * W // 2)))
    matrix = random_affine_matrix(rng, (H, W), scale_range=(0.5, 1.5))
    canvas, ref_boxes, ref_labels = mosaic(images, boxes, labels, (H, W), center)
    reference = warp_affine(canvas, matrix, (H, W))
    out, ob, ol = mosaic_warp(images, boxes, labels, (H, W), center, matrix)
    assert out.shape == (H, W, 3) and out.dtype == np.uint8
    diff = np.abs(out.astype(int) - reference)
    assert diff.mean() < 2.0 and np.median(diff) <= 1  # one interpolation instead of two; seams differ
    np.testing.assert_allclose(ob, affine_boxes(ref_boxes, matrix, (H, W)), atol=1e-4)
    np.testing.assert_array_equal(ol, ref_labels)


def test_mosaic_warp_identity_places_tiles_and_grey(backend):
    from yolox_edu.data import mosaic_warp
    imgs = [np.full((20, 30, 3), v, np.uint8) for v in (10, 20, 30, 40)]  # scale 2 on a (40, 60) input
    boxes = [np.zeros((0, 4), np.float32)] * 4
    out, _, _ = mosaic_warp(imgs, boxes, [np.zeros(0, np.int64)] * 4, (40, 60), (50, 70), affine_matrix(),
                            out_hw=(80, 120))
    assert out[49, 69, 0] == 10 and out[49, 70, 0] == 20 and out[50, 69, 0] == 30 and out[50, 70, 0] == 40
    assert out[0, 0, 0] == 114 and out[79, 0, 0] == 114  # no tile there: grey
    assert (out[12:48, 12:68] == 10).all()  # inside tile 0 (canvas 10..70 × 10..50), away from its edges


def test_to_chw_float_flip_and_train_transform_flip_paths_agree():
    from yolox_edu.data import to_chw_float
    image = np.random.default_rng(0).integers(0, 256, (5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_chw_float(image, flip=True).numpy(), image[:, ::-1].transpose(2, 0, 1))
    boxes, labels = np.array([[1, 1, 4, 4]], np.float32), np.array([2])
    flipped = None
    for seed in range(20):  # same image size as the input (flip in the last copy) vs a resize after the flip
        rng_a, rng_b = np.random.default_rng(seed), np.random.default_rng(seed)
        a, ta = train_transform(image, boxes, labels, (5, 7), rng_a, hsv_prob=0)
        b, tb = train_transform(np.ascontiguousarray(image[:, ::-1]), boxes, labels, (5, 7), rng_b, hsv_prob=0,
                                flip_prob=0)
        if ta[0, 1] != 2.5:  # this seed flipped: x-centre 2.5 → 7 - 2.5
            flipped = seed
            np.testing.assert_array_equal(a.numpy(), b.numpy())
            np.testing.assert_allclose(ta[0].numpy(), [2, 4.5, 2.5, 3, 3])
    assert flipped is not None
