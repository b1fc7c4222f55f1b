"""Intervals inside the support (sim.intervals): properties, coverage, bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import InputTypeError, UnknownNameError, ValidationError
from sim.intervals import NONNEGATIVE, RATIO, REAL, SHARE, Support, as_support, interval, intervals, support_of

SUPPORTS = [SHARE, NONNEGATIVE, RATIO, REAL, Support(-2.0, 3.0, "[-2, 3]"), Support(-math.inf, 1.0, "at most 1")]


@st.composite
def samples_in(draw):
    sup = draw(st.sampled_from(SUPPORTS))
    lo = sup.lower if math.isfinite(sup.lower) else -1e6
    hi = sup.upper if math.isfinite(sup.upper) else 1e6
    # values at the bounds (0/1 data), inside, and tiny/huge magnitudes
    elem = st.one_of(st.sampled_from([lo, hi]), st.floats(lo, hi, allow_nan=False, allow_subnormal=lo <= 0 <= hi))
    values = draw(st.lists(elem, min_size=1, max_size=40))
    return sup, values


@settings(max_examples=400, deadline=None)
@given(samples_in(), st.sampled_from([0.5, 0.9, 0.95, 0.99]))
def test_interval_stays_inside_the_support_and_contains_the_mean(case, level):
    sup, values = case
    iv = interval(values, sup, level=level)
    assert iv.n == len(values)
    assert sup.lower <= iv.lo <= iv.mean <= iv.hi <= sup.upper
    assert iv.mean == pytest.approx(np.mean(values), rel=1e-9, abs=1e-300)
    if len(values) < 3:
        assert iv.method == "range" and math.isnan(iv.level)
        assert (iv.lo, iv.hi) == (min(values), max(values))


@settings(max_examples=100, deadline=None)
@given(samples_in(), st.integers(1, 6))
def test_columns_are_the_one_column_intervals(case, k):
    sup, values = case
    x = np.tile(np.asarray(values, float)[:, None], (1, k))
    mean, lo, hi, n, _, method = intervals(x, sup)
    one = interval(values, sup)
    # the same numbers up to summation order
    assert mean == pytest.approx(np.full(k, one.mean), rel=1e-12, abs=1e-300)
    assert lo == pytest.approx(np.full(k, one.lo), rel=1e-9, abs=1e-300)
    assert hi == pytest.approx(np.full(k, one.hi), rel=1e-9, abs=1e-300)
    assert set(method) == {one.method}


def test_missing_values_are_dropped_per_column():
    x = np.array([[0.1, np.nan], [0.2, 0.5], [0.3, 0.7], [0.4, np.nan]])
    mean, lo, hi, n, level, method = intervals(x, SHARE)
    assert n.tolist() == [4, 2]
    assert mean.tolist() == pytest.approx([0.25, 0.6])
    assert method.tolist() == ["bca", "range"] and (lo[1], hi[1]) == (0.5, 0.7)


def test_the_bootstrap_is_deterministic_for_a_fixed_rng():
    x = np.random.default_rng(3).uniform(0, 1, 12)
    assert interval(x, SHARE) == interval(x, SHARE)
    assert interval(x, SHARE, rng=1) != interval(x, SHARE, rng=2)


def _coverage(draw, truth, support, method="auto", trials=400, n=30):
    rng = np.random.default_rng(12345)
    hits = 0
    for _ in range(trials):
        iv = interval(draw(rng, n), support, method=method, rng=rng)
        hits += iv.lo <= truth <= iv.hi
    return hits / trials


@pytest.mark.parametrize("name, draw, truth, support", [
    ("t, normal", lambda g, n: g.normal(1.0, 2.0, n), 1.0, REAL),
    ("wilson, bernoulli", lambda g, n: (g.random(n) < 0.3).astype(float), 0.3, SHARE),
    ("bca, beta shares", lambda g, n: g.beta(2.0, 5.0, n), 2.0 / 7.0, SHARE),
    ("log-t, exponential times", lambda g, n: g.exponential(2.0, n), 2.0, NONNEGATIVE),
    ("log-t, ratios", lambda g, n: 1.0 + g.exponential(0.5, n), 1.5, RATIO),
    ("log-t, bounded above", lambda g, n: 1.0 - g.exponential(2.0, n), -1.0, Support(-math.inf, 1.0, "<= 1")),
])
def test_a_95_percent_interval_covers_the_true_mean_about_95_percent_of_the_time(name, draw, truth, support):
    # 400 trials: the binomial standard error of the coverage is about 0.011
    assert 0.90 <= _coverage(draw, truth, support) <= 0.99, name


def test_auto_picks_the_method_by_support_and_data():
    assert interval([1.0, 2.0, 3.0]).method == "t"
    assert interval([1.0, 2.0, 3.0], "nonnegative").method == "log-t"
    assert interval([1.0, 2.0, 3.0], "ratio").method == "log-t"
    assert interval([0.0, 1.0, 1.0], "share").method == "wilson"
    assert interval([0.0, 0.5, 1.0], "share").method == "bca"


def test_all_values_at_a_bound_give_a_degenerate_interval_at_the_bound():
    for values, kind, bound in [([1.0] * 3, "ratio", 1.0), ([0.0] * 3, "nonnegative", 0.0)]:
        iv = interval(values, kind)
        assert (iv.lo, iv.mean, iv.hi) == (bound, bound, bound)


def test_no_successes_in_four_trials_still_leave_room_above_zero():
    # Wilson's interval for 0/4 at 95%: upper end z^2 / (n + z^2) = 0.490 (Wilson 1927)
    iv = interval([0.0] * 4, "share")
    assert iv.method == "wilson" and iv.lo == 0.0
    assert iv.hi == pytest.approx(1.959964 ** 2 / (4 + 1.959964 ** 2), rel=1e-6)


@pytest.mark.parametrize("call, error, words", [
    (lambda: interval([0.5, 1.5, 0.2], "share"), ValidationError, "share support"),
    (lambda: interval([1.0, 2.0, np.inf], "nonnegative"), ValidationError, "inf"),
    (lambda: interval([1.0, 2.0, 3.0], "nonnegative", method="t"), ValidationError, "'t'"),
    (lambda: interval([0.0, 0.5, 1.0], "share", method="wilson"), ValidationError, "wilson"),
    (lambda: interval([1.0, 2.0, 3.0], method="log-t"), ValidationError, "one side only"),
    (lambda: interval([0.1, 0.2, 0.3], "share", method="log-t"), ValidationError, "one side only"),
    (lambda: interval([1.0, 2.0, 3.0], level=1.0), ValidationError, "level"),
    (lambda: interval([1.0, 2.0, 3.0], level="high"), InputTypeError, "level"),
    (lambda: interval([1.0, 2.0, 3.0], method="exact"), UnknownNameError, "method"),
    (lambda: interval(["a", "b"]), InputTypeError, "values"),
    (lambda: interval([[1.0, 2.0], [3.0, 4.0]]), ValidationError, "one-dimensional"),
    (lambda: as_support("positive"), UnknownNameError, "positive"),
    (lambda: as_support((1, 0)), ValidationError, "lower < upper"),
    (lambda: as_support(3), InputTypeError, "support"),
    (lambda: support_of("x", {"y": "share"}), UnknownNameError, "'x'"),
])
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_a_columns_bootstrap_interval_does_not_depend_on_the_other_columns():
    rng = np.random.default_rng(5)
    x = rng.uniform(0, 1, (6, 1))
    alone = intervals(x, SHARE)
    others = np.full((9, 3), np.nan)
    others[:6, :1] = x
    others[:, 1] = rng.uniform(0, 1, 9)
    others[:4, 2] = rng.uniform(0, 1, 4)
    together = intervals(others, SHARE)
    assert (together[1][0], together[2][0]) == (alone[1][0], alone[2][0])
