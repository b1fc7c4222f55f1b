"""Registries: load policies and scenarios by name.

Two registries exist: :data:`policies` and :data:`scenarios`. Both are
discovered lazily, so the engine never imports domain code statically.

* Policies register themselves when their module is imported
  (:func:`register_policy`); the first lookup imports the toolkit's ``agents``
  package (which registers all of its policies) and loads every object published
  under the entry-point group ``stratsim.policies`` by any installed package.
* Scenarios: every module of the ``scenarios`` package that defines a
  module-level ``SCENARIO`` is found, and so is every object published under the
  entry-point group ``stratsim.scenarios``.

This is how users add policies and scenarios from their own packages::

    [options.entry_points]
    stratsim.policies =
        my_learner = mypkg.learners:MyLearner
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
from collections.abc import Callable, Iterator, Mapping
from importlib.metadata import entry_points
from typing import Any

from .environment import Environment
from .errors import InputTypeError, StratsimError, UnknownNameError, ValidationError
from .policy import Policy
from .random import RngLike

__all__ = [
    "EnvironmentRegistry",
    "PolicyRegistry",
    "Registry",
    "check_policy_name",
    "environments",
    "example_environment",
    "get_scenario",
    "load_policy",
    "make_policy",
    "policies",
    "register_environment",
    "register_policy",
    "scenarios",
]


class Registry:
    """A mapping from names to objects (classes, factories or specs).

    Parameters
    ----------
    kind : str
        What is registered ("policy", "scenario"), used in messages.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Any] = {}
        self._descriptions: dict[str, str] = {}

    def _discover(self) -> None:
        """Hook for lazy discovery (see :class:`ScenarioRegistry`)."""

    def register(self, name: str, obj: Any = None, *, description: str | None = None, replace: bool = False) -> Any:
        """Register ``obj`` under ``name``; without ``obj``, return a decorator."""
        if not isinstance(name, str) or not name:
            raise InputTypeError(f"{self.kind} name must be a non-empty string, got {name!r}")

        def add(target: Any) -> Any:
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

    def get(self, name: str) -> Any:
        """The object registered under ``name``."""
        self._discover()
        try:
            return self._items[name]
        except (KeyError, TypeError):
            close = difflib.get_close_matches(str(name), self._items, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            known = ", ".join(sorted(self._items)) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}{hint}; known: {known}") from None

    def load(self, name: str, **params: Any) -> Any:
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

    def __contains__(self, name: object) -> bool:
        self._discover()
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())


def _load_entry_points(registry: Registry, group: str) -> None:
    for ep in entry_points(group=group):
        if ep.name in registry._items:
            continue
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plug-in must not pass silently
            raise StratsimError(f"{registry.kind} entry point {ep.name!r} ({ep.value}) of group {group!r} "
                                f"failed to load: {exc}") from exc
        if ep.name not in registry._items:  # importing the module may have registered it already
            registry.register(ep.name, obj)


def _first_line(text: object) -> str:
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

    def __init__(self) -> None:
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
        _load_entry_points(self, self.group)


class PolicyRegistry(Registry):
    """Policy classes: the toolkit's (``import agents``) and those of the ``stratsim.policies`` group."""

    group = "stratsim.policies"
    package = "agents"

    def __init__(self) -> None:
        super().__init__("policy")
        self._discovered = False

    def _discover(self) -> None:
        if self._discovered:
            return
        self._discovered = True
        try:
            importlib.import_module(self.package)
        except ImportError:
            pass
        _load_entry_points(self, self.group)

    def register(self, name: str, obj: type[Policy] | None = None, *, description: str | None = None,
                 replace: bool = False) -> type[Policy] | Callable[[type[Policy]], type[Policy]]:
        def add(target: type[Policy]) -> type[Policy]:
            spec = getattr(target, "spec", None)
            if not isinstance(getattr(spec, "domain", None), str):
                raise InputTypeError(f"policy {name!r} must be a class with a PolicySpec 'spec' "
                                     f"(a sim.policy.Policy subclass), got {target!r}")
            return Registry.register(self, name, target, description=description, replace=replace)

        return add if obj is None else add(obj)

    def names(self, domain: str | None = None) -> list[str]:
        """Registered names, sorted; only those of ``domain`` if given."""
        names = super().names()
        if domain is None:
            return names
        return [n for n in names if self._items[n].spec.domain == domain]

    def domains(self) -> list[str]:
        """Every domain with at least one registered policy, sorted."""
        return sorted({self.get(n).spec.domain for n in self.names()})

    def get(self, name: str, domain: str | None = None) -> type[Policy]:
        """The class registered under ``name``; with ``domain``, refuse a policy of another domain."""
        cls = super().get(name)
        if domain is not None and cls.spec.domain != domain:
            known = ", ".join(self.names(domain)) or "(none)"
            raise ValidationError(f"policy {name!r} is of domain {cls.spec.domain!r}, not {domain!r}; "
                                  f"policies of domain {domain!r}: {known}")
        return cls


#: Every registered policy class (name -> class).
policies = PolicyRegistry()


class EnvironmentRegistry(Registry):
    """Example environments by domain: ``factory(rng=..., **params) -> Environment``.

    Every domain with registered policies registers one small, fast example
    environment, so generic code (the policy conformance test, ``stratsim list
    --policies``, adapters) can build and run any policy of that domain.
    """

    def __init__(self) -> None:
        super().__init__("environment domain")

    def _discover(self) -> None:
        policies._discover()


#: Example environment factories (domain -> factory).
environments = EnvironmentRegistry()


def register_environment(domain: str, factory: Callable[..., Environment] | None = None, *,
                         description: str | None = None) -> Any:
    """Register ``factory(rng=..., **params) -> Environment`` as the example environment of ``domain``."""
    return environments.register(domain, factory, description=description)


def example_environment(domain: str, *, rng: RngLike = 0, **params: Any) -> Environment:
    """A small example environment of ``domain`` (see :class:`EnvironmentRegistry`)."""
    return environments.get(domain)(rng=rng, **params)
#: Every discovered scenario (name -> :class:`~sim.scenario.Scenario`).
scenarios = ScenarioRegistry()


def register_policy(name: str, cls: type[Policy] | None = None, *,
                    description: str | None = None) -> type[Policy] | Callable[[type[Policy]], type[Policy]]:
    """Register a :class:`~sim.policy.Policy` subclass under ``name`` (usable as a decorator)."""
    return policies.register(name, cls, description=description)


def load_policy(name: str, **params: Any) -> Policy:
    """Instantiate the policy registered as ``name`` with keyword ``params``."""
    return policies.load(name, **params)


def check_policy_name(argument: str, name: str, domain: str) -> str:
    """Check that ``name`` is a registered policy of ``domain``; return it.

    Scenarios call this on their policy-list parameters so that a bad name is
    refused (naming ``argument`` and the domain) before anything runs.

    Examples
    --------
    >>> check_policy_name("learners", "no_such_policy", "matching")
    Traceback (most recent call last):
    ...
    sim.errors.UnknownNameError: learners: unknown policy 'no_such_policy'; policies of domain 'matching': ...
    """
    if not isinstance(name, str) or not name:
        raise InputTypeError(f"{argument} must name a registered policy, got {name!r}")
    if name not in policies:
        close = difflib.get_close_matches(name, policies.names(domain), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownNameError(f"{argument}: unknown policy {name!r}{hint}; policies of domain {domain!r}: "
                               f"{', '.join(policies.names(domain)) or '(none)'}")
    try:
        policies.get(name, domain)
    except ValidationError as exc:
        raise ValidationError(f"{argument}: {exc}") from None
    return name


def make_policy(name: str, env: Environment, *, horizon: int | None = None, rng: RngLike = None,
                options: Mapping[str, Any] | None = None, **params: Any) -> Policy:
    """Build the policy registered as ``name`` for environment ``env`` (see :meth:`sim.policy.Policy.from_env`)."""
    cls = policies.get(name, getattr(env, "domain", None))
    return cls.from_env(env, horizon=horizon, rng=rng, options=options, **params)


def get_scenario(name: str) -> Any:
    """The :class:`~sim.scenario.Scenario` registered as ``name``."""
    return scenarios.get(name)
