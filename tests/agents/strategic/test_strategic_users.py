"""Users: information conditions, learning the rule, satiation, determinism."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.strategic import (
    EngagementModel,
    GreedyRecommender,
    LearningUser,
    NaiveUser,
    Platform,
    PlatformBelief,
    SoftmaxRecommender,
    StrategicUser,
    UserModel,
    UserObservation,
    default_types,
    engagement_metrics,
    make_catalog,
    play,
    sample_users,
    type_profiles,
)
from agents.strategic.strategies import games


@given(game=games(max_items=5, kinds=("greedy", "ucb")), horizon=st.integers(1, 3), steps=st.integers(1, 10))
def test_told_dwell_never_touches_buttons_and_told_likes_never_touches_dwell(game, horizon, steps):
    """A planner only distorts the signal it believes the platform reads (distortion is costly)."""
    model, make_platform = game
    for alpha, column, natural in ((0.0, "explicit", "natural_explicit"), (1.0, "dwell", "natural_dwell")):
        p = make_platform()
        belief = PlatformBelief(alpha=alpha, rule=p.policy, prior=p.base_view)
        traj = play(StrategicUser(model, belief, horizon=horizon, gamma=0.9), p, steps, know_end=False)
        np.testing.assert_array_equal(getattr(traj, column), getattr(traj, natural))


def _population(seed, n_users=30):
    rng = np.random.default_rng(seed)
    catalog = make_catalog(10, rng=rng)
    types = default_types()
    _, thetas = sample_users(types, n_users, rng=rng)
    eng = EngagementModel(like_at=1.2)
    profiles, shares = type_profiles(catalog, types, alpha=0.5, engagement=eng)
    return [UserModel.from_preferences(catalog, th, engagement=eng) for th in thetas], shares @ profiles


def test_strategic_explicit_usage_is_higher_when_told_likes_and_naive_usage_does_not_depend_on_it():
    """REFERENCE finding: told likes > told dwell for strategic users; identical for naive users.

    Same platform (alpha = 0.5), same users; only what strategic users are told differs.
    """
    usage = {("strategic", "likes"): [], ("strategic", "dwell"): [], ("naive", "likes"): [],
             ("naive", "dwell"): []}
    for seed in range(3):
        models, prior = _population(seed)
        for model in models:
            for told, alpha in (("likes", 1.0), ("dwell", 0.0)):
                p = Platform(GreedyRecommender(alpha=0.5), prior)
                belief = PlatformBelief(alpha=alpha, rule=p.policy, prior=p.base_view)
                strat = play(StrategicUser(model, belief, horizon=2, gamma=0.9), p, 15, know_end=False)
                usage[("strategic", told)].append(engagement_metrics(strat)["explicit_usage"])
                # a naive user is told the same thing and ignores it
                p = Platform(GreedyRecommender(alpha=0.5), prior)
                naive = play(NaiveUser(model), p, 15, know_end=False)
                usage[("naive", told)].append(engagement_metrics(naive)["explicit_usage"])
    assert usage[("naive", "likes")] == usage[("naive", "dwell")]
    likes, dwell = np.mean(usage[("strategic", "likes")]), np.mean(usage[("strategic", "dwell")])
    assert likes > 1.2 * dwell, (likes, dwell)


def test_static_belief_is_naive():
    models, prior = _population(0, n_users=10)
    for model in models:
        p1, p2 = Platform(GreedyRecommender(), prior), Platform(GreedyRecommender(), prior)
        belief = PlatformBelief(rule=p2.policy, prior=p2.base_view, adaptive=False)
        a = play(NaiveUser(model), p1, 10)
        b = play(StrategicUser(model, belief, horizon=3), p2, 10)
        assert a.items.tolist() == b.items.tolist() and a.explicit.tolist() == b.explicit.tolist()


@pytest.mark.parametrize("true_alpha, prior", [(0.0, 0.2), (1.0, 0.7)])
def test_learning_user_learns_alpha_when_recommendations_reveal_it(true_alpha, prior):
    """A user who likes what it skips (explicit and dwell disagree) sees which one the platform follows.

    Its signal is ``alpha`` itself, so a greedy platform keeps the item iff
    ``(prior + alpha) / 2 > prior``: with prior 0.2 only alpha = 0 moves on,
    with prior 0.7 only alpha = 1 stays.
    """
    eng = EngagementModel(like_at=-0.4, dislike_at=-0.9, dwell_cutoffs=(0.9, 0.95))  # likes, but skips
    model = UserModel([0.0, 0.0, 0.0], eng)
    p = Platform(GreedyRecommender(alpha=true_alpha), [prior] * 3)
    user = LearningUser(model, PlatformBelief(rule=p.policy.with_alpha(0.5), prior=p.base_view), horizon=1,
                        candidates=(0.0, 0.5, 1.0))
    traj = play(user, p, 12, know_end=False)
    assert user.believed_alpha == true_alpha
    assert user.posterior[true_alpha] > 0.9
    assert traj.believed_alpha[0] == 0.5  # it starts from the uninformed guess


def test_satiation_makes_strategic_users_withhold_likes():
    """REFERENCE finding: some users avoid engaging with content they like so it is not over-recommended.

    One great item (1.5) and a good one (1.3) on a likes algorithm; satiation 0.5 per
    recent consumption. Naive users keep liking item 0 while it satiates; planners
    withhold likes from it while they still enjoy it, so that the platform alternates.
    """
    model = UserModel([1.5, 1.3], EngagementModel(like_at=0.9), satiation=0.5, window=2)
    rates, utils = {}, {}
    for kind in ("naive", "strategic"):
        p = Platform(GreedyRecommender(alpha=1.0), [0.5, 0.4])
        user = NaiveUser(model) if kind == "naive" else StrategicUser(model, PlatformBelief.of(p), horizon=3,
                                                                       gamma=0.9)
        m = engagement_metrics(play(user, p, 20, know_end=False))
        rates[kind], utils[kind] = m["withheld_like_rate"], m["utility"]
    assert rates["naive"] == 0.0 and rates["strategic"] > 0.1
    assert utils["strategic"] > utils["naive"]


@settings(max_examples=20)
@given(seed=st.integers(0, 2**16), horizon=st.integers(1, 2))
def test_same_seed_same_trajectories_with_randomness_everywhere(seed, horizon):
    """Stochastic platform and sampled planning: the same seeds give the same trajectory."""
    model = UserModel([0.9, 0.1, -0.4, 1.3])

    def run():
        p = Platform(SoftmaxRecommender(temperature=0.2), [0.1, 0.0, 0.2, 0.1], rng=seed)
        user = StrategicUser(model, PlatformBelief.of(p), horizon=horizon, method="sampled", samples=3, rng=seed)
        return play(user, p, 8)

    a, b = run(), run()
    for field in ("items", "explicit", "dwell", "utility"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))


def test_known_end_caps_the_horizon():
    model = UserModel([0.85, 1.2])
    p = Platform(GreedyRecommender(alpha=1.0), [0.0, 0.0])
    user = StrategicUser(model, PlatformBelief.of(p), horizon=5, gamma=1.0)
    # last step: nothing left to shape, so it engages naturally
    assert user.decide(UserObservation(0, remaining=0, view=p.base_view)) == model.natural(0)
    assert user.decide(UserObservation(0, remaining=2, view=p.base_view)) != model.natural(0)


def test_update_tracks_the_believed_state_exactly():
    """The user's belief about the platform's state equals the platform's state when the belief is right."""
    model = UserModel([0.85, 1.2, -0.3])
    p = Platform(GreedyRecommender(alpha=0.3, warmup=True), [0.1, 0.2, 0.0])
    user = StrategicUser(model, PlatformBelief.of(p), horizon=2)
    play(user, p, 9)
    assert user.believed_state == p.state(0).state
