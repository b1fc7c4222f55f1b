"""Brute-force references for small markets (independent of the package's solvers)."""

from functools import cache
from itertools import permutations

import numpy as np


def max_matching_weight(w, customers=None, providers=None, capacities=None):
    """Largest total surplus of a matching inside the given agents (pairs with w <= 0 unused)."""
    w = np.asarray(w, dtype=float)
    m, n = w.shape
    customers = list(range(m)) if customers is None else list(customers)
    providers = list(range(n)) if providers is None else list(providers)
    caps = [1] * n if capacities is None else [int(c) for c in capacities]
    seats = tuple(caps[j] for j in providers)

    @cache
    def best(k, left):
        if k == len(customers):
            return 0.0
        i = customers[k]
        value = best(k + 1, left)
        for t, j in enumerate(providers):
            if left[t] > 0 and w[i, j] > 0:
                nxt = left[:t] + (left[t] - 1,) + left[t + 1:]
                value = max(value, w[i, j] + best(k + 1, nxt))
        return value

    return best(0, seats)


def coalition_max(w, p, q):
    """max over coalitions S of W(S) - sum_{a in S} p_a (unit capacities)."""
    m, n = np.asarray(w).shape
    best = 0.0  # the empty coalition
    for cmask in range(1 << m):
        cs = [i for i in range(m) if cmask >> i & 1]
        for pmask in range(1 << n):
            ps = [j for j in range(n) if pmask >> j & 1]
            val = max_matching_weight(w, cs, ps) - sum(p[i] for i in cs) - sum(q[j] for j in ps)
            best = max(best, val)
    return best


def all_matchings(proposers, receivers):
    """Every one-to-one matching (dict proposer -> receiver or None) between two small sets."""
    proposers = list(proposers)
    receivers = list(receivers)
    out = []

    def rec(k, used, current):
        if k == len(proposers):
            out.append(dict(current))
            return
        a = proposers[k]
        current[a] = None
        rec(k + 1, used, current)
        for b in receivers:
            if b not in used:
                current[a] = b
                rec(k + 1, used | {b}, current)
        del current[a]

    rec(0, frozenset(), {})
    return out


def ntu_stable(pp, rp, mt):
    """Stability by definition (written independently of markets.ntu)."""
    for a, b in mt.items():
        if b is not None and (b not in pp[a] or a not in rp[b]):
            return False
    partner_r = {b: a for a, b in mt.items() if b is not None}

    def prefers(lst, x, cur):
        if x not in lst:
            return False
        return cur is None or cur not in lst or lst.index(x) < lst.index(cur)

    for a in pp:
        for b in rp:
            if prefers(pp[a], b, mt.get(a)) and prefers(rp[b], a, partner_r.get(b)):
                return False
    return True


def all_lists(items):
    """Every strict preference list over a subset of ``items``."""
    items = list(items)
    out = []
    for k in range(len(items) + 1):
        for perm in permutations(items, k):
            out.append(list(perm))
    return out
