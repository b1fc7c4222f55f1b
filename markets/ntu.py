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

from collections import deque
from collections.abc import Mapping, Sequence

from sim.errors import InputTypeError, UnknownNameError, ValidationError

__all__ = ["deferred_acceptance", "ntu_blocking_pairs", "ntu_is_stable"]


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
    nxt = {a: 0 for a in proposer_prefs}
    held = {}
    free = deque(proposer_prefs)
    while free:
        a = free.popleft()
        lst = proposer_prefs[a]
        while nxt[a] < len(lst):
            b = lst[nxt[a]]
            nxt[a] += 1
            r = rank[b].get(a)
            if r is None:
                continue
            cur = held.get(b)
            if cur is None:
                held[b] = a
                break
            if r < rank[b][cur]:
                held[b] = a
                free.append(cur)
                break
    out = {a: None for a in proposer_prefs}
    for b, a in held.items():
        out[a] = b
    return out


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
