"""The scenario contract: parameters -> studies -> simulation -> tidy rows -> figures.

A scenario module defines a frozen parameters dataclass (every field with a
default: the scenario's settings and the lists its grids sweep) and one or more
:class:`Study` objects, and ties them together in a module-level ``SCENARIO``.
A study has its own frozen *cell* dataclass (the parameters of one run), a
``grid(params)`` listing its cells (dicts of cell-field values), a
``run(cell, rng)`` returning tidy rows and a ``plot(results, out_dir)``. The
sweep runs each study's ``run`` once per cell and replication; cell keys (and
``study``) become columns of ``results.csv``. A cell's fields that the grid
does not set take the scenario parameter of the same name, else their default.

Rows are dicts with at least ``metric`` (str) and ``value`` (a number); any
other keys (``t``, ``policy``, ...) become extra columns.

A scenario module ends with ``SCENARIO.run_if_main(__name__)``, which makes
``python -m scenarios.NAME [options]`` work like ``stratsim run NAME [options]``.

Examples
--------
>>> from dataclasses import dataclass
>>> from sim.scenario import Scenario, Study
>>> @dataclass(frozen=True)
... class Settings:
...     n: int = 100
...     rates: tuple = (0.5, 0.8)
>>> @dataclass(frozen=True)
... class Cell:
...     n: int = 100
...     rate: float = 0.5
>>> def run_means(cell, rng):
...     x = rng.exponential(1 / cell.rate, size=cell.n)
...     return [{"metric": "mean", "value": float(x.mean())}]
>>> means = Study("means", cell=Cell, run=run_means, grid=lambda p: [{"rate": r} for r in p.rates],
...               sweeps={"rate": "rates"})
>>> demo = Scenario(name="demo", description="Exponential means.", params=Settings,
...                 studies=(means,), quick={"n": 10})
>>> p = demo.make_params({"rates": "(1.0, 2.0)"}, quick=True)
>>> demo.cells(p)
[{'study': 'means', 'rate': 1.0}, {'study': 'means', 'rate': 2.0}]
>>> demo.cell_params(p, demo.cells(p)[1])
Cell(n=10, rate=2.0)
>>> demo.make_params({"rate": "3"})
Traceback (most recent call last):
...
sim.errors.ValidationError: scenario 'demo': rate is set per cell by the grid of study 'means'; set rates instead

The single-function form (``run``, ``grid`` and ``plot`` on the scenario, one
dataclass) is still accepted:

>>> from dataclasses import dataclass
>>> from sim.scenario import Scenario
>>> @dataclass(frozen=True)
... class Params:
...     n: int = 100
...     rates: tuple = (0.5, 0.8)
...     rate: float = 0.5
>>> def run(params, rng):
...     x = rng.exponential(1 / params.rate, size=params.n)
...     return [{"metric": "mean", "value": float(x.mean())}]
>>> demo = Scenario(
...     name="demo", description="Exponential means.", params=Params, run=run,
...     grid=lambda p: [{"rate": r} for r in p.rates], quick={"n": 10})
>>> p = demo.make_params({"rates": "(1.0, 2.0)"}, quick=True)
>>> p.n, p.rates
(10, (1.0, 2.0))
>>> demo.cells(p)
[{'rate': 1.0}, {'rate': 2.0}]
>>> demo.make_params({"size": "3"})
Traceback (most recent call last):
...
sim.errors.UnknownNameError: scenario 'demo' has no parameter 'size'; parameters: n, rates, rate
"""

from __future__ import annotations

import ast
import dataclasses
import math
import numbers
import os
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import InputTypeError, StratsimError, UnknownNameError, ValidationError
from .intervals import REAL, Support, as_support, support_of
from .results import Results

__all__ = ["Scenario", "Study", "coerce_value"]


@dataclass(frozen=True)
class Study:
    """One study of a scenario: its cell parameters, grid, run and figures.

    Parameters
    ----------
    name : str
        The study's name (the ``study`` column of ``results.csv``).
    cell : type
        A frozen dataclass, every field with a default: one run's parameters.
        It may validate in ``__post_init__``.
    run : callable
        ``run(cell, rng) -> iterable of dict rows``: one replication of one cell.
    grid : callable, optional
        ``grid(params) -> iterable of dict`` of cell-field values (default: one
        cell of defaults).
    plot : callable, optional
        ``plot(results, out_dir) -> list of paths``, given this study's rows.
    sweeps : mapping, optional
        Cell field -> the scenario parameter whose values the grid gives it
        (e.g. ``{"rho": "rhos"}``); used in messages and by ``stratsim params``.
    description : str
        One line on what the study shows.
    metrics : mapping, optional
        Metric name (or glob pattern such as ``"share_*"``) -> its support: a
        :class:`~sim.intervals.Support` or one of ``"share"``,
        ``"nonnegative"``, ``"ratio"`` (>= 1), ``"unbounded"``, or a
        ``(lower, upper)`` pair. Summaries and figure bands use intervals
        inside it (:mod:`sim.intervals`); every metric the study writes must
        be declared.
    headline : tuple of str
        The metrics whose precision ``stratsim run --precision`` controls.
    """

    name: str
    cell: type
    run: Callable
    grid: Callable | None = None
    plot: Callable | None = None
    sweeps: Mapping[str, str] = field(default_factory=dict)
    description: str = ""
    metrics: Mapping[str, Any] = field(default_factory=dict)
    headline: tuple = ()

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise InputTypeError(f"Study name must be an identifier string, got {self.name!r}")
        if not dataclasses.is_dataclass(self.cell):
            raise InputTypeError(f"Study {self.name!r}: cell must be a dataclass, got {self.cell!r}")
        for what in ("run", "grid", "plot"):
            value = getattr(self, what)
            if value is not None and not callable(value):
                raise InputTypeError(f"Study {self.name!r}: {what} must be callable, got {value!r}")
        _check_metrics(f"Study {self.name!r}", self.metrics, self.headline)
        known = {f.name for f in dataclasses.fields(self.cell)}
        bad = [k for k in self.sweeps if k not in known]
        if bad:
            raise ValidationError(f"Study {self.name!r}: sweeps names {bad[0]!r}, which is not a field of "
                                  f"{self.cell.__name__}")

    @property
    def field_names(self) -> list[str]:
        """Names of the cell parameters."""
        return [f.name for f in dataclasses.fields(self.cell)]

    def cells(self, params: Any) -> list[dict]:
        """This study's cells for scenario parameters ``params``."""
        cells = [{}] if self.grid is None else [dict(c) for c in self.grid(params)]
        known = set(self.field_names)
        for c in cells:
            bad = [k for k in c if k not in known]
            if bad:
                raise StratsimError(f"study {self.name!r}: its grid sets {bad[0]!r}, which is not a field of "
                                    f"{self.cell.__name__}")
        return cells

    def make_cell(self, params: Any, values: Mapping[str, Any]) -> Any:
        """The cell dataclass: ``values``, else the scenario parameter of the same name, else the default."""
        kwargs = {}
        for name in self.field_names:
            if name in values:
                kwargs[name] = values[name]
            elif params is not None and hasattr(params, name):
                kwargs[name] = getattr(params, name)
        try:
            return self.cell(**kwargs)
        except StratsimError:
            raise
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"study {self.name!r}: invalid cell {dict(values)}: {exc}") from exc


@dataclass(frozen=True)
class Scenario:
    """A runnable study.

    Parameters
    ----------
    name : str
        Registry name (``stratsim run NAME``).
    description : str
        One line shown by ``stratsim list``.
    params : type
        A frozen dataclass whose fields all have defaults; it may validate in
        ``__post_init__`` by raising :class:`~sim.errors.ValidationError`.
    studies : tuple of Study
        The studies (each with its own cells, run and figures). Without
        studies, ``run`` (and optionally ``grid``) define a single study on
        ``params`` itself.
    run : callable, optional
        ``run(params, rng) -> iterable of dict rows``; one replication of one
        cell (the single-function form).
    plot : callable, optional
        ``plot(results, out_dir) -> list of written paths``; ``results`` is a
        :class:`~sim.results.Results`. With studies, the default draws each
        study's figures from its own rows.
    grid : callable, optional
        ``grid(params) -> list of dict`` cell overrides (single-function form);
        default one cell ``{}``.
    quick : mapping
        Parameter overrides applied by ``--quick`` (a run of a few seconds).
    replications, quick_replications : int
        Default replications for a full and a ``--quick`` run.
    metrics, headline : mapping, tuple
        As for :class:`Study` (the single-function form; with studies, each
        study declares its own).
    requires : mapping
        Modules the scenario needs beyond the core install, each mapped to the
        extra that installs it (``{"gymnasium": "rl"}``): see
        :meth:`missing_extras`.
    """

    name: str
    description: str
    params: type
    run: Callable | None = None
    plot: Callable | None = None
    grid: Callable | None = None
    quick: Mapping[str, Any] = field(default_factory=dict)
    replications: int = 10
    quick_replications: int = 3
    studies: tuple = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    headline: tuple = ()
    requires: Mapping[str, str] = field(default_factory=dict)

    def missing_extras(self) -> list[str]:
        """The extras (from :attr:`requires`) whose modules are not installed here, in order."""
        import importlib.util

        return list(dict.fromkeys(extra for module, extra in self.requires.items()
                                  if importlib.util.find_spec(module) is None))

    def __post_init__(self) -> None:
        if not dataclasses.is_dataclass(self.params):
            raise InputTypeError(f"Scenario {self.name!r}: params must be a dataclass, got {self.params!r}")
        object.__setattr__(self, "studies", tuple(self.studies))
        if self.studies:
            if self.run is not None or self.grid is not None:
                raise InputTypeError(f"Scenario {self.name!r}: give either studies or run/grid, not both")
            names = [s.name for s in self.studies]
            if not all(isinstance(s, Study) for s in self.studies) or len(set(names)) != len(names):
                raise InputTypeError(f"Scenario {self.name!r}: studies must be Study objects with distinct "
                                     f"names, got {self.studies!r}")
        elif self.run is None:
            raise InputTypeError(f"Scenario {self.name!r}: needs studies or a run function")
        _check_metrics(f"Scenario {self.name!r}", self.metrics, self.headline)
        if self.studies and (self.metrics or self.headline):
            raise InputTypeError(f"Scenario {self.name!r}: with studies, each study declares its metrics")
        unknown = [k for k in self.quick if k not in self.field_names]
        if unknown:
            raise UnknownNameError(f"Scenario {self.name!r}: quick sets {unknown[0]!r}, which is not a parameter")

    def study(self, name: str) -> Study:
        """The study called ``name``."""
        for s in self.studies:
            if s.name == name:
                return s
        raise UnknownNameError(f"scenario {self.name!r} has no study {name!r}; studies: "
                               f"{', '.join(s.name for s in self.studies) or '(none)'}")

    def _grid_field(self, key: str) -> str | None:
        """A message for ``key`` if it is a cell field that a study's grid sets (and not a parameter)."""
        for s in self.studies:
            if key in s.sweeps:
                return f"{key} is set per cell by the grid of study {s.name!r}; set {s.sweeps[key]} instead"
        for s in self.studies:
            if key in s.field_names:
                return f"{key} is a cell parameter of study {s.name!r} that the scenario does not expose"
        return None

    @property
    def declares_metrics(self) -> bool:
        """Whether the scenario (or each of its studies) declares its metrics' supports."""
        return bool(self.metrics) or (bool(self.studies) and all(s.metrics for s in self.studies))

    def support(self, metric: str, study: str | None = None) -> Support:
        """The declared support of ``metric`` (of study ``study``).

        A scenario that declares no metrics at all (written before supports
        existed) gets the unbounded support for every metric; one that declares
        some must declare every metric it writes.
        """
        if not self.declares_metrics:
            return REAL
        if self.studies:
            table = self.study(study).metrics if study is not None else {
                k: v for s in self.studies for k, v in s.metrics.items()}
        else:
            table = self.metrics
        return support_of(metric, table)

    def headline_metrics(self, study: str | None = None) -> tuple:
        """The headline metrics (of study ``study``; of the whole scenario if None)."""
        if not self.studies:
            return tuple(self.headline)
        chosen = [self.study(study)] if study is not None else self.studies
        return tuple(m for s in chosen for m in s.headline)

    @property
    def has_figures(self) -> bool:
        """Whether :meth:`make_figures` draws anything."""
        return self.plot is not None or any(s.plot is not None for s in self.studies)

    def make_figures(self, results: Results, out_dir: str | os.PathLike[str]) -> list:
        """Draw the figures of ``results`` into ``out_dir``; return the written paths.

        ``plot`` if the scenario has one, else each study's ``plot`` on its own rows.
        """
        results = results.with_supports(self.support)
        if self.plot is not None:
            return list(self.plot(results, out_dir) or [])
        paths = []
        for s in self.studies:
            if s.plot is None:
                continue
            sub = results.filter(study=s.name)
            if sub.rows:
                paths += list(s.plot(sub, out_dir) or [])
        return paths

    def run_if_main(self, module_name: str) -> None:
        """Run this scenario's command line when ``module_name == "__main__"`` (then exit).

        A scenario module ends with ``SCENARIO.run_if_main(__name__)`` so that
        ``python -m scenarios.NAME [options]`` equals ``stratsim run NAME [options]``.
        """
        if module_name != "__main__":
            return
        import sys

        from .cli import main

        raise SystemExit(main(["run", self.name, *sys.argv[1:]]))

    @property
    def field_names(self) -> list[str]:
        """Names of the parameters."""
        return [f.name for f in dataclasses.fields(self.params)]

    def make_params(self, overrides: Mapping[str, Any] | None = None, *, quick: bool = False) -> Any:
        """Build the parameters: defaults, then ``quick`` overrides, then ``overrides``.

        String values (from ``--set KEY=VALUE``) are converted to the field's type.
        """
        values = dict(self.quick) if quick else {}
        for key, value in (overrides or {}).items():
            values[key] = value
        hints = typing.get_type_hints(self.params)
        known = self.field_names
        converted = {}
        for key, value in values.items():
            if key not in known:
                grid_field = self._grid_field(key)
                if grid_field is not None:
                    raise ValidationError(f"scenario {self.name!r}: {grid_field}")
                raise UnknownNameError(
                    f"scenario {self.name!r} has no parameter {key!r}; parameters: {', '.join(known)}"
                )
            converted[key] = coerce_value(key, value, hints.get(key, Any))
        try:
            return self.params(**converted)
        except StratsimError:
            raise
        except (TypeError, ValueError) as exc:
            raise ValidationError(f"scenario {self.name!r}: invalid parameters: {exc}") from exc

    def cells(self, params: Any) -> list[dict]:
        """The grid's cells for ``params`` (each a dict of parameter overrides)."""
        if self.studies:
            cells = [{"study": s.name, **c} for s in self.studies for c in s.cells(params)]
        else:
            cells = [{}] if self.grid is None else [dict(c) for c in self.grid(params)]
        if not cells:
            raise ValidationError(f"scenario {self.name!r}: the grid is empty for {params}")
        return cells

    def cell_params(self, params: Any, cell: Mapping[str, Any]) -> Any:
        """The parameters one run of ``cell`` gets (a study's cell dataclass, or ``params`` updated)."""
        if self.studies:
            values = dict(cell)
            return self.study(values.pop("study")).make_cell(params, values)
        return dataclasses.replace(params, **cell) if cell else params

    def run_cell(self, params: Any, cell: Mapping[str, Any], rng: np.random.Generator) -> list[dict]:
        """Run one replication of one cell and check the rows."""
        cell_params = self.cell_params(params, cell)
        run = self.study(cell["study"]).run if self.studies else self.run
        rows = [dict(r) for r in run(cell_params, rng)]
        for row in rows:
            if not isinstance(row.get("metric"), str) or not isinstance(row.get("value"), numbers.Real):
                raise StratsimError(
                    f"scenario {self.name!r} returned a row without a str 'metric' and a numeric "
                    f"'value': {row!r}"
                )
            row["value"] = float(row["value"])
        return rows


def _check_metrics(owner: str, metrics: Mapping[str, Any], headline: tuple) -> None:
    if not isinstance(metrics, Mapping):
        raise InputTypeError(f"{owner}: metrics must be a mapping of metric -> support, got {metrics!r}")
    for metric, kind in metrics.items():
        if not isinstance(metric, str):
            raise InputTypeError(f"{owner}: metric names must be strings, got {metric!r}")
        as_support(kind, name=f"{owner}: the support of {metric!r}")
    if not isinstance(headline, tuple) or not all(isinstance(m, str) for m in headline):
        raise InputTypeError(f"{owner}: headline must be a tuple of metric names, got {headline!r}")
    if headline and not metrics:
        raise ValidationError(f"{owner}: headline metrics {headline} need declared supports (metrics=...)")
    for m in headline:
        support_of(m, metrics)  # an undeclared headline metric is an error naming it


def _parse_literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def coerce_value(name: str, value: Any, hint: Any) -> Any:
    """Convert ``value`` (often a string from the command line) to type ``hint``.

    Examples
    --------
    >>> coerce_value("reps", "3", int)
    3
    >>> coerce_value("sigmas", "0,10,20", tuple[float, ...])
    (0.0, 10.0, 20.0)
    >>> coerce_value("rate", "fast", float)
    Traceback (most recent call last):
    ...
    sim.errors.InputTypeError: parameter rate must be float, got 'fast'
    >>> coerce_value("mu", "nan", float)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: parameter mu must be finite, got 'nan'
    >>> coerce_value("rhos", "0.3,abc", tuple[float, ...])
    Traceback (most recent call last):
    ...
    sim.errors.InputTypeError: parameter rhos: element 2 ('abc') is invalid: must be float, got 'abc'
    """
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if hint is Any:
        return _parse_literal(value) if isinstance(value, str) else value
    if origin in (typing.Union, types.UnionType):
        if value is None or (isinstance(value, str) and value.lower() == "none"):
            if type(None) in args:
                return None
        for arg in args:
            if arg is type(None):
                continue
            try:
                return coerce_value(name, value, arg)
            except StratsimError:
                continue
        raise InputTypeError(f"parameter {name} must be {hint}, got {value!r}")
    if origin is tuple or hint is tuple:
        if isinstance(value, str):
            text = value.strip()
            parsed = _parse_literal(text if text.startswith(("(", "[")) else f"({text},)")
            if isinstance(parsed, str):  # not a Python literal: split the elements and convert each
                parsed = [e.strip() for e in text.strip("()[]").split(",") if e.strip()]
            value = parsed
        if not isinstance(value, (tuple, list)):
            value = (value,)
        if args and args[-1] is Ellipsis:
            out = []
            for k, v in enumerate(value):
                try:
                    out.append(coerce_value(name, v, args[0]))
                except StratsimError as exc:
                    kind = type(exc)
                    raise kind(f"parameter {name}: element {k + 1} ({v!r}) is invalid: "
                               f"{str(exc).replace(f'parameter {name} ', '', 1)}") from None
            return tuple(out)
        if args:
            if len(args) != len(value):
                raise ValidationError(f"parameter {name} must have {len(args)} entries, got {value!r}")
            return tuple(coerce_value(name, v, a) for v, a in zip(value, args))
        return tuple(value)
    if hint is bool:
        if isinstance(value, str):
            low = value.lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off"):
                return False
        if isinstance(value, bool):
            return value
        raise InputTypeError(f"parameter {name} must be bool, got {value!r}")
    if hint is int:
        parsed = _parse_literal(value) if isinstance(value, str) else value
        if isinstance(parsed, bool) or not isinstance(parsed, numbers.Integral):
            if isinstance(parsed, float) and parsed.is_integer():
                return int(parsed)
            raise InputTypeError(f"parameter {name} must be int, got {value!r}")
        return int(parsed)
    if hint is float:
        parsed = _parse_literal(value) if isinstance(value, str) else value
        if isinstance(parsed, str):
            try:  # float() also reads nan and inf, which are floats but not valid parameter values
                parsed = float(parsed)
            except ValueError:
                pass
        if isinstance(parsed, bool) or not isinstance(parsed, numbers.Real):
            raise InputTypeError(f"parameter {name} must be float, got {value!r}")
        if not math.isfinite(parsed):
            raise ValidationError(f"parameter {name} must be finite, got {value!r}")
        return float(parsed)
    if hint is str:
        return str(value)
    return value
