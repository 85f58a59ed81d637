"""Drawing helpers and interactive explorers for the course."""

from yolox_edu.viz.draw import class_color, draw_detections

__all__ = ["draw_detections", "class_color"]
