r"""Compiled kernels for a chosen point of the core: customer-optimal, provider-optimal, their midpoint.

The stable step (:func:`markets.kernels.stable_step`) returns an optimal
matching and whichever optimal dual its solver ends at: some core point,
neither extreme in general. Fixing the matching :math:`\mu`, the core is a
lattice (see :mod:`markets.core`): the set of provider payoffs :math:`q` with

* :math:`q_{\mu(i)} - q_j \le w_{i\mu(i)} - w_{ij}` for matched :math:`i`
  (no blocking pair, with :math:`p_i = w_{i\mu(i)} - q_{\mu(i)}`),
* :math:`q_{\mu(i)} \le w_{i\mu(i)}` (:math:`p_i \ge 0`),
* :math:`q_j \ge \max(0, \max_{i\ \mathrm{single}} w_{ij})`,
* :math:`q_j = 0` for unmatched :math:`j`.

These are difference constraints, so the pointwise smallest :math:`q` (the
customer-optimal core point) is a shortest-path computation: from a core point
:math:`(p^*, q^*)` as a potential the reduced edge weights are the slacks
:math:`p^*_i + q^*_j - w_{ij} \ge 0` (:func:`slacks`), and one dense
Dijkstra (:math:`O(n^2)`) gives how far each :math:`q_j` can drop
(:func:`largest_drops`; the same computation as
:func:`markets.extremes.lower_other_side`, compiled). The provider-optimal
point is the mirror: the same search on the transposed slacks, roles swapped.
:func:`move_to` computes only the sides the requested point needs, sharing the
matching's bookkeeping between them. The core is convex, so the midpoint of the
two extremes is a core point too, the one splitting every agent's range of core
payoffs in half.

The search's result is the greatest fixed point of the shortest-path equations
(in floating point, rounding being monotone), so the payoffs do not depend on
the order in which the search settles agents.

:func:`core_step` is the stable step followed by the move to the requested
point: :data:`SOLVER` (the solver's own dual, unchanged), :data:`CUSTOMER`,
:data:`PROVIDER` or :data:`MIDPOINT`. Inputs are not validated (as in
:mod:`markets.kernels`).

Examples
--------
>>> import numpy as np
>>> w = np.array([[2.0, 1.0], [1.0, 2.0]])
>>> for point in (CUSTOMER, PROVIDER, MIDPOINT):
...     rows, cols, p, q = core_step(w, point)
...     print(p.tolist(), q.tolist())
[2.0, 2.0] [0.0, 0.0]
[0.0, 0.0] [2.0, 2.0]
[1.0, 1.0] [1.0, 1.0]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from . import kernels
from .jit import jit
from .kernels import WarmStart, stable_step, stable_step_warm

__all__ = ["CUSTOMER", "MIDPOINT", "POINTS", "PROVIDER", "SOLVER", "core_step", "core_step_warm", "customer_optimal",
           "largest_drops", "move_to", "slacks"]

#: Core points :func:`core_step` can return.
SOLVER, CUSTOMER, PROVIDER, MIDPOINT = 0, 1, 2, 3
#: Their names (the learners' ``point`` option), in code order.
POINTS = ("solver", "customer", "provider", "midpoint")


@jit
def slacks(w: NDArray[np.float64], p: NDArray[np.float64], q: NDArray[np.float64], transposed: bool,
           out: NDArray[np.float64]) -> NDArray[np.float64]:
    r"""Slacks :math:`s_{ij} = \max(p_i + q_j - w_{ij}, 0)` of a core point into ``out`` (``s.T`` if ``transposed``).

    ``out`` is a C-contiguous float64 array of at least ``m * n`` entries; the
    result is its first ``m * n`` entries, shape ``(m, n)`` (``(n, m)`` if
    ``transposed``).

    Examples
    --------
    >>> import numpy as np
    >>> slacks(np.array([[2.0, 1.0]]), np.array([1.5]), np.array([0.5, 0.0]), False, np.empty(2)).tolist()
    [[0.0, 0.5]]
    """
    m, n = w.shape
    s = out[:m * n].reshape((n, m) if transposed else (m, n))
    for i in range(m):
        pi = p[i]
        for j in range(n):
            x = max(pi + q[j] - w[i, j], 0.0)
            if transposed:
                s[j, i] = x
            else:
                s[i, j] = x
    return s


@jit
def largest_drops(s: NDArray[np.float64], owner: NDArray[np.int64], mate: NDArray[np.int64],
                  d: NDArray[np.float64], pen: NDArray[np.float64]) -> None:
    r"""How far each payoff on one side may drop: shortest paths on slacks ``s``, in place in ``d``.

    Parameters
    ----------
    s : ndarray of float64, shape (k, n)
        Slacks (:func:`slacks`): rows are the other side's agents, columns
        this side's.
    owner : ndarray of int64, shape (n,)
        The row matched to each column (-1: single).
    mate : ndarray of int64, shape (k,)
        The column matched to each row (-1: single).
    d : ndarray of float64, shape (n,)
        On entry this side's payoffs (no payoff drops below 0); on exit the
        largest drops: :math:`d_b = \min(q_b, \min_{i\ \mathrm{single}} s_{ib},
        \min_j s_{\mathrm{owner}(j) b} + d_j)`.
    pen : ndarray of float64, shape (n,)
        Scratch.

    Notes
    -----
    Dense Dijkstra: columns are settled in nondecreasing ``d``, and a settled
    column ``j`` relaxes every column through its owner's slacks. Relaxing
    settled columns too changes nothing (:math:`s + d_j \ge d_j \ge d_b` in
    floating point, rounding being monotone), so each pass relaxes and finds
    the next column at once, skipping settled ones by a penalty
    (``pen``: 0, or infinity once settled). Once no unsettled column has an
    owner, nothing can drop further. The result is the greatest fixed point
    of the equations above below the entry values, so it does not depend on
    how ties are broken.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([1.0, 2.0])
    >>> largest_drops(np.array([[0.0, 0.5]]), np.array([0, -1]), np.array([0]), d, np.empty(2))
    >>> d.tolist()
    [1.0, 1.5]
    """
    k, n = s.shape
    for i in range(k):
        if mate[i] < 0:  # not below what a single agent of the other side would offer
            for b in range(n):
                x = s[i, b]
                if x < d[b]:
                    d[b] = x
    relaxing = 0  # unsettled columns with an owner
    for b in range(n):
        pen[b] = 0.0
        if owner[b] >= 0:
            relaxing += 1
    j = -1
    best = np.inf
    for b in range(n):
        if d[b] < best:
            best = d[b]
            j = b
    while relaxing > 0 and j >= 0:
        dj = d[j]
        pen[j] = np.inf
        i = owner[j]
        best = np.inf
        nxt = -1
        if i >= 0:  # q_j down by dj raises p_i by dj: i's other partners may drop by their slack more
            relaxing -= 1
            for b in range(n):
                x = s[i, b] + dj
                v = d[b]
                if x < v:
                    v = x
                    d[b] = x
                v += pen[b]
                if v < best:
                    best = v
                    nxt = b
        else:
            for b in range(n):
                v = d[b] + pen[b]
                if v < best:
                    best = v
                    nxt = b
        j = nxt


@jit
def customer_optimal(w: NDArray[np.float64], rows: NDArray[np.int64], cols: NDArray[np.int64],
                     p: NDArray[np.float64],
                     q: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""The customer-optimal core point, from any core point ``(p, q)`` of the matching ``rows, cols``.

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Surplus.
    rows, cols : ndarray of int64
        An optimal matching (positive-surplus pairs).
    p, q : ndarray of float64, shapes (m,) and (n,)
        A core point for it.

    Returns
    -------
    p_opt, q_min : ndarray of float64
        Customers' largest and providers' smallest core payoffs (as
        ``move_to(w, rows, cols, p, q, CUSTOMER)``).

    Examples
    --------
    >>> import numpy as np
    >>> customer_optimal(np.array([[2.0]]), np.array([0]), np.array([0]), np.array([0.5]), np.array([1.5]))
    (array([2.]), array([0.]))
    """
    return move_to(w, rows, cols, p, q, CUSTOMER)


@jit
def move_to(w: NDArray[np.float64], rows: NDArray[np.int64], cols: NDArray[np.int64], p: NDArray[np.float64],
            q: NDArray[np.float64], point: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Move the core point ``(p, q)`` of the matching ``rows, cols`` to ``point`` (one of :data:`POINTS`' codes).

    One slack matrix per side needed (the provider side reads it transposed,
    so both searches run along rows); :data:`SOLVER` returns ``p, q``
    themselves.

    Examples
    --------
    >>> import numpy as np
    >>> ix = np.array([0])
    >>> move_to(np.array([[2.0]]), ix, ix, np.array([0.5]), np.array([1.5]), PROVIDER)
    (array([0.]), array([2.]))
    """
    if point == SOLVER:
        return p, q
    m, n = w.shape
    # scratch: slacks (one side at a time), then per side its drops, its extreme payoffs and the search's penalty
    work = np.empty(m * n + 3 * (m + n))
    s_buf = work[:m * n]
    d = work[m * n:m * n + n]
    q_cust = work[m * n + n:m * n + 2 * n]
    e = work[m * n + 2 * n:m * n + 2 * n + m]
    p_prov = work[m * n + 2 * n + m:m * n + 2 * n + 2 * m]
    pen = work[m * n + 2 * n + 2 * m:]
    mates = np.full(m + n, -1, np.int64)
    owner = mates[:n]     # the customer matched to each provider
    partner = mates[n:]   # the provider matched to each customer
    for a in range(rows.size):
        owner[cols[a]] = rows[a]
        partner[rows[a]] = cols[a]
    if point != PROVIDER:  # customer-optimal: providers' payoffs down as far as the core allows
        d[:] = q
        largest_drops(slacks(w, p, q, False, s_buf), owner, partner, d, pen)
        for j in range(n):
            q_cust[j] = q[j] - min(d[j], q[j])
        if point == CUSTOMER:
            p_cust = p.copy()
            for a in range(rows.size):
                p_cust[rows[a]] = w[rows[a], cols[a]] - q_cust[cols[a]]
            return p_cust, q_cust.copy()
    e[:] = p  # provider-optimal: the mirror, customers' payoffs down
    largest_drops(slacks(w, p, q, True, s_buf), partner, owner, e, pen)
    for i in range(m):
        p_prov[i] = p[i] - min(e[i], p[i])
    q_prov = q.copy()
    for a in range(rows.size):
        q_prov[cols[a]] = w[rows[a], cols[a]] - p_prov[rows[a]]
    if point == PROVIDER:
        return p_prov.copy(), q_prov
    for j in range(n):
        q_prov[j] = 0.5 * (q_cust[j] + q_prov[j])  # now the midpoint
    p_mid = np.zeros(m)
    for a in range(rows.size):  # exact complementary slackness on the pairs, as at the extremes
        p_mid[rows[a]] = w[rows[a], cols[a]] - q_prov[cols[a]]
    return p_mid, q_prov


@jit(depends=(kernels,))
def core_step(w: NDArray[np.float64], point: int) -> tuple[NDArray[np.int64], NDArray[np.int64],
                                                            NDArray[np.float64], NDArray[np.float64]]:
    r""":func:`markets.kernels.stable_step` with its payoffs moved to the core point ``point``.

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Finite surplus of moderate magnitude.
    point : int
        :data:`SOLVER`, :data:`CUSTOMER`, :data:`PROVIDER` or :data:`MIDPOINT`.

    Returns
    -------
    rows, cols, p, q
        As :func:`markets.kernels.stable_step` (the same matching).

    Examples
    --------
    >>> import numpy as np
    >>> core_step(np.array([[1.0]]), CUSTOMER)[2:]
    (array([1.]), array([0.]))
    """
    rows, cols, p, q = stable_step(w)
    if point == SOLVER:
        return rows, cols, p, q
    p2, q2 = move_to(w, rows, cols, p, q, point)
    return rows, cols, p2, q2


@jit(depends=(kernels,))
def core_step_warm(w: NDArray[np.float64], point: int,
                   warm: WarmStart) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64],
                                             NDArray[np.float64]]:
    r""":func:`core_step` with the solve warm-started (:func:`markets.kernels.stable_step_warm`, ``warm`` updated).

    The customer- and provider-optimal points and their midpoint depend only on
    ``w`` and the matching, so they are the cold start's wherever the optimal
    matching is unique; :data:`SOLVER` returns the warm solve's own dual.

    Examples
    --------
    >>> import numpy as np
    >>> from markets.kernels import warm_start
    >>> ws = warm_start(1, 1)
    >>> core_step_warm(np.array([[1.0]]), MIDPOINT, ws)[2:]
    (array([0.5]), array([0.5]))
    """
    rows, cols, p, q = stable_step_warm(w, warm)
    if point == SOLVER:
        return rows, cols, p, q
    p2, q2 = move_to(w, rows, cols, p, q, point)
    return rows, cols, p2, q2
