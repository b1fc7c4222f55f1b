"""Predictors: noise models, the adversary's choice, online learning."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.online.jobs import JobSet
from agents.online.predictors import (
    AdversarialPredictor,
    ExactPredictor,
    GaussianNoisePredictor,
    LearnedPredictor,
    MultiplicativeNoisePredictor,
)
from agents.online.scheduling import PRR, SPJF
from agents.online.server import simulate
from agents.online.ski import (
    BreakEven,
    ClassicalRandomized,
    PurohitDeterministic,
    PurohitRandomized,
    SkiObservation,
)
from sim.errors import InputTypeError, ValidationError


def z_score(sample, mean, sd):
    return abs(np.mean(sample) - mean) / (sd / math.sqrt(len(sample)))


def test_exact_predictor_returns_the_truth():
    assert ExactPredictor().predict([1.0, 7.5]).tolist() == [1.0, 7.5]
    assert ExactPredictor().predict(3) == 3.0


@given(st.integers(0, 2**32), st.floats(0.1, 50.0))
def test_gaussian_noise_has_the_stated_mean_and_sd_away_from_zero(seed, sigma):
    x = np.full(4000, 1000.0)
    y = GaussianNoisePredictor(sigma).predict(x, rng=np.random.default_rng(seed))
    assert z_score(y - x, 0.0, sigma) < 5
    assert abs(np.std(y - x) / sigma - 1) < 0.1


def test_gaussian_noise_is_clipped_at_zero():
    y = GaussianNoisePredictor(1.0).predict(np.zeros(10_000), rng=np.random.default_rng(3))
    assert y.min() == 0.0
    frac = np.mean(y == 0)
    assert abs(frac - 0.5) < 5 * math.sqrt(0.25 / y.size)


@given(st.integers(0, 2**32), st.floats(0.05, 2.0))
def test_multiplicative_noise_is_lognormal(seed, sigma):
    x = np.linspace(1, 100, 4000)
    y = MultiplicativeNoisePredictor(sigma).predict(x, rng=np.random.default_rng(seed))
    log_err = np.log(y / x)
    assert z_score(log_err, 0.0, sigma) < 5 and abs(np.std(log_err) / sigma - 1) < 0.1


@pytest.mark.parametrize("make", [lambda: GaussianNoisePredictor(3.0), lambda: MultiplicativeNoisePredictor(0.3)],
                         ids=["gaussian", "multiplicative"])
def test_same_seed_same_predictions(make):
    x = np.arange(1.0, 50.0)
    a = make().predict(x, rng=np.random.default_rng(11))
    b = make().predict(x, rng=11)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, make().predict(x, rng=12))


def ratio_table(policy, b, x, ys):
    """Exact ratio for each prediction in ys (rows), by the cost definition."""
    out = []
    for y in ys:
        dist = policy.decide(SkiObservation(b, float(y)))
        costs = np.where(x < dist.days, x, dist.days - 1 + b)
        out.append(float(dist.probs @ costs) / min(x, b))
    return np.array(out)


@pytest.mark.parametrize("make", [lambda: PurohitDeterministic(0.3), lambda: PurohitRandomized(0.6),
                                  lambda: BreakEven()], ids=["deterministic", "randomized", "break_even"])
@given(b=st.integers(3, 40), x=st.integers(1, 200))
def test_adversary_finds_the_worst_prediction(make, b, x):
    policy = make()
    y = AdversarialPredictor.for_ski(policy, b=b).predict(float(x))
    grid = np.arange(0.0, 5 * b + 1, 0.5)
    worst = ratio_table(policy, b, x, grid).max()
    assert ratio_table(policy, b, x, [y])[0] == pytest.approx(worst, rel=1e-12)


def test_adversary_against_classical_rule_cannot_hurt_it():
    policy = ClassicalRandomized()
    y = AdversarialPredictor.for_ski(policy, b=10).predict([3.0, 30.0])
    assert y.shape == (2,)


@given(st.lists(st.floats(0.5, 50.0), min_size=2, max_size=6, unique=True))
def test_scheduling_adversary_reverses_the_order_for_spjf(sizes):
    x = np.array(sizes)
    y = AdversarialPredictor.for_scheduling(SPJF()).predict(x)
    # SPJF then runs longest first: sum_i i * x_(i) in decreasing order, the worst order.
    worst = float(np.sum(np.cumsum(np.sort(x)[::-1])))
    assert simulate(JobSet.batch(x, y), SPJF()).total_completion_time == pytest.approx(worst, rel=1e-12)
    adv = AdversarialPredictor.for_scheduling(PRR(0.5)).predict(x)
    assert simulate(JobSet.batch(x, adv), PRR(0.5)).total_completion_time >= \
        simulate(JobSet.batch(x, x), PRR(0.5)).total_completion_time * (1 - 1e-12)


@given(st.floats(-5, 5), st.floats(-5, 5), st.floats(0, 100), st.integers(0, 2**32))
def test_learned_predictor_recovers_a_noiseless_linear_law(w1, w2, w0, seed):
    rng = np.random.default_rng(seed)
    z = rng.uniform(0, 1, size=(50, 2))
    x = w0 + 10 + z @ np.array([w1, w2])           # >= 0 on the unit square
    learner = LearnedPredictor(prior=3.0, alpha=1e-9)
    assert learner.predict(x[0], features=z[0]) == 3.0
    learner.update(x[:30], features=z[:30])
    assert learner.n_seen == 30
    np.testing.assert_allclose(learner.predict(x[30:], features=z[30:]), x[30:], rtol=1e-6, atol=1e-6)
    # it never reads the truth it is handed
    assert np.array_equal(learner.predict(np.zeros(20), features=z[30:]), learner.predict(x[30:], features=z[30:]))
    learner.reset()
    assert learner.n_seen == 0 and learner.predict(1.0, features=z[0]) == 3.0


def test_learned_predictor_without_features_learns_the_mean():
    learner = LearnedPredictor(prior=0.0, alpha=1e-12)
    learner.update([2.0, 4.0, 9.0])
    assert learner.predict(123.0) == pytest.approx(5.0)


def test_learned_predictor_refuses_a_change_of_feature_width():
    learner = LearnedPredictor()
    learner.update([1.0], features=[[1.0, 2.0]])
    with pytest.raises(ValidationError, match="features must have 2 columns"):
        learner.predict(1.0, features=[[1.0]])


@pytest.mark.parametrize("bad", [-1.0, float("nan")])
def test_bad_sigma_is_refused_naming_it(bad):
    with pytest.raises(ValidationError, match="^sigma must"):
        GaussianNoisePredictor(bad)
    with pytest.raises(ValidationError, match="^sigma must"):
        MultiplicativeNoisePredictor(bad)


def test_bad_truth_is_refused():
    with pytest.raises(ValidationError, match="^x must be finite"):
        ExactPredictor().predict([1.0, float("nan")])
    with pytest.raises(ValidationError, match="^x must be >= 0"):
        GaussianNoisePredictor(1.0).predict([-1.0], rng=0)
    with pytest.raises(InputTypeError, match="^x must be a numeric array"):
        ExactPredictor().predict("ten")
