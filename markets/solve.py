r"""Stable outcomes of markets with transfers (Shapley-Shubik assignment games).

An outcome :math:`(X, \tau)` is stable when it is individually rational
(:math:`p_a \ge 0`) and has no blocking pair (:math:`p_i + p_j \ge w_{ij}`).
Stable matchings are exactly the maximum-weight matchings and stable payoffs
exactly the optimal solutions of the dual LP (D) (see
:mod:`markets.assignment`), so a stable outcome is an optimal primal-dual pair:
the fast solver returns both, and an independent checker
(:mod:`markets.certificate`) verifies them on every call unless told not to.
Transfers follow from payoffs: :math:`\tau_a = p_a - u_a(\mu_X(a))`, zero-sum
on each pair by complementary slackness.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import CertificateError

from .assignment import check_backend, integer_exact, solve_assignment, solve_dense
from .certificate import certify_solution, check_certificate
from .extremes import extreme_payoffs
from .kernels import value_range
from .market import Market, MarketLike, SparseMarket, as_market
from .outcome import Outcome, trusted_outcome
from .sparse import sparse_stable_outcome
from .validation import FLOAT_MAX, check_flag, check_memory, check_option, check_tol

__all__ = ["stable_outcome", "solve_market"]

_METHODS = ("auto", "sap", "lapjv", "scipy", "lp")
_EMPTY_PAIRS = np.zeros((0, 2), dtype=np.int64)
_POINTS = ("any", "customer", "provider")


def solve_market(market: Market, backend: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve a checked :class:`~markets.market.Market` (seat-expanded when capacitated).

    Returns rows, provider columns, customer payoffs and per-seat provider payoffs;
    the caller has checked the work fits in memory (:meth:`Market.check_work`).
    """
    w = market.surplus
    if market.capacities is None:
        return solve_assignment(w, backend)
    seat_provider = market.seat_provider()
    rows, seats, p, qs = solve_assignment(w[:, seat_provider], backend)
    n = w.shape[1]
    q = np.full(n, np.inf)
    np.minimum.at(q, seat_provider, qs)  # a core point pays all seats alike; min absorbs rounding
    q[np.isinf(q)] = 0.0
    cols = seat_provider[seats]
    wm = w[rows, cols]
    qc = np.minimum(q[cols], wm)
    p[rows] = wm - qc
    return rows, cols, p, q


def _direct(w: np.ndarray, verify: bool, tol: float) -> Outcome | None:
    """The outcome of a plain float64/int64 surplus array by the compiled solver, or None for the general path.

    Validates exactly what :func:`as_market` does for such an array (finite, float64 headroom
    for the sums the solver and checker form, memory) in one pass; anything it cannot
    accept goes back to the general path, which raises the package's error.
    """
    m, n = w.shape
    integer = w.dtype.kind in "iu"
    if w.dtype.kind in "iu" and w.dtype != np.int64:
        w = w.astype(np.int64)
    elif not w.flags.c_contiguous:
        w = np.ascontiguousarray(w)
    if w.size == 0:
        return None
    if integer or w.size <= 4096:  # one compiled pass beats two numpy reductions on integers and small markets
        lo, hi, finite = value_range(w)
    else:  # numpy's SIMD reductions, several times faster on large ones (NaN and inf survive max/min)
        lo, hi = w.min(), w.max()
        finite = integer or bool(np.isfinite(lo) and np.isfinite(hi))
    if not finite:
        return None
    big = max(hi, -lo)
    if integer:
        if not integer_exact(w, big):
            return None
    elif big > FLOAT_MAX / (min(m, n) + 3):
        return None
    # the transposed copy, the certificate's vectors and the outcome's (as Market.check_work(6) counts)
    check_memory("surplus shape", (m, n), 8 * 6 * m * n + 64 * (m + 2 * n), what="the solver")
    if hi > 0:
        rows, cols, p, q = solve_dense(w, hi)
        welfare = certify_solution(w, rows, cols, p, q, tol, big) if verify else w[rows, cols].sum().item()
        matching = np.empty((len(rows), 2), dtype=np.int64)
        matching[:, 0] = rows
        matching[:, 1] = cols
    else:  # nothing is worth matching
        p, q, welfare, matching = np.zeros(m, w.dtype), np.zeros(n, w.dtype), 0 if integer else 0.0, _EMPTY_PAIRS
    return trusted_outcome(matching, p, q, welfare)


def stable_outcome(surplus: MarketLike | None = None, *, customer_utils: ArrayLike | None = None,
                   provider_utils: ArrayLike | None = None, capacities: ArrayLike | None = None,
                   method: str = "auto", point: str = "any", verify: bool = True, tol: float = 1e-9,
                   backend: str | None = None) -> Outcome:
    """A stable outcome: an optimal matching with core payoffs, certified.

    Parameters
    ----------
    surplus : array_like (m, n), networkx.Graph or Market, optional
        Pair surplus :math:`w_{ij}` (customers x providers), or a bipartite graph
        whose edges carry ``weight`` (absent edges cannot match; nodes carry
        ``bipartite`` 0/1 and providers optionally ``capacity``).
    customer_utils, provider_utils : array_like (m, n), optional
        Give both instead of ``surplus`` (both indexed ``[customer, provider]``);
        the surplus is their sum and the outcome carries transfers.
    capacities : array_like of int (n,), optional
        Seats per provider; provider payoffs are then per seat.
    method : {"auto", "sap", "lapjv", "scipy", "lp"}
        ``"auto"``: the fastest combinatorial backend for the market's shape and
        value type (:func:`markets.assignment.choose_backend`); ``"lp"``: the
        cvxpy formulation solved by HiGHS (slow; a reference).
    point : {"any", "customer", "provider"}
        Which core point: whatever the solver finds (fastest), or the
        customer-optimal or provider-optimal one.
    verify : bool
        Check the certificate with the independent checker (cheap,
        one compiled :math:`O(mn)` pass). A failing certificate from another
        backend is retried with scipy; a second failure raises
        :class:`~sim.errors.CertificateError`.
    tol : float
        Relative tolerance of the certificate check.
    backend : str, optional
        Alias for ``method`` naming a combinatorial backend.

    Returns
    -------
    Outcome
        ``matching`` (pairs with positive surplus only), ``customer_payoffs``,
        ``provider_payoffs`` (a core point: non-negative, no blocking pair,
        complementary slackness), ``welfare`` and, with utilities, ``transfers``
        (payment from customer to provider on each matched pair). A surplus
        given as a numpy integer array (unit capacities, ``point="any"``,
        method ``"auto"`` or ``"sap"``) is solved in exact integer arithmetic
        (while :math:`\\max |w| (4 \\min(m, n) + 16) < 2^{62}`): its payoffs
        are int64, its welfare an ``int``, and its certificate is checked
        exactly. Other integer markets are solved in float64.

    Raises
    ------
    ValidationError, InputTypeError
        Bad input (non-finite, not 2-D, non-numeric, mismatched shapes...).

    Examples
    --------
    >>> o = stable_outcome([[4.0, 1.0], [2.0, 1.0]], point="customer")
    >>> o.matching.tolist(), o.welfare
    ([[0, 0], [1, 1]], 5.0)
    >>> o.customer_payoffs.tolist(), o.provider_payoffs.tolist()
    ([3.0, 1.0], [1.0, 0.0])
    >>> o = stable_outcome(customer_utils=[[1.0, 0.0]], provider_utils=[[1.0, 0.5]], point="provider")
    >>> o.matching.tolist(), o.provider_payoffs.tolist(), o.transfers.tolist()
    ([[0, 0]], [1.5, 0.0], [0.5])
    >>> import numpy as np
    >>> o = stable_outcome(np.array([[2**53, 1], [3, 2**53 - 1]]))   # integers: exact
    >>> o.welfare, o.customer_payoffs.dtype
    (18014398509481983, dtype('int64'))
    """
    check_option("method", method, _METHODS)
    check_option("point", point, _POINTS)
    verify = check_flag("verify", verify)
    if not (type(tol) is float and 0.0 <= tol < math.inf):  # the common case costs one comparison
        tol = check_tol("tol", tol)
    if backend is not None:
        method = check_backend("backend", backend)
    if (point == "any" and method in ("auto", "sap") and customer_utils is None and provider_utils is None
            and capacities is None and type(surplus) is np.ndarray and surplus.ndim == 2
            and (surplus.dtype == np.float64 or (surplus.dtype.kind in "iu" and surplus.dtype != np.uint64))):
        try:
            out = _direct(surplus, verify, tol)
        except CertificateError:  # the general path retries with scipy, and raises if that fails too
            out = None
        if out is not None:
            return out
    market = as_market(surplus, customer_utils=customer_utils, provider_utils=provider_utils,
                       capacities=capacities)
    if isinstance(market, SparseMarket):
        if method != "lp":  # edges only, O(E) memory; the LP reference is dense
            return sparse_stable_outcome(market, point=point, verify=verify, tol=tol)
        market = market.to_dense()
    # seat-expanded surplus, the solver's copies of it, the certificate's slack, the extreme's Dijkstra
    market.check_work(6, "the seat market" if market.capacities is not None else "the solver")
    w = market.surplus
    if method == "lp":
        from .lp import solve_lp  # cvxpy loads only when asked for
        rows, cols, p, q = solve_lp(market)
        # LP solvers return floats: the rounded matching and duals are re-certified always
        check_certificate(w, rows, cols, p, q, capacities=market.capacities, tol=tol)
    else:
        bk = check_backend("method", None if method == "auto" else method)
        rows, cols, p, q = solve_market(market, bk)
        if verify:
            try:
                check_certificate(w, rows, cols, p, q, capacities=market.capacities, tol=tol)
            except CertificateError:
                if bk == "scipy":
                    raise
                rows, cols, p, q = solve_market(market, "scipy")
                check_certificate(w, rows, cols, p, q, capacities=market.capacities, tol=tol)
    matching = np.empty((len(rows), 2), dtype=np.int64)
    matching[:, 0] = rows
    matching[:, 1] = cols
    welfare = float(w[rows, cols].sum())
    out = trusted_outcome(matching, p, q, welfare, None, market.capacities, market.customer_labels,
                          market.provider_labels)
    if point != "any":
        p, q = extreme_payoffs(market, out, 0 if point == "customer" else 1)
        if verify:
            check_certificate(w, rows, cols, p, q, capacities=market.capacities, tol=tol)
        out.customer_payoffs, out.provider_payoffs = p, q
    if market.customer_utils is not None:
        out.transfers = out.provider_payoffs[cols] - market.provider_utils[rows, cols]
    return out
