"""Trustworthy designs and the trust checks, against exact planning and brute force.

Theorems tested (agents.strategic.trustworthy's module docstring): for users without satiation, the
strategization gap is at most ``(max_{k explored} v_k - v_{i*}) sum_{t >= top} gamma^t`` under explore-commit
and at most ``share (v_max - v_min) sum_{t >= 1} gamma^t`` under the trust mix; it is 0 under the insulated
rule. The best response's utility is checked against brute force over every engagement sequence (a
deterministic rule, a short game), computed by playing the platform's own rule step by step.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.strategic import (
    ACTIONS,
    ExploreCommitRecommender,
    GreedyRecommender,
    Platform,
    TrustMixRecommender,
    TrustworthyRecommender,
    UserModel,
    check_trustworthy,
    exact_gap,
    gap_bound,
    read_signal,
)
from agents.strategic.strategies import engagement_models, item_values, priors
from sim.errors import InputTypeError, ValidationError


@st.composite
def trust_games(draw, kinds=("commit", "mix", "insulated")):
    K = draw(st.integers(2, 4))
    model = UserModel(draw(item_values(K)), draw(engagement_models()))
    means, shares = draw(priors(K))
    alpha = draw(st.sampled_from([0.0, 0.5, 1.0]))
    kind = draw(st.sampled_from(kinds))
    top = draw(st.integers(1, K))
    if kind == "commit":
        rule = ExploreCommitRecommender(top=top, alpha=alpha)
    elif kind == "mix":
        rule = TrustMixRecommender(share=draw(st.floats(0.0, 1.0)), top=top, alpha=alpha)
    else:
        rule = TrustworthyRecommender(base="rotate", top=top, alpha=alpha, warmup=draw(st.booleans()))
    return model, Platform(rule, means, type_prior=shares)


@settings(max_examples=80, deadline=None)
@given(game=trust_games(), steps=st.integers(1, 5), gamma=st.sampled_from([1.0, 0.9, 0.5]))
def test_every_trustworthy_design_has_a_gap_within_its_epsilon_by_exact_planning(game, steps, gamma):
    model, platform = game
    cert = exact_gap(model, platform, steps, gamma)
    eps = gap_bound(platform, model, steps, gamma)
    assert cert.gap >= 0.0
    assert cert.gap <= eps + 1e-9 * max(1.0, abs(cert.best))
    if platform.policy.insulated:
        assert cert.gap == 0.0 and eps == 0.0


def _value_of_sequence(model, platform, actions):
    """Play the platform's own rule against a fixed engagement sequence; total utility (gamma = 1)."""
    rule, view = platform.policy, platform.base_view
    state = rule.initial_state(platform.n_items)
    total = 0.0
    for e in actions:
        (item, p), = rule.distribution(state, view)
        v = model.values[item]
        total += v - model.engagement.cost(e, model.engagement.natural(v))
        state = rule.advance(state, item, e[0], round(e[1] * 2))
    return total


@settings(max_examples=25, deadline=None)
@given(game=trust_games(kinds=("commit", "insulated")), steps=st.integers(1, 3))
def test_exact_best_response_equals_brute_force_over_all_engagement_sequences(game, steps):
    model, platform = game
    cert = exact_gap(model, platform, steps, 1.0)
    brute = max(_value_of_sequence(model, platform, seq) for seq in itertools.product(ACTIONS, repeat=steps))
    natural = []
    rule, view, state = platform.policy, platform.base_view, platform.policy.initial_state(platform.n_items)
    for _ in range(steps):  # the naive path, by hand
        (item, _), = rule.distribution(state, view)
        e = model.engagement.natural(model.values[item])
        natural.append(e)
        state = rule.advance(state, item, e[0], round(e[1] * 2))
    assert cert.best == pytest.approx(brute, abs=1e-9)
    assert cert.naive == pytest.approx(_value_of_sequence(model, platform, natural), abs=1e-12)


def test_a_tie_in_the_top_signal_level_is_what_a_strategic_user_breaks_under_commitment():
    # likes-only reading: items 0 and 1 are both liked (signal 1); the user prefers item 1 (1.2 > 0.85)
    model = UserModel([0.85, 1.2, 0.0])
    commit = Platform(ExploreCommitRecommender(alpha=1.0, top=2), prior=[0.3, 0.2, 0.1])
    cert = exact_gap(model, commit, steps=4, gamma=1.0)
    # naive: explore 0, 1, commit to 0 (ties to the more popular): 0.85 + 1.2 + 2 * 0.85
    assert cert.naive == pytest.approx(0.85 + 1.2 + 2 * 0.85)
    # best: withhold the like of item 0 (cost 0.05), commit to 1: 0.85 - 0.05 + 1.2 + 2 * 1.2
    assert cert.best == pytest.approx(0.80 + 3 * 1.2)
    # no tie (item 0 below the like threshold): sincere play commits to the best item, gap 0
    assert exact_gap(UserModel([0.5, 1.2, 0.0]), commit, steps=4, gamma=1.0).gap == 0.0


def test_the_trust_mix_dial_runs_from_insulated_to_greedy():
    model = UserModel([0.85, 1.2, 0.0])
    prior = [0.0, 0.0, 0.0]
    greedy = exact_gap(model, Platform(GreedyRecommender(alpha=1.0), prior), 4, 1.0)
    full = exact_gap(model, Platform(TrustMixRecommender(share=1.0, alpha=1.0), prior), 4, 1.0)
    none = exact_gap(model, Platform(TrustMixRecommender(share=0.0, alpha=1.0), prior), 4, 1.0)
    assert full.gap == pytest.approx(greedy.gap) and full.naive == pytest.approx(greedy.naive)
    assert none.gap == 0.0
    # share 0: uniform over the 3 popular items every step, whatever the user does
    assert none.naive == pytest.approx(4 * np.mean(model.values))


def test_kappa_is_the_smallest_naive_utility_not_the_mean():
    rule = TrustworthyRecommender(base="greedy", top=1, warmup=False, alpha=1.0)
    platform = Platform(rule, prior=[0.5, 0.0])  # always item 0
    users = [UserModel([1.0, 0.0]), UserModel([-0.2, 0.0]), UserModel([0.4, 0.0])]
    report = check_trustworthy(users, platform, steps=3, gamma=1.0, kappa=0.0)
    assert report.naive.tolist() == pytest.approx([1.0, -0.2, 0.4])
    assert report.kappa == pytest.approx(-0.2)
    assert report.epsilon_trustworthy and report.max_gap == 0.0
    assert report.kappa_trustworthy is False  # the mean (0.4) would pass; the minimum does not
    assert check_trustworthy(users, platform, 3, kappa=-0.2).kappa_trustworthy is True


def test_commitment_ignores_engagement_after_exploration():
    rule = ExploreCommitRecommender(top=2, alpha=0.5)
    platform = Platform(rule, prior=[0.2, 0.9, 0.5])
    uid = platform.add_user()
    shown = []
    for e in [(1, 1.0), (-1, 0.0), (-1, 0.0), (-1, 0.0), (1, 1.0)]:
        item = platform.recommend(uid)
        shown.append(item)
        platform.observe(uid, item, e)
    # explores 1 then 2 (most popular first), commits to 1 (its signal 1 > item 2's -0.5) and stays
    assert shown == [1, 2, 1, 1, 1]
    assert read_signal((1, 1.0), 0.5) > read_signal((-1, 0.0), 0.5)
    # the platform's own records still hold every signal (the learning channel)
    assert platform.raw_means(uid)[1] == pytest.approx((1.0 - 0.5 - 0.5 + 1.0) / 4)


def test_bad_input_is_refused():
    model = UserModel([0.5, 0.1])
    learning = Platform(GreedyRecommender(), prior=[0.0, 0.0], learn=True)
    with pytest.raises(ValidationError, match="learn"):
        exact_gap(model, learning, 3)
    with pytest.raises(InputTypeError, match="model"):
        exact_gap([0.5, 0.1], Platform(GreedyRecommender(), prior=[0.0, 0.0]), 3)
    with pytest.raises(ValidationError, match="steps"):
        exact_gap(model, Platform(GreedyRecommender(), prior=[0.0, 0.0]), 0)
    with pytest.raises(ValidationError, match="satiation"):
        gap_bound(Platform(TrustMixRecommender(), prior=[0.0, 0.0]), UserModel([0.5, 0.1], satiation=0.2, window=1), 3)
    with pytest.raises(ValidationError, match="no trust guarantee"):
        gap_bound(Platform(GreedyRecommender(), prior=[0.0, 0.0]), model, 3)
    with pytest.raises(ValidationError, match="models"):
        check_trustworthy([], Platform(GreedyRecommender(), prior=[0.0, 0.0]), 3)
    with pytest.raises(ValidationError, match="epsilon"):
        check_trustworthy([model], Platform(GreedyRecommender(), prior=[0.0, 0.0]), 3, epsilon=-1.0)
    with pytest.raises(ValidationError, match="share"):
        TrustMixRecommender(share=1.5)
    with pytest.raises(ValidationError, match="top"):
        ExploreCommitRecommender(top=0)
