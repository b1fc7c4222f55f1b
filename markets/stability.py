r"""Stability of an outcome in a market with transfers.

An outcome with payoffs :math:`p` is *stable* when

* it is individually rational: :math:`p_a \ge 0` for every agent, and
* no pair blocks: :math:`p_i + p_j \ge w_{ij}` for every pair that can match.

With capacities, provider :math:`j` blocks with customer :math:`i` through its
cheapest seat: a free seat (payoff 0) when it has one, else any seat (payoff
:math:`p_j` per seat). Comparisons allow ``tol`` times :math:`\max |w_{ij}|`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .market import MarketLike, SparseMarket
from .outcome import Outcome, check_outcome, market_for
from .sparse import sparse_blocking_pairs, sparse_irrational_agents, sparse_is_stable
from .validation import check_tol, tolerance_scale

__all__ = ["is_stable", "blocking_pairs", "irrational_agents"]


def _blocking(market, outcome, tol):
    mt, p, q, loads, caps = check_outcome(market, outcome, tol=max(tol, 1e-9))
    w = market.surplus
    atol = tol * tolerance_scale(w)
    seat_pay = np.where(loads < caps, 0.0, q)  # the seat a provider would free up to block
    block = (p[:, None] + seat_pay[None, :]) < (w - atol)
    if market.allowed is not None:
        block &= market.allowed
    return block, p, q, atol


def blocking_pairs(surplus: MarketLike, outcome: Outcome, tol: float = 1e-9) -> NDArray[np.int64]:
    """Pairs ``(i, j)`` with :math:`p_i + p_j < w_{ij}` (beyond the tolerance).

    Parameters
    ----------
    surplus : array_like (m, n), networkx.Graph or Market
        The market (see :func:`markets.as_market`); capacities default to the outcome's.
    outcome : Outcome
        Must fit the market: a matching of it with feasible payoffs
        (:math:`p_i + p_j = w_{ij}` on pairs, 0 for single agents).
    tol : float
        Relative tolerance (times :math:`\\max |w|`).

    Returns
    -------
    ndarray of int64, shape (b, 2)
        Blocking ``(customer, provider)`` pairs in row-major order.

    Raises
    ------
    ValidationError
        If the outcome's matching is not a matching of the market or its payoffs
        are not feasible.

    Examples
    --------
    >>> from markets import outcome_from_payoffs
    >>> w = [[4.0, 1.0], [2.0, 1.0]]
    >>> o = outcome_from_payoffs(w, [[0, 0], [1, 1]], [4.0, 0.0], [0.0, 1.0])
    >>> blocking_pairs(w, o).tolist()
    [[1, 0]]
    """
    tol = check_tol("tol", tol)
    market = market_for(surplus, outcome)
    if isinstance(market, SparseMarket):
        return sparse_blocking_pairs(market, outcome, tol)
    block, *_ = _blocking(market, outcome, tol)
    return np.argwhere(block).astype(np.int64)


def irrational_agents(surplus: MarketLike, outcome: Outcome, tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray]:
    """Customers and providers with a negative payoff (beyond the tolerance).

    Examples
    --------
    >>> from markets import outcome_from_payoffs
    >>> o = outcome_from_payoffs([[1.0]], [[0, 0]], [2.0], [-1.0])
    >>> [a.tolist() for a in irrational_agents([[1.0]], o)]
    [[], [0]]
    """
    tol = check_tol("tol", tol)
    market = market_for(surplus, outcome)
    if isinstance(market, SparseMarket):
        return sparse_irrational_agents(market, outcome, tol)
    mt, p, q, loads, caps = check_outcome(market, outcome, tol=max(tol, 1e-9))
    atol = tol * tolerance_scale(market.surplus)
    return np.flatnonzero(p < -atol), np.flatnonzero(q < -atol)


def is_stable(surplus: MarketLike, outcome: Outcome, tol: float = 1e-9) -> bool:
    """Whether ``outcome`` is stable: individually rational with no blocking pair.

    Parameters
    ----------
    surplus : array_like (m, n), networkx.Graph or Market
        The market; capacities default to the outcome's.
    outcome : Outcome
        Must fit the market (see :func:`blocking_pairs`).
    tol : float
        Relative tolerance (times :math:`\\max |w|`).

    Returns
    -------
    bool

    Examples
    --------
    >>> from markets import stable_outcome, outcome_from_payoffs
    >>> w = [[4.0, 1.0], [2.0, 1.0]]
    >>> is_stable(w, stable_outcome(w))
    True
    >>> is_stable(w, outcome_from_payoffs(w, [[0, 1], [1, 0]], [0.5, 1.0], [1.0, 0.5]))
    False
    """
    tol = check_tol("tol", tol)
    market = market_for(surplus, outcome)
    if isinstance(market, SparseMarket):
        return sparse_is_stable(market, outcome, tol)
    block, p, q, atol = _blocking(market, outcome, tol)
    if p.size and p.min() < -atol:
        return False
    if q.size and q.min() < -atol:
        return False
    return not block.any()
