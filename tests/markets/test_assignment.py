"""The lean solver: both backends agree with scipy's optimum and give certified duals."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import markets
from markets import check_certificate, solve_assignment
from markets.strategies import surplus_matrices

BACKENDS = markets.available_backends()


@pytest.mark.parametrize("backend", BACKENDS)
@given(w=surplus_matrices(max_customers=8, max_providers=8), seed=st.integers(0, 2**32 - 1))
def test_optimal_value_and_certificate(backend, w, seed):
    rows, cols, p, q = solve_assignment(w, backend)
    check_certificate(w, rows, cols, p, q)
    if w.size:
        r, c = linear_sum_assignment(np.maximum(w, 0), maximize=True)
        assert w[rows, cols].sum() == pytest.approx(np.maximum(w, 0)[r, c].sum(), abs=1e-9 * max(1, np.abs(w).max()))
    assert np.all(np.diff(rows) > 0)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(50, 50), (40, 90), (90, 40), (5, 200)])
def test_random_dense_markets(backend, shape):
    rng = np.random.default_rng(shape[0] * 1000 + shape[1])
    w = rng.random(shape)
    rows, cols, p, q = solve_assignment(w, backend)
    check_certificate(w, rows, cols, p, q)
    r, c = linear_sum_assignment(w, maximize=True)
    assert w[rows, cols].sum() == pytest.approx(w[r, c].sum(), rel=1e-12)


def test_input_is_not_modified():
    w = np.array([[1.0, -2.0], [3.0, 0.5]])
    before = w.copy()
    for backend in BACKENDS:
        solve_assignment(w, backend)
        markets.stable_outcome(w, backend=backend)
    assert np.array_equal(w, before)
