"""Subset Instability: sign, zero exactly at stable outcomes, welfare gap, LP value, coalition form."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markets_brute import coalition_max, max_matching_weight

import markets
from markets import is_stable, stable_outcome, subset_instability
from markets.lp import subset_instability_lp
from markets.strategies import markets_with_outcomes, surplus_matrices


def _scale(w):
    return max(np.abs(w).max(), 1.0) if np.size(w) else 1.0


@given(wo=markets_with_outcomes(max_customers=5, max_providers=5))
def test_nonnegative_and_at_least_the_welfare_gap(wo):
    w, o = wo
    value = subset_instability(w, o)
    assert value >= 0
    gap = max_matching_weight(w) - o.welfare
    assert value >= gap - 1e-9 * _scale(w)


@given(wo=markets_with_outcomes(max_customers=5, max_providers=5))
def test_zero_iff_stable(wo):
    w, o = wo
    for tol in (0.0, 1e-9, 1e-3):
        assert (subset_instability(w, o, tol=tol) == 0.0) == is_stable(w, o, tol=tol)


@given(w=surplus_matrices(max_customers=6, max_providers=6), point=st.sampled_from(["any", "customer", "provider"]))
def test_exactly_zero_at_stable_outcomes(w, point):
    assert subset_instability(w, stable_outcome(w, point=point)) == 0.0


@given(wo=markets_with_outcomes(max_customers=5, max_providers=5))
def test_equals_the_lp(wo):
    w, o = wo
    assert subset_instability(w, o) == pytest.approx(subset_instability_lp(w, o), rel=1e-7, abs=1e-7 * _scale(w))


@given(wo=markets_with_outcomes(max_customers=3, max_providers=3))
def test_equals_the_brute_force_coalition_maximum(wo):
    w, o = wo
    ref = coalition_max(w, o.customer_payoffs, o.provider_payoffs)
    assert subset_instability(w, o) == pytest.approx(ref, rel=1e-9, abs=1e-9 * _scale(w))


@given(wo=markets_with_outcomes(max_customers=5, max_providers=5))
def test_certificate_subsidies_stabilise_and_coalition_attains(wo):
    w, o = wo
    cert = subset_instability(w, o, return_certificate=True)
    sp, sq = cert.customer_subsidies, cert.provider_subsidies
    assert np.all(sp >= 0) and np.all(sq >= 0)
    assert sp.sum() + sq.sum() == pytest.approx(cert.value, abs=1e-9 * _scale(w) * (1 + w.size))
    p, q = o.customer_payoffs + sp, o.provider_payoffs + sq
    atol = 1e-9 * _scale(w)
    assert np.all(p >= -atol) and np.all(q >= -atol)
    if w.size:
        assert np.all(p[:, None] + q[None, :] >= w - atol)
    cs, ps = cert.coalition_customers, cert.coalition_providers
    coalition_value = (max_matching_weight(w, cs, ps) - o.customer_payoffs[cs].sum()
                       - o.provider_payoffs[ps].sum())
    assert coalition_value == pytest.approx(cert.value, abs=atol * (1 + w.size))


@given(wo=markets_with_outcomes(max_customers=5, max_providers=4, capacitated=True))
def test_capacitated_equals_lp(wo):
    w, o = wo
    value = subset_instability(w, o)
    assert value >= 0
    assert value == pytest.approx(subset_instability_lp(w, o), rel=1e-7, abs=1e-7 * _scale(w))


def test_worked_example_by_hand():
    # w = [[4, 1], [2, 1]]; the outcome matches (0,1), (1,0) with p = (1, 2), q = (0, 0).
    # Residual r = w - p_i - q_j = [[3, 0], [0, -1]]: the coalition {c0, p0} gains 3.
    w = np.array([[4.0, 1.0], [2.0, 1.0]])
    o = markets.outcome_from_payoffs(w, [[0, 1], [1, 0]], [1.0, 2.0], [0.0, 0.0])
    assert subset_instability(w, o) == 3.0
    # Negative payoffs are subsidised first: p = (-1, 2), q = (0, 2) costs 1 for c0; then
    # p' = (0, 2), q' = (0, 2), residual [[4, -1], [0, -3]]: best matching 4, total 5
    # (the coalition {c0, p0}: W = 4 minus payoffs -1 + 0).
    o = markets.outcome_from_payoffs(w, [[0, 1], [1, 0]], [-1.0, 2.0], [0.0, 2.0])
    assert subset_instability(w, o) == 5.0


@pytest.mark.parametrize("backend", markets.available_backends())
def test_bandit_style_outcome_on_true_utilities(backend):
    # a platform solves on estimates and is judged on the truth (the paper's regret)
    rng = np.random.default_rng(5)
    cu, pu = rng.uniform(-1, 1, (20, 20)), rng.uniform(-1, 1, (20, 20))
    est_c, est_p = cu + rng.normal(0, 0.3, cu.shape), pu + rng.normal(0, 0.3, pu.shape)
    chosen = stable_outcome(customer_utils=est_c, provider_utils=est_p, backend=backend)
    judged = markets.outcome_from_transfers(cu, pu, chosen.matching, chosen.transfers)
    value = subset_instability(cu + pu, judged, backend=backend)
    assert value == pytest.approx(subset_instability_lp(cu + pu, judged), rel=1e-7)
    assert value >= stable_outcome(cu + pu).welfare - judged.welfare - 1e-9
