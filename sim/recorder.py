"""Time-stamped metric recording, columnar and cheap per record.

A :class:`Recorder` keeps, for each metric name, two growing columns: the
simulation times and the values. Recording is two list appends (the cheapest
thing Python offers); columns become numpy arrays only when read.

Examples
--------
>>> from sim.recorder import Recorder
>>> clock = iter([0.0, 1.5, 2.0])
>>> rec = Recorder(clock=lambda: next(clock))
>>> rec.record("queue", 3)
>>> rec.record("queue", 1)
>>> rec.record("wait", 0.25)
>>> t, v = rec.series("queue")
>>> t.tolist(), v.tolist()
([0.0, 1.5], [3.0, 1.0])
>>> rec.mean("queue")
2.0
>>> sorted(rec.metrics)
['queue', 'wait']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import UnknownNameError, ValidationError

__all__ = ["Recorder"]


class Recorder:
    """Columnar store of ``(time, value)`` records per metric.

    Parameters
    ----------
    clock : callable, optional
        Returns the current time; :class:`~sim.engine.Simulation` passes its
        environment's clock. Without one, times must be given to :meth:`record`.
    """

    __slots__ = ("_clock", "_columns")

    def __init__(self, clock: Callable[[], float] | None = None) -> None:
        self._clock = clock
        self._columns: dict[str, tuple[list, list]] = {}

    def record(self, metric: str, value: ArrayLike, time: float | None = None) -> None:
        """Append ``value`` for ``metric`` at ``time`` (default: the clock's now)."""
        try:
            times, values = self._columns[metric]
        except KeyError:
            times, values = self._columns[metric] = ([], [])
        times.append(self._clock() if time is None else time)
        values.append(value)

    def extend(self, metric: str, values: Iterable[ArrayLike], times: Iterable[float]) -> None:
        """Append many records of ``metric`` at once (``values`` and ``times`` of equal length)."""
        values = list(values.tolist() if isinstance(values, np.ndarray) else values)
        times = list(times.tolist() if isinstance(times, np.ndarray) else times)
        if len(values) != len(times):
            raise ValidationError(f"values and times must have equal lengths, got {len(values)} and {len(times)}")
        column_times, column_values = self._columns.setdefault(metric, ([], []))
        column_times.extend(times)
        column_values.extend(values)

    def channel(self, metric: str) -> Callable[..., None]:
        """Return a fast ``append(value)`` function for one metric (for hot loops)."""
        times, values = self._columns.setdefault(metric, ([], []))
        clock = self._clock

        def append(value: ArrayLike, time: float | None = None) -> None:
            times.append(clock() if time is None else time)
            values.append(value)

        return append

    @property
    def metrics(self) -> list[str]:
        """Names of the recorded metrics, in first-record order."""
        return list(self._columns)

    def __contains__(self, metric: object) -> bool:
        return metric in self._columns

    def __len__(self) -> int:
        return sum(len(t) for t, _ in self._columns.values())

    def series(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """``(times, values)`` of ``metric`` as float arrays."""
        try:
            times, values = self._columns[metric]
        except KeyError:
            raise UnknownNameError(
                f"metric {metric!r} was never recorded; recorded: {sorted(self._columns)}"
            ) from None
        return np.asarray(times, dtype=float), np.asarray(values, dtype=float)

    def values(self, metric: str) -> np.ndarray:
        """The values of ``metric`` as a float array."""
        return self.series(metric)[1]

    def mean(self, metric: str) -> float:
        """Mean of the recorded values of ``metric``."""
        return float(np.mean(self.values(metric)))

    def time_average(self, metric: str, until: float, since: float | None = None) -> float:
        """Time average over ``[since, until]`` of a piecewise-constant ``metric``.

        The value recorded at ``t[k]`` holds until ``t[k+1]`` (e.g. a queue length).
        ``since`` defaults to the first record's time.
        """
        t, v = self.series(metric)
        if t.size == 0:
            return float("nan")
        since = t[0] if since is None else since
        if until <= since:
            raise ValidationError(f"until must be after since={since}, got {until}")
        edges = np.clip(np.append(t, until), since, until)
        return float(np.sum(v * np.diff(edges)) / (until - since))

    def to_rows(self) -> Iterator[dict[str, Any]]:
        """Yield tidy rows ``{"metric", "t", "value"}`` for every record."""
        for metric, (times, values) in self._columns.items():
            for t, v in zip(times, values):
                yield {"metric": metric, "t": t, "value": v}
