"""The jit helper: caching where possible, a working in-memory fallback (one warning) where not."""

import warnings

import numba.core.caching as caching
import numpy as np
import pytest

from markets import jit as jit_module


def _sum(x):
    s = 0.0
    for v in x:
        s += v
    return s


def test_without_any_writable_cache_folder_kernels_still_compile_with_one_warning(monkeypatch):
    # no locator accepts the file: what numba does where the package folder and the user cache are read-only
    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    monkeypatch.setattr(jit_module, "_warned", False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = jit_module.jit(_sum)
        second = jit_module.jit(lambda x: x + 1.0)
    assert first(np.arange(4.0)) == 6.0 and second(1.0) == 2.0
    assert [w.category for w in caught] == [jit_module.CacheWarning]
    assert "NUMBA_CACHE_DIR" in str(caught[0].message)


def test_dependencies_enter_the_cache_key():
    from markets import kernels

    k = jit_module.jit(depends=(kernels,))(_sum)
    stamp = k._cache._cache_file._source_stamp
    assert isinstance(stamp, tuple) and stamp[1] == (jit_module._source_digest(kernels),)
    assert k(np.ones(3)) == 3.0


def test_other_errors_are_not_swallowed(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("something else")

    monkeypatch.setattr(jit_module.nb, "njit", lambda **kw: boom)
    with pytest.raises(RuntimeError, match="something else"):
        jit_module.jit(_sum)
