r"""Checks shared by the public entry points of :mod:`markets`.

Every public function of the package normalises its market with
:func:`markets.as_market` and then uses these checks, so a given bad value is
refused the same way, with the same message, wherever it enters:

* :func:`check_tol`: a relative tolerance is a finite real number :math:`\ge 0`.
* :func:`tolerance_scale`: what tolerances are relative to, :math:`\max_{ij} |w_{ij}|`
  (1 for an all-zero or empty market).
* :func:`check_headroom`: magnitudes whose sums the solvers and checkers form
  must stay inside the float64 range (an overflow would turn a finite market
  into an outcome with ``inf`` welfare).
* :func:`check_memory`: work arrays (seat-expanded markets, residual and slack
  matrices, LP constraint sets) are sized *before* they are allocated and
  refused, naming the argument, when they exceed the memory limit: half of this
  machine's physical memory, or the limit set with :func:`memory_limit`.

Examples
--------
>>> check_tol("tol", 1e-9)
1e-09
>>> check_tol("tol", float("nan"))
Traceback (most recent call last):
...
sim.errors.ValidationError: tol must be finite, got nan
>>> with memory_limit(2**20):
...     check_memory("capacities", [10**6], 8 * 10**6)
Traceback (most recent call last):
...
sim.errors.ValidationError: capacities = [1000000] would need 7.63 MiB of working memory for the work, ...
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
from collections.abc import Collection, Iterator

import numpy as np

from sim.errors import InputTypeError, ValidationError
from sim.validate import check_choice, check_int, check_real

__all__ = ["FLOAT_MAX", "check_flag", "check_headroom", "check_memory", "check_option", "check_tol",
           "current_memory_limit", "machine_memory", "memory_limit", "tolerance_scale"]

#: Largest finite float64.
FLOAT_MAX = float(np.finfo(np.float64).max)

_limit: contextvars.ContextVar[int | None] = contextvars.ContextVar("markets_memory_limit", default=None)


def check_tol(name: str, value: object) -> float:
    """Return a relative tolerance as a float after checking it is finite and :math:`\\ge 0`.

    Examples
    --------
    >>> check_tol("tol", -1)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: tol must be >= 0.0, got -1.0
    """
    return check_real(name, value, low=0.0)


def check_flag(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool (numpy's included); anything else is an :class:`~sim.errors.InputTypeError`.

    Examples
    --------
    >>> check_flag("verify", "no")
    Traceback (most recent call last):
    ...
    sim.errors.InputTypeError: verify must be True or False, got 'no' (str)
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def check_option(name: str, value: object, choices: Collection[str]) -> str:
    """Return ``value`` if it is one of the strings ``choices`` (a non-string is an InputTypeError).

    Examples
    --------
    >>> check_option("point", "median", ("any", "customer"))
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: point must be one of ['any', 'customer'], got 'median'
    """
    if not isinstance(value, str):
        raise InputTypeError(f"{name} must be one of {sorted(choices)} (a string), got {value!r} "
                             f"({type(value).__name__})")
    return check_choice(name, value, choices)


def tolerance_scale(w: np.ndarray) -> float:
    """Magnitude that tolerances are relative to: :math:`\\max |w|` (1 for an all-zero or empty market).

    Examples
    --------
    >>> tolerance_scale(np.array([[-3.0, 2.0]])), tolerance_scale(np.zeros((0, 2)))
    (3.0, 1.0)
    """
    if w.size == 0:
        return 1.0
    s = max(float(w.max()), -float(w.min()))
    return s if s > 0 else 1.0


def check_headroom(name: str, magnitude: float, terms: int) -> None:
    """Refuse a magnitude of which sums of ``terms`` values could overflow float64.

    Parameters
    ----------
    name : str
        The argument holding the values (named in the error).
    magnitude : float
        The largest absolute value among them.
    terms : int
        How many such values the computation may add up.

    Raises
    ------
    sim.errors.ValidationError
        If ``magnitude * terms`` exceeds :data:`FLOAT_MAX`.

    Examples
    --------
    >>> check_headroom("surplus", 1e308, 3)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: surplus has entries up to 1e+308 in absolute value: ...
    """
    terms = max(int(terms), 1)
    if magnitude > FLOAT_MAX / terms:
        raise ValidationError(
            f"{name} has entries up to {magnitude:.3g} in absolute value: sums of up to {terms} of them would "
            f"overflow float64 (largest finite {FLOAT_MAX:.3g}), so entries must stay below "
            f"{FLOAT_MAX / terms:.3g}; rescale it (dividing by a power of two is exact)")


@functools.cache
def machine_memory() -> int | None:
    """Physical memory of this machine in bytes (``None`` where the OS does not say; asked once)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def current_memory_limit() -> int:
    """Bytes of working memory one call may use: the :func:`memory_limit` in force, else half the machine's."""
    limit = _limit.get()
    if limit is not None:
        return limit
    total = machine_memory()
    return total // 2 if total else 2**40


@contextlib.contextmanager
def memory_limit(n_bytes: int) -> Iterator[int]:
    """Within the ``with`` block, refuse work needing more than ``n_bytes`` (per call; thread- and task-local).

    Examples
    --------
    >>> import markets
    >>> with memory_limit(2**30):
    ...     markets.stable_outcome([[1.0]], capacities=[10**9])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: capacities = [1000000000] would need ... GiB of working memory ... limit of 1 GiB ...
    """
    n_bytes = check_int("n_bytes", n_bytes, low=1)
    token = _limit.set(n_bytes)
    try:
        yield n_bytes
    finally:
        _limit.reset(token)


def _size(n_bytes: float) -> str:
    for unit, k in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n_bytes >= 2**k:
            v = n_bytes / 2**k
            return f"{v:.3g} {unit}" if v < 1000 else f"{v:,.0f} {unit}"
    return f"{int(n_bytes)} bytes"


def check_memory(name: str, value: object, n_bytes: int, *, what: str = "the work") -> None:
    """Refuse work that needs more than :func:`current_memory_limit` bytes, before allocating it.

    Parameters
    ----------
    name : str
        The argument(s) that set the size (named in the error).
    value
        Their value (shown, shortened, in the error).
    n_bytes : int
        Bytes the work would need (compute it with Python integers, which do not overflow).
    what : str
        What the memory is for (shown in the error).

    Raises
    ------
    sim.errors.ValidationError
        If ``n_bytes`` exceeds the limit.
    """
    limit = current_memory_limit()
    if n_bytes > limit:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise ValidationError(f"{name} = {shown} would need {_size(n_bytes)} of working memory for {what}, more "
                              f"than the limit of {_size(limit)} (half this machine's memory, or the one set "
                              f"with markets.validation.memory_limit)")
