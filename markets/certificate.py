r"""An independent checker of optimality certificates for assignment markets.

A matching :math:`X` and payoffs :math:`p` certify each other as optimal for
(P) and (D) (see :mod:`markets.assignment`) when

1. :math:`X` is a matching of the market (each customer at most once, each
   provider at most its capacity :math:`c_j`, only allowed pairs);
2. :math:`p` is dual feasible: :math:`p \ge 0` and :math:`p_i + p_j \ge w_{ij}`
   for every pair;
3. complementary slackness holds: :math:`p_i + p_j = w_{ij}` on matched pairs,
   :math:`p_i = 0` for unmatched customers, :math:`p_j = 0` for providers with a
   free seat;
4. the objectives agree: :math:`\sum_{X} w_{ij} = \sum_i p_i + \sum_j c_j p_j`.

(1)-(2) give :math:`\text{primal} \le \text{OPT} \le \text{dual}` by weak duality,
so (4) proves both optimal; (3) is then implied in exact arithmetic but is
checked on its own because it is what makes the payoffs an *outcome* (zero-sum
transfers). By Shapley-Shubik the payoffs are then a core point and the
outcome is stable.

All comparisons allow ``tol`` times :math:`\max_{ij} |w_{ij}|` (per agent for the
objective sum). A certificate given entirely in integers (an integer surplus
and integer payoffs, as :func:`markets.stable_outcome` returns for an integer
market) is checked exactly, in int64 arithmetic, and ``tol`` is not used.

Cost: one compiled pass over the pairs (the slack
:math:`p_i + p_j - w_{ij}` is never stored) plus :math:`O(m + n + k)` work.
This module deliberately shares no code with the solvers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import CertificateError, InputTypeError, ValidationError
from sim.validate import check_array

from .jit import jit
from .market import MarketLike, SparseMarket, check_capacities  # input normalisation only; no solver code
from .outcome import Outcome, market_for
from .sparse_check import check_sparse_certificate  # the sparse checker: no solver code either
from .validation import check_tol

__all__ = ["check_certificate", "certify_solution", "verify_outcome"]


def check_certificate(surplus: ArrayLike, rows: ArrayLike, cols: ArrayLike, customer_payoffs: ArrayLike,
                      provider_payoffs: ArrayLike, *, capacities: ArrayLike | None = None,
                      allowed: ArrayLike | None = None, tol: float = 1e-9) -> float:
    """Raise :class:`~sim.errors.CertificateError` unless the matching and payoffs are optimal.

    Parameters
    ----------
    surplus : ndarray, shape (m, n)
        Pair surplus, 0 for pairs that cannot match.
    rows, cols : array_like of int, shape (k,)
        Matched ``(customer, provider)`` pairs.
    customer_payoffs, provider_payoffs : ndarray, shapes (m,) and (n,)
        Candidate core payoffs (per seat for capacitated providers).
    capacities : ndarray of int, shape (n,), optional
        Seats per provider (default 1).
    allowed : ndarray of bool, shape (m, n), optional
        Pairs that may match (default all).
    tol : float
        Relative tolerance.

    Returns
    -------
    float
        The certified optimal welfare.

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[4.0, 1.0], [2.0, 1.0]])
    >>> check_certificate(w, [0, 1], [0, 1], np.array([3.0, 1.0]), np.array([1.0, 0.0]))
    5.0
    >>> check_certificate(w, [0, 1], [1, 0], np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    Traceback (most recent call last):
    ...
    sim.errors.CertificateError: pair (0, 0) blocks: p_i + p_j = 1.0 < w = 4.0
    """
    tol = check_tol("tol", tol)
    w, p, q = _exact_or_float(surplus, customer_payoffs, provider_payoffs)
    m, n = w.shape
    r = _indices("rows", rows)
    c = _indices("cols", cols)
    caps = check_capacities(capacities, n)
    cap = np.ones(n, dtype=np.int64) if caps is None else caps
    if w.dtype.kind == "i" and caps is not None and n:
        big = max((max(int(x.max()), -int(x.min())) for x in (w, p, q) if x.size), default=0)
        if big * (int(caps.max()) + 1) * (m + n + 4) >= _INT_ROOM:  # sum c_j q_j could leave int64
            w, p, q = (x.astype(np.float64) for x in (w, p, q))
    if allowed is not None:
        allowed = np.asarray(allowed)
        if allowed.dtype != bool or allowed.shape != (m, n):
            raise InputTypeError(f"allowed must be a boolean array of shape {(m, n)}, got dtype {allowed.dtype} "
                                 f"and shape {allowed.shape}")
    # Overflow (payoffs near the float64 limit) makes sums inf, which fails a check below: never a pass
    with np.errstate(over="ignore", invalid="ignore"):
        return _check(w, m, n, p, q, r, c, cap, caps is None, allowed, tol)


#: Integer certificates are checked in int64 when every magnitude times (m + n + 4) stays below this.
_INT_ROOM = 2**62


def _exact_or_float(surplus, customer_payoffs, provider_payoffs):
    """The three arrays as int64 when all are integer arrays with int64 headroom, else as float64."""
    arrays = [surplus, customer_payoffs, provider_payoffs]
    if all(isinstance(x, np.ndarray) and x.dtype.kind in "iu" for x in arrays):
        w, p, q = arrays
        if w.ndim == 2 and p.ndim == 1 and q.ndim == 1:
            terms = sum(w.shape) + 4
            big = max((max(int(x.max()), -int(x.min())) for x in arrays if x.size), default=0)
            if big * terms < _INT_ROOM:
                return w.astype(np.int64, copy=False), p.astype(np.int64, copy=False), q.astype(np.int64, copy=False)
    if isinstance(surplus, np.ndarray) and surplus.dtype.char == "d" and surplus.ndim == 2:
        w = surplus  # already what check_array would return, once shown finite (in _check)
        with np.errstate(over="ignore", invalid="ignore"):  # a sum of finite entries may overflow: then check each
            finite_sum = not w.size or np.isfinite(w.sum())
        if not finite_sum:
            w = check_array("surplus", surplus, ndim=2)  # raises, naming the entry
    else:
        w = check_array("surplus", surplus, ndim=2)
    p = check_array("customer_payoffs", customer_payoffs, finite=False)
    q = check_array("provider_payoffs", provider_payoffs, finite=False)
    return w, p, q


@jit
def _scan(w, p, q, r, c, cap, unit, atol):
    """One pass over the certificate; returns (failed check, index, index, primal welfare).

    Codes: 0 fine, 1 index out of range, 2 customer twice, 3 provider over capacity, 4 negative
    customer payoff, 5 negative provider payoff, 6 blocking pair, 7 complementary slackness on a
    pair, 8 single customer paid, 9 provider with a free seat paid, 10 objectives differ,
    11 a payoff is not finite.
    """
    m, n = w.shape
    k = r.size
    zero = np.zeros(1, w.dtype)[0]
    primal = zero
    seen = np.zeros(m, np.bool_)
    load = np.zeros(n, np.int64)
    for t in range(k):
        i = r[t]
        j = c[t]
        if i < 0 or i >= m or j < 0 or j >= n:
            return 1, t, 0, primal
        if seen[i]:
            return 2, i, 0, primal
        seen[i] = True
        load[j] += 1
    for j in range(n):
        if load[j] > (1 if unit else cap[j]):
            return 3, j, 0, primal
    for i in range(m):
        if p[i] - p[i] != 0:  # NaN or infinite
            return 11, i, 0, primal
        if p[i] < -atol:
            return 4, i, 0, primal
    for j in range(n):
        if q[j] - q[j] != 0:
            return 11, j, 0, primal
        if q[j] < -atol:
            return 5, j, 0, primal
    for i in range(m):
        pi = p[i]
        viol = False
        for j in range(n):  # a branch-free OR over the row (vectorised); the culprit is found only on failure
            viol |= pi + q[j] - w[i, j] < -atol
        if viol:
            for j in range(n):
                if pi + q[j] - w[i, j] < -atol and (unit or cap[j] > 0):  # a seatless provider never blocks
                    return 6, i, j, primal
    for t in range(k):
        i = r[t]
        j = c[t]
        x = w[i, j]
        primal += x
        g = p[i] + q[j] - x
        if g > atol or g < -atol:
            return 7, t, 0, primal
    for i in range(m):
        if not seen[i] and p[i] > atol:
            return 8, i, 0, primal
    dual = zero
    for i in range(m):
        dual += p[i]
    for j in range(n):
        cj = 1 if unit else cap[j]
        if load[j] < cj and q[j] > atol:
            return 9, j, 0, primal
        dual += cj * q[j]
    gap = primal - dual
    if gap > atol * max(1, m + n) or gap < -atol * max(1, m + n):
        return 10, 0, 0, primal
    return 0, 0, 0, primal


_NO_CAPS = np.zeros(0, dtype=np.int64)


def certify_solution(w: np.ndarray, rows: np.ndarray, cols: np.ndarray, p: np.ndarray, q: np.ndarray,
                     tol: float = 1e-9, magnitude: float | None = None) -> float | int:
    """:func:`check_certificate` of a solver's own arrays (unit capacities, every pair allowed), converting nothing.

    For callers holding a checked surplus (finite 2-D float64, or int64 within
    int64 headroom) and a solver's int64 index arrays and payoff vectors of
    the surplus's dtype; anything else belongs to :func:`check_certificate`.
    ``magnitude``, when given, is :math:`\\max |w_{ij}|` (saves two passes).

    Examples
    --------
    >>> import numpy as np
    >>> certify_solution(np.array([[3, 1]]), np.array([0]), np.array([0]), np.array([2]), np.array([1, 0]))
    3
    """
    m, n = w.shape
    return _check(w, m, n, p, q, rows, cols, _NO_CAPS, True, None, tol, magnitude)


def _indices(name, value):
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as exc:
        raise InputTypeError(f"{name} must be an integer array, got {type(value).__name__}: {exc}") from None
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == object or arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    return arr.astype(np.int64).ravel()


def _check(w, m, n, p, q, r, c, cap, unit, allowed, tol, magnitude=None):
    if p.shape != (m,) or q.shape != (n,) or r.shape != c.shape:
        raise CertificateError(f"certificate shapes do not fit a {m} x {n} market: payoffs {p.shape}, "
                               f"{q.shape}; pairs {r.shape}, {c.shape}")
    exact = w.dtype.kind == "i"
    if exact:
        atol = 0  # integers: every comparison exact
    else:
        if magnitude is not None:
            scale = float(magnitude)
        else:
            scale = max(float(w.max()), -float(w.min())) if w.size else 0.0
        atol = tol * (scale if scale > 0 else 1.0)
    if allowed is not None and r.size and r.min() >= 0 and c.min() >= 0 and r.max() < m and c.max() < n \
            and not allowed[r, c].all():
        raise CertificateError("a matched pair is not allowed")
    code, a, b, primal = _scan(w, p, q, r, c, cap, unit, atol)
    if code == 0:
        return int(primal) if exact else float(primal)
    if code == 11:
        raise CertificateError("payoffs are not finite")
    if code == 1:
        raise CertificateError("matched pair index out of range")
    if code == 2:
        raise CertificateError("a customer is matched twice")
    if code == 3:
        raise CertificateError(f"provider {a} is over capacity")
    if code == 4:
        raise CertificateError(f"customer {a} has negative payoff {p[a].item()!r}")
    if code == 5:
        raise CertificateError(f"provider {a} has negative payoff {q[a].item()!r}")
    if code == 6:
        raise CertificateError(f"pair ({a}, {b}) blocks: p_i + p_j = {(p[a] + q[b]).item()!r} "
                               f"< w = {w[a, b].item()!r}")
    if code == 7:
        i, j = r[a], c[a]
        raise CertificateError(f"complementary slackness fails on matched pair ({i}, {j}): "
                               f"p_i + p_j = {(p[i] + q[j]).item()!r} but w = {w[i, j].item()!r}")
    if code == 8:
        raise CertificateError(f"unmatched customer {a} has payoff {p[a].item()!r}, not 0")
    if code == 9:
        raise CertificateError(f"provider {a} has a free seat but payoff {q[a].item()!r}, not 0")
    dual = p.sum() + (q.sum() if unit else cap @ q)
    raise CertificateError(f"primal welfare {primal.item() if hasattr(primal, 'item') else primal!r} != "
                           f"dual objective {dual.item()!r}")


def verify_outcome(surplus: MarketLike, outcome: Outcome, *, tol: float = 1e-9) -> float:
    """Certify that ``outcome`` is an optimal matching with core payoffs for ``surplus``.

    Parameters
    ----------
    surplus : array_like, networkx.Graph or Market
        The market (see :func:`markets.as_market`).
    outcome : Outcome
    tol : float
        Relative tolerance.

    Returns
    -------
    float
        The certified optimal welfare.

    Raises
    ------
    CertificateError
        If any certificate condition fails.

    Examples
    --------
    >>> from markets import stable_outcome
    >>> w = [[4.0, 1.0], [2.0, 1.0]]
    >>> verify_outcome(w, stable_outcome(w))
    5.0
    """
    tol = check_tol("tol", tol)
    if not isinstance(outcome, Outcome):
        raise ValidationError(f"outcome must be a markets.Outcome, got {type(outcome).__name__}")
    market = market_for(surplus, outcome)
    m, n = market.shape
    if isinstance(market, SparseMarket) and outcome.shape == (m, n):
        mt = outcome.matching
        return check_sparse_certificate(market, mt[:, 0], mt[:, 1], outcome.customer_payoffs,
                                        outcome.provider_payoffs, tol=tol)
    if outcome.shape != (m, n):
        raise ValidationError(f"outcome has payoffs of sizes {outcome.shape} but the market is {m} x {n} "
                              "(the surplus's shape)")
    mt = outcome.matching
    return check_certificate(market.surplus, mt[:, 0], mt[:, 1], outcome.customer_payoffs,
                             outcome.provider_payoffs, capacities=market.capacities,
                             allowed=market.allowed, tol=tol)
