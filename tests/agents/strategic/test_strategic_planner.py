"""Best responses: brute force, naive equivalences, insulation, and the cost of exact planning."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.strategic import (
    ACTIONS,
    GreedyRecommender,
    NaiveUser,
    Planner,
    Platform,
    PlatformBelief,
    PopulationView,
    StrategicUser,
    TrustworthyRecommender,
    UserModel,
    engagement_units,
    play,
)
from agents.strategic.strategies import games, user_models

TOL = 1e-9


def brute_force_best(model, make_platform, steps, gamma):
    """Max discounted utility over all 9^steps engagement sequences (deterministic platform)."""
    best = -math.inf
    for seq in itertools.product(ACTIONS, repeat=steps):
        platform = make_platform()
        uid = platform.add_user()
        recent, total = (), 0.0
        for t, e in enumerate(seq):
            item = platform.recommend(uid)
            total += gamma**t * model.utility(item, e, recent)
            platform.observe(uid, item, e)
            if model.window:
                recent = (recent + (item,))[-model.window:]
        best = max(best, total)
    return best


@given(game=games(max_items=3), steps=st.integers(1, 3), gamma=st.sampled_from([1.0, 0.9, 0.5]))
def test_best_response_matches_brute_force_and_beats_naive(game, steps, gamma):
    """Invariant: a best response earns at least the naive utility, exactly when deterministic.

    The planner's value equals the brute-force optimum over all engagement
    sequences, realised play earns it, and it is >= naive play's utility.
    """
    model, make_platform = game
    optimum = brute_force_best(model, make_platform, steps, gamma)
    platform = make_platform()
    user = StrategicUser(model, PlatformBelief.of(platform), horizon=steps - 1, gamma=gamma)
    traj = play(user, platform, steps)
    realised = traj.discounted_utility(gamma)
    naive = play(NaiveUser(model), make_platform(), steps).discounted_utility(gamma)
    assert realised == pytest.approx(optimum, abs=TOL)
    assert realised >= naive - TOL
    if steps > 1:
        # the planner's own value at t = 0 is what it then earns
        p2 = make_platform()
        u2 = StrategicUser(model, PlatformBelief.of(p2), horizon=steps - 1, gamma=gamma)
        play(u2, p2, 1, know_end=False)
        assert u2.last_plan.value == pytest.approx(optimum, abs=TOL)


@given(game=games(max_items=5, kinds=("greedy", "ucb", "trustworthy", "softmax", "epsilon_greedy")),
       horizon=st.integers(0, 3), steps=st.integers(1, 12))
def test_horizon_zero_and_gamma_zero_are_naive(game, horizon, steps):
    """Invariant: with H = 0 (or gamma = 0) a strategic user is naive, step for step."""
    model, make_platform = game
    naive = play(NaiveUser(model), make_platform(), steps)
    for h, g in ((0, 0.9), (horizon, 0.0)):
        p = make_platform()
        traj = play(StrategicUser(model, PlatformBelief.of(p), horizon=h, gamma=g), p, steps, know_end=False)
        np.testing.assert_array_equal(traj.items, naive.items)
        np.testing.assert_array_equal(traj.explicit, naive.explicit)
        np.testing.assert_array_equal(traj.dwell, naive.dwell)


class _UnprojectedTrustworthy(TrustworthyRecommender):
    """The same rule without the memo-key shortcut: the planner must find naive play on its own."""

    def memo_key(self, state):
        return state


@given(data=st.data(), K=st.integers(1, 4), horizon=st.integers(1, 3), steps=st.integers(1, 8),
       gamma=st.floats(0.0, 1.0), base=st.sampled_from(["rotate", "greedy", "softmax"]),
       seed=st.integers(0, 1000), projected=st.booleans())
def test_trustworthy_platform_makes_strategic_equal_naive(data, K, horizon, steps, gamma, base, seed, projected):
    """Invariant: under a trustworthy (insulated) platform, strategic play equals naive play."""
    model = data.draw(user_models(K))
    cls = TrustworthyRecommender if projected else _UnprojectedTrustworthy
    rule = cls(base=base, top=data.draw(st.integers(1, K)), alpha=data.draw(st.floats(0, 1)),
               warmup=data.draw(st.booleans()))
    prior = data.draw(st.lists(st.floats(-1, 1), min_size=K, max_size=K))
    make = lambda: Platform(rule, prior, rng=seed)
    naive = play(NaiveUser(model), make(), steps)
    p = make()
    method = data.draw(st.sampled_from(["exact", "sampled"]))
    user = StrategicUser(model, PlatformBelief.of(p), horizon=horizon, gamma=gamma, method=method, rng=seed)
    traj = play(user, p, steps)
    np.testing.assert_array_equal(traj.items, naive.items)
    np.testing.assert_array_equal(traj.explicit, naive.explicit)
    np.testing.assert_array_equal(traj.dwell, naive.dwell)
    assert traj.discounted_utility(gamma) == naive.discounted_utility(gamma)


@given(game=games(max_items=4), steps=st.integers(2, 6))
def test_strategization_gap_is_nonnegative(game, steps):
    """Invariant: utility(best response) - utility(naive) >= 0 on deterministic platforms."""
    from agents.strategic import strategization_gap

    model, make_platform = game
    best, naive, gap = strategization_gap(model, make_platform, steps, gamma=0.95)
    assert gap >= -TOL and gap == pytest.approx(best - naive)


def _reachable(rule, view, values, engagement, item, state, depth):
    """Distinct (item, state) pairs reachable in exactly ``depth`` steps (breadth first, all 9 actions)."""
    layer = {(item, state)}
    sizes = [1]
    for _ in range(depth):
        nxt = set()
        for it, st_ in layer:
            for a in ACTIONS:
                s2 = rule.advance(st_, it, *engagement_units(a))
                nxt.add((rule.draw(s2, view), s2))
        layer = nxt
        sizes.append(len(layer))
    return sizes


@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_exact_planning_expands_each_reachable_state_once(alpha):
    """Invariant: no 9^H enumeration; nodes <= reachable states, which grow polynomially in H.

    On a small-state platform (cluster pooling, two genres) the number of
    distinct believed states reachable in j steps is bounded by a polynomial
    (counts and integer sums per cluster), and the planner never expands more
    search nodes than there are reachable states.
    """
    values = [0.9, 0.7, 0.4, -0.3, 1.1, 0.2]
    clusters = [0, 0, 0, 0, 1, 1]
    rule = GreedyRecommender(alpha=alpha, clusters=clusters)
    view = PopulationView([0.5, 0.45, 0.4, 0.3, 0.1, 0.0])
    model = UserModel(values)
    state = rule.initial_state(len(values))
    H = 6
    sizes = _reachable(rule, view, values, model.engagement, 0, state, H - 1)
    for h in range(1, H + 1):
        planner = Planner(values, model.engagement, rule, view, gamma=0.9)
        plan = planner.plan(0, state, (), h)
        assert plan.nodes <= sum(sizes[:h])  # each (item, state, steps-to-go) at most once
        assert plan.nodes < 9 ** h or h == 1
    # reachable states: per cluster a count n and integer sums |E| <= n, D <= 2n -> O(j^6) at most,
    # and in fact far fewer; a polynomial bound that 3^j or 9^j would break
    for j, size in enumerate(sizes):
        assert size <= (j + 1) ** 4, (j, size)


def test_only_the_most_costly_distortion_moves_the_platform():
    """A hand-checked game: escaping item 0 needs the strongest signal (dislike and skip).

    Prior 0.3 on item 0 and 0 on item 1, prior weight 1, alpha 0.5: after one
    signal s on item 0 its estimate is (0.3 + s) / 2, below item 1's 0 only for
    s = -0.5 (dislike, dwell 0), which costs 0.2; item 1 is worth 1.5 against
    0.85, so over three steps the best response pays it once:
    0.85 - 0.2 + 1.5 + 1.5 = 3.65, against 3 * 0.85 = 2.55 for naive play.
    """
    model = UserModel([0.85, 1.5])
    make = lambda: Platform(GreedyRecommender(alpha=0.5), [0.3, 0.0])
    p = make()
    traj = play(StrategicUser(model, PlatformBelief.of(p), horizon=2, gamma=1.0), p, 3)
    assert traj.items.tolist() == [0, 1, 1]
    assert (traj.explicit[0], traj.dwell[0]) == (-1, 0.0)
    assert traj.discounted_utility(1.0) == pytest.approx(3.65)
    assert play(NaiveUser(model), make(), 3).discounted_utility(1.0) == pytest.approx(2.55)
    assert brute_force_best(model, make, 3, 1.0) == pytest.approx(3.65)


@given(seed=st.integers(0, 2**16), K=st.integers(2, 6), genres=st.integers(1, 3), horizon=st.integers(0, 3),
       theta=st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3), ucb=st.booleans(),
       alpha=st.sampled_from([0.0, 0.5, 1.0]))
def test_on_random_catalogs_planning_never_loses_to_naive_when_horizon_covers_the_game(
        seed, K, genres, horizon, theta, ucb, alpha):
    """Users from random catalogs and preferences: a full-horizon planner earns >= naive utility."""
    from agents.strategic import UCBRecommender, make_catalog

    catalog = make_catalog(K, n_genres=genres, rng=seed)
    model = UserModel.from_preferences(catalog, theta[:genres])
    rule = UCBRecommender(alpha=alpha, c=0.3) if ucb else GreedyRecommender(alpha=alpha)
    prior = np.random.default_rng(seed).uniform(-0.5, 0.5, K)
    steps = horizon + 1
    make = lambda: Platform(rule, prior)
    p = make()
    best = play(StrategicUser(model, PlatformBelief.of(p), horizon=horizon, gamma=1.0), p, steps)
    naive = play(NaiveUser(model), make(), steps)
    assert best.discounted_utility(1.0) >= naive.discounted_utility(1.0) - TOL
