"""Core extremes: bracket every core point; equal the marginal contributions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markets_brute import max_matching_weight

import markets
from markets import core_extremes
from markets.lp import core_lp
from markets.strategies import capacities_for, surplus_matrices


def _atol(w):
    return 1e-7 * (max(np.abs(w).max(), 1.0) if np.size(w) else 1.0)


@given(w=surplus_matrices(min_customers=1, max_customers=5, min_providers=1, max_providers=5),
       seed=st.integers(0, 2**32 - 1))
def test_extremes_bracket_lp_core_points(w, seed):
    ext = core_extremes(w)
    rng = np.random.default_rng(seed)
    m, n = w.shape
    hi_c, lo_p = ext.customer_optimal.customer_payoffs, ext.customer_optimal.provider_payoffs
    lo_c, hi_p = ext.provider_optimal.customer_payoffs, ext.provider_optimal.provider_payoffs
    atol = _atol(w)
    for _ in range(3):
        lp = core_lp(w, rng.normal(size=m), rng.normal(size=n), sense=str(rng.choice(["min", "max"])))
        p, q = lp.variables["p"].value, lp.variables["q"].value
        assert np.all(lo_c - atol <= p) and np.all(p <= hi_c + atol)
        assert np.all(lo_p - atol <= q) and np.all(q <= hi_p + atol)


@given(w=surplus_matrices(min_customers=1, max_customers=5, min_providers=1, max_providers=5))
def test_extremes_are_attained_by_lp(w):
    # each coordinate's bound is attained: maximising one coordinate over the core hits it
    ext = core_extremes(w)
    m, n = w.shape
    atol = _atol(w)
    for i in range(m):
        e = np.zeros(m)
        e[i] = 1
        lp = core_lp(w, e, np.zeros(n), sense="max")
        assert lp.variables["p"].value[i] == pytest.approx(ext.customer_optimal.customer_payoffs[i], abs=atol)


@given(w=surplus_matrices(max_customers=4, max_providers=4))
def test_extremes_equal_brute_force_marginal_contributions(w):
    ext = core_extremes(w)
    m, n = w.shape
    total = max_matching_weight(w)
    cust = [total - max_matching_weight(w, [k for k in range(m) if k != i], range(n)) for i in range(m)]
    prov = [total - max_matching_weight(w, range(m), [k for k in range(n) if k != j]) for j in range(n)]
    atol = 1e-9 * (max(np.abs(w).max(), 1.0) if w.size else 1.0)
    np.testing.assert_allclose(ext.customer_optimal.customer_payoffs, cust, atol=atol)
    np.testing.assert_allclose(ext.provider_optimal.provider_payoffs, prov, atol=atol)


@pytest.mark.parametrize("seed", range(3))
def test_dijkstra_and_marginal_methods_agree_on_larger_markets(seed):
    rng = np.random.default_rng(seed)
    w = rng.integers(-5, 20, size=(25, 30)).astype(float)
    a = core_extremes(w)
    b = core_extremes(w, method="marginal")
    for x, y in zip(a, b):
        np.testing.assert_allclose(x.customer_payoffs, y.customer_payoffs, atol=1e-9)
        np.testing.assert_allclose(x.provider_payoffs, y.provider_payoffs, atol=1e-9)


@given(data=st.data(), w=surplus_matrices(min_customers=1, max_customers=5, min_providers=1, max_providers=3))
def test_capacitated_extremes_bracket_lp_core(data, w):
    caps = data.draw(capacities_for(w.shape[1]))
    ext = core_extremes(w, capacities=caps)
    m, n = w.shape
    atol = _atol(w)
    for side in range(2):
        cw = np.ones(m) if side == 0 else np.zeros(m)
        pw = np.zeros(n) if side == 0 else np.ones(n)
        lp = core_lp(w, cw, pw, capacities=caps, sense="max")
        p, q = lp.variables["p"].value, lp.variables["q"].value
        best = ext.customer_optimal if side == 0 else ext.provider_optimal
        assert np.all(p <= ext.customer_optimal.customer_payoffs + atol)
        assert np.all(q <= ext.provider_optimal.provider_payoffs + atol)
        got = best.customer_payoffs.sum() if side == 0 else best.provider_payoffs @ caps
        want = p.sum() if side == 0 else q @ caps
        assert got == pytest.approx(want, abs=atol * (m + n))


def test_marginal_contributions_worked_example():
    # W = 5 via (0,0),(1,1); without c0: 2; without c1: 4; without p0: 1; without p1: 4
    c, p = markets.marginal_contributions([[4.0, 1.0], [2.0, 1.0]])
    assert c.tolist() == [3.0, 1.0] and p.tolist() == [4.0, 1.0]
