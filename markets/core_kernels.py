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
:math:`p^*_i + q^*_j - w_{ij} \ge 0`, and one dense Dijkstra
(:math:`O(n^2)`) gives how far each :math:`q_j` can drop
(:func:`customer_optimal`; the same computation as
:func:`markets.extremes.lower_other_side`, compiled). The provider-optimal
point is the mirror (the transposed market, roles swapped). The core is convex,
so the midpoint of the two extremes is a core point too, the one splitting
every agent's range of core payoffs in half.

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
from .kernels import stable_step

__all__ = ["CUSTOMER", "MIDPOINT", "POINTS", "PROVIDER", "SOLVER", "core_step", "customer_optimal", "move_to"]

#: Core points :func:`core_step` can return.
SOLVER, CUSTOMER, PROVIDER, MIDPOINT = 0, 1, 2, 3
#: Their names (the learners' ``point`` option), in code order.
POINTS = ("solver", "customer", "provider", "midpoint")


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
        Customers' largest and providers' smallest core payoffs. Called with
        ``w.T`` (C-contiguous), ``cols, rows, q, p``, it returns the
        provider-optimal point with the roles swapped.

    Examples
    --------
    >>> import numpy as np
    >>> customer_optimal(np.array([[2.0]]), np.array([0]), np.array([0]), np.array([0.5]), np.array([1.5]))
    (array([2.]), array([0.]))
    """
    m, n = w.shape
    p_opt = p.copy()
    q_min = q.copy()
    if n == 0:
        return p_opt, q_min
    single = np.ones(m, np.bool_)
    for a in range(rows.size):
        single[rows[a]] = False
    d = q.copy()  # how far each q_j may drop: at most to 0 ...
    for i in range(m):
        if single[i]:  # ... and not below what a single customer would offer
            for j in range(n):
                s = max(p[i] + q[j] - w[i, j], 0.0)
                if s < d[j]:
                    d[j] = s
    owner = np.full(n, -1, np.int64)
    for a in range(rows.size):
        owner[cols[a]] = rows[a]
    work = d.copy()
    active = np.ones(n, np.bool_)
    for _ in range(n):
        j = np.argmin(work)
        dj = work[j]
        if dj == np.inf:
            break
        d[j] = dj
        active[j] = False
        work[j] = np.inf
        i = owner[j]
        if i >= 0:  # q_j down by dj raises p_i by dj: i's other partners may drop by their slack more
            for b in range(n):
                if active[b]:
                    s = max(p[i] + q[b] - w[i, b], 0.0) + dj
                    if s < work[b]:
                        work[b] = s
    for j in range(n):
        q_min[j] = q[j] - min(d[j], q[j])
    for a in range(rows.size):
        p_opt[rows[a]] = w[rows[a], cols[a]] - q_min[cols[a]]
    return p_opt, q_min


@jit
def move_to(w: NDArray[np.float64], rows: NDArray[np.int64], cols: NDArray[np.int64], p: NDArray[np.float64],
            q: NDArray[np.float64], point: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Move the core point ``(p, q)`` of the matching ``rows, cols`` to ``point`` (one of :data:`POINTS`' codes).

    Examples
    --------
    >>> import numpy as np
    >>> ix = np.array([0])
    >>> move_to(np.array([[2.0]]), ix, ix, np.array([0.5]), np.array([1.5]), PROVIDER)
    (array([0.]), array([2.]))
    """
    if point == SOLVER:
        return p, q
    if point == CUSTOMER:
        return customer_optimal(w, rows, cols, p, q)
    q_prov, p_prov = customer_optimal(np.ascontiguousarray(w.T), cols, rows, q, p)
    if point == PROVIDER:
        return p_prov, q_prov
    p_cust, q_cust = customer_optimal(w, rows, cols, p, q)
    q_mid = 0.5 * (q_cust + q_prov)
    p_mid = np.zeros(p.size)
    for a in range(rows.size):  # exact complementary slackness on the pairs, as at the extremes
        p_mid[rows[a]] = w[rows[a], cols[a]] - q_mid[cols[a]]
    return p_mid, q_mid


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
    p2, q2 = move_to(w, rows, cols, p, q, point)
    return rows, cols, p2, q2
