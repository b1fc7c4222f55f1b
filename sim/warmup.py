"""Warm-up truncation for steady-state output: the MSER-5 rule.

A simulation started empty (an idle queue) spends its first observations in
a transient that biases a steady-state mean. MSER-5 (White, 1997; White,
Cobb and Spratt, 2000) groups the output into batch means of 5 observations
:math:`Y_1, \\dots, Y_m` and drops the first :math:`d^*` batches, where

.. math::

    d^* = \\arg\\min_{0 \\le d \\le m/2} \\frac{1}{(m - d)^2} \\sum_{i=d+1}^{m} (Y_i - \\bar Y_{m,d})^2,

the truncation that minimises the squared standard error of the remaining
mean (a bias-variance trade-off: dropping more removes bias but leaves fewer
observations). The search stops at half the series: a minimum at the end of
that range means the run is too short to have reached steady state, which
:class:`Truncation` reports as ``reliable=False``.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> y = np.r_[np.full(100, 5.0), np.zeros(900)] + rng.normal(0, 0.1, 1000)
>>> cut = mser(y)
>>> cut.index, cut.reliable
(100, True)
>>> float(np.round(y[cut.index:].mean(), 2))
0.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .errors import InputTypeError, ValidationError
from .validate import check_int

__all__ = ["Truncation", "mser", "truncate"]


@dataclass(frozen=True)
class Truncation:
    """Where a warm-up ends.

    Attributes
    ----------
    index : int
        Observations to drop: the steady-state sample is ``series[index:]``.
    rule : str
        ``"mser-5"`` (or ``"mser-b"`` for another batch size) or ``"fraction"``.
    reliable : bool
        False if MSER's minimum sits at the end of its search range (the run
        is likely too short to reach steady state) or the series is too short
        to batch.
    """

    index: int
    rule: str
    reliable: bool


def _series(series: ArrayLike, name: str) -> np.ndarray:
    try:
        y = np.asarray(series, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be numbers, got {type(series).__name__}") from None
    if y.ndim != 1:
        raise ValidationError(f"{name} must be one-dimensional, got shape {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValidationError(f"{name} must be finite, got {y[~np.isfinite(y)][0]!r}")
    return y


def mser(series: ArrayLike, *, batch: int = 5) -> Truncation:
    """The MSER truncation point of ``series`` with batches of ``batch`` observations (MSER-5 by default).

    Parameters
    ----------
    series : array_like of float, shape (n,)
        Output in simulation order (e.g. each customer's response time).
    batch : int
        Observations per batch mean (>= 1); 5 is the published rule.

    Returns
    -------
    Truncation
        ``index`` is a multiple of ``batch``. A series of fewer than two
        batches is not truncated (``reliable=False``).

    Examples
    --------
    >>> mser([3.0, 1.0, 1.0, 1.0], batch=1)
    Truncation(index=1, rule='mser-1', reliable=True)
    """
    y = _series(series, "series")
    batch = check_int("batch", batch, low=1)
    rule = f"mser-{batch}"
    m = y.size // batch
    if m < 2:
        return Truncation(0, rule, False)
    # batch means of the first m * batch observations (a partial last batch is left out, as published)
    means = y[: m * batch].reshape(m, batch).mean(axis=1)
    # MSER(d) for every d at once, from suffix sums of Y and Y^2 (centred first, for accuracy)
    centred = means - means.mean()
    tail_sum = np.cumsum(centred[::-1])[::-1]
    tail_sq = np.cumsum((centred ** 2)[::-1])[::-1]
    count = np.arange(m, 0, -1, dtype=float)
    stat = (tail_sq - tail_sum ** 2 / count) / count ** 2
    last = m // 2
    d = int(np.argmin(stat[: last + 1]))
    return Truncation(d * batch, rule, reliable=d < last)


def truncate(series: ArrayLike, warmup: str | float = "mser-5") -> tuple[np.ndarray, Truncation]:
    """The steady-state part of ``series`` and where it starts.

    Parameters
    ----------
    series : array_like of float
        Output in simulation order.
    warmup : "mser-5" or float
        ``"mser-5"``: :func:`mser`; a number in [0, 1): drop that fraction of
        the observations (the fixed rule).

    Examples
    --------
    >>> kept, cut = truncate([9.0, 1.0, 1.0, 1.0], 0.25)
    >>> kept.tolist(), cut.rule
    ([1.0, 1.0, 1.0], 'fraction')
    """
    y = _series(series, "series")
    if isinstance(warmup, str):
        if warmup != "mser-5":
            raise ValidationError(f"warmup must be 'mser-5' or a fraction in [0, 1), got {warmup!r}")
        cut = mser(y)
    else:
        if isinstance(warmup, bool) or not isinstance(warmup, (int, float, np.integer, np.floating)):
            raise InputTypeError(f"warmup must be 'mser-5' or a fraction in [0, 1), got {warmup!r}")
        if not 0.0 <= float(warmup) < 1.0:
            raise ValidationError(f"warmup must be 'mser-5' or a fraction in [0, 1), got {warmup!r}")
        cut = Truncation(int(float(warmup) * y.size), "fraction", True)
    return y[cut.index:], cut
