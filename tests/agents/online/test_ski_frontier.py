"""Ski rental at a finite price b: the exact lower frontiers, by hand, by brute force, and as b grows."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from agents.online.frontier import deterministic_ski_frontier, randomized_ski_frontier
from agents.online.ski import PurohitDeterministic, PurohitRandomized, consistency, robustness
from sim.errors import InputTypeError, ValidationError

TOL = 1e-9


def cost(d, x, b):
    """Buy at the start of day d, season of x days (the definition, written out)."""
    return x if x < d else d - 1 + b


def ratio(d, x, b):
    return cost(d, x, b) / min(x, b)


def brute_deterministic_robustness(c, b, horizon):
    """Least robustness of any deterministic rule with consistency <= c, days and seasons up to ``horizon``.

    A rule is a buy day per prediction; only the consistency at x = y couples a prediction to its day, so the
    optimum is, over every prediction x, the most robust day that is c-consistent at x.
    """
    worst = {d: max(ratio(d, x, b) for x in range(1, horizon + 1)) for d in range(1, horizon + 1)}
    return max(min(worst[d] for d in worst if ratio(d, x, b) <= c * (1 + 1e-12)) for x in range(1, horizon + 1))


def brute_randomized_consistency(r, b, horizon):
    """Least consistency of any r-robust randomized rule: one LP per prediction x (days, seasons <= horizon)."""
    d = np.arange(1, horizon + 1)
    seasons = d[:, None]
    costs = np.where(seasons >= d[None, :], d[None, :] - 1 + b, seasons).astype(float)
    opt = np.minimum(d, b).astype(float)
    best = []
    for x in range(1, horizon + 1):
        res = optimize.linprog(costs[x - 1] / opt[x - 1], A_ub=costs / opt[:, None], b_ub=np.full(horizon, r),
                               A_eq=np.ones((1, horizon)), b_eq=[1.0], bounds=(0, None), method="highs")
        assert res.status == 0
        best.append(res.fun)
    return max(best)


# ------------------------------------------------------------------ by hand
def test_deterministic_frontier_by_hand():
    # b = 100, c = 1.09: buy by day floor(1 + 0.09 * 100) = 10 on a long prediction; the season of 10 days then
    # costs 9 + 100 = 109 against OPT 10: 10.9. Purohit's lam = 0.1 rule is (1.09, 10.99) (its other branch buys
    # on day 1000: 999 + 100 over 100), above the frontier and below 1 + 1/(c - 1) = 12.1.
    assert float(deterministic_ski_frontier(1.09, b=100)) == pytest.approx(10.9, rel=1e-15)
    rule = PurohitDeterministic(0.1)
    assert consistency(rule, 100) == pytest.approx(1.09) and robustness(rule, 100) == pytest.approx(10.99)
    # b = 4: corners (1 + (d - 1)/4, 1 + 3/d) for d = 1..4: (1, 4), (1.25, 2.5), (1.5, 2), (1.75, 1.75);
    # between corners the step of the lower corner holds, and from 1.75 on the break-even 1.75.
    c = [1.0, 1.1, 1.25, 1.4, 1.5, 1.75, 2.0, 5.0]
    assert deterministic_ski_frontier(c, b=4).tolist() == pytest.approx([4, 4, 2.5, 2.5, 2, 1.75, 1.75, 1.75])


def test_randomized_frontier_by_hand_at_b_2():
    # b = 2: a long prediction's best rule buys on day 1 w.p. p, day 2 otherwise. Seasons: x = 1 costs
    # 2p + (1 - p) = 1 + p <= r, x = 2 costs 2p + 3(1 - p) = 3 - p <= 2r; a long season costs 3 - p, so
    # c = (3 - p)/2 with the largest p = min(1, r - 1), feasible from r = 4/3 (then p = 1/3, c = 4/3).
    r = np.array([4 / 3, 1.4, 1.5, 1.8, 2.0, 3.0])
    want = (3 - np.minimum(1, r - 1)) / 2
    np.testing.assert_allclose(randomized_ski_frontier(r, b=2), want, rtol=1e-9, atol=1e-9)


def test_randomized_frontier_ends_at_the_classical_optimum():
    # At the classical optimum's robustness 1/(1 - (1 - 1/b)^b), the only rule is Karlin's, whose ratio is that
    # same number on every season: consistency = robustness there.
    for b in (2, 3, 10, 50):
        r = 1 / (1 - (1 - 1 / b) ** b)
        assert float(randomized_ski_frontier(r, b=b)) == pytest.approx(r, rel=1e-7)


# ------------------------------------------------------------------ against brute force over every prediction
@pytest.mark.parametrize("b", [2, 3, 5, 8])
def test_deterministic_frontier_equals_brute_force(b):
    for d in range(1, b + 1):
        for c in (1 + (d - 1) / b, 1 + (d - 0.5) / b):
            assert float(deterministic_ski_frontier(c, b=b)) == pytest.approx(
                brute_deterministic_robustness(c, b, 4 * b), rel=1e-12)


@pytest.mark.parametrize("b", [2, 3, 6, 10])
def test_randomized_frontier_equals_lp_over_every_prediction(b):
    # The long season is the binding prediction: the b-day program equals the LP over every prediction x
    # and 4b days, solved independently here.
    floor = 1 / (1 - (1 - 1 / b) ** b)
    for r in (floor, floor + 0.05, 1.8, 2.5, 4.0, float(b)):
        assert float(randomized_ski_frontier(r, b=b)) == pytest.approx(brute_randomized_consistency(r, b, 4 * b),
                                                                       abs=1e-8)


# ------------------------------------------------------------------ every rule lies on or above the frontier
@given(st.integers(2, 300), st.integers(1, 100))
def test_purohit_deterministic_is_on_or_above_the_finite_b_frontier(b, m):
    rule = PurohitDeterministic(m / 100)
    c, r = consistency(rule, b), robustness(rule, b)
    assert r >= float(deterministic_ski_frontier(c, b=b)) * (1 - TOL)


@settings(max_examples=30)
@given(st.integers(3, 120), st.integers(1, 99))
def test_purohit_randomized_is_on_or_above_the_finite_b_frontier(b, m):
    if m * b <= 100:                      # lam must exceed 1/b
        return
    rule = PurohitRandomized(m / 100)
    c, r = consistency(rule, b), robustness(rule, b)
    assert c >= float(randomized_ski_frontier(r, b=b)) - 1e-8


# ------------------------------------------------------------------ as b grows: towards Wei & Zhang's curves
@given(st.integers(1, 99), st.integers(2, 10**6))
def test_deterministic_frontier_approaches_wei_zhang_from_below(m, b):
    # At c = 1 + lam the day is D = floor(1 + lam b), lam b <= D <= 1 + lam b, so
    # 1 + (b - 1)/(1 + lam b) <= r_b <= 1 + 1/lam, a gap of at most (1 + lam)/(lam (1 + lam b)) -> 0.
    lam = m / 100
    if 1 + lam * b > b:                   # the day would pass b: the break-even step, not the curve
        return
    r_b = float(deterministic_ski_frontier(1 + lam, b=b))
    assert r_b <= 1 + 1 / lam + TOL
    assert 1 + 1 / lam - r_b <= (1 + lam) / (lam * (1 + lam * b)) + TOL


@pytest.mark.parametrize("r", [1.7, 2.0, 3.0, 10.0])
def test_randomized_frontier_approaches_wei_zhang_from_below(r):
    limit = r * math.log(1 + 1 / (r - 1))
    bs = [b for b in (5, 10, 20, 50, 100, 200) if r >= 1 / (1 - (1 - 1 / b) ** b)]
    c = [float(randomized_ski_frontier(r, b=b)) for b in bs]
    assert all(v <= limit + TOL for v in c)                     # below the large-b curve at every b
    assert c == sorted(c)                                       # rising with b
    assert all(limit - v <= 1 / b for v, b in zip(c, bs))       # within 1/b of it (measured: about 0.8/b)


# ------------------------------------------------------------------ bad input
def test_frontier_input_is_checked_naming_the_argument():
    with pytest.raises(ValidationError, match="consistency must be >= 1"):
        deterministic_ski_frontier(0.5, b=10)
    with pytest.raises(ValidationError, match="robustness must be >= 1.5"):
        randomized_ski_frontier(1.2, b=10)
    with pytest.raises(ValidationError, match="^b must be >= 1"):
        randomized_ski_frontier(2.0, b=0)
    with pytest.raises(InputTypeError, match="b must be an integer"):
        deterministic_ski_frontier(1.5, b=2.5)
    with pytest.raises(ValidationError, match="consistency"):
        deterministic_ski_frontier(float("nan"), b=10)
