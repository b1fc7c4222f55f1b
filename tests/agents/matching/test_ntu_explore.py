"""Explore-then-commit's exploration from the gap and the noise (the union bound behind its O(log T) regret)."""

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from agents.matching import NTUExploreThenCommit, liu_market, run_ntu
from agents.matching.ntu import theory_explore


@given(st.floats(0.01, 1.0), st.floats(0.05, 2.0), st.integers(10, 10**6), st.integers(1, 12), st.integers(1, 12))
def test_the_exploration_makes_the_failure_term_order_one_over_gap_squared(gap, sigma, T, players, arms):
    rounds = theory_explore(gap, sigma, T, players, arms)
    s = 4.0 * sigma**2 / gap**2
    if rounds == T:  # the horizon is shorter than the exploration: nothing to check but the cap
        assert T <= math.ceil(s * math.log1p(T * players * arms / s)) * max(players, arms)
        return
    h = rounds // max(players, arms)
    assert rounds == h * max(players, arms)
    # T * N * L * P(a pair is mis-ranked after h samples) <= T N L exp(-h / s) < s = 4 sigma^2 / gap^2
    assert T * players * arms * math.exp(-h / s) < s
    assert h == 1 or T * players * arms * math.exp(-(h - 1) / s) > s / (1 + s / (T * players * arms)) - 1e-9


def test_a_gap_tuned_explore_then_commit_finds_the_player_optimal_matching():
    # large gaps and little noise: the theory's exploration is short, and after it the regret stays 0
    mk = liu_market(4, 4, rng=1, sigma=0.1, top=0.9)
    gap = 0.3
    T = 3000
    etc = NTUExploreThenCommit(mk.arm_prefs, horizon=T, gap=gap, sigma=0.1)
    assert etc.explore == theory_explore(gap, 0.1, T, 4, 4) < T
    tr = run_ntu(mk, etc, T, rng=2)
    assert np.all(tr.optimal_regret[etc.explore:] == 0.0)
    assert np.all(tr.blocking_pairs[etc.explore:] == 0.0)
