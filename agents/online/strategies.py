"""Hypothesis strategies for ski rental and scheduling instances.

Public, so users can property-test their own policies with the same instances
the toolkit's tests use. Like ``hypothesis.extra.numpy``, every strategy takes
keyword-only options and validates them when called. Needs ``hypothesis``
(a test dependency); import this module explicitly.

Examples
--------
>>> from hypothesis import given
>>> from agents.online.strategies import job_sets
>>> @given(job_sets(max_n=4))
... def check(jobs):
...     assert jobs.sizes.min() > 0
>>> check()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from sim.errors import ValidationError
from sim.validate import check_int, check_real

from .checks import check_flag
from .jobs import JobSet

__all__ = ["job_sets", "ski_instances"]


def _at_least(name, value, other, low):
    value = check_int(name, value)
    if value < low:
        raise ValidationError(f"{name} must be >= {other} = {low}, got {value}")
    return value


@st.composite
def _ski(draw, min_b, max_b, max_factor):
    b = draw(st.integers(min_b, max_b))
    x = draw(st.integers(1, max_factor * b))
    y = draw(st.one_of(st.integers(0, max_factor * b).map(float),
                       st.floats(0.0, float(max_factor * b), allow_nan=False)))
    return b, x, y


def ski_instances(*, min_b: int = 1, max_b: int = 200,
                  max_factor: int = 5) -> st.SearchStrategy[tuple[int, int, float]]:
    """``(b, x, y)``: price, season length in ``1..max_factor * b``, prediction in ``[0, max_factor * b]``.

    Predictions mix integers (to hit thresholds such as ``y = b`` exactly) and floats.
    """
    min_b = check_int("min_b", min_b, low=1)
    max_b = _at_least("max_b", max_b, "min_b", min_b)
    max_factor = check_int("max_factor", max_factor, low=1)
    return _ski(min_b, max_b, max_factor)


@st.composite
def _jobs(draw, min_n, max_n, batch, integer_sizes, predictions, max_size, max_release):
    n = draw(st.integers(min_n, max_n))
    if integer_sizes:
        sizes = draw(st.lists(st.integers(1, int(max_size)), min_size=n, max_size=n))
    else:
        sizes = draw(st.lists(st.floats(1e-3, max_size, allow_nan=False), min_size=n, max_size=n))
    sizes = np.asarray(sizes, dtype=float)
    if batch:
        release = np.zeros(n)
    else:
        release = np.asarray(draw(st.lists(st.floats(0.0, max_release, allow_nan=False),
                                           min_size=n, max_size=n)), dtype=float)
    y = None
    if predictions:
        kind = draw(st.sampled_from(["exact", "free", "scaled"]))
        if kind == "exact":
            y = sizes.copy()
        elif kind == "free":
            y = np.asarray(draw(st.lists(st.floats(0.0, max_size, allow_nan=False),
                                         min_size=n, max_size=n)), dtype=float)
        else:
            factors = draw(st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n))
            y = sizes * np.asarray(factors)
    return JobSet(release, sizes, y)


def job_sets(*, min_n: int = 1, max_n: int = 8, batch: bool = True, integer_sizes: bool = False,
             predictions: bool = True, max_size: float = 100.0,
             max_release: float = 50.0) -> st.SearchStrategy[JobSet]:
    """:class:`~agents.online.jobs.JobSet` instances.

    Parameters
    ----------
    min_n, max_n : int
        Range of the number of jobs.
    batch : bool
        All jobs released at 0 (else release times in ``[0, max_release]``).
    integer_sizes : bool
        Whole-number sizes in ``1..max_size`` (all server arithmetic is then exact).
    predictions : bool
        Attach predictions: exact, arbitrary, or the sizes times factors in ``[0.1, 10]``.
    max_size, max_release : float
        Upper ends of sizes and release times.
    """
    min_n = check_int("min_n", min_n, low=1)
    max_n = _at_least("max_n", max_n, "min_n", min_n)
    max_size = check_real("max_size", max_size, low=1.0)
    max_release = check_real("max_release", max_release, low=0.0)
    return _jobs(min_n, max_n, check_flag("batch", batch), check_flag("integer_sizes", integer_sizes),
                 check_flag("predictions", predictions), max_size, max_release)
