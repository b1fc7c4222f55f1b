"""Every shape and value type: rectangular, integer (exact), tiny and empty markets; the backend rule.

References: scipy's linear_sum_assignment (on W+ = max(w, 0)), the cvxpy/HiGHS LP
(``method="lp"``) and, for integers, brute force over permutations in Python
integers (no float anywhere).
"""

from itertools import permutations

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

import markets
from markets import stable_outcome, verify_outcome
from markets.assignment import INT_LIMIT, choose_backend, integer_exact, solve_assignment
from markets.certificate import check_certificate
from markets.strategies import surplus_matrices
from sim.errors import CertificateError


def lsa_value(w):
    """Optimal welfare by scipy on W+ (pairs of non-positive surplus stay single)."""
    w = np.maximum(np.asarray(w, dtype=float), 0.0)
    if w.size == 0:
        return 0.0
    r, c = linear_sum_assignment(w, maximize=True)
    return float(w[r, c].sum())


def brute_int(w):
    """Exact optimal welfare of a small integer market in Python integers."""
    rows = [[int(x) for x in row] for row in np.asarray(w).tolist()]
    m, n = len(rows), len(rows[0]) if rows else 0
    if m > n:
        rows = [list(col) for col in zip(*rows)]
        m, n = n, m
    best = 0
    for perm in permutations(range(n), m):
        best = max(best, sum(max(rows[i][perm[i]], 0) for i in range(m)))
    return best


def assert_exact_core(w, o):
    """Integer core point, checked in Python integers: IR, no blocking pair, CS, equal objectives."""
    w = [[int(x) for x in row] for row in np.asarray(w).tolist()]
    p = [int(x) for x in o.customer_payoffs.tolist()]
    q = [int(x) for x in o.provider_payoffs.tolist()]
    assert all(x >= 0 for x in p + q)
    assert all(p[i] + q[j] >= w[i][j] for i in range(len(p)) for j in range(len(q)))
    matched = {(int(i), int(j)) for i, j in o.matching.tolist()}
    assert all(p[i] + q[j] == w[i][j] for i, j in matched)
    assert sum(p) + sum(q) == sum(w[i][j] for i, j in matched) == o.welfare


shapes = st.tuples(st.integers(1, 7), st.integers(1, 7))


@given(hnp.arrays(np.float64, shapes, elements=st.floats(-5, 10, width=32)))
def test_rectangular_float_markets_match_scipy_and_certify(w):
    for backend in markets.available_backends():
        o = stable_outcome(w, backend=backend)
        assert o.welfare == pytest.approx(lsa_value(w), abs=1e-9 * max(1.0, np.abs(w).max()))
        assert verify_outcome(w, o) == pytest.approx(o.welfare)


@given(hnp.arrays(np.int64, shapes, elements=st.integers(-20, 50)))
def test_integer_markets_are_solved_exactly(w):
    o = stable_outcome(w)
    assert o.customer_payoffs.dtype == np.int64 and o.provider_payoffs.dtype == np.int64
    assert isinstance(o.welfare, int) and o.welfare == brute_int(w)
    assert_exact_core(w, o)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (1, 5)])
def test_integers_near_2_53_are_exact(shape):
    rng = np.random.default_rng(sum(shape))
    w = 2**53 - rng.integers(0, 1000, shape)
    o = stable_outcome(w)
    assert o.welfare == brute_int(w)  # beyond float64's exact sums: 2 * 2**53 needs 55 bits
    assert_exact_core(w, o)
    # the integer certificate is exact: one unit off is refused, where tol * max|w| would be ~9e6
    bad = o.customer_payoffs.copy()
    bad[o.matching[0, 0]] -= 1
    with pytest.raises(CertificateError):
        check_certificate(w, o.matching[:, 0], o.matching[:, 1], bad, o.provider_payoffs)


def test_integer_certificate_uses_int64_and_is_exact():
    w = np.array([[2**52 + 1, 3], [5, 2**52]])
    o = stable_outcome(w)
    assert check_certificate(w, o.matching[:, 0], o.matching[:, 1], o.customer_payoffs,
                             o.provider_payoffs) == 2**53 + 1
    # the same payoffs in float64 lose the +1: the float certificate accepts a gap it cannot see
    assert float(2**53 + 1) == float(2**53)


def test_integers_beyond_int64_headroom_go_to_float():
    w = np.array([[2**60, 1], [1, 2**60]])
    assert not integer_exact(w)
    o = stable_outcome(w)
    assert o.customer_payoffs.dtype == np.float64
    assert o.welfare == pytest.approx(2.0**61)


@pytest.mark.parametrize("shape", [(1, 1), (1, 6), (6, 1), (2, 9), (9, 2)])
def test_tiny_and_thin_markets_against_lsa_and_lp(shape):
    rng = np.random.default_rng(shape[0] * 10 + shape[1])
    w = rng.normal(size=shape)
    o = stable_outcome(w)
    ref = stable_outcome(w, method="lp")
    assert o.welfare == pytest.approx(lsa_value(w), abs=1e-12)
    assert o.welfare == pytest.approx(ref.welfare, abs=1e-7)
    verify_outcome(w, o)


@pytest.mark.parametrize("shape", [(0, 0), (0, 3), (3, 0)])
@pytest.mark.parametrize("dtype", [np.float64, np.int64])
def test_empty_markets(shape, dtype):
    o = stable_outcome(np.zeros(shape, dtype=dtype))
    assert o.matching.shape == (0, 2) and o.welfare == 0
    assert o.customer_payoffs.shape == (shape[0],) and o.provider_payoffs.shape == (shape[1],)


def test_all_negative_market_matches_nobody():
    for w in (-np.ones((3, 4)), -np.ones((3, 4), dtype=np.int64)):
        o = stable_outcome(w)
        assert o.matching.shape == (0, 2) and o.welfare == 0
        assert not o.customer_payoffs.any() and not o.provider_payoffs.any()


@given(surplus_matrices(min_customers=1, max_customers=6, min_providers=1, max_providers=6))
def test_sap_rectangular_duals_need_no_shift(w):
    # Theorem (complementary slackness of the rectangular LP): with a free column the
    # row-reduction start leaves it at potential 0, so the payoffs are a core point as returned.
    rows, cols, p, q = solve_assignment(w, "sap")
    check_certificate(w, rows, cols, p, q)
    assert float(w[rows, cols].sum()) == pytest.approx(lsa_value(w), abs=1e-9 * max(1.0, np.abs(w).max()))


def test_backend_rule():
    for m, n in [(1, 1), (20, 20), (2000, 2000), (1000, 2000), (2000, 1000), (1, 10**6)]:
        assert choose_backend(m, n) == "sap"
        assert choose_backend(m, n, integer=True) == "sap"
    assert integer_exact(np.array([[INT_LIMIT // 10]])) is False  # 1 x 1: needs 20 x headroom
    assert integer_exact(np.array([[10**12]])) is True
    assert integer_exact(np.array([[1.0]])) is False


def test_lapjv_is_never_asked_to_pad_a_rectangle(monkeypatch):
    if "lapjv" not in markets.available_backends():
        pytest.skip("lapjv not installed")

    def refuse(*args, **kwargs):
        raise AssertionError("lapjv called")

    # the module stable_outcome really calls (doctest collection may import a second copy of it)
    solver_globals = stable_outcome.__globals__["solve_assignment"].__globals__
    monkeypatch.setitem(solver_globals, "_lapjv", refuse)
    w = np.random.default_rng(0).random((3, 5))
    o = stable_outcome(w, backend="lapjv")  # rectangular: solved by "sap", not padded
    assert o.welfare == pytest.approx(lsa_value(w))
    with pytest.raises(AssertionError, match="lapjv called"):
        stable_outcome(np.random.default_rng(1).random((4, 4)), backend="lapjv")


def test_integer_lists_stay_float_and_integer_arrays_go_exact():
    assert stable_outcome([[3, 1], [2, 0]]).customer_payoffs.dtype == np.float64
    assert stable_outcome(np.array([[3, 1], [2, 0]], dtype=np.int32)).customer_payoffs.dtype == np.int64


@pytest.mark.parametrize("order", ["C", "F"])
def test_memory_layout_does_not_matter(order):
    w = np.asarray(np.random.default_rng(2).random((5, 8)), order=order)
    assert stable_outcome(w).welfare == pytest.approx(lsa_value(w))
    assert stable_outcome(w.T).welfare == pytest.approx(lsa_value(w))


def lsa_marginals(w):
    """W(A) - W(A minus a) for every agent, by scipy re-solves (independent of the package)."""
    total = lsa_value(w)
    cust = [total - lsa_value(np.delete(w, i, axis=0)) for i in range(w.shape[0])]
    prov = [total - lsa_value(np.delete(w, j, axis=1)) for j in range(w.shape[1])]
    return np.array(cust), np.array(prov)


@given(surplus_matrices(min_customers=1, max_customers=5, min_providers=1, max_providers=5))
def test_extreme_core_points_are_the_marginal_contributions(w):
    # Shapley-Shubik: the customer-optimal core point pays each customer W(A) - W(A \ {i}),
    # the provider-optimal one each provider W(A) - W(A \ {j}).
    cust, prov = lsa_marginals(w)
    tol = 1e-9 * max(1.0, np.abs(w).max())
    for method in ("dijkstra", "marginal"):
        ext = markets.core_extremes(w, method=method)
        matched_c = ext.customer_optimal.matching[:, 0]
        matched_p = ext.provider_optimal.matching[:, 1]
        np.testing.assert_allclose(ext.customer_optimal.customer_payoffs[matched_c], cust[matched_c], atol=tol)
        np.testing.assert_allclose(ext.provider_optimal.provider_payoffs[matched_p], prov[matched_p], atol=tol)


def test_marginal_extremes_share_one_set_of_solves(monkeypatch):
    w = np.random.default_rng(5).random((4, 6))
    g = markets.core_extremes.__globals__
    calls = []
    real = g["solve_assignment"]

    def counting(x, backend=None):
        calls.append(x.shape)
        return real(x, backend)

    monkeypatch.setitem(g, "solve_assignment", counting)
    markets.core_extremes(w, method="marginal")
    assert len(calls) == 4 + 6 + 1  # W(A) once, then one solve per removed agent (the base outcome aside)


@given(hnp.arrays(np.float64, shapes, elements=st.floats(-3, 3, width=16)))
def test_sparse_matching_of_positive_entries_is_optimal_with_core_payoffs(r):
    # the residual solver of subset_instability: the positive entries as a sparse market
    from markets.kernels import positive_rows, sparse_matching

    m, n = r.shape
    partner, p, q = sparse_matching(n, *positive_rows(r))
    rows = np.flatnonzero(partner >= 0)
    cols = partner[rows]
    assert (r[rows, cols] > 0).all()
    assert float(r[rows, cols].sum()) == pytest.approx(lsa_value(r), abs=1e-9)
    assert (p >= 0).all() and (q >= 0).all()
    assert (p[:, None] + q[None, :] >= np.maximum(r, 0) - 1e-9).all()
    assert float(p.sum() + q.sum()) == pytest.approx(lsa_value(r), abs=1e-9)


@given(surplus_matrices(min_customers=1, max_customers=6, min_providers=1, max_providers=6),
       st.integers(0, 2**32 - 1))
def test_subset_instability_default_agrees_with_the_dense_backends(w, seed):
    rng = np.random.default_rng(seed)
    est = stable_outcome(w + rng.normal(0.0, 0.5, w.shape))
    rows, cols = est.matching[:, 0], est.matching[:, 1]
    p = np.zeros(w.shape[0])
    q = np.zeros(w.shape[1])
    p[rows] = est.customer_payoffs[rows]
    q[cols] = w[rows, cols] - p[rows]
    # the split must be exact in floating point (w - p + p can round away a tiny surplus)
    assume(np.array_equal(p[rows] + q[cols], w[rows, cols]))
    o = markets.outcome_from_payoffs(w, est.matching, p, q)
    value = markets.subset_instability(w, o)
    for backend in markets.available_backends():
        assert value == pytest.approx(markets.subset_instability(w, o, backend=backend),
                                      abs=1e-8 * max(1.0, np.abs(w).max()))
