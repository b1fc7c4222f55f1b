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

from collections.abc import Mapping, Sequence

from sim.errors import InputTypeError, UnknownNameError, ValidationError

__all__ = ["deferred_acceptance", "deferred_acceptance_indexed", "ntu_blocking_pairs", "ntu_is_stable"]


def _check_profile(proposer_prefs, receiver_prefs):
    for name, prefs, other, other_name in (
        ("proposer_prefs", proposer_prefs, receiver_prefs, "receiver"),
        ("receiver_prefs", receiver_prefs, proposer_prefs, "proposer"),
    ):
        if not isinstance(prefs, Mapping):
            raise InputTypeError(f"{name} must be a mapping agent -> preference list, got {type(prefs).__name__}")
        for agent, lst in prefs.items():
            if isinstance(lst, (str, bytes)) or not isinstance(lst, Sequence):
                raise InputTypeError(f"{name}[{agent!r}] must be a list of {other_name}s, got {lst!r}")
            seen = set()
            for b in lst:
                try:
                    known = b in other
                except TypeError:
                    raise InputTypeError(f"{name}[{agent!r}] lists an unhashable name {b!r}") from None
                if not known:
                    raise UnknownNameError(f"{name}[{agent!r}] lists {b!r}, which is not a {other_name}")
                if b in seen:
                    raise ValidationError(f"{name}[{agent!r}] lists {b!r} twice: preferences must be strict")
                seen.add(b)
    return {b: {a: k for k, a in enumerate(lst)} for b, lst in receiver_prefs.items()}


def deferred_acceptance_indexed(proposer_prefs, receiver_rank) -> list[int]:
    """Proposer-proposing deferred acceptance on agents numbered ``0..``, without validation.

    The one implementation of deferred acceptance (:func:`deferred_acceptance`
    numbers the agents and calls it); its callers validate, so it can run
    once per round of a learning loop.

    Parameters
    ----------
    proposer_prefs : sequence of sequences of int
        ``proposer_prefs[i]`` lists receivers, best first (unlisted ones are
        unacceptable to ``i``).
    receiver_rank : sequence of sequences of int
        ``receiver_rank[a][i]`` = position of proposer ``i`` in receiver
        ``a``'s list (0 = best); a value ``>= len(proposer_prefs)`` marks ``i``
        as unacceptable to ``a``.

    Returns
    -------
    list of int
        Receiver of each proposer, ``-1`` if single.

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


def deferred_acceptance(proposer_prefs, receiver_prefs):
    """Proposer-proposing deferred acceptance (Gale-Shapley).

    Parameters
    ----------
    proposer_prefs : mapping
        Proposer -> list of receivers, most preferred first (unlisted receivers
        are unacceptable).
    receiver_prefs : mapping
        Receiver -> list of proposers, most preferred first.

    Returns
    -------
    dict
        Every proposer -> its receiver, or ``None`` if single.

    Raises
    ------
    UnknownNameError
        A list names an agent that is not on the other side.
    ValidationError
        A list names an agent twice.
    InputTypeError
        The profiles are not mappings of lists.

    Examples
    --------
    >>> men = {"a": ["x", "y"], "b": ["x", "y"], "c": ["x"]}
    >>> women = {"x": ["b", "a", "c"], "y": ["a", "b"]}
    >>> deferred_acceptance(men, women)
    {'a': 'y', 'b': 'x', 'c': None}
    """
    rank = _check_profile(proposer_prefs, receiver_prefs)
    proposers = list(proposer_prefs)
    receivers = list(receiver_prefs)
    p_index = {a: k for k, a in enumerate(proposers)}
    r_index = {b: k for k, b in enumerate(receivers)}
    lists = [[r_index[b] for b in proposer_prefs[a]] for a in proposers]
    ranks = []
    for b in receivers:
        row = [len(proposers)] * len(proposers)  # unlisted: unacceptable
        for a, k in rank[b].items():
            row[p_index[a]] = k
        ranks.append(row)
    got = deferred_acceptance_indexed(lists, ranks)
    return {a: (None if got[k] < 0 else receivers[got[k]]) for k, a in enumerate(proposers)}


def _check_matching(proposer_prefs, receiver_prefs, matching):
    if not isinstance(matching, Mapping):
        raise InputTypeError(f"matching must be a mapping proposer -> receiver or None, got {type(matching).__name__}")
    taken = {}
    for a, b in matching.items():
        if a not in proposer_prefs:
            raise UnknownNameError(f"matching names {a!r}, which is not a proposer")
        if b is None:
            continue
        if b not in receiver_prefs:
            raise UnknownNameError(f"matching[{a!r}] = {b!r}, which is not a receiver")
        if b in taken:
            raise ValidationError(f"matching is not a matching: receiver {b!r} is matched to both "
                                  f"{taken[b]!r} and {a!r}")
        taken[b] = a
    return taken


def ntu_blocking_pairs(proposer_prefs, receiver_prefs, matching):
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

    Examples
    --------
    >>> men = {"a": ["x", "y"], "b": ["x", "y"]}
    >>> women = {"x": ["b", "a"], "y": ["a", "b"]}
    >>> ntu_blocking_pairs(men, women, {"a": "x", "b": "y"})
    [('b', 'x')]
    """
    rank_r = _check_profile(proposer_prefs, receiver_prefs)
    taken = _check_matching(proposer_prefs, receiver_prefs, matching)
    inf = float("inf")
    out = []
    for a, lst in proposer_prefs.items():
        cur = matching.get(a)
        rank_a = {b: k for k, b in enumerate(lst)}
        mine = inf if cur is None else rank_a.get(cur, inf)
        for b in lst:
            if rank_a[b] >= mine:
                break
            ra = rank_r[b].get(a)
            if ra is None:
                continue
            partner = taken.get(b)
            theirs = inf if partner is None else rank_r[b].get(partner, inf)
            if ra < theirs:
                out.append((a, b))
    return out


def ntu_is_stable(proposer_prefs, receiver_prefs, matching):
    """Whether ``matching`` is individually rational and has no blocking pair.

    Examples
    --------
    >>> men = {"a": ["x"], "b": ["x"]}
    >>> women = {"x": ["b"]}
    >>> ntu_is_stable(men, women, {"a": "x", "b": None}), ntu_is_stable(men, women, {"b": "x"})
    (False, True)
    """
    taken = _check_matching(proposer_prefs, receiver_prefs, matching)
    _check_profile(proposer_prefs, receiver_prefs)
    for b, a in taken.items():
        if b not in proposer_prefs[a] or a not in receiver_prefs[b]:
            return False
    return not ntu_blocking_pairs(proposer_prefs, receiver_prefs, matching)
