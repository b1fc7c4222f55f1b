"""The discrete-event population model: structure, determinism, learning across users."""

from dataclasses import fields

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.strategic import (
    GreedyRecommender,
    NaiveUser,
    Platform,
    PlatformBelief,
    StrategicUser,
    UserModel,
    default_types,
    make_catalog,
    sample_users,
    simulate_population,
    type_profiles,
)


def _setup(n_users, seed, strategic=(), learn=True, horizon=2):
    rng = np.random.default_rng(seed)
    catalog = make_catalog(6, rng=rng)
    types = default_types()
    _, thetas = sample_users(types, n_users, rng=rng)
    profiles, shares = type_profiles(catalog, types)
    platform = Platform(GreedyRecommender(noise=0.4), profiles, type_prior=shares, learn=learn, rng=seed)
    users = []
    for i, th in enumerate(thetas):
        m = UserModel.from_preferences(catalog, th)
        users.append(StrategicUser(m, PlatformBelief.of(platform), horizon=horizon) if i in strategic
                     else NaiveUser(m))
    return users, platform


@settings(max_examples=15)
@given(n=st.integers(1, 12), sessions=st.integers(1, 3), length=st.integers(1, 4), seed=st.integers(0, 999))
def test_every_user_gets_every_step_in_time_order(n, sessions, length, seed):
    users, platform = _setup(n, seed, strategic={0})
    log = simulate_population(users, platform, sessions=sessions, session_length=length, rng=seed)
    assert len(log) == n * sessions * length
    assert np.all(np.diff(log.time) >= 0)
    for u in range(n):
        rows = log.for_user(u)
        assert rows.session.tolist() == [s for s in range(sessions) for _ in range(length)]
        assert rows.step.tolist() == list(range(length)) * sessions
        # consumption takes time: a user's steps are strictly ordered
        assert np.all(np.diff(rows.time) > 0)


def test_same_seed_same_log():
    logs = []
    for _ in range(2):
        users, platform = _setup(15, 3, strategic={1, 4, 7})
        logs.append(simulate_population(users, platform, rng=11))
    for f in fields(logs[0]):
        np.testing.assert_array_equal(getattr(logs[0], f.name), getattr(logs[1], f.name))


def test_arrivals_are_poisson_at_the_given_rate():
    """First arrivals: mean gap 1/rate (Exp), checked within 5 standard errors over 400 users."""
    users, platform = _setup(400, 0, learn=False)
    rate = 2.0
    log = simulate_population(users, platform, arrival_rate=rate, sessions=1, session_length=1, rng=5)
    first = np.array([log.for_user(u).time[0] for u in range(400)])
    gaps = np.diff(np.concatenate([[0.0], first]))
    assert abs(gaps.mean() - 1 / rate) < 5 * (1 / rate) / np.sqrt(400)


def test_strategies_reach_other_users_only_through_population_learning():
    """Making users 0-4 strategic changes what users 5.. are shown iff the platform learns across users.

    Event times do not depend on decisions, so the two logs align row by row.
    """
    def others(seed, strategic, learn):
        users, platform = _setup(30, seed, strategic=strategic, learn=learn, horizon=3)
        log = simulate_population(users, platform, rng=seed)
        return log.item[log.user >= 5]

    for seed in range(3):
        assert np.array_equal(others(seed, set(), False), others(seed, set(range(5)), False))
    assert any(not np.array_equal(others(seed, set(), True), others(seed, set(range(5)), True))
               for seed in range(10))
