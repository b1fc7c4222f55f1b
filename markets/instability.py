r"""Subset Instability: the least total subsidy that makes an outcome stable.

Jagadeesan et al. (Def. 3.1) define, for an outcome with payoffs :math:`p`,

.. math::

    I = \min_{s \ge 0} \sum_a s_a \quad\text{s.t.}\quad
    p_a + s_a \ge 0,\quad (p_i + s_i) + (p_j + s_j) \ge w_{ij}\ \ \forall (i, j),

whose LP dual is the coalition form
:math:`I = \max_{S \subseteq A} [W(S) - \sum_{a \in S} p_a]`.

**One assignment solve.** Let :math:`t_a = \max(0, -p_a)` and :math:`p' = p + t
\ge 0`. Any feasible :math:`s` has :math:`s \ge t`, and :math:`s' = s - t \ge 0`
satisfies :math:`s'_i + s'_j \ge r_{ij} := w_{ij} - p'_i - p'_j`; conversely
:math:`t + s'` is feasible for every such :math:`s'`. Hence

.. math::

    I = \sum_a t_a + \min\{\textstyle\sum s' : s' \ge 0,\ s'_i + s'_j \ge r_{ij}\}
      = \sum_a \max(0, -p_a) + \max_X \sum_{(i,j) \in X} r^+_{ij},

the last step being LP duality for bipartite matching (the dual (D) of the
residual market :math:`r`). The solver's core payoffs of :math:`r` give the
optimal subsidies :math:`s = t + s'`, and the coalition of the matched pairs
with :math:`r_{ij} > 0` plus the agents with :math:`p_a < 0` attains the
maximum. Both are certified by the independent checker.

The residual of a near-stable outcome is mostly exact zeros, so the residual
market is solved as a sparse market of its positive entries (each agent free
to stay single; :func:`markets.kernels.sparse_matching`), whose searches cost
what they touch; dense solvers find these degenerate matrices 2 to 3 x harder
than the market itself.

With capacities the market is the seat market: a provider's served seats carry
its per-seat payoff and its free seats 0.

Floating point. Payoffs computed by any solver are stable only up to rounding,
so, exactly like :func:`markets.is_stable`, violations up to
``tol * max|w|`` are not counted: a payoff :math:`p_a \ge -\text{tol}` is not
subsidised and a residual :math:`r_{ij} \le \text{tol}` is treated as 0. Hence
``subset_instability(w, o, tol=t) == 0.0`` exactly when
``is_stable(w, o, tol=t)``, and otherwise the value is within
:math:`\min(m, n) \cdot \text{tol} \cdot \max|w|` of the exact one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .assignment import check_backend, solve_assignment
from .certificate import check_certificate
from .kernels import positive_rows, sparse_matching
from .market import MarketLike, SparseMarket
from .outcome import Outcome, check_outcome, market_for
from .sparse import sparse_subset_instability
from .validation import check_flag, check_tol, tolerance_scale

__all__ = ["subset_instability", "InstabilityCertificate"]


class InstabilityCertificate(NamedTuple):
    """Subset Instability with its optimal subsidies and a maximising coalition."""

    value: float
    #: optimal subsidy of each customer
    customer_subsidies: np.ndarray
    #: optimal subsidy of each provider (summed over its seats)
    provider_subsidies: np.ndarray
    #: customers in a coalition S attaining max_S [W(S) - sum_S p]
    coalition_customers: np.ndarray
    #: providers in that coalition
    coalition_providers: np.ndarray


def _sparse_residual(r):
    """Matching and core payoffs of the residual market r (>= 0) over its positive entries."""
    m, n = r.shape
    if m == 0 or n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(m), np.zeros(n)
    partner, sp, sq = sparse_matching(n, *positive_rows(r))
    rows = np.flatnonzero(partner >= 0)
    cols = partner[rows]
    # exact complementary slackness: single agents 0, matched pairs split along q
    single = np.ones(m, dtype=bool)
    single[rows] = False
    sp[single] = 0.0
    free = np.ones(n, dtype=bool)
    free[cols] = False
    sq[free] = 0.0
    rm = r[rows, cols]
    qc = np.minimum(sq[cols], rm)
    sq[cols] = qc
    sp[rows] = rm - qc
    return rows, cols, sp, sq


def subset_instability(surplus: MarketLike, outcome: Outcome, *, tol: float = 1e-9, return_certificate: bool = False,
                       verify: bool = True, backend: str | None = None) -> float | InstabilityCertificate:
    """The least total subsidy that makes ``outcome`` stable (Subset Instability).

    Parameters
    ----------
    surplus : array_like (m, n), networkx.Graph or Market
        The market the outcome is judged in (e.g. the true utilities' sum).
        Capacities default to the outcome's.
    outcome : Outcome
        Must fit the market (a matching of it, payoffs feasible:
        :math:`p_i + p_j = w_{ij}` on pairs, 0 for single agents).
    tol : float
        Relative tolerance (times :math:`\\max |w|`), as in :func:`markets.is_stable`.
    return_certificate : bool
        Also return the optimal subsidies and a maximising coalition.
    verify : bool
        Certify the residual assignment with the independent checker.
    backend : str, optional
        Assignment backend for the residual market. The default (``"auto"``)
        solves it as a sparse market of its positive entries
        (:func:`markets.kernels.sparse_matching`); a named dense backend solves
        the dense residual (measured 2 to 3 x slower: the residual is mostly
        exact zeros, a degenerate assignment problem for dense solvers).

    Returns
    -------
    float or InstabilityCertificate
        :math:`I \\ge 0`, which is 0 exactly at stable outcomes and at least the
        welfare gap :math:`\\max_X W(X) - W(\\text{outcome})`.

    Examples
    --------
    >>> from markets import stable_outcome, outcome_from_payoffs
    >>> w = [[4.0, 1.0], [2.0, 1.0]]
    >>> subset_instability(w, stable_outcome(w))
    0.0
    >>> bad = outcome_from_payoffs(w, [[0, 1], [1, 0]], [1.0, 2.0], [0.0, 0.0])
    >>> subset_instability(w, bad)
    3.0
    >>> cert = subset_instability(w, bad, return_certificate=True)
    >>> cert.coalition_customers.tolist(), cert.coalition_providers.tolist()
    ([0], [0])
    """
    tol = check_tol("tol", tol)
    return_certificate = check_flag("return_certificate", return_certificate)
    verify = check_flag("verify", verify)
    backend = check_backend("backend", backend)
    market = market_for(surplus, outcome)
    if isinstance(market, SparseMarket):  # over edges only (absent pairs cannot block)
        res = sparse_subset_instability(market, outcome, tol=tol, verify=verify)
        return InstabilityCertificate(*res) if return_certificate else res[0]
    mt, p, q, loads, caps = check_outcome(market, outcome, tol=max(tol, 1e-9))
    # the seat-market residual, the solver's copies of it and the certificate's slack
    market.check_work(8, "the residual market")
    w = market.surplus
    atol = tol * tolerance_scale(w)
    m, n = w.shape
    if market.capacities is None:
        seat_provider = None
        qs = q
        ws = w
    else:
        seat_provider = market.seat_provider()
        first = np.concatenate(([0], np.cumsum(caps)[:-1]))
        served = (np.arange(len(seat_provider)) - first[seat_provider]) < loads[seat_provider]
        qs = np.where(served, q[seat_provider], 0.0)
        ws = w[:, seat_provider]
    tp = np.where(p < -atol, -p, 0.0)
    tq = np.where(qs < -atol, -qs, 0.0)
    r = ws - (p + tp)[:, None]
    r -= (qs + tq)[None, :]
    np.copyto(r, 0.0, where=r <= atol)  # within rounding of stable: not a blocking pair (matches is_stable)
    if market.allowed is not None:
        # pairs that cannot match cannot block either
        r[~(market.allowed if seat_provider is None else market.allowed[:, seat_provider])] = 0.0
    if backend == "auto":
        rows, cols, sp, sq = _sparse_residual(r)
    else:
        rows, cols, sp, sq = solve_assignment(r, backend)
    if verify:
        check_certificate(r, rows, cols, sp, sq)
    value = float(tp.sum() + tq.sum() + r[rows, cols].sum())
    if not return_certificate:
        return value
    cust_sub = tp + sp
    seat_sub = tq + sq
    in_c = tp > 0
    in_c[rows] = True
    in_s = tq > 0
    in_s[cols] = True
    if seat_provider is None:
        prov_sub, in_p = seat_sub, in_s
    else:
        prov_sub = np.bincount(seat_provider, weights=seat_sub, minlength=n)
        in_p = np.bincount(seat_provider, weights=in_s, minlength=n) > 0
    return InstabilityCertificate(value, cust_sub, prov_sub, np.flatnonzero(in_c), np.flatnonzero(in_p))
