"""The scenario contract: parameters -> simulation -> tidy rows -> figures.

A scenario module defines a frozen parameters dataclass (every field with a
default), a ``run(params, rng)`` function returning tidy rows, a
``plot(results, out_dir)`` function, and a module-level ``SCENARIO`` tying them
together. The sweep runs ``run`` once per *cell* of the grid and replication;
a cell is a dict of parameter overrides, and its keys become columns of
``results.csv``.

Rows are dicts with at least ``metric`` (str) and ``value`` (a number); any
other keys (``t``, ``policy``, ...) become extra columns.

Examples
--------
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
import numbers
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputTypeError, StratsimError, UnknownNameError, ValidationError

__all__ = ["Scenario", "coerce_value"]


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
    run : callable
        ``run(params, rng) -> iterable of dict rows``; one replication of one cell.
    plot : callable, optional
        ``plot(results, out_dir) -> list of written paths``; ``results`` is a
        :class:`~sim.results.Results`.
    grid : callable, optional
        ``grid(params) -> list of dict`` cell overrides; default one cell ``{}``.
    quick : mapping
        Parameter overrides applied by ``--quick`` (a run of a few seconds).
    replications, quick_replications : int
        Default replications for a full and a ``--quick`` run.
    """

    name: str
    description: str
    params: type
    run: Callable
    plot: Callable | None = None
    grid: Callable | None = None
    quick: Mapping[str, Any] = field(default_factory=dict)
    replications: int = 10
    quick_replications: int = 3

    def __post_init__(self):
        if not dataclasses.is_dataclass(self.params):
            raise InputTypeError(f"Scenario {self.name!r}: params must be a dataclass, got {self.params!r}")

    @property
    def field_names(self) -> list[str]:
        """Names of the parameters."""
        return [f.name for f in dataclasses.fields(self.params)]

    def make_params(self, overrides: Mapping[str, Any] | None = None, *, quick: bool = False):
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

    def cells(self, params) -> list[dict]:
        """The grid's cells for ``params`` (each a dict of parameter overrides)."""
        cells = [{}] if self.grid is None else [dict(c) for c in self.grid(params)]
        if not cells:
            raise ValidationError(f"scenario {self.name!r}: the grid is empty for {params}")
        return cells

    def run_cell(self, params, cell: Mapping[str, Any], rng) -> list[dict]:
        """Run one replication of one cell and check the rows."""
        cell_params = dataclasses.replace(params, **cell) if cell else params
        rows = [dict(r) for r in self.run(cell_params, rng)]
        for row in rows:
            if not isinstance(row.get("metric"), str) or not isinstance(row.get("value"), numbers.Real):
                raise StratsimError(
                    f"scenario {self.name!r} returned a row without a str 'metric' and a numeric "
                    f"'value': {row!r}"
                )
            row["value"] = float(row["value"])
        return rows


def _parse_literal(text: str):
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def coerce_value(name: str, value, hint):
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
            parsed = _parse_literal(value if value.strip().startswith(("(", "[")) else f"({value},)")
            value = parsed
        if not isinstance(value, (tuple, list)):
            value = (value,)
        if args and args[-1] is Ellipsis:
            return tuple(coerce_value(name, v, args[0]) for v in value)
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
        if isinstance(parsed, bool) or not isinstance(parsed, numbers.Real):
            raise InputTypeError(f"parameter {name} must be float, got {value!r}")
        return float(parsed)
    if hint is str:
        return str(value)
    return value
