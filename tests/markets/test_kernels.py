"""The compiled kernels: optimal assignments with feasible, tight duals; metrics as defined."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from markets import kernels, subset_instability
from markets.strategies import markets_with_outcomes, surplus_matrices

# integers make ties (degenerate problems) common; floats cover the generic case
_entries = st.one_of(st.integers(-3, 3).map(float), st.floats(-10.0, 10.0, allow_subnormal=False))


@given(c=surplus_matrices(min_customers=1, max_customers=9, square=True, elements=_entries))
def test_lap_square_is_optimal_with_feasible_tight_duals(c):
    x, u, v = kernels.lap_square(c)
    n = len(c)
    assert sorted(x.tolist()) == list(range(n))  # a permutation
    r, s = linear_sum_assignment(c)
    scale = max(1.0, float(np.abs(c).max()))
    assert c[np.arange(n), x].sum() == np.float64(c[r, s].sum()) or abs(
        c[np.arange(n), x].sum() - c[r, s].sum()) <= 1e-12 * n * scale
    reduced = c - u[:, None] - v[None, :]
    assert reduced.min() >= -1e-12 * n * scale  # dual feasible
    assert np.abs(reduced[np.arange(n), x]).max() <= 1e-12 * n * scale  # complementary slackness


@given(wo=markets_with_outcomes(max_customers=6, max_providers=6))
def test_outcome_metrics_agree_with_their_definitions(wo):
    w, o = wo
    w = np.asarray(w, dtype=float)
    if w.size == 0:
        return
    rows = o.matching[:, 0].astype(np.int64)
    cols = o.matching[:, 1].astype(np.int64)
    # any split of the pair surplus into utilities, then transfers that give the outcome's payoffs
    uc = 0.25 * w[rows, cols]
    up = w[rows, cols] - uc
    t = uc - o.customer_payoffs[rows]
    scale = max(1.0, float(np.abs(w).max()))
    inst, welfare, pay_c, pay_p = kernels.outcome_metrics(
        np.ascontiguousarray(w), uc, up, rows, cols, t, 1e-9 * scale)
    assert abs(welfare - w[rows, cols].sum()) <= 1e-12 * scale * max(1, len(rows))
    assert abs(pay_c - o.customer_payoffs.sum()) <= 1e-9 * scale * max(1, len(rows))
    assert abs(pay_p - (up + t).sum()) <= 1e-12 * scale * max(1, len(rows))
    expected = subset_instability(w, o)
    assert abs(inst - expected) <= 1e-8 * scale


@given(w=surplus_matrices(min_customers=0, max_customers=7, min_providers=0, max_providers=7, elements=_entries))
def test_max_weight_is_the_optimal_matching_value(w):
    w = np.ascontiguousarray(w, dtype=float)
    expected = 0.0
    if w.size:
        wp = np.maximum(w, 0.0)
        r, s = linear_sum_assignment(wp, maximize=True)
        expected = float(wp[r, s].sum())
    got = kernels.max_weight(w)
    assert abs(got - expected) <= 1e-12 * max(1.0, float(np.abs(w).max()) if w.size else 1.0) * max(1, w.shape[0])


def test_submatrix_is_ix_selection():
    w = np.arange(20.0).reshape(4, 5)
    rows, cols = np.array([3, 0]), np.array([4, 1, 1])
    assert np.array_equal(kernels.submatrix(w, rows, cols), w[np.ix_(rows, cols)])


@given(data=st.data(), n=st.integers(1, 7), rounds=st.integers(1, 12))
def test_stable_step_warm_is_optimal_and_in_the_core_after_every_change(data, n, rounds):
    """Warm-started solves of a changing matrix: an optimal matching and a core point every round."""
    elements = st.one_of(st.integers(-2, 3).map(float), st.floats(-3.0, 3.0, allow_subnormal=False))
    w = np.array(data.draw(st.lists(elements, min_size=n * n, max_size=n * n)), dtype=float).reshape(n, n)
    warm = kernels.warm_start(n, n)
    for _ in range(rounds):
        # change any entries of any rows (columns too), as a learner's index moves
        for _ in range(data.draw(st.integers(0, n))):
            i, j = data.draw(st.integers(0, n - 1)), data.draw(st.integers(0, n - 1))
            w[i, j] = data.draw(elements)
        rows, cols, p, q = kernels.stable_step_warm(w.copy(), warm)
        pos = np.maximum(w, 0.0)
        r, c = linear_sum_assignment(-pos)
        best = pos[r, c].sum()
        assert abs(w[rows, cols].sum() - best) <= 1e-9 * max(1.0, best)  # optimal welfare
        assert (w[rows, cols] > 0).all() and len(set(cols.tolist())) == cols.size
        assert (p >= 0).all() and (q >= 0).all()
        assert (p[:, None] + q[None, :] >= w - 1e-9).all()  # no blocking pair
        np.testing.assert_array_equal(p[rows] + q[cols], w[rows, cols])  # the pairs split their surplus
        single_c = np.setdiff1d(np.arange(n), rows)
        single_p = np.setdiff1d(np.arange(n), cols)
        assert (p[single_c] == 0).all() and (q[single_p] == 0).all()
