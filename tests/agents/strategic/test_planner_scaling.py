"""Merged-state, branch-and-bound planning against the unmerged tree search; bounded approximate planning."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.strategic import (
    ACTIONS,
    EngagementModel,
    EpsilonGreedyRecommender,
    GreedyRecommender,
    Planner,
    Platform,
    PopulationView,
    UserModel,
    engagement_units,
)
from agents.strategic.plan_states import greedy_reach_times, signal_lattice, state_key
from agents.strategic.strategies import recommenders, user_models

TOL = 1e-9
KINDS = ("greedy", "ucb", "epsilon_greedy", "softmax", "trustworthy")


@st.composite
def planning_problems(draw, *, kinds=KINDS, max_items=4, alphas=None):
    """A user model, a believed rule and view, and a reachable believed state with the item shown."""
    K = draw(st.integers(1, max_items))
    model = draw(user_models(K))
    rule = draw(recommenders(K, kinds=kinds))
    if alphas is not None:
        rule = rule.with_alpha(draw(st.sampled_from(alphas)))
    g = 1 if rule.clusters is not None else draw(st.integers(1, 2))
    means = [draw(st.lists(st.floats(-1.0, 1.0), min_size=K, max_size=K)) for _ in range(g)]
    view = Platform(rule, means).base_view
    # a random history: any engagement with whatever the rule shows (its most likely item)
    state, recent = rule.initial_state(K), ()
    for _ in range(draw(st.integers(0, 4))):
        item = max(rule.distribution(state, view), key=lambda kp: kp[1])[0]
        state = rule.advance(state, item, *engagement_units(draw(st.sampled_from(ACTIONS))))
        if model.window:
            recent = (recent + (item,))[-model.window:]
    item = draw(st.integers(0, K - 1))  # a belief need not predict the item actually shown
    return model, rule, view, state, recent, item


def _planner(model, rule, view, gamma, **kw):
    return Planner(model.values, model.engagement, rule, view, gamma, satiation=model.satiation,
                   window=model.window, **kw)


def q_value(model, rule, view, gamma, state, recent, item, action, horizon):
    """Exact value of ``action`` now and a best response afterwards (the tree search)."""
    v = model.current_value(item, recent)
    r = v - model.engagement.cost(action, model.engagement.natural(v))
    if horizon == 0:
        return r
    state2 = rule.advance(state, item, *engagement_units(action))
    recent2 = (recent + (item,))[-model.window:] if model.window else recent
    tree = _planner(model, rule, view, gamma, method="tree")
    cont = sum(p * tree.plan(nxt, state2, recent2, horizon - 1).value
               for nxt, p in rule.distribution(state2, view))
    return r + gamma * cont


@given(problem=planning_problems(), horizon=st.integers(0, 4), gamma=st.sampled_from([1.0, 0.9, 0.5, 0.0]))
@settings(max_examples=150)
def test_merged_planning_equals_tree_search(problem, horizon, gamma):
    """Merged states and branch and bound change nothing: same value, same (optimal) first action.

    Reference: the unmerged memoised tree search (``method="tree"``), itself
    checked against brute force over all ``9^H`` engagement sequences in
    ``test_strategic_planner.py``; chance nodes by exact expectation in both.
    """
    model, rule, view, state, recent, item = problem
    exact = _planner(model, rule, view, gamma, method="exact").plan(item, state, recent, horizon)
    tree = _planner(model, rule, view, gamma, method="tree").plan(item, state, recent, horizon)
    assert exact.gap == 0.0 and exact.exact
    assert exact.value == pytest.approx(tree.value, rel=1e-12, abs=1e-12)
    assert exact.action == tree.action
    assert exact.nodes <= tree.nodes
    # branch and bound on every rule and horizon (a budget that never binds switches it on)
    bnb = _planner(model, rule, view, gamma, method="exact", budget=10**9).plan(item, state, recent, horizon)
    assert bnb.gap == 0.0 and bnb.action == tree.action
    assert bnb.value == pytest.approx(tree.value, rel=1e-12, abs=1e-12)
    # and the action is optimal: its exact Q-value is the optimum
    q = q_value(model, rule, view, gamma, state, recent, item, exact.action, horizon)
    assert q == pytest.approx(tree.value, abs=TOL)


@given(problem=planning_problems(kinds=("greedy", "ucb", "epsilon_greedy")), horizon=st.integers(1, 4),
       gamma=st.sampled_from([1.0, 0.9]), budget=st.integers(1, 40))
@settings(max_examples=120)
def test_budgeted_planning_loses_at_most_its_reported_gap(problem, horizon, gamma, budget):
    """Anytime planning: V* - Q*(chosen action) <= gap, and value <= Q*(chosen) <= V* <= value + gap."""
    model, rule, view, state, recent, item = problem
    approx = _planner(model, rule, view, gamma, method="exact", budget=budget).plan(item, state, recent, horizon)
    best = _planner(model, rule, view, gamma, method="tree").plan(item, state, recent, horizon).value
    q = q_value(model, rule, view, gamma, state, recent, item, approx.action, horizon)
    assert approx.gap >= 0.0
    assert approx.value <= q + TOL
    assert q <= best + TOL
    assert best <= approx.value + approx.gap + TOL
    assert best - q <= approx.gap + TOL
    if approx.gap == 0.0:
        assert q == pytest.approx(best, abs=TOL)


def test_budget_gap_shrinks_to_zero_as_the_budget_grows():
    """A larger budget never reports a larger gap here, and enough budget is exact (hand-built case)."""
    rng = np.random.default_rng(3)
    values = rng.uniform(-1.0, 1.5, 8)
    rule = GreedyRecommender(alpha=0.5)
    view = PopulationView(rng.uniform(-0.5, 0.5, 8))
    gaps = []
    for budget in (1, 4, 16, 64, 256, 100_000):
        plan = Planner(values, EngagementModel(), rule, view, 0.9, budget=budget).plan(0, rule.initial_state(8), (), 6)
        gaps.append(plan.gap)
    assert gaps[-1] == 0.0
    assert gaps[0] > 0.0
    assert all(b <= a + TOL for a, b in zip(gaps, gaps[1:]))


@given(alpha=st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0, 0.3, 0.1]), K=st.integers(1, 4),
       data=st.data())
def test_equal_merge_keys_mean_the_platform_cannot_tell_states_apart(alpha, K, data):
    """States with equal keys get bit-identical estimates, and keep equal keys after the same engagement."""
    kind = data.draw(st.sampled_from(["greedy", "ucb", "softmax"]))
    rule = data.draw(recommenders(K, kinds=(kind,), clusters=False)).with_alpha(alpha)
    key = state_key(rule)
    view = PopulationView(data.draw(st.lists(st.floats(-1, 1), min_size=K, max_size=K)))
    seqs = [data.draw(st.lists(st.tuples(st.integers(0, K - 1), st.sampled_from(ACTIONS)), max_size=6))
            for _ in range(2)]
    states = []
    for seq in seqs:
        s = rule.initial_state(K)
        for item, a in seq:
            s = rule.advance(s, item, *engagement_units(a))
        states.append(s)
    a, b = states
    if key(a) == key(b):
        assert rule.estimates(a, view) == rule.estimates(b, view)
        assert rule.distribution(a, view) == rule.distribution(b, view)
        item, act = data.draw(st.integers(0, K - 1)), data.draw(st.sampled_from(ACTIONS))
        assert key(rule.advance(a, item, *engagement_units(act))) == key(rule.advance(b, item, *engagement_units(act)))
    if signal_lattice(alpha) is None:
        assert key(a) == a  # no merge without exact arithmetic


def test_lattice_merges_paths_with_equal_signal_sums():
    """alpha = 1/2: a like with a skip (0.5 + 0) and no button with a full watch (0 + 0.5) are one state."""
    rule = GreedyRecommender(alpha=0.5)
    key = state_key(rule)
    s = rule.initial_state(2)
    like_skip = rule.advance(s, 0, *engagement_units((1, 0.0)))
    none_full = rule.advance(s, 0, *engagement_units((0, 1.0)))
    assert like_skip != none_full and key(like_skip) == key(none_full)
    assert signal_lattice(0.5) == (2, 1, 4)  # 0.5 = 2/4, (1 - 0.5) / 2 = 1/4


@given(data=st.data(), K=st.integers(2, 4), alpha=st.sampled_from([0.0, 0.5, 1.0, 0.3]))
def test_greedy_reach_times_are_lower_bounds(data, K, alpha):
    """No engagement sequence shows item k before step T_k (exhaustive over short sequences)."""
    import itertools

    rule = GreedyRecommender(alpha=alpha, prior_weight=data.draw(st.floats(0.2, 3.0)))
    view = PopulationView(data.draw(st.lists(st.floats(-1, 1), min_size=K, max_size=K)))
    state = rule.initial_state(K)
    item = rule.distribution(state, view)[0][0]
    times = greedy_reach_times(rule, state, view, item)
    first = {k: math.inf for k in range(K)}
    first[item] = 0
    signals = ((-1, 0.0), (0, 0.5), (1, 1.0), (1, 0.0), (-1, 1.0))
    for seq in itertools.product(signals, repeat=4):
        s, x = state, item
        for step, a in enumerate(seq, start=1):
            s = rule.advance(s, x, *engagement_units(a))
            x = rule.distribution(s, view)[0][0]
            first[x] = min(first[x], step) if x != item else first[x]
    for k in range(K):
        if k != item:
            assert times[k] <= first[k], (k, times, first)


def test_sampled_planning_disagrees_less_with_exact_as_samples_grow():
    """Epsilon-greedy beliefs: the share of first actions that differ from exact planning, measured.

    120 decisions (random users, priors and states, H = 2); the share falls
    from ``samples = 1`` to ``samples = 64`` (the numbers are printed by
    ``bench/strategic.py``).
    """
    rng = np.random.default_rng(11)
    cases = []
    for _ in range(120):
        K = 4
        model = UserModel(rng.uniform(-1.2, 1.5, K).round(2))
        rule = EpsilonGreedyRecommender(epsilon=0.2, alpha=0.5)
        view = PopulationView(rng.uniform(-0.5, 0.5, K).round(2))
        state = rule.initial_state(K)
        for _ in range(int(rng.integers(0, 3))):
            state = rule.advance(state, int(rng.integers(K)), *engagement_units(ACTIONS[int(rng.integers(9))]))
        item = int(rng.integers(K))
        exact = _planner(model, rule, view, 0.9, method="exact").plan(item, state, (), 2).action
        cases.append((model, rule, view, state, item, exact))
    share = {}
    for samples in (1, 64):
        wrong = 0
        for i, (model, rule, view, state, item, exact) in enumerate(cases):
            got = _planner(model, rule, view, 0.9, method="sampled", samples=samples, rng=i).plan(item, state, (), 2)
            wrong += got.action != exact
        share[samples] = wrong / len(cases)
    assert share[64] < share[1], share
