"""Fuzzing the public entry points of agents.matching: every call succeeds or raises the package's error.

Each example builds a small valid call (a bandit or NTU market, a learner of its size, an observation, a
decision, feedback...), then replaces some of its arguments with hostile values: NaN, inf, magnitudes near the
float64 limit, negative and huge numbers (10**9 agents, T = 10**12), empty and wrongly shaped arrays, wrong
dtypes (bool, complex, str, object, float16), wrong types (None, str, dict, objects, lists of lists of mixed
types, ragged lists), or well-formed values that disagree with the rest of the call (a learner or an
observation of another size, a market of another shape). The invariants:

* the call returns, or raises a :class:`sim.errors.StratsimError` whose message names an argument of the call
  (the replaced one, unless the replacement is a well-formed value that only disagrees with another argument);
* no other exception (TypeError, IndexError, numba typing errors, numpy broadcast errors...) and no
  RuntimeWarning escapes (warnings are errors here);
* the call's traced peak memory (tracemalloc traces numpy's allocations) stays under ``PEAK_CAP`` while
  ``markets.validation.memory_limit`` asks the size guards to refuse work beyond ``GUARD``, and the process's
  address space is capped for the call (so an allocation the machine cannot hold fails the test instead of
  bringing in the OOM killer);
* it finishes within the test's timeout.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import tracemalloc
import warnings

try:
    import resource
except ImportError:  # not on Windows
    resource = None

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agents.matching as am
from agents.matching import environment, envs, learners, live, loop, ntu, types
from markets.validation import memory_limit
from sim.errors import StratsimError
from sim.policy import Policy
from sim.random import make_rng

GUARD = 64 * 2**20
PEAK_CAP = 256 * 2**20
FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                      HealthCheck.data_too_large])


class _Opaque:
    """An object of no expected type."""

    def __repr__(self):
        return "<opaque>"


class _Liar(Policy):
    """A matching policy of no size that decides nothing useful."""

    domain = "matching"

    def _decide(self, observation):
        return None


SCALARS = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 5e-324, 0.0, -1.0, -1, 0, 3, 10**9, 10**12,
           10**30, -10**30, 2**63, True, False, None, "a", "", b"x", 1 + 2j, np.float64("nan"), np.int64(-5),
           np.float32(0.5), _Opaque(), {}, set(), _Liar(), np.random.default_rng(0), "gaussian", "typed"]
ARRAYS = [
    [], [[]], [[1, "a"]], [[1.0, None]], [[1.0], [2.0, 3.0]], [[[1.0]]], [1.0, 2.0], [[True, False]], [0, 1],
    [[0, 1], [1, 0]], np.zeros((0, 3)), np.zeros((3, 0)), np.zeros((10**9, 0)), np.zeros((0, 10**9)),
    np.ones((2, 2, 2)), np.array([[1 + 1j]]), np.array([["x"]]), np.array([[True]]), np.array([[1]], dtype=np.int8),
    np.array([[2**62]], dtype=np.int64), np.array([[1.0]], dtype=np.float16), np.array([[np.nan]]),
    np.full((2, 2), 1e308), np.full((2, 2), -1e308), np.array([[1.0]], dtype=object),
    np.array([["2020-01-01"]], dtype="datetime64[D]"), np.full(3, 10**15), np.array([10**12, 1, 1]), [10**30, 1],
    [-1, 2], [0.5, 1.0], np.arange(3.0) - 1, np.full((3, 3), 1e-320), np.array([0, 10**9]), np.array([2**62, 0]),
    np.zeros(0, dtype=np.int64), np.array([0, 0, 0]), np.array([[0, 0], [0, 0]]), np.array([[-1, 0]]),
    np.array([[0, 5]]), np.array([[0.0, 1.0]]), np.array([-1, -1]), np.array([0, 2**40]),
]


@st.composite
def junk(draw, like=None):
    """A hostile value; ``like`` (a valid value) seeds corrupted copies of it."""
    options = [st.sampled_from(SCALARS), st.sampled_from(ARRAYS)]
    if isinstance(like, np.ndarray) and like.size:
        def spoil(v):
            a = like.astype(float)
            a.flat[draw(st.integers(0, a.size - 1))] = v
            return a
        options += [
            st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308, -1.0, 10**9, 0.5]).map(spoil),
            st.just(like.T if like.ndim == 2 and like.shape[0] != like.shape[1] else like[..., :0]),
            st.just(like.tolist()).map(lambda x: [x]),  # one dimension too many
            st.just(like.astype(str)),
            st.just(like.astype(bool)),
            st.just(np.concatenate([like, like])),  # one size too many
        ]
    return draw(st.one_of(*options))


LEARNERS = ("ucb", "ucb_doubling", "typed", "linear", "etc", "eps", "thompson")


def make_learner(kind, mk, horizon):
    """A learner of ``kind`` sized for the bandit market ``mk``."""
    m, n = mk.shape
    if kind == "typed":
        return am.TypedMatchUCB(mk.customer_types, mk.provider_types, horizon=horizon)
    if kind == "linear":
        return am.LinearMatchUCB(mk.customer_features, mk.provider_features, horizon=horizon)
    build = {"ucb": am.MatchUCB, "ucb_doubling": lambda m, n, horizon: am.MatchUCB(m, n, horizon, refresh="doubling"),
             "etc": am.ExploreThenCommit, "eps": am.EpsilonGreedy, "thompson": am.ThompsonSampling}[kind]
    return build(m, n, horizon=horizon)


@st.composite
def valid_calls(draw):
    """A coherent set of valid arguments for every entry point."""
    m = draw(st.integers(1, 3), label="m")
    n = draw(st.integers(1, 3), label="n")
    base = am.random_market(m, n, structure="linear", dim=2, rng=draw(st.integers(0, 2**16)))
    noise = draw(st.sampled_from(am.NOISES), label="noise")
    arrival = draw(st.sampled_from([1.0, 0.6, 1e-3]), label="arrival")
    sigma = draw(st.sampled_from([0.5, 1e-6, 1e3]), label="sigma")
    mk = am.BanditMarket(base.customer_utils, base.provider_utils, noise=noise, sigma=sigma, arrival=arrival,
                         structure="linear", customer_types=np.arange(m), provider_types=np.arange(n),
                         customer_features=base.customer_features, provider_features=base.provider_features)
    T = draw(st.integers(1, 4), label="T")
    kind = draw(st.sampled_from(LEARNERS), label="learner")
    learner = make_learner(kind, mk, T)
    cs = np.flatnonzero(draw(st.lists(st.booleans(), min_size=m, max_size=m), label="present customers"))
    ps = np.flatnonzero(draw(st.lists(st.booleans(), min_size=n, max_size=n), label="present providers"))
    obs = am.MatchingObservation(cs, ps)
    decision = make_learner(kind, mk, T).decide(obs)
    k = len(decision.matching)
    rewards = np.asarray(draw(st.lists(st.floats(-3, 3), min_size=2 * k, max_size=2 * k), label="rewards"))
    players = draw(st.integers(1, 3), label="players")
    arms = draw(st.integers(1, 3), label="arms")
    ntu_mk = am.liu_market(players, arms, rng=draw(st.integers(0, 2**16)))
    ntu_kind = draw(st.sampled_from([am.CentralizedUCB, am.NTUExploreThenCommit]), label="ntu learner")
    ntu_learner = ntu_kind(arm_prefs=ntu_mk.arm_prefs, horizon=T)
    ntu_matching = ntu_kind(arm_prefs=ntu_mk.arm_prefs, horizon=T).decide(types.NTUObservation(players, arms))
    ntu_rewards = np.where(ntu_matching >= 0, 0.5, np.nan)
    return dict(mk=mk, m=m, n=n, T=T, kind=kind, learner=learner, obs=obs, decision=decision,
                rc=rewards[:k], rp=rewards[k:], ntu=ntu_mk, ntu_learner=ntu_learner, ntu_matching=ntu_matching,
                ntu_rewards=ntu_rewards, players=players, arms=arms)


# ----- wrappers: one call of a method, every input an argument ----------------------------------------------------
def decide(learner, observation):
    return learner.decide(observation)


def update(learner, observation, matching, customer_rewards, provider_rewards):
    learner.update(am.MatchingFeedback(observation, matching, customer_rewards, provider_rewards))


def update_raw(learner, feedback):
    learner.update(feedback)


def env_step(market, matching, transfers, customer_payoffs, provider_payoffs, rng):
    env = am.BanditEnv(market)
    env.reset(make_rng(rng))
    env.observe()
    return env.step(am.MatchingDecision(matching, transfers, customer_payoffs, provider_payoffs))


def env_step_raw(market, decision):
    env = am.BanditEnv(market)
    env.reset(np.random.default_rng(0))
    env.observe()
    return env.step(decision)


def market_play(market, observation, decision, rng):
    return market.play(observation, decision, np.random.default_rng(0) if rng is None else rng)


def market_instability(market, observation, decision):
    return market.instability(observation, decision)


def market_optimal_welfare(market, observation):
    return market.optimal_welfare(observation)


def market_observe(market, rng):
    return market.observe(rng)


def ntu_step(market, decision):
    env = am.NTUEnv(market)
    env.reset(np.random.default_rng(0))
    env.observe()
    return env.step(decision)


def ntu_decide(learner, observation):
    return learner.decide(observation)


def ntu_update(learner, matching, rewards):
    learner.update(types.NTUFeedback(matching, rewards))


def ntu_blocking_pairs(market, matching):
    return market.blocking_pairs(matching)


def live_step(customer_utils, provider_utils, sigma, customer_types, provider_types, matching, transfers):
    env = live.LiveMarketEnv(customer_utils, provider_utils, sigma=sigma)
    env.reset(np.random.default_rng(0))
    for k, t in enumerate(np.asarray(customer_types).ravel()[:5]):
        env.arrive(0, k, t)
    for k, t in enumerate(np.asarray(provider_types).ravel()[:5]):
        env.arrive(1, 100 + k, t)
    obs = env.observe()
    if obs is None:
        return None
    return env.step(am.MatchingDecision(matching, transfers, np.zeros(obs.shape[0]), np.zeros(obs.shape[1])))


def _type_utils(v):
    uc = v["mk"].customer_utils
    return dict(customer_utils=uc, provider_utils=v["mk"].provider_utils.T, sigma=0.5)


# entry point -> (callable, builder of its keyword arguments from a valid call, names an error may use for them)
ENTRY_POINTS = {
    "BanditMarket": (am.BanditMarket, lambda v: dict(
        customer_utils=v["mk"].customer_utils, provider_utils=v["mk"].provider_utils, noise=v["mk"].noise,
        sigma=0.5, arrival=v["mk"].arrival, structure="linear", customer_types=v["mk"].customer_types,
        provider_types=v["mk"].provider_types, customer_features=v["mk"].customer_features,
        provider_features=v["mk"].provider_features)),
    "random_market": (am.random_market, lambda v: dict(
        m=v["m"], n=v["n"], structure="typed", rng=1, types=2, dim=2, noise="bernoulli", sigma=0.5, arrival=1.0)),
    "random_market/linear": (am.random_market, lambda v: dict(m=v["m"], n=v["n"], structure="linear", dim=2)),
    "MatchUCB": (am.MatchUCB, lambda v: dict(customers=v["m"], providers=v["n"], horizon=v["T"], c=1.0,
                                             sigma=0.5, point="customer", refresh="every")),
    "TypedMatchUCB": (am.TypedMatchUCB, lambda v: dict(customer_types=np.arange(v["m"]) % 2,
                                                       provider_types=np.arange(v["n"]), horizon=v["T"], c=1.0,
                                                       sigma=0.5, agents=None, point="provider")),
    "LinearMatchUCB": (am.LinearMatchUCB, lambda v: dict(
        customer_features=v["mk"].customer_features, provider_features=v["mk"].provider_features, horizon=v["T"],
        c=1.0, sigma=0.5, ridge=1.0, point="solver")),
    "ExploreThenCommit": (am.ExploreThenCommit, lambda v: dict(customers=v["m"], providers=v["n"],
                                                               horizon=v["T"], explore=None,
                                                               point="midpoint")),
    "EpsilonGreedy": (am.EpsilonGreedy, lambda v: dict(customers=v["m"], providers=v["n"], horizon=v["T"],
                                                       epsilon=1.0, rng=0, point="customer")),
    "ThompsonSampling": (am.ThompsonSampling, lambda v: dict(customers=v["m"], providers=v["n"], horizon=v["T"],
                                                             sigma=0.5, prior_scale=1.0, rng=0,
                                                             point="provider")),
    "decide": (decide, lambda v: dict(learner=v["learner"], observation=v["obs"])),
    "update": (update, lambda v: dict(learner=v["learner"], observation=v["obs"], matching=v["decision"].matching,
                                      customer_rewards=v["rc"], provider_rewards=v["rp"])),
    "update/raw": (update_raw, lambda v: dict(learner=v["learner"], feedback=am.MatchingFeedback(
        v["obs"], v["decision"].matching, v["rc"], v["rp"]))),
    "run_bandit": (am.run_bandit, lambda v: dict(market=v["mk"], learner=_stepwise(v), T=v["T"], rng=0)),
    "BanditEnv": (am.BanditEnv, lambda v: dict(market=v["mk"], horizon=v["T"])),
    "BanditEnv.step": (env_step, lambda v: dict(
        market=am.BanditMarket(v["mk"].customer_utils, v["mk"].provider_utils),  # everyone present
        matching=np.array([[0, 0]], dtype=np.int64), transfers=np.zeros(1),
        customer_payoffs=np.zeros(v["m"]), provider_payoffs=np.zeros(v["n"]), rng=0)),
    "BanditEnv.step/raw": (env_step_raw, lambda v: dict(
        market=am.BanditMarket(v["mk"].customer_utils, v["mk"].provider_utils),  # everyone present
        decision=am.MatchUCB(v["m"], v["n"]).decide(am.MatchingObservation.full(v["m"], v["n"])))),
    "BanditMarket.play": (market_play, lambda v: dict(market=v["mk"], observation=v["obs"],
                                                      decision=v["decision"], rng=None)),
    "BanditMarket.instability": (market_instability, lambda v: dict(market=v["mk"], observation=v["obs"],
                                                                    decision=v["decision"])),
    "BanditMarket.optimal_welfare": (market_optimal_welfare, lambda v: dict(market=v["mk"], observation=v["obs"])),
    "BanditMarket.observe": (market_observe, lambda v: dict(market=v["mk"], rng=np.random.default_rng(0))),
    "MatchingObservation": (am.MatchingObservation, lambda v: dict(customers=v["obs"].customers,
                                                                   providers=v["obs"].providers)),
    "MatchingObservation.full": (am.MatchingObservation.full, lambda v: dict(m=v["m"], n=v["n"])),
    "log_grid": (am.log_grid, lambda v: dict(T=v["T"], points=5)),
    "NTUMarket": (am.NTUMarket, lambda v: dict(player_means=v["ntu"].player_means, arm_prefs=v["ntu"].arm_prefs,
                                               sigma=1.0)),
    "NTUMarket.blocking_pairs": (ntu_blocking_pairs, lambda v: dict(market=v["ntu"], matching=v["ntu_matching"])),
    "liu_market": (am.liu_market, lambda v: dict(players=v["players"], arms=v["arms"], rng=0, sigma=1.0, top=0.9)),
    "CentralizedUCB": (am.CentralizedUCB, lambda v: dict(arm_prefs=v["ntu"].arm_prefs, horizon=v["T"], c=1.0)),
    "NTUExploreThenCommit": (am.NTUExploreThenCommit, lambda v: dict(arm_prefs=v["ntu"].arm_prefs,
                                                                     horizon=v["T"], explore=None, gap=0.1,
                                                                     sigma=1.0)),
    "theory_explore": (ntu.theory_explore, lambda v: dict(gap=0.1, sigma=1.0, horizon=v["T"], players=v["players"],
                                                          arms=v["arms"])),
    "ntu decide": (ntu_decide, lambda v: dict(learner=v["ntu_learner"],
                                              observation=types.NTUObservation(v["players"], v["arms"]))),
    "ntu update": (ntu_update, lambda v: dict(learner=v["ntu_learner"], matching=v["ntu_matching"],
                                              rewards=v["ntu_rewards"])),
    "ntu_round_bytes": (ntu.ntu_round_bytes, lambda v: dict(players=v["players"])),
    "run_ntu": (am.run_ntu, lambda v: dict(market=v["ntu"], learner=v["ntu_learner"], T=v["T"], rng=0)),
    "NTUEnv": (am.NTUEnv, lambda v: dict(market=v["ntu"], horizon=v["T"])),
    "NTUEnv.step": (ntu_step, lambda v: dict(market=v["ntu"], decision=v["ntu_matching"])),
    "simulate_live": (am.simulate_live, lambda v: dict(
        learner=am.TypedMatchUCB(range(v["m"]), range(v["n"]), horizon=5), customer_utils=None,
        provider_utils=None, customer_rate=2.0, provider_rate=2.0, patience=3.0, interval=1.0, horizon=5.0,
        sigma=0.5, rng=0)),
    "simulate_live/utils": (am.simulate_live, lambda v: dict(
        learner=am.TypedMatchUCB(range(v["m"]), range(v["n"]), horizon=5), horizon=3.0,
        **{k: x for k, x in _type_utils(v).items() if k != "sigma"})),
    "LiveMarketEnv": (live.LiveMarketEnv, lambda v: dict(
        customer_utils=v["mk"].customer_utils, provider_utils=v["mk"].provider_utils.T, sigma=0.5, horizon=v["T"])),
    "LiveMarketEnv.step": (live_step, lambda v: dict(
        customer_utils=v["mk"].customer_utils, provider_utils=v["mk"].provider_utils.T, sigma=0.5,
        customer_types=np.arange(v["m"]), provider_types=np.arange(v["n"]),
        matching=np.array([[0, 0]], dtype=np.int64), transfers=np.zeros(1))),
    "random_type_utilities": (live.random_type_utilities, lambda v: dict(customer_types=v["m"],
                                                                         provider_types=v["n"], rng=0)),
    "example_bandit_env": (envs.example_bandit_env, lambda v: dict(rng=0, customers=v["m"], providers=v["n"],
                                                                   horizon=v["T"], arrival=1.0)),
    "example_ntu_env": (ntu.example_ntu_env, lambda v: dict(rng=0, players=v["players"], arms=v["arms"],
                                                            horizon=v["T"])),
    "default_explore": (learners.default_explore, lambda v: dict(big=v["m"], horizon=v["T"])),
    "confidence_constant": (learners.confidence_constant, lambda v: dict(c=1.5)),
}

# Names an error may use for an argument that is part of a record (a feedback's or a decision's field).
ALIASES = {"matching": ("decision", "feedback"), "customer_rewards": ("feedback", "rewards"),
           "provider_rewards": ("feedback", "rewards"), "transfers": ("decision",),
           "customer_payoffs": ("decision",), "provider_payoffs": ("decision",), "rewards": ("feedback",),
           "customer_types": ("agent_type",), "provider_types": ("agent_type",)}

# Public names that take no input to check: constants, result types, the learners' base classes.
NO_INPUT = {
    "STRUCTURES", "NOISES", "NOISE_CODES", "METRICS", "NTU_METRICS", "LIVE_METRICS", "ROUND_BYTES",
    "CLEARING_BYTES", "ARRIVAL_BYTES", "CONFIDENCE", "DEFAULT_POINT", "POINTS",
    "LiveMarketResult", "MatchingLearner", "CompiledLearner", "LearnerKernels", "MarketArrays",
    "MatchingDecision", "MatchingFeedback", "NTUObservation", "NTUFeedback",  # plain records: checked where used
    "compiled_bandit",  # the compiled loop behind BanditEnv.compiled_rollout, fed by run_bandit's checks
    "noisy_rewards", "present",  # compiled kernels behind BanditMarket.observe/play
    "LinearMatchUCB", "MatchUCB", "TypedMatchUCB", "ExploreThenCommit", "EpsilonGreedy", "ThompsonSampling",
}
SUBMODULES = (envs, environment, learners, live, loop, ntu, types)


def test_every_public_entry_point_is_fuzzed():
    fuzzed = {key.split("/")[0].split(".")[0] for key in ENTRY_POINTS}
    public = set(am.__all__).union(*(m.__all__ for m in SUBMODULES))
    learner_classes = {"LinearMatchUCB", "MatchUCB", "TypedMatchUCB", "ExploreThenCommit", "EpsilonGreedy",
                       "ThompsonSampling"}
    assert learner_classes <= fuzzed
    missing = public - fuzzed - (NO_INPUT - learner_classes) - {"LiveMarketEnv", "BanditEnv", "NTUEnv"} - {
        "example_bandit_env", "example_ntu_env", "random_type_utilities", "default_explore"}
    assert not missing, f"public entry points of agents.matching without a fuzz case: {sorted(missing)}"


@contextlib.contextmanager
def _address_space_cap(extra):
    """Cap this process's address space at its current size plus ``extra`` bytes (Linux; else no cap).

    tracemalloc measures an allocation only once it succeeded; the cap turns one the machine cannot hold into a
    MemoryError (a failure of the test) instead of a visit from the kernel's OOM killer.
    """
    if resource is None:
        yield
        return
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[0]) * resource.getpagesize()
        old = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (now + extra, old[1]))
    except (OSError, ValueError):
        yield
        return
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, old)


def _call(fn, kwargs):
    """Run one call under the memory guard, with tracemalloc and RuntimeWarnings as errors."""
    with warnings.catch_warnings(), _address_space_cap(4 * PEAK_CAP):
        warnings.simplefilter("error", RuntimeWarning)
        tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            with memory_limit(GUARD):
                return fn(**kwargs), None, tracemalloc.get_traced_memory()[1]
        except Exception as exc:  # judged by the caller
            return None, exc, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def _check(key, kwargs, replaced, well_formed):
    fn, _ = ENTRY_POINTS[key]
    result, exc, peak = _call(fn, kwargs)
    assert peak < PEAK_CAP, f"{key}: traced peak {peak / 2**20:.0f} MiB with {replaced}"
    if exc is None:
        return
    if not isinstance(exc, StratsimError):
        raise AssertionError(f"{key} raised a raw {type(exc).__name__} for {replaced}: {exc}") from exc
    assert replaced, f"{key} refused a valid call: {type(exc).__name__}: {exc}"
    message = str(exc)
    names = set(replaced) if not any(well_formed.values()) else set(kwargs)
    names |= {alias for name in names for alias in ALIASES.get(name, ())}
    assert any(name in message for name in names), f"{key}: {message!r} names none of {sorted(names)}"


# arguments for which a well-formed value from another (random) market is a meaningful disagreement
def _other(name, v, w):
    other = {"market": w["mk"] if "ntu" not in str(v.get("_key")).lower() else w["ntu"],
             "learner": w["learner"] if "ntu" not in str(v.get("_key")).lower() else w["ntu_learner"],
             "observation": w["obs"], "decision": w["decision"], "matching": w["decision"].matching,
             "customer_utils": w["mk"].customer_utils, "provider_utils": w["mk"].provider_utils,
             "customer_features": w["mk"].customer_features, "provider_features": w["mk"].provider_features,
             "customer_rewards": w["rc"], "provider_rewards": w["rp"], "arm_prefs": w["ntu"].arm_prefs,
             "player_means": w["ntu"].player_means, "rewards": w["ntu_rewards"]}
    return other.get(name)


# The object whose method a wrapper calls (its ``self``): replaced only by a well-formed object of another call.
RECEIVERS = {"decide": "learner", "update": "learner", "update/raw": "learner", "ntu decide": "learner",
             "ntu update": "learner", "BanditMarket.play": "market", "BanditMarket.instability": "market",
             "BanditMarket.optimal_welfare": "market", "BanditMarket.observe": "market",
             "NTUMarket.blocking_pairs": "market"}


def _stepwise(v):
    """The call's learner; all but MatchUCB made to run round by round.

    Compiling a learner's loop takes seconds (two per class and presence pattern), so only MatchUCB's runs
    compiled here; an instance hook sends the others through the step loop (the compiled loops are checked
    against it in test_fused.py).
    """
    learner = v["learner"]
    if not isinstance(learner, am.MatchUCB):
        learner.decide = learner.decide
    return learner


@functools.cache
def _compile_loops():
    """Compile MatchUCB's loops once, untraced (tracemalloc slows numba's compiler down)."""
    for arrival in (1.0, 0.6):
        am.run_bandit(am.random_market(2, 2, arrival=arrival), am.MatchUCB(2, 2, horizon=2), 2, rng=0)


def _fuzz(key, data, v):
    if key == "run_bandit":
        _compile_loops()
    _, build = ENTRY_POINTS[key]
    v["_key"] = key
    kwargs = build(v)
    names = sorted(kwargs)
    replaced = data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True), label="replaced")
    well_formed = {}
    for name in replaced:
        other = RECEIVERS.get(key) == name or data.draw(st.booleans(), label="other")
        w = data.draw(valid_calls(), label="other call") if other else None
        alt = None if w is None else _other(name, v, w)
        if alt is not None:
            kwargs[name] = alt
            well_formed[name] = True
        else:
            kwargs[name] = data.draw(junk(like=kwargs[name]), label=name)
            well_formed[name] = False
    _check(key, kwargs, replaced, well_formed)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("key", list(ENTRY_POINTS))
@FUZZ
@given(data=st.data(), v=valid_calls())
def test_fuzz_entry_point(key, data, v):
    _fuzz(key, data, v)


@pytest.mark.parametrize("key", sorted(k for k in ENTRY_POINTS if "/" not in k))
def test_builders_take_every_argument_the_entry_point_has(key):
    # a new parameter of an entry point must be fuzzed too
    fn, build = ENTRY_POINTS[key]
    params = set(inspect.signature(fn).parameters) - {"self"}
    src = inspect.getsource(build)
    assert not [p for p in params if f"{p}=" not in src], f"{key}: parameters never fuzzed"
