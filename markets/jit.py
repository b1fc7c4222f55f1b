"""One way to compile a kernel: numba ``njit`` with a disk cache that degrades gracefully.

Every compiled kernel of the package is decorated with :func:`jit`, so the
caching policy lives here once:

* compiled code is cached on disk (``cache=True``): numba writes next to the
  source (``__pycache__``) or, where the package folder is read-only, in the
  user's cache folder (``NUMBA_CACHE_DIR`` overrides both);
* where neither is writable, numba refuses to cache at all; the kernel is then
  compiled in memory on first use, and one :class:`CacheWarning` says so
  (importing never fails for want of a writable folder);
* numba keys a cached function on its own source file only. A kernel that
  calls kernels of other modules (whose compiled code is linked into it) names
  them in ``depends``; their sources are hashed into the cache key, so editing
  :mod:`markets.kernels` cannot leave a stale copy inside a cached caller.

Examples
--------
>>> import numpy as np
>>> from markets.jit import jit
>>> @jit(cache=False)
... def total(x):
...     s = 0.0
...     for v in x:
...         s += v
...     return s
>>> total(np.arange(4.0))
6.0
"""

from __future__ import annotations

import hashlib
import inspect
import sys
import warnings
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

import numba as nb

__all__ = ["CacheWarning", "jit"]


class CacheWarning(UserWarning):
    """Compiled kernels cannot be cached on disk here; they are compiled in memory instead."""


_warned = False
_digests: dict[str, str] = {}


def _warn_once(reason: str) -> None:
    global _warned
    if not _warned:
        _warned = True
        warnings.warn(f"numba cannot cache compiled kernels on disk ({reason}); they are compiled in memory on "
                      "first use in every process. Set NUMBA_CACHE_DIR to a writable folder to cache them.",
                      CacheWarning, stacklevel=3)


def _source_digest(module: ModuleType | str) -> str:
    name = module if isinstance(module, str) else module.__name__
    if name not in _digests:
        mod = sys.modules[name]
        try:
            text = inspect.getsource(mod)
        except (OSError, TypeError):  # no source (frozen, zipped): a per-process key, so never stale
            text = f"{name}:{id(mod)}"
        _digests[name] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return _digests[name]


def _key_on_dependencies(dispatcher: Any, depends: Iterable[ModuleType | str]) -> bool:
    """Mix the dependencies' source hashes into the cache's source stamp; False if numba has no such stamp."""
    cache_file = getattr(getattr(dispatcher, "_cache", None), "_cache_file", None)
    stamp = getattr(cache_file, "_source_stamp", None)
    if stamp is None:
        return False
    cache_file._source_stamp = (stamp, tuple(_source_digest(d) for d in depends))
    return True


def jit(fn: Callable | None = None, *, cache: bool = True, depends: Iterable[ModuleType | str] = (),
        **options: Any) -> Callable[..., Any]:
    """``numba.njit(nogil=True, cache=cache, **options)`` with the package's caching policy.

    Parameters
    ----------
    fn : callable, optional
        The function to compile (``@jit`` or ``@jit(...)``).
    cache : bool
        Cache the compiled code on disk when some folder is writable.
    depends : iterable of module or str
        Modules whose kernels ``fn`` calls: part of the cache key.
    **options
        Further ``numba.njit`` options.

    Returns
    -------
    numba dispatcher
    """
    depends = tuple(depends)

    def decorate(f: Callable) -> Callable[..., Any]:
        opts = {"nogil": True, **options}
        if not cache:
            return nb.njit(**opts)(f)
        try:
            dispatcher = nb.njit(cache=True, **opts)(f)
        except RuntimeError as exc:  # "cannot cache function ...: no locator available"
            if "cannot cache" not in str(exc):
                raise
            _warn_once(str(exc))
            return nb.njit(**opts)(f)
        if depends and not _key_on_dependencies(dispatcher, depends):
            # this numba keeps its cache key elsewhere: caching could keep stale kernels, so do not
            return nb.njit(**opts)(f)
        return dispatcher

    return decorate if fn is None else decorate(fn)
