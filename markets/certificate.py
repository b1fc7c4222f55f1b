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
objective sum). This module deliberately shares no code with the solvers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import CertificateError, InputTypeError, ValidationError
from sim.validate import check_array

from .market import MarketLike, check_capacities  # input normalisation only; no solver code
from .outcome import Outcome, market_for
from .validation import check_tol

__all__ = ["check_certificate", "verify_outcome"]


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
    w = check_array("surplus", surplus, ndim=2)
    m, n = w.shape
    p = check_array("customer_payoffs", customer_payoffs, finite=False)
    q = check_array("provider_payoffs", provider_payoffs, finite=False)
    r = _indices("rows", rows)
    c = _indices("cols", cols)
    caps = check_capacities(capacities, n)
    cap = np.ones(n, dtype=np.int64) if caps is None else caps
    if allowed is not None:
        allowed = np.asarray(allowed)
        if allowed.dtype != bool or allowed.shape != (m, n):
            raise InputTypeError(f"allowed must be a boolean array of shape {(m, n)}, got dtype {allowed.dtype} "
                                 f"and shape {allowed.shape}")
    # Overflow (payoffs near the float64 limit) makes sums inf, which fails a check below: never a pass
    with np.errstate(over="ignore", invalid="ignore"):
        return _check(w, m, n, p, q, r, c, cap, caps is None, allowed, tol)


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


def _check(w, m, n, p, q, r, c, cap, unit, allowed, tol):
    if p.shape != (m,) or q.shape != (n,) or r.shape != c.shape:
        raise CertificateError(f"certificate shapes do not fit a {m} x {n} market: payoffs {p.shape}, "
                               f"{q.shape}; pairs {r.shape}, {c.shape}")
    if not (np.isfinite(p).all() and np.isfinite(q).all()):
        raise CertificateError("payoffs are not finite")
    scale = max(float(w.max()), -float(w.min())) if w.size else 0.0
    atol = tol * (scale if scale > 0 else 1.0)
    # (Written for low per-call overhead: ndarray methods, few reductions; it runs on every solve.)
    # 1. a matching of this market
    if r.size:
        if r.min() < 0 or r.max() >= m or c.min() < 0 or c.max() >= n:
            raise CertificateError("matched pair index out of range")
        if np.bincount(r, minlength=m).max() > 1:
            raise CertificateError("a customer is matched twice")
        load = np.bincount(c, minlength=n)
        over = load > cap
        if over.any():
            raise CertificateError(f"provider {int(over.argmax())} is over capacity")
        if allowed is not None and not allowed[r, c].all():
            raise CertificateError("a matched pair is not allowed")
    else:
        load = np.zeros(n, dtype=np.int64)
    # 2. dual feasibility
    if m and p.min() < -atol:
        raise CertificateError(f"customer {int(p.argmin())} has negative payoff {float(p.min())!r}")
    if n and q.min() < -atol:
        raise CertificateError(f"provider {int(q.argmin())} has negative payoff {float(q.min())!r}")
    if m and n:
        slack = p[:, None] + q[None, :]
        slack -= w
        if not unit and (cap == 0).any():
            slack[:, cap == 0] = np.inf  # a provider without a seat cannot take part in any pair
        worst = slack.argmin()
        if slack.flat[worst] < -atol:
            i, j = divmod(int(worst), n)
            raise CertificateError(f"pair ({i}, {j}) blocks: p_i + p_j = {float(p[i] + q[j])!r} "
                                   f"< w = {float(w[i, j])!r}")
    # 3. complementary slackness
    if r.size:
        gap = np.abs(p[r] + q[c] - w[r, c])
        k = int(gap.argmax())
        if gap[k] > atol:
            raise CertificateError(f"complementary slackness fails on matched pair ({r[k]}, {c[k]}): "
                                   f"p_i + p_j = {float(p[r[k]] + q[c[k]])!r} but w = {float(w[r[k], c[k]])!r}")
    if m:
        single = p.copy()
        single[r] = -np.inf
        if single.max() > atol:
            i = int(single.argmax())
            raise CertificateError(f"unmatched customer {i} has payoff {float(p[i])!r}, not 0")
    if n:
        free = np.where(load < cap, q, -np.inf)
        if free.max() > atol:
            j = int(free.argmax())
            raise CertificateError(f"provider {j} has a free seat but payoff {float(q[j])!r}, not 0")
    # 4. equal objectives
    primal = float(w[r, c].sum())
    dual = float(p.sum() + (q.sum() if unit else cap @ q))
    if abs(primal - dual) > atol * max(1, m + n):
        raise CertificateError(f"primal welfare {primal!r} != dual objective {dual!r}")
    return primal


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
    if outcome.shape != (m, n):
        raise ValidationError(f"outcome has payoffs of sizes {outcome.shape} but the market is {m} x {n} "
                              "(the surplus's shape)")
    mt = outcome.matching
    return check_certificate(market.surplus, mt[:, 0], mt[:, 1], outcome.customer_payoffs,
                             outcome.provider_payoffs, capacities=market.capacities,
                             allowed=market.allowed, tol=tol)
