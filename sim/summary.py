"""``summary.csv``: the numbers behind every figure, one row per cell x metric (x extra keys).

The replications of one cell, metric and extra keys (``t``, ``policy``, ...)
are the sample; each row gives its size, mean and a confidence interval from
:func:`sim.intervals.intervals` inside the metric's declared support.

Columns: the key columns of ``results.csv`` (``scenario``, ``study``, the
cell's fields, the extra keys, ``metric``) in their order, then ``n``,
``mean``, ``lo``, ``hi``, ``level``, ``method`` and ``support``. ``level`` is
empty where ``method`` is ``"range"`` (fewer than 3 replications: ``lo`` and
``hi`` are their minimum and maximum).

Examples
--------
>>> from sim.results import Results
>>> rows = [{"cell": 0, "rep": r, "metric": "share", "value": v} for r, v in enumerate([0.2, 0.4, 0.3])]
>>> out = summarize(Results(rows), {"share": "share"})
>>> {k: out[0][k] for k in ("metric", "n", "method", "support")}
{'metric': 'share', 'n': 3, 'method': 'bca', 'support': 'share'}
>>> 0.0 <= out[0]["lo"] <= out[0]["mean"] <= out[0]["hi"] <= 1.0
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from .intervals import Support, as_support, intervals, support_of
from .results import Results, write_csv

__all__ = ["SUMMARY", "SUMMARY_COLUMNS", "summarize", "write_summary"]

#: File name of the summary beside ``results.csv``.
SUMMARY = "summary.csv"
#: The statistics columns, after the key columns.
SUMMARY_COLUMNS = ("n", "mean", "lo", "hi", "level", "method", "support")
#: Columns of results.csv that are not part of a row's key.
_NOT_KEYS = ("rep", "value")

SupportLookup = Callable[[str, Any], Support]


def _lookup(supports: Mapping[str, Any] | SupportLookup) -> SupportLookup:
    if callable(supports):
        return supports
    table = dict(supports)
    return lambda metric, study: support_of(metric, table)


def summarize(results: Results, supports: Mapping[str, Any] | SupportLookup, *, level: float = 0.95,
              rng: int = 0) -> list[dict[str, Any]]:
    """One summary row per cell x metric x extra keys of ``results``.

    Parameters
    ----------
    results : Results
        Rows of ``results.csv`` (long format: ``metric``, ``value``, ``rep``).
    supports : mapping or callable
        Metric name (or glob pattern) -> support (see
        :func:`sim.intervals.as_support`), or ``supports(metric, study)`` ->
        :class:`~sim.intervals.Support` (``study`` is the row's ``study``
        column, None without one). A metric without a support is an error.
    level : float
        Confidence level.
    rng : int
        Seed of the bootstrap intervals (fixed: the same results give the same
        summary).

    Returns
    -------
    list of dict
        Rows in first-appearance order of their keys.
    """
    lookup = _lookup(supports)
    columns = results.columns
    keys = [c for c in columns if c not in _NOT_KEYS]
    groups: dict[tuple, list[float]] = {}
    for row in results.rows:
        groups.setdefault(tuple(row.get(k) for k in keys), []).append(row.get("value"))
    metric_at = keys.index("metric") if "metric" in keys else None
    study_at = keys.index("study") if "study" in keys else None
    # groups of one support are summarised together: one vectorised call per support
    by_support: dict[Support, list[tuple]] = {}
    for key in groups:
        metric = key[metric_at] if metric_at is not None else "value"
        study = key[study_at] if study_at is not None else None
        by_support.setdefault(as_support(lookup(str(metric), study)), []).append(key)
    stats: dict[tuple, tuple] = {}
    for sup, members in by_support.items():
        width = max(len(groups[k]) for k in members)
        block = np.full((width, len(members)), np.nan)
        for c, k in enumerate(members):
            vals = np.array([np.nan if v is None or v == "" else v for v in groups[k]], dtype=float)
            block[: vals.size, c] = vals
        mean, lo, hi, n, lev, meth = intervals(block, sup, level=level, rng=rng)
        for c, k in enumerate(members):
            stats[k] = (int(n[c]), float(mean[c]), float(lo[c]), float(hi[c]),
                        None if meth[c] == "range" else float(lev[c]), str(meth[c]), sup.name)
    return [{**dict(zip(keys, k)), **dict(zip(SUMMARY_COLUMNS, stats[k]))} for k in groups]


def write_summary(path: str | os.PathLike[str], results: Results, supports: Mapping[str, Any] | SupportLookup,
                  *, level: float = 0.95) -> Path:
    """Write :func:`summarize` of ``results`` to ``path`` (atomically); return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sim.results import Results, read_csv
    >>> rows = [{"rep": r, "metric": "wait", "value": v} for r, v in enumerate([1.0, 2.0, 4.0])]
    >>> p = write_summary(pathlib.Path(tempfile.mkdtemp()) / "summary.csv", Results(rows), {"wait": "nonnegative"})
    >>> read_csv(p)[0]["method"]
    'log-t'
    """
    rows = summarize(results, supports, level=level)
    keys = [c for c in results.columns if c not in _NOT_KEYS]
    write_csv(path, rows, [*keys, *SUMMARY_COLUMNS])
    return Path(path)
