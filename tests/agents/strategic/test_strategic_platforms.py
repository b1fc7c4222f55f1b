"""Recommenders and the platform: estimates against independent formulas, rules, learning, insulation."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.strategic import (
    ACTIONS,
    EpsilonGreedyRecommender,
    GreedyRecommender,
    Platform,
    PopulationView,
    RecObservation,
    SoftmaxRecommender,
    UCBRecommender,
    engagement_units,
    read_signal,
)
from agents.strategic.strategies import priors, recommenders

actions = st.sampled_from(ACTIONS)


def _history(data, K, max_len=8):
    return data.draw(st.lists(st.tuples(st.integers(0, K - 1), actions), max_size=max_len))


def _apply(rule, K, history):
    state = rule.initial_state(K)
    for item, e in history:
        state = rule.advance(state, item, *engagement_units(e))
    return state


def _numpy_estimates(rule, K, history, means, shares):
    """The module docstring's formulas, computed independently with numpy from the raw history."""
    n = np.zeros(K)
    S = np.zeros(K)
    for item, e in history:
        n[item] += 1
        S[item] += rule.alpha * e[0] + (1 - rule.alpha) * e[1]
    m = np.atleast_2d(np.asarray(means, dtype=float))
    pi = np.asarray(shares, dtype=float) / np.sum(shares)
    w = rule.prior_weight
    if rule.clusters is None:
        logs = np.log(pi) + (2 * m @ S - (m**2) @ n) / (2 * rule.noise**2)
        post = np.exp(logs - logs.max())
        post /= post.sum()
        p = post @ m
        return (w * p + S) / (w + n)
    c = np.asarray(rule.clusters)
    p = m[0]
    out = np.empty(K)
    for k in range(K):
        members = c == c[k]
        out[k] = p[k] + (S[members].sum() - (n[members] * p[members]).sum()) / (w + n[members].sum())
    return out


@given(data=st.data(), K=st.integers(1, 5))
def test_estimates_match_the_documented_formula(data, K):
    """Shrinkage estimates (with type posterior or cluster pooling) equal an independent numpy computation."""
    rule = data.draw(recommenders(K, kinds=("greedy",)))
    means, shares = data.draw(priors(K, max_types=1 if rule.clusters is not None else 3))
    history = _history(data, K)
    view = PopulationView(means, shares)
    got = rule.estimates(_apply(rule, K, history), view)
    np.testing.assert_allclose(got, _numpy_estimates(rule, K, history, means, shares), rtol=1e-9, atol=1e-9)


@given(data=st.data(), K=st.integers(1, 5))
def test_state_does_not_depend_on_signal_order(data, K):
    """The state is exact integer statistics: any permutation of the history gives the same state."""
    rule = data.draw(recommenders(K))
    history = _history(data, K)
    perm = data.draw(st.permutations(history))
    assert _apply(rule, K, history) == _apply(rule, K, perm)


@given(data=st.data(), K=st.integers(1, 5))
def test_distributions_are_probabilities_and_rules_do_what_they_say(data, K):
    rule = data.draw(recommenders(K))
    means, shares = data.draw(priors(K, max_types=1 if rule.clusters is not None else 2))
    view = PopulationView(means, shares)
    state = _apply(rule, K, _history(data, K))
    probs = rule.probabilities(RecObservation(state, view))
    assert probs.shape == (K,) and np.all(probs >= 0) and probs.sum() == pytest.approx(1.0)
    mu = np.array(rule.estimates(state, view))
    if rule.warmup and any(rule._seen(state.counts, k) == 0 for k in range(K)):
        return  # warm-up order has its own test
    if isinstance(rule, GreedyRecommender):
        assert probs[int(np.argmax(mu))] == 1.0
    elif isinstance(rule, EpsilonGreedyRecommender):
        assert probs[int(np.argmax(mu))] == pytest.approx(1 - rule.epsilon + rule.epsilon / K)
    elif isinstance(rule, SoftmaxRecommender):
        want = np.exp((mu - mu.max()) / rule.temperature)
        np.testing.assert_allclose(probs, want / want.sum(), rtol=1e-9, atol=1e-12)
    elif isinstance(rule, UCBRecommender):
        n = np.array([rule._seen(state.counts, k) for k in range(K)], dtype=float)
        score = mu + rule.c * np.sqrt(math.log(sum(state.counts) + 1.0) / (rule.prior_weight + n))
        assert score[int(np.argmax(probs))] == pytest.approx(score.max())


@given(data=st.data(), K=st.integers(1, 5))
def test_trustworthy_rule_ignores_engagement(data, K):
    """Insulation: with the same items shown, any engagement gives the same distribution."""
    rule = data.draw(recommenders(K, kinds=("trustworthy",)))
    means, shares = data.draw(priors(K))
    view = PopulationView(means, shares)
    history = _history(data, K)
    other = [(item, data.draw(actions)) for item, _ in history]
    a = rule.distribution(_apply(rule, K, history), view)
    b = rule.distribution(_apply(rule, K, other), view)
    assert a == b


def test_warmup_shows_unseen_items_then_follows_the_rule():
    rule = GreedyRecommender(alpha=1.0, warmup=True)
    p = Platform(rule, [0.0, 0.9, 0.5])
    u = p.add_user()
    shown = []
    for _ in range(4):
        item = p.recommend(u)
        shown.append(item)
        p.observe(u, item, (1, 1.0) if item == 2 else (-1, 0.0))
    assert shown == [0, 1, 2, 2]
    clustered = GreedyRecommender(warmup=True, clusters=[0, 0, 1, 1])
    p = Platform(clustered, [0.1, 0.3, 0.2, -0.5])
    u = p.add_user()
    first = [p.recommend(u)]
    p.observe(u, first[0], (0, 0.5))
    first.append(p.recommend(u))
    assert first == [1, 2]  # each unseen cluster's most popular item


def test_platform_signal_and_records():
    p = Platform(GreedyRecommender(alpha=0.25), [0.0, 0.0])
    u = p.add_user()
    assert p.observe(u, 1, (1, 0.5)) == pytest.approx(0.25 * 1 + 0.75 * 0.5)
    assert p.raw_means(u)[1] == pytest.approx(0.625) and math.isnan(p.raw_means(u)[0])
    assert p.counts(u).tolist() == [0, 1]


def test_population_learning_is_leave_one_out_and_shared():
    """A user's own signals never enter its own view, but they do enter everyone else's."""
    p = Platform(GreedyRecommender(alpha=1.0), [[0.5, 0.5], [0.0, -0.5]], type_prior=[0.5, 0.5], learn=True,
                 pseudo_count=2.0)
    a, b = p.add_user(), p.add_user()
    before_a, before_b = p.view(a), p.view(b)
    for _ in range(3):
        p.observe(a, 0, (-1, 0.0))
    assert p.view(a) == before_a
    assert p.view(b) != before_b
    # item 0's means moved towards -1 in proportion to a's posterior weights: check by hand
    post = p.policy.type_posterior(p.state(a).state, p.view(a))
    for g in range(2):
        m0 = (0.5, 0.0)[g]
        assert 0 < post[g] < 1
        assert p.view(b).means[g][0] < m0


@given(seed=st.integers(0, 2**16), temperature=st.floats(0.05, 1.0))
def test_same_seed_same_recommendations(seed, temperature):
    def run():
        p = Platform(SoftmaxRecommender(temperature=temperature), [0.1, 0.2, 0.3], rng=seed)
        u = p.add_user()
        out = []
        for t in range(20):
            item = p.recommend(u)
            out.append(item)
            p.observe(u, item, ACTIONS[(item + t) % 9])
        return out

    assert run() == run()


def test_softmax_recommends_by_its_distribution():
    """Empirical frequencies of draws match the stated probabilities (4000 draws, 5 sigma)."""
    rule = SoftmaxRecommender(temperature=0.3, rng=1)
    view = PopulationView([0.0, 0.3, -0.2])
    state = rule.initial_state(3)
    probs = rule.probabilities(RecObservation(state, view))
    draws = np.bincount([rule.draw(state, view) for _ in range(4000)], minlength=3) / 4000
    assert np.all(np.abs(draws - probs) <= 5 * np.sqrt(probs * (1 - probs) / 4000))


def test_read_signal_matches_platform():
    for a in ACTIONS:
        for alpha in (0.0, 0.3, 1.0):
            p = Platform(GreedyRecommender(alpha=alpha), [0.0])
            u = p.add_user()
            assert p.observe(u, 0, a) == read_signal(a, alpha) == alpha * a[0] + (1 - alpha) * a[1]
