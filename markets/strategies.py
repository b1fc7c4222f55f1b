r"""Hypothesis strategies for markets, outcomes and preference profiles.

Use them to property-test your own mechanisms against the invariants of
:mod:`markets` (stability, core bounds, Subset Instability...). Like
``hypothesis.extra.numpy``, every strategy is a function with keyword-only
options that are checked when it is called, not when examples are drawn.

Default surplus entries mix small integers (so ties, zeros and negative
surpluses are common) with floats; pass ``elements`` to choose your own.

Examples
--------
>>> from hypothesis import given, settings
>>> from markets import stable_outcome, is_stable
>>> @settings(max_examples=5, database=None)
... @given(surplus_matrices(max_customers=3, max_providers=3))
... def test_stable(w):
...     assert is_stable(w, stable_outcome(w))
>>> test_stable()
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.strategies import SearchStrategy
from numpy.typing import ArrayLike

from sim.errors import InputTypeError
from sim.validate import check_int

from .market import MarketLike, SparseMarket, as_market
from .outcome import Outcome
from .validation import check_flag

__all__ = [
    "bipartite_graphs",
    "capacities_for",
    "markets_with_outcomes",
    "outcomes",
    "preference_profiles",
    "sparse_markets",
    "surplus_matrices",
    "utility_matrices",
]


def _default_elements():
    return st.one_of(
        st.integers(-3, 6).map(float),
        st.floats(-10.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False),
    )


def _elements(elements):
    if elements is None:
        return _default_elements()
    if not isinstance(elements, SearchStrategy):
        raise InputTypeError(f"elements must be a hypothesis strategy of floats, got {type(elements).__name__}")
    return elements


def _sizes(min_customers, max_customers, min_providers, max_providers):
    lo_c = check_int("min_customers", min_customers, low=0)
    hi_c = check_int("max_customers", max_customers, low=lo_c)
    lo_p = check_int("min_providers", min_providers, low=0)
    hi_p = check_int("max_providers", max_providers, low=lo_p)
    return st.tuples(st.integers(lo_c, hi_c), st.integers(lo_p, hi_p))


def surplus_matrices(*, min_customers: int = 0, max_customers: int = 5, min_providers: int = 0,
                     max_providers: int = 5, elements: SearchStrategy[float] | None = None,
                     square: bool = False) -> SearchStrategy[np.ndarray]:
    """Surplus matrices ``(m, n)`` of floats.

    Parameters
    ----------
    min_customers, max_customers, min_providers, max_providers : int
        Size bounds (rectangular and empty markets included by default).
    elements : hypothesis strategy of float, optional
        Entry strategy; default mixes integers in [-3, 6] and floats in [-10, 10].
    square : bool
        Only ``n x n`` matrices, ``n`` within the customer bounds (the
        provider bounds are then ignored).
    """
    if check_flag("square", square):
        lo = check_int("min_customers", min_customers, low=0)
        hi = check_int("max_customers", max_customers, low=lo)
        sizes = st.integers(lo, hi).map(lambda k: (k, k))
    else:
        sizes = _sizes(min_customers, max_customers, min_providers, max_providers)
    el = _elements(elements)
    return sizes.flatmap(lambda s: hnp.arrays(np.float64, s, elements=el))


def utility_matrices(*, min_customers: int = 0, max_customers: int = 5, min_providers: int = 0,
                     max_providers: int = 5,
                     elements: SearchStrategy[float] | None = None) -> SearchStrategy[tuple[np.ndarray, np.ndarray]]:
    """Pairs ``(customer_utils, provider_utils)`` of equal shape ``(m, n)``."""
    sizes = _sizes(min_customers, max_customers, min_providers, max_providers)
    el = _elements(elements)
    return sizes.flatmap(lambda s: st.tuples(hnp.arrays(np.float64, s, elements=el),
                                             hnp.arrays(np.float64, s, elements=el)))


def capacities_for(n: int, *, max_capacity: int = 3) -> SearchStrategy[np.ndarray]:
    """Capacity vectors of length ``n`` with entries in ``0..max_capacity``."""
    n = check_int("n", n, low=0)
    hi = check_int("max_capacity", max_capacity, low=0)
    return hnp.arrays(np.int64, (n,), elements=st.integers(0, hi))


@st.composite
def _outcomes(draw, surplus, capacities):
    market = as_market(surplus, capacities=capacities)
    if isinstance(market, SparseMarket):  # strategies draw small markets: a dense view is cheap
        market = market.to_dense()
    w = market.surplus
    m, n = w.shape
    caps = np.ones(n, dtype=np.int64) if market.capacities is None else market.capacities
    allowed = np.ones((m, n), bool) if market.allowed is None else market.allowed
    left = caps.copy()
    pairs = []
    for i in draw(st.permutations(range(m))):
        options = [j for j in range(n) if left[j] > 0 and allowed[i, j]]
        if not options or not draw(st.booleans()):
            continue
        j = draw(st.sampled_from(options))
        left[j] -= 1
        pairs.append((i, j))
    pairs.sort()
    scale = float(np.abs(w).max()) if w.size else 1.0
    p, q = np.zeros(m), np.zeros(n)
    share = st.floats(-0.5, 1.5, allow_nan=False)
    for j in range(n):
        mine = [i for i, jj in pairs if jj == j]
        if not mine:
            continue
        # one per-seat payoff per provider; each customer gets the rest of its pair's surplus
        q[j] = draw(share) * (scale or 1.0)
        for i in mine:
            p[i] = w[i, j] - q[j]
    mt = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return Outcome(mt, p, q, float(w[mt[:, 0], mt[:, 1]].sum()), capacities=market.capacities,
                   customer_labels=market.customer_labels, provider_labels=market.provider_labels)


def outcomes(surplus: MarketLike, *, capacities: ArrayLike | None = None) -> SearchStrategy[Outcome]:
    """Arbitrary feasible outcomes of a given market (any matching, any zero-sum split).

    Payoffs satisfy :math:`p_i + p_j = w_{ij}` on matched pairs and are 0 for
    single agents; they may be negative (not individually rational).
    """
    as_market(surplus, capacities=capacities)  # fail early on a bad market
    return _outcomes(surplus, capacities)


def markets_with_outcomes(*, max_customers: int = 5, max_providers: int = 5,
                          elements: SearchStrategy[float] | None = None,
                          capacitated: bool = False) -> SearchStrategy[tuple[np.ndarray, Outcome]]:
    """Pairs ``(surplus, outcome)``; with ``capacitated=True`` an outcome with capacities."""
    capacitated = check_flag("capacitated", capacitated)
    mats = surplus_matrices(max_customers=max_customers, max_providers=max_providers, elements=elements)
    if not capacitated:
        return mats.flatmap(lambda w: st.tuples(st.just(w), outcomes(w)))
    return mats.flatmap(lambda w: capacities_for(w.shape[1]).flatmap(
        lambda c: st.tuples(st.just(w), outcomes(w, capacities=c))))


@st.composite
def _graphs(draw, max_customers, max_providers, max_capacity):
    import networkx as nx

    m = draw(st.integers(0, max_customers))
    n = draw(st.integers(0, max_providers))
    g = nx.Graph()
    for i in range(m):
        g.add_node(("c", i), bipartite=0)
    for j in range(n):
        g.add_node(("p", j), bipartite=1, capacity=draw(st.integers(0, max_capacity)))
    for i in range(m):
        for j in range(n):
            if draw(st.booleans()):
                g.add_edge(("c", i), ("p", j), weight=draw(_default_elements()))
    return g


def bipartite_graphs(*, max_customers: int = 5, max_providers: int = 5,
                     max_capacity: int = 1) -> SearchStrategy[nx.Graph]:
    """Sparse markets as networkx graphs (``bipartite`` 0/1, ``weight``, ``capacity``)."""
    return _graphs(check_int("max_customers", max_customers, low=0),
                   check_int("max_providers", max_providers, low=0),
                   check_int("max_capacity", max_capacity, low=0))


_SPARSE_FORMATS = ("csr", "csc", "coo")


@st.composite
def _sparse(draw, sizes, el, formats):
    import scipy.sparse as sps

    m, n = draw(sizes)
    mask = draw(hnp.arrays(np.bool_, (m, n)))
    vals = draw(hnp.arrays(np.float64, (m, n), elements=el))
    rows, cols = np.nonzero(mask)
    return sps.coo_array((vals[rows, cols], (rows, cols)), shape=(m, n)).asformat(draw(st.sampled_from(formats)))


def sparse_markets(*, min_customers: int = 0, max_customers: int = 5, min_providers: int = 0,
                   max_providers: int = 5, elements: SearchStrategy[float] | None = None,
                   formats: tuple[str, ...] = _SPARSE_FORMATS) -> SearchStrategy:
    """Sparse markets as ``scipy.sparse`` arrays: stored entries are the edges (zero and negative ones included).

    Parameters
    ----------
    min_customers, max_customers, min_providers, max_providers : int
        Size bounds.
    elements : hypothesis strategy of float, optional
        Entry strategy (default as :func:`surplus_matrices`).
    formats : tuple of str
        scipy.sparse formats to draw from (``"csr"``, ``"csc"``, ``"coo"``).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from markets import stable_outcome, verify_outcome
    >>> @settings(max_examples=5, database=None)
    ... @given(sparse_markets(max_customers=3, max_providers=3))
    ... def test_certified(x):
    ...     verify_outcome(x, stable_outcome(x))
    >>> test_certified()
    """
    sizes = _sizes(min_customers, max_customers, min_providers, max_providers)
    el = _elements(elements)
    if isinstance(formats, str) or not formats or any(f not in _SPARSE_FORMATS for f in formats):
        raise InputTypeError(f"formats must be a non-empty tuple of {list(_SPARSE_FORMATS)}, got {formats!r}")
    return _sparse(sizes, el, tuple(formats))


@st.composite
def _profiles(draw, max_proposers, max_receivers, complete):
    n_p = draw(st.integers(0, max_proposers))
    n_r = draw(st.integers(0, max_receivers))
    proposers = [f"m{k}" for k in range(n_p)]
    receivers = [("w", k) for k in range(n_r)]  # any hashable names work

    def lists(own, other):
        out = {}
        for a in own:
            order = draw(st.permutations(other))
            cut = len(other) if complete else draw(st.integers(0, len(other)))
            out[a] = list(order[:cut])
        return out

    return lists(proposers, receivers), lists(receivers, proposers)


def preference_profiles(*, max_proposers: int = 4, max_receivers: int = 4,
                        complete: bool = False) -> SearchStrategy[tuple[dict, dict]]:
    """Pairs ``(proposer_prefs, receiver_prefs)`` of strict, possibly incomplete lists.

    Proposers are named ``"m0", "m1", ...``, receivers ``("w", 0), ("w", 1), ...``.
    """
    return _profiles(check_int("max_proposers", max_proposers, low=0),
                     check_int("max_receivers", max_receivers, low=0), check_flag("complete", complete))
