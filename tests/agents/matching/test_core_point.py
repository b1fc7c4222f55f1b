"""Which core point a learner prices at: the kernels against the validating markets API, and the lattice.

Fixing an optimal matching, the core is a lattice whose customer-optimal point
gives every customer its largest core payoff and every provider its smallest,
and the provider-optimal point the reverse (Shapley & Shubik 1971; REFERENCE
section 1). The matching does not depend on the point, so learners that differ
only in ``point`` play the same matchings round after round, and in every round
customer-optimal pricing gives every customer at least the payoff of any other
choice (provider-optimal likewise for providers).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import markets
from agents.matching import (
    EpsilonGreedy,
    ExploreThenCommit,
    LinearMatchUCB,
    MatchUCB,
    ThompsonSampling,
    TypedMatchUCB,
    random_market,
)
from agents.matching.learners import DEFAULT_POINT, POINTS
from markets import core_kernels as ck
from markets.kernels import stable_step
from markets.strategies import surplus_matrices
from sim.errors import ValidationError

TOL = 1e-9


@settings(max_examples=80)
@given(surplus_matrices(min_customers=1, max_customers=6, min_providers=1, max_providers=6))
def test_each_point_is_the_core_point_the_markets_api_computes(w):
    w = np.ascontiguousarray(w, dtype=np.float64)
    scale = max(1.0, float(np.abs(w).max()))
    rows0, cols0, p0, q0 = stable_step(w)
    ext = markets.core_extremes(w, method="marginal")  # marginal contributions: no shared code with the kernel
    want = {ck.CUSTOMER: ext.customer_optimal, ck.PROVIDER: ext.provider_optimal}
    got = {}
    for code in (ck.SOLVER, ck.CUSTOMER, ck.PROVIDER, ck.MIDPOINT):
        rows, cols, p, q = ck.core_step(w, code)
        assert rows.tolist() == rows0.tolist() and cols.tolist() == cols0.tolist()  # the same matching
        markets.verify_outcome(w, markets.Outcome(np.stack([rows, cols], axis=1), p, q))  # a core point
        got[code] = (p, q)
    np.testing.assert_array_equal(got[ck.SOLVER][0], p0)
    for code, outcome in want.items():
        np.testing.assert_allclose(got[code][0], outcome.customer_payoffs, atol=TOL * scale)
        np.testing.assert_allclose(got[code][1], outcome.provider_payoffs, atol=TOL * scale)
    mid_p = (want[ck.CUSTOMER].customer_payoffs + want[ck.PROVIDER].customer_payoffs) / 2
    mid_q = (want[ck.CUSTOMER].provider_payoffs + want[ck.PROVIDER].provider_payoffs) / 2
    np.testing.assert_allclose(got[ck.MIDPOINT][0], mid_p, atol=TOL * scale)
    np.testing.assert_allclose(got[ck.MIDPOINT][1], mid_q, atol=TOL * scale)


def test_hand_computed_extremes():
    # one pair of surplus 3 (customer 0 - provider 0); customer 1 would pay provider 0 up to 1
    w = np.array([[3.0], [1.0]])
    assert [x.tolist() for x in ck.core_step(w, ck.CUSTOMER)[2:]] == [[2.0, 0.0], [1.0]]
    assert [x.tolist() for x in ck.core_step(w, ck.PROVIDER)[2:]] == [[0.0, 0.0], [3.0]]
    assert [x.tolist() for x in ck.core_step(w, ck.MIDPOINT)[2:]] == [[1.0, 0.0], [2.0]]


def _learners(market, point, seed, T):
    m, n = market.shape
    if market.structure == "typed":
        return TypedMatchUCB(market.customer_types, market.provider_types, horizon=T, point=point)
    if market.structure == "linear":
        return LinearMatchUCB(market.customer_features, market.provider_features, horizon=T, point=point)
    return {
        0: lambda: MatchUCB(m, n, horizon=T, sigma=market.sigma, point=point),
        1: lambda: ExploreThenCommit(m, n, horizon=T, explore=3 * max(m, n), point=point),
        2: lambda: EpsilonGreedy(m, n, horizon=T, rng=seed, point=point),
        3: lambda: ThompsonSampling(m, n, horizon=T, rng=seed, point=point),
    }[seed % 4]()


def _realised(market, obs, d):
    """Every present agent's true payoff u_a(partner) + tau_a (0 if single)."""
    c, p = obs.customers, obs.providers
    pc = np.zeros(len(c))
    pp = np.zeros(len(p))
    for (r, s), t in zip(d.matching, d.transfers):
        pc[r] = market.customer_utils[c[r], p[s]] - t
        pp[s] = market.provider_utils[c[r], p[s]] + t
    return pc, pp


@settings(max_examples=25)
@given(st.integers(1, 5), st.integers(1, 5), st.sampled_from(["unstructured", "typed", "linear"]),
       st.sampled_from([1.0, 0.7]), st.integers(0, 2**31 - 1))
def test_lattice_customer_optimal_pricing_is_best_for_customers_in_every_round(m, n, structure, arrival, seed):
    T = 40
    market = random_market(m, n, structure=structure, arrival=arrival, rng=seed)
    learners = {pt: _learners(market, pt, seed, T) for pt in POINTS}
    rng = np.random.default_rng(seed + 1)
    for _ in range(T):
        obs = market.observe(rng)
        decisions = {pt: lr.decide(obs) for pt, lr in learners.items()}
        base = decisions["solver"]
        pay = {pt: _realised(market, obs, d) for pt, d in decisions.items()}
        for d in decisions.values():
            assert d.matching.tolist() == base.matching.tolist()  # the point never changes the matching
        for pt in POINTS:  # the lattice, realised on the true utilities, agent by agent
            assert np.all(pay["customer"][0] >= pay[pt][0] - TOL) and np.all(pay["customer"][1] <= pay[pt][1] + TOL)
            assert np.all(pay["provider"][1] >= pay[pt][1] - TOL) and np.all(pay["provider"][0] <= pay[pt][0] + TOL)
        # the midpoint halves every agent's range
        np.testing.assert_allclose(pay["midpoint"][0], (pay["customer"][0] + pay["provider"][0]) / 2, atol=1e-9)
        fb, _ = market.play(obs, base, rng)
        for lr in learners.values():  # the same matching, so the same feedback
            lr.update(fb)


@pytest.mark.parametrize("cls", [MatchUCB, ExploreThenCommit, EpsilonGreedy, ThompsonSampling, TypedMatchUCB,
                                 LinearMatchUCB])
def test_every_learner_takes_point_and_defaults_to_the_documented_one(cls):
    assert cls().point == DEFAULT_POINT == "midpoint"
    with pytest.raises(ValidationError, match="point must be one of .*, got 'center'"):
        cls(point="center")


def test_compiled_loop_prices_at_the_point_too():
    from agents.matching import run_bandit

    mk = random_market(4, 4, rng=3)
    runs = {pt: run_bandit(mk, MatchUCB(4, 4, horizon=200, point=pt), 200, rng=9) for pt in POINTS}
    for pt in POINTS:
        np.testing.assert_array_equal(runs[pt].welfare, runs["solver"].welfare)
        assert np.all(runs["customer"].customer_payoff >= runs[pt].customer_payoff - TOL)
        assert np.all(runs["provider"].provider_payoff >= runs[pt].provider_payoff - TOL)
    assert runs["customer"].customer_payoff.sum() > runs["provider"].customer_payoff.sum()


def _reference_customer_optimal(w, rows, cols, p, q):  # w: list of rows; len(p), len(q) give the shape
    """The customer-optimal point by a textbook dense Dijkstra, in plain Python floats (IEEE doubles).

    Settles the unsettled column of least tentative drop (first on ties), relaxes through its owner's slacks
    from scratch each step, and reads the provider-optimal point off the transposed market: a separate
    implementation of the same shortest-path characterisation (module docstring of markets.core_kernels).
    """
    m, n = len(p), len(q)
    owner = [-1] * n
    for i, j in zip(rows, cols):
        owner[j] = i
    matched = set(rows)
    d = list(q)
    for i in range(m):
        if i not in matched:
            for j in range(n):
                d[j] = min(d[j], max(p[i] + q[j] - w[i][j], 0.0))
    final = list(d)
    todo = set(range(n))
    while todo:
        j = min(todo, key=lambda b: (d[b], b))
        todo.remove(j)
        final[j] = d[j]
        if owner[j] >= 0:
            i = owner[j]
            for b in todo:
                d[b] = min(d[b], max(p[i] + q[b] - w[i][b], 0.0) + final[j])
    q_min = [q[j] - min(final[j], q[j]) for j in range(n)]
    p_opt = list(p)
    for i, j in zip(rows, cols):
        p_opt[i] = w[i][j] - q_min[j]
    return p_opt, q_min


def _reference_point(w, rows, cols, p, q, code):
    w_rows = w.tolist()
    w_cols = w.T.tolist()
    rows, cols, p, q = rows.tolist(), cols.tolist(), p.tolist(), q.tolist()
    if code == ck.SOLVER:
        return p, q
    pc, qc = _reference_customer_optimal(w_rows, rows, cols, p, q)
    qp, pp = _reference_customer_optimal(w_cols, cols, rows, q, p)
    if code == ck.CUSTOMER:
        return pc, qc
    if code == ck.PROVIDER:
        return pp, qp
    q_mid = [0.5 * (a + b) for a, b in zip(qc, qp)]
    p_mid = [0.0] * len(p)
    for i, j in zip(rows, cols):
        p_mid[i] = w_rows[i][j] - q_mid[j]
    return p_mid, q_mid


@settings(max_examples=150)
@given(surplus_matrices(min_customers=0, max_customers=9, min_providers=0, max_providers=9),
       st.sampled_from([ck.SOLVER, ck.CUSTOMER, ck.PROVIDER, ck.MIDPOINT]))
def test_compiled_points_equal_a_textbook_reference_bit_for_bit(w, start):
    # the compiled search relaxes settled agents too, settles as it scans and reads the mirror from transposed
    # slacks; none of this may change a single bit (greatest fixed point of the same float equations)
    w = np.ascontiguousarray(w, dtype=np.float64)
    rows, cols, p0, q0 = stable_step(w)
    p, q = (np.asarray(x) for x in _reference_point(w, rows, cols, p0, q0, start))  # any core point as start
    for code in (ck.SOLVER, ck.CUSTOMER, ck.PROVIDER, ck.MIDPOINT):
        got = ck.move_to(w, rows, cols, p, q, code)
        want = _reference_point(w, rows, cols, p, q, code)
        for g, x in zip(got, want):
            assert g.tolist() == x  # exact float equality, entry by entry
