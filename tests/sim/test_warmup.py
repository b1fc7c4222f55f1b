"""MSER-5 warm-up truncation (sim.warmup) on series with a known transient."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputTypeError, ValidationError
from sim.warmup import mser, truncate


def _mser_by_definition(y, batch=5):
    """MSER straight from its definition (White 1997): a loop over every truncation d <= m/2."""
    m = len(y) // batch
    means = [float(np.mean(y[i * batch:(i + 1) * batch])) for i in range(m)]
    best, best_d = None, 0
    for d in range(m // 2 + 1):
        rest = means[d:]
        avg = sum(rest) / len(rest)
        stat = sum((v - avg) ** 2 for v in rest) / len(rest) ** 2
        if best is None or stat < best - 1e-15 * max(1.0, abs(best)):
            best, best_d = stat, d
    return best_d * batch


@pytest.mark.parametrize("start", [0, 50, 100, 250])
def test_a_level_shift_is_cut_where_it_ends(start):
    # a transient at level 5 for `start` observations, then steady state at 0 with small noise: keeping
    # any transient batch costs far more than it saves, and MSER is known to over-truncate a little
    # in pure noise (the minimum of a noisy statistic), so the cut lies at or shortly after the shift
    rng = np.random.default_rng(start)
    y = np.r_[np.full(start, 5.0), np.zeros(1000 - start)] + rng.normal(0.0, 0.1, 1000)
    cut = mser(y)
    assert start <= cut.index <= start + 100 and cut.reliable and cut.rule == "mser-5"
    assert abs(y[cut.index:].mean()) < 0.02


def test_an_exponential_transient_is_cut_where_its_bias_falls_below_the_noise():
    # M/M/1-like start: bias 10 e^{-t/50} decays below the noise (sd 1) after about 50 ln 10 = 115 steps
    rng = np.random.default_rng(7)
    t = np.arange(4000)
    y = 10.0 * np.exp(-t / 50.0) + rng.normal(0.0, 1.0, t.size)
    cut = mser(y)
    assert 60 <= cut.index <= 400 and cut.reliable
    assert abs(y[cut.index:].mean()) < abs(y.mean())


def test_a_series_still_in_its_transient_is_flagged_unreliable():
    y = np.linspace(10.0, 0.0, 500)  # a trend that never settles
    assert not mser(y).reliable


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=10, max_size=200), st.integers(1, 6))
def test_mser_matches_its_definition(values, batch):
    y = np.asarray(values)
    cut = mser(y, batch=batch)
    stat = _stat(y, batch)
    # the chosen d attains the definition's minimum (ties may pick another minimiser)
    assert stat[cut.index // batch] <= min(stat[: len(y) // batch // 2 + 1]) * (1 + 1e-9) + 1e-9
    assert cut.index % batch == 0 and 0 <= cut.index <= len(y) // 2 + batch


def _stat(y, batch):
    m = len(y) // batch
    means = y[: m * batch].reshape(m, batch).mean(axis=1)
    return np.array([np.sum((means[d:] - means[d:].mean()) ** 2) / (m - d) ** 2 for d in range(m)])


def test_the_vectorised_rule_agrees_with_the_loop():
    rng = np.random.default_rng(1)
    for _ in range(20):
        y = np.r_[rng.normal(3.0, 1.0, 60), rng.normal(0.0, 1.0, 440)]
        assert mser(y).index == _mser_by_definition(y)


def test_truncate_by_fraction_keeps_the_old_rule():
    y = np.arange(10.0)
    kept, cut = truncate(y, 0.2)
    assert kept.tolist() == list(range(2, 10)) and cut.index == 2 and cut.rule == "fraction"
    kept, cut = truncate(y)
    assert cut.rule == "mser-5"


@pytest.mark.parametrize("call, error, words", [
    (lambda: mser([1.0, np.nan, 2.0]), ValidationError, "finite"),
    (lambda: mser([[1.0, 2.0]]), ValidationError, "one-dimensional"),
    (lambda: mser(["a"]), InputTypeError, "series"),
    (lambda: mser([1.0, 2.0], batch=0), ValidationError, "batch"),
    (lambda: truncate([1.0, 2.0], 1.0), ValidationError, "warmup"),
    (lambda: truncate([1.0, 2.0], "mser"), ValidationError, "warmup"),
    (lambda: truncate([1.0, 2.0], None), InputTypeError, "warmup"),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()
