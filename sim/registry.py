"""Registries: load policies and scenarios by name.

Two registries exist: :data:`policies` and :data:`scenarios`. Policies register
themselves when their module is imported (``import agents`` registers all of
the toolkit's). Scenarios are discovered lazily, so the engine never imports
domain code statically: every module of the ``scenarios`` package that defines
a module-level ``SCENARIO`` is found, and so is every object published under the
entry-point group ``stratsim.scenarios`` by any installed package (this is how
users add scenarios from their own packages)::

    [options.entry_points]
    stratsim.scenarios =
        my_study = mypkg.my_study:SCENARIO

Examples
--------
>>> from sim.registry import Registry
>>> reg = Registry("widget")
>>> @reg.register("double", description="Doubles its input.")
... class Double:
...     def __init__(self, factor=2):
...         self.factor = factor
>>> reg.load("double", factor=3).factor
3
>>> reg.load("tripple")
Traceback (most recent call last):
...
sim.errors.UnknownNameError: unknown widget 'tripple'; known: double
>>> reg.load("double", size=3)
Traceback (most recent call last):
...
sim.errors.UnknownNameError: widget 'double' has no parameter 'size'; parameters: factor
"""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from .errors import InputTypeError, StratsimError, UnknownNameError, ValidationError

__all__ = ["Registry", "get_scenario", "load_policy", "policies", "register_policy", "scenarios"]


class Registry:
    """A mapping from names to objects (classes, factories or specs).

    Parameters
    ----------
    kind : str
        What is registered ("policy", "scenario"), used in messages.
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, Any] = {}
        self._descriptions: dict[str, str] = {}

    def _discover(self) -> None:
        """Hook for lazy discovery (see :class:`ScenarioRegistry`)."""

    def register(self, name: str, obj=None, *, description: str | None = None, replace: bool = False):
        """Register ``obj`` under ``name``; without ``obj``, return a decorator."""
        if not isinstance(name, str) or not name:
            raise InputTypeError(f"{self.kind} name must be a non-empty string, got {name!r}")

        def add(target):
            if name in self._items and self._items[name] is not target and not replace:
                raise ValidationError(
                    f"{self.kind} name {name!r} is already registered to {self._items[name]!r}"
                )
            self._items[name] = target
            doc = description or _first_line(getattr(target, "description", None)) or _first_line(
                inspect.getdoc(target)
            )
            self._descriptions[name] = doc or ""
            if isinstance(target, type) and not target.__dict__.get("name"):
                target.name = name
            return target

        return add if obj is None else add(obj)

    def get(self, name: str):
        """The object registered under ``name``."""
        self._discover()
        try:
            return self._items[name]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(name), self._items, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self._items)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}{hint}; known: {known}") from None

    def load(self, name: str, **params):
        """Instantiate (call) the object registered under ``name`` with ``params``."""
        target = self.get(name)
        if not callable(target):
            if params:
                raise ValidationError(f"{self.kind} {name!r} takes no parameters, got {sorted(params)}")
            return target
        _check_parameters(self.kind, name, target, params)
        return target(**params)

    def names(self) -> list[str]:
        """All registered names, sorted."""
        self._discover()
        return sorted(self._items)

    def describe(self, name: str) -> str:
        """The one-line description of ``name``."""
        self.get(name)
        return self._descriptions.get(name, "")

    def __contains__(self, name):
        self._discover()
        return name in self._items

    def __iter__(self):
        return iter(self.names())

    def __len__(self):
        return len(self.names())


def _first_line(text) -> str:
    if not isinstance(text, str):
        return ""
    return text.strip().splitlines()[0].strip() if text.strip() else ""


def _check_parameters(kind: str, name: str, target: Callable, params: dict) -> None:
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return
    accepted = sig.parameters
    if any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
        return
    for key in params:
        if key not in accepted:
            known = ", ".join(accepted) or "(none)"
            raise UnknownNameError(f"{kind} {name!r} has no parameter {key!r}; parameters: {known}")


class ScenarioRegistry(Registry):
    """Scenarios, discovered lazily from the ``scenarios`` package and entry points."""

    group = "stratsim.scenarios"
    package = "scenarios"

    def __init__(self):
        super().__init__("scenario")
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        try:
            pkg = importlib.import_module(self.package)
        except ImportError:
            pkg = None
        if pkg is not None:
            for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
                if info.name.startswith("_"):
                    continue
                module = importlib.import_module(f"{self.package}.{info.name}")
                spec = getattr(module, "SCENARIO", None)
                if spec is not None and spec.name not in self._items:
                    self.register(spec.name, spec)
        for ep in entry_points(group=self.group):
            if ep.name in self._items:
                continue
            try:
                spec = ep.load()
            except Exception as exc:  # a broken plug-in must not break the toolkit
                raise StratsimError(f"scenario entry point {ep.name!r} ({ep.value}) failed to load: {exc}") from exc
            self.register(ep.name, spec)


#: Every registered policy class (name -> class).
policies = Registry("policy")
#: Every discovered scenario (name -> :class:`~sim.scenario.Scenario`).
scenarios = ScenarioRegistry()


def register_policy(name: str, cls=None, *, description: str | None = None):
    """Register a :class:`~sim.policy.Policy` subclass under ``name`` (usable as a decorator)."""
    return policies.register(name, cls, description=description)


def load_policy(name: str, **params):
    """Instantiate the policy registered as ``name`` with keyword ``params``."""
    return policies.load(name, **params)


def get_scenario(name: str):
    """The :class:`~sim.scenario.Scenario` registered as ``name``."""
    return scenarios.get(name)
