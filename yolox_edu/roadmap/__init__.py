"""The paper's roadmap (Table 2) made runnable: the six rungs, the ladder runner, and its CLI.

``rungs`` holds the switches (values only), ``ladder`` trains and evaluates every rung, ``cli`` registers
``yolox-edu anchors`` and ``yolox-edu ladder``. Figures are in ``yolox_edu.viz.roadmap``.
"""

from yolox_edu.roadmap.rungs import PAPER_SOURCE, RUNG_NAMES, RUNGS, Rung, rung_overrides, select_rungs

__all__ = ["Rung", "RUNGS", "RUNG_NAMES", "PAPER_SOURCE", "rung_overrides", "select_rungs"]
