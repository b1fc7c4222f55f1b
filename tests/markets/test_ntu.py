"""Deferred acceptance against brute force over all matchings of small markets; its refusals of bad input."""

import re
import tracemalloc
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given
from markets_brute import all_lists, all_matchings, ntu_stable

from markets import deferred_acceptance, ntu_blocking_pairs, ntu_is_stable
from markets.ntu import deferred_acceptance_indexed
from markets.strategies import preference_profiles
from markets.validation import memory_limit
from sim.errors import InputTypeError, UnknownNameError, ValidationError


def _rank(lst, x):
    return lst.index(x) if x in lst else len(lst)  # single / unacceptable ranks last


def _stable_set(pp, rp):
    return [mt for mt in all_matchings(pp, rp) if ntu_stable(pp, rp, mt)]


@given(prof=preference_profiles(max_proposers=4, max_receivers=4))
def test_stable_and_checks_agree_with_brute_force(prof):
    pp, rp = prof
    da = deferred_acceptance(pp, rp)
    assert ntu_stable(pp, rp, da)
    assert ntu_is_stable(pp, rp, da)
    assert ntu_blocking_pairs(pp, rp, da) == []
    for mt in all_matchings(pp, rp):
        assert ntu_is_stable(pp, rp, mt) == ntu_stable(pp, rp, mt)


@given(prof=preference_profiles(max_proposers=4, max_receivers=4))
def test_proposer_optimal_and_receiver_pessimal(prof):
    pp, rp = prof
    da = deferred_acceptance(pp, rp)
    partner = {b: a for a, b in da.items() if b is not None}
    stable = _stable_set(pp, rp)
    assert stable, "a stable matching always exists"
    for mt in stable:
        for a in pp:
            assert _rank(pp[a], da[a]) <= _rank(pp[a], mt[a])
        other = {b: a for a, b in mt.items() if b is not None}
        for b in rp:
            assert _rank(rp[b], partner.get(b)) >= _rank(rp[b], other.get(b))


@given(prof=preference_profiles(max_proposers=4, max_receivers=4))
def test_indexed_form_is_the_proposer_optimal_stable_matching(prof):
    # the numbered form the learners call each round, checked against brute force directly
    pp, rp = prof
    props, recs = list(pp), list(rp)
    lists = [[recs.index(b) for b in pp[a]] for a in props]
    big = len(props)
    ranks = [[rp[b].index(a) if a in rp[b] else big for a in props] for b in recs]
    got = deferred_acceptance_indexed(lists, ranks)
    mt = {a: (None if got[k] < 0 else recs[got[k]]) for k, a in enumerate(props)}
    assert ntu_stable(pp, rp, mt)
    for other in _stable_set(pp, rp):
        for a in pp:
            assert _rank(pp[a], mt[a]) <= _rank(pp[a], other[a])


@given(prof=preference_profiles(max_proposers=4, max_receivers=4))
def test_rural_hospitals_same_agents_matched(prof):
    pp, rp = prof
    stable = _stable_set(pp, rp)
    matched = {(frozenset(a for a, b in mt.items() if b is not None),
                frozenset(b for b in mt.values() if b is not None)) for mt in stable}
    assert len(matched) == 1


@given(prof=preference_profiles(max_proposers=3, max_receivers=3))
def test_no_proposer_gains_by_misreporting(prof):
    pp, rp = prof
    truth = deferred_acceptance(pp, rp)
    for a in pp:
        honest = _rank(pp[a], truth[a])
        for lie in all_lists(rp):
            got = deferred_acceptance({**pp, a: lie}, rp)[a]
            assert _rank(pp[a], got) >= honest  # judged by the true list


def test_worked_example_by_hand():
    men = {"a": ["x", "y"], "b": ["x", "y"], "c": ["x"]}
    women = {"x": ["b", "a", "c"], "y": ["a", "b"]}
    # a -> x (held), b -> x (x prefers b; a released), c -> x (rejected), a -> y (held)
    assert deferred_acceptance(men, women) == {"a": "y", "b": "x", "c": None}


def test_any_hashable_names():
    pp = {1: [("r", 0), frozenset({2})], 2: [("r", 0)]}
    rp = {("r", 0): [2, 1], frozenset({2}): [1]}
    assert deferred_acceptance(pp, rp) == {1: frozenset({2}), 2: ("r", 0)}


def test_empty_profiles():
    assert deferred_acceptance({}, {}) == {}
    assert deferred_acceptance({"a": []}, {}) == {"a": None}


@pytest.mark.parametrize("matching", [{"a": "x", "b": "x"}, {"z": "x"}, {"a": "q"}])
def test_blocking_pairs_rejects_non_matchings(matching):
    from sim.errors import StratsimError

    with pytest.raises(StratsimError):
        ntu_blocking_pairs({"a": ["x"], "b": ["x"]}, {"x": ["a", "b"]}, matching)


# --- bad input: the package's errors, naming the argument and the value (issue 12) --------------------------

P = {"a": ["x"], "b": ["x"]}
R = {"x": ["a", "b"]}


@pytest.mark.parametrize("bad", [None, float("nan"), "a", 3, ["a"]])
@pytest.mark.parametrize("which", ["proposer_prefs", "receiver_prefs"])
def test_is_stable_refuses_a_profile_that_is_not_a_mapping(which, bad):
    # was a raw TypeError from `in`: the matching was checked against the profile before the profile itself
    args = {"proposer_prefs": P, "receiver_prefs": R, "matching": {"a": "x"}, which: bad}
    with pytest.raises(InputTypeError, match=rf"^{which} must be a mapping .* got {re.escape(repr(bad))} "):
        ntu_is_stable(**args)


@pytest.mark.parametrize("fn", [ntu_blocking_pairs, ntu_is_stable])
@pytest.mark.parametrize("partner", [["x"], np.array(["x"]), {"x"}, {}])
def test_an_unhashable_partner_in_the_matching_is_an_input_type_error(fn, partner):
    # was a raw TypeError: unhashable type
    with pytest.raises(InputTypeError, match=r"^matching\['a'\] = .* must be a receiver"):
        fn(P, R, {"a": partner})


@pytest.mark.parametrize("fn", [ntu_blocking_pairs, ntu_is_stable])
def test_an_unknown_proposer_in_the_matching_names_the_profile_too(fn):
    # the error named only `matching`, though the name may be missing from proposer_prefs instead
    with pytest.raises(UnknownNameError, match=r"matching names 'z', which is not a proposer .*proposer_prefs"):
        fn(P, R, {"z": None})


def test_a_receiver_named_none_is_refused():
    # was accepted and returned {'a': None}: matched to receiver None, or single?
    with pytest.raises(ValidationError, match="receiver_prefs has a receiver named None"):
        deferred_acceptance({"a": [None]}, {None: ["a"]})
    assert deferred_acceptance({None: ["x"]}, {"x": [None]}) == {None: "x"}  # a proposer may be named None


@pytest.mark.parametrize("nan", [float("nan"), np.float64("nan")])
def test_a_name_not_equal_to_itself_is_refused(nan):
    # a NaN name is found only by identity: a copy of it (np.float64("nan") read twice) is another name
    with pytest.raises(ValidationError, match=r"receiver_prefs has a receiver named (np.float64\()?nan\)?, which "
                                              r"is not equal to itself"):
        deferred_acceptance({"a": [nan]}, {nan: ["a"]})
    with pytest.raises(ValidationError, match=r"proposer_prefs has a proposer named (np.float64\()?nan"):
        deferred_acceptance({nan: []}, {})


def test_lists_of_unhashable_or_unknown_names_name_the_list_and_the_value():
    with pytest.raises(InputTypeError, match=r"^proposer_prefs\['a'\] lists an unhashable name \['x'\] \(list\)"):
        deferred_acceptance({"a": [["x"]]}, {"x": []})
    with pytest.raises(UnknownNameError, match=r"^receiver_prefs\['x'\] lists 'c', which is not a proposer \(a key "
                                               r"of proposer_prefs\)"):
        deferred_acceptance(P, {"x": ["c"]})
    with pytest.raises(InputTypeError, match=r"^proposer_prefs\['a'\] must be a list of receivers .* got "
                                             r"array\(\['x'\]"):
        deferred_acceptance({"a": np.array(["x"])}, {"x": []})


def test_named_deferred_acceptance_needs_memory_in_proportion_to_the_lists():
    # the rank table was dense (proposers x receivers): 70 MiB for 3000 x 3000 agents with empty lists
    pp = {f"p{i}": [] for i in range(3000)}
    rp = {f"r{j}": [] for j in range(3000)}
    tracemalloc.start()
    try:
        assert deferred_acceptance(pp, rp) == dict.fromkeys(pp)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 8 * 2**20, f"traced peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("fn", [deferred_acceptance, ntu_blocking_pairs])
def test_one_list_shared_by_every_agent_is_sized_before_the_tables_are_built(fn):
    # {a: everyone for a in ...} is a small input whose rank tables are proposers x receivers entries
    props, recs = [f"p{i}" for i in range(1000)], [f"r{j}" for j in range(1000)]
    pp, rp = dict.fromkeys(props, recs), dict.fromkeys(recs, props)
    args = (pp, rp) if fn is deferred_acceptance else (pp, rp, {})
    with memory_limit(2**20), pytest.raises(ValidationError, match=r"^proposer_prefs, receiver_prefs = .*'listed "
                                                                   r"pairs': 2000000.* would need .* MiB"):
        fn(*args)


BAD_INDEXED = [
    # (proposer_prefs, receiver_rank, error, message); before the fix: IndexError, TypeError or a wrong answer
    ([[5]], [[0]], ValidationError, r"proposer_prefs\[0\] lists receiver 5; receivers are numbered 0..0"),
    ([[-1]], [[0], [1]], ValidationError, r"proposer_prefs\[0\] lists receiver -1"),  # was receiver 1
    ([[0, 0]], [[0], [0]], ValidationError, r"proposer_prefs\[0\] lists receiver 0 twice"),
    ([[0.0]], [[0]], InputTypeError, r"proposer_prefs\[0\]\[0\] must be an int, got 0.0 \(float\)"),
    ([[True]], [[0], [0]], InputTypeError, r"proposer_prefs\[0\]\[0\] must be an int, got True \(bool\)"),
    ([["0"]], [[0]], InputTypeError, r"proposer_prefs\[0\]\[0\] must be an int, got '0' \(str\)"),
    (None, [[0]], InputTypeError, r"proposer_prefs must be a list of lists of ints, got None"),
    ([None], [[0]], InputTypeError, r"proposer_prefs\[0\] must be a list of receivers \(ints\), got None"),
    ([0], [[0]], InputTypeError, r"proposer_prefs\[0\] must be a list of receivers \(ints\), got 0"),
    (np.zeros((1, 1, 1), int), [[0]], InputTypeError, r"proposer_prefs must be .* shape \(1, 1, 1\)"),
    (np.array([[0], []], dtype=object), [[0, 0]], InputTypeError, r"proposer_prefs must be .* dtype object"),
    ([[0], [0]], [[0]], ValidationError, r"receiver_rank\[0\] must rank every proposer .* got 1 entries"),
    ([[0]], [[0.5]], InputTypeError, r"receiver_rank\[0\]\[0\] must be an int, got 0.5"),  # was accepted
    ([[0]], [[float("nan")]], InputTypeError, r"receiver_rank\[0\]\[0\] must be an int, got nan"),  # was single
    ([[0], [0]], [[0, 0]], ValidationError, r"receiver_rank\[0\] gives rank 0 to two proposers"),  # was [0, -1]
    ([[0], [0]], [[-5, 0]], ValidationError, r"receiver_rank\[0\] has a negative rank -5"),
    ([[0]], "0", InputTypeError, r"receiver_rank must be a list of lists of ints, got '0'"),
    ([], [range(10**12)], ValidationError, r"receiver_rank\[0\] must rank every proposer .* got 1000000000000"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("prefs", "ranks", "error", "message"), BAD_INDEXED)
def test_indexed_form_refuses_bad_input_naming_it(prefs, ranks, error, message):
    with pytest.raises(error, match=message):
        deferred_acceptance_indexed(prefs, ranks)


def test_indexed_form_refuses_sizes_that_cannot_fit_before_reading_them():
    class Huge(Sequence):  # claims 10**12 rows, each built on demand
        def __len__(self):
            return 10**12

        def __getitem__(self, k):
            return []

    with pytest.raises(ValidationError, match=r"^len\(proposer_prefs\), len\(receiver_rank\) = \(1000000000000, 0\) "
                                              r"would need .* TiB"):
        deferred_acceptance_indexed(Huge(), [])


@given(prof=preference_profiles(max_proposers=4, max_receivers=4))
def test_indexed_form_takes_int_arrays_and_tuples_alike(prof):
    pp, rp = prof
    props, recs = list(pp), list(rp)
    lists = [[recs.index(b) for b in pp[a]] for a in props]
    ranks = [[rp[b].index(a) if a in rp[b] else len(props) for a in props] for b in recs]
    want = deferred_acceptance_indexed(lists, ranks)
    assert deferred_acceptance_indexed([tuple(x) for x in lists], tuple(map(tuple, ranks))) == want
    assert deferred_acceptance_indexed([np.array(x, dtype=np.int64) for x in lists],
                                       np.array(ranks, dtype=np.int32).reshape(len(recs), len(props))) == want
    assert deferred_acceptance_indexed([[np.int64(b) for b in x] for x in lists], ranks) == want
