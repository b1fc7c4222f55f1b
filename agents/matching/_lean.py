r"""Per-round kernels of the learning loop: a stable outcome and the Subset Instability value.

Thin wrappers over the compiled :mod:`markets.kernels` (the markets package's
mathematics without input validation, for loops that solve a small market
every round). They only make the arrays C-contiguous float64, so every caller
runs one compiled specialization of each kernel and the same arithmetic: the
round-by-round loop and the compiled MatchUCB loop of :mod:`._fused` stay
bit-identical.

The tests check both against the validating markets functions and the
independent certificate checker.
"""

from __future__ import annotations

import numpy as np

from markets import kernels

__all__ = ["instability_value", "outcome_metrics", "stable_step"]


def _f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def stable_step(w):
    """Maximum-weight matching of ``w`` with core payoffs (no validation).

    Parameters
    ----------
    w : array_like of float, shape (m, n)
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
    >>> rows, cols, p, q = stable_step(np.array([[3.0, 1.0], [2.5, -1.0]]))
    >>> rows.tolist(), cols.tolist(), float(p.sum() + q.sum())
    ([0, 1], [1, 0], 3.5)
    """
    return kernels.stable_step(_f64(w))


def instability_value(w, p, q, atol=0.0):
    """Subset Instability of payoffs ``(p, q)`` in the market ``w`` (no validation).

    Parameters
    ----------
    w : array_like, shape (m, n)
        True pair surplus.
    p, q : array_like, shape (m,) and (n,)
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
    return float(kernels.instability_value(_f64(w), _f64(p), _f64(q), float(atol)))


def outcome_metrics(w, true_c, true_p, rows, cols, transfers, atol=0.0):
    """Instability, welfare and each side's payoff sum of an outcome (see :func:`markets.kernels.outcome_metrics`).

    Examples
    --------
    >>> import numpy as np
    >>> ix = np.array([0, 1])
    >>> outcome_metrics(np.eye(2), [0.5, 0.5], [0.5, 0.5], ix, ix, [0.25, 0.0])
    (0.0, 2.0, 0.75, 1.25)
    """
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    cols = np.ascontiguousarray(cols, dtype=np.int64)
    return kernels.outcome_metrics(_f64(w), _f64(true_c), _f64(true_p), rows, cols, _f64(transfers),
                                   float(atol))
