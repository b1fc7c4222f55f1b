r"""The same problems as cvxpy linear programs: the reference, and a base for extra constraints.

* :func:`primal_lp`: (P) :math:`\max \sum_{ij} Z_{ij} w_{ij}` s.t. row sums
  :math:`\le 1`, column sums :math:`\le c_j`, :math:`Z \ge 0`.
* :func:`dual_lp`: (D) :math:`\min \sum_i p_i + \sum_j c_j q_j` s.t.
  :math:`p_i + q_j \ge w_{ij}`, :math:`p, q \ge 0` (the core payoffs, per seat).
* :func:`core_lp`: the core as a polytope, (D)'s constraints plus
  :math:`\sum_i p_i + \sum_j c_j q_j = W^*`, with a linear objective of your choice.
* :func:`subset_instability_lp`: Definition 3.1 of Jagadeesan et al. verbatim.

Pairs that cannot match (graph input) get no variable and no constraint.

Accuracy: cvxpy's default solver here (Clarabel, an interior-point method) is
accurate to about 1e-8 and returns fractional optimal faces; the default here
is HiGHS, whose simplex returns a vertex (an integral matching) with exact duals
(feasibility tolerances tightened to 1e-10, on a copy scaled to a largest surplus of 1).
:func:`solve_lp` rounds anyway and :func:`markets.stable_outcome` re-certifies
its result with the independent checker.
"""

from __future__ import annotations

from typing import NamedTuple

import cvxpy as cp
import numpy as np
from numpy.typing import ArrayLike

from sim.errors import InputTypeError, StratsimError, ValidationError
from sim.validate import check_array

from .market import Market, MarketLike, SparseMarket, as_market
from .outcome import Outcome, check_outcome, market_for
from .validation import check_option

__all__ = ["LP", "primal_lp", "dual_lp", "core_lp", "solve_lp", "subset_instability_lp",
           "DEFAULT_SOLVER"]

#: cvxpy solver used unless one is named.
DEFAULT_SOLVER = "HIGHS"


class LP(NamedTuple):
    """A cvxpy problem with its variables and named constraints."""

    problem: cp.Problem
    variables: dict
    constraints: dict


#: Working memory of a cvxpy/HiGHS problem per pair of the market, in float64s (measured: 35 to 60).
_LP_ARRAYS = 128


def _lp_market(surplus, capacities):
    market = as_market(surplus, capacities=capacities)
    if isinstance(market, SparseMarket):  # the LP reference is dense
        market = market.to_dense()
    market.check_work(_LP_ARRAYS, "the cvxpy problem")
    return market


def _check_solver(solver):
    if not isinstance(solver, str):
        raise InputTypeError(f"solver must be a cvxpy solver name (str), got {solver!r} ({type(solver).__name__})")
    return check_option("solver", solver.upper(), cp.installed_solvers())


def _pairs(market):
    m, n = market.shape
    if market.allowed is None:
        return np.repeat(np.arange(m), n), np.tile(np.arange(n), m)
    return np.nonzero(market.allowed)


def _caps(market):
    n = market.shape[1]
    return np.ones(n) if market.capacities is None else market.capacities.astype(float)


def primal_lp(surplus: MarketLike | None = None, *, capacities: ArrayLike | None = None) -> LP:
    """(P): the maximum-weight (many-to-one) matching LP.

    Returns
    -------
    LP
        ``variables["Z"]`` (m x n), constraints ``"rows"`` and ``"cols"`` (their
        dual values are the customers' and per-seat providers' payoffs).

    Examples
    --------
    >>> lp = primal_lp([[4.0, 1.0], [2.0, 1.0]])
    >>> round(float(lp.problem.solve(solver="HIGHS")), 9)
    5.0
    """
    market = _lp_market(surplus, capacities)
    w = market.surplus
    m, n = w.shape
    z = cp.Variable((m, n), nonneg=True)
    cons = {"rows": cp.sum(z, axis=1) <= 1, "cols": cp.sum(z, axis=0) <= _caps(market)}
    extra = []
    if market.allowed is not None:
        extra.append(z[~market.allowed] == 0)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(w, z))), [cons["rows"], cons["cols"], *extra])
    return LP(prob, {"Z": z}, cons)


def _dual_constraints(market, p, q):
    w = market.surplus
    i, j = _pairs(market)
    cons = [] if len(i) == 0 else [p[i] + q[j] >= w[i, j]]
    if market.capacities is not None and np.any(market.capacities == 0):
        cons.append(q[np.flatnonzero(market.capacities == 0)] == 0)  # a provider with no seat is single
    return cons


def dual_lp(surplus: MarketLike | None = None, *, capacities: ArrayLike | None = None) -> LP:
    """(D): the core-payoff LP (minimum total payoff with no blocking pair).

    Returns
    -------
    LP
        ``variables["p"]`` (m,), ``variables["q"]`` (n,, per seat).

    Examples
    --------
    >>> lp = dual_lp([[4.0, 1.0], [2.0, 1.0]])
    >>> round(float(lp.problem.solve(solver="HIGHS")), 9)
    5.0
    """
    market = _lp_market(surplus, capacities)
    m, n = market.shape
    p = cp.Variable(m, nonneg=True)
    q = cp.Variable(n, nonneg=True)
    cons = _dual_constraints(market, p, q)
    prob = cp.Problem(cp.Minimize(cp.sum(p) + _caps(market) @ q), cons)
    return LP(prob, {"p": p, "q": q}, {"no_blocking": cons})


def core_lp(surplus: MarketLike | None = None, customer_weights: ArrayLike | None = None,
            provider_weights: ArrayLike | None = None, *, capacities: ArrayLike | None = None,
            sense: str = "min", solver: str = DEFAULT_SOLVER) -> LP:
    """Optimise a linear function over the core.

    Solves (P) first for :math:`W^*`, then optimises
    ``customer_weights @ p + provider_weights @ q`` over the core.

    Returns
    -------
    LP
        Solved; ``variables["p"].value`` and ``variables["q"].value`` hold the core point.

    Examples
    --------
    >>> lp = core_lp([[4.0, 1.0], [2.0, 1.0]], [1.0, 1.0], [0.0, 0.0], sense="max")
    >>> np.round(lp.variables["p"].value, 9).tolist()
    [3.0, 1.0]
    """
    check_option("sense", sense, ("min", "max"))
    solver = _check_solver(solver)
    market = _lp_market(surplus, capacities)
    m, n = market.shape
    cw = _weights("customer_weights", customer_weights, m, "customer")
    pw = _weights("provider_weights", provider_weights, n, "provider")
    # an empty market has welfare 0 (and HiGHS cannot solve a problem with a zero-size variable)
    best = 0.0 if m == 0 or n == 0 else _solve(primal_lp(market).problem, solver)
    p = cp.Variable(m, nonneg=True)
    q = cp.Variable(n, nonneg=True)
    cons = _dual_constraints(market, p, q) + [cp.sum(p) + _caps(market) @ q <= best]
    obj = cw @ p + pw @ q
    prob = cp.Problem(cp.Minimize(obj) if sense == "min" else cp.Maximize(obj), cons)
    if m and n:
        _solve(prob, solver)
    else:  # no pair: the core is the single point 0 (and HiGHS refuses problems of zero-size variables)
        p.value, q.value = np.zeros(m), np.zeros(n)
    return LP(prob, {"p": p, "q": q}, {"core": cons})


def _weights(name, value, size, side):
    if value is None:
        return np.zeros(size)
    arr = check_array(name, value, ndim=1)
    if arr.shape != (size,):
        raise ValidationError(f"{name} must have one entry per {side} of the surplus ({size}), got shape {arr.shape}")
    return arr


#: HiGHS's default feasibility tolerances (1e-7) let a dual constraint be violated by a surplus
#: of 6e-8 on a market scaled to 1, which the certificate (tolerance 1e-9 x max|w|) rightly refuses.
_HIGHS_OPTIONS = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10}


def _solve(problem, solver):
    try:
        value = problem.solve(solver=solver, **(_HIGHS_OPTIONS if solver == "HIGHS" else {}))
    except (cp.error.SolverError, ValueError) as exc:
        raise StratsimError(f"cvxpy solver {solver!r} failed: {exc}") from None
    if problem.status not in ("optimal",):
        raise StratsimError(f"cvxpy solver {solver!r} returned status {problem.status!r}")
    return value


def solve_lp(surplus: MarketLike | None = None, *, capacities: ArrayLike | None = None,
             solver: str = DEFAULT_SOLVER) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Solve (P) with cvxpy; return the rounded matching and the constraint duals.

    Returns
    -------
    rows, cols : ndarray of int64
        Matched pairs with positive surplus (``Z > 1/2``).
    p, q : ndarray
        Dual values of the row and column constraints (core payoffs, per seat).

    Examples
    --------
    >>> rows, cols, p, q = solve_lp([[4.0, 1.0], [2.0, 1.0]])
    >>> rows.tolist(), cols.tolist(), round(float(p.sum() + q.sum()), 9)
    ([0, 1], [0, 1], 5.0)
    """
    solver = _check_solver(solver)
    market = _lp_market(surplus, capacities)
    w = market.surplus
    m, n = w.shape
    if m == 0 or n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(m), np.zeros(n)
    # LP solvers' tolerances are absolute (~1e-7): solve a power-of-two rescaled copy
    # (exact in floating point) so a market of 1e-100 or 1e100 is solved as well as one of 1.
    top = float(np.abs(w).max())
    scale = 2.0 ** int(np.frexp(top)[1]) if top > 0 else 1.0
    scaled = Market(w / scale, market.allowed, market.capacities)
    lp = primal_lp(scaled)
    _solve(lp.problem, solver)
    z = lp.variables["Z"].value
    rows, cols = np.nonzero((z > 0.5) & (w > 0))
    p = np.maximum(np.asarray(lp.constraints["rows"].dual_value, dtype=float).reshape(m), 0.0)
    q = np.maximum(np.asarray(lp.constraints["cols"].dual_value, dtype=float).reshape(n), 0.0)
    return rows.astype(np.int64), cols.astype(np.int64), p * scale, q * scale


def subset_instability_lp(surplus: MarketLike, outcome: Outcome, *, solver: str = DEFAULT_SOLVER) -> float:
    """Subset Instability by its defining LP (Jagadeesan et al., Def. 3.1).

    Examples
    --------
    >>> from markets import outcome_from_payoffs
    >>> w = [[4.0, 1.0], [2.0, 1.0]]
    >>> bad = outcome_from_payoffs(w, [[0, 1], [1, 0]], [1.0, 2.0], [0.0, 0.0])
    >>> round(subset_instability_lp(w, bad), 9)
    3.0
    """
    solver = _check_solver(solver)
    market = market_for(surplus, outcome)
    if isinstance(market, SparseMarket):  # the LP reference is dense
        market = market.to_dense()
    mt, p, q, loads, caps = check_outcome(market, outcome)
    market.check_work(_LP_ARRAYS, "the cvxpy problem")
    w = market.surplus
    m, n = w.shape
    if market.capacities is not None:
        seat_provider = market.seat_provider()
        first = np.concatenate(([0], np.cumsum(caps)[:-1]))
        served = (np.arange(len(seat_provider)) - first[seat_provider]) < loads[seat_provider]
        qs = np.where(served, q[seat_provider], 0.0)
        w = w[:, seat_provider]
        allowed = None if market.allowed is None else market.allowed[:, seat_provider]
    else:
        qs, allowed = q, market.allowed
    ns = w.shape[1]
    if m == 0 or ns == 0:  # no pair can block: only negative payoffs need subsidies (cvxpy refuses size-0 variables)
        return float(np.maximum(-p, 0.0).sum() + np.maximum(-qs, 0.0).sum())
    sp = cp.Variable(m, nonneg=True)
    sq = cp.Variable(ns, nonneg=True)
    cons = [p + sp >= 0, qs + sq >= 0]
    if m and ns:
        i, j = (np.repeat(np.arange(m), ns), np.tile(np.arange(ns), m)) if allowed is None else np.nonzero(allowed)
        if len(i):
            cons.append(p[i] + sp[i] + qs[j] + sq[j] >= w[i, j])
    prob = cp.Problem(cp.Minimize(cp.sum(sp) + cp.sum(sq)), cons)
    return float(_solve(prob, solver))
