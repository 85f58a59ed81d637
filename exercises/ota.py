"""Exercise: OTA by Sinkhorn-Knopp, the assignment SimOTA approximates — notebook 06 ("Your turn").

SimOTA lets each gt take its k cheapest points and settles conflicts point by point. OTA (Ge et al., 2021)
poses the whole image at once as optimal transport: every gt is a supplier of k units of "label", one
background supplier holds the units left over, every point demands exactly one unit, and shipping a unit
from supplier s to point n costs cost[s, n]. Sinkhorn-Knopp finds the cheapest plan of the entropy-
regularised problem by alternately rescaling the plan to fit the demands and the supplies. Replace each
``raise NotImplementedError`` with your code, then grade it:

    yolox-edu grade ota                                 # in a terminal, from the course folder
    from yolox_edu.grading import check; check("ota")   # in the notebook

Use torch only. Shapes: S suppliers, D demanders; G gts, N points; the background is supplier row G.
"""

from __future__ import annotations

from torch import Tensor


def sinkhorn(cost: Tensor, supply: Tensor, demand: Tensor, epsilon: float = 0.1, iterations: int = 50) -> Tensor:
    """The transport plan that minimises Σ plan · cost − epsilon · entropy(plan), by Sinkhorn-Knopp.

    Args:
        cost: (S, D) float. It may hold very large values (SimOTA's 1e5 penalty): the plan is then ~0 there,
            and nothing may overflow, underflow to a 0/0, or turn into NaN.
        supply: (S,) float > 0; demand: (D,) float > 0; both have the same total.
        epsilon: the entropy weight (smaller: closer to the exact transport, more iterations needed).
        iterations: how many rounds of rescaling (a round fits both the demands and the supplies).

    Returns:
        (S, D) float32 plan >= 0 whose column sums equal ``demand`` (to 1e-4) and whose row sums approach
        ``supply`` as the iterations grow.

    Example:
        cost [[0, 9], [9, 0]], supply (1, 1), demand (1, 1), epsilon 0.1 → about [[1, 0], [0, 1]].
    """
    raise NotImplementedError


def ota_labels(cost: Tensor, ious: Tensor, background_cost: Tensor, epsilon: float = 0.1,
               iterations: int = 50) -> Tensor:
    """OTA's label for each point, from SimOTA's cost matrix plus a background supplier.

    Args:
        cost: (G, N) cost of labelling point n with gt g.
        ious: (G, N) IoUs; each gt supplies SimOTA's dynamic k units (the k of exercises/dynamic_k.py).
        background_cost: (N,) cost of labelling each point background. The background supplies the N − Σk
            units left; when the gts ask for more than N units in all, their supplies are scaled down to
            share the N points and the background supplies (almost) nothing.
        epsilon, iterations: as in ``sinkhorn``.

    Returns:
        (N,) int64: for each point the gt whose row of the plan sends it the most, or −1 where the
        background sends the most (ties: the lower gt; the background loses ties). G = 0 → all −1.

    Example:
        cost [[1, 2, 100, 100], [1.5, 100, 100, 100]], IoUs giving k = 1 for both, background cost
        (10, 10, 0, 0) → [1, 0, −1, −1] (SimOTA would give point 0 to gt 0 and leave gt 1 with nothing).
    """
    raise NotImplementedError
