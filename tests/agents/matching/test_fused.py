"""The compiled MatchUCB loop is the round-by-round loop, bit for bit.

``run_bandit`` hands MatchUCB on an always-present market to
:func:`agents.matching._fused.run_matchucb`. Its trajectory, the learner's final
statistics and the generator's final state must equal those of the Python
loop (forced here by instrumenting ``decide``, which the fast path refuses).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.matching import MatchUCB, _fused, random_market, run_bandit
from agents.matching import loop as loop_module

_STATE = ("_count", "_mean", "_ucb", "_w", "_next_refresh", "rounds")


def _python_loop(market, learner, T, rng):
    learner.decide = learner.decide  # an instance attribute: the fast path steps aside
    assert not _fused.supports(market, learner)
    return run_bandit(market, learner, T, rng)


@settings(max_examples=25, deadline=None)
@given(m=st.integers(1, 8), n=st.integers(1, 8), T=st.integers(1, 400),
       noise=st.sampled_from(["gaussian", "bernoulli", "none"]), refresh=st.sampled_from(["every", "doubling"]),
       c=st.floats(0.05, 3.0), market_seed=st.integers(0, 2**16), seed=st.integers(0, 2**16),
       structure=st.sampled_from(["unstructured", "typed", "linear"]))
def test_compiled_loop_equals_the_python_loop(m, n, T, noise, refresh, c, market_seed, seed, structure):
    market = random_market(m, n, structure=structure, noise=noise, rng=market_seed)
    fast, slow = (MatchUCB(m, n, horizon=T, c=c, refresh=refresh) for _ in range(2))
    assert _fused.supports(market, fast)
    rng_fast, rng_slow = np.random.default_rng(seed), np.random.default_rng(seed)
    a = run_bandit(market, fast, T, rng_fast)
    b = _python_loop(market, slow, T, rng_slow)
    for name, x, y in zip(a._fields, a, b):
        assert np.array_equal(x, y), name
    for attr in _STATE:
        assert np.array_equal(getattr(fast, attr), getattr(slow, attr)), attr
    # the generator is left exactly where the Python loop leaves it
    assert rng_fast.bit_generator.state == rng_slow.bit_generator.state


def test_a_long_run_crosses_noise_blocks_and_resumes_where_it_stopped(monkeypatch):
    monkeypatch.setattr(_fused, "_BLOCK_ROUNDS", 7)  # many refills, each cut mid-way
    market = random_market(5, 4, rng=2)
    fast, slow = MatchUCB(5, 4, horizon=300), MatchUCB(5, 4, horizon=300)
    ra, rb = np.random.default_rng(1), np.random.default_rng(1)
    a1, a2 = run_bandit(market, fast, 120, ra), run_bandit(market, fast, 80, ra)  # continue the same learner
    b = _python_loop(market, slow, 200, rb)
    assert np.array_equal(np.concatenate([a1.instability, a2.instability]), b.instability)
    assert np.array_equal(fast._mean, slow._mean)
    assert ra.bit_generator.state == rb.bit_generator.state


def test_run_bandit_takes_the_compiled_path_only_where_it_is_exact(monkeypatch):
    calls = []
    real = loop_module.run_matchucb
    monkeypatch.setattr(loop_module, "run_matchucb", lambda *a: calls.append(1) or real(*a))
    market = random_market(4, 4, rng=0)
    run_bandit(market, MatchUCB(4, 4, horizon=10), 10, 0)
    assert calls == [1]

    class Tweaked(MatchUCB):
        pass

    run_bandit(market, Tweaked(4, 4, horizon=10), 10, 0)                        # a subclass may change anything
    run_bandit(random_market(4, 4, rng=0, arrival=0.5), MatchUCB(4, 4, horizon=10), 10, 0)  # absences
    assert calls == [1]


@pytest.mark.parametrize("noise", ["gaussian", "bernoulli", "none"])
def test_compiled_loop_still_learns(noise):
    # not a tautology with the equality test: both loops could be wrong together
    market = random_market(6, 6, noise=noise, rng=5)
    tr = run_bandit(market, MatchUCB(6, 6, horizon=3000), 3000, 11)
    assert tr.instability.min() >= 0
    assert tr.instability[-500:].mean() < 0.2 * tr.instability[:100].mean()
