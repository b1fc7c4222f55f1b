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
  :func:`kernel_modules` finds every module whose kernels a kernel reaches
  (the tests check that each kernel's ``depends`` names them all);
* code that numba cannot cache as written (a loop composing kernels passed in
  at run time: numba caches neither closures nor first-class functions) is
  written out as a module by :func:`generated_module`: the file is named by a
  hash of its text, and the text names the hash of every kernel module it
  reaches, so an edit anywhere makes a new file and a new cache entry, while an
  unchanged installation reuses the compiled code in every process (pool and
  Dask workers included: they find the same folder, see :func:`generated_dir`).

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
import importlib.util
import inspect
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any

import numba as nb
from numba.core import config as nb_config
from numba.core.dispatcher import Dispatcher

from sim.errors import ValidationError

__all__ = ["CacheWarning", "generated_dir", "generated_module", "jit", "kernel_modules", "source_key",
           "warn_no_cache"]


class CacheWarning(UserWarning):
    """Compiled kernels cannot be cached on disk here; they are compiled in memory instead."""


_warned = False
_digests: dict[str, str] = {}


def warn_no_cache(reason: str) -> None:
    """Emit the one :class:`CacheWarning` of this process (later calls are silent).

    Parameters
    ----------
    reason : str
        Why nothing can be cached (shown in the message).
    """
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
        With attribute ``depends``: the names of ``depends``.
    """
    depends = tuple(depends)
    names = tuple(d if isinstance(d, str) else d.__name__ for d in depends)

    def decorate(f: Callable) -> Callable[..., Any]:
        opts = {"nogil": True, **options}
        if not cache:
            dispatcher = nb.njit(**opts)(f)
        else:
            try:
                dispatcher = nb.njit(cache=True, **opts)(f)
            except RuntimeError as exc:  # "cannot cache function ...: no locator available"
                if "cannot cache" not in str(exc):
                    raise
                warn_no_cache(str(exc))
                dispatcher = nb.njit(**opts)(f)
            else:
                if depends and not _key_on_dependencies(dispatcher, depends):
                    # this numba keeps its cache key elsewhere: caching could keep stale kernels, so do not
                    dispatcher = nb.njit(**opts)(f)
        dispatcher.depends = names  # read by the tests: every module kernel_modules finds must be named
        return dispatcher

    return decorate if fn is None else decorate(fn)


def _names(code: CodeType) -> set[str]:
    out = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CodeType):
            out |= _names(const)
    return out


def kernel_modules(fn: Callable) -> frozenset[str]:
    """Names of the modules holding ``fn`` and every compiled kernel it calls, transitively.

    A kernel is found through the names its code reads: a global bound to a
    numba dispatcher, or an attribute of a global module (``kernels.max_weight``).

    Parameters
    ----------
    fn : numba dispatcher or function
        The kernel (or plain Python function) to start from.

    Returns
    -------
    frozenset of str

    Examples
    --------
    >>> from markets import kernels
    >>> sorted(kernel_modules(kernels.stable_step))
    ['markets.kernels']
    """
    seen: set[int] = set()
    modules: set[str] = set()
    todo = [fn]
    while todo:
        f = todo.pop()
        py = getattr(f, "py_func", f)
        if id(py) in seen or not hasattr(py, "__code__"):
            continue
        seen.add(id(py))
        modules.add(py.__module__)
        names = _names(py.__code__)
        glb = py.__globals__
        for name in names:
            value = glb.get(name)
            if isinstance(value, Dispatcher):
                todo.append(value)
            elif isinstance(value, ModuleType):
                todo.extend(v for v in (getattr(value, a, None) for a in names) if isinstance(v, Dispatcher))
    return frozenset(modules)


def source_key(modules: Iterable[str], *texts: str) -> str:
    """A hash over the sources of ``modules`` (by name, order-free) and ``texts``.

    Parameters
    ----------
    modules : iterable of str
        Imported modules.
    *texts : str
        Further text (e.g. a template's source).

    Returns
    -------
    str
        32 hex digits.

    Examples
    --------
    >>> source_key(["markets.kernels"]) == source_key(["markets.kernels"]) != source_key(["markets.jit"])
    True
    """
    h = hashlib.sha256()
    for name in sorted(set(modules)):
        h.update(f"{name}={_source_digest(name)};".encode())
    for text in texts:
        h.update(text.encode())
    return h.hexdigest()[:32]


def _writable(path: Path) -> bool:
    try:
        path.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=path).close()
    except OSError:
        return False
    return True


def generated_dir() -> Path | None:
    """The folder for generated modules: the first writable of these, or None.

    1. ``$NUMBA_CACHE_DIR/stratsim-generated`` when numba's cache folder is set
       (numba reads ``NUMBA_CACHE_DIR`` once, at import; worker processes inherit
       the variable, so they use the same folder);
    2. ``__pycache__/generated`` inside this package (where numba caches the
       package's own kernels);
    3. the user's cache folder (``~/.cache/stratsim/generated`` on Linux).

    Returns
    -------
    pathlib.Path or None
    """
    candidates = []
    if nb_config.CACHE_DIR:
        candidates.append(Path(nb_config.CACHE_DIR) / "stratsim-generated")
    candidates.append(Path(__file__).resolve().parent / "__pycache__" / "generated")
    try:
        from numba.misc.appdirs import AppDirs

        candidates.append(Path(AppDirs(appname="stratsim", appauthor=False).user_cache_dir) / "generated")
    except ImportError:  # pragma: no cover - numba without its vendored appdirs
        pass
    return next((c for c in candidates if _writable(c)), None)


def generated_module(stem: str, source: str) -> ModuleType | None:
    """Write ``source`` as a module (once per distinct text) and import it; None if no folder is writable.

    The file is ``<generated_dir()>/<stem>_<hash of source>.py``; an existing
    file is never rewritten (its compiled code stays valid), a new one is
    written atomically, so concurrent processes agree on it. The module is
    registered in ``sys.modules`` under its file name (numba re-imports a cached
    function's module by name). Where nothing is writable, one
    :class:`CacheWarning` is emitted and None returned (the caller compiles in
    memory).

    Parameters
    ----------
    stem : str
        A Python identifier prefix for the module name.
    source : str
        The module's text: it must name everything it depends on (e.g. a
        :func:`source_key` in a comment), since only the text keys the file.

    Returns
    -------
    module or None
    """
    if not (isinstance(stem, str) and stem.isidentifier()):
        raise ValidationError(f"stem must be a Python identifier, got {stem!r}")
    name = f"{stem}_{hashlib.sha256(source.encode()).hexdigest()[:20]}"
    if name in sys.modules:
        return sys.modules[name]
    folder = generated_dir()
    if folder is None:
        warn_no_cache("no writable folder for generated modules")
        return None
    path = folder / f"{name}.py"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(source)
            try:
                os.link(tmp, path)  # never replaces a file another process wrote (its cache stays valid)
            except FileExistsError:
                pass
            except OSError:  # no hard links here
                if not path.exists():
                    os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module
