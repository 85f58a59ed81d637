"""Where the bundled data lives: the one place that resolves it.

The course's small data (``synth`` shapes, ``photos``, the demo checkpoint) is the ``data_samples/``
folder of the repository. An installed wheel carries a copy inside the package
(``yolox_edu/data_samples``, put there by ``setup.py`` at build time), so a ``pip install`` works from any
folder; an editable install (``make``, ``pip install -e .``) reads the checkout's folder. The environment
variable ``YOLOX_EDU_DATA`` overrides both. Nothing heavy is imported here (the CLI's ``--help`` uses it)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DATA_ENV", "data_samples", "demo_checkpoint", "DEMO_CHECKPOINT"]

DATA_ENV = "YOLOX_EDU_DATA"
PACKAGED = Path(__file__).resolve().parent / "data_samples"  # inside an installed wheel
CHECKOUT = Path(__file__).resolve().parents[1] / "data_samples"  # next to the package in a source checkout
DEMO_CHECKPOINT = Path("demo") / "yolox_nano_shapes.pth"  # relative to data_samples


def data_samples() -> Path:
    """The bundled ``data_samples`` folder: ``$YOLOX_EDU_DATA``, else the wheel's copy, else the checkout's."""
    env = os.environ.get(DATA_ENV)
    if env:
        path = Path(env).expanduser()
        if not path.is_dir():
            raise FileNotFoundError(f"{DATA_ENV}={env} is not a folder; point it at a data_samples folder "
                                    "(with synth/, photos/ and demo/ inside) or unset it")
        return path
    for path in (PACKAGED, CHECKOUT):
        if path.is_dir():
            return path
    raise FileNotFoundError(
        f"bundled data not found (looked in {PACKAGED} and {CHECKOUT}): reinstall yolox_edu (pip install . or "
        f"pip install -e . from a checkout) or set {DATA_ENV} to a data_samples folder")


def demo_checkpoint() -> Path:
    """The shipped YOLOX-nano checkpoint trained on the bundled shapes (the demo preset)."""
    return data_samples() / DEMO_CHECKPOINT
