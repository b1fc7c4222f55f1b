"""Bad input raises a clear error from the package's error root naming the argument."""

import warnings

import networkx as nx
import numpy as np
import pytest

import markets
import markets.lp
from markets import (
    Outcome,
    blocking_pairs,
    core_extremes,
    deferred_acceptance,
    is_stable,
    stable_outcome,
    subset_instability,
)
from sim.errors import InputTypeError, StratsimError, UnknownNameError, ValidationError

W = np.array([[4.0, 1.0], [2.0, 1.0]])


@pytest.mark.parametrize("fn", [stable_outcome, core_extremes, lambda w: is_stable(w, stable_outcome(W)),
                                lambda w: subset_instability(w, stable_outcome(W))])
@pytest.mark.parametrize("bad, err, words", [
    ([[1.0, np.nan]], ValidationError, ["surplus", "finite"]),
    ([[1.0, np.inf]], ValidationError, ["surplus", "finite"]),
    ([[1.0, -np.inf]], ValidationError, ["surplus", "finite"]),
    ([1.0, 2.0], ValidationError, ["surplus", "2-dimensional"]),
    (np.ones((2, 2, 2)), ValidationError, ["surplus", "2-dimensional"]),
    (3.0, ValidationError, ["surplus", "2-dimensional"]),
    ([["a", "b"]], InputTypeError, ["surplus", "numeric"]),
    (np.array([[True, False]]), InputTypeError, ["surplus", "numeric"]),
    (np.array([[1 + 1j]]), InputTypeError, ["surplus", "numeric"]),
    ([[1.0, 2.0], [3.0]], InputTypeError, ["surplus"]),
])
def test_bad_surplus(fn, bad, err, words):
    with pytest.raises(err) as info:
        fn(bad)
    assert isinstance(info.value, StratsimError)
    for word in words:
        assert word in str(info.value)


def test_mismatched_or_missing_utilities():
    with pytest.raises(ValidationError, match="customer_utils and provider_utils must have the same shape"):
        stable_outcome(customer_utils=np.ones((2, 3)), provider_utils=np.ones((3, 2)))
    with pytest.raises(ValidationError, match="provider_utils is missing"):
        stable_outcome(customer_utils=np.ones((2, 3)))
    with pytest.raises(ValidationError, match="not both"):
        stable_outcome(W, customer_utils=W, provider_utils=W)
    with pytest.raises(ValidationError, match="customer_utils must be finite"):
        stable_outcome(customer_utils=[[np.nan]], provider_utils=[[1.0]])
    with pytest.raises(ValidationError, match="overflows"):
        stable_outcome(customer_utils=[[1e308]], provider_utils=[[1e308]])
    with pytest.raises(ValidationError, match="surplus is missing"):
        stable_outcome()


@pytest.mark.parametrize("caps, words", [
    ([1, -1], "capacities must be >= 0"),
    ([1], "capacities must have shape (2,)"),
    ([1.5, 1], "whole numbers"),
    (["a", "b"], "capacities must be an integer array"),
])
def test_bad_capacities(caps, words):
    with pytest.raises(StratsimError) as info:
        stable_outcome(W, capacities=caps)
    assert words in str(info.value)


@pytest.mark.parametrize("outcome_args, words", [
    (([[0, 0], [0, 1]], [3.0, 0.0], [1.0, 1.0]), "customer 0 is matched 2 times"),
    (([[0, 0], [1, 0]], [3.0, 1.0], [1.0, 0.0]), "provider 0 is matched 2 times"),
    (([[0, 5]], [1.0, 0.0], [0.0, 0.0]), "names a provider outside 0..1"),
    (([[-1, 0]], [1.0, 0.0], [0.0, 0.0]), "names a customer outside 0..1"),
    (([[0, 0]], [1.0, 0.0, 0.0], [3.0, 0.0]), "sizes (3, 2) but the market is 2 x 2"),
    (([[0, 0]], [1.0, 0.0], [1.0, 0.0]), "not feasible"),
    (([[0, 0]], [1.0, 0.5], [3.0, 0.0]), "unmatched customer 1"),
    (([], [0.0, 0.0], [0.0, 0.5]), "unmatched provider 1"),
])
@pytest.mark.parametrize("fn", [is_stable, blocking_pairs, subset_instability, markets.lp.subset_instability_lp])
def test_outcomes_that_do_not_fit(outcome_args, words, fn):
    o = Outcome(*outcome_args)
    with pytest.raises(ValidationError) as info:
        fn(W, o)
    assert words in str(info.value)
    with pytest.raises(StratsimError):  # the certificate checker refuses it too
        markets.verify_outcome(W, o)


@pytest.mark.parametrize("matching", [[[0.5, 1.0]], [[0, 1, 2]], [["a", "b"]]])
def test_malformed_matching_array(matching):
    with pytest.raises(ValidationError, match="matching must be a"):
        Outcome(matching, [0.0, 0.0], [0.0, 0.0])


def test_outcome_payoffs_must_be_finite():
    with pytest.raises(ValidationError, match="customer_payoffs must be finite"):
        Outcome([], [np.nan], [0.0])


def test_not_an_outcome():
    with pytest.raises(ValidationError, match="outcome must be a markets.Outcome"):
        is_stable(W, {"matching": []})


def test_graph_matching_a_non_edge_is_refused():
    g = nx.Graph()
    g.add_nodes_from(["c0", "c1"], bipartite=0)
    g.add_nodes_from(["p0", "p1"], bipartite=1)
    g.add_edge("c0", "p0", weight=1.0)
    g.add_edge("c1", "p1", weight=1.0)
    o = Outcome([[0, 1]], [0.0, 0.0], [0.0, 0.0])
    with pytest.raises(ValidationError, match="not an edge of the market"):
        is_stable(g, o)


def test_bad_graphs():
    g = nx.Graph()
    g.add_node("c", bipartite=0)
    g.add_node("p")
    with pytest.raises(ValidationError, match="bipartite=0"):
        stable_outcome(g)
    g.nodes["p"]["bipartite"] = 1
    g.add_edge("c", "p")
    with pytest.raises(InputTypeError, match="needs a real 'weight'"):
        stable_outcome(g)
    g.edges["c", "p"]["weight"] = float("nan")
    with pytest.raises(ValidationError, match="non-finite weight"):
        stable_outcome(g)
    g.add_node("c2", bipartite=0)
    g.edges["c", "p"]["weight"] = 1.0
    g.add_edge("c", "c2", weight=1.0)
    with pytest.raises(ValidationError, match="same side"):
        stable_outcome(g)


def test_bad_options():
    with pytest.raises(ValidationError, match="method must be one of"):
        stable_outcome(W, method="magic")
    with pytest.raises(ValidationError, match="point must be one of"):
        stable_outcome(W, point="median")
    with pytest.raises(ValidationError, match="backend must be one of"):
        stable_outcome(W, backend="gurobi")
    with pytest.raises(ValidationError, match="tol must be >= 0"):
        is_stable(W, stable_outcome(W), tol=-1.0)


@pytest.mark.parametrize("pp, rp, err, words", [
    ({"a": ["x", "zz"]}, {"x": ["a"]}, UnknownNameError, "proposer_prefs['a'] lists 'zz'"),
    ({"a": ["x"]}, {"x": ["a", "b"]}, UnknownNameError, "receiver_prefs['x'] lists 'b'"),
    ({"a": ["x", "x"]}, {"x": ["a"]}, ValidationError, "lists 'x' twice"),
    ({"a": ["x"]}, {"x": ["a", "a"]}, ValidationError, "lists 'a' twice"),
    ([("a", ["x"])], {"x": ["a"]}, InputTypeError, "proposer_prefs must be a mapping"),
    ({"a": "x"}, {"x": ["a"]}, InputTypeError, "proposer_prefs['a'] must be a list"),
    ({"a": [["x"]]}, {"x": ["a"]}, InputTypeError, "unhashable"),
])
def test_bad_preferences(pp, rp, err, words):
    with pytest.raises(err) as info:
        deferred_acceptance(pp, rp)
    assert isinstance(info.value, StratsimError)
    assert words in str(info.value)


def test_bad_orlib_files(tmp_path):
    f = tmp_path / "bad.txt"
    f.write_text("3\n1 2 3\n")
    with pytest.raises(ValidationError, match="10 tokens are needed"):
        markets.read_orlib_assignment(f)
    f.write_text("1\nx\n")
    with pytest.raises(ValidationError, match="non-integer"):
        markets.read_orlib_assignment(f)
    with pytest.raises(ValidationError, match="is not a file"):
        markets.read_orlib_assignment(tmp_path / "missing.txt")


# --- hardening (issue 12): one shared check per kind of bad value, wherever it enters -------------------------

TOL_TAKERS = [
    lambda tol: stable_outcome(W, tol=tol),
    lambda tol: stable_outcome(W, method="lp", tol=tol),
    lambda tol: is_stable(W, stable_outcome(W), tol=tol),
    lambda tol: blocking_pairs(W, stable_outcome(W), tol=tol),
    lambda tol: markets.irrational_agents(W, stable_outcome(W), tol=tol),
    lambda tol: subset_instability(W, stable_outcome(W), tol=tol),
    lambda tol: markets.verify_outcome(W, stable_outcome(W), tol=tol),
    lambda tol: markets.check_certificate(W, [0, 1], [0, 1], [3.0, 1.0], [1.0, 0.0], tol=tol),
    lambda tol: markets.outcome_from_payoffs(W, [[0, 0]], [4.0, 0.0], [0.0, 0.0], tol=tol),
]


@pytest.mark.parametrize("take", TOL_TAKERS)
@pytest.mark.parametrize("tol, err, words", [
    (float("nan"), ValidationError, "tol must be finite"),
    (float("inf"), ValidationError, "tol must be finite"),
    (-1, ValidationError, "tol must be >= 0"),
    ("1e-9", InputTypeError, "tol must be a real number"),
    (None, InputTypeError, "tol must be a real number"),
])
def test_tol_is_checked_the_same_way_everywhere(take, tol, err, words):
    with pytest.raises(err, match=words):
        take(tol)


HUGE = [[1e308, 1e308], [1e308, 1.0]]


@pytest.mark.parametrize("call", [
    lambda: stable_outcome(HUGE),
    lambda: stable_outcome(HUGE, point="customer"),
    lambda: stable_outcome(HUGE, method="lp"),
    lambda: core_extremes(HUGE),
    lambda: markets.verify_outcome(HUGE, Outcome([], [0.0, 0.0], [0.0, 0.0])),
    lambda: stable_outcome(customer_utils=[[4e307, 4e307]], provider_utils=[[4e307, 0.0]]),
])
def test_magnitudes_that_would_overflow_are_refused_without_warnings(call):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValidationError, match="would overflow float64"):
            call()


def test_large_but_safe_magnitudes_still_solve_exactly():
    o = stable_outcome(np.array([[4.0, 1.0], [2.0, 1.0]]) * 2.0**1000)
    assert o.welfare == 5.0 * 2.0**1000 and np.isfinite(o.customer_payoffs).all()


def test_payoffs_that_would_overflow_subset_instability_are_refused():
    w = [[0.0, 5.0], [5.0, 0.0]]
    o = Outcome([[0, 0]], [1e308, 0.0], [-1e308, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValidationError, match=r"outcome payoffs \(customer_payoffs, provider_payoffs\) has "
                                                  r"entries up to 1e\+308"):
            subset_instability(w, o)


@pytest.mark.parametrize("call", [
    lambda: stable_outcome(np.ones((3, 3)), capacities=[10**12, 1, 1]),
    lambda: core_extremes(np.ones((3, 3)), capacities=[10**12, 1, 1]),
    lambda: subset_instability(np.ones((3, 3)), Outcome([], np.zeros(3), np.zeros(3), capacities=[10**12, 1, 1])),
    lambda: markets.lp.solve_lp(np.ones((3, 3)), capacities=[10**12, 1, 1]),
])
def test_work_that_cannot_fit_in_memory_is_refused_naming_capacities(call):
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match=r"capacities = \[1000000000000, 1, 1\] would need [\d.,]+ TiB"):
            call()
        assert tracemalloc.get_traced_memory()[1] < 2**20  # refused before allocating
    finally:
        tracemalloc.stop()


def test_the_memory_limit_can_be_set_explicitly():
    from markets.validation import memory_limit

    stable_outcome(np.ones((3, 3)), capacities=[1000, 1, 1])
    with memory_limit(2**16), pytest.raises(ValidationError, match="more than the limit of 64 KiB"):
        stable_outcome(np.ones((3, 3)), capacities=[1000, 1, 1])
    with pytest.raises(ValidationError, match="surplus shape = "):
        with memory_limit(2**10):
            stable_outcome(np.ones((10, 10)))


def test_capacities_beyond_int64_are_out_of_range_not_a_type_error():
    with pytest.raises(ValidationError, match="capacities must be <= 2[*][*]53"):
        stable_outcome(W, capacities=[10**30, 1])


def test_a_market_built_directly_is_validated():
    with pytest.raises(ValidationError, match="surplus must be finite"):
        markets.Market([[np.nan]])
    with pytest.raises(ValidationError, match="capacities must have shape"):
        markets.Market(W, capacities=[1])
    with pytest.raises(ValidationError, match="surplus must equal customer_utils [+] provider_utils"):
        markets.Market(W, customer_utils=W, provider_utils=W)
    with pytest.raises(ValidationError, match="provider_labels must name 2 agents"):
        markets.Market(W, provider_labels=["a"])


def test_solve_assignment_checks_type_and_finiteness_without_converting():
    with pytest.raises(InputTypeError, match="w must be a 2-D float64 numpy array"):
        markets.solve_assignment([[1.0]])
    with pytest.raises(ValidationError, match="w must be finite"):
        markets.solve_assignment(np.array([[1.0, -np.inf]]))
    with pytest.raises(InputTypeError, match="backend must be one of"):
        markets.solve_assignment(W, backend=np.array([]))


def test_flags_and_options_must_have_their_type():
    with pytest.raises(InputTypeError, match="verify must be True or False"):
        stable_outcome(W, verify="no")
    with pytest.raises(InputTypeError, match="return_certificate must be True or False"):
        subset_instability(W, stable_outcome(W), return_certificate=np.array([]))
    with pytest.raises(InputTypeError, match="method must be one of"):
        core_extremes(W, method=["dijkstra"])


def test_a_ragged_matching_is_a_validation_error():
    with pytest.raises(ValidationError, match="matching must be a"):
        Outcome([[0, 0], [1]], [0.0, 0.0], [0.0, 0.0])


def test_the_checker_ignores_providers_without_a_seat():
    # a provider of capacity 0 cannot match, so its pairs cannot block (the solver closes it the same way)
    o = stable_outcome([[1.0, 2.0]], capacities=[0, 1])
    assert markets.check_certificate([[1.0, 2.0]], [0], [1], o.customer_payoffs, o.provider_payoffs,
                                     capacities=[0, 1]) == 2.0
    o = stable_outcome([[1.0]], capacities=[0])
    assert markets.verify_outcome([[1.0]], o) == 0.0


def test_verify_outcome_refuses_an_outcome_of_another_size():
    with pytest.raises(ValidationError, match="outcome has payoffs of sizes"):
        markets.verify_outcome(W, stable_outcome(np.ones((1, 1))))


def test_outcomes_with_capacities_of_another_market_name_them():
    o = stable_outcome(np.ones((2, 3)), capacities=[2, 1, 1])
    with pytest.raises(ValidationError, match="outcome.capacities has 3 entries but surplus has 2 providers"):
        is_stable(W, o)


def test_unreadable_orlib_files(tmp_path):
    f = tmp_path / "binary.txt"
    f.write_bytes(b"\x00\xff")
    with pytest.raises(ValidationError, match="not an ASCII text file"):
        markets.read_orlib_assignment(f)
    f.write_text("1\n99999999999999999999999\n")
    with pytest.raises(ValidationError, match="beyond the int64 range"):
        markets.read_orlib_assignment(f)
    with pytest.raises(ValidationError, match="is not a file"):
        markets.read_orlib_assignment("a\0b")  # a name the OS refuses


def test_core_lp_of_an_empty_market():
    lp = markets.lp.core_lp(np.zeros((0, 2)), None, None)
    assert lp.variables["q"].value.tolist() == [0.0, 0.0]


def test_an_empty_capacities_array_of_a_billion_rows_is_refused_without_listing_it():
    # tolist() of a (10**9, 0) array builds 10**9 empty lists (tens of GB): the message must not do that
    import tracemalloc

    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match="capacities must have shape"):
            markets.stable_outcome(np.ones((2, 3)), capacities=np.zeros((10**9, 0)))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**26
