"""Sincere engagement: what natural engagement with the recommended items gives, recomputed independently.

The reference below rebuilds each step's natural engagement from the user model's parameters alone
(true values, satiation window, like/dislike thresholds and dwell cut-offs), not through the toolkit's
``EngagementModel.natural``, ``UserModel.current_value`` or ``read_signal``.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.strategic import (
    GreedyRecommender,
    NaiveUser,
    Platform,
    PlatformBelief,
    StrategicUser,
    UserModel,
    engagement_metrics,
    play,
    signal_engagement,
    simulate_population,
    sincere_engagement,
    sincere_signal,
)
from agents.strategic.strategies import games
from sim.errors import InputTypeError, ValidationError


def _reference_sincere(model, items, alpha):
    """Mean of alpha * explicit_nat + (1 - alpha) * dwell_nat over the items shown, in order."""
    eng = model.engagement
    lo, hi = eng.dwell_cutoffs
    total, recent = 0.0, []
    for k in items:
        v = model.values[k]
        if model.satiation and model.window:
            v -= model.satiation * sum(1 for j in recent[-model.window:] if j == k)
        explicit = 1 if v >= eng.like_at else (-1 if v <= eng.dislike_at else 0)
        dwell = 1.0 if v >= hi else (0.0 if v < lo else 0.5)
        total += alpha * explicit + (1.0 - alpha) * dwell
        recent.append(k)
    return total / len(items)


@settings(max_examples=60)
@given(game=games(max_items=4, kinds=("greedy", "ucb", "epsilon_greedy")), horizon=st.integers(0, 3),
       steps=st.integers(1, 8))
def test_sincere_engagement_is_the_natural_engagement_of_the_recommended_items(game, horizon, steps):
    model, make_platform = game
    p = make_platform()
    user = NaiveUser(model) if horizon == 0 else StrategicUser(model, PlatformBelief.of(p), horizon=horizon,
                                                               gamma=0.9, method="exact")
    traj = play(user, p, steps, know_end=False)
    want = _reference_sincere(model, traj.items.tolist(), p.alpha)
    assert sincere_engagement(traj) == pytest.approx(want, abs=1e-12)
    m = engagement_metrics(traj)
    assert m["sincere_engagement"] == sincere_engagement(traj)
    assert m["signal_engagement"] == pytest.approx(float(np.mean(traj.signal)), abs=1e-15)
    if horizon == 0:  # a naive user gives the platform exactly its sincere engagement
        assert m["signal_engagement"] == pytest.approx(m["sincere_engagement"], abs=1e-12)


def test_a_strategic_user_inflates_the_signal_but_not_the_sincere_engagement():
    # items 0 (0.85, naturally liked) and 1 (1.2): the planner dislikes item 0 to move the greedy platform
    model = UserModel([0.85, 1.2, 0.0])
    p = Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0])
    traj = play(StrategicUser(model, PlatformBelief.of(p), horizon=3, gamma=1.0), p, 4)
    assert traj.items.tolist() == [0, 1, 1, 1]
    # read: -1, 1, 1, 1 (mean 0.5); natural: a like of every item shown (mean 1)
    assert signal_engagement(traj) == 0.5
    assert sincere_engagement(traj) == 1.0


@settings(max_examples=15)
@given(game=games(min_items=2, max_items=3, kinds=("greedy", "ucb")), horizon=st.integers(0, 2),
       seed=st.integers(0, 2**16))
def test_population_log_records_the_sincere_signal_of_each_row(game, horizon, seed):
    model, make_platform = game
    p = make_platform()
    users = []
    for _ in range(3):
        users.append(NaiveUser(model) if horizon == 0 else
                     StrategicUser(model, PlatformBelief.of(p), horizon=horizon, gamma=0.9, method="exact"))
    log = simulate_population(users, p, session_length=3, sessions=2, rng=seed)
    for uid in range(3):
        rows = log.for_user(uid)
        # a user's rows are in its own time order, so its satiation memory is rebuilt from them
        assert sincere_engagement(rows) == pytest.approx(_reference_sincere(model, rows.item.tolist(), p.alpha),
                                                         abs=1e-12)
    if horizon == 0:
        np.testing.assert_array_equal(log.signal, log.sincere_signal)


def test_sincere_signal_checks_its_input():
    assert sincere_signal([1, -1], [0.5, 1.0], 0.25).tolist() == [0.25 * 1 + 0.75 * 0.5, -0.25 + 0.75]
    with pytest.raises(ValidationError, match="alpha"):
        sincere_signal([1], [1.0], 1.5)
    with pytest.raises(ValidationError, match="natural_dwell"):
        sincere_signal([1], [0.7], 0.5)
    with pytest.raises(ValidationError, match="shape"):
        sincere_signal([1, 0], [1.0], 0.5)
    with pytest.raises(InputTypeError, match="traj"):
        sincere_engagement([1.0, 2.0])
