"""Exercise: dynamic k, the k cheapest candidates, and conflicts — notebook 06 ("Your turn").

Replace each ``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade dynamic_k                                   # in a terminal, from the course folder
    from yolox_edu.grading import check; check("dynamic_k")     # in the notebook

Use torch only. Shapes: G ground truths, N candidate points; ious, cost (G, N); k (G,) int64; matching
(G, N) bool; matched gt per point (N,) int64, -1 for background.
"""

from __future__ import annotations

from torch import Tensor


def dynamic_k(ious: Tensor, candidate_topk: int = 10) -> Tensor:
    """How many positives each gt gets: a gt whose candidates overlap it well gets more.

    Args:
        ious: (G, N) IoUs of each gt with the N candidates' predicted boxes.
        candidate_topk: how many of the best IoUs to sum (10).

    Returns:
        (G,) int64, SimOTA's k for each gt as notebook 06 explains it (never below 1; fewer than
        candidate_topk candidates is allowed).

    Example:
        a row (0.9, 0.8, 0.7, 0.1) → 2; a row of zeros → 1; with candidate_topk = 2 the first row → 1.
    """
    raise NotImplementedError


def select_lowest_cost(cost: Tensor, k: Tensor) -> Tensor:
    """Each gt takes its k cheapest candidates.

    Args:
        cost: (G, N) float; k: (G,) int64.

    Returns:
        (G, N) bool, k[g] True entries in row g at its lowest costs; equal costs: the lower point index is
        taken first (a stable sort).

    Example:
        cost row (2, 1, 1, 0), k = 2 → (False, True, False, True).
    """
    raise NotImplementedError


def resolve_conflicts(matching: Tensor, cost: Tensor) -> Tensor:
    """One gt per point.

    Args:
        matching: (G, N) bool from ``select_lowest_cost``; cost: (G, N).

    Returns:
        (N,) int64: the gt that took the point if only one did; if several did, the gt with the lowest cost
        for that point among ALL gts (as YOLOX 0.3.0; equal costs: the lower gt index); -1 if none did.
        G = 0 → all -1.

    Example:
        matching [[T, T, F], [F, T, F]], cost [[1, 5, 0], [2, 3, 0]] → (0, 1, -1).
    """
    raise NotImplementedError
