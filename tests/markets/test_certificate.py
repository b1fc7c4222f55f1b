"""The independent checker accepts optimal certificates and rejects each kind of corruption."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from markets import check_certificate, stable_outcome
from markets.lp import solve_lp
from markets.strategies import surplus_matrices
from sim.errors import CertificateError


def _lp_certificate(w):
    return solve_lp(w)


@given(w=surplus_matrices(min_customers=1, max_customers=5, min_providers=1, max_providers=5))
def test_accepts_the_lp_solution(w):
    # the reference LP (HiGHS vertex + duals) passes the checker with the LP's own value
    rows, cols, p, q = _lp_certificate(w)
    value = check_certificate(w, rows, cols, p, q, tol=1e-7)
    assert value == pytest.approx(float(w[rows, cols].sum()))


@given(w=surplus_matrices(min_customers=2, max_customers=5, min_providers=2, max_providers=5,
                          elements=st.integers(1, 9).map(float)),
       which=st.sampled_from(["raise_p", "lower_q", "drop_pair", "swap", "extra_single_payoff"]))
def test_rejects_corruptions(w, which):
    o = stable_outcome(w)
    rows, cols = o.matching[:, 0].copy(), o.matching[:, 1].copy()
    p, q = o.customer_payoffs.copy(), o.provider_payoffs.copy()
    if which == "raise_p":  # breaks complementary slackness (payoffs exceed the pair's surplus)
        p[rows[0]] += 1.0
    elif which == "lower_q":  # a pair now blocks or a payoff goes negative
        j = cols[0]
        q[j] -= q[j] + 1.0
        p[rows[0]] = w[rows[0], j] - q[j]
    elif which == "drop_pair":  # matched customer counted as single with positive payoff
        p[rows[0]] = max(p[rows[0]], 1.0)
        rows, cols = rows[1:], cols[1:]
    elif which == "swap":  # all entries >= 1: the full matching; swapping breaks tightness unless tied
        if len(rows) < 2 or w[rows[0], cols[1]] + w[rows[1], cols[0]] == w[rows[0], cols[0]] + w[rows[1], cols[1]]:
            return
        cols[[0, 1]] = cols[[1, 0]]
    else:
        single = np.setdiff1d(np.arange(len(p)), rows)
        if not single.size:
            return
        p[single[0]] = 0.5
    with pytest.raises(CertificateError):
        check_certificate(w, rows, cols, p, q)


def test_rejects_non_matchings_and_capacity_breaches():
    w = np.array([[2.0, 1.0], [1.0, 2.0]])
    with pytest.raises(CertificateError, match="matched twice"):
        check_certificate(w, [0, 0], [0, 1], np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    with pytest.raises(CertificateError, match="over capacity"):
        check_certificate(w, [0, 1], [0, 0], np.array([1.0, 0.0]), np.array([1.0, 1.0]))
    with pytest.raises(CertificateError, match="not allowed"):
        check_certificate(w, [0, 1], [0, 1], np.array([1.0, 1.0]), np.array([1.0, 1.0]),
                          allowed=np.eye(2, dtype=bool)[::-1])
    with pytest.raises(CertificateError, match="out of range"):
        check_certificate(w, [0, 1], [0, 2], np.array([1.0, 1.0]), np.array([1.0, 1.0]))


def test_objective_gap_is_caught():
    # payoffs feasible and tight, but a better matching exists: primal < dual
    w = np.array([[1.0, 3.0], [3.0, 1.0]])
    with pytest.raises(CertificateError):
        check_certificate(w, [0, 1], [0, 1], np.array([0.5, 0.5]), np.array([0.5, 0.5]))
