r"""Compiled kernels for hot loops: assignment with duals, the stable step, Subset Instability.

These are the mathematics of :mod:`markets.assignment` and
:mod:`markets.instability` compiled with numba and stripped of input
validation, for loops that solve a small market every round (a bandit learner
on a 20 x 20 market solves two assignment problems per round). Callers pass
C-contiguous float64 arrays with finite, moderate entries (say
:math:`|w| < 10^6`; the validating API rescales, these kernels do not).

:func:`lap_square`
    Shortest augmenting paths (Crouse, 2016, the algorithm behind
    ``scipy.optimize.linear_sum_assignment``, started from Jonker and
    Volgenant's column reduction) on a
    square cost matrix, returning the assignment and dual potentials
    :math:`u, v` with :math:`c_{ij} - u_i - v_j \ge 0`, tight on the assignment.
:func:`stable_step`
    A maximum-weight matching of :math:`W^+ = \max(w, 0)` with core payoffs,
    obtained from the potentials exactly as :func:`markets.solve_assignment`
    does (see :mod:`markets.assignment`): :math:`P = \max u - u`,
    :math:`Q = -v - \max u`, clipped at 0, then complementary slackness made
    exact.
:func:`instability_value`
    The one-solve reduction of :func:`markets.subset_instability`:
    :math:`I = \sum_a \max(0, -p_a) + \max_X \sum_{(i,j) \in X} r^+_{ij}` with
    :math:`r_{ij} = w_{ij} - p'_i - p'_j` (:math:`p' = \max(p, 0)`). The
    residual is usually sparse, so the assignment is solved only on the rows
    and columns carrying a positive residual.
:func:`outcome_metrics`
    Instability, welfare and each side's payoff sum of an outcome given by its
    pairs, true utilities and transfers.
:func:`max_weight`
    The value :math:`\max_X W^+(X)` of a maximum-weight matching (the
    welfare benchmark of a round), summed over rows in order.
:func:`submatrix`
    ``w[np.ix_(rows, cols)]`` as a C-contiguous copy.

Each kernel runs the same floating-point operations in the same order
wherever it is called, so a loop calling them one round at a time from Python
and a loop compiled around them produce bit-identical trajectories. The first
call of each kernel compiles it (a few seconds, then cached on disk: see
:mod:`markets.jit`).

Examples
--------
>>> import numpy as np
>>> rows, cols, p, q = stable_step(np.array([[3.0, 1.0], [2.5, -1.0]]))
>>> rows.tolist(), cols.tolist(), float(p.sum() + q.sum())
([0, 1], [1, 0], 3.5)
>>> w = np.array([[4.0, 1.0], [2.0, 1.0]])
>>> instability_value(w, np.array([1.0, 2.0]), np.array([0.0, 0.0]), 0.0)  # pairs (0,1), (1,0)
3.0
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .jit import jit

__all__ = ["instability_value", "lap_square", "max_weight", "outcome_metrics", "stable_step", "submatrix"]


@jit
def lap_square(cost: NDArray[np.float64]) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Minimum-cost perfect assignment of a square matrix, with dual potentials.

    Parameters
    ----------
    cost : ndarray of float64, shape (k, k)
        Finite costs.

    Returns
    -------
    col4row : ndarray of int64, shape (k,)
        Column assigned to each row.
    u, v : ndarray of float64, shape (k,)
        Potentials: ``cost[i, j] - u[i] - v[j] >= 0`` (up to rounding),
        with equality on the assignment.

    Examples
    --------
    >>> import numpy as np
    >>> x, u, v = lap_square(np.array([[4.0, 1.0], [2.0, 0.0]]))
    >>> x.tolist(), float(u.sum() + v.sum())
    ([1, 0], 3.0)
    """
    n = cost.shape[0]
    u = np.zeros(n)
    v = np.zeros(n)
    spc = np.empty(n)
    path = np.full(n, -1, np.int64)
    col4row = np.full(n, -1, np.int64)
    row4col = np.full(n, -1, np.int64)
    in_rows = np.zeros(n, np.bool_)
    in_cols = np.zeros(n, np.bool_)
    remaining = np.empty(n, np.int64)
    # column reduction (Jonker-Volgenant's start): v_j = min_i c_ij, and each column's
    # cheapest row takes it if that row is still free; assigned edges are then tight
    for j in range(n):
        best = 0
        low = cost[0, j]
        for i in range(1, n):
            if cost[i, j] < low:
                low = cost[i, j]
                best = i
        v[j] = low
        if col4row[best] == -1:
            col4row[best] = j
            row4col[j] = best
    for cur in range(n):
        if col4row[cur] != -1:
            continue
        # Dijkstra-like search for the shortest augmenting path from row `cur`
        min_val = 0.0
        num_rem = n
        for it in range(n):
            remaining[it] = n - 1 - it
            spc[it] = np.inf
            in_rows[it] = False
            in_cols[it] = False
        sink = -1
        i = cur
        while sink == -1:
            index = 0
            lowest = np.inf
            in_rows[i] = True
            ui = u[i]
            for it in range(num_rem):
                j = remaining[it]
                r = min_val + cost[i, j] - ui - v[j]
                if r < spc[j]:
                    path[j] = i
                    spc[j] = r
                s = spc[j]
                # ties go to a free column: it ends the search at once
                if s < lowest or (s == lowest and row4col[j] == -1):
                    lowest = s
                    index = it
            min_val = lowest
            j = remaining[index]
            if row4col[j] == -1:
                sink = j
            else:
                i = row4col[j]
            in_cols[j] = True
            num_rem -= 1
            remaining[index] = remaining[num_rem]
        u[cur] += min_val
        for i in range(n):
            if in_rows[i] and i != cur:
                u[i] += min_val - spc[col4row[i]]
        for j in range(n):
            if in_cols[j]:
                v[j] -= min_val - spc[j]
        j = sink
        while True:
            i = path[j]
            row4col[j] = i
            nxt = col4row[i]
            col4row[i] = j
            j = nxt
            if i == cur:
                break
    return col4row, u, v


@jit
def stable_step(
    w: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    r"""Maximum-weight matching of ``w`` with core payoffs (no validation, no rescaling).

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Finite surplus of moderate magnitude.

    Returns
    -------
    rows, cols : ndarray of int64
        Matched pairs with positive surplus, sorted by row.
    p, q : ndarray of float64, shapes (m,) and (n,)
        Core payoffs: :math:`p, q \ge 0`, :math:`p_i + q_j \ge w_{ij}` up to
        rounding, exactly :math:`w_{ij}` on matched pairs, exactly 0 for
        single agents.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols, p, q = stable_step(np.array([[1.0], [3.0]]))
    >>> rows.tolist(), cols.tolist(), float(p[0]), float(p[1] + q[0])   # customer 0 single; the pair splits 3
    ([1], [0], 0.0, 3.0)
    """
    m, n = w.shape
    k = max(m, n)
    p = np.zeros(m)
    q = np.zeros(n)
    if m == 0 or n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), p, q
    cost = np.zeros((k, k))  # -W+, padded with zero rows or columns (dummy partners)
    for i in range(m):
        for j in range(n):
            x = w[i, j]
            if x > 0:
                cost[i, j] = -x
    col4row, u, v = lap_square(cost)
    shift = u.max()  # P = -u + shift >= 0 (see markets.assignment)
    for i in range(m):
        x = shift - u[i]
        p[i] = x if x > 0 else 0.0
    for j in range(n):
        x = -v[j] - shift
        q[j] = x if x > 0 else 0.0
    rows = np.empty(min(m, n), np.int64)
    cols = np.empty(min(m, n), np.int64)
    matched_col = np.zeros(n, np.bool_)
    cnt = 0
    for i in range(m):
        j = col4row[i]
        if j < n and w[i, j] > 0:
            rows[cnt] = i
            cols[cnt] = j
            matched_col[j] = True
            cnt += 1
        else:
            p[i] = 0.0  # single (or matched at no surplus): complementary slackness says 0
    for j in range(n):
        if not matched_col[j]:
            q[j] = 0.0
    for a in range(cnt):
        i = rows[a]
        j = cols[a]
        wm = w[i, j]
        qc = min(wm, q[j])
        q[j] = qc
        p[i] = wm - qc
    return rows[:cnt], cols[:cnt], p, q


@jit
def _subsidise(x: NDArray[np.float64], atol: float, out: NDArray[np.float64]) -> float:
    """Copy ``x`` into ``out`` with payoffs below ``-atol`` raised to 0; return the total raise."""
    value = 0.0
    for i in range(x.size):
        y = x[i]
        if y < -atol:
            value -= y
            y = 0.0
        out[i] = y
    return value


@jit
def instability_value(w: NDArray[np.float64], p: NDArray[np.float64], q: NDArray[np.float64], atol: float) -> float:
    r"""Subset Instability of payoffs ``(p, q)`` in the market ``w`` (no validation).

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        True pair surplus.
    p, q : ndarray of float64, shapes (m,) and (n,)
        The outcome's net payoffs (feasible: :math:`p_i + q_j = w_{ij}` on its
        pairs, 0 for single agents).
    atol : float
        Violations up to ``atol`` are not counted (as in
        :func:`markets.subset_instability`, which uses ``tol * max|w|``).

    Returns
    -------
    float
        The least total subsidy that makes the outcome stable.

    Examples
    --------
    >>> import numpy as np
    >>> instability_value(np.array([[1.0]]), np.array([-0.5]), np.array([0.0]), 0.0)
    1.5
    """
    m, n = w.shape
    pc = np.empty(m)
    qc = np.empty(n)
    value = _subsidise(p, atol, pc) + _subsidise(q, atol, qc)
    row_pos = np.zeros(m, np.bool_)
    col_pos = np.zeros(n, np.bool_)
    top = 0.0
    for i in range(m):
        for j in range(n):
            r = w[i, j] - pc[i] - qc[j]
            if r > atol:
                row_pos[i] = True
                col_pos[j] = True
                top = max(top, r)
    ri = np.flatnonzero(row_pos)
    ci = np.flatnonzero(col_pos)
    a, b = ri.size, ci.size
    if a == 0:
        return value
    if a == 1 or b == 1:
        return value + top  # a star: the single best blocking pair is the whole subsidy
    k = max(a, b)
    cost = np.zeros((k, k))
    for s in range(a):
        i = ri[s]
        for t in range(b):
            j = ci[t]
            r = w[i, j] - pc[i] - qc[j]
            if r > atol:
                cost[s, t] = -r
    col4row, _, _ = lap_square(cost)
    total = 0.0
    for s in range(a):
        t = col4row[s]
        if t < b:
            total -= cost[s, t]
    return value + total


@jit
def outcome_metrics(w: NDArray[np.float64], true_c: NDArray[np.float64], true_p: NDArray[np.float64],
                    rows: NDArray[np.int64], cols: NDArray[np.int64], transfers: NDArray[np.float64],
                    atol: float) -> tuple[float, float, float, float]:
    r"""Instability, welfare and payoff sums of an outcome on the true utilities.

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        True surplus of the present agents.
    true_c, true_p : ndarray of float64, shape (k,)
        True utilities :math:`u_i(j)`, :math:`u_j(i)` on the matched pairs.
    rows, cols : ndarray of int64, shape (k,)
        The matched pairs (positions in ``w``).
    transfers : ndarray of float64, shape (k,)
        Payment from customer to provider on each pair.
    atol : float
        Tolerance passed to :func:`instability_value`.

    Returns
    -------
    instability, welfare, customer_payoff_sum, provider_payoff_sum : float

    Examples
    --------
    >>> import numpy as np
    >>> w = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> ix = np.array([0, 1])
    >>> outcome_metrics(w, np.array([0.5, 0.5]), np.array([0.5, 0.5]), ix, ix, np.zeros(2), 0.0)
    (0.0, 2.0, 1.0, 1.0)
    """
    m, n = w.shape
    p = np.zeros(m)
    q = np.zeros(n)
    welfare_c = 0.0
    welfare_p = 0.0
    pay_c = 0.0
    pay_p = 0.0
    for a in range(rows.size):
        x = true_c[a] - transfers[a]
        y = true_p[a] + transfers[a]
        p[rows[a]] = x
        q[cols[a]] = y
        welfare_c += true_c[a]
        welfare_p += true_p[a]
        pay_c += x
        pay_p += y
    return instability_value(w, p, q, atol), welfare_c + welfare_p, pay_c, pay_p


@jit
def max_weight(w: NDArray[np.float64]) -> float:
    r"""Value of a maximum-weight matching of :math:`W^+ = \max(w, 0)` (0 for an empty market).

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Finite surplus.

    Returns
    -------
    float
        :math:`\sum_{(i, j) \in X} w^+_{ij}` for an optimal :math:`X`, summed
        over the rows in increasing order.

    Examples
    --------
    >>> import numpy as np
    >>> max_weight(np.array([[3.0, 1.0], [2.5, -1.0]]))
    3.5
    >>> max_weight(np.zeros((0, 3)))
    0.0
    """
    m, n = w.shape
    if m == 0 or n == 0:
        return 0.0
    k = max(m, n)
    cost = np.zeros((k, k))
    for i in range(m):
        for j in range(n):
            x = w[i, j]
            if x > 0:
                cost[i, j] = -x
    col4row, _, _ = lap_square(cost)
    total = 0.0
    for i in range(m):
        j = col4row[i]
        if j < n and w[i, j] > 0:
            total += w[i, j]
    return total


@jit
def submatrix(w: NDArray[np.float64], rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """``w[np.ix_(rows, cols)]`` as a new C-contiguous array.

    Examples
    --------
    >>> import numpy as np
    >>> submatrix(np.arange(6.0).reshape(2, 3), np.array([1]), np.array([0, 2])).tolist()
    [[3.0, 5.0]]
    """
    out = np.empty((rows.size, cols.size))
    for a in range(rows.size):
        i = rows[a]
        for b in range(cols.size):
            out[a, b] = w[i, cols[b]]
    return out
