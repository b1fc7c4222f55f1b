"""Job instances for single-machine scheduling, and their generators.

A :class:`JobSet` holds, for jobs ``j = 0..n-1``, a release time ``r_j >= 0``,
a true size (processing requirement) ``x_j > 0``, unknown to non-clairvoyant
policies until the job finishes, and optionally a prediction ``y_j >= 0``. The
prediction error is ``eta = sum_j |y_j - x_j|``.

Batch instances release every job at time 0. For a batch with sizes sorted
``x_(1) <= ... <= x_(n)`` the optimum total completion time is Shortest
Processing Time first: ``OPT = sum_i (n - i + 1) x_(i)`` (:func:`opt_batch_cost`).

Online instances have Poisson arrivals (:func:`poisson_jobs`).

Examples
--------
>>> from agents.online.jobs import JobSet, opt_batch_cost
>>> jobs = JobSet.batch([3.0, 1.0, 2.0], predictions=[2.5, 1.5, 2.0])
>>> jobs.n, jobs.eta
(3, 1.0)
>>> opt_batch_cost(jobs.sizes)          # 3*1 + 2*2 + 1*3
10.0
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, make_rng
from sim.validate import check_array, check_callable, check_real

from .checks import check_count

__all__ = ["JobSet", "opt_batch_cost", "pareto_sizes", "poisson_jobs"]


def _check_nonneg(name, arr, strict=False):
    bad = arr <= 0 if strict else arr < 0
    if np.any(bad):
        i = int(np.argmax(bad))
        op = ">" if strict else ">="
        raise ValidationError(f"{name} must be {op} 0, got {float(arr[i])!r} at index {i}")
    return arr


def _check_headroom(name, arr, n):
    """Refuse values whose schedule arithmetic would overflow float64.

    Every completion time is at most ``max release + sum of sizes`` and a total
    of ``n`` of them is summed, so ``n (max + sum)`` of each array must stay finite.
    """
    with np.errstate(over="ignore"):
        reach = n * (float(np.max(arr)) + float(np.sum(arr))) if arr.size else 0.0
    if not np.isfinite(reach):
        raise ValidationError(f"{name} are too large: {n} jobs of these {name} overflow float64 (1.8e308) in the "
                              f"schedule's sums (largest entry {float(np.max(arr))!r}); rescale the instance")


def _check_like_sizes(name, value, n):
    arr = check_array(name, value, ndim=1)
    if arr.shape != (n,):
        raise ValidationError(f"{name} must have shape ({n},) like sizes, got {arr.shape}")
    return _check_nonneg(name, arr)


class JobSet:
    """Release times, true sizes and (optional) predictions of ``n >= 1`` jobs.

    Parameters
    ----------
    release : array_like
        Release times, finite and ``>= 0``.
    sizes : array_like
        True sizes, finite and ``> 0``.
    predictions : array_like, optional
        Predicted sizes, finite and ``>= 0``.

    Examples
    --------
    >>> JobSet([0.0], [-1.0])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: sizes must be > 0, got -1.0 at index 0
    >>> JobSet.batch([])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: sizes must not be empty, got shape (0,)
    """

    __slots__ = ("predictions", "release", "sizes")

    def __init__(self, release: ArrayLike, sizes: ArrayLike, predictions: ArrayLike | None = None) -> None:
        sizes = check_array("sizes", sizes, ndim=1, allow_empty=False)
        self.sizes = _check_nonneg("sizes", sizes, strict=True)
        n = sizes.size
        self.release = _check_like_sizes("release", release, n)
        if predictions is not None:
            predictions = _check_like_sizes("predictions", predictions, n)
        for name, arr in (("sizes", self.sizes), ("release", self.release), ("predictions", predictions)):
            if arr is not None:
                _check_headroom(name, arr, n)
        self.predictions = predictions
        # Private read-only copies: the caller's arrays stay writable and cannot change ours.
        self.sizes, self.release = self.sizes.copy(), self.release.copy()
        self.predictions = None if predictions is None else predictions.copy()
        for arr in (self.sizes, self.release, self.predictions):
            if arr is not None:
                arr.setflags(write=False)

    @classmethod
    def batch(cls, sizes: ArrayLike, predictions: ArrayLike | None = None) -> JobSet:
        """All jobs released at time 0."""
        sizes = check_array("sizes", sizes, ndim=1)
        return cls(np.zeros(sizes.size), sizes, predictions)

    def with_predictions(self, predictions: ArrayLike | None) -> JobSet:
        """The same jobs with other predictions."""
        return JobSet(self.release, self.sizes, predictions)

    @property
    def n(self) -> int:
        """Number of jobs."""
        return int(self.sizes.size)

    @property
    def is_batch(self) -> bool:
        """Whether every job is released at time 0."""
        return bool(np.all(self.release == 0))

    @property
    def eta(self) -> float:
        """Total prediction error ``sum_j |y_j - x_j|``."""
        if self.predictions is None:
            raise ValidationError("this JobSet has no predictions")
        return float(np.sum(np.abs(self.predictions - self.sizes)))

    def __len__(self):
        return self.n

    def __repr__(self):
        kind = "batch" if self.is_batch else "online"
        pred = "with" if self.predictions is not None else "without"
        return f"JobSet({self.n} jobs, {kind}, {pred} predictions)"


def opt_batch_cost(sizes: ArrayLike) -> float:
    """Optimal total completion time of a batch: ``sum_i (n - i + 1) x_(i)`` (SPT).

    Examples
    --------
    >>> opt_batch_cost([2.0, 2.0])
    6.0
    """
    x = np.sort(check_array("sizes", sizes, ndim=1, allow_empty=False))
    _check_nonneg("sizes", x, strict=True)
    _check_headroom("sizes", x, x.size)
    return float(np.sum(np.arange(x.size, 0, -1) * x))


def pareto_sizes(n: int, rng: RngLike, *, alpha: float = 1.1, minimum: float = 1.0) -> NDArray[np.float64]:
    """``n`` i.i.d. Pareto(``alpha``) sizes with scale ``minimum``: ``P(X > t) = (minimum / t)^alpha``.

    Examples
    --------
    >>> x = pareto_sizes(1000, rng=0)
    >>> bool(x.min() >= 1.0)
    True
    """
    n = check_count("n", n, bytes_each=24)
    alpha = check_real("alpha", alpha, low=0.0, low_open=True)
    minimum = check_real("minimum", minimum, low=0.0, low_open=True)
    with np.errstate(over="ignore"):
        x = minimum * (1.0 + make_rng(rng).pareto(alpha, n))
    if not np.all(np.isfinite(x)):
        raise ValidationError(f"alpha={alpha!r} and minimum={minimum!r} draw sizes beyond float64 (1.8e308); "
                              "use a larger alpha or a smaller minimum")
    return x


def poisson_jobs(n: int, rate: float, rng: RngLike, *,
                 sizes: Callable[[int, np.random.Generator], ArrayLike] | None = None) -> JobSet:
    """``n`` jobs arriving as a Poisson process of ``rate``, the first at an exponential time.

    Parameters
    ----------
    n : int
        Number of jobs.
    rate : float
        Arrival rate ``lambda > 0``.
    rng : numpy.random.Generator or int
        Randomness (arrivals first, then sizes).
    sizes : callable, optional
        ``sizes(n, rng) -> array``; default exponential with mean 1 (so the load
        is ``rho = rate``).

    Examples
    --------
    >>> jobs = poisson_jobs(5, 0.5, rng=0)
    >>> jobs.n, bool(np.all(np.diff(jobs.release) > 0))
    (5, True)
    """
    n = check_count("n", n, bytes_each=64)
    rate = check_real("rate", rate, low=0.0, low_open=True)
    if sizes is not None:
        check_callable("sizes", sizes)
    rng = make_rng(rng)
    with np.errstate(over="ignore"):
        release = np.cumsum(rng.exponential(1.0 / rate, n))
    if not np.isfinite(release[-1]):
        raise ValidationError(f"rate={rate!r} is too small: arrival times overflow float64")
    if sizes is None:
        x = rng.exponential(1.0, n)
    else:
        try:
            x = sizes(n, rng)
        except Exception as exc:  # the user's generator: say which argument failed
            raise InputTypeError(f"sizes(n, rng) raised {type(exc).__name__}: {exc}") from exc
    return JobSet(release, x)
