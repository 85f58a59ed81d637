"""The NMS explorer: the plain function equals torchvision/postprocess, and the widget redraws on changes."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from torchvision.ops import batched_nms  # noqa: E402

from yolox_edu.course import DEMO_CLASSES  # noqa: E402
from yolox_edu.decode import postprocess  # noqa: E402
from yolox_edu.viz import demo_predictions, explore_nms, nms_explorer, nms_view  # noqa: E402
from yolox_edu.viz.nms_explorer import greedy_nms  # noqa: E402


@pytest.fixture(scope="module")
def demo():
    return demo_predictions(0)  # (320, 320, 3) uint8, (A, 11)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_greedy_nms_hand_built_case():
    boxes = torch.tensor([[0.0, 0, 10, 10], [1, 0, 11, 10], [20, 20, 30, 30], [0, 1, 10, 11]])  # sorted by score
    groups = torch.tensor([0, 0, 0, 1])
    # box 1 overlaps box 0 with IoU 90/110 = 0.82 → removed by 0; box 3 is another class → kept
    assert greedy_nms(boxes, groups, 0.5).tolist() == [-1, 0, -1, -1]
    assert greedy_nms(boxes, torch.zeros(4, dtype=torch.int64), 0.5).tolist() == [-1, 0, -1, 0]
    assert greedy_nms(boxes, groups, 0.9).tolist() == [-1, -1, -1, -1]  # IoU 0.82 is not above 0.9


def test_a_suppressed_box_cannot_suppress():
    # 0 removes 1 (IoU 0.67); 1 would remove 2 (IoU 0.67), but it is gone, and 0 and 2 barely overlap
    boxes = torch.tensor([[0.0, 0, 10, 10], [2, 0, 12, 10], [4, 0, 14, 10]])
    assert greedy_nms(boxes, torch.zeros(3, dtype=torch.int64), 0.5).tolist() == [-1, 0, -1]


@pytest.mark.parametrize("score, iou, aware", [(0.3, 0.45, True), (0.05, 0.3, True), (0.05, 0.3, False),
                                               (0.01, 0.65, False)])
def test_kept_set_equals_torchvision_and_postprocess(demo, score, iou, aware):
    _, preds = demo
    outcome = explore_nms(preds, score, iou, aware)
    groups = outcome.labels if aware else torch.zeros_like(outcome.labels)
    reference = batched_nms(outcome.boxes, outcome.scores, groups, iou)
    assert sorted(outcome.keep_indices.tolist()) == sorted(reference.tolist())
    det = postprocess(preds[None], score, iou, class_agnostic=not aware)[0]
    kept = outcome.keep_indices
    torch.testing.assert_close(outcome.boxes[kept], det.boxes)
    torch.testing.assert_close(outcome.scores[kept], det.scores)
    assert outcome.labels[kept].tolist() == det.labels.tolist()
    assert len(outcome.scores) > len(kept) > 0  # something is suppressed: the test can tell


def test_class_agnostic_keeps_no_more_than_class_aware(demo):
    _, preds = demo
    aware, agnostic = explore_nms(preds, 0.05, 0.3, True), explore_nms(preds, 0.05, 0.3, False)
    assert int(agnostic.kept.sum()) < int(aware.kept.sum())


def test_view_returns_outcome_and_two_panel_figure(demo):
    image, preds = demo
    outcome, fig = nms_view(image, preds, 0.3, 0.45, True, DEMO_CLASSES)
    assert len(fig.axes) == 2
    assert "after NMS" in fig.axes[1].get_title()
    captions = [t.get_text() for t in fig.axes[1].texts]
    assert len(captions) == min(12, int(outcome.kept.sum()))
    assert all(c.split()[0] in DEMO_CLASSES for c in captions)


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="preds"):
        explore_nms(torch.zeros(10, 5))
    with pytest.raises(ValueError, match="iou_thresh"):
        explore_nms(torch.zeros(10, 11), iou_thresh=1.5)


def test_widget_redraws_when_values_change(demo):
    image, preds = demo
    box = nms_explorer(image, preds, DEMO_CLASSES)
    first = (box.status.value, box.output.outputs[0]["data"]["image/png"], int(box.outcome.kept.sum()))
    box.controls["score_thresh"].value = 0.05
    second = (box.status.value, box.output.outputs[0]["data"]["image/png"], int(box.outcome.kept.sum()))
    assert second[0] != first[0] and second[1] != first[1]
    assert second[2] > first[2]  # a lower score threshold lets more boxes through
    box.controls["class_aware"].value = False
    assert int(box.outcome.kept.sum()) < second[2]
    box.controls["iou_thresh"].value = 0.9
    expected = postprocess(preds[None], 0.05, 0.9, class_agnostic=True)[0]
    assert int(box.outcome.kept.sum()) == len(expected)
    assert "0.90" in box.status.value
