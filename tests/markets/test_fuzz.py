"""Fuzzing the public entry points of markets: every call succeeds or raises the package's error naming an argument.

Each example builds a small valid call (a market, its capacities, a feasible outcome...), then replaces some of
its arguments with hostile values: NaN, inf, magnitudes near the float64 limit, negative and huge numbers, empty
and wrongly shaped arrays, zero-size arrays with a dimension of a billion, wrong dtypes (bool, complex, str,
object, float16), wrong types (None, str, dict, objects, lists of lists of mixed types, ragged lists), graphs with
bad attributes, outcomes of other markets and outcomes whose payoffs reach the float64 limit. The invariants:

* the call returns (and then holds no NaN or inf: a finite market has a finite outcome), or raises a
  :class:`sim.errors.StratsimError` whose message names an argument of the call (the replaced one, unless the
  replacement is a well-formed value that only disagrees with another argument);
* no other exception and no RuntimeWarning escapes (warnings are errors here);
* the call's traced peak memory (tracemalloc traces numpy's allocations) stays under ``PEAK_CAP`` while
  ``markets.validation.memory_limit`` asks the size guards to refuse work beyond ``GUARD``;
* it finishes within the test's timeout.
"""

from __future__ import annotations

import inspect
import math
import tempfile
import tracemalloc
import types
import warnings
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import markets
import markets.lp
import markets.ntu
from markets.strategies import capacities_for, outcomes, preference_profiles, surplus_matrices
from markets.validation import memory_limit
from sim.errors import CertificateError, StratsimError

GUARD = 64 * 2**20
PEAK_CAP = 256 * 2**20
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.data_too_large])


class _Opaque:
    """An object of no expected type."""

    def __repr__(self):
        return "<opaque>"


def _bad_graphs():
    out = []
    g = nx.Graph()
    g.add_node("c", bipartite=0)
    g.add_node("p")  # no side
    out.append(g)
    g = nx.Graph()
    g.add_node("c", bipartite=0)
    g.add_node("p", bipartite=1, capacity=-2)
    g.add_edge("c", "p", weight="heavy")
    out.append(g)
    g = nx.Graph()
    g.add_node("c", bipartite=0)
    g.add_node("p", bipartite=1, capacity=10**15)
    g.add_edge("c", "p", weight=1.0)
    out.append(g)
    g = nx.Graph()
    g.add_node("c", bipartite=0)
    g.add_node("p", bipartite=1)
    g.add_edge("c", "p", weight=float("inf"))
    out.append(g)
    g = nx.DiGraph()
    g.add_node("c", bipartite=0)
    g.add_node("p", bipartite=1)
    g.add_edge("c", "p", weight=1.0)
    out.append(g)
    return out


SCALARS = [float("nan"), float("inf"), -float("inf"), 1e308, -1e308, 5e-324, 0.0, -1.0, -1, 0, 3, 10**30, -10**30,
           2**63, True, False, None, "a", "", b"x", 1 + 2j, np.float64("nan"), np.int64(-5), _Opaque(), {}, set()]
ARRAYS = [
    [], [[]], [[1, "a"]], [[1.0, None]], [[1.0], [2.0, 3.0]], [[[1.0]]], [1.0, 2.0], [[True, False]],
    np.zeros((0, 3)), np.zeros((3, 0)), np.zeros((10**9, 0)), np.zeros((0, 10**9)), np.ones((2, 2, 2)),
    np.array([[1 + 1j]]), np.array([["x"]]), np.array([[True]]), np.array([[1]], dtype=np.int8),
    np.array([[2**62]], dtype=np.int64), np.array([[1.0]], dtype=np.float16), np.array([[np.nan]]),
    np.full((2, 2), 1e308), np.full((2, 2), -1e308), np.array([[1.0]], dtype=object),
    np.array([["2020-01-01"]], dtype="datetime64[D]"), np.full(3, 10**15), np.array([10**12, 1, 1]),
    [10**30, 1], [-1, 2], [0.5, 1.0], np.arange(3.0) - 1, np.full((3, 3), 1e-320),
]


def _sparse_values():
    """Sparse values of every hostile kind: NaN/inf data, bad dtypes, duplicate entries, empty or vast shapes."""
    coo = sps.coo_array
    return [
        coo(([np.nan], ([0], [0])), shape=(2, 2)), coo(([np.inf, 1.0], ([0, 1], [1, 0])), shape=(2, 2)),
        coo(([1e308, 1e308], ([0, 1], [0, 1])), shape=(2, 2)), coo(([1.0, 2.0], ([0, 0], [1, 1])), shape=(2, 2)),
        sps.csr_array(np.array([[True, False]])), sps.csr_array(np.array([[1 + 1j]])),
        sps.csr_array((0, 3)), sps.csr_array((10**9, 10**9)), sps.csc_array(np.full((2, 3), -1.0)),
        sps.dok_array((3, 3)), sps.csr_matrix(np.array([[1.0, 0.0], [0.0, 2.0]])),
        coo(([1.0], ([5], [0])), shape=(6, 1)), sps.csr_array(np.array([[1]], dtype=np.int8)),
    ]


SPARSE = _sparse_values()


@st.composite
def junk(draw, like=None):
    """A hostile value; ``like`` (a valid value) seeds corrupted copies of it."""
    options = [st.sampled_from(SCALARS), st.sampled_from(ARRAYS), st.sampled_from(_bad_graphs()),
               st.sampled_from(SPARSE)]
    if isinstance(like, np.ndarray) and like.dtype.kind == "f" and like.size:
        def spoil(v):
            a = like.copy()
            a.flat[draw(st.integers(0, a.size - 1))] = v
            return a
        options += [
            st.sampled_from([np.nan, np.inf, -np.inf, 1e308, -1e308]).map(spoil),
            st.just(like.T if like.ndim == 2 and like.shape[0] != like.shape[1] else like[..., :0]),
            st.just(like.tolist()).map(lambda x: [x]),  # one dimension too many
            st.just(like.astype(str)),
            st.just(like.astype(bool)),
            st.just(sps.csr_array(like)) if like.ndim == 2 else st.just(like[..., :0]),  # the same values, sparse
        ]
    return draw(st.one_of(*options))


# Names and list entries for preference maps and matchings: unhashable, NaN, None (a matching's "single"),
# arrays, names of the wrong side or of nobody, numbers that hash like other names.
NTU_NAMES = [None, float("nan"), np.float64("nan"), [], ["m0"], np.array([1]), np.array(["m0"]), {}, set(),
             frozenset(), "m0", "m99", ("w", 0), ("w", 99), ("w", [0]), 0, 1.5, True, b"x", _Opaque(), 2**70]
# Whole preference lists: every kind of not-a-list, and lists of the wrong things.
NTU_LISTS = [None, "m0", b"m0", 3, float("nan"), {}, set(), {"m0"}, np.array(["m0"]), np.array([]), np.ones((2, 2)),
             range(10**12), [[]], [None], [["w", 0]], (), _Opaque(), nx.Graph()]


@st.composite
def ntu_junk(draw, like):
    """A hostile preference map or matching: one built from ``like`` (a valid one) or any other junk."""
    keys = list(like)
    values = list(like.values())

    def corrupt_value():
        d = dict(like)
        d[draw(st.sampled_from(keys))] = draw(st.sampled_from(NTU_LISTS + NTU_NAMES))
        return d

    def insert_name():
        d = dict(like)
        key = draw(st.sampled_from(keys))
        lst = list(d[key]) if isinstance(d[key], list) else []
        pool = NTU_NAMES + [x for v in values if isinstance(v, list) for x in v]  # repeats included
        lst.insert(draw(st.integers(0, len(lst))), draw(st.sampled_from(pool)))
        d[key] = lst
        return d

    def add_key():
        d = dict(like)
        hashable = [x for x in NTU_NAMES if isinstance(x, (type(None), float, str, tuple, int, bytes, frozenset))]
        try:
            d[draw(st.sampled_from(hashable))] = draw(st.sampled_from([[], None] + values))
        except TypeError:  # ("w", [0]) is a tuple but not hashable
            pass
        return d

    def shared_list():  # every agent gets one list object: the size guard counts it once per agent
        lst = draw(st.sampled_from(values)) if values else []
        return {k: lst for k in keys}

    kinds = ["junk", "list", "pairs", "keys", "proxy", "tuples", "arrays", "add key"]
    kinds += ["corrupt value", "insert name", "shared list"] if keys else []
    kind = draw(st.sampled_from(kinds), label="how")
    if kind == "junk":
        return draw(junk())
    if kind == "list":
        return draw(st.sampled_from(NTU_LISTS))
    if kind == "pairs":
        return list(like.items())
    if kind == "keys":
        return tuple(keys)
    if kind == "proxy":
        return types.MappingProxyType(like)  # a Mapping that is not a dict: valid
    if kind == "tuples":
        return {k: tuple(v) if isinstance(v, list) else v for k, v in like.items()}  # valid
    if kind == "arrays":
        return {k: np.array(v, dtype=object) if isinstance(v, list) else v for k, v in like.items()}
    return {"add key": add_key, "corrupt value": corrupt_value, "insert name": insert_name,
            "shared list": shared_list}[kind]()


@st.composite
def indexed_junk(draw, like):
    """A hostile numbered profile (lists of receivers, or rank rows): out of range, repeated, bool, float..."""
    rows = [list(r) for r in like]
    entries = [-1, len(rows), 10**30, True, 1.0, np.int64(0), np.float64("nan"), None, "0", [0]]
    kinds = ["junk", "list", "object array", "int arrays", "tuples"]
    kinds += ["insert", "replace", "drop", "repeat", "not a list"] if rows else []
    kind = draw(st.sampled_from(kinds), label="how")
    if kind == "junk":
        return draw(junk())
    if kind == "list":
        return draw(st.sampled_from(NTU_LISTS))
    if kind == "object array":
        return np.array(rows, dtype=object) if rows else np.zeros(0)
    if kind == "int arrays":
        return [np.array(r, dtype=np.int64) for r in rows]  # valid
    if kind == "tuples":
        return [tuple(r) for r in rows]  # valid
    out = [list(r) for r in rows]
    k = draw(st.integers(0, len(out) - 1))
    if kind == "not a list":
        out[k] = draw(st.sampled_from(NTU_LISTS + entries))
    elif kind == "insert" or not out[k]:
        out[k].insert(draw(st.integers(0, len(out[k]))), draw(st.sampled_from(entries)))
    elif kind == "replace":
        out[k][draw(st.integers(0, len(out[k]) - 1))] = draw(st.sampled_from(entries))
    elif kind == "drop":
        out[k].pop()
    else:
        out[k].append(out[k][0])
    return out


def _indexed(pp, rp):
    """The numbered form of a named profile (what deferred_acceptance_indexed takes)."""
    props, recs = list(pp), list(rp)
    lists = [[recs.index(b) for b in pp[a]] for a in props]
    ranks = [[rp[b].index(a) if a in rp[b] else len(props) for a in props] for b in recs]
    return lists, ranks


@st.composite
def valid_calls(draw):
    """A coherent set of valid arguments for every entry point."""
    w = draw(surplus_matrices(max_customers=4, max_providers=4))
    m, n = w.shape
    caps = draw(st.none() | capacities_for(n, max_capacity=3))
    o = draw(outcomes(w, capacities=caps))
    cu = draw(surplus_matrices(min_customers=m, max_customers=m, min_providers=n, max_providers=n))
    pu = w - cu
    stable = markets.stable_outcome(w, capacities=caps)
    mt = stable.matching
    pp, rp = draw(preference_profiles(max_proposers=3, max_receivers=3))
    ntu = markets.deferred_acceptance(pp, rp)
    return dict(w=w, caps=caps, outcome=o, cu=cu, pu=pu, stable=stable, mt=mt, pp=pp, rp=rp, ntu=ntu,
                transfers=np.zeros(len(o.matching)))


ORLIB_DIR = Path(tempfile.mkdtemp(prefix="stratsim-fuzz-"))
ORLIB_FILES = {"valid": "2\n1 2\n3 4\n", "empty": "", "short": "3\n1 2 3\n", "huge_header": "1000000000\n1\n",
               "negative": "-1\n", "float": "2\n1.5 2 3 4\n", "words": "2\na b c d\n", "binary": "\x00\xff"}
for _name, _text in ORLIB_FILES.items():
    (ORLIB_DIR / f"{_name}.txt").write_text(_text, encoding="latin-1")
ORLIB_JUNK = [str(ORLIB_DIR / f"{k}.txt") for k in ORLIB_FILES] + [ORLIB_DIR, str(ORLIB_DIR / "missing.txt")]


# entry point -> builder of its keyword arguments from a valid call (every argument it takes)
ENTRY_POINTS = {
    "stable_outcome": (markets.stable_outcome, lambda v: dict(
        surplus=v["w"], capacities=v["caps"], method="auto", point="customer", verify=True, tol=1e-9,
        backend=None)),
    "stable_outcome/utilities": (markets.stable_outcome, lambda v: dict(
        customer_utils=v["cu"], provider_utils=v["pu"], capacities=v["caps"], point="provider")),
    "stable_outcome/lp": (markets.stable_outcome, lambda v: dict(surplus=v["w"], capacities=v["caps"],
                                                                   method="lp", tol=1e-7)),
    "as_market": (markets.as_market, lambda v: dict(surplus=v["w"], capacities=v["caps"])),
    "as_market/utilities": (markets.as_market, lambda v: dict(customer_utils=v["cu"], provider_utils=v["pu"])),
    "Market": (markets.Market, lambda v: dict(surplus=v["w"], capacities=v["caps"], allowed=v["w"] > 0,
                                              customer_labels=None, provider_labels=list(range(v["w"].shape[1])))),
    "SparseMarket": (markets.SparseMarket, lambda v: dict(surplus=sps.csr_array(v["w"]), capacities=v["caps"],
                                                          customer_labels=None,
                                                          provider_labels=list(range(v["w"].shape[1])))),
    "Market/utilities": (markets.Market, lambda v: dict(surplus=v["cu"] + v["pu"], customer_utils=v["cu"],
                                                        provider_utils=v["pu"])),
    "Outcome": (markets.Outcome, lambda v: dict(
        matching=v["outcome"].matching, customer_payoffs=v["outcome"].customer_payoffs,
        provider_payoffs=v["outcome"].provider_payoffs, welfare=1.0, transfers=None, capacities=v["caps"],
        customer_labels=None, provider_labels=None)),
    "outcome_from_payoffs": (markets.outcome_from_payoffs, lambda v: dict(
        surplus=v["w"], matching=v["outcome"].matching, customer_payoffs=v["outcome"].customer_payoffs,
        provider_payoffs=v["outcome"].provider_payoffs, capacities=v["caps"], tol=1e-9)),
    "outcome_from_transfers": (markets.outcome_from_transfers, lambda v: dict(
        customer_utils=v["cu"], provider_utils=v["pu"], matching=v["outcome"].matching,
        transfers=v["transfers"], capacities=v["caps"])),
    "is_stable": (markets.is_stable, lambda v: dict(surplus=v["w"], outcome=v["outcome"], tol=1e-9)),
    "blocking_pairs": (markets.blocking_pairs, lambda v: dict(surplus=v["w"], outcome=v["outcome"], tol=1e-9)),
    "irrational_agents": (markets.irrational_agents, lambda v: dict(surplus=v["w"], outcome=v["outcome"],
                                                                    tol=1e-9)),
    "subset_instability": (markets.subset_instability, lambda v: dict(
        surplus=v["w"], outcome=v["outcome"], tol=1e-9, return_certificate=True, verify=True, backend=None)),
    "core_extremes": (markets.core_extremes, lambda v: dict(surplus=v["w"], capacities=v["caps"],
                                                            method="dijkstra", backend=None)),
    "core_extremes/marginal": (markets.core_extremes, lambda v: dict(surplus=v["w"], method="marginal")),
    "marginal_contributions": (markets.marginal_contributions, lambda v: dict(surplus=v["w"], backend=None)),
    "verify_outcome": (markets.verify_outcome, lambda v: dict(surplus=v["w"], outcome=v["stable"], tol=1e-9)),
    "check_certificate": (markets.check_certificate, lambda v: dict(
        surplus=v["w"], rows=v["mt"][:, 0], cols=v["mt"][:, 1], customer_payoffs=v["stable"].customer_payoffs,
        provider_payoffs=v["stable"].provider_payoffs, capacities=v["caps"], allowed=None, tol=1e-9)),
    "solve_assignment": (markets.solve_assignment, lambda v: dict(w=v["w"], backend=None)),
    "deferred_acceptance": (markets.deferred_acceptance, lambda v: dict(proposer_prefs=v["pp"],
                                                                        receiver_prefs=v["rp"])),
    "ntu_blocking_pairs": (markets.ntu_blocking_pairs, lambda v: dict(
        proposer_prefs=v["pp"], receiver_prefs=v["rp"], matching=v["ntu"])),
    "ntu_is_stable": (markets.ntu_is_stable, lambda v: dict(proposer_prefs=v["pp"], receiver_prefs=v["rp"],
                                                            matching=v["ntu"])),
    "ntu.deferred_acceptance_indexed": (markets.ntu.deferred_acceptance_indexed, lambda v: dict(
        proposer_prefs=_indexed(v["pp"], v["rp"])[0], receiver_rank=_indexed(v["pp"], v["rp"])[1])),
    "read_orlib_assignment": (markets.read_orlib_assignment, lambda v: dict(path=ORLIB_DIR / "valid.txt")),
    "lp.primal_lp": (markets.lp.primal_lp, lambda v: dict(surplus=v["w"], capacities=v["caps"])),
    "lp.dual_lp": (markets.lp.dual_lp, lambda v: dict(surplus=v["w"], capacities=v["caps"])),
    "lp.core_lp": (markets.lp.core_lp, lambda v: dict(
        surplus=v["w"], customer_weights=np.ones(v["w"].shape[0]), provider_weights=np.zeros(v["w"].shape[1]),
        capacities=v["caps"], sense="max", solver="HIGHS")),
    "lp.solve_lp": (markets.lp.solve_lp, lambda v: dict(surplus=v["w"], capacities=v["caps"], solver="HIGHS")),
    "lp.subset_instability_lp": (markets.lp.subset_instability_lp, lambda v: dict(
        surplus=v["w"], outcome=v["outcome"], solver="HIGHS")),
}

# Public names that take no input to check: result types and a query.
NO_INPUT = {"InstabilityCertificate", "CoreExtremes", "available_backends"}


def test_every_public_entry_point_is_fuzzed():
    fuzzed = {key.split("/")[0] for key in ENTRY_POINTS}
    missing = set(markets.__all__) - fuzzed - NO_INPUT
    assert not missing, f"entry points of markets.__all__ without a fuzz case: {sorted(missing)}"


def _finite_everywhere(value):
    """Every float inside ``value`` (outcomes, arrays, tuples) is finite."""
    if isinstance(value, markets.Outcome):
        parts = [value.customer_payoffs, value.provider_payoffs, value.welfare, value.transfers]
        return all(_finite_everywhere(x) for x in parts if x is not None)
    if isinstance(value, tuple):
        return all(_finite_everywhere(x) for x in value)
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return bool(np.isfinite(value).all())
    if isinstance(value, float):
        return math.isfinite(value)
    return True


def _call(fn, kwargs):
    """Run one call under the memory guard, with tracemalloc and RuntimeWarnings as errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        tracemalloc.start()
        tracemalloc.reset_peak()
        try:
            with memory_limit(GUARD):
                return fn(**kwargs), None, tracemalloc.get_traced_memory()[1]
        except Exception as exc:  # judged by the caller
            return None, exc, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def _check(key, kwargs, replaced, well_formed):
    fn, _ = ENTRY_POINTS[key]
    result, exc, peak = _call(fn, kwargs)
    assert peak < PEAK_CAP, f"{key}: traced peak {peak / 2**20:.0f} MiB with {replaced}"
    if exc is None:
        assert _finite_everywhere(result), f"{key} returned a non-finite result {result!r} for {replaced}"
        return
    if not isinstance(exc, StratsimError):
        raise AssertionError(f"{key} raised a raw {type(exc).__name__} for {replaced}: {exc}") from exc
    if isinstance(exc, CertificateError):
        # the checkers' verdict on an outcome they were handed; anywhere else, a solver bug
        assert key in ("check_certificate", "verify_outcome") and replaced, f"{key}: {exc}"
        return
    assert replaced, f"{key} refused a valid call: {type(exc).__name__}: {exc}"
    message = str(exc)
    names = set(replaced) if not any(well_formed.values()) else set(kwargs)
    assert any(name in message for name in names), f"{key}: {message!r} names none of {sorted(names)}"


NTU_NAMED = ("deferred_acceptance", "ntu_blocking_pairs", "ntu_is_stable")
NTU_ARGS = ("proposer_prefs", "receiver_prefs", "matching")  # their arguments


def _fuzz(key, data, v):
    _, build = ENTRY_POINTS[key]
    kwargs = build(v)
    names = sorted(kwargs)
    replaced = data.draw(st.lists(st.sampled_from(names), max_size=2, unique=True), label="replaced")
    well_formed = {}
    for name in replaced:
        other = data.draw(st.booleans(), label=f"{name} from another market")
        if other and name in ("surplus", "w", "outcome", "customer_utils", "provider_utils", "capacities"):
            # a well-formed value that disagrees with the rest of the call
            w2 = data.draw(surplus_matrices(max_customers=4, max_providers=4), label="other market")
            kwargs[name] = {"outcome": markets.stable_outcome(w2), "capacities": np.ones(w2.shape[1], int) * 2
                            }.get(name, w2)
            well_formed[name] = True
        elif key == "ntu.deferred_acceptance_indexed":
            kwargs[name] = data.draw(indexed_junk(kwargs[name]), label=name)
            well_formed[name] = False
        elif other and name in NTU_ARGS and key in NTU_NAMED:
            # a well-formed profile or matching of another market
            pp2, rp2 = data.draw(preference_profiles(max_proposers=3, max_receivers=3), label="other profile")
            kwargs[name] = {"proposer_prefs": pp2, "receiver_prefs": rp2,
                            "matching": markets.deferred_acceptance(pp2, rp2)}[name]
            well_formed[name] = True
        elif name in NTU_ARGS and key in NTU_NAMED:
            kwargs[name] = data.draw(ntu_junk(kwargs[name]), label=name)
            well_formed[name] = False
        elif name == "path":
            kwargs[name] = data.draw(st.sampled_from(ORLIB_JUNK) | junk(), label=name)
            well_formed[name] = False
        else:
            kwargs[name] = data.draw(junk(like=kwargs[name]), label=name)
            well_formed[name] = False
    _check(key, kwargs, replaced, well_formed)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("key", [k for k in ENTRY_POINTS if "lp" not in k])
@FUZZ
@given(data=st.data(), v=valid_calls())
def test_fuzz_entry_point(key, data, v):
    _fuzz(key, data, v)


@pytest.mark.timeout(600)
@pytest.mark.parametrize("key", [k for k in ENTRY_POINTS if "lp" in k])
@settings(FUZZ, max_examples=40)
@given(data=st.data(), v=valid_calls())
def test_fuzz_lp_entry_point(key, data, v):
    _fuzz(key, data, v)


@pytest.mark.parametrize("key", sorted(k for k in ENTRY_POINTS if "/" not in k))
def test_builders_take_every_argument_the_entry_point_has(key):
    # a new parameter of an entry point must be fuzzed too ("name" only labels error messages)
    fn, _ = ENTRY_POINTS[key]
    params = set(inspect.signature(fn).parameters) - {"name"}
    src = "".join(inspect.getsource(build) for f, build in ENTRY_POINTS.values() if f is fn)
    missing = sorted(p for p in params if f"{p}=" not in src)
    assert not missing, f"{key}: parameters never fuzzed: {missing}"
