r"""Checks of outcomes and certificates on sparse markets, over edges only (no solver code).

A :class:`~markets.market.SparseMarket` lists the pairs that can match. An
absent pair can neither match nor block, so every condition of
:mod:`markets.certificate` is checked on the edges alone, in ``O(E)``:

1. the matching is a matching of the market (each customer at most once, each
   provider at most its capacity :math:`c_j`, every pair an edge);
2. :math:`p \ge 0` and :math:`p_i + p_j \ge w_{ij}` on every edge;
3. complementary slackness: :math:`p_i + p_j = w_{ij}` on matched pairs,
   :math:`p_i = 0` for unmatched customers, :math:`p_j = 0` for providers with
   a free seat;
4. :math:`\sum_X w_{ij} = \sum_i p_i + \sum_j c_j p_j`.

By weak duality (1)-(2) and (4) prove the matching optimal and the payoffs a
core point. Tolerances are ``tol`` times :math:`\max_e |w_e|` (1 for a market
without edges), per agent for the objective sum. This module shares no code
with the solvers (:mod:`markets.sparse_kernels`).

Examples
--------
>>> import numpy as np, scipy.sparse as sps
>>> from markets.market import as_market
>>> m = as_market(sps.csr_array(np.array([[4.0, 0.0], [2.0, 1.0]])))
>>> check_sparse_certificate(m, np.array([0, 1]), np.array([0, 1]), np.array([3.0, 1.0]), np.array([1.0, 0.0]))
5.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.errors import CertificateError, ValidationError

from .market import SparseMarket
from .validation import check_headroom

__all__ = ["check_sparse_certificate", "check_sparse_outcome", "edge_index", "sparse_scale"]


def sparse_scale(market: SparseMarket) -> float:
    """What tolerances are relative to: :math:`\\max_e |w_e|` (1 without edges or all zero)."""
    d = market.surplus.data
    s = float(np.abs(d).max()) if d.size else 0.0
    return s if s > 0 else 1.0


def edge_index(market: SparseMarket, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.int64]:
    """Position in CSR order of each pair ``(rows[k], cols[k])``, -1 where it is no edge (vectorised bisection)."""
    csr = market.surplus
    lo = csr.indptr[rows].astype(np.int64)
    hi = csr.indptr[rows + 1].astype(np.int64)
    end = hi.copy()
    idx = csr.indices
    while True:
        active = lo < hi
        if not active.any():
            break
        mid = (lo + hi) // 2
        go_right = active & (idx[np.minimum(mid, len(idx) - 1)] < cols)
        lo = np.where(go_right, mid + 1, lo)
        hi = np.where(active & ~go_right, mid, hi)
    found = (lo < end) & (idx[np.minimum(lo, max(len(idx) - 1, 0))] == cols) if len(idx) else np.zeros(len(rows), bool)
    return np.where(found, lo, -1)


def check_sparse_outcome(market: SparseMarket, matching: np.ndarray, p: np.ndarray, q: np.ndarray,
                         name: str = "outcome", tol: float = 1e-9) -> tuple[np.ndarray, ...]:
    """Validate that an outcome fits a sparse market; return (matching, p, q, loads, caps, edges).

    The same conditions and messages as :func:`markets.outcome.check_outcome`,
    on edges: a matching of the market whose pairs are edges, payoff vectors of
    the market's sizes, :math:`p_i + p_j = w_{ij}` on matched pairs and 0 for
    unmatched agents (to ``tol`` relative to :math:`\\max |w|`). ``edges`` holds
    the CSR position of each matched pair.
    """
    m, n = market.shape
    if p.shape != (m,) or q.shape != (n,):
        raise ValidationError(f"{name} has payoffs of sizes ({len(p)}, {len(q)}) but the market is "
                              f"{m} x {n} (the surplus's shape)")
    if p.size or q.size:
        big = max(float(np.abs(p).max(initial=0.0)), float(np.abs(q).max(initial=0.0)))
        check_headroom(f"{name} payoffs (customer_payoffs, provider_payoffs)", big, 5 * m + 3)
    mt = np.asarray(matching, dtype=np.int64).reshape(-1, 2)
    rows, cols = mt[:, 0], mt[:, 1]
    caps = np.ones(n, dtype=np.int64) if market.capacities is None else market.capacities
    if mt.size:
        if rows.min() < 0 or rows.max() >= m:
            bad = mt[(rows < 0) | (rows >= m)][0].tolist()
            raise ValidationError(f"{name}.matching pair {bad} names a customer outside 0..{m - 1}")
        if cols.min() < 0 or cols.max() >= n:
            bad = mt[(cols < 0) | (cols >= n)][0].tolist()
            raise ValidationError(f"{name}.matching pair {bad} names a provider outside 0..{n - 1}")
        counts = np.bincount(rows, minlength=m)
        if counts.max() > 1:
            raise ValidationError(f"{name}.matching is not a matching: customer {int(counts.argmax())} is matched "
                                  f"{int(counts.max())} times")
    loads = np.bincount(cols, minlength=n)
    if mt.size and np.any(loads > caps):
        j = int(np.argmax(loads > caps))
        raise ValidationError(f"{name}.matching is not a matching: provider {j} is matched {int(loads[j])} "
                              f"times but has capacity {int(caps[j])}")
    edges = edge_index(market, rows, cols)
    if np.any(edges < 0):
        bad = mt[edges < 0][0].tolist()
        raise ValidationError(f"{name}.matching pair {bad} is not an edge of the market "
                              "(an absent entry of surplus): it cannot match")
    order = np.argsort(rows, kind="stable")
    mt, edges = mt[order], edges[order]
    rows, cols = mt[:, 0], mt[:, 1]
    atol = tol * sparse_scale(market)
    wm = market.surplus.data[edges]
    gap = np.abs(p[rows] + q[cols] - wm)
    if gap.size and gap.max() > atol:
        k = int(gap.argmax())
        raise ValidationError(
            f"{name} payoffs are not feasible: pair {mt[k].tolist()} has p_i + p_j = "
            f"{float(p[rows[k]] + q[cols[k]])!r} but surplus {float(wm[k])!r} (transfers must be zero-sum)")
    free_c = np.ones(m, dtype=bool)
    free_c[rows] = False
    if np.any(np.abs(p[free_c]) > atol):
        i = int(np.flatnonzero(free_c & (np.abs(p) > atol))[0])
        raise ValidationError(f"{name} payoffs are not feasible: unmatched customer {i} has payoff "
                              f"{float(p[i])!r}, not 0")
    unused = loads == 0
    if np.any(np.abs(q[unused]) > atol):
        j = int(np.flatnonzero(unused & (np.abs(q) > atol))[0])
        raise ValidationError(f"{name} payoffs are not feasible: unmatched provider {j} has payoff "
                              f"{float(q[j])!r}, not 0")
    return mt, p, q, loads, caps, edges


def check_sparse_certificate(market: SparseMarket, rows: NDArray[np.int64], cols: NDArray[np.int64],
                             p: NDArray[np.float64], q: NDArray[np.float64], tol: float = 1e-9) -> float:
    """Raise :class:`~sim.errors.CertificateError` unless the matching and payoffs are optimal; return the welfare.

    See the module docstring for the conditions. ``q`` is per seat.
    """
    m, n = market.shape
    rows = np.asarray(rows, dtype=np.int64).ravel()
    cols = np.asarray(cols, dtype=np.int64).ravel()
    if p.shape != (m,) or q.shape != (n,) or rows.shape != cols.shape:
        raise CertificateError(f"certificate shapes do not fit a {m} x {n} market: payoffs {p.shape}, "
                               f"{q.shape}; pairs {rows.shape}, {cols.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        return _check(market, rows, cols, p, q, tol)


def _check(market, rows, cols, p, q, tol):
    m, n = market.shape
    if not (np.isfinite(p).all() and np.isfinite(q).all()):
        raise CertificateError("payoffs are not finite")
    cap = np.ones(n, dtype=np.int64) if market.capacities is None else market.capacities
    atol = tol * sparse_scale(market)
    csr = market.surplus
    # 1. a matching of this market
    if rows.size:
        if rows.min() < 0 or rows.max() >= m or cols.min() < 0 or cols.max() >= n:
            raise CertificateError("matched pair index out of range")
        if np.bincount(rows, minlength=m).max() > 1:
            raise CertificateError("a customer is matched twice")
    load = np.bincount(cols, minlength=n)
    if rows.size and (load > cap).any():
        raise CertificateError(f"provider {int(np.argmax(load > cap))} is over capacity")
    e = edge_index(market, rows, cols)
    if (e < 0).any():
        k = int(np.argmax(e < 0))
        raise CertificateError(f"matched pair ({int(rows[k])}, {int(cols[k])}) is not an edge of the market")
    # 2. dual feasibility, on edges (an absent pair cannot block)
    if m and p.min() < -atol:
        raise CertificateError(f"customer {int(p.argmin())} has negative payoff {float(p.min())!r}")
    if n and q.min() < -atol:
        raise CertificateError(f"provider {int(q.argmin())} has negative payoff {float(q.min())!r}")
    if csr.nnz:
        er = market.edge_rows()
        slack = p[er] + q[csr.indices] - csr.data
        k = int(slack.argmin())
        if slack[k] < -atol:
            i, j = int(er[k]), int(csr.indices[k])
            raise CertificateError(f"pair ({i}, {j}) blocks: p_i + p_j = {float(p[i] + q[j])!r} "
                                   f"< w = {float(csr.data[k])!r}")
    # 3. complementary slackness
    wm = csr.data[e]
    if rows.size:
        gap = np.abs(p[rows] + q[cols] - wm)
        k = int(gap.argmax())
        if gap[k] > atol:
            raise CertificateError(f"complementary slackness fails on matched pair ({rows[k]}, {cols[k]}): "
                                   f"p_i + p_j = {float(p[rows[k]] + q[cols[k]])!r} but w = {float(wm[k])!r}")
    if m:
        single = p.copy()
        single[rows] = -np.inf
        if single.max() > atol:
            i = int(single.argmax())
            raise CertificateError(f"unmatched customer {i} has payoff {float(p[i])!r}, not 0")
    if n:
        free = np.where(load < cap, q, -np.inf)
        if free.max() > atol:
            j = int(free.argmax())
            raise CertificateError(f"provider {j} has a free seat but payoff {float(q[j])!r}, not 0")
    # 4. equal objectives
    primal = float(wm.sum())
    dual = float(p.sum() + (q.sum() if market.capacities is None else cap.astype(np.float64) @ q))
    if abs(primal - dual) > atol * max(1, m + n):
        raise CertificateError(f"primal welfare {primal!r} != dual objective {dual!r}")
    return primal
