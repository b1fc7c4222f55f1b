r"""The fast solver: a maximum-weight matching together with core payoffs.

For a surplus matrix :math:`w` (customers x providers) the primal-dual pair is

.. math::

    (P)\ \max \sum_{ij} Z_{ij} w_{ij}\ \text{s.t. row and column sums} \le 1,\ Z \ge 0
    \qquad
    (D)\ \min \sum_a p_a\ \text{s.t. } p_i + p_j \ge w_{ij},\ p \ge 0 .

Pairs with :math:`w_{ij} \le 0` are never worth forming, so we solve the
assignment problem on :math:`W^+ = \max(w, 0)` and drop matched pairs whose
surplus is not positive. Three backends return the matching *and* an optimal
dual, i.e. stable (core) payoffs:

``"sap"`` (compiled, :func:`markets.kernels.dense_outcome`)
    Shortest augmenting paths on :math:`-W^+`, read in place: no cost matrix,
    no padding. The smaller side is the rows (a transposed copy when
    :math:`m > n`). A square matrix starts from Jonker-Volgenant column
    reduction and its potentials are shifted as for lapjv below; a rectangular
    one starts from a row reduction, which leaves every free column at
    potential 0, so :math:`P = -u, Q = -v` are non-negative and complementary
    slackness holds without a shift. Generic in the value type: an int64
    surplus is solved in int64 arithmetic, so its payoffs are exact integers.

``"lapjv"``
    Jonker-Volgenant shortest augmenting paths (the ``lapjv`` package, run in
    double precision) on the square matrix :math:`-W^+` (square markets only:
    a rectangular one would have to be padded to a square, measured 13 x
    slower than ``"sap"`` at 1000 x 2000, so it goes to ``"sap"``). It returns
    potentials :math:`u, v` with
    :math:`c_{ij} - u_i - v_j \ge 0`, tight on the assignment. With
    :math:`P = -u, Q = -v`, :math:`P_i + Q_j \ge W^+_{ij} \ge 0` for *every*
    pair, so :math:`\min P + \min Q \ge 0` and shifting
    :math:`P \leftarrow P - \min P,\ Q \leftarrow Q + \min P` keeps the objective
    and makes both non-negative.

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

**Which backend** (``"auto"``, the default; :func:`choose_backend`). Measured
on 2 cores under load from other work (medians of interleaved runs; the solve
alone unless said): uniform 2000 x 2000, ``"sap"`` 0.19 s, lapjv 0.22 s, scipy's
``linear_sum_assignment`` (LSA) 0.30 s; integers 1..100 at 2000 x 2000, ``"sap"``
(int64) 0.025 s, lapjv 0.033 s, LSA 0.066 s; uniform 1000 x 2000, ``"sap"``
0.015 s against LSA 0.024 s (lapjv on the padded square 0.78 s); 2000 x 1000
(transposed copy included) 0.021 s against LSA 0.059 s; 20 x 20, one compiled
call. Certified (``stable_outcome`` with its certificate, bench/markets.py):
0.97, 0.66, 0.64 and 0.74 x the best peer on those four shapes. On squares
of 200 to 800 lapjv was sometimes faster (up to 1.5 x, within the noise of the
loaded machine), and routing there costs the dual shift and a cost copy that
made ``backend="lapjv"`` no faster than ``"sap"`` overall, so the rule is
``"sap"`` on every shape and for both value types; an integer surplus whose
sums could leave the int64 range (:math:`\max |w| \cdot (4 \min(m, n) + 16)
\ge 2^{62}`) is solved in float64 instead (``"sap"`` still), and the other
backends always convert integers to float64. Jonker and Volgenant's
augmenting row reduction was tried on top of ``"sap"`` and measured slower at
2000 x 2000 (floats and integers), so it is not used.

Float surpluses are :math:`W^+` scaled by an exact power of two into
:math:`[0, 1)`, so huge and tiny magnitudes behave like unit ones.

The lean entry point :func:`solve_assignment` skips input validation: it is
meant for hot loops (a bandit solving a 20 x 20 market every round) that have
validated their matrix once. The public, validating API is
:func:`markets.stable_outcome`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from sim.errors import CertificateError, InputTypeError, ValidationError

from .kernels import dense_outcome
from .validation import check_memory, check_option

try:  # compiled Jonker-Volgenant; optional
    from lapjv import lapjv as _lapjv
except ImportError:  # pragma: no cover - exercised by forcing backend="scipy"
    _lapjv = None

__all__ = ["solve_assignment", "solve_dense", "available_backends", "check_backend", "choose_backend", "integer_exact",
           "DEFAULT_BACKEND", "INT_LIMIT"]

#: Backend used when none is named: chosen per call by :func:`choose_backend`.
DEFAULT_BACKEND = "auto"

#: Integer surpluses are solved in int64 when :math:`\max |w| \cdot (4 \min(m, n) + 16)` stays below this.
INT_LIMIT = 2**62

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
    return ("sap", "lapjv", "scipy") if _lapjv is not None else ("sap", "scipy")


def integer_exact(w: np.ndarray, magnitude: int | float | None = None) -> bool:
    """Whether ``w`` is an integer array small enough for the exact int64 solve.

    Examples
    --------
    >>> import numpy as np
    >>> integer_exact(np.array([[1, 2]])), integer_exact(np.array([[1.0]])), integer_exact(np.array([[2**60]]))
    (True, False, False)
    """
    if w.dtype.kind not in "iu":
        return False
    if magnitude is None:
        magnitude = max(int(w.max()), -int(w.min())) if w.size else 0
    return int(magnitude) * (4 * min(w.shape) + 16) < INT_LIMIT


def choose_backend(m: int, n: int, integer: bool = False) -> str:
    """The backend ``"auto"`` picks for an ``m x n`` market (see the module docstring for the measurements).

    Parameters
    ----------
    m, n : int
        Customers and providers.
    integer : bool
        Whether the surplus is an int64 array within :data:`INT_LIMIT` (solved exactly).

    Examples
    --------
    >>> choose_backend(2000, 2000), choose_backend(1000, 2000), choose_backend(20, 20, integer=True)
    ('sap', 'sap', 'sap')
    """
    return "sap"


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
    return check_option(name, backend, available_backends() + ("auto",))


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


def _sap(w, scale, e):
    """The compiled solve of ``w`` (float64 scaled by ``scale`` = 2**-e, or int64 with scale 1)."""
    m, n = w.shape
    a = w if m <= n else np.ascontiguousarray(w.T)
    if w.dtype.kind in "iu":
        return dense_outcome(w, a, m > n, 1, 1, INT_LIMIT)
    if scale == 0.0:  # 2**-e is no double (subnormal surpluses): scale a copy, exactly
        a = np.ldexp(a, -e)
        scale = 1.0
    return dense_outcome(w, a, m > n, scale, float(np.ldexp(1.0, e)), np.inf, True)


def solve_dense(w: NDArray, top: float | int) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray, NDArray]:
    """The ``"sap"`` solve of a checked surplus, without any check (the validating API's hot path).

    ``w`` must be a finite 2-D float64 array, or an int64 array for which
    :func:`integer_exact` holds, with ``top = w.max() > 0``. Returns what
    :func:`solve_assignment` returns.

    Examples
    --------
    >>> import numpy as np
    >>> [x.tolist() for x in solve_dense(np.array([[2.0, 1.0]]), 2.0)]
    [[0], [0], [2.0], [0.0, 0.0]]
    """
    if w.dtype.kind in "iu":
        return _sap(w, 1, 0)
    e = math.frexp(top)[1]
    return _sap(w, 0.0 if -e > 1000 else math.ldexp(1.0, -e), e)


def solve_assignment(
    w: NDArray[np.float64] | NDArray[np.int64], backend: str | None = None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Maximum-weight matching of ``w`` and stable payoffs, with minimal input checks.

    Parameters
    ----------
    w : ndarray of float64 (or int64), shape (m, n)
        Finite pair surplus (customers x providers). Nothing is converted (a
        list or a float32 array is refused) and only type and finiteness are
        checked, in two reductions: use it in hot loops on an array you
        validated once, e.g. the ``surplus`` of :func:`markets.as_market`. An
        int64 array within :data:`INT_LIMIT` is solved exactly by ``"sap"``
        and its payoffs are int64.
    backend : {"auto", "sap", "lapjv", "scipy"}, optional
        Defaults to ``"auto"`` (:func:`choose_backend`). ``"lapjv"`` is used
        only for square matrices (padding would waste time); rectangular ones
        go to ``"sap"``.

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
    >>> rows, cols, p, q = solve_assignment(np.array([[3.0, 1.0], [2.5, -1.0]]))
    >>> rows.tolist(), cols.tolist(), float(p.sum() + q.sum())
    ([0, 1], [1, 0], 3.5)
    >>> rows, cols, p, q = solve_assignment(np.array([[3, 1], [4, -1]]))   # int64: exact integer payoffs
    >>> rows.tolist(), cols.tolist(), p.dtype, int(p.sum() + q.sum())
    ([0, 1], [1, 0], dtype('int64'), 5)
    """
    # Checks that cost no conversion and two reductions (NaN and inf propagate through max/min).
    if not (isinstance(w, np.ndarray) and w.dtype.char in "dlq" and w.ndim == 2):
        raise InputTypeError(f"w must be a 2-D float64 numpy array, or int64 (solve_assignment converts nothing; "
                             f"markets.stable_outcome takes any market), got {_describe(w)}")
    backend = check_backend("backend", backend)
    m, n = w.shape
    # the solvers' copies of w and a few vectors per agent (w itself may be (10**9, 0): free, but not its duals)
    check_memory("w shape", (m, n), 8 * (5 * m * n + 8 * (m + n)), what="the assignment solve")
    if m == 0 or n == 0:
        return _EMPTY_I, _EMPTY_I, np.zeros(m, w.dtype), np.zeros(n, w.dtype)
    top = w.max()
    if w.dtype.kind in "iu":
        if not (backend in ("auto", "sap") and integer_exact(w, max(int(top), -int(w.min())))):
            return solve_assignment(w.astype(np.float64), "sap" if backend == "auto" else backend)
        if not top > 0:
            return _EMPTY_I, _EMPTY_I, np.zeros(m, w.dtype), np.zeros(n, w.dtype)
        return _sap(w, 1, 0)
    if not (np.isfinite(top) and np.isfinite(w.min())):
        raise ValidationError("w must be finite, got an array holding NaN or inf")
    if not top > 0:
        return _EMPTY_I, _EMPTY_I, np.zeros(m), np.zeros(n)
    # Exact power-of-two rescale into [0, 1): no overflow in the solvers' sentinels,
    # no loss for tiny surpluses.
    e = int(np.frexp(top)[1])
    if backend == "auto":
        backend = choose_backend(m, n)
    if backend == "sap" or (backend == "lapjv" and m != n):
        return _sap(w, 0.0 if -e > 1000 else float(np.ldexp(1.0, -e)), e)
    ws = w
    if -e > 1000:  # 2**-e is no double (subnormal surpluses): scale the copy instead, exactly
        ws, scale = np.ldexp(w, -e), 1.0
    else:
        scale = float(np.ldexp(1.0, -e))
    if backend == "lapjv":
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
