"""Fuzz the public entry points of agents.strategic with bad and edge values (issue 12).

For each entry point one argument at a time is replaced by a value hypothesis
draws from a pool of hostile inputs (NaN, inf, wrong shapes and dtypes,
empty, negative, huge sizes, wrong types). Every call must either succeed or
raise a :class:`sim.errors.StratsimError` whose message names the argument;
no raw numpy/Python error, no hang (``pytest.mark.timeout``), and peak
allocation under a cap (tracemalloc).
"""

import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.strategic import (
    GreedyRecommender,
    NaiveUser,
    Platform,
    PopulationView,
    SoftmaxRecommender,
    StrategicUser,
    UCBRecommender,
    UserModel,
    default_types,
    make_catalog,
    make_platform,
    play,
    sample_users,
    simulate_population,
    strategization_gap,
)
from sim.errors import StratsimError

#: Peak Python allocation allowed for one call (tracemalloc), in bytes.
MEMORY_CAP = 200 * 2**20

HOSTILE = st.one_of(
    st.sampled_from([float("nan"), float("inf"), -float("inf"), -1, -1.5, 0, 10**9, 10**12, 2**63, -(2**63),
                     True, None, "abc", "", b"x", object(), 1 + 2j, (), [], {}, [[]],
                     [float("nan")], [float("inf"), 0.0], [[1.0, 2.0], [3.0]], ["a", "b"],
                     np.zeros((0, 3)), np.zeros((2, 2, 2)), np.array([1, 2], dtype=object),
                     np.array(["x", "y"]), np.float32("nan"), np.int64(-7), np.array(3.0)]),
    st.floats(allow_nan=True, allow_infinity=True),
    # small or clearly huge: a mid-size count (10**6 steps) is valid and merely slow
    st.integers(-(2**70), 2**70).filter(lambda v: abs(v) < 100 or abs(v) > 10**9),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
)


def _platform(**kw):
    return Platform(GreedyRecommender(), [0.1, 0.5, 0.2], **kw)


def _two_type_platform(**kw):
    return Platform(GreedyRecommender(), [[0.1, 0.5, 0.2], [0.4, 0.0, 0.3]], **kw)


def _registered():
    p = _platform()
    p.add_user()
    return p


# entry point -> (valid keyword arguments, the call)
ENTRY_POINTS = {
    "Platform": (dict(prior=[0.1, 0.5, 0.2], type_prior=None, learn=False, pseudo_count=10.0, rng=0),
                 lambda prior, type_prior, learn, pseudo_count, rng:
                 Platform(GreedyRecommender(), prior, type_prior=type_prior, learn=learn,
                          pseudo_count=pseudo_count, rng=rng)),
    "Platform.type_prior": (dict(type_prior=[0.5, 0.5]), lambda type_prior: _two_type_platform(type_prior=type_prior)),
    "PopulationView": (dict(type_means=[[0.0, 1.0]], type_prior=[1.0]),
                       lambda type_means, type_prior: PopulationView(type_means, type_prior)),
    "Platform.observe": (dict(uid=0, item=1, engagement=(1, 1.0)),
                         lambda uid, item, engagement: _registered().observe(uid, item, engagement)),
    "Platform.recommend": (dict(uid=0), lambda uid: _registered().recommend(uid)),
    "Platform.raw_means": (dict(uid=0), lambda uid: _registered().raw_means(uid)),
    "GreedyRecommender": (dict(alpha=0.5, prior_weight=1.0, noise=0.5, warmup=False, clusters=None),
                          lambda **kw: GreedyRecommender(**kw)),
    "UCBRecommender": (dict(c=0.5, alpha=0.5), lambda **kw: UCBRecommender(**kw)),
    "SoftmaxRecommender": (dict(temperature=0.1, rng=0), lambda **kw: SoftmaxRecommender(**kw)),
    "UserModel": (dict(values=[0.1, 0.2, 0.3], satiation=0.0, window=0), lambda **kw: UserModel(**kw)),
    "StrategicUser": (dict(horizon=1, gamma=0.9, samples=2, rng=0), lambda **kw: StrategicUser(**kw)),
    "play": (dict(steps=3, uid=None, know_end=True),
             lambda steps, uid, know_end: play(NaiveUser(UserModel([0.1, 0.2, 0.3])), _platform(), steps,
                                               uid=uid, know_end=know_end)),
    "simulate_population": (
        dict(arrival_rate=1.0, session_length=2, sessions=2, consume_time=1.0, return_time=5.0, rng=0),
        lambda **kw: simulate_population([NaiveUser(UserModel([0.1, 0.2, 0.3]))], _platform(), **kw)),
    "strategization_gap": (dict(steps=2, gamma=0.9),
                           lambda steps, gamma: strategization_gap(UserModel([0.1, 0.2, 0.3]), _platform, steps,
                                                                   gamma)),
    "make_catalog": (dict(n_items=5, n_genres=2, minority_share=0.3, noise=0.5, rng=0),
                     lambda n_items, **kw: make_catalog(n_items, **kw)),
    "sample_users": (dict(types=default_types(), n_users=3, rng=0),
                     lambda types, n_users, rng: sample_users(types, n_users, rng=rng)),
    "make_platform": (dict(name="rec.ucb", prior=[0.1, 0.5, 0.2]),
                      lambda name, prior: make_platform(name, prior)),
}

CASES = [(entry, arg) for entry, (valid, _) in ENTRY_POINTS.items() for arg in valid]


def _call_with(entry, arg, value):
    valid, call = ENTRY_POINTS[entry]
    kwargs = dict(valid, **{arg: value})
    tracemalloc.start()
    try:
        return call(**kwargs)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert peak < MEMORY_CAP, f"{entry}({arg}={value!r}) allocated {peak / 2**20:.0f} MiB"


@pytest.mark.parametrize("entry", list(ENTRY_POINTS))
def test_valid_arguments_succeed(entry):
    valid, call = ENTRY_POINTS[entry]
    call(**valid)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("entry, arg", CASES, ids=[f"{e}-{a}" for e, a in CASES])
@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=HOSTILE)
def test_bad_values_succeed_or_raise_a_package_error_naming_the_argument(entry, arg, value):
    try:
        _call_with(entry, arg, value)
    except StratsimError as exc:
        assert arg in str(exc), f"{entry}({arg}={value!r}) raised {type(exc).__name__} not naming {arg!r}: {exc}"
