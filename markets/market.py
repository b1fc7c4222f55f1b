r"""Normalising the ways a two-sided market with transfers can be given.

A market has customers :math:`I` (rows, :math:`m`) and providers :math:`J`
(columns, :math:`n`) and a pair surplus :math:`w_{ij} = u_i(j) + u_j(i)`.
It can be given as

* an ``(m, n)`` surplus array;
* two utility arrays of the same shape, ``customer_utils[i, j]`` = :math:`u_i(j)`
  and ``provider_utils[i, j]`` = :math:`u_j(i)` (both indexed customer first);
  the surplus is their sum;
* a ``scipy.sparse`` matrix or array (any format): its stored entries are the
  pairs that can match (explicit zeros and negative entries included), absent
  entries cannot match; a pair stored twice (COO duplicates) is refused rather
  than summed, since a market has one surplus per pair;
* a networkx bipartite graph (nodes carry ``bipartite=0`` for customers and
  ``bipartite=1`` for providers, edges carry ``weight``); a pair without an edge
  cannot match;
* a :class:`Market` or a :class:`SparseMarket`.

Sparse and graph input give a :class:`SparseMarket`, which stores only its
edges (``O(E)`` memory, never an ``m x n`` array); an absent pair can neither
match nor block (with non-negative payoffs the same as a non-positive surplus).

A provider of capacity 0 is treated like a provider without edges.

Providers may have capacities :math:`c_j \ge 0`: provider :math:`j` serves up to
:math:`c_j` customers. Such a market is the one-to-one market in which provider
:math:`j` is split into :math:`c_j` identical *seats*. In every core point of
that seat market all seats of a provider earn the same payoff (if two seats of
:math:`j` differed, lowering every seat to their minimum would stay feasible and
strictly lower the dual objective), so payoffs are reported *per seat*.
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Sequence

import networkx as nx
import numpy as np
import scipy.sparse as sps
from numpy.typing import ArrayLike, NDArray

from sim.errors import InputTypeError, ValidationError
from sim.validate import check_array

from .validation import check_headroom, check_memory

__all__ = ["Market", "MarketLike", "SparseMarket", "as_market"]


class Market:
    """A normalised market: surplus, optional mask, capacities and labels.

    Parameters
    ----------
    surplus : ndarray of float, shape (m, n)
        Pair surplus; 0 where the pair cannot match.
    allowed : ndarray of bool, shape (m, n), optional
        ``False`` for pairs that cannot match; ``None`` means every pair can.
    capacities : ndarray of int, shape (n,), optional
        Seats per provider; ``None`` means one each.
    customer_labels, provider_labels : tuple, optional
        Names of the agents (graph input), else ``None`` (indices are the names).
    customer_utils, provider_utils : ndarray, shape (m, n), optional
        The utilities when they were given (then ``surplus`` is their sum).

    Build one with :func:`as_market`, which validates its input.

    Examples
    --------
    >>> m = as_market([[1.0, 2.0]], capacities=[1, 2])
    >>> m.shape, m.capacities.tolist()
    ((1, 2), [1, 2])
    """

    __slots__ = (
        "surplus", "allowed", "capacities", "customer_labels", "provider_labels",
        "customer_utils", "provider_utils",
    )

    def __init__(self, surplus: ArrayLike, allowed: ArrayLike | None = None, capacities: ArrayLike | None = None,
                 customer_labels: Sequence[Hashable] | None = None, provider_labels: Sequence[Hashable] | None = None,
                 customer_utils: ArrayLike | None = None, provider_utils: ArrayLike | None = None) -> None:
        # Public constructor: validate like as_market (solvers trust a Market's fields).
        w = check_array("surplus", surplus, ndim=2)
        m, n = w.shape
        if allowed is not None:
            try:
                a = np.asarray(allowed)
            except ValueError:  # ragged nested lists
                raise InputTypeError("allowed must be a rectangular boolean array, got ragged lists") from None
            if a.dtype != bool:
                raise InputTypeError(f"allowed must be a boolean array, got dtype {a.dtype}")
            if a.shape != w.shape:
                raise ValidationError(f"allowed must have the surplus's shape {w.shape}, got {a.shape}")
            allowed = None if a.all() else a
        caps = check_capacities(capacities, n)
        cl = check_labels("customer_labels", customer_labels, m)
        pl = check_labels("provider_labels", provider_labels, n)
        cu = pu = None
        if customer_utils is not None or provider_utils is not None:
            if customer_utils is None or provider_utils is None:
                raise ValidationError("give both customer_utils and provider_utils, or neither")
            cu = check_array("customer_utils", customer_utils, ndim=2)
            pu = check_array("provider_utils", provider_utils, ndim=2)
            for name, u in (("customer_utils", cu), ("provider_utils", pu)):
                if u.shape != w.shape:
                    raise ValidationError(f"{name} must have the surplus's shape {w.shape}, got {u.shape}")
            with np.errstate(over="ignore"):
                consistent = np.array_equal(cu + pu, w)
            if not consistent:
                raise ValidationError("surplus must equal customer_utils + provider_utils")
        _fill(self, w, allowed, caps, cl, pl, cu, pu)

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)``: customers by providers."""
        return self.surplus.shape

    def seat_provider(self) -> np.ndarray:
        """Provider index of every seat (``arange(n)`` without capacities)."""
        n = self.surplus.shape[1]
        if self.capacities is None:
            return np.arange(n)
        return np.repeat(np.arange(n), self.capacities)

    def seat_count(self) -> int:
        """Total number of seats: ``sum(capacities)``, or ``n`` with one seat each."""
        n = self.surplus.shape[1]
        return n if self.capacities is None else int(self.capacities.sum(dtype=np.float64))

    def check_work(self, arrays: int, what: str = "the seat market") -> None:
        """Refuse, before allocating, work on ``arrays`` float arrays of shape (customers, seats).

        Raises :class:`~sim.errors.ValidationError` naming ``capacities`` (or the
        surplus's shape without capacities) and the memory needed, when it
        exceeds :func:`markets.validation.current_memory_limit`.
        """
        m, n = self.surplus.shape
        seats = self.seat_count()
        # pair arrays, plus a few vectors per agent and seat (payoffs, indices, masks)
        n_bytes = 8 * int(arrays) * m * seats + 64 * (m + seats + n)
        if self.capacities is None:
            check_memory("surplus shape", (m, n), n_bytes, what=what)
        else:
            check_memory("capacities", self.capacities.tolist() if n <= 20 else f"{seats} seats", n_bytes,
                         what=f"{what} of the surplus ({m} customers x {seats} seats)")

    def __repr__(self) -> str:
        extra = "" if self.capacities is None else f", capacities={self.capacities.tolist()}"
        return f"Market(shape={self.shape}{extra})"


#: Every form a market can be given in (see the module docstring): an ``(m, n)`` surplus
#: array, a networkx bipartite graph or a :class:`Market`. A type alias for annotations.
MarketLike = ArrayLike | nx.Graph | sps.sparray | sps.spmatrix | Market | "SparseMarket"


def _fill(self, w, allowed, capacities, cl=None, pl=None, cu=None, pu=None, name="surplus"):
    """Set a Market's fields from checked parts; providers with no seat cannot match, like absent edges."""
    m, n = w.shape
    if capacities is not None and np.any(capacities == 0):
        closed = capacities == 0
        w = w.copy()
        w[:, closed] = 0.0
        allowed = np.ones(w.shape, dtype=bool) if allowed is None else allowed.copy()
        allowed[:, closed] = False
    seats = n if capacities is None else int(capacities.sum(dtype=np.float64))
    # Solvers and checkers add up to min(m, seats) matched surpluses and form p_i + q_j - w_ij
    # (three magnitudes) and Dijkstra distances on top (four): keep all of them finite.
    if w.size:
        check_headroom(name, max(float(w.max()), -float(w.min())), min(m, seats) + 3)
    self.surplus = w
    self.allowed = allowed
    self.capacities = capacities
    self.customer_labels = cl
    self.provider_labels = pl
    self.customer_utils = cu
    self.provider_utils = pu


def _finish(w, allowed, capacities, cl=None, pl=None, customer_utils=None, provider_utils=None, name="surplus"):
    """A Market from parts that as_market has checked (no second validation pass)."""
    self = object.__new__(Market)
    _fill(self, w, allowed, capacities, cl, pl, customer_utils, provider_utils, name)
    return self


def check_labels(name: str, labels: Sequence[Hashable] | None, size: int) -> tuple | None:
    """``None``, or a tuple of ``size`` agent names."""
    if labels is None:
        return None
    if isinstance(labels, (str, bytes)) or not hasattr(labels, "__len__"):
        raise InputTypeError(f"{name} must be a sequence of agent names, got {type(labels).__name__}")
    try:  # the length first: a huge or unsized object is refused without iterating over it
        count = len(labels)
    except TypeError:
        raise InputTypeError(f"{name} must be a sequence of agent names, got {type(labels).__name__}") from None
    if count != size:
        raise ValidationError(f"{name} must name {size} agents, got {count}")
    labels = tuple(labels)
    if len(labels) != size:  # a sequence whose iteration disagrees with its length
        raise ValidationError(f"{name} must name {size} agents, got {len(labels)}")
    return labels


#: Largest capacity accepted (exact in float64; far beyond what fits in memory as seats).
MAX_CAPACITY = 2**53


def check_capacities(capacities: ArrayLike | None, n: int, name: str = "capacities",
                     sized_by: str = "the surplus") -> NDArray[np.int64] | None:
    """Validate provider capacities: ``None`` (one seat each) or ``n`` whole numbers in ``0..2**53``.

    Returns ``None`` for unit capacities, else an int64 array.

    Examples
    --------
    >>> check_capacities([2, 0], 2).tolist()
    [2, 0]
    >>> check_capacities([1, -1], 2)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: capacities must be >= 0, got [1, -1]
    """
    if capacities is None:
        return None
    try:
        arr = np.asarray(capacities)
    except (ValueError, TypeError) as exc:  # ragged nested lists and the like
        raise InputTypeError(f"{name} must be an integer array, got {type(capacities).__name__}: {exc}") from None
    # ravel first: tolist() of an empty (10**9, 0) array builds 10**9 empty lists
    shown = arr.ravel()[:20].tolist() if arr.size <= 20 else f"{arr.ravel()[:20].tolist()}..."
    if arr.dtype == object and arr.ndim == 1 and all(isinstance(c, int) and not isinstance(c, bool)
                                                     for c in arr.tolist()):
        # Python integers beyond int64: report them as out of range, not as a wrong type
        arr = np.array([min(max(c, -1), 2 * MAX_CAPACITY) for c in arr.tolist()], dtype=np.float64)
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be an integer array, got dtype {arr.dtype}")
    if arr.shape != (n,):
        raise ValidationError(f"{name} must have shape ({n},) (one per provider of {sized_by}), got {arr.shape}")
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr))):
        raise ValidationError(f"{name} must be whole numbers, got {shown}")
    if arr.size and arr.min() < 0:
        raise ValidationError(f"{name} must be >= 0, got {shown}")
    if arr.size and arr.max() > MAX_CAPACITY:
        raise ValidationError(f"{name} must be <= 2**53, got {shown}")
    arr = arr.astype(np.int64)
    if arr.size and np.all(arr == 1):
        return None
    return arr


def as_market(surplus: MarketLike | None = None, *, customer_utils: ArrayLike | None = None,
              provider_utils: ArrayLike | None = None, capacities: ArrayLike | None = None,
              name: str = "surplus") -> Market:
    """Validate and normalise a market given in any accepted form.

    Parameters
    ----------
    surplus : array_like (m, n), scipy.sparse matrix, networkx.Graph or Market, optional
        The pair surplus (customers by providers), a sparse matrix or bipartite
        graph of the pairs that can match, or a market.
    customer_utils, provider_utils : array_like (m, n), optional
        Give both instead of ``surplus``; the surplus is their sum.
    capacities : array_like of int (n,), optional
        Seats per provider (default one each; for a graph, the providers'
        ``capacity`` node attribute).
    name : str
        Argument name used in error messages.

    Returns
    -------
    Market or SparseMarket
        A :class:`SparseMarket` for sparse and graph input.

    Raises
    ------
    ValidationError, InputTypeError
        Non-2-D, non-numeric or non-finite input, mismatched shapes, bad capacities.

    Examples
    --------
    >>> as_market(customer_utils=[[1.0, -1.0]], provider_utils=[[0.5, 2.0]]).surplus
    array([[1.5, 1. ]])
    >>> as_market([[1.0, float("nan")]])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: surplus must be finite, got ...nan... at index (0, 1)
    """
    if isinstance(surplus, Market):
        if customer_utils is not None or provider_utils is not None or capacities is not None:
            raise ValidationError("give either a Market or utilities/capacities, not both")
        return surplus
    cu = pu = None
    if customer_utils is not None or provider_utils is not None:
        if surplus is not None:
            raise ValidationError("give either surplus or (customer_utils, provider_utils), not both")
        if customer_utils is None or provider_utils is None:
            missing = "customer_utils" if customer_utils is None else "provider_utils"
            raise ValidationError(f"{missing} is missing: give both utility matrices")
        cu = check_array("customer_utils", customer_utils, ndim=2)
        pu = check_array("provider_utils", provider_utils, ndim=2)
        if cu.shape != pu.shape:
            raise ValidationError(
                f"customer_utils and provider_utils must have the same shape (customers x providers), "
                f"got {cu.shape} and {pu.shape}"
            )
        with np.errstate(over="ignore"):  # reported just below, with the argument names
            w = cu + pu
        if w.size and not np.all(np.isfinite(w)):
            raise ValidationError("customer_utils + provider_utils overflows to a non-finite surplus")
        return _finish(w, None, check_capacities(capacities, w.shape[1]), customer_utils=cu,
                       provider_utils=pu, name="customer_utils + provider_utils")
    if surplus is None:
        raise ValidationError(f"{name} is missing: give a surplus matrix, a graph, or both utility matrices")
    if isinstance(surplus, SparseMarket):
        if capacities is not None:
            return surplus.with_capacities(capacities)
        return surplus
    if hasattr(surplus, "nodes") and hasattr(surplus, "edges"):
        return _sparse_from_graph(surplus, name, capacities)
    if sps.issparse(surplus):
        return _sparse_from_scipy(surplus, name, capacities)
    with np.errstate(over="ignore", invalid="ignore"):  # a sum of huge entries overflows: then the slow path
        fast = (isinstance(surplus, np.ndarray) and surplus.dtype.char == "d" and surplus.ndim == 2
                and np.isfinite(surplus.sum()))
    if fast:
        w = surplus  # fast path: a finite float matrix needs no conversion (a NaN/inf makes the sum non-finite)
    else:
        w = check_array(name, surplus, ndim=2)
    return _finish(w, None, check_capacities(capacities, w.shape[1]), name=name)


class SparseMarket:
    """A market given by its edges, the pairs that can match (``O(E)`` memory).

    Parameters
    ----------
    surplus : scipy.sparse matrix or array, shape (m, n)
        Stored entries are the edges and their surplus (zero and negative
        entries included); absent pairs cannot match. Duplicates are refused.
    capacities : array_like of int (n,), optional
        Seats per provider (default one each); edges of a provider without a
        seat are dropped (it cannot match).
    customer_labels, provider_labels : sequence, optional
        Agent names (graph input), else ``None``.

    Attributes
    ----------
    surplus : scipy.sparse.csr_array
        Canonical CSR (sorted, no duplicates, explicit zeros kept), float64.

    Examples
    --------
    >>> import scipy.sparse as sps
    >>> m = SparseMarket(sps.coo_array(([2.0, -1.0], ([0, 1], [1, 0])), shape=(2, 3)))
    >>> m.shape, m.n_edges
    ((2, 3), 2)
    >>> as_market(sps.coo_array(([1.0, 2.0], ([0, 0], [1, 1])), shape=(1, 2)))
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: surplus stores pair (0, 1) twice: give one surplus per pair ...
    """

    __slots__ = ("surplus", "capacities", "customer_labels", "provider_labels", "_rows")

    def __init__(self, surplus: sps.sparray | sps.spmatrix, capacities: ArrayLike | None = None,
                 customer_labels: Sequence[Hashable] | None = None,
                 provider_labels: Sequence[Hashable] | None = None) -> None:
        if not sps.issparse(surplus):
            raise InputTypeError(f"surplus must be a scipy.sparse matrix, got {type(surplus).__name__}")
        built = _sparse_from_scipy(surplus, "surplus", capacities)
        m, n = built.shape
        _fill_sparse(self, built.surplus, built.capacities, check_labels("customer_labels", customer_labels, m),
                     check_labels("provider_labels", provider_labels, n))

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)``: customers by providers."""
        return self.surplus.shape

    @property
    def n_edges(self) -> int:
        """Number of edges (pairs that can match)."""
        return int(self.surplus.nnz)

    def edge_rows(self) -> NDArray[np.int64]:
        """Customer of every edge, in CSR order (cached)."""
        if self._rows is None:
            m = self.shape[0]
            self._rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(self.surplus.indptr))
        return self._rows

    def seat_count(self) -> int:
        """Total number of seats."""
        n = self.shape[1]
        return n if self.capacities is None else int(self.capacities.sum(dtype=np.float64))

    def check_work(self, per_edge: int, what: str = "the sparse solver") -> None:
        """Refuse, before allocating, work on ``per_edge`` 8-byte values per edge (plus per-agent vectors)."""
        m, n = self.shape
        check_memory("surplus edges", self.n_edges, 8 * int(per_edge) * self.n_edges + 128 * (m + n), what=what)

    def with_capacities(self, capacities: ArrayLike | None) -> SparseMarket:
        """The same edges with other capacities (validated)."""
        out = object.__new__(SparseMarket)
        _fill_sparse(out, self.surplus, check_capacities(capacities, self.shape[1]), self.customer_labels,
                     self.provider_labels)
        return out

    def to_dense(self) -> Market:
        """The equivalent dense :class:`Market` (absent pairs stored as 0 and masked); memory-checked."""
        m, n = self.shape
        check_memory("surplus shape", (m, n), 9 * m * n, what="a dense copy of the sparse market")
        w = np.zeros((m, n))
        allowed = np.zeros((m, n), dtype=bool)
        rows, cols = self.edge_rows(), self.surplus.indices
        w[rows, cols] = self.surplus.data
        allowed[rows, cols] = True
        return _finish(w, None if allowed.all() else allowed, self.capacities, self.customer_labels,
                       self.provider_labels)

    def __repr__(self) -> str:
        extra = "" if self.capacities is None else f", capacities={self.capacities.tolist()[:20]}"
        return f"SparseMarket(shape={self.shape}, edges={self.n_edges}{extra})"


def _fill_sparse(self, csr, capacities, cl, pl, name="surplus"):
    m, n = csr.shape
    if capacities is not None and np.any(capacities == 0) and csr.nnz:
        cols = csr.indices
        keep = capacities[cols] > 0
        if not keep.all():
            rows = np.repeat(np.arange(m, dtype=np.int64), np.diff(csr.indptr))[keep]
            indptr = np.zeros(m + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
            csr = sps.csr_array((csr.data[keep], cols[keep], indptr), shape=(m, n))
    seats = n if capacities is None else int(capacities.sum(dtype=np.float64))
    if csr.nnz:
        check_headroom(name, float(np.abs(csr.data).max()), min(m, seats) + 3)
    self.surplus = csr
    self.capacities = capacities
    self.customer_labels = cl
    self.provider_labels = pl
    self._rows = None


def _sparse_csr(rows, cols, data, shape, name):
    """Canonical CSR from edge triples: sorted by (row, col); a pair given twice is refused."""
    m, n = shape
    order = np.lexsort((cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    if len(rows) > 1:
        dup = (rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])
        if dup.any():
            k = int(np.argmax(dup))
            raise ValidationError(f"{name} stores pair ({int(rows[k])}, {int(cols[k])}) twice: give one surplus per "
                                  "pair (sum duplicates first, e.g. with .sum_duplicates(), if that is what you mean)")
    indptr = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
    # index dtype int64 so that large markets cannot overflow int32 offsets
    out = sps.csr_array((data, cols, indptr), shape=(m, n))
    out.indices = out.indices.astype(np.int64, copy=False)
    out.indptr = out.indptr.astype(np.int64, copy=False)
    return out


def _sparse_from_scipy(x, name, capacities):
    shape = x.shape
    if len(shape) != 2:
        raise ValidationError(f"{name} must be 2-dimensional, got a sparse array of shape {shape}")
    if x.dtype == object or x.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be a numeric sparse matrix, got dtype {x.dtype}")
    m, n = (int(s) for s in shape)
    caps = check_capacities(capacities, n)
    nnz = int(x.nnz)
    check_memory(f"{name} edges", nnz, 48 * nnz + 16 * (m + n), what="reading the sparse market")
    if x.format == "csr" and x.has_canonical_format:
        data = np.asarray(x.data, dtype=np.float64)
        if nnz and not np.isfinite(data).all():
            e = int(np.argmax(~np.isfinite(data)))
            i = int(np.searchsorted(x.indptr, e, side="right") - 1)
            raise ValidationError(f"{name} must be finite, got {float(data[e])!r} at index ({i}, {int(x.indices[e])})")
        csr = sps.csr_array((data, x.indices.astype(np.int64), x.indptr.astype(np.int64)), shape=(m, n))
    else:
        coo = x.tocoo()
        rows = np.asarray(coo.row if hasattr(coo, "row") else coo.coords[0], dtype=np.int64)
        cols = np.asarray(coo.col if hasattr(coo, "col") else coo.coords[1], dtype=np.int64)
        data = np.asarray(coo.data, dtype=np.float64)
        if nnz and not np.isfinite(data).all():
            e = int(np.argmax(~np.isfinite(data)))
            raise ValidationError(f"{name} must be finite, got {float(data[e])!r} at index "
                                  f"({int(rows[e])}, {int(cols[e])})")
        csr = _sparse_csr(rows, cols, data, (m, n), name)
    out = object.__new__(SparseMarket)
    _fill_sparse(out, csr, caps, None, None, name)
    return out


def _sparse_from_graph(graph, name, capacities):
    if graph.is_directed() or graph.is_multigraph():
        raise InputTypeError(f"{name} must be a simple undirected networkx Graph, got {type(graph).__name__}")
    side = dict(graph.nodes(data="bipartite"))
    bad = [v for v, s in side.items() if s not in (0, 1)]
    if bad:
        raise ValidationError(
            f"{name}: every node needs attribute bipartite=0 (customer) or 1 (provider); "
            f"node {bad[0]!r} has {side[bad[0]]!r}"
        )
    customers = [v for v, s in side.items() if s == 0]
    providers = [v for v, s in side.items() if s == 1]
    ci = {v: k for k, v in enumerate(customers)}
    pj = {v: k for k, v in enumerate(providers)}
    m, n = len(customers), len(providers)
    n_edges = graph.number_of_edges()
    check_memory(f"{name} edges", n_edges, 48 * n_edges + 16 * (m + n), what="reading the graph market")
    rows = np.empty(n_edges, dtype=np.int64)
    cols = np.empty(n_edges, dtype=np.int64)
    data = np.empty(n_edges)
    for k, (a, b, weight) in enumerate(graph.edges(data="weight")):
        if side[a] == side[b]:
            raise ValidationError(f"{name}: edge ({a!r}, {b!r}) joins two agents on the same side")
        if side[a] == 1:
            a, b = b, a
        if isinstance(weight, (bool, np.bool_)) or not isinstance(weight, numbers.Real):
            raise InputTypeError(f"{name}: edge ({a!r}, {b!r}) needs a real 'weight', got {weight!r}")
        if not np.isfinite(weight):
            raise ValidationError(f"{name}: edge ({a!r}, {b!r}) has non-finite weight {weight!r}")
        rows[k] = ci[a]
        cols[k] = pj[b]
        data[k] = float(weight)
    if capacities is None:
        capacities = [graph.nodes[v].get("capacity", 1) for v in providers]
    caps = check_capacities(capacities, n)
    csr = _sparse_csr(rows, cols, data, (m, n), name)
    out = object.__new__(SparseMarket)
    _fill_sparse(out, csr, caps, tuple(customers), tuple(providers), f"{name} (edge weights)")
    return out
