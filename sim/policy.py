"""The pluggable decision rule.

A :class:`Policy` turns an observation into a decision (``decide``) and may
learn from feedback (``update``). The public methods validate; subclasses
implement the hooks ``_decide`` and ``_update`` (and may refine the checks by
overriding ``_check_observation`` / ``_check_decision``). A simple rule can be
a plain function: :func:`as_policy` wraps it.

Capabilities are declared as data: ``domain`` names the kind of decision
problem (``"ski_rental"``, ``"scheduling"``, ``"matching"``, ``"recommender"``,
...), so generic code and tests can treat every policy of a domain alike.

Examples
--------
>>> from sim.policy import Policy, as_policy
>>> class Threshold(Policy):
...     domain = "demo"
...     def __init__(self, level=0.5):
...         self.level = level
...     def _decide(self, observation):
...         return observation >= self.level
>>> Threshold(0.3).decide(0.4)
True
>>> as_policy(lambda obs: obs * 2).decide(21)
42
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from .errors import InputTypeError, PolicyError
from .validate import check_callable

__all__ = ["FunctionPolicy", "Policy", "as_policy"]


class Policy:
    """Base class of every decision rule.

    Subclasses implement :meth:`_decide` and optionally :meth:`_update`,
    :meth:`_reset`, :meth:`_check_observation` and :meth:`_check_decision`.
    """

    #: Registry name, filled in by :func:`sim.registry.register_policy`.
    name: ClassVar[str] = ""
    #: The decision problem this policy solves (capability as data).
    domain: ClassVar[str] = "generic"

    def decide(self, observation: Any) -> Any:
        """Validate ``observation``, decide, validate the decision, return it."""
        self._check_observation(observation)
        decision = self._decide(observation)
        self._check_decision(observation, decision)
        return decision

    def update(self, feedback: Any) -> None:
        """Learn from ``feedback`` (no-op for policies that do not learn)."""
        self._update(feedback)

    def reset(self) -> None:
        """Forget everything learned (start of a fresh run)."""
        self._reset()

    # --- hooks for subclasses -------------------------------------------
    def _decide(self, observation):
        raise NotImplementedError(f"{type(self).__name__} must implement _decide")

    def _update(self, feedback):
        return None

    def _reset(self):
        return None

    def _check_observation(self, observation):
        return None

    def _check_decision(self, observation, decision):
        return None

    def _invalid(self, message: str) -> PolicyError:
        """A :class:`~sim.errors.PolicyError` naming this policy (for bad decisions)."""
        return PolicyError(f"policy {self!r} {message}")

    def __repr__(self):
        params = getattr(self, "__dict__", {})
        shown = ", ".join(
            f"{k}={v!r}" for k, v in params.items() if not k.startswith("_") and _is_simple(v)
        )
        return f"{type(self).__name__}({shown})"


def _is_simple(value) -> bool:
    return isinstance(value, (int, float, str, bool, type(None), tuple))


class FunctionPolicy(Policy):
    """A policy that calls a plain function ``fn(observation) -> decision``."""

    def __init__(self, fn: Callable, domain: str = "generic"):
        self.fn = check_callable("fn", fn)
        self._domain = domain

    @property
    def domain(self):  # type: ignore[override]
        return self._domain

    def _decide(self, observation):
        return self.fn(observation)

    def __repr__(self):
        return f"FunctionPolicy({getattr(self.fn, '__name__', self.fn)!r})"


def as_policy(obj, domain: str = "generic") -> Policy:
    """Return ``obj`` if it is a :class:`Policy`, else wrap a callable in :class:`FunctionPolicy`."""
    if isinstance(obj, Policy):
        return obj
    if callable(obj):
        return FunctionPolicy(obj, domain=domain)
    raise InputTypeError(f"policy must be a Policy or a callable, got {type(obj).__name__}")
