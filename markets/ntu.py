r"""Two-sided matching without transfers: Gale-Shapley deferred acceptance.

Each proposer and each receiver ranks some agents of the other side (strict,
possibly incomplete lists; an agent left off a list is unacceptable, worse than
staying single). A matching is *individually rational* when every matched pair
is mutually acceptable, and *stable* when moreover no pair :math:`(a, b)`
*blocks*: both list each other and each prefers the other to its current
situation.

Deferred acceptance (proposers propose down their lists, receivers hold their
best offer so far) returns a stable matching that every proposer likes at
least as much as any other stable matching (proposer-optimal) and every receiver
likes least (receiver-pessimal); the same agents are matched in every stable
matching (rural hospitals); and no proposer can gain by misreporting
(strategy-proofness for proposers). Agents may be any hashable names.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Mapping, Sequence
from itertools import chain

import numpy as np

from sim.errors import InputTypeError, UnknownNameError, ValidationError

from .validation import check_memory

__all__ = ["deferred_acceptance", "deferred_acceptance_indexed", "deferred_acceptance_unchecked", "ntu_blocking_pairs",
           "ntu_is_stable"]

#: Bytes of working memory per listed (agent, agent) pair and per agent, measured with tracemalloc on
#: complete and sparse profiles (rank dicts, index lists) and rounded up; used by the size guard.
_PAIR_BYTES = 120
_AGENT_BYTES = 400


def _show(value) -> str:
    """``repr(value)``, shortened: a message must stay one readable line whatever the input."""
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 60 else text[:57] + "..."


def _check_names(name: str, prefs: Mapping, role: str) -> None:
    """The keys of one side: names that can be looked up (and, for receivers, not ``None``)."""
    for agent in prefs:
        if agent is None and role == "receiver":
            # a matching maps a proposer to None when it is single: a receiver named None would be ambiguous
            raise ValidationError(f"{name} has a receiver named None, which matchings use for 'single': "
                                  "rename it")
        try:
            equal = bool(agent == agent)
        except Exception:  # an __eq__ that raises or returns an array: the name cannot be looked up
            equal = False
        if not equal:
            raise ValidationError(f"{name} has a {role} named {_show(agent)}, which is not equal to itself "
                                  "(NaN?): it could not be looked up")


def _check_profile(proposer_prefs, receiver_prefs):
    """Validate a preference profile; return each side's ranks ``{agent: {other: position}}``.

    Every check runs (and the size guard) before the rank tables are built.
    """
    sides = (("proposer_prefs", proposer_prefs, "proposer", "receiver_prefs", "receiver"),
             ("receiver_prefs", receiver_prefs, "receiver", "proposer_prefs", "proposer"))
    for name, prefs, role, _, other_role in sides:
        if not isinstance(prefs, Mapping):
            raise InputTypeError(f"{name} must be a mapping {role} -> list of {other_role}s (best first), "
                                 f"got {_show(prefs)} ({type(prefs).__name__})")
    listed = 0
    for name, prefs, role, _, other_role in sides:
        _check_names(name, prefs, role)
        other = proposer_prefs if prefs is receiver_prefs else receiver_prefs
        for agent, lst in prefs.items():
            if isinstance(lst, (str, bytes)) or not isinstance(lst, Sequence):
                raise InputTypeError(f"{name}[{_show(agent)}] must be a list of {other_role}s (best first), "
                                     f"got {_show(lst)} ({type(lst).__name__})")
            # a list is read only up to its first repeated or unknown name, at most one past the other side
            listed += min(len(lst), len(other) + 1)
    n_agents = len(proposer_prefs) + len(receiver_prefs)
    # lists may all be one shared object: count what the tables will hold, not what the input occupies
    sizes = {"proposers": len(proposer_prefs), "receivers": len(receiver_prefs), "listed pairs": listed}
    check_memory("proposer_prefs, receiver_prefs", sizes, _PAIR_BYTES * listed + _AGENT_BYTES * n_agents,
                 what="the rank tables")
    ranks = []
    for name, prefs, _, other_name, other_role in sides:
        other = proposer_prefs if prefs is receiver_prefs else receiver_prefs
        side = {}
        for agent, lst in prefs.items():
            rank = {}
            for b in lst:
                try:
                    known = b in other
                except TypeError:
                    raise InputTypeError(f"{name}[{_show(agent)}] lists an unhashable name {_show(b)} "
                                         f"({type(b).__name__}): names must be hashable") from None
                if not known:
                    raise UnknownNameError(f"{name}[{_show(agent)}] lists {_show(b)}, which is not a {other_role} "
                                           f"(a key of {other_name})")
                if b in rank:
                    raise ValidationError(f"{name}[{_show(agent)}] lists {_show(b)} twice: preferences must be "
                                          "strict")
                rank[b] = len(rank)
            side[agent] = rank
        ranks.append(side)
    return ranks[0], ranks[1]


def _int_list(name: str, lst, what: str) -> list[int]:
    """A sequence (or 1-d int array) of ints as a list of Python ints; bools, floats and others are refused."""
    if isinstance(lst, np.ndarray):
        if lst.ndim != 1 or lst.dtype.kind not in "iu":
            raise InputTypeError(f"{name} must be a list of {what} (ints), got an array of shape {lst.shape} "
                                 f"and dtype {lst.dtype}")
        return lst.tolist()
    if isinstance(lst, (str, bytes)) or not isinstance(lst, Sequence):
        raise InputTypeError(f"{name} must be a list of {what} (ints), got {_show(lst)} ({type(lst).__name__})")
    if all(type(x) is int for x in lst):  # the learners' per-round call: no copy
        return lst
    out = list(lst)
    for k, x in enumerate(out):
        if type(x) is not int:
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Integral, np.integer)):
                raise InputTypeError(f"{name}[{k}] must be an int, got {_show(x)} ({type(x).__name__})")
            out[k] = int(x)
    return out


def _has_len(row) -> bool:
    """Whether ``row`` is a sequence or 1-d array whose length is known before reading it."""
    if type(row) is list or type(row) is tuple:
        return True
    if isinstance(row, np.ndarray):
        return row.ndim == 1
    return isinstance(row, Sequence) and not isinstance(row, (str, bytes))


def _int_row(name: str, row, what: str) -> list[int]:
    """:func:`_int_list`, with a fast path for a list of Python ints (the learners' call, once per round)."""
    if (type(row) is list or type(row) is tuple) and _INT.issuperset(map(type, row)):
        return row
    return _int_list(name, row, what)


_INT = frozenset({int})
_PLAIN = frozenset({list, tuple})


def _valid_plain(proposer_prefs, receiver_rank, n_prop: int, n_rec: int) -> bool:
    """Whether both are lists of lists of Python ints passing every check (whole-input checks, no loop in
    Python: a learner calls deferred acceptance once per round); ``False`` sends them to the row-by-row checks."""
    if not (_PLAIN.issuperset(map(type, proposer_prefs)) and _PLAIN.issuperset(map(type, receiver_rank))):
        return False
    if n_prop and max(map(len, proposer_prefs)) > n_rec or not {n_prop}.issuperset(map(len, receiver_rank)):
        return False
    listed = list(chain.from_iterable(proposer_prefs))
    if listed and not (_INT.issuperset(map(type, listed)) and min(listed) >= 0 and max(listed) < n_rec):
        return False
    if sum(map(len, map(set, proposer_prefs))) != len(listed):
        return False  # a receiver listed twice
    ranks = list(chain.from_iterable(receiver_rank))
    if ranks and not (_INT.issuperset(map(type, ranks)) and min(ranks) >= 0 and max(ranks) < n_prop):
        return False  # unacceptable proposers (ranks >= n_prop) are checked row by row
    return sum(map(len, map(set, receiver_rank))) == len(ranks)  # no tie


def _check_indexed(proposer_prefs, receiver_rank) -> tuple[list[list[int]], list[list[int]]]:
    """Validate the numbered form; return both as lists of lists of Python ints."""
    for name, value in (("proposer_prefs", proposer_prefs), ("receiver_rank", receiver_rank)):
        if type(value) is list or type(value) is tuple:
            continue
        if isinstance(value, np.ndarray):
            if value.ndim != 2 or value.dtype.kind not in "iu":
                raise InputTypeError(f"{name} must be a list of lists of ints (or a 2-d int array), got an "
                                     f"array of shape {value.shape} and dtype {value.dtype}")
        elif isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise InputTypeError(f"{name} must be a list of lists of ints, got {_show(value)} "
                                 f"({type(value).__name__})")
    n_prop, n_rec = len(proposer_prefs), len(receiver_rank)
    # work lists (next proposal, free proposers, holds, result) and, at worst, int copies of every row
    check_memory("len(proposer_prefs), len(receiver_rank)", (n_prop, n_rec),
                 8 * (4 * n_prop + 3 * n_rec) + 80 * n_prop * n_rec, what="deferred acceptance")
    if _valid_plain(proposer_prefs, receiver_rank, n_prop, n_rec):
        return proposer_prefs, receiver_rank
    # something is wrong or needs converting: row by row, to name the row and the value
    lists = []
    for i, lst in enumerate(proposer_prefs):
        # lengths first: a row is read element by element, and a lazy sequence may claim any length
        if _has_len(lst) and len(lst) > n_rec:
            raise ValidationError(f"proposer_prefs[{i}] lists {len(lst)} receivers, there are only {n_rec} "
                                  "(len(receiver_rank)): a receiver is listed twice or out of range")
        lst = _int_row(f"proposer_prefs[{i}]", lst, "receivers")
        if lst:
            if min(lst) < 0 or max(lst) >= n_rec:
                bad = next(x for x in lst if not 0 <= x < n_rec)
                raise ValidationError(f"proposer_prefs[{i}] lists receiver {bad}; receivers are numbered 0.."
                                      f"{n_rec - 1} (len(receiver_rank) = {n_rec})")
            if len(set(lst)) != len(lst):
                twice = next(x for k, x in enumerate(lst) if x in lst[:k])
                raise ValidationError(f"proposer_prefs[{i}] lists receiver {twice} twice: preferences must be "
                                      "strict")
        lists.append(lst)
    ranks = []
    for a, row in enumerate(receiver_rank):
        if _has_len(row) and len(row) != n_prop:
            raise ValidationError(f"receiver_rank[{a}] must rank every proposer (len(proposer_prefs) = {n_prop}), "
                                  f"got {len(row)} entries")
        row = _int_row(f"receiver_rank[{a}]", row, "ranks")
        if row:
            if min(row) < 0:
                raise ValidationError(f"receiver_rank[{a}] has a negative rank {min(row)}: ranks are positions, "
                                      "0 = best")
            acceptable = row if max(row) < n_prop else [r for r in row if r < n_prop]
            if len(set(acceptable)) != len(acceptable):
                tie = next(r for k, r in enumerate(acceptable) if r in acceptable[:k])
                raise ValidationError(f"receiver_rank[{a}] gives rank {tie} to two proposers: preferences must "
                                      f"be strict (ranks >= {n_prop} mark unacceptable proposers and may repeat)")
        ranks.append(row)
    return lists, ranks


class _Ranks(dict):
    """A receiver's ranks of the proposers it lists; any other proposer ranks ``unlisted`` (unacceptable).

    Sparse, so that deferred acceptance on named agents needs memory in proportion to the lists, not to
    (proposers x receivers).
    """

    __slots__ = ("unlisted",)

    def __init__(self, ranks: dict, unlisted: int):
        super().__init__(ranks)
        self.unlisted = unlisted

    def __missing__(self, key):
        return self.unlisted


def deferred_acceptance_unchecked(proposer_prefs: Sequence[Sequence[int]],
                                  receiver_rank: Sequence[Sequence[int]]) -> list[int]:
    """:func:`deferred_acceptance_indexed` without its input checks.

    For callers whose input is valid by construction and checked once (the
    learners of :mod:`agents.matching.ntu` rank arms by ``argsort`` every round
    against receivers' ranks validated when the learner was built), where the
    checks would cost several times the algorithm. Invalid input gives
    undefined results: use :func:`deferred_acceptance_indexed` otherwise.

    Examples
    --------
    >>> deferred_acceptance_unchecked([[0, 1], [0, 1]], [[1, 0], [0, 1]])
    [1, 0]
    """
    n_prop = len(proposer_prefs)
    nxt = [0] * n_prop
    held = [-1] * len(receiver_rank)
    # rank of each receiver's held proposer; ``n_prop`` (worse than any acceptable rank) while it holds
    # nobody, so one comparison decides both "empty" and "better than the one held"
    held_rank = [n_prop] * len(receiver_rank)
    free = list(range(n_prop - 1, -1, -1))
    while free:
        i = free.pop()
        lst = proposer_prefs[i]
        k = nxt[i]
        while k < len(lst):
            a = lst[k]
            k += 1
            r = receiver_rank[a][i]
            if r < held_rank[a]:
                cur = held[a]
                held[a] = i
                held_rank[a] = r
                if cur >= 0:
                    free.append(cur)
                break
        nxt[i] = k
    out = [-1] * n_prop
    for a, i in enumerate(held):
        if i >= 0:
            out[i] = a
    return out


def deferred_acceptance_indexed(proposer_prefs: Sequence[Sequence[int]] | np.ndarray,
                                receiver_rank: Sequence[Sequence[int]] | np.ndarray) -> list[int]:
    """Proposer-proposing deferred acceptance on agents numbered ``0..``.

    The one implementation of deferred acceptance (:func:`deferred_acceptance`
    numbers the agents and runs it); the learners of
    :mod:`agents.matching.ntu` call this numbered form once per round. Its
    checks cost about as much as the algorithm itself (time linear in the
    input, no copy of rows that are already lists of ints).

    Parameters
    ----------
    proposer_prefs : sequence of sequences of int, or 2-d int array
        ``proposer_prefs[i]`` lists receivers, best first (unlisted ones are
        unacceptable to ``i``); distinct, in ``0..len(receiver_rank) - 1``.
    receiver_rank : sequence of sequences of int, or 2-d int array
        ``receiver_rank[a][i]`` = position of proposer ``i`` in receiver
        ``a``'s list (0 = best); a value ``>= len(proposer_prefs)`` marks ``i``
        as unacceptable to ``a``. Each row ranks every proposer; the
        positions below ``len(proposer_prefs)`` are distinct.

    Returns
    -------
    list of int
        Receiver of each proposer, ``-1`` if single.

    Raises
    ------
    InputTypeError
        Not sequences of sequences of ints (bools and floats are not ranks).
    ValidationError
        A receiver out of range or listed twice, a row of the wrong length, a
        negative or repeated rank, or sizes whose work would not fit in memory.

    Notes
    -----
    The proposer-optimal stable matching is unique, so the order in which
    free proposers propose (here last freed, first to propose) does not change
    the result.

    Examples
    --------
    >>> deferred_acceptance_indexed([[0, 1], [0, 1]], [[1, 0], [0, 1]])
    [1, 0]
    >>> deferred_acceptance_indexed([[0], [0]], [[2, 0]])  # proposer 0 is unacceptable to receiver 0
    [-1, 0]
    >>> deferred_acceptance_indexed([[0, 2]], [[0], [0]])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: proposer_prefs[0] lists receiver 2; receivers are numbered 0..1 (len(receiver_rank) = 2)
    """
    lists, ranks = _check_indexed(proposer_prefs, receiver_rank)
    return deferred_acceptance_unchecked(lists, ranks)


def deferred_acceptance(proposer_prefs: Mapping[Hashable, Sequence[Hashable]],
                        receiver_prefs: Mapping[Hashable, Sequence[Hashable]]) -> dict[Hashable, Hashable | None]:
    """Proposer-proposing deferred acceptance (Gale-Shapley).

    Parameters
    ----------
    proposer_prefs : mapping
        Proposer -> list (or tuple) of receivers, most preferred first
        (unlisted receivers are unacceptable).
    receiver_prefs : mapping
        Receiver -> list of proposers, most preferred first.

    Names are any hashable values equal to themselves (not NaN); a receiver
    may not be named ``None`` (a matching says ``None`` for single).

    Returns
    -------
    dict
        Every proposer -> its receiver, or ``None`` if single.

    Raises
    ------
    UnknownNameError
        A list names an agent that is not on the other side.
    ValidationError
        A list names an agent twice, a name is NaN (or a receiver ``None``),
        or the profile's work would not fit in memory.
    InputTypeError
        The profiles are not mappings of lists, or a list holds an unhashable value.

    Examples
    --------
    >>> men = {"a": ["x", "y"], "b": ["x", "y"], "c": ["x"]}
    >>> women = {"x": ["b", "a", "c"], "y": ["a", "b"]}
    >>> deferred_acceptance(men, women)
    {'a': 'y', 'b': 'x', 'c': None}
    >>> deferred_acceptance({"a": ["x"]}, {"x": ["a", "b"]})
    Traceback (most recent call last):
    ...
    sim.errors.UnknownNameError: receiver_prefs['x'] lists 'b', which is not a proposer (a key of proposer_prefs)
    """
    p_rank, r_rank = _check_profile(proposer_prefs, receiver_prefs)
    proposers = list(p_rank)
    receivers = list(r_rank)
    p_index = {a: k for k, a in enumerate(proposers)}
    r_index = {b: k for k, b in enumerate(receivers)}
    lists = [[r_index[b] for b in p_rank[a]] for a in proposers]
    unlisted = len(proposers)
    ranks = [_Ranks({p_index[a]: k for a, k in r_rank[b].items()}, unlisted) for b in receivers]
    got = deferred_acceptance_unchecked(lists, ranks)
    return {a: (None if got[k] < 0 else receivers[got[k]]) for k, a in enumerate(proposers)}


def _check_matching(proposer_prefs, receiver_prefs, matching) -> dict:
    """Validate a matching of a validated profile; return receiver -> proposer."""
    if not isinstance(matching, Mapping):
        raise InputTypeError(f"matching must be a mapping proposer -> receiver or None, got {_show(matching)} "
                             f"({type(matching).__name__})")
    taken = {}
    for a, b in matching.items():
        try:
            known = a in proposer_prefs
        except TypeError:
            known = False
        if not known:
            raise UnknownNameError(f"matching names {_show(a)}, which is not a proposer (a key of proposer_prefs)")
        if b is None:
            continue
        try:
            known = b in receiver_prefs
        except TypeError:
            raise InputTypeError(f"matching[{_show(a)}] = {_show(b)} ({type(b).__name__}) must be a receiver "
                                 "(a key of receiver_prefs) or None") from None
        if not known:
            raise UnknownNameError(f"matching[{_show(a)}] = {_show(b)}, which is not a receiver (a key of "
                                   "receiver_prefs) nor None")
        if b in taken:
            raise ValidationError(f"matching is not a matching: receiver {_show(b)} is matched to both "
                                  f"{_show(taken[b])} and {_show(a)}")
        taken[b] = a
    return taken


def _blocking_pairs(p_rank: dict, r_rank: dict, matching: Mapping, taken: dict) -> list[tuple]:
    inf = float("inf")
    out = []
    for a, rank_a in p_rank.items():
        cur = matching.get(a)
        mine = inf if cur is None else rank_a.get(cur, inf)
        for b, k in rank_a.items():  # best first
            if k >= mine:
                break
            ra = r_rank[b].get(a)
            if ra is None:
                continue
            partner = taken.get(b)
            theirs = inf if partner is None else r_rank[b].get(partner, inf)
            if ra < theirs:
                out.append((a, b))
    return out


def ntu_blocking_pairs(proposer_prefs: Mapping[Hashable, Sequence[Hashable]],
                       receiver_prefs: Mapping[Hashable, Sequence[Hashable]],
                       matching: Mapping[Hashable, Hashable | None]) -> list[tuple[Hashable, Hashable]]:
    """Pairs that block ``matching``: mutually acceptable, each preferring the other.

    An agent matched to a partner it did not list counts as worse off than single.

    Parameters
    ----------
    proposer_prefs, receiver_prefs : mapping
        The preference profile (see :func:`deferred_acceptance`).
    matching : mapping
        Proposer -> receiver or ``None`` (proposers left out are single).

    Returns
    -------
    list of tuple
        ``(proposer, receiver)`` blocking pairs.

    Raises
    ------
    InputTypeError, UnknownNameError, ValidationError
        A bad profile (as in :func:`deferred_acceptance`), or a ``matching``
        that names unknown agents or matches a receiver twice.

    Examples
    --------
    >>> men = {"a": ["x", "y"], "b": ["x", "y"]}
    >>> women = {"x": ["b", "a"], "y": ["a", "b"]}
    >>> ntu_blocking_pairs(men, women, {"a": "x", "b": "y"})
    [('b', 'x')]
    """
    p_rank, r_rank = _check_profile(proposer_prefs, receiver_prefs)
    taken = _check_matching(proposer_prefs, receiver_prefs, matching)
    return _blocking_pairs(p_rank, r_rank, matching, taken)


def ntu_is_stable(proposer_prefs: Mapping[Hashable, Sequence[Hashable]],
                  receiver_prefs: Mapping[Hashable, Sequence[Hashable]],
                  matching: Mapping[Hashable, Hashable | None]) -> bool:
    """Whether ``matching`` is individually rational and has no blocking pair.

    Takes the arguments of :func:`ntu_blocking_pairs` and raises the same errors.

    Examples
    --------
    >>> men = {"a": ["x"], "b": ["x"]}
    >>> women = {"x": ["b"]}
    >>> ntu_is_stable(men, women, {"a": "x", "b": None}), ntu_is_stable(men, women, {"b": "x"})
    (False, True)
    """
    p_rank, r_rank = _check_profile(proposer_prefs, receiver_prefs)
    taken = _check_matching(proposer_prefs, receiver_prefs, matching)
    for b, a in taken.items():
        if b not in p_rank[a] or a not in r_rank[b]:
            return False
    return not _blocking_pairs(p_rank, r_rank, matching, taken)
