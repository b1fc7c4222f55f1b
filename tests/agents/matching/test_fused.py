"""The compiled bandit loop is the round-by-round loop, bit for bit, for every learner and with absences.

``run_bandit`` hands a learner that declares compiled kernels to
:func:`agents.matching.compiled.run_compiled`. Its trajectory, the learner's
final state arrays and both generators' final states (the market's and the
learner's own) must equal those of the Python loop (forced here by
instrumenting ``decide``, which the compiled path refuses).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.matching import (
    EpsilonGreedy,
    ExploreThenCommit,
    LinearMatchUCB,
    MatchingLearner,
    MatchUCB,
    ThompsonSampling,
    TypedMatchUCB,
    compiled,
    random_market,
    run_bandit,
)
from agents.matching.envs import METRICS

KINDS = ("ucb", "typed", "linear", "etc", "eps", "thompson")


def _python_loop(market, learner, T, rng):
    learner.decide = learner.decide  # an instance attribute: the compiled path steps aside
    assert not compiled.supports(market, learner)
    return run_bandit(market, learner, T, rng)


def _leaves(state):
    """Every array and number of a (nested) state tuple, with its field path."""
    for name, value in zip(state._fields, state):
        if hasattr(value, "_fields"):
            for sub, leaf in _leaves(value):
                yield f"{name}.{sub}", leaf
        else:
            yield name, value


def _generator_state(learner):
    g = learner.generator
    return None if g is None else g.bit_generator.state


params = st.fixed_dictionaries({
    "c": st.floats(0.05, 3.0), "refresh": st.sampled_from(["every", "doubling"]), "ridge": st.floats(0.1, 3.0),
    "explore_share": st.floats(0.0, 1.0), "epsilon": st.floats(0.05, 5.0), "sigma": st.floats(0.1, 2.0),
    "prior_scale": st.floats(0.2, 3.0), "seed": st.integers(0, 2**16)})


def build(kind, market, T, p):
    m, n = market.shape
    if kind == "ucb":
        return MatchUCB(m, n, horizon=T, c=p["c"], refresh=p["refresh"])
    if kind == "typed":
        return TypedMatchUCB(market.customer_types, market.provider_types, horizon=T, c=p["c"])
    if kind == "linear":
        return LinearMatchUCB(market.customer_features, market.provider_features, horizon=T, c=p["c"],
                              ridge=p["ridge"])
    if kind == "etc":
        return ExploreThenCommit(m, n, horizon=T, explore=int(p["explore_share"] * T))
    if kind == "eps":
        return EpsilonGreedy(m, n, horizon=T, epsilon=p["epsilon"], rng=p["seed"])
    return ThompsonSampling(m, n, horizon=T, sigma=p["sigma"], prior_scale=p["prior_scale"], rng=p["seed"])


def structure_for(kind):
    return {"typed": "typed", "linear": "linear"}.get(kind, "unstructured")


def assert_same_run(market, kind, T, p, seed):
    fast, slow = build(kind, market, T, p), build(kind, market, T, p)
    assert compiled.supports(market, fast)
    rng_fast, rng_slow = np.random.default_rng(seed), np.random.default_rng(seed)
    a = run_bandit(market, fast, T, rng_fast)
    b = _python_loop(market, slow, T, rng_slow)
    for name in METRICS:
        assert np.array_equal(a[name], b[name]), name
    for (name, x), (_, y) in zip(_leaves(fast.state), _leaves(slow.state)):
        assert np.array_equal(x, y), name
    assert fast.rounds == slow.rounds == T
    # the generators are left exactly where the Python loop leaves them
    assert rng_fast.bit_generator.state == rng_slow.bit_generator.state
    assert _generator_state(fast) == _generator_state(slow)
    if slow.last_utilities is None:
        assert fast.last_utilities is None
    else:
        assert np.array_equal(fast.last_utilities, slow.last_utilities)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=12, deadline=None)
@given(m=st.integers(1, 7), n=st.integers(1, 7), T=st.integers(1, 250),
       noise=st.sampled_from(["gaussian", "bernoulli", "none"]),
       arrival=st.one_of(st.just(1.0), st.floats(0.05, 1.0)), market_seed=st.integers(0, 2**16),
       seed=st.integers(0, 2**16), p=params)
def test_compiled_loop_equals_the_python_loop(kind, m, n, T, noise, arrival, market_seed, seed, p):
    market = random_market(m, n, structure=structure_for(kind), noise=noise, arrival=arrival, types=2, dim=2,
                           rng=market_seed)
    assert_same_run(market, kind, T, p, seed)


@pytest.mark.parametrize("kind", KINDS)
def test_sparse_arrivals_with_empty_rounds(kind):
    # arrival 0.1 on tiny markets: many rounds with nobody on one side (empty matchings, no draws)
    p = {"c": 1.0, "refresh": "every", "ridge": 1.0, "explore_share": 0.3, "epsilon": 1.0, "sigma": 0.5,
         "prior_scale": 1.0, "seed": 3}
    for noise in ("gaussian", "bernoulli"):
        market = random_market(2, 3, structure=structure_for(kind), noise=noise, arrival=0.1, types=2, dim=2, rng=4)
        assert_same_run(market, kind, 300, p, 5)


@pytest.mark.parametrize("kind", KINDS)
def test_a_run_continued_equals_one_long_run(kind):
    p = {"c": 1.0, "refresh": "every", "ridge": 1.0, "explore_share": 0.2, "epsilon": 1.0, "sigma": 0.5,
         "prior_scale": 1.0, "seed": 8}
    market = random_market(5, 4, structure=structure_for(kind), arrival=0.9, types=2, dim=2, rng=2)
    fast, slow = build(kind, market, 200, p), build(kind, market, 200, p)
    ra, rb = np.random.default_rng(1), np.random.default_rng(1)
    a1, a2 = run_bandit(market, fast, 120, ra), run_bandit(market, fast, 80, ra)  # continue the same learner
    b = _python_loop(market, slow, 200, rb)
    assert np.array_equal(np.concatenate([a1["instability"], a2["instability"]]), b["instability"])
    for (name, x), (_, y) in zip(_leaves(fast.state), _leaves(slow.state)):
        assert np.array_equal(x, y), name
    assert ra.bit_generator.state == rb.bit_generator.state


def _untouched_refusal(market, learner, T=10):
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    out = np.full((5, T), 7.0)
    state = [np.copy(x) for _, x in _leaves(learner.state)] if hasattr(learner, "state") else None
    assert compiled.run_compiled(market, learner, T, rng, out) is False
    assert rng.bit_generator.state == before and np.all(out == 7.0)
    if state is not None:
        assert all(np.array_equal(x, y) for x, (_, y) in zip(state, _leaves(learner.state)))


def test_the_compiled_path_is_taken_by_capability_and_refused_where_it_would_differ():
    market = random_market(4, 4, rng=0)
    out = np.zeros((5, 10))
    assert compiled.run_compiled(market, MatchUCB(4, 4, horizon=10), 10, np.random.default_rng(0), out)
    assert out[2].max() > 0

    class Plain(MatchUCB):  # changes none of the hooks the kernels stand for
        pass

    assert compiled.run_compiled(market, Plain(4, 4, horizon=10), 10, np.random.default_rng(0), out)

    class Instrumented(MatchUCB):
        def _decide(self, observation):
            return super()._decide(observation)

    class Learns(EpsilonGreedy):
        def _update(self, feedback):
            return super()._update(feedback)

    class Checks(ThompsonSampling):
        def decide(self, observation):
            return super().decide(observation)

    class PythonOnly(MatchingLearner):  # a user learner without kernels
        def _index(self, observation):
            return np.ones((2, *observation.shape))

        def _learn(self, ci, pj, rewards):
            pass

    for learner in (Instrumented(4, 4), Learns(4, 4), Checks(4, 4), MatchUCB(4, 5)):
        _untouched_refusal(market, learner)
    _untouched_refusal(market, PythonOnly(4, 4))
    spied = MatchUCB(4, 4)
    spied.update = spied.update
    _untouched_refusal(market, spied)

    class NoisyMarket(type(market)):
        def _noisy(self, true, rng):
            return true

    other = NoisyMarket(market.customer_utils, market.provider_utils)
    _untouched_refusal(other, MatchUCB(4, 4))
    # absences are compiled too
    assert compiled.run_compiled(random_market(4, 4, rng=0, arrival=0.5), MatchUCB(4, 4, horizon=10), 10,
                                 np.random.default_rng(0), out)


def test_run_compiled_refuses_arguments_that_do_not_fit():
    market = random_market(3, 3, rng=0)
    learner = MatchUCB(3, 3)
    for rng, out, T in ((0, np.zeros((5, 4)), 4), (np.random.default_rng(0), np.zeros((5, 3)), 4),
                        (np.random.default_rng(0), np.zeros((5, 4), dtype=np.float32), 4)):
        assert compiled.run_compiled(market, learner, T, rng, out) is False
    assert learner.rounds == 0


@pytest.mark.parametrize("noise", ["gaussian", "bernoulli", "none"])
def test_compiled_loop_still_learns(noise):
    # not a tautology with the equality test: both loops could be wrong together
    market = random_market(6, 6, noise=noise, rng=5)
    tr = run_bandit(market, MatchUCB(6, 6, horizon=3000), 3000, 11)
    assert tr.instability.min() >= 0
    assert tr.instability[-500:].mean() < 0.2 * tr.instability[:100].mean()
