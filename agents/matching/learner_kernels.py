r"""The matching learners' decisions and updates as compiled kernels on plain arrays.

Each learner of :mod:`agents.matching.learners` keeps its whole state in one
named tuple of arrays (``learner.state``; scalars that change, such as the
round counter, are length-1 arrays) and is two kernels:

``decide(state, customers, providers, full, rng)``
    The outcome on the present agents (``customers``, ``providers``: int64 ids;
    ``full``: everyone present, in order). Returns ``(same, explored, rows,
    cols, p, q, transfers, u)``: ``same`` is True when the outcome is the one
    returned by the last full-market decision (kept in ``state.cache``; the
    caller may reuse what it derived from it), ``explored`` when it is an
    exploration round (not the primal-dual step), ``rows, cols`` the matched
    positions, ``p, q`` the learner's predicted payoffs, ``transfers`` the
    payments and ``u`` (shape ``(2, kc, kp)``) the utilities the primal-dual
    step was solved on. ``rng`` is the learner's Generator (stochastic
    learners) or ``None``.
``update(state, customers, providers, customer_rewards, provider_rewards)``
    Fold in one round of feedback on the matched pairs (ids, not positions).

The Policy classes call these kernels from ``decide``/``update``; the
compiled loop (:mod:`agents.matching.compiled`) calls the very same kernels
inside one compiled function, so the two paths perform the same floating-point
operations and consume the learners' generators identically.

Examples
--------
>>> import numpy as np
>>> st = ucb_state(2, 2, horizon=10, c=0.1, doubling=False)
>>> ix = np.arange(2)
>>> same, explored, rows, cols, p, q, t, u = ucb_decide(st, ix, ix, True, None)
>>> rows.tolist(), float(p.sum() + q.sum()), same, explored
([0, 1], 4.0, False, False)
>>> ucb_update(st, np.array([0]), np.array([0]), np.array([0.25]), np.array([-0.5]))
>>> st.count.tolist(), bool(st.ucb[0, 0, 0] < 1.0)
([[1.0, 0.0], [0.0, 0.0]], True)
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from markets import core_kernels
from markets import kernels as market_kernels
from markets.core_kernels import core_step, core_step_warm
from markets.jit import jit

from . import explore_commit
from .explore_commit import COMMITTED, EXPLORE, phase, round_robin

CUSTOMER = core_kernels.CUSTOMER

__all__ = [
    "DecisionCache",
    "EpsilonGreedyState",
    "ExploreThenCommitState",
    "LinearUCBState",
    "ThompsonState",
    "TypedUCBState",
    "UCBState",
    "cache_state",
    "eps_greedy_decide",
    "etc_decide",
    "gather",
    "linear_decide",
    "linear_refresh",
    "linear_update",
    "means_update",
    "primal_dual",
    "thompson_decide",
    "typed_decide",
    "typed_update",
    "ucb_decide",
    "ucb_state",
    "ucb_update",
]

_kernel = jit(depends=(market_kernels, core_kernels, explore_commit))


# ----- shared pieces -----------------------------------------------------------------------------------------------

class DecisionCache(NamedTuple):
    """The last full-market outcome: ``size[0]`` pairs (``-1``: none kept), bumped ``version`` on each store."""

    size: np.ndarray
    version: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    p: np.ndarray
    q: np.ndarray
    transfers: np.ndarray
    u: np.ndarray


def cache_state(m: int, n: int) -> DecisionCache:
    """An empty :class:`DecisionCache` for an ``m x n`` market."""
    k = min(m, n)
    return DecisionCache(np.full(1, -1, np.int64), np.zeros(1, np.int64), np.zeros(k, np.int64),
                         np.zeros(k, np.int64), np.zeros(m), np.zeros(n), np.zeros(k), np.zeros((2, m, n)))


@_kernel
def _store(cache, rows, cols, p, q, t):
    k = rows.size
    cache.rows[:k] = rows
    cache.cols[:k] = cols
    cache.p[:] = p
    cache.q[:] = q
    cache.transfers[:k] = t
    cache.size[0] = k
    cache.version[0] += 1


@_kernel
def gather(u, customers, providers):
    """``u[:, customers][:, :, providers]`` (shape ``(2, kc, kp)``) as a new array."""
    out = np.empty((2, customers.size, providers.size))
    for s in range(2):
        for a in range(customers.size):
            i = customers[a]
            for b in range(providers.size):
                out[s, a, b] = u[s, i, providers[b]]
    return out


@_kernel
def primal_dual(uc, up, point):
    r"""The primal-dual step on utilities ``uc``, ``up``: stable outcome of ``uc + up``, transfers from the duals.

    ``point`` is the core point priced at (a code of :data:`markets.core_kernels.POINTS`). Returns
    ``(rows, cols, p, q, transfers)`` with :math:`\tau = q_j - u_j(i)` on each pair.
    """
    rows, cols, p, q = core_step(uc + up, point)
    t = np.empty(rows.size)
    for a in range(rows.size):
        t[a] = q[cols[a]] - up[rows[a], cols[a]]
    return rows, cols, p, q, t


@_kernel
def primal_dual_warm(uc, up, point, warm):
    """:func:`primal_dual` with the solve started from ``warm`` (:func:`markets.core_kernels.core_step_warm`)."""
    rows, cols, p, q = core_step_warm(uc + up, point, warm)
    t = np.empty(rows.size)
    for a in range(rows.size):
        t[a] = q[cols[a]] - up[rows[a], cols[a]]
    return rows, cols, p, q, t


@_kernel
def _fold(count, mean, i, j, rc, rp):
    """One observation of pair ``(i, j)`` into its count and running means; returns the new count."""
    k = count[i, j] + 1.0
    count[i, j] = k
    mean[0, i, j] = mean[0, i, j] + (rc - mean[0, i, j]) / k
    mean[1, i, j] = mean[1, i, j] + (rp - mean[1, i, j]) / k
    return k


@_kernel
def means_update(state, customers, providers, rc, rp):
    """Running means of the matched pairs (explore-then-commit, epsilon-greedy, Thompson sampling)."""
    for a in range(customers.size):
        _fold(state.count, state.mean, customers[a], providers[a], rc[a], rp[a])


@_kernel
def _explore_outcome(mean, customers, providers, rows, cols):
    """Play ``rows, cols`` with zero transfers; predicted payoffs are the empirical means."""
    p = np.zeros(customers.size)
    q = np.zeros(providers.size)
    for a in range(rows.size):
        i = customers[rows[a]]
        j = providers[cols[a]]
        p[rows[a]] = mean[0, i, j]
        q[cols[a]] = mean[1, i, j]
    return p, q, np.zeros(rows.size)


# ----- MatchUCB ----------------------------------------------------------------------------------------------------

class UCBState(NamedTuple):
    """MatchUCB: counts and means per pair, the UCB index and its surplus, refresh schedule."""

    count: np.ndarray         # (m, n)
    mean: np.ndarray          # (2, m, n)
    ucb: np.ndarray           # (2, m, n): customer side, provider side
    w: np.ndarray             # (m, n): ucb[0] + ucb[1], kept up to date
    next_refresh: np.ndarray  # (m, n): count at which a pair's index is recomputed ("doubling")
    rounds: np.ndarray        # (1,)
    cache: DecisionCache
    c: float
    logterm: float
    doubling: bool
    point: int                # the core point priced at (markets.core_kernels)
    warm: market_kernels.WarmStart  # the last full-market solve, to start the next from


def ucb_state(m: int, n: int, horizon: int, c: float, doubling: bool, point: int = CUSTOMER) -> UCBState:
    """A fresh :class:`UCBState`: every interval ``[-1, 1]``; ``c`` is the width's whole factor."""
    return UCBState(np.zeros((m, n)), np.zeros((2, m, n)), np.ones((2, m, n)), np.full((m, n), 2.0),
                    np.ones((m, n)), np.zeros(1, np.int64), cache_state(m, n), float(c),
                    math.log((m + n) * horizon), bool(doubling), int(point), market_kernels.warm_start(m, n))


@_kernel
def ucb_decide(state, customers, providers, full, rng):
    """MatchUCB's decision: the primal-dual step on the upper confidence bounds."""
    state.rounds[0] += 1
    cache = state.cache
    if full:
        k = cache.size[0]
        if k >= 0:  # the index has not moved since: the same LP, the same outcome
            return (True, False, cache.rows[:k], cache.cols[:k], cache.p, cache.q, cache.transfers[:k],
                    state.ucb)
        rows, cols, p, q = core_step_warm(state.w, state.point, state.warm)
        t = np.empty(rows.size)
        for a in range(rows.size):
            t[a] = q[cols[a]] - state.ucb[1, rows[a], cols[a]]
        _store(cache, rows, cols, p, q, t)
        k = rows.size
        return False, False, cache.rows[:k], cache.cols[:k], cache.p, cache.q, cache.transfers[:k], state.ucb
    u = gather(state.ucb, customers, providers)
    rows, cols, p, q, t = primal_dual(u[0], u[1], state.point)
    return False, False, rows, cols, p, q, t, u


@_kernel
def ucb_update(state, customers, providers, rc, rp):
    """Fold the round in; recompute the due intervals; drop the kept outcome if the index moved."""
    k = customers.size
    ub_c = np.empty(k)
    ub_p = np.empty(k)
    due = 0
    due_i = np.empty(k, np.int64)
    due_j = np.empty(k, np.int64)
    for a in range(k):
        i = customers[a]
        j = providers[a]
        kk = _fold(state.count, state.mean, i, j, rc[a], rp[a])
        if state.doubling:
            if kk < state.next_refresh[i, j]:
                continue
            state.next_refresh[i, j] = 2.0 * kk
        width = state.c * math.sqrt(state.logterm / kk)
        ub_c[due] = min(state.mean[0, i, j] + width, 1.0)
        ub_p[due] = min(state.mean[1, i, j] + width, 1.0)
        due_i[due] = i
        due_j[due] = j
        due += 1
    changed = False
    for s in range(due):
        if ub_c[s] != state.ucb[0, due_i[s], due_j[s]] or ub_p[s] != state.ucb[1, due_i[s], due_j[s]]:
            changed = True
            break
    if not changed:
        return  # e.g. intervals still capped at 1: the index, hence the outcome, is unchanged
    state.cache.size[0] = -1
    for s in range(due):
        i = due_i[s]
        j = due_j[s]
        state.ucb[0, i, j] = ub_c[s]
        state.ucb[1, i, j] = ub_p[s]
        state.w[i, j] = ub_c[s] + ub_p[s]


# ----- typed MatchUCB ----------------------------------------------------------------------------------------------

class TypedUCBState(NamedTuple):
    """Typed MatchUCB: counts, means and UCBs per (customer type, provider type)."""

    count: np.ndarray           # (tc, tp)
    mean: np.ndarray            # (2, tc, tp)
    ucb: np.ndarray             # (2, tc, tp)
    customer_types: np.ndarray  # (m,) int64
    provider_types: np.ndarray  # (n,) int64
    rounds: np.ndarray
    c: float
    logterm: float
    point: int                # the core point priced at (markets.core_kernels)


@_kernel
def typed_decide(state, customers, providers, full, rng):
    """The primal-dual step on the UCBs of the present agents' types."""
    state.rounds[0] += 1
    ct = np.empty(customers.size, np.int64)
    pt = np.empty(providers.size, np.int64)
    for a in range(customers.size):
        ct[a] = state.customer_types[customers[a]]
    for b in range(providers.size):
        pt[b] = state.provider_types[providers[b]]
    u = gather(state.ucb, ct, pt)
    rows, cols, p, q, t = primal_dual(u[0], u[1], state.point)
    return False, False, rows, cols, p, q, t, u


@_kernel
def typed_update(state, customers, providers, rc, rp):
    """Pool the round's observations per type pair (sums in order of the pairs), then refresh those UCBs."""
    tc, tp = state.count.shape
    add = np.zeros((tc, tp))
    sum_c = np.zeros((tc, tp))
    sum_p = np.zeros((tc, tp))
    for a in range(customers.size):
        x = state.customer_types[customers[a]]
        y = state.provider_types[providers[a]]
        add[x, y] += 1.0
        sum_c[x, y] += rc[a]
        sum_p[x, y] += rp[a]
    for x in range(tc):
        for y in range(tp):
            n_xy = add[x, y]
            if n_xy == 0.0:
                continue
            k = state.count[x, y] + n_xy
            state.count[x, y] = k
            mc = state.mean[0, x, y]
            mc = mc + (sum_c[x, y] - n_xy * mc) / k
            mp = state.mean[1, x, y]
            mp = mp + (sum_p[x, y] - n_xy * mp) / k
            state.mean[0, x, y] = mc
            state.mean[1, x, y] = mp
            width = state.c * math.sqrt(state.logterm / k)
            state.ucb[0, x, y] = min(mc + width, 1.0)
            state.ucb[1, x, y] = min(mp + width, 1.0)


# ----- linear MatchUCB ---------------------------------------------------------------------------------------------

class LinearUCBState(NamedTuple):
    """Linear MatchUCB: per-agent inverse Gram matrices and response sums, the LinUCB index."""

    vinv_c: np.ndarray  # (m, d, d): customers regress on provider features
    vinv_p: np.ndarray  # (n, d, d): providers regress on customer features
    b_c: np.ndarray     # (m, d)
    b_p: np.ndarray     # (n, d)
    ucb: np.ndarray     # (2, m, n)
    f: np.ndarray       # (m, d) customer features
    g: np.ndarray       # (n, d) provider features
    rounds: np.ndarray
    beta: float
    point: int                # the core point priced at (markets.core_kernels)
    warm: market_kernels.WarmStart  # the last full-market solve, to start the next from


@_kernel
def _linucb(vinv, b, xt, beta, theta, quad, mean, out):
    """``out[j] = clip(theta . x_j + beta ||x_j||_{V^{-1}}, -1, 1)`` with ``theta = V^{-1} b``.

    ``xt`` holds the partners' features transposed (``(d, k)``: one contiguous
    row per coordinate); ``theta`` (length ``d``), ``quad`` and ``mean``
    (length ``k``) are scratch. The loops run over the partners innermost, so
    they vectorise, while each entry accumulates its terms in the order
    ``r = 0, 1, ...`` (``e = 0, 1, ...`` within): the value a partner-by-partner
    loop computes, bit for bit.
    """
    d = b.size
    k = xt.shape[1]
    for r in range(d):
        s = 0.0
        for e in range(d):
            s += vinv[r, e] * b[e]
        theta[r] = s
    if d == 3:  # the loops below written out: one vectorised pass over the partners, the same operations
        v00, v01, v02 = vinv[0, 0], vinv[0, 1], vinv[0, 2]
        v10, v11, v12 = vinv[1, 0], vinv[1, 1], vinv[1, 2]
        v20, v21, v22 = vinv[2, 0], vinv[2, 1], vinv[2, 2]
        t0, t1, t2 = theta[0], theta[1], theta[2]
        for j in range(k):
            x0 = xt[0, j]
            x1 = xt[1, j]
            x2 = xt[2, j]
            q = 0.0 + x0 * (((0.0 + v00 * x0) + v01 * x1) + v02 * x2)
            q = q + x1 * (((0.0 + v10 * x0) + v11 * x1) + v12 * x2)
            q = q + x2 * (((0.0 + v20 * x0) + v21 * x1) + v22 * x2)
            mu = ((0.0 + t0 * x0) + t1 * x1) + t2 * x2
            val = min(mu + beta * math.sqrt(max(q, 0.0)), 1.0)
            out[j] = max(val, -1.0)
        return
    for j in range(k):
        quad[j] = 0.0
        mean[j] = 0.0
    for r in range(d):
        for j in range(k):
            out[j] = 0.0  # (V^{-1} x_j)_r for every j
        for e in range(d):
            ve = vinv[r, e]
            for j in range(k):
                out[j] += ve * xt[e, j]
        tr = theta[r]
        for j in range(k):
            quad[j] += xt[r, j] * out[j]
            mean[j] += tr * xt[r, j]
    for j in range(k):
        val = min(mean[j] + beta * math.sqrt(max(quad[j], 0.0)), 1.0)
        out[j] = max(val, -1.0)


@_kernel
def linear_refresh(state, customers, providers):
    """Recompute the index rows of ``customers`` and columns of ``providers`` (ids)."""
    m = state.ucb.shape[1]
    n = state.ucb.shape[2]
    d = state.f.shape[1]
    ft = np.ascontiguousarray(state.f.T)
    gt = np.ascontiguousarray(state.g.T)
    k = max(m, n)
    theta = np.empty(d)
    scratch = np.empty((3, k))
    for a in range(customers.size):
        i = customers[a]
        _linucb(state.vinv_c[i], state.b_c[i], gt, state.beta, theta, scratch[0], scratch[1], state.ucb[0, i])
    col = scratch[2, :m]
    for a in range(providers.size):
        j = providers[a]
        _linucb(state.vinv_p[j], state.b_p[j], ft, state.beta, theta, scratch[0], scratch[1], col)
        for i in range(m):
            state.ucb[1, i, j] = col[i]


@_kernel
def _sherman_morrison(vinv, b, x, r):
    """``V^{-1} <- (V + x x^T)^{-1}`` (rank-one update) and ``b <- b + r x``."""
    d = b.size
    if d == 3:  # the loops below written out (no scratch array): the same operations in the same order
        x0, x1, x2 = x[0], x[1], x[2]
        vx0 = ((0.0 + vinv[0, 0] * x0) + vinv[0, 1] * x1) + vinv[0, 2] * x2
        vx1 = ((0.0 + vinv[1, 0] * x0) + vinv[1, 1] * x1) + vinv[1, 2] * x2
        vx2 = ((0.0 + vinv[2, 0] * x0) + vinv[2, 1] * x1) + vinv[2, 2] * x2
        denom = ((1.0 + x0 * vx0) + x1 * vx1) + x2 * vx2
        vinv[0, 0] = vinv[0, 0] - vx0 * vx0 / denom
        vinv[0, 1] = vinv[0, 1] - vx0 * vx1 / denom
        vinv[0, 2] = vinv[0, 2] - vx0 * vx2 / denom
        vinv[1, 0] = vinv[1, 0] - vx1 * vx0 / denom
        vinv[1, 1] = vinv[1, 1] - vx1 * vx1 / denom
        vinv[1, 2] = vinv[1, 2] - vx1 * vx2 / denom
        vinv[2, 0] = vinv[2, 0] - vx2 * vx0 / denom
        vinv[2, 1] = vinv[2, 1] - vx2 * vx1 / denom
        vinv[2, 2] = vinv[2, 2] - vx2 * vx2 / denom
        b[0] += r * x0
        b[1] += r * x1
        b[2] += r * x2
        return
    vx = np.empty(d)
    for r_ in range(d):
        s = 0.0
        for e in range(d):
            s += vinv[r_, e] * x[e]
        vx[r_] = s
    denom = 1.0
    for e in range(d):
        denom += x[e] * vx[e]
    for r_ in range(d):
        for e in range(d):
            vinv[r_, e] = vinv[r_, e] - vx[r_] * vx[e] / denom
    for e in range(d):
        b[e] += r * x[e]


@_kernel
def linear_decide(state, customers, providers, full, rng):
    """The primal-dual step on the LinUCB index of the present agents."""
    state.rounds[0] += 1
    if full:
        rows, cols, p, q, t = primal_dual_warm(state.ucb[0], state.ucb[1], state.point, state.warm)
        return False, False, rows, cols, p, q, t, state.ucb
    u = gather(state.ucb, customers, providers)
    rows, cols, p, q, t = primal_dual(u[0], u[1], state.point)
    return False, False, rows, cols, p, q, t, u


@_kernel
def linear_update(state, customers, providers, rc, rp):
    """One ridge-regression step per matched agent (agents are distinct), then their index entries."""
    for a in range(customers.size):
        i = customers[a]
        j = providers[a]
        _sherman_morrison(state.vinv_c[i], state.b_c[i], state.g[j], rc[a])
        _sherman_morrison(state.vinv_p[j], state.b_p[j], state.f[i], rp[a])
    linear_refresh(state, customers, providers)


# ----- explore-then-commit -----------------------------------------------------------------------------------------

class ExploreThenCommitState(NamedTuple):
    """Explore-then-commit: counts and means per pair, the schedule and the commitment."""

    count: np.ndarray  # (m, n)
    mean: np.ndarray   # (2, m, n)
    rounds: np.ndarray
    cache: DecisionCache  # the commitment (full market) and the means it was solved on (``cache.u``)
    explore: int
    point: int                # the core point priced at (markets.core_kernels)


@_kernel
def etc_decide(state, customers, providers, full, rng):
    """Round-robin exploration with zero transfers, then the primal-dual step on the means, committed."""
    s = state.rounds[0]
    state.rounds[0] += 1
    m, n = state.count.shape
    cache = state.cache
    ph = phase(s, state.explore, cache.size[0] >= 0)
    if ph == EXPLORE:
        target = round_robin(customers, s, max(m, n))
        pos = np.full(max(m, n), -1, np.int64)
        for b in range(providers.size):
            pos[providers[b]] = b
        rows = np.empty(customers.size, np.int64)
        cols = np.empty(customers.size, np.int64)
        k = 0
        for a in range(customers.size):
            if pos[target[a]] >= 0:
                rows[k] = a
                cols[k] = pos[target[a]]
                k += 1
        p, q, t = _explore_outcome(state.mean, customers, providers, rows[:k], cols[:k])
        return False, True, rows[:k], cols[:k], p, q, t, np.zeros((2, 0, 0))
    if full:
        if ph == COMMITTED:
            k = cache.size[0]
            return True, False, cache.rows[:k], cache.cols[:k], cache.p, cache.q, cache.transfers[:k], cache.u
        cache.u[:] = state.mean  # the commitment's utilities: later updates must not move them
        rows, cols, p, q, t = primal_dual(cache.u[0], cache.u[1], state.point)
        _store(cache, rows, cols, p, q, t)
        k = rows.size
        return False, False, cache.rows[:k], cache.cols[:k], cache.p, cache.q, cache.transfers[:k], cache.u
    u = gather(state.mean, customers, providers)
    rows, cols, p, q, t = primal_dual(u[0], u[1], state.point)
    return False, False, rows, cols, p, q, t, u


# ----- epsilon-greedy ----------------------------------------------------------------------------------------------

class EpsilonGreedyState(NamedTuple):
    """Epsilon-greedy: counts and means per pair."""

    count: np.ndarray
    mean: np.ndarray
    rounds: np.ndarray
    epsilon: float
    point: int                # the core point priced at (markets.core_kernels)


@_kernel
def eps_greedy_decide(state, customers, providers, full, rng):
    """W.p. ``min(1, epsilon t^(-1/3))`` a uniformly random matching, else the primal-dual step on the means."""
    state.rounds[0] += 1
    eps = min(1.0, state.epsilon * state.rounds[0] ** (-1.0 / 3.0))
    if rng.random() < eps:
        kc, kp = customers.size, providers.size
        k = min(kc, kp)
        rows = rng.permutation(kc)[:k]
        cols = rng.permutation(kp)[:k]
        order = np.argsort(rows)
        rows = rows[order]
        cols = cols[order]
        p, q, t = _explore_outcome(state.mean, customers, providers, rows, cols)
        return False, True, rows, cols, p, q, t, np.zeros((2, 0, 0))
    u = gather(state.mean, customers, providers)
    rows, cols, p, q, t = primal_dual(u[0], u[1], state.point)
    return False, False, rows, cols, p, q, t, u


# ----- Thompson sampling -------------------------------------------------------------------------------------------

class ThompsonState(NamedTuple):
    """Thompson sampling: counts and means per pair (Gaussian posteriors)."""

    count: np.ndarray
    mean: np.ndarray
    rounds: np.ndarray
    sigma: float
    prior_scale: float
    point: int                # the core point priced at (markets.core_kernels)


@_kernel
def thompson_decide(state, customers, providers, full, rng):
    """The primal-dual step on one posterior sample of every utility (clipped to [-1, 1])."""
    state.rounds[0] += 1
    m, n = state.count.shape
    z = rng.standard_normal((2, m, n))  # every pair, both sides, each round
    s2 = state.sigma ** 2
    p2 = state.prior_scale ** 2
    sample = np.empty((2, m, n))
    for i in range(m):
        for j in range(n):
            cnt = state.count[i, j]
            prec = 1.0 / p2 + cnt / s2
            sd = math.sqrt(prec)
            for s in range(2):
                x = (cnt / s2) * state.mean[s, i, j] / prec + z[s, i, j] / sd
                sample[s, i, j] = min(max(x, -1.0), 1.0)
    u = sample if full else gather(sample, customers, providers)
    rows, cols, p, q, t = primal_dual(u[0], u[1], state.point)
    return False, False, rows, cols, p, q, t, u
