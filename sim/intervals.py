"""Confidence intervals that stay inside what a quantity can be.

A share cannot leave [0, 1], a waiting time cannot be negative, a competitive
ratio cannot drop below 1; a Student-t interval on a handful of replications
ignores all three. Every metric of a scenario declares its :class:`Support`,
and :func:`interval` picks an interval whose ends lie inside it and around the
estimate (the sample mean):

========================  ===============================  ==========================================
support                   data                             method
========================  ===============================  ==========================================
unbounded                 any                              ``"t"``: Student-t
bounded on one side only  any                              ``"log-t"``: t on the log scale of
(non-negative, ratio>=1)                                   ``mean - lower`` (or ``upper - mean``)
bounded on both sides     only the two bounds (0/1 data)   ``"wilson"``: Wilson score interval
bounded on both sides     anything else                    ``"bca"``: BCa bootstrap, seeded
fewer than 3 values       any                              ``"range"``: min to max, no confidence
                                                           level (figures draw the points, no band)
========================  ===============================  ==========================================

The log-t interval is ``lower + m * exp(+-t * s / (m * sqrt(n)))`` for the
shifted mean ``m`` and standard deviation ``s``: the t interval of ``log m``
by the delta method, mapped back, so it is positive and contains the estimate.
The bootstrap draws from a fixed seed (``rng=0`` unless given), so the same
data give the same interval.

Examples
--------
>>> from sim.intervals import interval
>>> iv = interval([0.2, 0.9, 0.95, 1.0], "share")
>>> iv.method, 0.0 <= iv.lo <= iv.mean <= iv.hi <= 1.0
('bca', True)
>>> interval([1, 0, 1, 1, 1], "share").method
'wilson'
>>> iv = interval([0.01, 0.02, 3.0], "nonnegative")
>>> iv.method, iv.lo > 0
('log-t', True)
>>> interval([1.5, 2.5], "ratio")           # two replications: their range, no level
Interval(mean=2.0, lo=1.5, hi=2.5, n=2, level=nan, method='range')
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special, stats

from .errors import InputTypeError, UnknownNameError, ValidationError
from .random import RngLike, as_seed_sequence

__all__ = [
    "NONNEGATIVE",
    "RATIO",
    "REAL",
    "SHARE",
    "Interval",
    "Support",
    "as_support",
    "interval",
    "intervals",
    "support_of",
]

#: Fewest values that get a confidence interval; with fewer, the summary is their range.
MIN_N = 3
#: Bootstrap resamples of the BCa interval.
RESAMPLES = 2000


@dataclass(frozen=True)
class Support:
    """The values a quantity can take: the closed interval ``[lower, upper]``.

    Parameters
    ----------
    lower, upper : float
        Bounds (``-inf``/``inf`` for none), ``lower < upper``.
    name : str
        What the support is called in messages and summaries.

    Examples
    --------
    >>> SHARE.contains([0.0, 0.5, 1.0]), RATIO.contains(0.9)
    (True, False)
    """

    lower: float = -math.inf
    upper: float = math.inf
    name: str = "unbounded"

    def __post_init__(self) -> None:
        lo, hi = float(self.lower), float(self.upper)
        if math.isnan(lo) or math.isnan(hi) or not lo < hi:
            raise ValidationError(f"a support needs lower < upper, got [{self.lower}, {self.upper}]")

    @property
    def bounded(self) -> bool:
        """True if both ends are finite."""
        return math.isfinite(self.lower) and math.isfinite(self.upper)

    def contains(self, values: ArrayLike) -> bool:
        """True if every finite value lies in ``[lower, upper]`` (NaN values are ignored)."""
        x = np.asarray(values, dtype=float)
        x = x[~np.isnan(x)]
        return bool(np.all((x >= self.lower) & (x <= self.upper)))


#: A share or probability: [0, 1].
SHARE = Support(0.0, 1.0, "share")
#: A count, time, cost or regret that cannot be negative: [0, inf).
NONNEGATIVE = Support(0.0, math.inf, "nonnegative")
#: A ratio to an optimum that cannot fall below 1 (cost / OPT): [1, inf).
RATIO = Support(1.0, math.inf, "ratio")
#: Any real number.
REAL = Support(-math.inf, math.inf, "unbounded")

_NAMED = {"share": SHARE, "probability": SHARE, "nonnegative": NONNEGATIVE, "ratio": RATIO,
          "unbounded": REAL, "real": REAL}


def as_support(kind: Support | str | tuple[float, float], *, name: str = "support") -> Support:
    """A :class:`Support` from a support, one of its names, or a ``(lower, upper)`` pair.

    Names: ``"share"`` (or ``"probability"``), ``"nonnegative"``, ``"ratio"``
    (>= 1), ``"unbounded"`` (or ``"real"``).

    Examples
    --------
    >>> as_support("probability") is SHARE
    True
    >>> as_support((0, 10))
    Support(lower=0.0, upper=10.0, name='[0, 10]')
    >>> as_support("positive")
    Traceback (most recent call last):
    ...
    sim.errors.UnknownNameError: support must be one of 'nonnegative', 'probability', 'ratio', 'real', \
'share', 'unbounded' or a (lower, upper) pair, got 'positive'
    """
    if isinstance(kind, Support):
        return kind
    if isinstance(kind, str):
        if kind not in _NAMED:
            names = ", ".join(repr(k) for k in sorted(_NAMED))
            raise UnknownNameError(f"{name} must be one of {names} or a (lower, upper) pair, got {kind!r}")
        return _NAMED[kind]
    if isinstance(kind, (tuple, list)) and len(kind) == 2:
        try:
            lo, hi = float(kind[0]), float(kind[1])
        except (TypeError, ValueError):
            raise InputTypeError(f"{name} bounds must be numbers, got {kind!r}") from None
        return Support(lo, hi, f"[{kind[0]:g}, {kind[1]:g}]")
    raise InputTypeError(f"{name} must be a Support, a name or a (lower, upper) pair, got {kind!r}")


def support_of(metric: str, supports: Mapping[str, Support | str | tuple[float, float]]) -> Support:
    """The declared support of ``metric``: an exact key first, else the first matching glob pattern.

    Examples
    --------
    >>> support_of("share_naive", {"share_*": "share", "*": "unbounded"}) is SHARE
    True
    >>> support_of("regret", {"share_*": "share"})
    Traceback (most recent call last):
    ...
    sim.errors.UnknownNameError: metric 'regret' has no declared support; declared: share_*
    """
    if metric in supports:
        return as_support(supports[metric], name=f"support of {metric!r}")
    for pattern, kind in supports.items():
        if fnmatch.fnmatchcase(metric, pattern):
            return as_support(kind, name=f"support of {metric!r}")
    raise UnknownNameError(f"metric {metric!r} has no declared support; declared: {', '.join(supports) or 'none'}")


@dataclass(frozen=True)
class Interval:
    """An estimate (the mean) and an interval around it inside the support."""

    mean: float
    lo: float
    hi: float
    n: int
    level: float
    method: str


def _check_level(level: float) -> float:
    try:
        level = float(level)
    except (TypeError, ValueError):
        raise InputTypeError(f"level must be a number in (0, 1), got {level!r}") from None
    if not 0.0 < level < 1.0:
        raise ValidationError(f"level must be in (0, 1), got {level}")
    return level


_METHODS = ("auto", "t", "log-t", "wilson", "bca", "percentile")


def interval(values: ArrayLike, support: Support | str | tuple[float, float] = REAL, *, level: float = 0.95,
             method: str = "auto", rng: RngLike = 0) -> Interval:
    """Mean of ``values`` and a confidence interval inside ``support``.

    Parameters
    ----------
    values : array_like of float
        One value per replication; NaN values are dropped.
    support : Support, str or (float, float)
        What the quantity can be (see :func:`as_support`). Values outside it
        are an error: they mean the support was declared wrongly.
    level : float
        Confidence level in (0, 1).
    method : {"auto", "t", "log-t", "wilson", "bca", "percentile"}
        ``"auto"`` picks by support and data (module docstring). An explicit
        method must suit the support: ``"t"`` only on an unbounded one,
        ``"log-t"`` on one bounded below, ``"wilson"`` on 0/1 data.
    rng : int, Generator, ...
        Seed of the bootstrap (fixed by default: same data, same interval).

    Returns
    -------
    Interval
        ``lower <= lo <= mean <= hi <= upper``; with fewer than 3 values,
        ``lo, hi`` are their range and ``method == "range"`` (no level).

    Examples
    --------
    >>> iv = interval([2.0, 4.0, 6.0])
    >>> iv.method, round(iv.lo, 3), round(iv.hi, 3)
    ('t', -0.968, 8.968)
    >>> interval([2.0, 4.0, 6.0], "nonnegative").lo > 0
    True
    """
    sup = as_support(support)
    try:
        x = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(f"values must be numbers, got {values!r:.80}") from None
    if x.ndim > 1:
        raise ValidationError(f"values must be one-dimensional, got shape {x.shape}")
    mean, lo, hi, n, lev, meth = intervals(x.reshape(-1, 1), sup, level=level, method=method, rng=rng)
    return Interval(float(mean[0]), float(lo[0]), float(hi[0]), int(n[0]), float(lev[0]), str(meth[0]))


def intervals(samples: ArrayLike, support: Support | str | tuple[float, float] = REAL, *, level: float = 0.95,
              method: str = "auto", rng: RngLike = 0) -> tuple[np.ndarray, ...]:
    """Column-wise :func:`interval` of an ``(n, k)`` array (replications x points), vectorised.

    Columns may have different numbers of NaN (missing) values.

    Returns
    -------
    mean, lo, hi, n, level, method : ndarray, each of shape (k,)
        ``level`` is NaN and ``method`` is ``"range"`` where a column has
        fewer than 3 values; ``mean`` and the ends are NaN where it has none.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([[0.1, 1.0], [0.4, 2.0], [0.3, 4.0]])
    >>> mean, lo, hi, n, level, method = intervals(x, "nonnegative")
    >>> method.tolist(), bool(np.all((lo > 0) & (lo <= mean) & (mean <= hi)))
    (['log-t', 'log-t'], True)
    """
    sup = as_support(support)
    level = _check_level(level)
    if method not in _METHODS:
        raise UnknownNameError(f"method must be one of {', '.join(map(repr, _METHODS))}, got {method!r}")
    try:
        x = np.array(samples, dtype=float, ndmin=2)
    except (TypeError, ValueError):
        raise InputTypeError(f"samples must be numbers, got {type(samples).__name__}") from None
    if x.ndim != 2:
        raise ValidationError(f"samples must be a 2-D array (replications x points), got shape {x.shape}")
    if np.isinf(x).any() or not sup.contains(x):
        bad = x[np.isinf(x) | (x < sup.lower) | (x > sup.upper)]
        raise ValidationError(f"values must lie in the {sup.name} support [{sup.lower:g}, {sup.upper:g}], "
                              f"got {bad.flat[0]!r}")
    k = x.shape[1]
    ok = ~np.isnan(x)
    n = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        mean = np.where(n > 0, np.where(ok, x, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)
        # where the plain sum overflows: scaled by the column's largest magnitude
        huge = (n > 0) & ~np.isfinite(mean)
        if huge.any():
            scale = np.where(ok[:, huge], np.abs(x[:, huge]), 0.0).max(axis=0)
            mean[huge] = scale * (np.where(ok[:, huge], x[:, huge] / scale, 0.0).sum(axis=0) / n[huge])
    lo = np.full(k, np.nan)
    hi = np.full(k, np.nan)
    lev = np.full(k, level)
    meth = np.empty(k, dtype=object)
    few = n < MIN_N
    if few.any():
        with np.errstate(invalid="ignore"):
            lo[few] = np.where(n[few] > 0, np.nanmin(np.where(ok, x, np.inf), axis=0)[few], np.nan)
            hi[few] = np.where(n[few] > 0, np.nanmax(np.where(ok, x, -np.inf), axis=0)[few], np.nan)
        lev[few] = np.nan
        meth[few] = "range"
    many = ~few
    if many.any():
        cols = np.flatnonzero(many)
        chosen = _choose(method, sup, x[:, cols], ok[:, cols])
        for name in set(chosen):
            c = cols[chosen == name]
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                lo[c], hi[c] = _METHOD_FUNCS[name](x[:, c], ok[:, c], n[c], mean[c], sup, level, rng)
            meth[c] = name
        # the estimate stays inside its interval, the interval inside the support (rounding at the ends)
        lo[cols] = np.clip(np.minimum(lo[cols], mean[cols]), sup.lower, sup.upper)
        hi[cols] = np.clip(np.maximum(hi[cols], mean[cols]), sup.lower, sup.upper)
    return mean, lo, hi, n, lev, meth.astype(str)


def _choose(method: str, sup: Support, x: np.ndarray, ok: np.ndarray) -> np.ndarray:
    k = x.shape[1]
    if method == "auto":
        if not math.isfinite(sup.lower) and not math.isfinite(sup.upper):
            return np.full(k, "t", dtype=object)
        if not sup.bounded:  # bounded on one side only
            return np.full(k, "log-t", dtype=object)
        binary = np.all(~ok | (x == sup.lower) | (x == sup.upper), axis=0)
        return np.where(binary, "wilson", "bca").astype(object)
    if method == "t" and (math.isfinite(sup.lower) or math.isfinite(sup.upper)):
        raise ValidationError(f"method 't' can leave the {sup.name} support [{sup.lower:g}, {sup.upper:g}]; "
                              "use 'auto'")
    if method == "log-t" and math.isfinite(sup.lower) == math.isfinite(sup.upper):
        raise ValidationError(f"method 'log-t' needs a support bounded on one side only, got the {sup.name} "
                              f"support [{sup.lower:g}, {sup.upper:g}]")
    if method == "wilson":
        if not sup.bounded or not np.all(~ok | (x == sup.lower) | (x == sup.upper)):
            raise ValidationError("method 'wilson' needs data at the two bounds of a bounded support only "
                                  "(0/1 outcomes)")
    return np.full(k, method, dtype=object)


def _t_quantile(level: float, n: np.ndarray) -> np.ndarray:
    return stats.t.ppf(0.5 + level / 2, n - 1)


def _sd(x: np.ndarray, ok: np.ndarray, n: np.ndarray, mean: np.ndarray) -> np.ndarray:
    # deviations scaled by the largest magnitude, so that tiny (huge) values do not underflow (overflow)
    scale = np.where(ok, np.abs(x), 0.0).max(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    dev = np.where(ok, x / scale - mean / scale, 0.0)
    return scale * np.sqrt((dev ** 2).sum(axis=0) / (n - 1))


def _t(x, ok, n, mean, sup, level, rng):
    half = _t_quantile(level, n) * _sd(x, ok, n, mean) / np.sqrt(n)
    return mean - half, mean + half


def _log_t(x, ok, n, mean, sup, level, rng):
    # the distance of the mean from the support's one finite bound, on the log scale
    below = math.isfinite(sup.lower)
    bound = sup.lower if below else sup.upper
    m = mean - bound if below else bound - mean
    s = _sd(x, ok, n, mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.exp(_t_quantile(level, n) * s / (m * np.sqrt(n)))
        near = np.where(m > 0, m / factor, 0.0)
        far = np.where(m > 0, m * factor, 0.0)
    # an overflowed factor (a mean next to its bound with a large spread) means no limit on the far side
    far = np.where(np.isfinite(far), far, np.inf)
    if below:
        return bound + near, bound + far
    return bound - far, bound - near


def _wilson(x, ok, n, mean, sup, level, rng):
    p = (mean - sup.lower) / (sup.upper - sup.lower)
    z = special.ndtri(0.5 + level / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    width = sup.upper - sup.lower
    return sup.lower + width * (centre - half), sup.lower + width * (centre + half)


def _bootstrap_means(x, ok, n, rng, resamples=RESAMPLES):
    """Bootstrap means of every column: the values of each column resampled with replacement."""
    seq = as_seed_sequence(rng)
    out = np.empty((resamples, x.shape[1]))
    for size in np.unique(n):
        # one draw of indices per count, from a stream named by the count alone: a column's
        # interval depends on its own values only, never on which other columns are summarised with it
        gen = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key, int(size))))
        cols = np.flatnonzero(n == size)
        # pack each column's values to the top so index i < size picks its i-th value
        order = np.argsort(~ok[:, cols], axis=0, kind="stable")
        packed = np.take_along_axis(x[:, cols], order, axis=0)[:size]
        idx = gen.integers(0, size, (resamples, size))
        out[:, cols] = packed[idx].mean(axis=1)
    return out


def _quantiles(boot: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Per-column quantile ``q[c]`` of ``boot[:, c]`` (linear interpolation)."""
    srt = np.sort(boot, axis=0)
    pos = np.clip(q, 0.0, 1.0) * (srt.shape[0] - 1)
    below = np.floor(pos).astype(int)
    above = np.minimum(below + 1, srt.shape[0] - 1)
    cols = np.arange(srt.shape[1])
    frac = pos - below
    return srt[below, cols] * (1 - frac) + srt[above, cols] * frac


def _percentile(x, ok, n, mean, sup, level, rng):
    boot = _bootstrap_means(x, ok, n, rng)
    alpha = (1 - level) / 2
    k = x.shape[1]
    return _quantiles(boot, np.full(k, alpha)), _quantiles(boot, np.full(k, 1 - alpha))


def _bca(x, ok, n, mean, sup, level, rng):
    boot = _bootstrap_means(x, ok, n, rng)
    alpha = (1 - level) / 2
    # bias correction: where the estimate sits among its bootstrap replicates (ties count half)
    # (a tie is equality up to rounding: a replicate mean sums the same values in another order)
    tol = 1e-10 * np.where(ok, np.abs(x), 0.0).max(axis=0)
    below = (boot < mean - tol).mean(axis=0) + 0.5 * (np.abs(boot - mean) <= tol).mean(axis=0)
    z0 = special.ndtri(np.clip(below, 1e-12, 1 - 1e-12))
    # acceleration from the jackknife means: mean without value i = (n mean - x_i) / (n - 1)
    jack = np.where(ok, (n * mean - x) / (n - 1), np.nan)
    d = np.nanmean(jack, axis=0) - jack
    num = np.nansum(d ** 3, axis=0)
    den = 6.0 * np.nansum(d ** 2, axis=0) ** 1.5
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(den > 0, num / den, 0.0)
    qs = []
    for z in (special.ndtri(alpha), special.ndtri(1 - alpha)):
        with np.errstate(divide="ignore", invalid="ignore"):
            adj = special.ndtr(z0 + (z0 + z) / (1 - a * (z0 + z)))
        # where the correction is undefined (all replicates on one side), fall back to the percentile
        plain = special.ndtr(np.full_like(z0, z))
        qs.append(np.where(np.isfinite(adj), adj, plain))
    return _quantiles(boot, qs[0]), _quantiles(boot, qs[1])


_METHOD_FUNCS = {"t": _t, "log-t": _log_t, "wilson": _wilson, "bca": _bca, "percentile": _percentile}
