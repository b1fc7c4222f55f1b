"""Bad input raises a clear error from the package's error root naming the argument."""

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
