"""The lean per-round kernels agree with the validating markets functions and the independent checker."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from agents.matching.lean import instability_value, stable_step
from markets import check_certificate, subset_instability
from markets.strategies import markets_with_outcomes, surplus_matrices

# index surpluses of learners lie in [-2, 2]; integers make ties (degenerate LPs) common
_entries = st.one_of(st.integers(-2, 2).map(float), st.floats(-2.0, 2.0, allow_subnormal=False))


@given(w=surplus_matrices(min_customers=1, max_customers=7, square=True, elements=_entries))
def test_stable_step_returns_a_certified_optimal_primal_dual_pair(w):
    rows, cols, p, q = stable_step(w)
    # the checker shares no code with the solver: optimality of the matching and core payoffs
    check_certificate(w, rows, cols, p, q, tol=1e-9)
    assert np.all(w[rows, cols] > 0)
    assert np.allclose(p[rows] + q[cols], w[rows, cols], rtol=0, atol=1e-12)


@given(w=surplus_matrices(min_customers=1, min_providers=1, elements=_entries))
def test_stable_step_on_rectangular_markets_is_certified_too(w):
    rows, cols, p, q = stable_step(w)
    check_certificate(w, rows, cols, p, q, tol=1e-9)


@given(wo=markets_with_outcomes(max_customers=6, max_providers=6))
def test_instability_value_equals_markets_subset_instability(wo):
    w, o = wo
    w = np.asarray(w, dtype=float)
    if w.size == 0:
        return
    scale = float(np.abs(w).max())
    atol = 1e-9 * (scale if scale > 0 else 1.0)  # markets: tol * max|w|
    expected = subset_instability(w, o)
    got = instability_value(w, o.customer_payoffs, o.provider_payoffs, atol)
    assert abs(got - expected) <= 1e-9 * max(1.0, abs(expected))
