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
                        patience=patience, interval=interval, horizon=20.0, seed=seed)
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
        return simulate_live(TypedMatchUCB(range(3), range(3), horizon=60), horizon=60.0, seed=seed)

    a, b, c = once(4), once(4), once(5)
    for x, y in zip(a, b):
        assert np.array_equal(np.asarray(x), np.asarray(y), equal_nan=True)
    assert not np.array_equal(a.instability, c.instability)


def test_learning_across_batches_lowers_instability():
    early, late = [], []
    for seed in range(4):
        res = simulate_live(TypedMatchUCB(range(3), range(3), horizon=400, c=0.5), horizon=400.0, seed=seed,
                            customer_rate=3.0, provider_rate=3.0)
        early.append(res.instability[:40].mean())
        late.append(res.instability[-100:].mean())
    assert np.mean(late) < 0.6 * np.mean(early)
