r"""The two extreme points of the core (the lattice of stable payoffs).

Fix an optimal matching :math:`\mu`. The core is the set of payoffs with
:math:`p \ge 0`, :math:`p_i + p_j \ge w_{ij}`, :math:`p_i + p_j = w_{ij}` on
matched pairs and 0 for unmatched agents (every optimal dual satisfies
complementary slackness with every optimal matching). Writing
:math:`p_i = w_{i\mu(i)} - q_{\mu(i)}` for matched customers, it is the set of
provider payoffs :math:`q` satisfying difference constraints (an edge
:math:`b \to a` of weight :math:`c` meaning :math:`q_a - q_b \le c`, with a
source :math:`0`, :math:`q_0 = 0`):

* :math:`j \to \mu(i)` of weight :math:`w_{i\mu(i)} - w_{ij}` (no blocking pair),
* :math:`0 \to \mu(i)` of weight :math:`w_{i\mu(i)}` (:math:`p_i \ge 0`),
* :math:`j \to 0` of weight :math:`\min(0, -\max_{i\ \mathrm{single}} w_{ij})`
  (:math:`q_j \ge 0`; single customers do not block),
* :math:`0 \to j` of weight 0 for unmatched :math:`j` (:math:`q_j = 0`).

Its pointwise smallest solution, :math:`q_j = -\mathrm{dist}(j, 0)`, is the
provider-pessimal and therefore customer-optimal core point. Given any core
point :math:`(p^*, q^*)` as a potential, the reduced weight of edge
:math:`j \to \mu(i)` is the slack :math:`p^*_i + q^*_j - w_{ij} \ge 0`, so one
dense Dijkstra (:math:`O(n^2)`, vectorised per step) gives
:math:`d_j = \mathrm{dist}(j, 0) + q^*_j` and :math:`q^{\min} = q^* - d`.
The provider-optimal point is the same computation with the roles swapped.

Shapley and Shubik show these extremes are the marginal contributions
:math:`W(A) - W(A \setminus \{a\})` of the favoured side (``method="marginal"``
computes them that way, with one assignment solve per agent), and every core
point lies coordinate-wise between them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.errors import ValidationError

from .assignment import check_backend, solve_assignment
from .certificate import check_certificate
from .extremes import extreme_payoffs, lower_other_side
from .market import MarketLike, SparseMarket, as_market
from .outcome import Outcome, trusted_outcome
from .solve import stable_outcome
from .sparse import sparse_core_extremes, sparse_marginal_contributions
from .validation import check_option

__all__ = ["CoreExtremes", "core_extremes", "marginal_contributions", "lower_other_side"]


class CoreExtremes(NamedTuple):
    """The customer-optimal and provider-optimal stable outcomes (same matching)."""

    customer_optimal: Outcome
    provider_optimal: Outcome


def core_extremes(surplus: MarketLike | None = None, *, capacities: ArrayLike | None = None, method: str = "dijkstra",
                  backend: str | None = None) -> CoreExtremes:
    """The customer-optimal and provider-optimal stable outcomes.

    Parameters
    ----------
    surplus : array_like (m, n), networkx.Graph or Market
        The market (see :func:`markets.as_market`).
    capacities : array_like of int (n,), optional
        Seats per provider.
    method : {"dijkstra", "marginal"}
        ``"dijkstra"``: one solve plus two shortest-path passes (:math:`O(mn)`
        each). ``"marginal"``: the marginal contributions
        :math:`W(A) - W(A \\setminus \\{a\\})`, one solve per agent, shared by
        both extremes (:math:`m + n + 2` solves in all; unit capacities only).
    backend : str, optional
        Assignment backend (see :func:`markets.assignment.solve_assignment`).

    Returns
    -------
    CoreExtremes
        ``customer_optimal`` (every customer gets its largest core payoff,
        every provider its smallest) and ``provider_optimal``; both certified.

    Examples
    --------
    >>> ext = core_extremes([[4.0, 1.0], [2.0, 1.0]])
    >>> ext.customer_optimal.customer_payoffs.tolist(), ext.customer_optimal.provider_payoffs.tolist()
    ([3.0, 1.0], [1.0, 0.0])
    >>> ext.provider_optimal.customer_payoffs.tolist(), ext.provider_optimal.provider_payoffs.tolist()
    ([0.0, 0.0], [4.0, 1.0])
    """
    check_option("method", method, ("dijkstra", "marginal"))
    backend = check_backend("backend", backend)
    market = as_market(surplus, capacities=capacities)
    if method == "marginal" and market.capacities is not None:
        raise ValidationError("method='marginal' needs unit capacities, but surplus or capacities gives providers "
                              f"capacities up to {int(market.capacities.max())}")
    if isinstance(market, SparseMarket):  # edges only: O(E log n) per extreme, or m + n + 1 sparse solves
        return CoreExtremes(*sparse_core_extremes(market, method))
    market.check_work(8, "the core's extreme points")
    base = stable_outcome(market, backend=backend)
    mt = base.matching
    # both sides' marginal contributions come from the same m + n + 1 solves
    marginals = marginal_contributions(market, backend=backend) if method == "marginal" else None
    out = []
    for side in (0, 1):
        if method == "dijkstra":
            p, q = extreme_payoffs(market, base, side)
        else:
            p, q = _marginal_extreme(market, base, side, marginals)
        check_certificate(market.surplus, mt[:, 0], mt[:, 1], p, q, capacities=market.capacities,
                          allowed=market.allowed)
        out.append(trusted_outcome(mt, p, q, base.welfare, None, market.capacities,
                                   market.customer_labels, market.provider_labels))
    return CoreExtremes(*out)


def marginal_contributions(surplus: MarketLike | None = None, *,
                           backend: str | None = None) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """:math:`W(A) - W(A \\setminus \\{a\\})` for every customer and every provider.

    Parameters
    ----------
    surplus : array_like (m, n), networkx.Graph or Market
        A market with unit capacities.
    backend : str, optional
        Assignment backend.

    Returns
    -------
    customers, providers : ndarray
        Marginal contributions of each customer and each provider.

    Examples
    --------
    >>> c, p = marginal_contributions([[4.0, 1.0], [2.0, 1.0]])
    >>> c.tolist(), p.tolist()
    ([3.0, 1.0], [4.0, 1.0])
    """
    backend = check_backend("backend", backend)
    market = as_market(surplus)
    if market.capacities is not None:
        raise ValidationError("marginal_contributions needs unit capacities, but surplus gives providers "
                              f"capacities up to {int(market.capacities.max())}")
    if isinstance(market, SparseMarket):
        return sparse_marginal_contributions(market)
    market.check_work(3, "the assignment solves")
    w = market.surplus
    m, n = w.shape

    def value(x):
        r, c, _, _ = solve_assignment(x, backend)
        return float(x[r, c].sum())

    total = value(w)
    cust = np.array([total - value(np.delete(w, i, axis=0)) for i in range(m)])
    prov = np.array([total - value(np.delete(w, j, axis=1)) for j in range(n)])
    return cust, prov


def _marginal_extreme(market, base, side, marginals):
    cust, prov = marginals
    mt = base.matching
    w = market.surplus
    m, n = w.shape
    p, q = np.zeros(m), np.zeros(n)
    if side == 0:
        p[mt[:, 0]] = cust[mt[:, 0]]
        q[mt[:, 1]] = w[mt[:, 0], mt[:, 1]] - cust[mt[:, 0]]
    else:
        q[mt[:, 1]] = prov[mt[:, 1]]
        p[mt[:, 0]] = w[mt[:, 0], mt[:, 1]] - prov[mt[:, 1]]
    return p, q
