"""Grading tests of every exercise, registered in ``harness.REGISTRY`` on import (one module per course part)."""

from yolox_edu.grading.suites import assign, boxes, data, evaluation, model  # noqa: F401
