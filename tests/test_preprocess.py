import numpy as np
import pytest
import torch
from PIL import Image

from yolox_edu.preprocess import letterbox, letterbox_ratio, load_image, unletterbox_boxes


def test_letterbox_pads_top_left_with_grey():
    image = torch.full((3, 100, 200), 7, dtype=torch.uint8)
    out, r = letterbox(image, (320, 320))
    assert r == pytest.approx(1.6) and out.shape == (3, 320, 320)
    assert (out[:, :160, :320] == 7).all() and (out[:, 160:, :] == 114).all()


def test_letterbox_identity_at_ratio_one():
    image = torch.randint(0, 256, (3, 64, 96), dtype=torch.uint8)
    out, r = letterbox(image, (96, 96))
    assert r == 1.0 and torch.equal(out[:, :64, :], image.float()) and (out[:, 64:] == 114).all()
    hwc, _ = letterbox(image.permute(1, 2, 0).numpy(), (96, 96))
    assert torch.equal(hwc, out)


@pytest.mark.parametrize("hw", [(480, 640), (640, 427), (50, 50), (1000, 300)])
def test_box_round_trip(hw):
    r = letterbox_ratio(hw, (416, 416))
    boxes = torch.tensor([[10.0, 20.0, 40.0, 45.0], [0.0, 0.0, hw[1], hw[0]]])
    back = unletterbox_boxes(boxes * r, r, hw)
    assert torch.allclose(back, boxes, atol=1e-4)
    outside = unletterbox_boxes(torch.tensor([[-5.0, -5.0, 1e4, 1e4]]), r, hw)
    assert outside.tolist() == [[0.0, 0.0, float(hw[1]), float(hw[0])]]


def test_load_image_errors(tmp_path):
    Image.fromarray(np.zeros((5, 6, 3), np.uint8)).save(tmp_path / "ok.png")
    assert load_image(str(tmp_path / "ok.png")).shape == (3, 5, 6)
    (tmp_path / "bad.jpg").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="cannot read image .*bad.jpg"):
        load_image(str(tmp_path / "bad.jpg"))
    with pytest.raises(FileNotFoundError, match="nope.jpg"):
        load_image(str(tmp_path / "nope.jpg"))


def test_letterbox_of_a_read_only_image_at_the_input_size_warns_nothing():
    import warnings

    image = np.full((32, 32, 3), 7, np.uint8)
    image.setflags(write=False)  # e.g. np.asarray(PIL image)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out, r = letterbox(image, (32, 32))
    assert r == 1.0 and out.shape == (3, 32, 32) and float(out[0, 0, 0]) == 7.0
