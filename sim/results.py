"""Tidy results: long-format rows, CSV input/output, summaries across replications.

A results table is a list of rows (dicts) with the columns
``scenario, cell, <cell parameters...>, rep, <extra keys...>, metric, value``.
:class:`Results` filters it and summarises a metric as mean and confidence
interval across replications, which is what the figures draw.

Examples
--------
>>> from sim.results import Results
>>> rows = [{"rep": r, "x": x, "metric": "y", "value": x + r} for r in range(3) for x in (1, 2)]
>>> res = Results(rows)
>>> s = res.summary(x="x", metric="y")[0]
>>> s.x.tolist(), s.mean.tolist(), s.n.tolist()
([1.0, 2.0], [2.0, 3.0], [3, 3])
>>> bool(s.lo[0] < 2.0 < s.hi[0])
True
"""

from __future__ import annotations

import csv
import io
import math
import os
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .errors import UnknownNameError, ValidationError
from .intervals import MIN_N, REAL, Support, as_support, intervals

__all__ = ["Results", "Summary", "atomic_write", "format_value", "mean_ci", "read_csv", "write_csv"]


def format_value(value: Any) -> str:
    """Format a cell for CSV: shortest round-trip repr for floats (deterministic bytes)."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if isinstance(value, (tuple, list)):
        return " ".join(format_value(v) for v in value)
    return str(value)


def _parse(text: str) -> int | float | str | None:
    if text == "":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    The file gets the mode the umask gives (``0o666 & ~umask``, 0644 under
    umask 022), as a plain ``open`` would: results are meant to be shared.

    Examples
    --------
    >>> import os, stat, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> old = os.umask(0o022)
    >>> atomic_write(path, "x\\n")
    >>> _ = os.umask(old)
    >>> oct(stat.S_IMODE(os.stat(path).st_mode))
    '0o644'
    """
    path = Path(path)
    data = data.encode("utf-8") if isinstance(data, str) else data
    # Not mkstemp: it creates the file 0600 whatever the umask. O_EXCL on a
    # name unique to this process and call is just as safe against collisions.
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_csv(path: str | os.PathLike[str], rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """Write ``rows`` (dicts) with ``columns`` to ``path`` atomically."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([format_value(row.get(c)) for c in columns])
    atomic_write(path, buf.getvalue())


def read_csv(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Read a results CSV into rows, numbers parsed.

    A file that is not a complete table (a row with more or fewer fields than
    the header, e.g. a copy cut mid-row) raises :class:`~sim.errors.ValidationError`
    naming the file and the line, instead of yielding rows with missing values.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "results.csv")
    >>> write_csv(path, [{"metric": "m", "value": 1.5}], ["metric", "value"])
    >>> read_csv(path)
    [{'metric': 'm', 'value': 1.5}]
    >>> with open(path, "a") as fh:
    ...     _ = fh.write("m,2.")
    >>> read_csv(path)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: '...results.csv' is truncated: row 3 does not end with a newline
    """
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            text = fh.read()
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{str(path)!r} is not a UTF-8 CSV file ({exc})") from None
    except OSError as exc:
        raise ValidationError(f"{str(path)!r} cannot be read ({exc.strerror or exc})") from None
    if not text:
        raise ValidationError(f"{str(path)!r} is empty (no header row)")
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ValidationError(f"{str(path)!r} is not a valid CSV file: {exc}") from None
    if not text.endswith("\n"):
        # write_csv ends every row with a newline: a missing one means the file was cut.
        raise ValidationError(f"{str(path)!r} is truncated: row {len(records)} does not end with a newline")
    header = records[0]
    if len(set(header)) != len(header) or "" in header:
        raise ValidationError(f"{str(path)!r} has an invalid header row: {header!r}")
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise ValidationError(f"{str(path)!r} row {number} has {len(record)} fields, the header "
                                  f"{len(header)}: the file is damaged or truncated")
        rows.append({k: _parse(v) for k, v in zip(header, record)})
    return rows


def mean_ci(values: ArrayLike, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t confidence interval of ``values``: ``(mean, lo, hi)``.

    With fewer than two values the interval collapses onto the mean.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if x.size < 2:
        return m, m, m
    half = float(stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    return m, m - half, m + half


@dataclass
class Summary:
    """Mean and confidence band of one metric against ``x`` for one group.

    ``lo``/``hi`` come from :func:`sim.intervals.intervals` inside
    ``support``; where ``n < 3`` they are the range of the values and
    ``method`` is ``"range"`` (figures then draw ``values``, not a band).
    """

    label: str
    group: dict
    x: np.ndarray
    mean: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    n: np.ndarray
    values: list = field(default_factory=list)
    method: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=str))
    level: float = 0.95
    support: Support = REAL

    @property
    def has_band(self) -> bool:
        """True if every point has a confidence interval (at least 3 values)."""
        return bool(self.n.size) and bool(np.all(self.n >= MIN_N))


class Results:
    """A tidy results table.

    Parameters
    ----------
    rows : list of dict
        Long-format rows.
    supports : callable, optional
        ``supports(metric, study) -> Support``: what each metric can be (a
        scenario's :meth:`~sim.scenario.Scenario.support`); :meth:`summary`
        draws its intervals inside it. Default: every metric unbounded.
    """

    def __init__(self, rows: Iterable[dict[str, Any]],
                 supports: Callable[[str, Any], Support] | None = None) -> None:
        self.rows = list(rows)
        self.supports = supports

    def with_supports(self, supports: Callable[[str, Any], Support] | None) -> Results:
        """The same rows with the metric supports ``supports``."""
        return Results(self.rows, supports)

    @classmethod
    def read_csv(cls, path: str | os.PathLike[str]) -> Results:
        """Load ``results.csv``."""
        return cls(read_csv(path))

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Results({len(self.rows)} rows, metrics={self.unique('metric')})"

    @property
    def columns(self) -> list[str]:
        """Column names in first-appearance order."""
        seen = {}
        for row in self.rows:
            for key in row:
                seen.setdefault(key, None)
        return list(seen)

    def filter(self, **equal: Any) -> Results:
        """Rows whose columns equal the given values (a tuple/list value means 'any of')."""
        def keep(row):
            for key, want in equal.items():
                got = row.get(key)
                if isinstance(want, (tuple, list, set)):
                    if got not in want:
                        return False
                elif got != want:
                    return False
            return True

        return Results((r for r in self.rows if keep(r)), self.supports)

    def column(self, name: str) -> list:
        """The values of column ``name``."""
        if self.rows and name not in self.columns:
            raise UnknownNameError(f"no column {name!r}; columns: {', '.join(self.columns)}")
        return [r.get(name) for r in self.rows]

    def values(self, metric: str | None = None) -> np.ndarray:
        """The ``value`` column as floats (optionally of one metric)."""
        rows = self.rows if metric is None else self.filter(metric=metric).rows
        return np.array([r["value"] for r in rows], dtype=float)

    def unique(self, name: str) -> list:
        """Distinct values of column ``name``, sorted (numbers before strings)."""
        vals = {v for v in (r.get(name) for r in self.rows) if v is not None}
        return sorted(vals, key=lambda v: (isinstance(v, str), v))

    def support(self, metric: str) -> Support:
        """The support of ``metric`` (unbounded without ``supports``)."""
        if self.supports is None:
            return REAL
        studies = self.filter(metric=metric).unique("study")
        return as_support(self.supports(metric, studies[0] if len(studies) == 1 else None))

    def summary(self, *, x: str, metric: str, by: str | Sequence[str] = (), level: float = 0.95,
                support: Support | str | tuple[float, float] | None = None) -> list[Summary]:
        """Mean and CI of ``metric`` at each value of column ``x``, one :class:`Summary` per group.

        Replications (and any repeated rows within them) at the same ``x`` and
        group are the sample. The interval lies inside ``support`` (default:
        the metric's declared support, see ``supports``); with fewer than 3
        values at a point it is their range (see :class:`Summary`).
        """
        if isinstance(by, str):
            by = (by,)
        sub = self.filter(metric=metric)
        if not sub.rows:
            raise ValidationError(f"no rows with metric {metric!r}; metrics: {self.unique('metric')}")
        groups: dict[tuple, dict] = {}
        for row in sub.rows:
            key = tuple(row.get(b) for b in by)
            groups.setdefault(key, {}).setdefault(row.get(x), []).append(row["value"])
        sup = self.support(metric) if support is None else as_support(support)
        out = []
        for key in sorted(groups, key=lambda k: tuple((isinstance(v, str), v) for v in k)):
            xs = sorted(groups[key], key=lambda v: (isinstance(v, str), v))
            values = [np.array(groups[key][xv], dtype=float) for xv in xs]
            block = np.full((max(v.size for v in values), len(xs)), np.nan)
            for c, v in enumerate(values):
                block[: v.size, c] = v
            mean, lo, hi, n, _, method = intervals(block, sup, level=level)
            label = ", ".join(f"{b}={v}" for b, v in zip(by, key)) if len(by) > 1 else (
                str(key[0]) if by else metric)
            out.append(Summary(label=label, group=dict(zip(by, key)), x=np.array(xs, dtype=float),
                               mean=mean, lo=lo, hi=hi, n=n, values=values, method=method, level=level,
                               support=sup))
        return out
