"""Readers for external instance files.

Beasley's OR-Library assignment instances (``assign100.txt`` ...) are a token
stream: ``n`` followed by the ``n x n`` integer costs in row-major order,
wrapped across lines. The problem is a minimisation; as a market take surplus
``K - c_ij`` with ``K`` above every cost, whose stable welfare is
``n * K - optimum``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sim.errors import InputTypeError, ValidationError

from .validation import check_memory

__all__ = ["read_orlib_assignment"]


def read_orlib_assignment(path: str | os.PathLike[str]) -> NDArray[np.int64]:
    """Read an OR-Library assignment instance into an ``(n, n)`` int64 cost matrix.

    Parameters
    ----------
    path : str or os.PathLike
        The instance file.

    Returns
    -------
    ndarray of int64, shape (n, n)

    Raises
    ------
    ValidationError
        Missing file, non-integer tokens or a token count other than ``1 + n * n``.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
    ...     _ = f.write("2\\n 1 2\\n 3\\n 4\\n")
    >>> read_orlib_assignment(f.name).tolist()
    [[1, 2], [3, 4]]
    >>> os.remove(f.name)
    """
    if not isinstance(path, (str, Path)) and not hasattr(path, "__fspath__"):
        raise InputTypeError(f"path must be a str or path-like, got {type(path).__name__}")
    p = Path(path)
    try:
        if not p.is_file():
            raise ValidationError(f"path {str(p)!r} is not a file")
        # the token list costs about 30 bytes per byte of text: refuse what cannot fit before reading it
        check_memory("path", str(p), 32 * p.stat().st_size, what="reading the instance")
        data = p.read_bytes()
    except (OSError, ValueError) as exc:  # unreadable, or a name the OS refuses (embedded NUL...)
        if isinstance(exc, ValidationError):
            raise
        raise ValidationError(f"path {str(p)!r} cannot be read: {exc}") from None
    try:
        tokens = data.decode("ascii").split()
    except UnicodeDecodeError as exc:
        raise ValidationError(f"path {str(p)!r} is not an ASCII text file: {exc}") from None
    if not tokens:
        raise ValidationError(f"path {str(p)!r} is empty")
    try:
        values = np.array([int(t) for t in tokens], dtype=np.int64)
    except ValueError as exc:
        raise ValidationError(f"path {str(p)!r} holds a non-integer token: {exc}") from None
    except OverflowError:
        raise ValidationError(f"path {str(p)!r} holds an integer beyond the int64 range") from None
    n = int(values[0])
    if n < 0 or len(values) != 1 + n * n:
        raise ValidationError(f"path {str(p)!r}: header says n = {n}, so {1 + n * n} tokens are needed, "
                              f"found {len(values)}")
    return values[1:].reshape(n, n)
