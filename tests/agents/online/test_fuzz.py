"""Fuzz the public entry points of agents.online with bad and edge values (issue 12).

Each entry point has a small valid call. Hypothesis replaces one or two of its
arguments by hostile values: NaN, inf, magnitudes near the float64 limit,
negative and huge numbers (``10**12`` jobs, ``b = 10**15``, ``2**63``), empty
and wrongly shaped arrays, wrong dtypes (bool, complex, str, object, float16),
wrong types (None, strings, objects, dicts, nested and ragged lists), classes
instead of instances and policies of another domain. The invariants:

* the valid call succeeds;
* a hostile call returns (and then holds no NaN or inf where the valid call
  holds none), or raises a :class:`sim.errors.StratsimError` whose message
  names a replaced argument; no other exception escapes;
* its traced peak memory (tracemalloc traces numpy's allocations) stays under
  ``PEAK_CAP`` while :func:`agents.online.checks.memory_limit` asks the size
  guards to refuse work beyond ``GUARD``;
* it finishes within the test's timeout.
"""

from __future__ import annotations

import math
import os
import re
import tracemalloc
import types
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import agents.online as online
from agents.online import bounds, checks, frontier, jobs, predictors, queueing, scheduling, server, ski, ski_sim
from agents.online import strategies as online_strategies
from agents.online.checks import memory_limit
from agents.online.jobs import JobSet
from agents.online.predictors import (
    AdversarialPredictor,
    AdversarialSkiPredictor,
    ExactPredictor,
    GaussianNoisePredictor,
    LearnedPredictor,
    MultiplicativeNoisePredictor,
    PredictionQuery,
    PredictionTask,
)
from agents.online.scheduling import (
    PRR,
    SPJF,
    Allocation,
    RoundRobin,
    SchedObservation,
    ShareRule,
    TwoStage,
    TwoStageOverrun,
)
from agents.online.server import SchedulingServer
from agents.online.ski import (
    BreakEven,
    BuyDays,
    KarlinBuyDays,
    PurohitDeterministic,
    PurohitRandomized,
    SkiObservation,
)
from agents.online.ski_sim import SeasonModel, SkiSeasons
from sim.environment import rollout
from sim.errors import StratsimError

#: Work the size guards may accept inside the fuzz (``memory_limit``), and the traced peak a call may reach.
GUARD = 64 * 2**20
PEAK_CAP = 256 * 2**20
FUZZ = settings(max_examples=int(os.environ.get("STRATSIM_FUZZ_EXAMPLES", 25)), deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


class _Opaque:
    """An object of no expected type."""

    def __repr__(self):
        return "<opaque>"


SCALARS = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 5e-324, 0.0, -0.5, -1, 0, 1, 2, 10**9, 10**12,
           10**15, 2**53 + 1, 2**63, -(2**63), 10**30, True, False, None, "abc", "", b"x", 1 + 2j, _Opaque(), {},
           np.float64("nan"), np.int64(-7), np.float32(0.5), np.array(3.0)]
ARRAYS = [[], [[]], (), [1.0, 2.0], [[1.0, 2.0], [3.0]], ["a", "b"], [[1, "a"]], [None, 1.0], [float("nan")],
          [float("inf"), 0.0], [-1.0, 2.0], [0], [1e300], [10**15], [[[1.0]]], np.zeros((0, 3)),
          np.zeros((2, 2, 2)), np.array([1, 2], dtype=object), np.array(["x"]), np.array([True, False]),
          np.array([1 + 1j]), np.array([1.0], dtype=np.float16), np.full(3, 1e308), np.array([2**62]),
          np.zeros((10**9, 0)), np.ones((3, 1)), np.ones((1, 4)), np.arange(1, 4), np.ones(10**5)]
POLICY_JUNK = ["no.such.policy", "sched.rr", "ski.break_even", "predict.exact", PRR(0.5), BreakEven(),
               ExactPredictor(), BreakEven, PRR, lambda obs: None, _Opaque()]

HOSTILE = st.one_of(st.sampled_from(SCALARS), st.sampled_from(ARRAYS),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(POLICY_JUNK))


@st.composite
def junk(draw, like=None):
    """A hostile value; ``like`` (the valid value) seeds corrupted copies of it."""
    options = [HOSTILE]
    arr = np.asarray(like) if isinstance(like, (list, np.ndarray)) else None
    if arr is not None and arr.dtype.kind in "iuf" and arr.size:
        def spoil(v):
            a = arr.astype(float)
            a.flat[draw(st.integers(0, a.size - 1))] = v
            return a
        options += [st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1.0, 0.0, 1e-300, 0.5]).map(spoil),
                    st.just(arr[..., :0]), st.just(arr.reshape(1, -1)), st.just(arr.tolist()[:-1]),
                    st.just(arr.astype(str)), st.just(arr.astype(bool)), st.just(np.concatenate([arr, arr]))]
    return draw(st.one_of(*options))


# ----------------------------------------------------------------------------- valid objects the calls use
def _obs():
    return SchedObservation(time=0.0, ids=[0, 1], release=[0.0, 0.0], attained=[0.0, 0.0],
                            predictions=[5.0, 2.0], remaining=[2.0, 3.0], sizes=[2.0, 3.0])


def _jobs():
    return JobSet.batch([1.0, 2.0, 3.0], predictions=[3.0, 2.0, 1.0])


def _ski_env(**kw):
    env = SkiSeasons(20, ExactPredictor(), n_seasons=3, **kw)
    env.reset(0)
    return env


def _server():
    env = SchedulingServer(JobSet.batch([1.0, 2.0]))
    env.reset(0)
    return env


def _task():
    task = PredictionTask(n=3, b=20)
    task.reset(0)
    return task


def _learned(**kw):
    p = LearnedPredictor(**kw)
    p.update([4.0, 6.0], features=[[0.1], [0.2]])
    return p


def _karlin(b, k):
    d = KarlinBuyDays(b, k)
    return d.expected_cost([1, 7], b=b), d.max_ratio(), d.sample(0)


# entry point -> (valid keyword arguments, the call)
ENTRY_POINTS = {
    # ------------------------------------------------------------------ ski rental
    "SkiObservation": (dict(b=10, y=3.5), lambda **kw: SkiObservation(**kw)),
    "BuyDays": (dict(days=[1, 2], probs=[0.25, 0.75]), lambda **kw: BuyDays(**kw).expected_cost([1, 5], b=3)),
    "BuyDays.point": (dict(day=4), lambda day: BuyDays.point(day).expected_cost([1, 5], b=3)),
    "BuyDays.expected_cost": (dict(x=[1, 5], b=3), lambda x, b: BuyDays([1, 2], [0.25, 0.75]).expected_cost(x, b=b)),
    "BuyDays.sample": (dict(rng=0, size=4), lambda rng, size: BuyDays([1, 2], [0.25, 0.75]).sample(rng, size)),
    "KarlinBuyDays": (dict(b=10, k=5), _karlin),
    "KarlinBuyDays.max_ratio": (dict(lo=1, hi=None), lambda lo, hi: KarlinBuyDays(10, 5).max_ratio(lo, hi)),
    "BreakEven": (dict(b=10, y=None), lambda b, y: BreakEven().decide(SkiObservation(b, y))),
    "ClassicalRandomized": (dict(b=10, y=None), lambda b, y: ski.ClassicalRandomized().decide(SkiObservation(b, y))),
    "PurohitDeterministic": (dict(lam=0.5, b=10, y=30.0),
                             lambda lam, b, y: PurohitDeterministic(lam).decide(SkiObservation(b, y))),
    "PurohitRandomized": (dict(lam=0.5, b=10, y=30.0),
                          lambda lam, b, y: PurohitRandomized(lam).decide(SkiObservation(b, y))),
    "SkiRentalPolicy.decide": (dict(observation=SkiObservation(10, 3.0)),
                               lambda observation: PurohitRandomized(0.5).decide(observation)),
    "as_buy_days": (dict(decision=3, policy="mine"), lambda **kw: ski.as_buy_days(**kw)),
    "ski_cost": (dict(day=5, x=[3, 5, 9], b=10), lambda day, x, b: ski.ski_cost(day, x, b=b)),
    "opt_cost": (dict(x=[3, 50], b=10), lambda x, b: ski.opt_cost(x, b=b)),
    "expected_cost": (dict(policy="ski.purohit_randomized", x=[10, 20, 30], y=[1.0, 50.0, 5.0], b=20),
                      lambda policy, x, y, b: ski.expected_cost(policy, x, y, b=b)),
    "expected_cost/no y": (dict(policy="ski.classical_randomized", x=[3, 10], b=10),
                           lambda policy, x, b: ski.expected_cost(policy, x, b=b)),
    "expected_ratio": (dict(policy=PurohitDeterministic(0.5), x=[10, 20, 30], y=[1.0, 50.0, 5.0], b=20),
                       lambda policy, x, y, b: ski.expected_ratio(policy, x, y, b=b)),
    "worst_case_ratio": (dict(policy=PurohitDeterministic(0.5), b=10, y=50.0),
                         lambda policy, b, y: ski.worst_case_ratio(policy, b, y)),
    "consistency": (dict(policy=PurohitRandomized(0.5), b=100, breakpoints=None),
                    lambda policy, b, breakpoints: ski.consistency(policy, b, breakpoints=breakpoints)),
    "robustness": (dict(policy="ski.break_even", b=100, breakpoints=None),
                   lambda policy, b, breakpoints: ski.robustness(policy, b, breakpoints=breakpoints)),
    "decision_classes": (dict(policy=PurohitDeterministic(0.5), b=10, breakpoints=[10.0]),
                         lambda policy, b, breakpoints: [lo for lo, _, _ in ski.decision_classes(
                             policy, b, breakpoints=breakpoints)]),
    # ------------------------------------------------------------------ frontiers
    "deterministic_ski_frontier": (dict(consistency=[1.09, 1.5], b=100),
                                   lambda consistency, b: frontier.deterministic_ski_frontier(consistency, b=b)),
    "randomized_ski_frontier": (dict(robustness=[1.7, 3.0], b=20),
                                lambda robustness, b: frontier.randomized_ski_frontier(robustness, b=b)),
    "ski_frontier": (dict(family=PurohitDeterministic, lams=[0.5, 1.0], b=100),
                     lambda family, lams, b: frontier.ski_frontier(family, lams, b=b)),
    "scheduling_worst_ratio": (
        dict(policy=PRR(0.5), n=2, consistent=True, rng=0, n_random=3, n_starts=1, max_evals=10, log_range=2.0,
             seeds=()),
        lambda policy, n, **kw: frontier.scheduling_worst_ratio(policy, n, **kw)),
    # ------------------------------------------------------------------ jobs
    "JobSet": (dict(release=[0.0, 1.0], sizes=[2.0, 1.0], predictions=[1.5, 1.0]),
               lambda **kw: online.simulate(JobSet(**kw), "sched.prr").completion),
    "JobSet.batch": (dict(sizes=[3.0, 1.0], predictions=[2.5, 1.5]),
                     lambda **kw: online.simulate(JobSet.batch(**kw), "sched.rr").completion),
    "JobSet.with_predictions": (dict(predictions=[1.0, 2.0]),
                                lambda predictions: JobSet.batch([1.0, 2.0]).with_predictions(predictions).eta),
    "opt_batch_cost": (dict(sizes=[2.0, 2.0]), lambda sizes: jobs.opt_batch_cost(sizes)),
    "pareto_sizes": (dict(n=5, rng=0, alpha=1.1, minimum=1.0), lambda n, rng, **kw: jobs.pareto_sizes(n, rng, **kw)),
    "poisson_jobs": (dict(n=5, rate=0.5, rng=0, sizes=None),
                     lambda n, rate, rng, sizes: online.simulate(jobs.poisson_jobs(n, rate, rng, sizes=sizes),
                                                                 "sched.srpt").completion),
    # ------------------------------------------------------------------ scheduling
    "SchedObservation": (dict(time=0.0, ids=[0, 1], release=[0.0, 0.0], attained=[0.0, 0.0], predictions=[5.0, 2.0],
                              remaining=[2.0, 3.0], sizes=[2.0, 3.0]),
                         lambda **kw: (PRR(0.5).decide(SchedObservation(**kw)),
                                       online.SRPT().decide(SchedObservation(**kw)))),
    "Allocation": (dict(rates=[0.5, 0.5], recheck=1.0),
                   lambda rates, recheck: scheduling.check_allocation(Allocation(rates, recheck), 2, 0.0)[0]),
    "check_allocation": (dict(decision=[0.5, 0.5], k=2, time=0.0, policy="mine"),
                         lambda **kw: scheduling.check_allocation(**kw)[0]),
    "ShareRule": (dict(alpha=0.5, key="prediction"), lambda alpha, key: ShareRule(alpha, key).rates(_obs())),
    "ShareRule.rates": (dict(obs=_obs()), lambda obs: ShareRule(0.5, "prediction").rates(obs)),
    "PRR": (dict(lam=0.5), lambda lam: online.simulate(_jobs(), PRR(lam)).completion),
    "TwoStage": (dict(lam=0.1), lambda lam: online.simulate(_jobs(), TwoStage(lam)).completion),
    "TwoStageOverrun": (dict(lam=0.1), lambda lam: online.simulate(_jobs(), TwoStageOverrun(lam)).completion),
    "TwoStage.budget": (dict(predictions=[1.0, 2.0, 3.0]), lambda predictions: TwoStage(0.1).budget(predictions)),
    "TwoStage.two_job_hard_instance": (dict(lam=0.1, eps=1e-9),
                                       lambda lam, eps: TwoStage(lam).two_job_hard_instance(eps).sizes),
    **{name: (dict(observation=_obs()), lambda observation, cls=cls: cls().decide(observation))
       for name, cls in (("FCFS", online.FCFS), ("RoundRobin", RoundRobin), ("SPJF", SPJF), ("SRPT", online.SRPT),
                         ("SPT", online.SPT))},
    "SchedulingPolicy.decide": (dict(observation=_obs()), lambda observation: PRR(0.5).decide(observation)),
    # ------------------------------------------------------------------ server
    "simulate": (dict(jobs=_jobs(), policy="sched.prr", method="auto", max_events=None),
                 lambda jobs, policy, **kw: online.simulate(jobs, policy, **kw).completion),
    "SchedulingServer": (dict(jobs=_jobs(), reveal_sizes=False, max_events=None),
                         lambda jobs, **kw: rollout(SchedulingServer(jobs, **kw), RoundRobin(), rng=0).metrics),
    "SchedulingServer.step": (dict(decision=[0.5, 0.5]), lambda decision: _server().step(decision).metrics),
    "SchedulingServer.reset": (dict(rng=0), lambda rng: _server().reset(rng)),
    # ------------------------------------------------------------------ queueing
    "mean_response_time": (dict(discipline="srpt", lam=0.5, sizes=None, grid=1001),
                           lambda discipline, lam, **kw: queueing.mean_response_time(discipline, lam, **kw)),
    # ------------------------------------------------------------------ predictors
    "ExactPredictor.predict": (dict(x=[4.0, 2.0], rng=None, features=None),
                               lambda x, rng, features: ExactPredictor().predict(x, rng, features=features)),
    "GaussianNoisePredictor": (dict(sigma=1.0, rng=0),
                               lambda **kw: GaussianNoisePredictor(**kw).predict([10.0, 3.0])),
    "GaussianNoisePredictor.predict": (dict(x=[10.0], rng=0, features=None),
                                       lambda x, rng, features: GaussianNoisePredictor(1.0).predict(
                                           x, rng, features=features)),
    "MultiplicativeNoisePredictor": (dict(sigma=0.5, rng=0),
                                     lambda **kw: MultiplicativeNoisePredictor(**kw).predict([10.0, 3.0])),
    "LearnedPredictor": (dict(prior=0.0, alpha=1e-3), lambda **kw: _learned(**kw).predict(5.0, features=[[0.3]])),
    "LearnedPredictor.update": (dict(x=[4.0, 6.0], features=[[0.1], [0.2]]),
                                lambda x, features: _learned().update(x, features=features)),
    "LearnedPredictor.predict": (dict(x=[4.0], rng=None, features=[[0.5]]),
                                 lambda x, rng, features: _learned().predict(x, rng, features=features)),
    "PredictionQuery": (dict(x=12.0, features=[0.5]),
                        lambda x, features: _learned().decide(PredictionQuery(x, features))),
    "Predictor.decide": (dict(observation=PredictionQuery(12.0, [0.5])),
                         lambda observation: ExactPredictor().decide(observation)),
    "AdversarialPredictor": (dict(score=lambda y, x: -np.abs(y - x), candidates=lambda x: [x, 2 * x],
                                  elementwise=True),
                             lambda score, candidates, elementwise: AdversarialPredictor(
                                 score, candidates, elementwise=elementwise).predict([1.0, 2.0])),
    "AdversarialPredictor.for_ski": (dict(policy=PurohitDeterministic(0.5), b=100),
                                     lambda policy, b: AdversarialPredictor.for_ski(policy, b=b).predict(
                                         [50.0, 400.0])),
    "AdversarialPredictor.for_scheduling": (dict(policy=SPJF()),
                                            lambda policy: AdversarialPredictor.for_scheduling(policy).predict(
                                                [1.0, 2.0, 3.0])),
    "AdversarialSkiPredictor": (dict(rule="ski.purohit_deterministic", b=100),
                                lambda rule, b: AdversarialSkiPredictor(rule, b).predict([50.0, 400.0])),
    "PredictionTask": (dict(n=5, low=1.0, high=400.0, noise=25.0, b=20),
                       lambda n, **kw: rollout(PredictionTask(n, **kw), LearnedPredictor(), rng=0).metrics),
    "PredictionTask.step": (dict(decision=3.0), lambda decision: _task().step(decision).metrics),
    "PredictionTask.reset": (dict(rng=0), lambda rng: PredictionTask(n=3).reset(rng)),
    # ------------------------------------------------------------------ ski seasons
    "SeasonModel": (dict(low=1.0, high=400.0, noise=25.0),   # no predictor: y is NaN by design
                    lambda **kw: rollout(SkiSeasons(20, None, n_seasons=3, seasons=SeasonModel(**kw)), BreakEven(),
                                         rng=0).cumulative("cost")),
    "SeasonModel.draw": (dict(n=3, rng=0), lambda n, rng: SeasonModel().draw(n, rng)),
    "SkiSeasons": (dict(b=20, predictor=ExactPredictor(), n_seasons=3, seasons=None, defer_feedback=False),
                   lambda b, predictor, **kw: rollout(SkiSeasons(b, predictor, **kw), PurohitRandomized(0.5),
                                                      rng=0).metrics),
    "SkiSeasons.step": (dict(decision=5), lambda decision: _ski_env().step(decision).metrics),
    "SkiSeasons.end_season": (dict(i=0), lambda i: _ski_env(defer_feedback=True).end_season(i)),
    "SkiSeasons.reset": (dict(rng=0), lambda rng: _ski_env().reset(rng)),
    "simulate_ski_rental": (
        dict(policy="ski.purohit_randomized", predictor=LearnedPredictor(), b=20, n_agents=5, rng=0,
             arrival_rate=2.0, seasons=None),
        lambda policy, predictor, **kw: online.simulate_ski_rental(policy, predictor, **kw).expected_cost),
    # ------------------------------------------------------------------ bounds
    "bounds.purohit_deterministic_bound": (dict(lam=0.5, eta=1.0, opt=10.0),
                                           lambda **kw: bounds.purohit_deterministic_bound(**kw)),
    "bounds.purohit_randomized_bound": (dict(lam=0.5, b=100, eta=1.0, opt=10.0),
                                        lambda **kw: bounds.purohit_randomized_bound(**kw)),
    "bounds.purohit_randomized_limit": (dict(lam=0.5), lambda **kw: bounds.purohit_randomized_limit(**kw)),
    "bounds.wei_zhang_deterministic_robustness": (
        dict(consistency=1.5), lambda **kw: bounds.wei_zhang_deterministic_robustness(**kw)),
    "bounds.wei_zhang_randomized_consistency": (
        dict(robustness=2.0), lambda **kw: bounds.wei_zhang_randomized_consistency(**kw)),
    "bounds.prr_bound": (dict(lam=0.5, n=2, eta=1.0, opt=6.0), lambda **kw: bounds.prr_bound(**kw)),
    "bounds.prr_two_job_curve": (dict(lam=0.5), lambda **kw: bounds.prr_two_job_curve(**kw)),
    "bounds.wei_zhang_scheduling_robustness": (dict(lam=0.5, n=2),
                                               lambda **kw: bounds.wei_zhang_scheduling_robustness(**kw)),
    # ------------------------------------------------------------------ strategies and checks
    "strategies.job_sets": (dict(min_n=1, max_n=4, batch=True, integer_sizes=False, predictions=True,
                                 max_size=100.0, max_release=50.0),
                            lambda **kw: online_strategies.job_sets(**kw)),
    "strategies.ski_instances": (dict(min_b=1, max_b=20, max_factor=5),
                                 lambda **kw: online_strategies.ski_instances(**kw)),
    "checks.check_count": (dict(value=10, bytes_each=8), lambda value, bytes_each: checks.check_count(
        "value", value, bytes_each=bytes_each)),
    "checks.check_price": (dict(b=10), lambda b: checks.check_price(b)),
    "checks.check_flag": (dict(value=True), lambda value: checks.check_flag("value", value)),
    "checks.check_policy": (dict(policy="ski.break_even"), lambda policy: checks.check_policy(
        "policy", policy, "ski_rental")),
    "checks.check_season_law": (dict(low=1.0, high=400.0, noise=25.0), lambda **kw: checks.check_season_law(**kw)),
    "checks.check_memory": (dict(n_bytes=10), lambda n_bytes: checks.check_memory("n", 1, n_bytes)),
    "checks.memory_limit": (dict(n_bytes=2**20), lambda n_bytes: memory_limit(n_bytes).__enter__()),
}

#: Public names that take no input to check: result types, base classes, constants, modules.
NO_INPUT = {"Schedule", "SeasonOutcome", "SkiRentalRun", "SchedulingPolicy", "SkiRentalPolicy", "Predictor",
            "MAX_SUPPORT", "DISCIPLINES", "MAX_DAYS", "PolicyLike", "bounds", "current_memory_limit"}
#: Messages may name the argument another way where the replaced value only disagrees with the rest of the call.
ALIASES = {
    ("ShareRule", "key"): ("predictions", "alpha"),
    # a bad decision is the PolicyError of the policy named as its maker
    ("check_allocation", "decision"): ("policy",),
    # the guard names the argument it guards ("n" here), not the byte count it is handed
    ("checks.check_memory", "n_bytes"): ("n",),
    ("checks.check_count", "bytes_each"): ("value",),
}

CASES = sorted(ENTRY_POINTS)


PREFIXED = ("bounds", "checks", "strategies")  # modules whose functions are keyed "module.name"


def _public_callables():
    names = set()
    for module in (online, bounds, checks, frontier, jobs, predictors, queueing, scheduling, server, ski, ski_sim,
                   online_strategies):
        short = module.__name__.rsplit(".", 1)[1]
        for name in module.__all__:
            if isinstance(getattr(module, name), types.ModuleType) or name in NO_INPUT:
                continue
            names.add(f"{short}.{name}" if short in PREFIXED else name)
    return names


def test_every_public_callable_is_fuzzed():
    keys = {key.split("/")[0] for key in ENTRY_POINTS}
    fuzzed = keys | {key.split(".")[0] for key in keys if not key.startswith(PREFIXED)}
    missing = _public_callables() - fuzzed
    assert not missing, f"public callables of agents.online without a fuzz case: {sorted(missing)}"


def _finite(value) -> bool:
    """Every float inside ``value`` (arrays, tuples, dicts of metrics) is finite."""
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return all(_finite(v) for v in value)
    if isinstance(value, np.ndarray) and value.dtype.kind == "f":
        return bool(np.isfinite(value).all())
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def _call(entry, kwargs):
    _, call = ENTRY_POINTS[entry]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            with memory_limit(GUARD):
                return call(**kwargs), None, tracemalloc.get_traced_memory()[1]
        except Exception as exc:  # judged by the caller
            return None, exc, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entry", CASES)
def test_valid_call_succeeds(entry):
    valid, _ = ENTRY_POINTS[entry]
    result, exc, _ = _call(entry, dict(valid))
    if exc is not None:
        raise AssertionError(f"{entry} refused its valid call: {type(exc).__name__}: {exc}") from exc
    assert _finite(result), f"{entry} returned a non-finite result on its valid call: {result!r}"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("entry", CASES)
@FUZZ
@given(data=st.data())
def test_bad_values_succeed_or_raise_a_package_error_naming_the_argument(entry, data):
    valid, _ = ENTRY_POINTS[entry]
    kwargs = dict(valid)
    replaced = data.draw(st.lists(st.sampled_from(sorted(kwargs)), min_size=1, max_size=min(2, len(kwargs)),
                                  unique=True), label="replaced")
    for name in replaced:
        kwargs[name] = data.draw(junk(like=kwargs[name]), label=name)
    result, exc, peak = _call(entry, kwargs)
    shown = {k: kwargs[k] for k in replaced}
    assert peak < PEAK_CAP, f"{entry}({shown}): traced peak {peak / 2**20:.0f} MiB"
    if exc is None:
        assert _finite(result), f"{entry}({shown}) returned a non-finite result {result!r}"
        return
    if not isinstance(exc, StratsimError):
        raise AssertionError(f"{entry}({shown}) raised a raw {type(exc).__name__}: {exc}") from exc
    names = set(replaced).union(*(ALIASES.get((entry, r), ()) for r in replaced))
    message = str(exc)
    named = any(re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)", message) for name in names)
    assert named, f"{entry}({shown}): {message!r} names none of {sorted(names)}"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("argument, call", [
    ("n", lambda: jobs.poisson_jobs(10**12, 0.5, rng=0)),
    ("n", lambda: jobs.pareto_sizes(10**12, rng=0)),
    ("grid", lambda: queueing.mean_response_time("srpt", 0.5, grid=10**12)),
    ("n_seasons", lambda: SkiSeasons(20, None, n_seasons=10**12)),
    ("n_agents", lambda: online.simulate_ski_rental("ski.break_even", None, b=20, n_agents=10**12, rng=0)),
    ("n", lambda: PredictionTask(n=10**12)),
    ("n", lambda: SeasonModel().draw(10**12, rng=0)),
    ("size", lambda: BuyDays([1, 2], [0.5, 0.5]).sample(0, size=10**12)),
    ("x, y", lambda: ski.expected_cost("ski.break_even", np.ones((10**6, 1)), np.ones((1, 10**6)), b=10)),
    ("n, n_random", lambda: frontier.scheduling_worst_ratio(PRR(0.5), 10**6, consistent=False, rng=0,
                                                            n_random=10**7)),
])
def test_sizes_that_cannot_fit_are_refused_before_allocating(argument, call):
    # No memory_limit here: the machine's own limit; the message names the argument and the memory needed.
    tracemalloc.start()
    try:
        needs = rf"^{re.escape(argument)}[ =(].* would need [\d.]+ [TG]iB of working memory"
        with pytest.raises(StratsimError, match=needs):
            call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_CAP


@pytest.mark.timeout(60)
def test_b_of_ten_to_the_fifteen_is_exact_in_o1_memory():
    tracemalloc.start()
    try:
        rule = PurohitRandomized(0.5)
        ratio = float(ski.expected_ratio(rule, x=150, y=80, b=10**15))
        worst = ski.robustness(rule, b=10**15)
        day = rule.decide(SkiObservation(10**15, 80.0)).sample(0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20
    # E cost = min(x, k) / (1 - r^k) with k = 2b: 150 / (1 - (1 - 1/b)^(2b)) / 150, i.e. 1 / (1 - e^-2)
    assert ratio == pytest.approx(1 / (1 - math.exp(-2)), rel=1e-9)
    # max{1 / (1 - r^k1), k2 / (b (1 - r^k2))} with k1 = b/2, k2 = 2b: max{1 / (1 - e^-0.5), 2 / (1 - e^-2)}
    assert worst == pytest.approx(1 / (1 - math.exp(-0.5)), rel=1e-6)
    assert 1 <= day <= 2 * 10**15


def test_one_memory_limit_bounds_every_package():
    # agents.online uses the toolkit's one guard: a limit set through markets applies here, and back
    import markets
    from markets.validation import memory_limit as markets_limit

    with markets_limit(2**20), pytest.raises(StratsimError, match="would need"):
        jobs.pareto_sizes(10**6, rng=0)
    with memory_limit(2**20), pytest.raises(StratsimError, match="would need"):
        markets.stable_outcome([[1.0]], capacities=[10**6])
