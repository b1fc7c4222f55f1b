r"""Market outcomes: a matching with the agents' net payoffs.

A market outcome is :math:`(X, \tau)`: a matching :math:`X` (disjoint
customer-provider pairs) and transfers :math:`\tau`, zero-sum on each matched
pair (:math:`\tau_i + \tau_j = 0`) and 0 for unmatched agents. Agent
:math:`a`'s net payoff is :math:`p_a = u_a(\mu_X(a)) + \tau_a`, so on a matched
pair :math:`p_i + p_j = w_{ij}` and an unmatched agent gets :math:`p_a = 0`.

Here a transfer is stored per matched pair: ``transfers[k]`` is the payment
from the customer to the provider of pair ``matching[k]``
(:math:`\tau_j = t_k`, :math:`\tau_i = -t_k`). With capacities a provider
receives one payment per customer served, and ``provider_payoffs[j]`` is its
payoff *per seat* (see :mod:`markets.market`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.errors import ValidationError
from sim.validate import check_array, check_real

from .market import Market, MarketLike, SparseMarket, as_market, check_capacities, check_labels
from .sparse_check import check_sparse_outcome, edge_index
from .validation import check_headroom, check_tol, tolerance_scale

__all__ = ["Outcome", "outcome_from_transfers", "outcome_from_payoffs"]


class Outcome:
    """A matching with payoffs (and transfers when utilities are known).

    Attributes
    ----------
    matching : ndarray of int64, shape (k, 2)
        Matched ``(customer, provider)`` index pairs, sorted by customer.
    customer_payoffs : ndarray, shape (m,)
        Net payoff :math:`p_i` of each customer (0 if unmatched).
    provider_payoffs : ndarray, shape (n,)
        Net payoff :math:`p_j` of each provider, per seat when providers have
        capacities (0 if unmatched).
    welfare : float
        Total surplus of the matched pairs.
    transfers : ndarray, shape (k,), or None
        Payment from customer to provider on each matched pair, when the
        utilities were given.
    capacities : ndarray of int, shape (n,), or None
        Provider capacities of the market (``None``: one each).
    customer_labels, provider_labels : tuple or None
        Agent names when the market was a graph.

    Examples
    --------
    >>> o = Outcome([[0, 1]], [0.5, 0.0], [0.0, 1.5], welfare=2.0)
    >>> o.customer_partners().tolist(), o.provider_partners().tolist()
    ([1, -1], [-1, 0])
    >>> o.as_dict()
    {0: 1, 1: None}
    """

    __slots__ = ("matching", "customer_payoffs", "provider_payoffs", "welfare", "transfers",
                 "capacities", "customer_labels", "provider_labels")

    def __init__(self, matching: ArrayLike, customer_payoffs: ArrayLike, provider_payoffs: ArrayLike,
                 welfare: float | None = None, transfers: ArrayLike | None = None,
                 capacities: ArrayLike | None = None, customer_labels: Sequence[Hashable] | None = None,
                 provider_labels: Sequence[Hashable] | None = None) -> None:
        p = check_array("customer_payoffs", customer_payoffs, ndim=1)
        q = check_array("provider_payoffs", provider_payoffs, ndim=1)
        mt = _pairs_array("matching", matching)
        self.matching = mt
        self.customer_payoffs = p
        self.provider_payoffs = q
        self.welfare = None if welfare is None else check_real("welfare", welfare)
        self.transfers = None if transfers is None else check_array(
            "transfers", transfers, shape=(len(mt),))
        self.capacities = check_capacities(capacities, len(q), sized_by="provider_payoffs")
        self.customer_labels = check_labels("customer_labels", customer_labels, len(p))
        self.provider_labels = check_labels("provider_labels", provider_labels, len(q))

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)``: the market size the outcome belongs to."""
        return (len(self.customer_payoffs), len(self.provider_payoffs))

    def customer_partners(self) -> NDArray[np.int64]:
        """Provider of each customer, ``-1`` when unmatched."""
        out = np.full(len(self.customer_payoffs), -1, dtype=np.int64)
        out[self.matching[:, 0]] = self.matching[:, 1]
        return out

    def provider_partners(self) -> NDArray[np.int64]:
        """Customer of each provider, ``-1`` when unmatched (unit capacities only)."""
        if self.capacities is not None:
            raise ValidationError("provider_partners() needs unit capacities; use matching instead")
        out = np.full(len(self.provider_payoffs), -1, dtype=np.int64)
        out[self.matching[:, 1]] = self.matching[:, 0]
        return out

    def provider_loads(self) -> np.ndarray:
        """Number of customers each provider serves."""
        return np.bincount(self.matching[:, 1], minlength=len(self.provider_payoffs))

    def customer_transfers(self) -> NDArray[np.float64]:
        r"""Transfer :math:`\tau_i` of each customer (``-payment``; 0 if unmatched)."""
        if self.transfers is None:
            raise ValidationError("this outcome has no transfers: it was built from a surplus, not utilities")
        out = np.zeros(len(self.customer_payoffs))
        out[self.matching[:, 0]] = -self.transfers
        return out

    def provider_transfers(self) -> NDArray[np.float64]:
        r"""Total transfer :math:`\tau_j` received by each provider (0 if unmatched)."""
        if self.transfers is None:
            raise ValidationError("this outcome has no transfers: it was built from a surplus, not utilities")
        return np.bincount(self.matching[:, 1], weights=self.transfers,
                           minlength=len(self.provider_payoffs)).astype(float)

    def as_dict(self) -> dict[Hashable, Hashable | None]:
        """Customer -> provider (``None`` if unmatched), by label when the market had labels."""
        cl = self.customer_labels or range(len(self.customer_payoffs))
        pl = self.provider_labels or range(len(self.provider_payoffs))
        out = {c: None for c in cl}
        cl, pl = list(cl), list(pl)
        for i, j in self.matching.tolist():
            out[cl[i]] = pl[j]
        return out

    def __repr__(self) -> str:
        return (f"Outcome(matching={self.matching.tolist()}, customer_payoffs={self.customer_payoffs!r}, "
                f"provider_payoffs={self.provider_payoffs!r}, welfare={self.welfare!r}"
                + ("" if self.transfers is None else f", transfers={self.transfers!r}") + ")")


def trusted_outcome(matching: np.ndarray, customer_payoffs: np.ndarray, provider_payoffs: np.ndarray,
                    welfare: float | None, transfers: np.ndarray | None = None, capacities: np.ndarray | None = None,
                    customer_labels: tuple | None = None, provider_labels: tuple | None = None) -> Outcome:
    """An :class:`Outcome` from a solver's well-formed results, without re-validation (the hot path)."""
    self = object.__new__(Outcome)
    self.matching = matching
    self.customer_payoffs = customer_payoffs
    self.provider_payoffs = provider_payoffs
    self.welfare = welfare
    self.transfers = transfers
    self.capacities = capacities
    self.customer_labels = customer_labels
    self.provider_labels = provider_labels
    return self


def _pairs_array(name, matching):
    """``matching`` as a (k, 2) int64 array, or a ValidationError naming it."""
    try:
        mt = np.asarray(matching)
    except (ValueError, TypeError) as exc:  # ragged lists and the like
        raise ValidationError(f"{name} must be a (k, 2) integer array of (customer, provider) pairs, got "
                              f"{type(matching).__name__}: {exc}") from None
    if mt.size == 0 and mt.dtype != object:
        return np.zeros((0, 2), dtype=np.int64)
    if mt.dtype == object or mt.dtype.kind not in "iu" or mt.ndim != 2 or mt.shape[1] != 2:
        raise ValidationError(f"{name} must be a (k, 2) integer array of (customer, provider) pairs, "
                              f"got dtype {mt.dtype} and shape {mt.shape}")
    return mt.astype(np.int64, copy=False)


def _check_matching_fits(matching, market, name="matching", source=""):
    """Raise unless ``matching`` is a matching of ``market`` (indices, disjointness, edges, seats).

    ``source`` names the arguments the market's shape comes from, for the out-of-range messages.
    """
    m, n = market.surplus.shape
    of = f" (the market of {source} is {m} x {n})" if source else ""
    mt = _pairs_array(name, matching)
    if mt.size == 0:
        return mt, np.zeros(0, dtype=np.int64)
    rows, cols = mt[:, 0], mt[:, 1]
    if rows.min() < 0 or rows.max() >= m:
        bad = mt[(rows < 0) | (rows >= m)][0].tolist()
        raise ValidationError(f"{name} pair {bad} names a customer outside 0..{m - 1}{of}")
    if cols.min() < 0 or cols.max() >= n:
        bad = mt[(cols < 0) | (cols >= n)][0].tolist()
        raise ValidationError(f"{name} pair {bad} names a provider outside 0..{n - 1}{of}")
    counts = np.bincount(rows, minlength=m)
    if counts.max() > 1:
        raise ValidationError(f"{name} is not a matching: customer {int(counts.argmax())} is matched "
                              f"{int(counts.max())} times")
    loads = np.bincount(cols, minlength=n)
    caps = np.ones(n, dtype=np.int64) if market.capacities is None else market.capacities
    if np.any(loads > caps):
        j = int(np.argmax(loads > caps))
        raise ValidationError(f"{name} is not a matching: provider {j} is matched {int(loads[j])} "
                              f"times but has capacity {int(caps[j])}")
    if market.allowed is not None and not market.allowed[rows, cols].all():
        bad = mt[~market.allowed[rows, cols]][0].tolist()
        raise ValidationError(f"{name} pair {bad} is not an edge of the market "
                              "(an absent entry of surplus): it cannot match")
    order = np.argsort(rows, kind="stable")
    return mt[order], order


def check_outcome(market: Market, outcome: Outcome, name: str = "outcome",
                  tol: float = 1e-9) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate ``outcome`` against ``market``; return (matching, p, q, loads).

    An outcome fits the market when its matching is a matching of the market,
    its payoff vectors have the market's sizes, and its payoffs are feasible:
    :math:`p_i + p_j = w_{ij}` on matched pairs and 0 for unmatched agents (to
    ``tol`` relative to :math:`\\max |w|`).
    """
    if not isinstance(outcome, Outcome):
        raise ValidationError(f"{name} must be a markets.Outcome, got {type(outcome).__name__}")
    tol = check_tol("tol", tol)
    if isinstance(market, SparseMarket):
        return check_sparse_outcome(market, _pairs_array(f"{name}.matching", outcome.matching),
                                    outcome.customer_payoffs, outcome.provider_payoffs, name, tol)[:5]
    m, n = market.surplus.shape
    p, q = outcome.customer_payoffs, outcome.provider_payoffs
    if p.shape != (m,) or q.shape != (n,):
        raise ValidationError(f"{name} has payoffs of sizes ({len(p)}, {len(q)}) but the market is "
                              f"{m} x {n} (the surplus's shape)")
    if p.size or q.size:
        # Subset Instability adds up to m + 4 min(m, seats) payoff-sized terms; stability checks p_i + q_j - w_ij
        big = max(float(np.abs(p).max(initial=0.0)), float(np.abs(q).max(initial=0.0)))
        check_headroom(f"{name} payoffs (customer_payoffs, provider_payoffs)", big, 5 * m + 3)
    mt, _ = _check_matching_fits(outcome.matching, market, f"{name}.matching")
    w = market.surplus
    atol = tol * tolerance_scale(w)
    rows, cols = mt[:, 0], mt[:, 1]
    gap = np.abs(p[rows] + q[cols] - w[rows, cols])
    if gap.size and gap.max() > atol:
        k = int(gap.argmax())
        raise ValidationError(
            f"{name} payoffs are not feasible: pair {mt[k].tolist()} has p_i + p_j = "
            f"{float(p[rows[k]] + q[cols[k]])!r} but surplus {float(w[rows[k], cols[k]])!r} "
            "(transfers must be zero-sum)")
    free_c = np.ones(m, dtype=bool)
    free_c[rows] = False
    loads = np.bincount(cols, minlength=n)
    caps = np.ones(n, dtype=np.int64) if market.capacities is None else market.capacities
    unused = loads == 0
    if np.any(np.abs(p[free_c]) > atol):
        i = int(np.flatnonzero(free_c & (np.abs(p) > atol))[0])
        raise ValidationError(f"{name} payoffs are not feasible: unmatched customer {i} has payoff "
                              f"{float(p[i])!r}, not 0")
    if np.any(np.abs(q[unused]) > atol):
        j = int(np.flatnonzero(unused & (np.abs(q) > atol))[0])
        raise ValidationError(f"{name} payoffs are not feasible: unmatched provider {j} has payoff "
                              f"{float(q[j])!r}, not 0")
    return mt, p, q, loads, caps


def outcome_from_transfers(customer_utils: ArrayLike, provider_utils: ArrayLike, matching: ArrayLike,
                           transfers: ArrayLike, *, capacities: ArrayLike | None = None) -> Outcome:
    """The outcome (payoffs) that a matching and transfers give under some utilities.

    Use it to evaluate a platform's choice ``(X, tau)``, made from estimated
    utilities, under the true ones: :math:`p_a = u_a(\\mu_X(a)) + \\tau_a`.

    Parameters
    ----------
    customer_utils, provider_utils : array_like, shape (m, n)
        :math:`u_i(j)` and :math:`u_j(i)`, both indexed ``[customer, provider]``.
    matching : array_like of int, shape (k, 2)
        ``(customer, provider)`` pairs.
    transfers : array_like, shape (k,)
        Payment from the customer to the provider on each pair.
    capacities : array_like of int, shape (n,), optional
        Provider capacities. With a provider serving several customers at
        different net payoffs, ``provider_payoffs`` holds their mean.

    Returns
    -------
    Outcome

    Examples
    --------
    >>> o = outcome_from_transfers([[1.0, 0.0]], [[1.0, 0.0]], [[0, 0]], [0.25])
    >>> o.customer_payoffs.tolist(), o.provider_payoffs.tolist(), o.welfare
    ([0.75], [1.25, 0.0], 2.0)
    """
    market = as_market(customer_utils=customer_utils, provider_utils=provider_utils, capacities=capacities)
    mt, order = _check_matching_fits(matching, market, source="customer_utils and provider_utils")
    t = check_array("transfers", transfers, ndim=1)
    if t.shape != (len(mt),):
        raise ValidationError(f"transfers must have one entry per pair of matching ({len(mt)} pairs), "
                              f"got shape {t.shape}")
    t = t[order]
    rows, cols = mt[:, 0], mt[:, 1]
    m, n = market.shape
    p = np.zeros(m)
    loads = np.bincount(cols, minlength=n)
    # payoffs are utilities plus or minus transfers: both finite, their sums need not be (refused below)
    with np.errstate(over="ignore", invalid="ignore"):
        p[rows] = market.customer_utils[rows, cols] - t
        per_pair = market.provider_utils[rows, cols] + t
        q = np.bincount(cols, weights=per_pair, minlength=n) / np.maximum(loads, 1)
    if not (np.isfinite(p).all() and np.isfinite(q).all()):
        raise ValidationError("customer_utils/provider_utils plus transfers overflow float64: rescale them")
    welfare = float(market.surplus[rows, cols].sum())
    return trusted_outcome(mt, p, q, welfare, t, market.capacities)


def outcome_from_payoffs(surplus: MarketLike, matching: ArrayLike, customer_payoffs: ArrayLike,
                         provider_payoffs: ArrayLike, *, capacities: ArrayLike | None = None,
                         tol: float = 1e-9) -> Outcome:
    """Build an :class:`Outcome` from payoffs, checking that it fits the market.

    Examples
    --------
    >>> outcome_from_payoffs([[2.0]], [[0, 0]], [0.5], [1.5]).welfare
    2.0
    >>> outcome_from_payoffs([[2.0]], [[0, 0]], [0.5], [0.5])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: outcome payoffs are not feasible: pair [0, 0] has p_i + p_j = 1.0 but surplus 2.0 ...
    """
    tol = check_tol("tol", tol)
    market = as_market(surplus, capacities=capacities)
    m, n = market.shape
    for name, value, size, side in (("customer_payoffs", customer_payoffs, m, "customer"),
                                    ("provider_payoffs", provider_payoffs, n, "provider")):
        shape = check_array(name, value, ndim=1).shape
        if shape != (size,):
            raise ValidationError(f"{name} must have one entry per {side} of the surplus ({size}), got shape {shape}")
    o = Outcome(matching, customer_payoffs, provider_payoffs, capacities=market.capacities,
                customer_labels=market.customer_labels, provider_labels=market.provider_labels)
    mt, *_ = check_outcome(market, o, tol=tol)
    o.matching = mt
    if isinstance(market, SparseMarket):
        o.welfare = float(market.surplus.data[edge_index(market, mt[:, 0], mt[:, 1])].sum())
        return o
    o.welfare = float(market.surplus[mt[:, 0], mt[:, 1]].sum())
    return o


def market_for(surplus: MarketLike, outcome: Outcome, capacities: ArrayLike | None = None) -> Market:
    """Normalise ``surplus`` for checking ``outcome``: capacities default to the outcome's."""
    from .market import Market

    if capacities is None and isinstance(outcome, Outcome) and not isinstance(surplus, Market):
        if outcome.capacities is not None and not (hasattr(surplus, "nodes") and hasattr(surplus, "edges")):
            market = as_market(surplus)
            n = market.shape[1]
            if outcome.capacities.shape != (n,):
                raise ValidationError(f"outcome.capacities has {len(outcome.capacities)} entries but surplus has "
                                      f"{n} providers")
            return as_market(market.surplus, capacities=outcome.capacities)
    return as_market(surplus, capacities=capacities)
