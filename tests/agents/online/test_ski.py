"""Ski rental: theorem bounds, exact costs against brute force, closed forms, bad input."""

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.online.ski import (
    BreakEven,
    BuyDays,
    ClassicalRandomized,
    KarlinBuyDays,
    PurohitDeterministic,
    PurohitRandomized,
    SkiObservation,
    consistency,
    decision_classes,
    expected_cost,
    expected_ratio,
    robustness,
    worst_case_ratio,
)
from agents.online.strategies import ski_instances
from sim.errors import InputTypeError, PolicyError, StratsimError, ValidationError

E_RATIO = math.e / (math.e - 1)
TOL = 1e-9


def cost(d, x, b):
    """Buy at the start of day d, season of x days (the definition, written out)."""
    return x if x < d else d - 1 + b


def percent(m):
    """lam = m/100 as the float a user would type, plus its exact value."""
    return m / 100, Fraction(m, 100)


# ------------------------------------------------------------------ theorem bounds
@given(ski_instances(max_b=300))
def test_break_even_ratio_within_2_minus_1_over_b(inst):
    b, x, y = inst
    ratio = float(expected_ratio(BreakEven(), x, y, b=b))
    assert ratio <= 2 - 1 / b + TOL
    assert ratio == cost(b, x, b) / min(x, b)


@given(ski_instances(max_b=300))
def test_classical_randomized_ratio_is_below_e_over_e_minus_1(inst):
    b, x, y = inst
    ratio = float(expected_ratio(ClassicalRandomized(), x, y, b=b))
    assert ratio <= E_RATIO + TOL
    # Karlin et al.'s rule equalises the ratio over x: 1 / (1 - (1 - 1/b)^b).
    assert ratio == pytest.approx(1 / (1 - (1 - 1 / b) ** b), rel=1e-12)


@given(ski_instances(max_b=300), st.integers(1, 100))
def test_purohit_deterministic_ratio_within_theorem_bound(inst, m):
    b, x, y = inst
    lam, _ = percent(m)
    eta, opt = abs(y - x), min(x, b)
    ratio = float(expected_ratio(PurohitDeterministic(lam), x, y, b=b))
    second = (1 + lam) + eta / ((1 - lam) * opt) if lam < 1 else math.inf
    assert ratio <= min(1 + 1 / lam, second) + TOL


@given(ski_instances(min_b=2, max_b=300), st.floats(0.0, 1.0))
def test_purohit_randomized_ratio_within_theorem_bound(inst, u):
    b, x, y = inst
    lam = 1 / b + 1e-9 + u * (1 - 1 / b - 2e-9)
    eta, opt = abs(y - x), min(x, b)
    ratio = float(expected_ratio(PurohitRandomized(lam), x, y, b=b))
    bound = min((1 + 1 / b) / (1 - math.exp(-(lam - 1 / b))),
                lam / (1 - math.exp(-lam)) * (1 + eta / opt))
    assert ratio <= bound + TOL


# ------------------------------------------------------------------ exact costs
@given(st.integers(2, 30), st.integers(20, 99), st.integers(1, 400), st.booleans())
def test_randomized_expected_cost_equals_exact_rational_sum(b, m, x, trusts):
    lam, lam_q = percent(m)
    if lam_q * b <= 1:
        return
    y = float(b if trusts else b - 1)
    k = math.floor(lam_q * b) if trusts else math.ceil(b / lam_q)
    r = Fraction(b - 1, b)
    q = [r ** (k - i) / (b * (1 - r**k)) for i in range(1, k + 1)]
    assert sum(q) == 1
    exact = sum(qi * cost(i, x, b) for i, qi in enumerate(q, start=1))
    got = float(expected_cost(PurohitRandomized(lam), x, y, b=b))
    assert got == pytest.approx(float(exact), rel=1e-12)
    # and the telescoped closed form min(x, k) / (1 - r^k)
    assert float(exact) == pytest.approx(min(x, k) / (1 - (1 - 1 / b) ** k), rel=1e-12)


@given(st.integers(1, 60), st.lists(st.integers(1, 80), min_size=1, max_size=6, unique=True),
       st.lists(st.floats(0.01, 1.0), min_size=6, max_size=6), st.integers(1, 200))
def test_buy_days_expected_cost_is_the_finite_sum(b, days, weights, x):
    w = np.array(weights[: len(days)])
    probs = w / w.sum()
    want = sum(p * cost(d, x, b) for d, p in zip(days, probs))
    assert float(BuyDays(days, probs).expected_cost(x, b=b)) == pytest.approx(want, rel=1e-12)


def test_sampled_buy_days_average_to_the_exact_cost():
    b, x = 50, 30
    dist = PurohitRandomized(0.5).decide(SkiObservation(b, y=0.0))
    rng = np.random.default_rng(7)
    days = dist.sample(rng, size=200_000)
    costs = np.where(x < days, x, days - 1 + b)
    half = 3 * costs.std() / math.sqrt(costs.size)
    assert abs(costs.mean() - float(dist.expected_cost(x, b=b))) < half


# ------------------------------------------------------------------ worst cases by brute force
POLICIES = [
    ("break_even", lambda m: BreakEven()),
    ("classical_randomized", lambda m: ClassicalRandomized()),
    ("purohit_deterministic", lambda m: PurohitDeterministic(m / 100)),
    ("purohit_randomized", lambda m: PurohitRandomized(m / 100)),
]


def brute_ratios(policy, b, xs, y):
    """Ratios on every season in ``xs`` for prediction ``y``: the definition, as a days x seasons table."""
    dist = policy.decide(SkiObservation(b, y))
    d = dist.days[:, None].astype(float)
    x = np.asarray(xs, dtype=float)[None, :]
    table = np.where(x < d, x, d - 1 + b)
    return (dist.probs @ table) / np.minimum(x[0], b)


@pytest.mark.parametrize("name,make", POLICIES, ids=[p[0] for p in POLICIES])
@given(b=st.integers(2, 16), m=st.integers(20, 99))
def test_exact_consistency_and_robustness_equal_brute_force(name, make, b, m):
    if m / 100 * b <= 1:
        return
    policy = make(m)
    xs = np.arange(1, 10 * b + 1)                  # beyond every buy day and b: ratios stop changing
    ys = np.arange(0.0, 10 * b + 0.5, 0.5)         # every class, hit at and between integers
    brute_c = max(brute_ratios(policy, b, [x], float(x))[0] for x in xs)
    brute_r = max(brute_ratios(policy, b, xs, float(y)).max() for y in ys)
    assert consistency(policy, b) == pytest.approx(brute_c, rel=1e-12)
    assert robustness(policy, b) == pytest.approx(brute_r, rel=1e-12)
    y = float(ys[m % ys.size])
    assert worst_case_ratio(policy, b, y) == pytest.approx(brute_ratios(policy, b, xs, y).max(), rel=1e-12)


@given(st.integers(2, 500), st.integers(1, 99), st.floats(0.0, 3000.0))
def test_declared_breakpoints_cover_every_decision(b, m, y):
    policy = PurohitDeterministic(m / 100)
    for lo, hi, dist in decision_classes(policy, b):
        if lo <= y < hi:
            assert policy.decide(SkiObservation(b, y)) == dist


# ------------------------------------------------------------------ closed forms of Purohit's rules
@given(st.integers(1, 2000), st.integers(1, 100))
def test_purohit_deterministic_consistency_robustness_closed_forms(b, m):
    lam, _ = percent(m)
    d1 = -(-m * b // 100)                          # ceil(lam b) in integers
    d2 = -(-100 * b // m)                          # ceil(b / lam)
    policy = PurohitDeterministic(lam)
    assert consistency(policy, b) == pytest.approx(1 + (d1 - 1) / b, rel=1e-12)
    assert robustness(policy, b) == pytest.approx(max(1 + (b - 1) / d1, 1 + (d2 - 1) / b), rel=1e-12)
    assert robustness(policy, b) <= 1 + 1 / lam + TOL


@given(st.integers(2, 2000), st.integers(1, 99))
def test_purohit_randomized_consistency_robustness_closed_forms(b, m):
    lam, lam_q = percent(m)
    if lam_q * b <= 1:
        return
    k1, k2 = m * b // 100, -(-100 * b // m)
    r = 1 - 1 / b
    policy = PurohitRandomized(lam)
    want_c = max(k1 / (b * (1 - r**k1)), 1 / (1 - r**k2))
    want_r = max(1 / (1 - r**k1), k2 / (b * (1 - r**k2)))
    assert consistency(policy, b) == pytest.approx(want_c, rel=1e-10)
    assert robustness(policy, b) == pytest.approx(want_r, rel=1e-10)


def test_break_even_and_classical_closed_forms():
    for b in (1, 2, 7, 100, 1000):
        assert robustness(BreakEven(), b) == pytest.approx(2 - 1 / b, rel=1e-15)
        assert consistency(BreakEven(), b) == pytest.approx(2 - 1 / b, rel=1e-15)
        assert robustness(ClassicalRandomized(), b) == pytest.approx(1 / (1 - (1 - 1 / b) ** b), rel=1e-12)
    assert robustness(ClassicalRandomized(), 10_000) == pytest.approx(E_RATIO, rel=1e-4)


# ------------------------------------------------------------------ Wei-Zhang: randomized frontier
@given(st.floats(0.01, 0.99))
def test_purohit_randomized_limit_lies_on_wei_zhang_curve(lam):
    c = lam / (1 - math.exp(-lam))
    r = 1 / (1 - math.exp(-lam))
    assert c == pytest.approx(r * math.log(1 + 1 / (r - 1)), rel=1e-12)


@given(st.floats(0.05, 0.95), st.integers(100, 20_000))
def test_purohit_randomized_curve_meets_wei_zhang_bound_as_b_grows(lam, b):
    policy = PurohitRandomized(lam)
    c_b, r_b = consistency(policy, b), robustness(policy, b)
    c_inf = lam / (1 - math.exp(-lam))
    # c_b sits below its limit by at most the floor in k1 = floor(lam b) and r = 1 - 1/b:
    # (k/b) / (1 - r^k) >= (1 - 1/b) f(k/(b-1)), f(u) = u/(1 - e^-u) increasing, 1/2 <= f' <= 1.
    assert c_inf - 3 / (b - 1) <= c_b <= c_inf + TOL
    # r_b >= 1/(1 - r^k1) with r^k1 >= e^-(lam b/(b-1)); above: Purohit's robustness bound.
    assert 1 / (1 - math.exp(-lam * b / (b - 1))) - TOL <= r_b
    assert r_b <= (1 + 1 / b) / (1 - math.exp(-(lam - 1 / b))) + TOL
    # Hence the gap to the Wei-Zhang curve c = r ln(1 + 1/(r - 1)) closes like 1/b.
    gap = c_b - r_b * math.log(1 + 1 / (r_b - 1))
    assert abs(gap) <= 4 / (b - 1)


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("b", [0, -3])
def test_nonpositive_price_is_refused_naming_b(b):
    with pytest.raises(ValidationError, match=r"^b must be >= 1"):
        SkiObservation(b)
    with pytest.raises(ValidationError, match=r"^b must be >= 1"):
        expected_cost(BreakEven(), 3, b=b)
    with pytest.raises(ValidationError, match=r"^b must be >= 1"):
        robustness(BreakEven(), b)


def test_non_integer_price_is_a_type_error():
    with pytest.raises(InputTypeError, match="b must be an integer"):
        SkiObservation(2.5)


@pytest.mark.parametrize("lam", [0.0, -0.1, 1.2, float("nan")])
def test_deterministic_lambda_out_of_range(lam):
    with pytest.raises(ValidationError, match="lam"):
        PurohitDeterministic(lam)


@pytest.mark.parametrize("lam", [0.0, 1.0, 1.5, float("inf")])
def test_randomized_lambda_out_of_range(lam):
    with pytest.raises(ValidationError, match="lam"):
        PurohitRandomized(lam)


def test_randomized_lambda_must_exceed_one_over_b():
    with pytest.raises(ValidationError, match=r"lam must be in \(1/b, 1\)"):
        PurohitRandomized(0.01).decide(SkiObservation(100, 5.0))
    with pytest.raises(ValidationError, match=r"lam must be in \(1/b, 1\)"):
        robustness(PurohitRandomized(0.01), 100)


@pytest.mark.parametrize("y", [-1.0, float("nan"), float("inf")])
def test_bad_predictions_are_refused_naming_y(y):
    with pytest.raises(ValidationError, match=r"^y must be"):
        SkiObservation(10, y)
    with pytest.raises(ValidationError, match=r"^y must be"):
        expected_cost(PurohitDeterministic(), [3, 4], [1.0, y], b=10)


@pytest.mark.parametrize("x", [0, -2, 2.5, float("nan")])
def test_bad_season_lengths_are_refused_naming_x(x):
    with pytest.raises(ValidationError, match=r"^x must"):
        expected_cost(BreakEven(), [3, x], b=10)


def test_policy_needing_a_prediction_says_so():
    with pytest.raises(ValidationError, match="needs a prediction"):
        PurohitDeterministic().decide(SkiObservation(10))


def test_user_policy_returning_a_bad_day_is_named():
    def buy_never(obs):
        return -1

    with pytest.raises(PolicyError, match="buy_never"):
        expected_cost(buy_never, 5, 3.0, b=10)
    with pytest.raises(PolicyError, match="BuyDays"):
        expected_cost(lambda obs: "tomorrow", 5, 3.0, b=10)


def test_user_policy_returning_a_day_is_accepted_and_exact():
    def buy_at_prediction(obs):
        return max(1, math.ceil(obs.y))

    costs = expected_cost(buy_at_prediction, [5, 5, 5], [2.0, 5.0, 9.0], b=10)
    assert costs.tolist() == [cost(2, 5, 10), cost(5, 5, 10), cost(9, 5, 10)]
    with pytest.raises(ValidationError, match="breakpoints"):
        robustness(buy_at_prediction, 10)
    # with its breakpoints declared, robustness is exact: buying on day 1 at y < 1 is the worst (10x)
    assert robustness(buy_at_prediction, 10, breakpoints=np.arange(1, 60)) == pytest.approx(10.0)


def test_decide_on_a_foreign_observation_is_a_stratsim_error():
    for policy in (BreakEven(), ClassicalRandomized(), PurohitDeterministic(), PurohitRandomized()):
        with pytest.raises(StratsimError):
            policy.decide(object())
        with pytest.raises(StratsimError):
            policy.decide((10, 3.0))


def test_invalid_distributions_are_refused():
    with pytest.raises(ValidationError, match="sum to 1"):
        BuyDays([1, 2], [0.5, 0.6])
    with pytest.raises(ValidationError, match="whole numbers"):
        BuyDays([0.5])
    with pytest.raises(ValidationError, match="distinct"):
        BuyDays([2, 2], [0.5, 0.5])


# ------------------------------------------------------------------ closed form of Karlin-type rules (issue 12)
@given(st.integers(2, 60), st.integers(1, 200), st.integers(1, 400))
def test_karlin_closed_form_equals_the_exact_finite_sum(b, k, x):
    r = 1 - 1 / b
    # the finite sum sum_d q_d cost(d, x), written out independently of the package
    q = [r ** (k - i) / (b * (1 - r ** k)) for i in range(1, k + 1)]
    exact = sum(qi * ((d - 1 + b) if d <= x else x) for d, qi in enumerate(q, start=1))
    assert float(KarlinBuyDays(b, k).expected_cost(x, b=b)) == pytest.approx(exact, rel=1e-9)


@given(st.integers(2, 40), st.integers(1, 120))
def test_karlin_max_ratio_equals_a_scan_over_every_season(b, k):
    d = KarlinBuyDays(b, k)
    x = np.arange(1, max(b, k) + 3, dtype=float)
    scan = float(np.max(d.expected_cost(x, b=b) / np.minimum(x, b)))
    assert d.max_ratio() == pytest.approx(scan, rel=1e-12)


def test_huge_b_costs_constant_memory():
    import tracemalloc

    tracemalloc.start()
    try:
        ratio = expected_ratio(PurohitRandomized(0.5), x=150, y=80, b=10**9)
        rob = robustness(PurohitRandomized(0.5), b=10**9)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    from decimal import Decimal, localcontext

    k = 2 * 10**9                      # y < b: k = ceil(b / lam)
    with localcontext() as ctx:        # 1 / (1 - r^k) to 40 digits, independently of the package's floats
        ctx.prec = 40
        want = 1 / (1 - (k * (1 - Decimal(1) / 10**9).ln()).exp())
    assert float(ratio) == pytest.approx(float(want), rel=1e-9)
    assert rob >= float(ratio) and peak < 10 * 2**20


def test_listing_a_huge_support_is_refused_naming_b_and_k():
    # Listing the support is refused; sampling inverts the closed-form distribution function instead.
    dist = PurohitRandomized(0.5).decide(SkiObservation(b=10**9, y=0))
    with pytest.raises(ValidationError, match=r"^b=1000000000 needs a buy-day distribution of 2000000000 entries"
                                              r".*k=2000000000"):
        _ = dist.days
    days = dist.sample(0, size=1000)
    assert days.min() >= 1 and days.max() <= 2 * 10**9


def test_worst_case_ratios_need_no_scan_of_the_season_range():
    # Was refused ("needs a range of season lengths"): BreakEven's ratio 2 - 1/b is exact at b = 10**9 and 10**15.
    assert robustness("ski.break_even", b=10**9) == expected_ratio("ski.break_even", 10**9, b=10**9)
    assert robustness("ski.break_even", b=10**15) == pytest.approx(2 - 1e-15, abs=1e-15)
    assert consistency(PurohitDeterministic(0.5), b=10**15) == pytest.approx(1.5, abs=1e-12)


def test_shapes_that_do_not_broadcast_are_refused():
    with pytest.raises(ValidationError, match=r"x and y must have shapes that broadcast together, got x of shape"):
        expected_ratio(BreakEven(), x=[10, 20, 30], y=[1, 2], b=100)


@pytest.mark.parametrize("b, k", [(10, 20), (7, 3), (100, 250)])
def test_closed_form_sampling_of_a_huge_karlin_law_matches_the_listed_law(monkeypatch, b, k):
    # Beyond MAX_SUPPORT days, KarlinBuyDays.sample inverts P(D <= d) = (r^(k-d) - r^k) / (1 - r^k); with the same
    # uniforms it must pick the same days as the listed law's search (up to rounding at the cdf steps).
    import agents.online.ski as ski

    listed = KarlinBuyDays(b, k).sample(1, size=20000)
    monkeypatch.setattr(ski, "MAX_SUPPORT", 1)
    inverted = KarlinBuyDays(b, k).sample(1, size=20000)
    assert inverted.min() >= 1 and inverted.max() <= k
    assert np.mean(listed == inverted) > 0.999
