"""Sparse markets (scipy.sparse and networkx input) against their dense equivalents, the LP and brute force.

Dense equivalents of a sparse market: for solving, every absent pair gets surplus -1 (no solver matches a
non-positive pair, and with non-negative payoffs such a pair never blocks, so the optimal welfare and the core
are the same). For judging arbitrary outcomes, whose payoffs may be negative, a -1 pair could block; there the
equivalent is a dense Market with absent pairs masked out (``allowed``), which is exactly "absent pairs cannot
match or block". Both equivalences are exact, not approximate.
"""

import subprocess
import sys
import textwrap

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sps
from hypothesis import given, settings
from hypothesis import strategies as st
from markets_brute import max_matching_weight

import markets
from markets import (
    as_market,
    core_extremes,
    is_stable,
    marginal_contributions,
    stable_outcome,
    subset_instability,
    verify_outcome,
)
from markets.market import SparseMarket
from markets.strategies import capacities_for, outcomes, sparse_markets
from sim.errors import CertificateError, InputTypeError, ValidationError

SETTINGS = settings(max_examples=60, deadline=None)
FORMATS = ("csr", "csc", "coo")


@st.composite
def sparse_cases(draw, max_size=6):
    """(sparse matrix, dense equivalent, edge mask): stored entries include zeros and negatives."""
    m = draw(st.integers(0, max_size))
    n = draw(st.integers(0, max_size))
    vals = draw(st.lists(st.one_of(st.integers(-3, 6).map(float), st.floats(-10, 10, allow_subnormal=False)),
                         min_size=m * n, max_size=m * n))
    mask = draw(st.lists(st.booleans(), min_size=m * n, max_size=m * n))
    w = np.array(vals, dtype=float).reshape(m, n)
    mask = np.array(mask, dtype=bool).reshape(m, n)
    rows, cols = np.nonzero(mask)
    fmt = draw(st.sampled_from(FORMATS))
    x = sps.coo_array((w[rows, cols], (rows, cols)), shape=(m, n)).asformat(fmt)
    dense = np.where(mask, w, -1.0)
    return x, dense, mask


def _caps_dense(dense, caps):
    return np.where(np.asarray(caps)[None, :] > 0, dense, -1.0)


@SETTINGS
@given(data=st.data(), case=sparse_cases(), capacitated=st.booleans())
def test_sparse_solve_matches_dense_and_is_certified(data, case, capacitated):
    x, dense, mask = case
    caps = data.draw(capacities_for(dense.shape[1])) if capacitated else None
    o = stable_outcome(x, capacities=caps)
    od = stable_outcome(dense, capacities=caps)
    ref = max_matching_weight(np.maximum(_caps_dense(dense, caps) if caps is not None else dense, 0),
                              capacities=caps)
    assert o.welfare == pytest.approx(od.welfare, abs=1e-9)
    assert o.welfare == pytest.approx(ref, abs=1e-9)
    # never a non-edge, never over capacity
    for i, j in o.matching.tolist():
        assert mask[i, j]
    loads = np.bincount(o.matching[:, 1], minlength=dense.shape[1])
    assert np.all(loads <= (np.ones(dense.shape[1]) if caps is None else caps))
    # certified on the sparse market by its checker and on the dense equivalent by the dense checker
    assert verify_outcome(x, o) == pytest.approx(o.welfare, abs=1e-9)
    assert verify_outcome(as_market(dense, capacities=caps), o) == pytest.approx(od.welfare, abs=1e-9)
    assert is_stable(x, o) and is_stable(dense, o)
    assert subset_instability(x, o) == 0.0


@SETTINGS
@given(data=st.data(), case=sparse_cases(max_size=5), capacitated=st.booleans())
def test_stability_and_instability_agree_with_the_dense_equivalent(data, case, capacitated):
    x, dense, mask = case
    caps = data.draw(capacities_for(dense.shape[1])) if capacitated else None
    o = data.draw(outcomes(x, capacities=caps))  # any feasible outcome matching edges only
    dmarket = markets.Market(np.where(mask, dense, 0.0), allowed=mask, capacities=caps)
    smarket = as_market(x, capacities=caps)
    assert is_stable(smarket, o) == is_stable(dmarket, o)
    assert markets.blocking_pairs(smarket, o).tolist() == markets.blocking_pairs(dmarket, o).tolist()
    s_val = subset_instability(smarket, o)
    d_val = subset_instability(dmarket, o)
    assert s_val == pytest.approx(d_val, abs=1e-9 * max(1.0, np.abs(dense).max(initial=1.0)) * (dense.size + 2))
    cert = subset_instability(smarket, o, return_certificate=True)
    assert cert.value == s_val
    total = cert.customer_subsidies.sum() + cert.provider_subsidies.sum()
    assert total == pytest.approx(s_val, abs=1e-7 * max(1.0, s_val))


@SETTINGS
@given(case=sparse_cases(max_size=5))
def test_core_extremes_match_the_dense_ones(case):
    x, dense, _ = case
    ext = core_extremes(x)
    dext = core_extremes(dense)
    for a, b in ((ext.customer_optimal, dext.customer_optimal), (ext.provider_optimal, dext.provider_optimal)):
        np.testing.assert_allclose(a.customer_payoffs, b.customer_payoffs, atol=1e-8)
        np.testing.assert_allclose(a.provider_payoffs, b.provider_payoffs, atol=1e-8)
    for point, ref in (("customer", dext.customer_optimal), ("provider", dext.provider_optimal)):
        o = stable_outcome(x, point=point)
        np.testing.assert_allclose(o.customer_payoffs, ref.customer_payoffs, atol=1e-8)
    c, p = marginal_contributions(x)
    dc, dp = marginal_contributions(dense)
    np.testing.assert_allclose(c, dc, atol=1e-9)
    np.testing.assert_allclose(p, dp, atol=1e-9)
    mext = core_extremes(x, method="marginal")
    np.testing.assert_allclose(mext.customer_optimal.customer_payoffs, dext.customer_optimal.customer_payoffs,
                               atol=1e-8)


@SETTINGS
@given(data=st.data(), case=sparse_cases(max_size=5))
def test_capacitated_extremes_match_the_dense_ones(data, case):
    x, dense, _ = case
    caps = data.draw(capacities_for(dense.shape[1]))
    ext = core_extremes(x, capacities=caps)
    dext = core_extremes(dense, capacities=caps)
    np.testing.assert_allclose(ext.customer_optimal.provider_payoffs, dext.customer_optimal.provider_payoffs,
                               atol=1e-8)
    np.testing.assert_allclose(ext.provider_optimal.provider_payoffs, dext.provider_optimal.provider_payoffs,
                               atol=1e-8)


def test_lp_method_on_a_sparse_market_agrees():
    rng = np.random.default_rng(3)
    x = sps.random_array((8, 7), density=0.4, rng=rng, format="csr")
    x.data -= 0.3
    assert stable_outcome(x, method="lp").welfare == pytest.approx(stable_outcome(x).welfare, abs=1e-7)


def test_graph_markets_keep_their_labels_and_capacities():
    g = nx.Graph()
    g.add_nodes_from(["ann", "bob", "cy"], bipartite=0)
    g.add_node("shop", bipartite=1, capacity=2)
    g.add_node("cafe", bipartite=1)
    g.add_edge("ann", "shop", weight=3.0)
    g.add_edge("bob", "shop", weight=2.0)
    g.add_edge("cy", "shop", weight=1.0)
    g.add_edge("cy", "cafe", weight=0.5)
    assert isinstance(as_market(g), SparseMarket)
    o = stable_outcome(g)
    # hand computation: shop takes ann and bob (5), cy goes to the cafe (0.5)
    assert o.as_dict() == {"ann": "shop", "bob": "shop", "cy": "cafe"}
    assert o.welfare == 5.5
    assert o.customer_labels == ("ann", "bob", "cy") and o.provider_labels == ("shop", "cafe")
    assert is_stable(g, o) and verify_outcome(g, o) == 5.5
    # cy could take a shop seat at 1.0: the shop's seat price is at most 1.0 - 0.5 = 0.5 above cy's payoff
    assert o.provider_payoffs[0] <= 1.0 + 1e-12


def test_a_sparse_outcome_never_matches_a_non_edge_even_when_it_pays():
    x = sps.csr_array(([1.0], ([0], [0])), shape=(2, 2))
    o = stable_outcome(x)
    assert o.matching.tolist() == [[0, 0]]
    fake = markets.Outcome([[1, 1]], [0.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValidationError, match="not an edge of the market"):
        is_stable(x, fake)
    with pytest.raises(CertificateError, match="not an edge"):
        verify_outcome(x, fake)


@pytest.mark.parametrize("bad, err, msg", [
    (sps.csr_array(np.array([[1.0, np.nan]])), ValidationError, r"surplus must be finite, got nan at index \(0, 1\)"),
    (sps.coo_array(([np.inf], ([1], [0])), shape=(2, 2)), ValidationError, r"finite, got inf at index \(1, 0\)"),
    (sps.csr_array(np.array([[True, False]])), InputTypeError, "numeric sparse matrix, got dtype bool"),
    (sps.csr_array(np.array([[1 + 1j]])), InputTypeError, "got dtype complex128"),
    (sps.coo_array(([1.0, 2.0], ([0, 0], [1, 1])), shape=(1, 2)), ValidationError, r"stores pair \(0, 1\) twice"),
    (sps.coo_array(np.array([1.0, 2.0])), ValidationError, r"2-dimensional, got a sparse array of shape \(2,\)"),
])
def test_bad_sparse_input_is_refused_naming_the_argument(bad, err, msg):
    with pytest.raises(err, match=msg):
        stable_outcome(bad)


def test_wrong_capacities_shape_names_capacities():
    with pytest.raises(ValidationError, match=r"capacities must have shape \(3,\)"):
        stable_outcome(sps.csr_array((2, 3)), capacities=[1, 2])


def test_a_sparse_market_without_edges():
    o = stable_outcome(sps.csr_array((3, 4)))
    assert o.matching.shape == (0, 2) and o.welfare == 0.0 and verify_outcome(sps.csr_array((3, 4)), o) == 0.0


_BIG = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))
import numpy as np, scipy.sparse as sps
import markets
rng = np.random.default_rng(7)
half, deg = {half}, 5
rows = np.repeat(np.arange(half), deg)
cols = rng.integers(0, half, rows.size)
x = sps.coo_array((rng.random(rows.size), (rows, cols)), shape=(half, half)).tocsr()
x.sum_duplicates()
o = markets.stable_outcome(x)  # certified
print(len(o.matching), o.welfare, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


@pytest.mark.slow
def test_a_hundred_thousand_agent_sparse_market_solves_under_a_memory_cap():
    # 5e4 x 5e4: a dense float64 copy alone would need 20 GB; the cap is 3 GiB of address space
    cap = 3 * 2**30
    code = textwrap.dedent(_BIG.format(cap=cap, half=50_000))
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    k, welfare, _ = proc.stdout.split()
    assert int(k) > 40_000 and float(welfare) > 0


def test_the_sparse_market_strategy_checks_its_options():
    with pytest.raises(InputTypeError, match="formats"):
        sparse_markets(formats=("dense",))
    with pytest.raises(ValidationError):
        sparse_markets(max_customers=-1)


@SETTINGS
@given(x=sparse_markets(max_customers=4, max_providers=4))
def test_sparse_market_strategy_draws_sparse_markets(x):
    assert sps.issparse(x) and x.format in FORMATS
    assert isinstance(as_market(x), SparseMarket) and as_market(x).n_edges == x.nnz
