r"""MatchUCB's whole bandit loop, compiled: the same rounds as :func:`run_bandit`, bit for bit.

:func:`run_bandit` plays one round at a time through the Policy interface
(``decide``, ``play``, ``update``), which costs tens of microseconds of Python
per round. For the common case, a :class:`MatchUCB` on a market where every
agent is present every round, :func:`run_matchucb` runs the rounds inside one
compiled function instead. It calls the very kernels the Python path calls
(:func:`markets.kernels.stable_step`, :func:`markets.kernels.outcome_metrics`)
and repeats the Python path's arithmetic operation for operation (running
means, confidence bounds, cached outcomes), and it consumes the market's
random numbers in the same order, so the trajectory, the learner's final
state and the generator's final state are identical to the round-by-round
loop (``tests/agents/matching/test_fused.py`` checks this).

Noise: the Python path draws ``standard_normal((2, k))`` (or ``random``) for
the ``k`` matched pairs of each round; consecutive draws from a numpy
``Generator`` concatenate, so the compiled loop reads the same values from a
block drawn ahead, and the generator is then rewound to just past the values
actually used.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from markets.kernels import outcome_metrics, stable_step

__all__ = ["run_matchucb", "supports"]

_NONE, _GAUSSIAN, _BERNOULLI = 0, 1, 2
_KIND = {"none": _NONE, "gaussian": _GAUSSIAN, "bernoulli": _BERNOULLI}
_BLOCK_ROUNDS = 4096  # rounds of noise drawn ahead at a time


def supports(market, learner):
    """Whether :func:`run_matchucb` reproduces ``run_bandit(market, learner, ...)``."""
    from .learners import MatchUCB

    return (type(learner) is MatchUCB
            and "decide" not in vars(learner) and "update" not in vars(learner)  # not instrumented
            and market.arrival >= 1.0
            and (learner.customers, learner.providers) == market.shape)


# Not cached on disk: numba keys a cache on this file alone, so a cached copy would keep
# inlined kernels from an older markets/kernels.py. Compiling takes about 2 s per process.
@nb.njit(nogil=True)
def _rounds(t, T, out, w, cu, pu, atol, opt, kind, sigma, buf, pos,
            count, mean, ucb, wsum, next_refresh, c, logterm, doubling):
    """Play rounds ``t..`` until ``T`` or until ``buf`` may run short; return ``(t, pos)``."""
    m, n = w.shape
    per = 2 * min(m, n)
    ucb_c = ucb[0]
    ucb_p = ucb[1]
    dirty = True
    rows = np.zeros(0, np.int64)
    cols = np.zeros(0, np.int64)
    true_c = np.zeros(0)
    true_p = np.zeros(0)
    inst = welfare = pay_c = pay_p = 0.0
    obs_c = np.empty(min(m, n))
    obs_p = np.empty(min(m, n))
    ub_c = np.empty(min(m, n))
    ub_p = np.empty(min(m, n))
    flat = np.empty(min(m, n), np.int64)
    while t < T:
        if kind != _NONE and buf.size - pos < per:
            break
        if dirty:  # the index moved: solve the primal-dual step again (MatchUCB._primal_dual)
            rows, cols, _, q = stable_step(wsum)
            k = rows.size
            tr = np.empty(k)
            true_c = np.empty(k)
            true_p = np.empty(k)
            for a in range(k):
                tr[a] = q[cols[a]] - ucb_p[rows[a], cols[a]]
                true_c[a] = cu[rows[a], cols[a]]
                true_p[a] = pu[rows[a], cols[a]]
            inst, welfare, pay_c, pay_p = outcome_metrics(w, true_c, true_p, rows, cols, tr, atol)
            dirty = False
        out[0, t] = inst
        out[1, t] = opt - welfare
        out[2, t] = welfare
        out[3, t] = pay_c
        out[4, t] = pay_p
        t += 1
        k = rows.size
        if k == 0:
            continue
        # feedback (BanditMarket._noisy): customers' k draws, then providers'
        for a in range(k):
            if kind == _GAUSSIAN:
                obs_c[a] = true_c[a] + sigma * buf[pos + a]
                obs_p[a] = true_p[a] + sigma * buf[pos + k + a]
            elif kind == _BERNOULLI:
                obs_c[a] = 1.0 if buf[pos + a] < 0.5 * (1.0 + true_c[a]) else -1.0
                obs_p[a] = 1.0 if buf[pos + k + a] < 0.5 * (1.0 + true_p[a]) else -1.0
            else:
                obs_c[a] = true_c[a]
                obs_p[a] = true_p[a]
        if kind != _NONE:
            pos += 2 * k
        # update (_PairStats._fold, then MatchUCB._learn)
        due = 0
        for a in range(k):
            f = rows[a] * n + cols[a]
            kk = count[f] + 1.0
            count[f] = kk
            mc = mean[0, f]
            mc = mc + (obs_c[a] - mc) / kk
            mean[0, f] = mc
            mp = mean[1, f]
            mp = mp + (obs_p[a] - mp) / kk
            mean[1, f] = mp
            if doubling:
                if kk < next_refresh[f]:
                    continue
                next_refresh[f] = 2.0 * kk
            width = c * math.sqrt(logterm / kk)
            x = mc + width
            ub_c[due] = min(1.0, x)  # np.minimum(ub, 1.0)
            x = mp + width
            ub_p[due] = min(1.0, x)
            flat[due] = f
            due += 1
        changed = False
        for s in range(due):
            f = flat[s]
            i, j = f // n, f % n
            if ub_c[s] != ucb_c[i, j] or ub_p[s] != ucb_p[i, j]:
                changed = True
                break
        if changed:
            dirty = True
            for s in range(due):
                f = flat[s]
                i, j = f // n, f % n
                ucb_c[i, j] = ub_c[s]
                ucb_p[i, j] = ub_p[s]
                wsum[i, j] = ub_c[s] + ub_p[s]
    return t, pos


def run_matchucb(market, learner, T, rng, out):
    """Fill ``out`` (shape ``(5, T)``, rows as in :class:`Trajectory`) with ``T`` rounds of MatchUCB.

    The learner's statistics are updated in place, as ``T`` calls of
    ``decide``/``update`` would. Requires :func:`supports`.
    """
    m, n = market.shape
    kind = _KIND[market.noise]
    per = 2 * min(m, n)
    draw = rng.standard_normal if kind == _GAUSSIAN else rng.random
    w = np.ascontiguousarray(market.surplus)
    cu = np.ascontiguousarray(market.customer_utils)
    pu = np.ascontiguousarray(market.provider_utils)
    opt = float(market.optimal_welfare())
    args = (out, w, cu, pu, float(market._atol), opt, kind, float(market.sigma))
    stats = (learner._count, learner._mean, learner._ucb, learner._w, learner._next_refresh,
             float(learner.c), float(learner._log), learner.refresh == "doubling")
    t, buf, pos = 0, np.zeros(0), 0
    blocks = []  # (generator state before the block, values drawn before it)
    drawn = 0
    while t < T:
        if kind != _NONE:
            size = per * min(T - t, _BLOCK_ROUNDS)
            blocks.append((rng.bit_generator.state, drawn))
            buf = np.concatenate([buf[pos:], draw(size)])
            drawn += size
            pos = 0
        t, pos = _rounds(t, T, *args, buf, pos, *stats)
    if blocks:
        used = drawn - (buf.size - pos)
        if used < drawn:  # rewind: leave the generator just past the values the rounds used
            state, before = next((s, b) for s, b in reversed(blocks) if b <= used)
            rng.bit_generator.state = state
            if used > before:
                draw(used - before)
    learner.rounds += T
    learner._cached = None  # recomputed identically (the step is a pure function of the index)
    learner.last_utilities = learner._ucb
    market._last = None
    return out
