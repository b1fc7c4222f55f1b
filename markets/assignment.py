r"""The fast solver: a maximum-weight matching together with core payoffs.

For a surplus matrix :math:`w` (customers x providers) the primal-dual pair is

.. math::

    (P)\ \max \sum_{ij} Z_{ij} w_{ij}\ \text{s.t. row and column sums} \le 1,\ Z \ge 0
    \qquad
    (D)\ \min \sum_a p_a\ \text{s.t. } p_i + p_j \ge w_{ij},\ p \ge 0 .

Pairs with :math:`w_{ij} \le 0` are never worth forming, so we solve the
assignment problem on :math:`W^+ = \max(w, 0)` and drop matched pairs whose
surplus is not positive. Two backends return the matching *and* an optimal
dual, i.e. stable (core) payoffs:

``"lapjv"``
    Jonker-Volgenant shortest augmenting paths (the ``lapjv`` package, run in
    double precision) on the square matrix :math:`-W^+` padded with zero rows or
    columns. It returns potentials :math:`u, v` with
    :math:`c_{ij} - u_i - v_j \ge 0`, tight on the assignment. With
    :math:`P = -u, Q = -v`, :math:`P_i + Q_j \ge W^+_{ij} \ge 0` for *every*
    pair, so :math:`\min P + \min Q \ge 0` and shifting
    :math:`P \leftarrow P - \min P,\ Q \leftarrow Q + \min P` keeps the objective
    and makes both non-negative. A padding row or column is matched at surplus
    0, so complementary slackness puts both ends at 0: the real agents' payoffs
    are an optimal dual of the unpadded problem.

``"scipy"`` (pure numpy/scipy fallback)
    ``scipy.optimize.linear_sum_assignment`` for the matching :math:`\sigma`,
    then the dual by shortest paths. Fixing the matching, the core is the set of
    provider payoffs :math:`q` satisfying the difference constraints
    :math:`q_{\sigma(i)} - q_j \le W_{i\sigma(i)} - W_{ij}`,
    :math:`0 \le q_{\sigma(i)} \le W_{i\sigma(i)}`, :math:`q_j = 0` for
    unassigned :math:`j` (:math:`p_i = W_{i\sigma(i)} - q_{\sigma(i)}`). Its
    pointwise largest solution, the provider-optimal core point, is the vector of
    shortest-path distances from a source with :math:`q = 0` edges; it is the
    fixed point of :math:`p_i = \max(0, \max_{j \ne \sigma(i)} W_{ij} - q_j)`,
    :math:`q_{\sigma(i)} = W_{i\sigma(i)} - p_i`, reached by Bellman-Ford from
    :math:`q_{\sigma(i)} = W_{i\sigma(i)}`. Because the matching is optimal
    there is no negative cycle, so at most :math:`n + 1` rounds are needed; each
    round only rescans the columns whose price fell in the previous one.

Both backends work on :math:`W^+` scaled by an exact power of two into
:math:`[0, 1)`, so huge and tiny magnitudes behave like unit ones.

The lean entry point :func:`solve_assignment` skips input validation: it is
meant for hot loops (a bandit solving a 20 x 20 market every round) that have
validated their matrix once. The public, validating API is
:func:`markets.stable_outcome`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from sim.errors import CertificateError, InputTypeError, ValidationError

from .validation import check_memory, check_option

try:  # compiled Jonker-Volgenant; optional, the scipy path is the fallback
    from lapjv import lapjv as _lapjv
except ImportError:  # pragma: no cover - exercised by forcing backend="scipy"
    _lapjv = None

__all__ = ["solve_assignment", "available_backends", "check_backend", "DEFAULT_BACKEND"]

#: Backend used when none is named: ``"lapjv"`` if the package is importable.
DEFAULT_BACKEND = "lapjv" if _lapjv is not None else "scipy"

_EMPTY_I = np.zeros(0, dtype=np.int64)
# Bellman-Ford threshold on the rescaled surplus in [0, 1): a few units of rounding
_BF_TOL = 8 * np.finfo(float).eps


def available_backends() -> tuple[str, ...]:
    """Backends usable in this environment, fastest first.

    Examples
    --------
    >>> "scipy" in available_backends()
    True
    """
    return ("lapjv", "scipy") if _lapjv is not None else ("scipy",)


def check_backend(name: str, backend: str | None) -> str:
    """Return ``backend`` (``None`` -> :data:`DEFAULT_BACKEND`) if it names an available backend.

    Examples
    --------
    >>> check_backend("backend", "gurobi")
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: backend must be one of [...], got 'gurobi'
    """
    if backend is None:
        return DEFAULT_BACKEND
    if isinstance(backend, str) and backend == "lapjv" and _lapjv is None:
        raise ValidationError(f"{name} 'lapjv' needs the lapjv package, which is not installed")
    return check_option(name, backend, available_backends())


def _lapjv_duals(w, scale):
    """Assignment and (P, Q) >= 0 of scale * W+ (m x n), via lapjv on the padded square."""
    m, n = w.shape
    big = max(m, n)
    # cost = -scale * W+, built in one buffer (the hot path at n = 2000: few passes, one allocation)
    if m == n:
        cost = np.multiply(w, -scale)
    else:
        cost = np.zeros((big, big))
        np.multiply(w, -scale, out=cost[:m, :n])
    np.minimum(cost, 0.0, out=cost)
    x, _, (_, u, v) = _lapjv(cost, force_doubles=True)
    shift = u.max()  # P = -u, so min P = -max u
    p = shift - u
    q = -v - shift
    np.maximum(p, 0.0, out=p)
    np.maximum(q, 0.0, out=q)
    cols = x[:m].astype(np.int64)
    if m > n:
        rows = np.flatnonzero(cols < n)
        cols = cols[rows]
    else:
        rows = np.arange(m)
    return rows, cols, p[:m], q[:n]


def _scipy_duals(w, scale):
    """Assignment by scipy, then the provider-optimal duals of scale * W+ by Bellman-Ford."""
    m, n = w.shape
    wp = np.maximum(w, 0.0)
    wp *= scale
    rows, cols = linear_sum_assignment(wp, maximize=True)
    k = len(rows)
    wm = wp[rows, cols]
    q = np.zeros(n)
    q[cols] = wm
    pr = np.zeros(k)
    wr = wp[rows]  # a copy: the own column is masked so rounding cannot re-trigger it
    wr[np.arange(k), cols] = -np.inf
    frontier = None
    for _ in range(n + 2):
        if frontier is None:
            cand = (wr - q).max(axis=1)
        else:
            cand = (wr[:, frontier] - q[frontier]).max(axis=1)
        # an improvement below rounding level is not one: scipy's matching may be "optimal"
        # only up to absorbed rounding (0.5 + 1e-227 == 0.5), and chasing that gain cycles
        better = cand > pr + _BF_TOL
        if not better.any():
            break
        pr[better] = cand[better]
        frontier = cols[better]
        q[frontier] = wm[better] - pr[better]
    else:
        raise CertificateError("scipy assignment is not optimal: dual recovery found a negative cycle")
    p = np.zeros(m)
    p[rows] = pr
    return rows.astype(np.int64), cols.astype(np.int64), p, np.maximum(q, 0.0)


def _describe(x):
    if isinstance(x, np.ndarray):
        return f"an array of dtype {x.dtype} and shape {x.shape}"
    return type(x).__name__


def solve_assignment(
    w: NDArray[np.float64], backend: str | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Maximum-weight matching of ``w`` and stable payoffs, with minimal input checks.

    Parameters
    ----------
    w : ndarray of float64, shape (m, n)
        Finite pair surplus (customers x providers). Nothing is converted (a
        list or an integer array is refused) and only type and finiteness are
        checked, in two reductions: use it in hot loops on an array you
        validated once, e.g. the ``surplus`` of :func:`markets.as_market`.
    backend : {"lapjv", "scipy"}, optional
        Defaults to :data:`DEFAULT_BACKEND`. ``"lapjv"`` is used only for
        near-square matrices (padding a thin one to a square would waste time);
        thin ones go to scipy.

    Returns
    -------
    rows, cols : ndarray of int64, shape (k,)
        The matched pairs with positive surplus, sorted by row.
    p : ndarray, shape (m,)
        Customer payoffs (core point: non-negative, :math:`p_i + q_j \\ge w_{ij}`).
    q : ndarray, shape (n,)
        Provider payoffs; on matched pairs ``p[rows] + q[cols] == w[rows, cols]``
        and unmatched agents get exactly 0.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols, p, q = solve_assignment(np.array([[3.0, 1.0], [2.0, -1.0]]))
    >>> rows.tolist(), cols.tolist(), float(p.sum() + q.sum())
    ([0, 1], [1, 0], 3.0)
    """
    # Checks that cost no conversion and two reductions (NaN and inf propagate through max/min).
    if not (isinstance(w, np.ndarray) and w.dtype == np.float64 and w.ndim == 2):
        raise InputTypeError(f"w must be a 2-D float64 numpy array (solve_assignment converts nothing; "
                             f"markets.stable_outcome takes any market), got {_describe(w)}")
    backend = check_backend("backend", backend)
    m, n = w.shape
    # the solvers' copies of w and a few vectors per agent (w itself may be (10**9, 0): free, but not its duals)
    check_memory("w shape", (m, n), 8 * (5 * m * n + 8 * (m + n)), what="the assignment solve")
    if m == 0 or n == 0:
        return _EMPTY_I, _EMPTY_I, np.zeros(m), np.zeros(n)
    top = w.max()
    if not (np.isfinite(top) and np.isfinite(w.min())):
        raise ValidationError("w must be finite, got an array holding NaN or inf")
    if not top > 0:
        return _EMPTY_I, _EMPTY_I, np.zeros(m), np.zeros(n)
    # Exact power-of-two rescale into [0, 1): no overflow in the solvers' sentinels,
    # no loss for tiny surpluses.
    e = int(np.frexp(top)[1])
    ws = w
    if -e > 1000:  # 2**-e is no double (subnormal surpluses): scale the copy instead, exactly
        ws, scale = np.ldexp(w, -e), 1.0
    else:
        scale = float(np.ldexp(1.0, -e))
    if backend == "lapjv" and max(m, n) <= 2 * min(m, n):
        rows, cols, p, q = _lapjv_duals(ws, scale)
    else:
        rows, cols, p, q = _scipy_duals(ws, scale)
    p = np.ldexp(p, e, out=p)
    q = np.ldexp(q, e, out=q)
    wm = w[rows, cols]
    keep = wm > 0
    if not keep.all():
        # zero-surplus pairs are better left single; CS already puts both ends at 0
        p[rows[~keep]] = 0.0
        q[cols[~keep]] = 0.0
        rows, cols, wm = rows[keep], cols[keep], wm[keep]
    # Make complementary slackness exact: single agents get exactly 0 (their duals are
    # 0 up to rounding), and each matched surplus is split along q.
    single = np.ones(m, dtype=bool)
    single[rows] = False
    p[single] = 0.0
    free = np.ones(n, dtype=bool)
    free[cols] = False
    q[free] = 0.0
    qc = np.minimum(q[cols], wm)
    q[cols] = qc
    p[rows] = wm - qc
    return rows, cols, p, q
