"""stable_outcome: stable, LP-optimal welfare, core payoffs, CS; shapes, ties, magnitudes."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markets_brute import max_matching_weight

import markets
from markets import is_stable, stable_outcome
from markets.certificate import check_certificate
from markets.lp import primal_lp
from markets.strategies import bipartite_graphs, capacities_for, surplus_matrices, utility_matrices
from sim.errors import CertificateError

BACKENDS = markets.available_backends()


# HiGHS works to absolute feasibility/optimality tolerances of 1e-7: compare to it at that level,
# and to the exact brute-force optimum (small markets) at rounding level.
LP_ABS = 1e-7


def lp_optimum(w, capacities=None):
    """Welfare optimum of (P) by cvxpy + HiGHS (the independent reference)."""
    w = np.asarray(w, dtype=float)
    if w.size == 0:
        return 0.0
    lp = primal_lp(w, capacities=capacities)
    return float(lp.problem.solve(solver="HIGHS"))


def assert_core_point(w, o, caps=None, atol=1e-9):
    w = np.asarray(w, dtype=float)
    m, n = w.shape
    p, q = o.customer_payoffs, o.provider_payoffs
    scale = max(np.abs(w).max(), 1.0) if w.size else 1.0
    assert p.shape == (m,) and q.shape == (n,)
    assert np.all(p >= 0) and np.all(q >= 0)
    rows, cols = o.matching[:, 0], o.matching[:, 1]
    assert len(set(rows.tolist())) == len(rows)
    c = np.ones(n, int) if caps is None else np.asarray(caps)
    load = np.bincount(cols, minlength=n)
    assert np.all(load <= c)
    if m and n:
        ok = c[None, :] > 0
        assert np.all(((p[:, None] + q[None, :]) >= w - atol * scale) | ~ok)
    # complementary slackness: tight on matched pairs, zero for single agents / free seats
    np.testing.assert_allclose(p[rows] + q[cols], w[rows, cols], rtol=0, atol=atol * scale)
    single = np.setdiff1d(np.arange(m), rows)
    assert np.all(p[single] == 0)
    assert np.all(q[load < c] == 0)
    assert np.all(w[rows, cols] > 0), "pairs with non-positive surplus stay unmatched"


@pytest.mark.parametrize("backend", BACKENDS)
@given(w=surplus_matrices(max_customers=6, max_providers=6))
def test_stable_and_lp_optimal(backend, w):
    o = stable_outcome(w, backend=backend)
    assert is_stable(w, o)
    assert_core_point(w, o)
    assert o.welfare == pytest.approx(lp_optimum(w), rel=1e-9, abs=LP_ABS)
    assert o.welfare == pytest.approx(max_matching_weight(w), rel=1e-12, abs=1e-12)
    assert o.welfare == pytest.approx(float(w[o.matching[:, 0], o.matching[:, 1]].sum()))


@given(w=surplus_matrices(max_customers=5, max_providers=5), point=st.sampled_from(["customer", "provider"]))
def test_lp_method_and_extreme_points_are_core_points(w, point):
    for o in (stable_outcome(w, method="lp"), stable_outcome(w, point=point)):
        assert_core_point(w, o)
        assert o.welfare == pytest.approx(lp_optimum(w), rel=1e-9, abs=LP_ABS)
        assert o.welfare == pytest.approx(max_matching_weight(w), rel=1e-12, abs=1e-12)


@given(w=surplus_matrices(min_customers=1, max_customers=5, min_providers=1, max_providers=5,
                          elements=st.integers(-2, 2).map(float)))
def test_heavy_ties_and_zeros(w):
    for backend in BACKENDS:
        o = stable_outcome(w, backend=backend)
        assert_core_point(w, o)
        assert o.welfare == pytest.approx(lp_optimum(w), abs=LP_ABS)
        assert o.welfare == pytest.approx(max_matching_weight(w), abs=1e-12)


@pytest.mark.parametrize("shape", [(1, 7), (7, 1), (0, 4), (4, 0), (0, 0), (1, 1), (3, 9), (9, 3)])
@pytest.mark.parametrize("backend", BACKENDS)
def test_shapes(shape, backend):
    rng = np.random.default_rng(sum(shape))
    w = rng.normal(size=shape)
    o = stable_outcome(w, backend=backend)
    assert_core_point(w, o)
    assert o.welfare == pytest.approx(lp_optimum(w), abs=LP_ABS)


def test_all_negative_market_matches_nobody():
    o = stable_outcome(-np.ones((3, 4)))
    assert o.matching.shape == (0, 2) and o.welfare == 0.0
    assert not o.customer_payoffs.any() and not o.provider_payoffs.any()


@pytest.mark.parametrize("factor", [2.0**-900, 1e-250, 1e-12, 1e12, 1e250, 2.0**900])
@pytest.mark.parametrize("backend", BACKENDS)
def test_large_and_tiny_magnitudes(factor, backend):
    rng = np.random.default_rng(7)
    base = rng.uniform(-1, 2, size=(12, 9))
    w = base * factor
    o = stable_outcome(w, backend=backend)
    assert is_stable(w, o)
    assert_core_point(w, o)
    ref = stable_outcome(base, backend=backend)
    # the matching's welfare is scale-free: the same optimum value, up to rounding
    assert o.welfare / factor == pytest.approx(float(base[o.matching[:, 0], o.matching[:, 1]].sum()))
    assert o.welfare / factor == pytest.approx(ref.welfare, rel=1e-12)


@given(uv=utility_matrices(max_customers=5, max_providers=5))
def test_utilities_give_zero_sum_transfers(uv):
    cu, pu = uv
    o = stable_outcome(customer_utils=cu, provider_utils=pu)
    w = cu + pu
    assert_core_point(w, o)
    rows, cols = o.matching[:, 0], o.matching[:, 1]
    # tau_a = p_a - u_a(mu(a)), zero-sum on each pair
    tau_c = o.customer_payoffs[rows] - cu[rows, cols]
    tau_p = o.provider_payoffs[cols] - pu[rows, cols]
    np.testing.assert_allclose(tau_p, o.transfers, atol=1e-9)
    np.testing.assert_allclose(tau_c + tau_p, 0, atol=1e-9 * max(1, np.abs(w).max() if w.size else 1))
    rebuilt = markets.outcome_from_transfers(cu, pu, o.matching, o.transfers)
    np.testing.assert_allclose(rebuilt.customer_payoffs, o.customer_payoffs, atol=1e-9)
    np.testing.assert_allclose(rebuilt.provider_payoffs, o.provider_payoffs, atol=1e-9)


@given(g=bipartite_graphs(max_customers=5, max_providers=5))
def test_sparse_graph_markets(g):
    o = stable_outcome(g)
    customers = [v for v, s in g.nodes(data="bipartite") if s == 0]
    providers = [v for v, s in g.nodes(data="bipartite") if s == 1]
    # dense reference: absent edges and closed providers can never match
    w = np.full((len(customers), len(providers)), -1.0)
    for a, b, x in g.edges(data="weight"):
        a, b = (a, b) if g.nodes[a]["bipartite"] == 0 else (b, a)
        if g.nodes[b]["capacity"] > 0:
            w[customers.index(a), providers.index(b)] = x
    for i, j in o.matching.tolist():
        assert g.has_edge(customers[i], providers[j])
    caps = [g.nodes[v]["capacity"] for v in providers]
    assert o.welfare == pytest.approx(lp_optimum(np.maximum(w, 0), caps), abs=LP_ABS)
    assert o.welfare == pytest.approx(max_matching_weight(np.maximum(w, 0), capacities=caps), abs=1e-12)
    assert is_stable(g, o)
    named = o.as_dict()
    assert set(named) == set(customers)


@given(data=st.data(), w=surplus_matrices(max_customers=6, max_providers=4))
def test_capacities_against_lp(data, w):
    caps = data.draw(capacities_for(w.shape[1]))
    for backend in BACKENDS:
        o = stable_outcome(w, capacities=caps, backend=backend)
        assert_core_point(np.where(caps[None, :] > 0, w, 0.0), o, caps)
        assert o.welfare == pytest.approx(lp_optimum(w, caps), abs=LP_ABS)
        assert o.welfare == pytest.approx(max_matching_weight(w, capacities=caps), abs=1e-12)
        assert is_stable(w, o)
        assert np.all(o.provider_loads() <= caps)


def test_capacity_example_payoffs_per_seat():
    # One provider with two seats; customers value a seat 5, 4, 1. Served: 0 and 1.
    # Core: per-seat payoff q with p = (5 - q, 4 - q, 0); customer 2 must not block
    # (q >= 1) and customer 1 must stay rational (q <= 4). Worked by hand:
    o = stable_outcome([[5.0], [4.0], [1.0]], capacities=[2], point="provider")
    assert sorted(o.matching[:, 0].tolist()) == [0, 1]
    assert o.provider_payoffs.tolist() == [4.0]
    assert o.customer_payoffs.tolist() == [1.0, 0.0, 0.0]
    o = stable_outcome([[5.0], [4.0], [1.0]], capacities=[2], point="customer")
    assert o.provider_payoffs.tolist() == [1.0]
    assert o.customer_payoffs.tolist() == [4.0, 3.0, 0.0]


def test_fallback_when_lapjv_is_missing(monkeypatch):
    import markets.assignment as asg

    rng = np.random.default_rng(11)
    w = rng.random((30, 30))
    monkeypatch.setattr(asg, "_lapjv", None)
    monkeypatch.setattr(asg, "DEFAULT_BACKEND", "scipy")  # every entry point resolves its backend here
    o = stable_outcome(w)
    assert_core_point(w, o)
    assert o.welfare == pytest.approx(lp_optimum(w), rel=1e-9)


def test_bad_lapjv_result_is_caught_and_retried(monkeypatch):
    import markets.assignment as asg

    if asg._lapjv is None:
        pytest.skip("lapjv not installed")
    real = asg._lapjv

    def broken(cost, force_doubles=True):
        x, y, duals = real(cost, force_doubles=force_doubles)
        x = x.copy()
        x[[0, 1]] = x[[1, 0]]  # a suboptimal assignment, as a buggy solver might return
        return x, y, duals

    monkeypatch.setattr(asg, "_lapjv", broken)
    w = np.random.default_rng(3).random((8, 8))
    r, c, p, q = asg.solve_assignment(w, "lapjv")
    with pytest.raises(CertificateError):
        check_certificate(w, r, c, p, q)
    o = stable_outcome(w, backend="lapjv")  # the certificate fails, the scipy retry succeeds
    assert_core_point(w, o)
    assert o.welfare == pytest.approx(lp_optimum(w), rel=1e-9)


def test_gain_absorbed_by_rounding_is_not_a_negative_cycle():
    # Found by hypothesis: a 1e-227 surplus next to unit ones. 1.0 + 6.7e-227 == 1.0, so scipy's
    # matching is optimal only up to rounding, and the dual recovery must not chase that "gain".
    w = np.zeros((5, 4))
    w[1, 3], w[2, 2], w[2, 3], w[3, 2] = 1.0, 0.5, 6.73797504e-227, 1.0
    caps = np.array([0, 2, 1, 2])
    for backend in BACKENDS:
        o = stable_outcome(w, capacities=caps, backend=backend)
        assert_core_point(np.where(caps[None, :] > 0, w, 0.0), o, caps)
        assert o.welfare == pytest.approx(max_matching_weight(w, capacities=caps), abs=1e-12)


@pytest.mark.parametrize("tiny", [1e-320, 5e-324, 2.0**-1030])
def test_subnormal_surpluses_are_solved_exactly_without_overflow(tiny):
    # 2**-e for the rescale into [0, 1) is no double when the largest surplus is subnormal
    w = np.array([[tiny, 0.0], [tiny, tiny]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = stable_outcome(w)
    assert out.welfare == 2 * tiny
    assert is_stable(w, out)
    assert out.customer_payoffs.sum() + out.provider_payoffs.sum() == 2 * tiny


def test_lp_method_certifies_a_market_with_a_surplus_below_highs_default_tolerance():
    # found by hypothesis: HiGHS's default 1e-7 feasibility tolerance returned duals violating
    # p_1 + q_0 >= 5.96e-8, which the certificate refused (CertificateError)
    w = np.array([[1.0, 1.0], [5.960464477539063e-08, 1.0]])
    out = stable_outcome(w, method="lp")
    assert out.welfare == 2.0
    assert np.all(out.customer_payoffs[:, None] + out.provider_payoffs[None, :] >= w)
