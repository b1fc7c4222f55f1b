"""Deferred acceptance against brute force over all matchings of small markets."""

import pytest
from hypothesis import given
from markets_brute import all_lists, all_matchings, ntu_stable

from markets import deferred_acceptance, ntu_blocking_pairs, ntu_is_stable
from markets.ntu import deferred_acceptance_indexed
from markets.strategies import preference_profiles


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
