"""The pluggable decision rule.

A :class:`Policy` turns an observation into a decision (``decide``) and may
learn from feedback (``update``). The public methods validate; subclasses
implement the hooks ``_decide`` and ``_update`` (and may refine the checks by
overriding ``_check_observation`` / ``_check_decision``). A simple rule can be
a plain function: :func:`as_policy` wraps it.

Capabilities are declared as data, in one form: a class attribute ``spec``, a
:class:`PolicySpec` naming the ``domain`` (the kind of decision problem:
``"ski_rental"``, ``"scheduling"``, ``"matching"``, ``"recommender"``, ...),
what the policy ``needs`` from its environment (``"predictions"``,
``"features"``, ``"types"``, ...), whether it is ``stochastic`` (then it takes
an ``rng``) and a display ``label``. Generic code and tests treat every policy
of a domain alike, and :meth:`Policy.from_env` builds any policy for an
environment (:mod:`sim.environment`) with no per-name wiring: each constructor
parameter not given explicitly is filled from the environment's
:meth:`~sim.environment.Environment.context` when it has an entry of that name.

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
>>> Threshold.spec
PolicySpec(domain='demo', label='Threshold', needs=frozenset(), stochastic=False)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .errors import InputTypeError, PolicyError, UnknownNameError, ValidationError
from .random import RngLike
from .validate import check_callable

__all__ = ["FunctionPolicy", "Policy", "PolicySpec", "as_policy"]


@dataclass(frozen=True)
class PolicySpec:
    """What a policy is and needs, as data.

    Parameters
    ----------
    domain : str
        The decision problem (``"matching"``, ``"ski_rental"``, ...); a policy
        runs only on environments of its domain.
    label : str
        Display name in figures and legends (default: the class name).
    needs : frozenset of str
        Context entries the environment must provide (``"types"``,
        ``"features"``, ``"predictions"``, ...); see
        :attr:`sim.environment.Environment.provides`.
    stochastic : bool
        Whether decisions use randomness (the constructor then takes ``rng``).

    Examples
    --------
    >>> PolicySpec("matching", label="MatchUCB", needs={"types"})
    PolicySpec(domain='matching', label='MatchUCB', needs=frozenset({'types'}), stochastic=False)
    >>> PolicySpec("")
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: domain must be a non-empty string, got ''
    """

    domain: str
    label: str = ""
    needs: frozenset = field(default_factory=frozenset)
    stochastic: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.domain, str) or not self.domain:
            raise ValidationError(f"domain must be a non-empty string, got {self.domain!r}")
        if not isinstance(self.label, str):
            raise InputTypeError(f"label must be a string, got {self.label!r}")
        needs = frozenset([self.needs] if isinstance(self.needs, str) else self.needs)
        if not all(isinstance(n, str) and n for n in needs):
            raise InputTypeError(f"needs must be a set of non-empty strings, got {self.needs!r}")
        object.__setattr__(self, "needs", needs)
        if not isinstance(self.stochastic, bool):
            raise InputTypeError(f"stochastic must be a bool, got {self.stochastic!r}")


class Policy:
    """Base class of every decision rule.

    Subclasses implement :meth:`_decide` and optionally :meth:`_update`,
    :meth:`_reset`, :meth:`_check_observation` and :meth:`_check_decision`.
    """

    #: Registry name, filled in by :func:`sim.registry.register_policy`.
    name: ClassVar[str] = ""
    #: Capabilities as data; a subclass sets ``spec`` (or, for short, ``domain``).
    spec: ClassVar[PolicySpec] = PolicySpec("generic", label="Policy")
    #: The decision problem this policy solves (``spec.domain``).
    domain: ClassVar[str] = "generic"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__
        if "spec" in own:
            if not isinstance(own["spec"], PolicySpec):
                raise InputTypeError(f"{cls.__name__}.spec must be a PolicySpec, got {own['spec']!r}")
            cls.domain = cls.spec.domain
        else:
            # a subclass that sets only ``domain`` (or nothing) inherits the rest of its parent's spec
            parent = cls.spec
            domain = own.get("domain", parent.domain)
            if not isinstance(domain, str):  # e.g. a property: keep the parent's spec
                return
            cls.spec = PolicySpec(domain, label=cls.__name__, needs=parent.needs,
                                  stochastic=parent.stochastic)

    @classmethod
    def from_env(cls, env: Any, *, horizon: int | None = None, rng: RngLike = None,
                 options: Mapping[str, Any] | None = None, **params: Any) -> Policy:
        """Build this policy for environment ``env``.

        Each constructor parameter is taken, in order of precedence, from
        ``params`` (explicit; an unknown name is an error), ``horizon`` and
        ``rng``, ``options`` (used only where the constructor accepts them, so
        one scenario setting can reach every policy that has it) and the
        environment's :meth:`~sim.environment.Environment.context`; the rest
        keep their defaults.

        Parameters
        ----------
        env : sim.environment.Environment
            An environment of this policy's domain that provides everything in
            ``spec.needs``.
        horizon : int, optional
            Steps the policy will be run for (overrides ``env.context()``).
        rng : numpy.random.Generator or int, optional
            The policy's own randomness (passed where the constructor takes it).
        options : mapping, optional
            Parameters passed only to policies that accept them.
        **params
            Parameters the policy must accept.

        Raises
        ------
        sim.errors.ValidationError
            If ``env`` is of another domain or lacks something the policy needs.
        sim.errors.UnknownNameError
            If a name in ``params`` is not a constructor parameter.
        """
        domain = getattr(env, "domain", None)
        if domain != cls.spec.domain:
            raise ValidationError(f"policy {cls._display()} is of domain {cls.spec.domain!r}, but env "
                                  f"{env!r} is of domain {domain!r}")
        provides = frozenset(getattr(env, "provides", frozenset()))
        missing = sorted(cls.spec.needs - provides)
        if missing:
            raise ValidationError(f"policy {cls._display()} needs {', '.join(missing)}, which env {env!r} "
                                  f"does not provide (it provides: {', '.join(sorted(provides)) or 'nothing'})")
        context = dict(env.context())
        if horizon is not None:
            context["horizon"] = horizon
        accepted, var_kw = _constructor_parameters(cls)
        unknown = [k for k in params if k not in accepted and not var_kw]
        if unknown:
            raise UnknownNameError(f"policy {cls._display()} has no parameter {unknown[0]!r}; "
                                   f"parameters: {', '.join(accepted) or '(none)'}")
        kwargs = {}
        for name in accepted:
            if name in params:
                kwargs[name] = params[name]
            elif name == "rng" and rng is not None:
                kwargs[name] = rng
            elif options and name in options:
                kwargs[name] = options[name]
            elif name in context:
                kwargs[name] = context[name]
        for name in params:
            kwargs.setdefault(name, params[name])
        return cls(**kwargs)

    @classmethod
    def _display(cls) -> str:
        return repr(cls.name) if cls.name else cls.__name__

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

    def __repr__(self) -> str:
        params = getattr(self, "__dict__", {})
        shown = ", ".join(
            f"{k}={v!r}" for k, v in params.items() if not k.startswith("_") and _is_simple(v)
        )
        return f"{type(self).__name__}({shown})"


def _constructor_parameters(cls) -> tuple[list[str], bool]:
    """Names of the keyword-passable constructor parameters, and whether it takes ``**kwargs``."""
    try:
        sig = inspect.signature(cls)
    except (TypeError, ValueError):
        return [], True
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = [n for n, p in sig.parameters.items() if p.kind in kinds]
    return names, any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())


def _is_simple(value) -> bool:
    return isinstance(value, (int, float, str, bool, type(None), tuple))


class FunctionPolicy(Policy):
    """A policy that calls a plain function ``fn(observation) -> decision``."""

    def __init__(self, fn: Callable[[Any], Any], domain: str = "generic") -> None:
        self.fn = check_callable("fn", fn)
        self._domain = domain

    @property
    def domain(self) -> str:  # type: ignore[override]
        return self._domain

    def _decide(self, observation):
        return self.fn(observation)

    def __repr__(self) -> str:
        return f"FunctionPolicy({getattr(self.fn, '__name__', self.fn)!r})"


def as_policy(obj: Policy | Callable[[Any], Any], domain: str = "generic") -> Policy:
    """Return ``obj`` if it is a :class:`Policy`, else wrap a callable in :class:`FunctionPolicy`."""
    if isinstance(obj, Policy):
        return obj
    if callable(obj):
        return FunctionPolicy(obj, domain=domain)
    raise InputTypeError(f"policy must be a Policy or a callable, got {type(obj).__name__}")
