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
checks this for every learner, with and without absences).

Compiled once per installation: numba caches neither closures nor functions
passed as arguments, so the loop around a learner's kernels is written out as a
small generated module (:func:`loop_source`: the loop's source below, with the
learner's two kernels imported under fixed names) and cached on disk like every
other kernel. The module's name hashes its text, which carries a hash of the
sources of every module holding a kernel the loop reaches
(:func:`markets.jit.kernel_modules`), so editing any of them compiles a fresh
loop, and an unchanged installation reuses the compiled one in every process,
including the workers of the ``processes`` and ``dask`` sweep backends (same
folder: :func:`markets.jit.generated_dir`).

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

import inspect
import sys
import types
from collections.abc import Callable

import numpy as np

from markets.jit import generated_module, jit, kernel_modules, source_key
from markets.kernels import max_weight, outcome_metrics, submatrix
from sim.policy import Policy

from .environment import BanditMarket, noisy_rewards, present

__all__ = ["HOOKS", "MARKET_HOOKS", "loop", "loop_source", "run_compiled", "supports"]

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


def _decide(state, customers, providers, full, rng):  # the learner's decide kernel, bound per loop (see _loop)
    raise NotImplementedError


def _update(state, customers, providers, rc, rp):  # the learner's update kernel, bound per loop (see _loop)
    raise NotImplementedError


def _rounds(T, out, state, lrng, mrng, w, cu, pu, atol, opt_full, noise, sigma, arrival):
    """``T`` rounds of the protocol: compiled once per learner, with ``_decide``/``_update`` its kernels."""
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
        same, explored, rows, cols, p, q, tr, u = _decide(state, cust, prov, full, lrng)
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
            _update(state, ci, pj, rc, rp)
    return explored, u


def _importable(fn) -> bool:
    """Whether ``fn`` can be imported back by module and name (a module-level function of a real file)."""
    py = getattr(fn, "py_func", fn)
    mod = sys.modules.get(getattr(py, "__module__", None) or "")
    return (mod is not None and getattr(mod, getattr(py, "__name__", ""), None) is fn and "<" not in py.__qualname__
            and getattr(mod, "__file__", None) is not None and mod.__name__ != "__main__")


def loop_source(decide: Callable, update: Callable) -> str | None:
    """The text of a module defining the compiled loop around ``decide`` and ``update`` (None if not importable).

    The module imports the two kernels and the loop's other globals from their
    modules, then defines :func:`_rounds`'s source under ``@jit``; its first line
    is a :func:`markets.jit.source_key` over this module, the loop, and every
    module holding a kernel the loop reaches, so the file (named by a hash of
    its text, see :func:`markets.jit.generated_module`) changes whenever any of
    them does.

    Examples
    --------
    >>> from agents.matching import learner_kernels as lk
    >>> text = loop_source(lk.ucb_decide, lk.ucb_update)
    >>> "from agents.matching.learner_kernels import ucb_decide as _decide" in text
    True
    """
    if not (_importable(decide) and _importable(update)):
        return None
    body = inspect.getsource(_rounds)
    lines = ["import numpy as np", "", "from markets.jit import jit"]
    modules = set(kernel_modules(decide) | kernel_modules(update))
    for name in sorted(set(_rounds.__code__.co_names)):
        value = globals().get(name)
        if name in ("_decide", "_update", "np", "range") or value is None:
            continue
        if isinstance(value, int):
            lines.append(f"{name} = {value!r}")
        else:
            lines.append(f"from {value.__module__} import {value.__name__} as {name}")
            modules |= kernel_modules(value)
    for name, fn in (("_decide", decide), ("_update", update)):
        lines.append(f"from {fn.py_func.__module__} import {fn.py_func.__name__} as {name}")
    key = source_key(modules | {__name__}, body)
    header = f"# The bandit loop of agents.matching.compiled around {decide.py_func.__name__}; key {key}\n"
    return header + "\n".join(lines) + "\n\n\n@jit\n" + body


def _in_memory(decide, update):
    glb = dict(globals(), _decide=decide, _update=update)
    return jit(cache=False)(types.FunctionType(_rounds.__code__, glb, "_rounds"))


def loop(kernels: object) -> object:
    """The compiled loop around a learner's ``kernels`` (a :class:`~agents.matching.LearnerKernels`).

    Built once per process from :func:`loop_source`, as a generated module
    whose compiled code numba caches on disk, so later processes load it
    instead of compiling (about a second or more). Where the kernels cannot be
    imported by name (defined in ``__main__`` or a closure) or no folder is
    writable (one :class:`markets.jit.CacheWarning`), the same loop is compiled
    in memory.

    Returns
    -------
    numba dispatcher
        ``rounds(T, out, state, learner_rng, market_rng, w, customer_utils,
        provider_utils, atol, optimal_welfare, noise, sigma, arrival)``.
    """
    key = (kernels.decide, kernels.update)
    if key not in _loops:
        text = loop_source(*key)
        module = None if text is None else generated_module("stratsim_loop", text)
        _loops[key] = _in_memory(*key) if module is None else module._rounds
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
    explored, u = loop(type(learner).kernels)(int(T), out, learner.state, learner.generator, rng, a.surplus,
                                               a.customer_utils, a.provider_utils, a.atol, a.optimal_welfare,
                                               a.noise, a.sigma, a.arrival)
    learner.last_utilities = None if explored else u
    return True
