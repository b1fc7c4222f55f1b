"""Readers for external instance files.

Beasley's OR-Library assignment instances (``assign100.txt`` ...) are a token
stream: ``n`` followed by the ``n x n`` integer costs in row-major order,
wrapped across lines. The problem is a minimisation; as a market take surplus
``K - c_ij`` with ``K`` above every cost, whose stable welfare is
``n * K - optimum``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from sim.errors import InputTypeError, ValidationError

__all__ = ["read_orlib_assignment"]


def read_orlib_assignment(path):
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
    if not p.is_file():
        raise ValidationError(f"path {str(p)!r} is not a file")
    tokens = p.read_text().split()
    if not tokens:
        raise ValidationError(f"path {str(p)!r} is empty")
    try:
        values = np.array([int(t) for t in tokens], dtype=np.int64)
    except ValueError as exc:
        raise ValidationError(f"path {str(p)!r} holds a non-integer token: {exc}") from None
    n = int(values[0])
    if n < 0 or len(values) != 1 + n * n:
        raise ValidationError(f"path {str(p)!r}: header says n = {n}, so {1 + n * n} tokens are needed, "
                              f"found {len(values)}")
    return values[1:].reshape(n, n)
