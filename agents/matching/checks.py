"""Input checks shared by the bandit market and its learners.

Each check validates one argument and raises the package's errors
(:mod:`sim.errors`), naming the argument and the bad value, before anything
large is allocated.

Examples
--------
>>> check_types("customer_types", [0, 2, 1], 3).tolist()
[0, 2, 1]
>>> check_memory("m, n", (10**9, 10**9), 8 * 10**18)
Traceback (most recent call last):
...
sim.errors.ValidationError: m, n = (1000000000, 1000000000) would need 8000000000.0 GB of memory, ...
"""

from __future__ import annotations

import os

import numpy as np

from sim.errors import ValidationError
from sim.validate import check_array

__all__ = ["check_features", "check_memory", "check_types", "check_utils", "machine_memory", "pair_array_bytes"]


def machine_memory() -> int | None:
    """Physical memory of this machine in bytes (``None`` where the OS does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def pair_array_bytes(m: int, n: int, arrays: int) -> int:
    """Bytes of ``arrays`` float64 arrays of shape ``(m, n)`` (exact: Python integers do not overflow)."""
    return 8 * int(m) * int(n) * int(arrays)


def check_memory(name: str, value, nbytes: int) -> None:
    """Refuse an allocation of ``nbytes`` that cannot fit in this machine's memory.

    Parameters
    ----------
    name : str
        The argument(s) that set the size (named in the error).
    value
        Their value(s).
    nbytes : int
        Bytes the arrays would need.

    Raises
    ------
    sim.errors.ValidationError
        If ``nbytes`` exceeds the machine's physical memory (or, where that is
        unknown, :math:`2^{48}` bytes).
    """
    limit = machine_memory() or 2**48
    if nbytes > limit:
        raise ValidationError(f"{name} = {value!r} would need {nbytes / 1e9:.1f} GB of memory, more than this "
                              f"machine has ({limit / 1e9:.1f} GB)")


def check_utils(name, value, shape=None):
    """A 2-D finite utility matrix with entries in ``[-1, 1]``."""
    arr = check_array(name, value, ndim=2, shape=shape)
    if arr.size and np.abs(arr).max() > 1.0:
        k = np.unravel_index(int(np.abs(arr).argmax()), arr.shape)
        raise ValidationError(f"{name} must lie in the declared range [-1, 1], got {float(arr[k])!r} "
                              f"at index {tuple(int(x) for x in k)}")
    return arr


def check_types(name, value, size):
    """A vector of ``size`` non-negative integer types, as int64."""
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "iu":
        raise ValidationError(f"{name} must be an integer array of types, got dtype {arr.dtype}")
    if arr.shape != (size,):
        raise ValidationError(f"{name} must have shape ({size},), got {arr.shape}")
    if size and arr.min() < 0:
        raise ValidationError(f"{name} must be non-negative, got {int(arr.min())}")
    return arr.astype(np.int64)


def check_features(customer_features, provider_features, m=None, n=None):
    """Validate the two feature matrices (same dimension ``d``); return them as arrays."""
    f = check_array("customer_features", customer_features, ndim=2, shape=(m, None))
    g = check_array("provider_features", provider_features, ndim=2, shape=(n, None))
    if f.shape[1] != g.shape[1]:
        raise ValidationError(f"provider_features must have the same dimension d as customer_features "
                              f"({f.shape[1]}), got {g.shape[1]}")
    if f.shape[1] == 0:
        raise ValidationError("customer_features must have at least one column (d >= 1)")
    return f, g
