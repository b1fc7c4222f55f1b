"""The live batch-cleared market: conservation, determinism, learning across batches."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.matching import TypedMatchUCB, simulate_live


@settings(max_examples=10)
@given(seed=st.integers(0, 2**32 - 1), rate=st.floats(0.3, 4.0), patience=st.floats(0.2, 5.0),
       interval=st.sampled_from([0.5, 1.0, 2.0]))
def test_batches_are_consistent(seed, rate, patience, interval):
    res = simulate_live(TypedMatchUCB(range(3), range(2), horizon=40), customer_rate=rate, provider_rate=rate / 2,
                        patience=patience, interval=interval, horizon=20.0, rng=seed)
    assert np.allclose(res.time, interval * np.arange(1, len(res.time) + 1))
    assert len(res.time) == int(20.0 / interval + 1e-9)
    assert np.all(res.instability >= 0)
    assert np.all(res.welfare_regret >= -1e-9)
    assert np.all(res.matched <= res.waiting / 2)  # a pair takes one agent of each side
    # every matched agent left with a non-negative wait; matched counts two agents per pair
    assert res.waiting_times.size == 2 * int(res.matched.sum())
    assert np.all(res.waiting_times >= 0)
    assert res.abandoned >= 0


def test_same_seed_same_run():
    def once(seed):
        return simulate_live(TypedMatchUCB(range(3), range(3), horizon=60), horizon=60.0, rng=seed)

    a, b, c = once(4), once(4), once(5)
    assert a.rollout.metric_names == b.rollout.metric_names
    assert np.array_equal(a.time, b.time)
    for name in a.rollout.metrics:
        assert np.array_equal(a.rollout[name], b.rollout[name], equal_nan=True), name
    assert np.array_equal(a.waiting_times, b.waiting_times) and a.abandoned == b.abandoned
    assert not np.array_equal(a.instability, c.instability)


def test_the_clearing_learner_goes_through_observe_decide_step_update():
    # an instrumented learner sees every non-empty clearing: one decide and one update each
    calls = []

    class Counting(TypedMatchUCB):
        def _decide(self, observation):
            calls.append("decide")
            return super()._decide(observation)

        def _update(self, feedback):
            calls.append("update")
            return super()._update(feedback)

    res = simulate_live(Counting(range(2), range(2), horizon=30), horizon=30.0, rng=2)
    decides = calls.count("decide")
    assert calls == ["decide", "update"] * decides  # each decision is followed by its feedback
    # at least every clearing that matched someone was decided, and at most one decision per clearing
    assert int(np.sum(res.matched > 0)) <= decides <= res.rollout.steps


def test_learning_across_batches_lowers_instability():
    early, late = [], []
    for seed in range(4):
        res = simulate_live(TypedMatchUCB(range(3), range(3), horizon=400, c=0.5), horizon=400.0, rng=seed,
                            customer_rate=3.0, provider_rate=3.0)
        early.append(res.instability[:40].mean())
        late.append(res.instability[-100:].mean())
    assert np.mean(late) < 0.6 * np.mean(early)
