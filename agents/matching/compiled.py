r"""The bandit loop compiled: the round-by-round protocol, bit for bit, in one compiled function.

The round-by-round loop (:class:`agents.matching.envs.BanditEnv` driven by
:func:`sim.environment.rollout`) spends tens of microseconds of Python per
round on ``observe``, ``decide``, ``play`` and ``update``. :func:`run_compiled`
runs the same rounds inside one compiled function composed of the very kernels
those calls use:

* arrivals and feedback noise: the market's kernels
  (:func:`agents.matching.environment.present`,
  :func:`agents.matching.environment.noisy_rewards`) on draws from the same
  ``numpy.random.Generator`` (numba's Generator methods run numpy's algorithms
  on the generator's own bit stream, so draws, and the generator's final
  state, are the same);
* the learner: the ``decide`` and ``update`` kernels its class declares
  (``kernels``, see :mod:`agents.matching.learner_kernels`), on its own state
  arrays and its own generator;
* the round's metrics: :func:`markets.kernels.outcome_metrics` and, with
  absences, :func:`markets.kernels.max_weight` on the present agents, as
  :meth:`~agents.matching.BanditMarket.play` and
  :meth:`~agents.matching.BanditMarket.optimal_welfare` compute them.

So the trajectory, the learner's final state and both generators' final states
equal those of the round-by-round loop (``tests/agents/matching/test_fused.py``
checks this for every learner, with and without absences). The loop is
compiled once per learner class and process (about a second; learners' and
markets' kernels themselves are cached on disk).

Applicability is a capability, not a type test: a learner whose class declares
``kernels`` runs compiled unless its class (or the instance) replaces one of the
Python hooks the kernels stand for (``decide``, ``update``, ``_decide``, ...), as
an instrumented or user subclass does; then the Python loop runs it.

Examples
--------
>>> import numpy as np
>>> from agents.matching import EpsilonGreedy, random_market
>>> mk = random_market(4, 4, rng=0, arrival=0.8)
>>> out = np.zeros((5, 200))
>>> run_compiled(mk, EpsilonGreedy(4, 4, horizon=200, rng=1), 200, np.random.default_rng(2), out)
True
>>> bool(out[0].min() >= 0.0)
True
"""

from __future__ import annotations

import numba as nb
import numpy as np

from markets.kernels import max_weight, outcome_metrics, submatrix
from sim.policy import Policy

from .environment import BanditMarket, noisy_rewards, present

__all__ = ["HOOKS", "MARKET_HOOKS", "run_compiled", "supports"]

#: Python methods a learner's kernels stand for: a class (or instance) replacing one runs in Python.
HOOKS = ("decide", "update", "_decide", "_update", "_learn", "_check_observation", "_check_decision",
         "_new_state")
#: :class:`BanditMarket` methods the compiled loop stands for.
MARKET_HOOKS = ("observe", "play", "optimal_welfare", "_noisy", "kernel_inputs")

_GAUSSIAN, _BERNOULLI = 1, 2
_loops: dict = {}


def _declaring_class(cls):
    return next((k for k in cls.__mro__ if "kernels" in vars(k)), None)


def _same_hooks(obj, base, hooks) -> bool:
    cls = type(obj)
    inst = getattr(obj, "__dict__", {})
    return all(h not in inst and getattr(cls, h, None) is getattr(base, h, None) for h in hooks)


def supports(market: object, learner: object) -> bool:
    """Whether :func:`run_compiled` reproduces the round-by-round loop of ``learner`` on ``market``.

    True for a learner whose class declares compiled ``kernels`` (every matching
    learner of :mod:`agents.matching.learners`) and does not replace any of
    :data:`HOOKS`, sized like the market, on a :class:`BanditMarket` that does
    not replace any of :data:`MARKET_HOOKS`.
    """
    if not isinstance(market, BanditMarket) or not _same_hooks(market, BanditMarket, MARKET_HOOKS):
        return False
    declarer = _declaring_class(type(learner))
    if declarer is None or getattr(declarer, "kernels", None) is None:
        return False
    if not _same_hooks(learner, declarer, HOOKS):
        return False
    return (getattr(learner, "customers", None), getattr(learner, "providers", None)) == market.shape


def _build(decide, update):
    """The loop around one learner's kernels (compiled on first use)."""

    @nb.njit(nogil=True)
    def rounds(T, out, state, lrng, mrng, w, cu, pu, atol, opt_full, noise, sigma, arrival):
        m, n = w.shape
        all_c = np.arange(m)
        all_p = np.arange(n)
        kept = False  # metrics of the kept full-market outcome are known
        inst = welfare = pay_c = pay_p = 0.0
        explored = False
        u = np.zeros((2, 0, 0))
        for t in range(T):
            if arrival >= 1.0:
                cust, prov, full = all_c, all_p, True
            else:  # BanditMarket.observe: customers' draws, then providers'
                cust = present(mrng.random(m), arrival)
                prov = present(mrng.random(n), arrival)
                full = cust.size == m and prov.size == n
            same, explored, rows, cols, p, q, tr, u = decide(state, cust, prov, full, lrng)
            k = rows.size
            ci = np.empty(k, np.int64)
            pj = np.empty(k, np.int64)
            true_c = np.empty(k)
            true_p = np.empty(k)
            for a in range(k):
                i = cust[rows[a]]
                j = prov[cols[a]]
                ci[a] = i
                pj[a] = j
                true_c[a] = cu[i, j]
                true_p[a] = pu[i, j]
            if full:
                opt = opt_full
                if not (same and kept):  # BanditMarket.play reuses the metrics of a replayed outcome
                    inst, welfare, pay_c, pay_p = outcome_metrics(w, true_c, true_p, rows, cols, tr, atol)
                    kept = True
            else:
                sub = submatrix(w, cust, prov)
                inst, welfare, pay_c, pay_p = outcome_metrics(sub, true_c, true_p, rows, cols, tr, atol)
                opt = max_weight(sub)
                kept = False
            out[0, t] = inst
            out[1, t] = opt - welfare
            out[2, t] = welfare
            out[3, t] = pay_c
            out[4, t] = pay_p
            if noise == _GAUSSIAN:
                draws = mrng.standard_normal((2, k))
            elif noise == _BERNOULLI:
                draws = mrng.random((2, k))
            else:
                draws = np.zeros((2, k))
            rc, rp = noisy_rewards(true_c, true_p, noise, sigma, draws)
            if k > 0:  # an empty matching teaches nothing (MatchingLearner._update)
                update(state, ci, pj, rc, rp)
        return explored, u

    return rounds


def _loop(kernels):
    key = (kernels.decide, kernels.update)
    if key not in _loops:
        _loops[key] = _build(kernels.decide, kernels.update)
    return _loops[key]


def run_compiled(market: BanditMarket, learner: Policy, T: int, rng: np.random.Generator, out: np.ndarray) -> bool:
    """Play ``T`` rounds of ``learner`` on ``market`` compiled, if that reproduces the round-by-round loop.

    Parameters
    ----------
    market : BanditMarket
        The true market.
    learner : sim.policy.Policy
        A matching learner sized for the market.
    T : int
        Rounds (>= 1).
    rng : numpy.random.Generator
        Source of arrivals and feedback noise (advanced exactly as the Python
        loop advances it).
    out : ndarray of float64, shape (5, T)
        Filled with the per-round instability, welfare regret, welfare,
        customer payoff sum and provider payoff sum.

    Returns
    -------
    bool
        True if the rounds were played (``out``, the learner's state and its
        generator and ``rng`` advanced as ``T`` Python rounds would); False,
        having touched nothing, if :func:`supports` says no or the arguments do
        not fit (``out`` not a float64 array of shape ``(5, T)``, ``rng`` not a
        Generator).
    """
    if not (isinstance(rng, np.random.Generator) and isinstance(out, np.ndarray) and out.dtype == np.float64
            and out.shape == (5, T) and out.flags.c_contiguous and isinstance(T, (int, np.integer)) and T >= 1):
        return False
    if not supports(market, learner):
        return False
    a = market.kernel_inputs()
    explored, u = _loop(type(learner).kernels)(int(T), out, learner.state, learner.generator, rng, a.surplus,
                                               a.customer_utils, a.provider_utils, a.atol, a.optimal_welfare,
                                               a.noise, a.sigma, a.arrival)
    learner.last_utilities = None if explored else u
    return True
