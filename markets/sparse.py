r"""Sparse markets: stable outcomes, stability, instability and core extremes over edges only.

A :class:`~markets.market.SparseMarket` (from a ``scipy.sparse`` matrix or a
networkx graph, see :func:`markets.as_market`) lists the pairs that can match.
Everything here works on those edges and never forms an ``m x n`` array:
memory is ``O(E + m + n)``.

* Solve: the maximum-weight b-matching with core payoffs of
  :func:`markets.sparse_kernels.sparse_bmatching` (successive shortest paths
  with potentials; the potentials *are* an optimal dual, so no separate dual
  recovery is needed), on the edges of positive surplus scaled exactly by a
  power of two into :math:`[0, 1)`. Capacities are native (a provider's
  sink edge has capacity :math:`c_j`): no seat expansion. The result is
  certified by :mod:`markets.sparse_check`, which shares no code with it.
* Stability: :math:`p_i + p_j \ge w_{ij}` on edges only (an absent pair cannot
  block), :math:`p \ge 0`.
* Subset Instability: the one-solve reduction of :mod:`markets.instability`
  on the residual market :math:`r_e = w_e - p'_i - p'_j` restricted to edges.
  With capacities a provider becomes two residual providers, its served seats
  (at its per-seat payoff, capacity = load) and its free seats (payoff 0).
* Core extremes: the Dijkstra of :mod:`markets.extremes` over edges
  (:math:`O(E \log n)`), or marginal contributions by re-solving without each
  agent (``method="marginal"``: :math:`m + n + 1` sparse solves).

Examples
--------
>>> import scipy.sparse as sps
>>> import markets
>>> w = sps.csr_array(([4.0, 1.0, 2.0], ([0, 0, 1], [0, 1, 0])), shape=(2, 2))
>>> o = markets.stable_outcome(w, point="customer")
>>> o.matching.tolist(), o.welfare, o.customer_payoffs.tolist(), o.provider_payoffs.tolist()
([[0, 0]], 4.0, [2.0, 0.0], [2.0, 0.0])
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sps

from sim.errors import ValidationError

from .market import SparseMarket, as_market
from .outcome import Outcome, trusted_outcome
from .sparse_check import check_sparse_certificate, check_sparse_outcome, edge_index, sparse_scale
from .sparse_kernels import sparse_bmatching, sparse_lower_side

__all__ = ["sparse_blocking_pairs", "sparse_core_extremes", "sparse_irrational_agents", "sparse_is_stable",
           "sparse_marginal_contributions", "sparse_solve", "sparse_stable_outcome", "sparse_subset_instability",
           "sparse_verify_outcome"]


def _positive_csr(m, n, indptr, indices, data, caps):
    """The edges worth forming (w > 0, provider has a seat) as int64/float64 CSR arrays."""
    keep = data > 0
    if caps is not None:
        keep &= caps[indices] > 0
    if keep.all():
        return indptr.astype(np.int64), indices.astype(np.int64), data.astype(np.float64)
    rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(indptr))[keep]
    ip = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=ip[1:])
    return ip, indices[keep].astype(np.int64), data[keep].astype(np.float64)


def sparse_solve(m: int, n: int, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray,
                 caps: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Maximum-weight b-matching and core payoffs of CSR edges: (rows, cols, p, q per seat).

    Examples
    --------
    >>> import numpy as np
    >>> r, c, p, q = sparse_solve(1, 2, np.array([0, 2]), np.array([0, 1]), np.array([1.0, 3.0]), None)
    >>> r.tolist(), c.tolist(), p.tolist(), q.tolist()
    ([0], [1], [3.0], [0.0, 0.0])
    """
    ip, idx, w = _positive_csr(m, n, indptr, indices, data, caps)
    if w.size == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), np.zeros(m), np.zeros(n)
    top = float(w.max())
    ex = int(np.frexp(top)[1])
    ws = np.ldexp(w, -ex)  # exact: powers of two
    cap = np.ones(n, dtype=np.int64) if caps is None else np.maximum(caps, 1).astype(np.int64)
    partner, p, q = sparse_bmatching(n, ip, idx, ws, cap)
    p = np.ldexp(p, ex)
    q = np.ldexp(q, ex)
    rows = np.flatnonzero(partner >= 0).astype(np.int64)
    cols = partner[rows]
    return rows, cols, p, q


def _extreme(market, rows, cols, p, q, side):
    """Customer- (side 0) or provider-optimal (side 1) core point from a core point, over edges."""
    m, n = market.shape
    csr = market.surplus
    ip, idx, w = _positive_csr(m, n, csr.indptr, csr.indices, csr.data, market.capacities)
    er = np.repeat(np.arange(m, dtype=np.int64), np.diff(ip))
    slack = np.maximum(p[er] + q[idx] - w, 0.0)  # rounding only: Dijkstra needs non-negative weights
    cap = np.ones(n, dtype=np.int64) if market.capacities is None else market.capacities
    load = np.bincount(cols, minlength=n)
    wm = np.zeros(m)
    if rows.size:
        wm[rows] = p[rows] + q[cols]
    if side == 0:
        # lower provider payoffs: nodes providers, owners = their customers, adjacency = customers' edges
        d = q.copy()
        single = np.ones(m, dtype=bool)
        single[rows] = False
        se = single[er]
        np.minimum.at(d, idx[se], slack[se])
        order = np.argsort(cols, kind="stable")
        owner_ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(load, out=owner_ptr[1:])
        d = sparse_lower_side(d, owner_ptr, rows[order], ip, idx, slack)
        d = np.minimum(d, q)
        q2 = q - d
        p2 = np.zeros(m)
        p2[rows] = wm[rows] - q2[cols]
        return np.maximum(p2, 0.0), q2
    # lower customer payoffs: nodes customers, owner = its provider, adjacency = providers' edges (CSC)
    e = np.zeros(m)
    e[:] = p
    free = load < cap
    fe = free[idx]
    np.minimum.at(e, er[fe], slack[fe])
    order = np.argsort(idx, kind="stable")
    adj_ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(idx, minlength=n), out=adj_ptr[1:])
    owner = np.full(m, -1, dtype=np.int64)
    owner[rows] = cols
    has = owner >= 0
    owner_ptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(has.astype(np.int64), out=owner_ptr[1:])
    e = sparse_lower_side(e, owner_ptr, owner[has], adj_ptr, er[order], slack[order])
    e = np.minimum(e, p)
    # a core point pays all seats of a provider alike: the smallest raise absorbs rounding
    q2 = np.full(n, np.inf)
    np.minimum.at(q2, cols, q[cols] + e[rows])
    q2[~np.isfinite(q2) | free] = 0.0
    q2[free] = 0.0
    p2 = np.zeros(m)
    p2[rows] = wm[rows] - q2[cols]
    return np.maximum(p2, 0.0), q2


def _exact_split(market, rows, cols, p, q):
    """Matched pairs split their surplus along q exactly (complementary slackness without rounding)."""
    csr = market.surplus
    wm = csr.data[edge_index(market, rows, cols)]
    q = q.copy()
    n = market.shape[1]
    low = np.full(n, np.inf)
    np.minimum.at(low, cols, wm)
    q = np.minimum(q, np.where(np.isfinite(low), low, q))
    p = np.zeros_like(p)
    p[rows] = wm - q[cols]
    return p, q, float(wm.sum())


def sparse_stable_outcome(market: SparseMarket, *, point: str = "any", verify: bool = True,
                          tol: float = 1e-9) -> Outcome:
    """:func:`markets.stable_outcome` of a sparse market (validated arguments).

    Examples
    --------
    >>> import scipy.sparse as sps
    >>> from markets.market import as_market
    >>> o = sparse_stable_outcome(as_market(sps.csr_array([[0.0, 2.0], [1.0, 0.0]])))
    >>> o.matching.tolist(), o.welfare
    ([[0, 1], [1, 0]], 3.0)
    """
    m, n = market.shape
    market.check_work(12, "the sparse solver")
    csr = market.surplus
    rows, cols, p, q = sparse_solve(m, n, csr.indptr, csr.indices, csr.data, market.capacities)
    if point != "any":
        p, q = _extreme(market, rows, cols, p, q, 0 if point == "customer" else 1)
    p, q, welfare = _exact_split(market, rows, cols, p, q)
    if verify:
        welfare = check_sparse_certificate(market, rows, cols, p, q, tol=tol)
    matching = np.empty((len(rows), 2), dtype=np.int64)
    matching[:, 0] = rows
    matching[:, 1] = cols
    return trusted_outcome(matching, p, q, welfare, None, market.capacities, market.customer_labels,
                           market.provider_labels)


def _fits(market, outcome, tol):
    if not isinstance(outcome, Outcome):
        raise ValidationError(f"outcome must be a markets.Outcome, got {type(outcome).__name__}")
    return check_sparse_outcome(market, outcome.matching, outcome.customer_payoffs, outcome.provider_payoffs,
                                tol=max(tol, 1e-9))


def _block_mask(market, outcome, tol):
    mt, p, q, loads, caps, _ = _fits(market, outcome, tol)
    atol = tol * sparse_scale(market)
    csr = market.surplus
    seat_pay = np.where(loads < caps, 0.0, q)  # the seat a provider would free up to block
    er = market.edge_rows()
    block = (p[er] + seat_pay[csr.indices]) < (csr.data - atol)
    return block, p, q, atol


def sparse_blocking_pairs(market: SparseMarket, outcome: Outcome, tol: float = 1e-9) -> np.ndarray:
    """Blocking edges ``(i, j)`` in row-major order (see :func:`markets.blocking_pairs`)."""
    block, *_ = _block_mask(market, outcome, tol)
    out = np.empty((int(block.sum()), 2), dtype=np.int64)
    out[:, 0] = market.edge_rows()[block]
    out[:, 1] = market.surplus.indices[block]
    return out


def sparse_irrational_agents(market: SparseMarket, outcome: Outcome, tol: float = 1e-9) -> tuple[np.ndarray, ...]:
    """Customers and providers with a negative payoff (see :func:`markets.irrational_agents`)."""
    _, p, q, *_ = _fits(market, outcome, tol)
    atol = tol * sparse_scale(market)
    return np.flatnonzero(p < -atol), np.flatnonzero(q < -atol)


def sparse_is_stable(market: SparseMarket, outcome: Outcome, tol: float = 1e-9) -> bool:
    """Individually rational with no blocking edge (see :func:`markets.is_stable`)."""
    block, p, q, atol = _block_mask(market, outcome, tol)
    if p.size and p.min() < -atol:
        return False
    if q.size and q.min() < -atol:
        return False
    return not block.any()


def sparse_verify_outcome(market: SparseMarket, outcome: Outcome, tol: float = 1e-9) -> float:
    """:func:`markets.verify_outcome` on a sparse market: the certified welfare."""
    if not isinstance(outcome, Outcome):
        raise ValidationError(f"outcome must be a markets.Outcome, got {type(outcome).__name__}")
    m, n = market.shape
    if outcome.shape != (m, n):
        raise ValidationError(f"outcome has payoffs of sizes {outcome.shape} but the market is {m} x {n} "
                              "(the surplus's shape)")
    mt = outcome.matching
    return check_sparse_certificate(market, mt[:, 0], mt[:, 1], outcome.customer_payoffs,
                                    outcome.provider_payoffs, tol=tol)


def sparse_subset_instability(market: SparseMarket, outcome: Outcome, *, tol: float = 1e-9,
                              verify: bool = True) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Subset Instability over edges: (value, customer subsidies, provider subsidies, coalition customers, providers).

    See :func:`markets.subset_instability`; absent pairs cannot block, so the
    residual market has the market's edges only.
    """
    mt, p, q, loads, caps, _ = _fits(market, outcome, tol)
    market.check_work(16, "the residual market")
    m, n = market.shape
    atol = tol * sparse_scale(market)
    csr = market.surplus
    er = market.edge_rows()
    ec = csr.indices
    tp = np.where(p < -atol, -p, 0.0)
    pp = p + tp
    # residual providers: n "served" (seat payoff q, capacity = load) then n "free" (payoff 0, capacity c - load)
    tq = np.where((q < -atol) & (loads > 0), -q, 0.0)
    served_pay = q + tq
    free_cap = caps - loads
    r_served = csr.data - pp[er] - served_pay[ec]
    r_free = csr.data - pp[er]
    ok_s = (r_served > atol) & (loads[ec] > 0)
    ok_f = (r_free > atol) & (free_cap[ec] > 0)
    rows = np.concatenate((er[ok_s], er[ok_f]))
    cols = np.concatenate((ec[ok_s], ec[ok_f] + n))
    vals = np.concatenate((r_served[ok_s], r_free[ok_f]))
    rcap = np.concatenate((loads, free_cap)).astype(np.int64)
    order = np.lexsort((cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    ip = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=ip[1:])
    resid = as_market(sps.csr_array((vals, cols, ip), shape=(m, 2 * n)), capacities=rcap)
    rr, rc, sp, sq = sparse_solve(m, 2 * n, ip, cols, vals, rcap)
    sp, sq, matched = _exact_split(resid, rr, rc, sp, sq)
    if verify:
        matched = check_sparse_certificate(resid, rr, rc, sp, sq, tol=tol)
    value = float(tp.sum() + float(loads @ tq) + matched)
    cust_sub = tp + sp
    prov_sub = loads * tq + rcap[:n] * sq[:n] + rcap[n:].astype(np.float64) * sq[n:]
    in_c = tp > 0
    in_c[rr] = True
    in_p = tq > 0
    in_p[rc % n] = True
    return value, cust_sub, prov_sub.astype(float), np.flatnonzero(in_c), np.flatnonzero(in_p)


def sparse_core_extremes(market: SparseMarket, method: str = "dijkstra") -> tuple[Outcome, Outcome]:
    """Customer- and provider-optimal stable outcomes of a sparse market, both certified.

    ``"dijkstra"``: one solve and two Dijkstra passes over edges
    (:math:`O(E \\log n)` each). ``"marginal"``: :math:`W(A) - W(A \\setminus
    \\{a\\})` by one sparse re-solve per agent (:math:`m + n + 1` solves; unit
    capacities only).
    """
    base = sparse_stable_outcome(market)
    mt = base.matching
    rows, cols = mt[:, 0], mt[:, 1]
    out = []
    if method == "marginal":
        cust, prov = sparse_marginal_contributions(market)
    for side in (0, 1):
        if method == "dijkstra":
            p, q = _extreme(market, rows, cols, base.customer_payoffs, base.provider_payoffs, side)
        else:
            m, n = market.shape
            p, q = np.zeros(m), np.zeros(n)
            wm = base.customer_payoffs[rows] + base.provider_payoffs[cols]
            if side == 0:
                p[rows] = cust[rows]
                q[cols] = wm - cust[rows]
            else:
                q[cols] = prov[cols]
                p[rows] = wm - prov[cols]
        p, q, _ = _exact_split(market, rows, cols, p, q)
        check_sparse_certificate(market, rows, cols, p, q)
        out.append(trusted_outcome(mt, p, q, base.welfare, None, market.capacities, market.customer_labels,
                                   market.provider_labels))
    return out[0], out[1]


def sparse_marginal_contributions(market: SparseMarket) -> tuple[np.ndarray, np.ndarray]:
    """:math:`W(A) - W(A \\setminus \\{a\\})` for every agent by sparse re-solves (unit capacities)."""
    if market.capacities is not None:
        raise ValidationError("marginal_contributions needs unit capacities, but surplus gives providers "
                              f"capacities up to {int(market.capacities.max())}")
    m, n = market.shape
    csr = market.surplus
    ip, idx, w = _positive_csr(m, n, csr.indptr, csr.indices, csr.data, None)
    er = np.repeat(np.arange(m, dtype=np.int64), np.diff(ip))

    def value(keep):
        rows = er[keep]
        ipk = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=m), out=ipk[1:])
        wk = w[keep]
        r, c, p, q = sparse_solve(m, n, ipk, idx[keep], wk, None)
        return float((p[r] + q[c]).sum())

    everything = np.ones(len(w), dtype=bool)
    total = value(everything)
    cust = np.array([total - value(er != i) for i in range(m)])
    prov = np.array([total - value(idx != j) for j in range(n)])
    return cust, prov

