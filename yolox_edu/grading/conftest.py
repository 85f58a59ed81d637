"""Loads the grading plugin (``yolox_edu.grading.plugin``) when pytest collects this package's tests."""

from __future__ import annotations

import pytest

PLUGIN = "yolox_edu.grading.plugin"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(PLUGIN):
        config.pluginmanager.import_plugin(PLUGIN)
