r"""Per-round kernels of the learning loop: a stable outcome and the Subset Instability value.

Thin wrappers over the compiled :mod:`markets.kernels` (the markets package's
mathematics without input validation, for loops that solve a small market
every round). They only make the arrays C-contiguous float64, so every caller
runs one compiled specialization of each kernel and the same arithmetic: the
round-by-round loop and the compiled loop of :mod:`agents.matching.compiled`
stay bit-identical.

The tests check both against the validating markets functions and the
independent certificate checker.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from markets import kernels

__all__ = ["instability_value", "outcome_metrics", "stable_step"]


def _f64(a):
    return np.ascontiguousarray(a, dtype=np.float64)


def stable_step(w: ArrayLike) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`markets.kernels.stable_step` on ``w`` as C-contiguous float64.

    Examples
    --------
    >>> import numpy as np
    >>> rows, cols, p, q = stable_step([[3.0, 1.0], [2.5, -1.0]])
    >>> rows.tolist(), cols.tolist(), float(p.sum() + q.sum())
    ([0, 1], [1, 0], 3.5)
    """
    return kernels.stable_step(_f64(w))


def instability_value(w: ArrayLike, p: ArrayLike, q: ArrayLike, atol: float = 0.0) -> float:
    """:func:`markets.kernels.instability_value` (as a Python float; ``atol`` defaults to 0).

    Examples
    --------
    >>> instability_value([[4.0, 1.0], [2.0, 1.0]], [1.0, 2.0], [0.0, 0.0])  # pairs (0,1), (1,0)
    3.0
    """
    return float(kernels.instability_value(_f64(w), _f64(p), _f64(q), float(atol)))


def outcome_metrics(w: ArrayLike, true_c: ArrayLike, true_p: ArrayLike, rows: ArrayLike, cols: ArrayLike,
                    transfers: ArrayLike, atol: float = 0.0) -> tuple[float, float, float, float]:
    """:func:`markets.kernels.outcome_metrics` (``atol`` defaults to 0).

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
