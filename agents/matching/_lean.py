r"""Lean per-round kernels: a stable outcome and the Subset Instability value.

Both are the markets package's mathematics stripped of input validation and of
everything a bandit loop does not need, because they run once per round:

* :func:`stable_step` is :func:`markets.solve_assignment` (maximum-weight
  matching of :math:`W^+` plus core payoffs made exactly complementary-slack)
  calling the compiled Jonker-Volgenant solver directly on square matrices whose
  entries are moderate (learners' index surpluses lie in :math:`[-2, 2]`), so
  the power-of-two rescaling is unnecessary. Other shapes go to
  :func:`markets.solve_assignment`.
* :func:`instability_value` is the one-solve reduction of
  :func:`markets.subset_instability` (see :mod:`markets.instability`):
  :math:`I = \sum_a \max(0, -p_a) + \max_X \sum_{(i,j) \in X} r^+_{ij}` with
  :math:`r_{ij} = w_{ij} - p'_i - p'_j`, returning the value only. The residual
  is usually sparse, so the assignment is solved on the rows and columns that
  carry a positive residual (and skipped when those already form a matching).

The tests check both against the validating markets functions and the
independent certificate checker.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from markets import solve_assignment

try:  # the same optional compiled solver the markets package uses
    from lapjv import lapjv as _lapjv
except ImportError:  # pragma: no cover - the markets fallback is used then
    _lapjv = None

__all__ = ["stable_step", "instability_value"]

_EMPTY = np.zeros(0, dtype=np.int64)


def stable_step(w):
    """Maximum-weight matching of ``w`` with core payoffs (no validation).

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Finite surplus with moderate magnitudes (say ``|w| < 1e6``).

    Returns
    -------
    rows, cols : ndarray of int64
        Matched pairs with positive surplus, sorted by row.
    p, q : ndarray
        Core payoffs: :math:`p \\ge 0`, :math:`q \\ge 0`,
        :math:`p_i + q_j \\ge w_{ij}` up to rounding, equality on matched pairs,
        0 for unmatched agents.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols, p, q = stable_step(np.array([[3.0, 1.0], [2.0, -1.0]]))
    >>> rows.tolist(), cols.tolist(), float(p.sum() + q.sum())
    ([0, 1], [1, 0], 3.0)
    """
    m, n = w.shape
    if _lapjv is None or m != n or m < 2:
        return solve_assignment(w)
    wp = np.maximum(w, 0.0)
    np.negative(wp, out=wp)
    x, _, (_, u, v) = _lapjv(wp, force_doubles=True)
    # lapjv potentials: -w+_ij - u_i - v_j >= 0, tight on the assignment, so
    # (P, Q) = (-u, -v) is dual feasible; shift it to be non-negative (see markets.assignment).
    shift = u.max()
    p = np.subtract(shift, u, out=u)
    q = np.subtract(-shift, v, out=v)
    np.maximum(p, 0.0, out=p)
    np.maximum(q, 0.0, out=q)
    rows = _arange(m)
    cols = x.astype(np.int64)
    wm = w[rows, cols]
    if wm.min() <= 0:
        # non-positive pairs are better left single; complementary slackness puts both ends at 0
        keep = wm > 0
        p[rows[~keep]] = 0.0
        q[cols[~keep]] = 0.0
        rows, cols, wm = rows[keep], cols[keep], wm[keep]
        if rows.size == 0:
            return _EMPTY, _EMPTY, p, q
    qc = np.minimum(q[cols], wm)
    q[cols] = qc
    p[rows] = wm - qc
    return rows, cols, p, q


_ARANGES = {}


def _arange(m):
    """``arange(m)``, cached (a fresh copy is cheap, but not free in a hot loop)."""
    a = _ARANGES.get(m)
    if a is None:
        a = _ARANGES[m] = np.arange(m, dtype=np.int64)
        a.setflags(write=False)
    return a


def instability_value(w, p, q, atol=0.0):
    """Subset Instability of payoffs ``(p, q)`` in the market ``w`` (no validation).

    Parameters
    ----------
    w : ndarray, shape (m, n)
        True pair surplus.
    p, q : ndarray, shape (m,) and (n,)
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
    >>> w = np.array([[4.0, 1.0], [2.0, 1.0]])
    >>> instability_value(w, np.array([1.0, 2.0]), np.array([0.0, 0.0]))  # pairs (0,1), (1,0)
    3.0
    """
    neg_p = p < -atol
    neg_q = q < -atol
    value = 0.0
    if neg_p.any():
        value -= p[neg_p].sum()
        p = np.where(neg_p, 0.0, p)
    if neg_q.any():
        value -= q[neg_q].sum()
        q = np.where(neg_q, 0.0, q)
    r = w - p[:, None]
    r -= q
    pos = r > atol
    rp = pos.any(axis=1)
    ri = np.flatnonzero(rp)
    if len(ri) == 0:
        return float(value)
    cp = pos.any(axis=0)
    ci = np.flatnonzero(cp)
    if len(ri) == 1 or len(ci) == 1:
        return float(value + r[pos].max())
    np.multiply(r, pos, out=r)  # residuals within tolerance do not block
    sub = r[ri][:, ci]
    a, b = linear_sum_assignment(sub, maximize=True)
    return float(value + sub[a, b].sum())
