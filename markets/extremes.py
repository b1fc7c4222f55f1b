r"""Moving a core point to an extreme of the core (the lattice of stable payoffs).

Fix an optimal matching :math:`\mu` and a core point :math:`(p^*, q^*)`. The
core is the set of provider payoffs :math:`q` satisfying difference constraints
(see :mod:`markets.core`); its pointwise smallest solution is the
customer-optimal core point. With :math:`(p^*, q^*)` as a potential every
reduced edge weight is a slack :math:`p^*_i + q^*_j - w_{ij} \ge 0`, so one
dense Dijkstra (:math:`O(n^2)`) reaches it. The provider-optimal point is the
same computation on the transposed market.

This module holds the computation alone so that both :func:`markets.stable_outcome`
(``point=``) and :func:`markets.core_extremes` use it without importing each other.
"""

from __future__ import annotations

import numpy as np

from .market import Market
from .outcome import Outcome

__all__ = ["extreme_payoffs", "lower_other_side", "per_provider", "seat_problem"]


def lower_other_side(w: np.ndarray, rows: np.ndarray, cols: np.ndarray, p: np.ndarray,
                     q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move a core point to the customer-optimal one (lowest provider payoffs).

    Parameters
    ----------
    w : ndarray, shape (m, n)
        Surplus (one-to-one; expand seats first for capacities).
    rows, cols : ndarray of int
        An optimal matching (positive-surplus pairs).
    p, q : ndarray
        A core point for that matching.

    Returns
    -------
    p_opt, q_min : ndarray
        The customer-optimal core point. Call with ``w.T`` and the roles
        swapped for the provider-optimal one.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[2.0]])
    >>> lower_other_side(w, np.array([0]), np.array([0]), np.array([0.5]), np.array([1.5]))
    (array([2.]), array([0.]))
    """
    m, n = w.shape
    if n == 0:
        return p.copy(), q.copy()
    slack = p[:, None] + q[None, :]
    slack -= w
    np.maximum(slack, 0.0, out=slack)  # rounding only; Dijkstra needs non-negative weights
    single = np.ones(m, dtype=bool)
    single[rows] = False
    d = q.copy()
    if single.any():
        np.minimum(d, slack[single].min(axis=0), out=d)
    owner = np.full(n, -1, dtype=np.int64)
    owner[cols] = rows
    work = d.copy()
    active = np.ones(n, dtype=bool)
    for _ in range(n):
        j = int(work.argmin())
        dj = work[j]
        if dj == np.inf:
            break
        d[j] = dj
        active[j] = False
        work[j] = np.inf
        i = owner[j]
        if i >= 0:
            np.minimum(work, slack[i] + dj, out=work, where=active)
    d = np.minimum(d, q)
    q_min = q - d
    p_opt = p.copy()
    p_opt[rows] = w[rows, cols] - q_min[cols]
    return p_opt, q_min


def seat_problem(market: Market, outcome: Outcome) -> tuple[np.ndarray, ...]:
    """Expand providers into seats: (w_seat, rows, seat_cols, p, q_seat, seat_provider)."""
    seat_provider = market.seat_provider()
    w = market.surplus[:, seat_provider]
    rows, cols = outcome.matching[:, 0], outcome.matching[:, 1]
    first = np.concatenate(([0], np.cumsum(market.capacities)[:-1]))
    # k-th customer of provider j sits in seat first[j] + k
    order = np.argsort(cols, kind="stable")
    rank = np.empty(len(cols), dtype=np.int64)
    sc = cols[order]
    start = np.searchsorted(sc, sc, side="left")
    rank[order] = np.arange(len(cols)) - start
    seats = first[cols] + rank
    return w, rows, seats, outcome.customer_payoffs, outcome.provider_payoffs[seat_provider], seat_provider


def per_provider(q_seat: np.ndarray, seat_provider: np.ndarray, n: int) -> np.ndarray:
    # core points pay all seats of a provider alike; min absorbs rounding
    q = np.full(n, np.inf)
    np.minimum.at(q, seat_provider, q_seat)
    q[np.isinf(q)] = 0.0  # providers without seats
    return q


def extreme_payoffs(market: Market, outcome: Outcome, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Customer- (side=0) or provider-optimal (side=1) payoffs from a stable outcome."""
    m, n = market.shape
    if market.capacities is None:
        w, rows, cols = market.surplus, outcome.matching[:, 0], outcome.matching[:, 1]
        p, q = outcome.customer_payoffs, outcome.provider_payoffs
        if side == 0:
            return lower_other_side(w, rows, cols, p, q)
        q2, p2 = lower_other_side(w.T, cols, rows, q, p)
        return p2, q2
    w, rows, seats, p, qs, seat_provider = seat_problem(market, outcome)
    if side == 0:
        p2, qs2 = lower_other_side(w, rows, seats, p, qs)
    else:
        qs2, p2 = lower_other_side(w.T, seats, rows, qs, p)
    q2 = per_provider(qs2, seat_provider, n)
    mt = outcome.matching
    p2[mt[:, 0]] = market.surplus[mt[:, 0], mt[:, 1]] - q2[mt[:, 1]]
    return p2, q2
