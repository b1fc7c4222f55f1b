"""Argument checks shared by every public entry point.

Each checker takes the argument's *name* first so that the error names it, and
returns the (possibly converted) value, so a public function can write
``lam = check_real("lam", lam, low=0, high=1, low_open=True)``.

Examples
--------
>>> from sim.validate import check_int, check_real
>>> check_int("reps", 3, low=1)
3
>>> check_real("lam", 1.5, low=0.0, high=1.0)
Traceback (most recent call last):
...
sim.errors.ValidationError: lam must be in [0.0, 1.0], got 1.5
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from .errors import InputTypeError, ValidationError

__all__ = [
    "check_array",
    "check_callable",
    "check_choice",
    "check_int",
    "check_probability",
    "check_real",
]

_T = TypeVar("_T")


def _interval(low, high, low_open, high_open):
    lo = "(" if low_open else "["
    hi = ")" if high_open else "]"
    return f"{lo}{'-inf' if low is None else low}, {'inf' if high is None else high}{hi}"


def _check_bounds(name, value, low, high, low_open, high_open):
    bad = (
        (low is not None and (value < low or (low_open and value == low)))
        or (high is not None and (value > high or (high_open and value == high)))
    )
    if bad:
        if high is None and not low_open:
            raise ValidationError(f"{name} must be >= {low}, got {value!r}")
        if high is None:
            raise ValidationError(f"{name} must be > {low}, got {value!r}")
        raise ValidationError(
            f"{name} must be in {_interval(low, high, low_open, high_open)}, got {value!r}"
        )


def check_int(name: str, value: object, *, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as ``int`` if it is an integer in ``[low, high]``.

    Booleans are refused (``True`` is an ``int`` in Python but never a count).
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise InputTypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    value = int(value)
    _check_bounds(name, value, low, high, False, False)
    return value


def check_real(name: str, value: object, *, low: float | None = None, high: float | None = None,
               low_open: bool = False, high_open: bool = False) -> float:
    """Return ``value`` as a finite ``float`` within the given bounds."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise InputTypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not np.isfinite(value):
        raise ValidationError(f"{name} must be finite, got {value!r}")
    _check_bounds(name, value, low, high, low_open, high_open)
    return value


def check_probability(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1]."""
    return check_real(name, value, low=0.0, high=1.0)


def check_array(name: str, value: ArrayLike, *, ndim: int | None = None, shape: Sequence[int | None] | None = None,
                finite: bool = True, dtype: DTypeLike = float, allow_empty: bool = True) -> np.ndarray:
    """Return ``value`` as a numpy array of ``dtype`` after checking it.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
        The input.
    ndim : int, optional
        Required number of dimensions.
    shape : tuple, optional
        Required shape; ``None`` entries match any length.
    finite : bool
        Refuse NaN and infinite entries.
    dtype : numpy dtype
        Target dtype (the input must be numeric; booleans and strings are refused).
    allow_empty : bool
        Whether a zero-size array is acceptable.
    """
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged nested lists and the like
        raise InputTypeError(f"{name} must be array-like, got {type(value).__name__}: {exc}") from None
    if arr.dtype == object or arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValidationError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if shape is not None:
        if len(shape) != arr.ndim or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = tuple("*" if s is None else s for s in shape)
            raise ValidationError(f"{name} must have shape {want}, got {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValidationError(f"{name} must not be empty, got shape {arr.shape}")
    arr = arr.astype(dtype, copy=False)
    if finite and arr.size and not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0]
        raise ValidationError(
            f"{name} must be finite, got {arr[tuple(bad)].item()!r} at index {tuple(int(b) for b in bad)}"
        )
    return arr


def check_choice(name: str, value: _T, choices: Collection[Any]) -> _T:
    """Return ``value`` if it is one of ``choices``."""
    try:
        known = bool(value in choices)
    except (TypeError, ValueError):  # an array compares elementwise: never a choice
        known = False
    if not known:
        raise ValidationError(f"{name} must be one of {sorted(map(str, choices))}, got {value!r}")
    return value


def check_callable(name: str, value: object) -> Callable[..., Any]:
    """Return ``value`` if it is callable."""
    if not callable(value):
        raise InputTypeError(f"{name} must be callable, got {type(value).__name__}")
    return value
