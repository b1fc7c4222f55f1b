r"""The one way a decision maker meets a world: environments and :func:`rollout`.

An :class:`Environment` is a sequential decision problem seen from one
policy's side. A step is

1. ``observation = env.observe()``: what the policy sees now;
2. ``decision = policy.decide(observation)``;
3. ``feedback, metrics, done = env.step(decision)``: the feedback the policy
   learns from, the step's metrics (a mapping of names to numbers, the things
   a study measures) and whether the episode is over;
4. ``policy.update(feedback)``.

:func:`rollout` drives any environment with any policy of its domain for a
number of steps (or until the episode ends), records every metric into a
:class:`~sim.recorder.Recorder` at the environment's clock (:attr:`Environment.now`:
the step count, or simulated time for event-driven models), and returns a
:class:`Rollout`. Discrete-event (SimPy) models call the same ``observe`` /
``step`` methods from inside their processes.

An environment also says what a policy may be built from: :meth:`~Environment.context`
(sizes, horizon, known types, ...) and :attr:`~Environment.provides` (the
capabilities a policy's :class:`~sim.policy.PolicySpec` may need), so
:meth:`sim.policy.Policy.from_env` builds any registered policy for it.

An environment may offer a compiled fast path (:meth:`Environment.compiled_rollout`)
that returns the same metrics as the step loop, bit for bit; :func:`rollout`
uses it when it applies.

Examples
--------
A two-armed bandit in a few lines, and a policy that always pulls arm 1:

>>> import numpy as np
>>> from sim.environment import Environment, Step, rollout
>>> from sim.policy import Policy
>>> class TwoArms(Environment):
...     domain = "demo_bandit"
...     def reset(self, rng):
...         self.rng = rng
...     def observe(self):
...         return None
...     def step(self, decision):
...         reward = float(self.rng.random() < (0.3, 0.7)[decision])
...         return Step(reward, {"reward": reward, "regret": 0.7 - (0.3, 0.7)[decision]}, False)
>>> class Always(Policy):
...     domain = "demo_bandit"
...     def __init__(self, arm=1):
...         self.arm = arm
...     def _decide(self, observation):
...         return self.arm
>>> out = rollout(TwoArms(), Always.from_env(TwoArms()), 100, rng=0)
>>> out.steps, out.metric_names
(100, ['reward', 'regret'])
>>> float(out.total("regret"))
0.0
>>> bool(out["reward"].mean() > 0.5), out.times[:3].tolist()
(True, [1.0, 2.0, 3.0])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, NamedTuple, NoReturn

import numpy as np

from .errors import InputTypeError, PolicyError, ValidationError
from .policy import Policy, as_policy
from .random import RngLike, make_rng
from .recorder import Recorder
from .validate import check_int

__all__ = ["Environment", "Rollout", "Step", "rollout"]


class Step(NamedTuple):
    """What :meth:`Environment.step` returns."""

    #: what the policy learns from (passed to ``policy.update``)
    feedback: Any
    #: the step's metrics: metric name -> number (or a fixed-length numeric vector)
    metrics: Mapping[str, Any]
    #: whether the episode has ended
    done: bool = False


class Environment:
    """Base class of every environment (see the module docstring).

    Subclasses set :attr:`domain` and implement :meth:`reset`, :meth:`observe`
    and :meth:`step`; they may refine :meth:`context`, :attr:`provides`,
    :attr:`now` and :meth:`compiled_rollout`.
    """

    #: The decision problem (policies of this domain run on it).
    domain: ClassVar[str] = "generic"
    #: Capabilities a policy's ``spec.needs`` may ask for ("types", "features", ...).
    provides: frozenset = frozenset()

    def context(self) -> dict[str, Any]:
        """Named values a policy constructor may take from this environment.

        :meth:`sim.policy.Policy.from_env` passes each entry whose name is a
        constructor parameter (e.g. ``customers``, ``providers``, ``horizon``).
        """
        return {}

    def reset(self, rng: np.random.Generator) -> None:
        """Start an episode drawing its randomness from ``rng``."""
        raise NotImplementedError(f"{type(self).__name__} must implement reset")

    def observe(self) -> Any:
        """What the policy observes now."""
        raise NotImplementedError(f"{type(self).__name__} must implement observe")

    def step(self, decision: Any) -> Step:
        """Apply ``decision``; return the feedback, the step's metrics and whether the episode ended."""
        raise NotImplementedError(f"{type(self).__name__} must implement step")

    @property
    def now(self) -> float | None:
        """The clock at which :func:`rollout` records a step's metrics.

        ``None`` (the default) means the step count: 1, 2, ... Event-driven
        environments return their simulated time.
        """
        return None

    def compiled_rollout(self, policy: Policy, steps: int | None) -> Mapping[str, np.ndarray] | None:
        """A compiled run of ``steps`` steps of ``policy`` after :meth:`reset`, or ``None``.

        Return ``None`` (the default) when no fast path applies, having
        changed nothing; otherwise the per-step metric arrays, identical to
        what the step loop would record, with the environment, the policy and
        the generators left as the step loop would leave them.
        """
        return None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Rollout:
    """The result of :func:`rollout`: per-step metrics as arrays.

    Metrics are available by item (``out["regret"]``) and, when the name is
    an identifier, as attributes (``out.regret``).

    Attributes
    ----------
    steps : int
        Steps taken.
    times : numpy.ndarray
        The environment's clock after each step.
    metrics : dict of str to numpy.ndarray
        One array per metric, one entry per step (in first-seen order).
    recorder : sim.recorder.Recorder
        The same records, in the Recorder the rollout wrote to.
    """

    __slots__ = ("steps", "times", "metrics", "recorder")

    def __init__(self, steps: int, times: np.ndarray, metrics: dict[str, np.ndarray], recorder: Recorder) -> None:
        self.steps = steps
        self.times = times
        self.metrics = metrics
        self.recorder = recorder

    @property
    def metric_names(self) -> list[str]:
        """Names of the recorded metrics."""
        return list(self.metrics)

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self.metrics[name]
        except KeyError:
            raise ValidationError(f"metric {name!r} was not recorded; recorded: {self.metric_names}") from None

    def __getattr__(self, name: str) -> np.ndarray:
        if name.startswith("_") or name in Rollout.__slots__:
            raise AttributeError(name)
        try:
            return self.metrics[name]
        except KeyError:
            raise AttributeError(f"Rollout has no attribute or metric {name!r}; metrics: "
                                 f"{list(self.metrics)}") from None

    def __iter__(self) -> NoReturn:
        # Refuse loudly: code written for a tuple of arrays would otherwise iterate over names.
        raise TypeError("a Rollout is not iterable; iterate over rollout.metrics (names) or .metrics.items()")

    def cumulative(self, name: str) -> np.ndarray:
        """Running sum of metric ``name`` over the steps."""
        return np.cumsum(self[name], axis=0)

    def total(self, name: str) -> float:
        """Sum of metric ``name`` over the steps."""
        return float(np.sum(self[name]))

    def mean(self, name: str) -> float:
        """Mean of metric ``name`` over the steps."""
        return float(np.mean(self[name]))

    def __repr__(self) -> str:
        return f"Rollout(steps={self.steps}, metrics={self.metric_names})"


def rollout(env: Environment, policy: Policy | Callable[[Any], Any], steps: int | None = None, *, rng: RngLike,
            recorder: Recorder | None = None, max_steps: int = 10**9) -> Rollout:
    """Run ``policy`` on ``env`` for ``steps`` steps (``None``: until the episode ends).

    Parameters
    ----------
    env : Environment
        The world; :meth:`Environment.reset` is called with ``rng`` first.
    policy : sim.policy.Policy or callable
        A policy of ``env.domain`` (a plain function ``observation -> decision``
        is wrapped by :func:`sim.policy.as_policy`).
    steps : int, optional
        Number of steps (>= 1); ``None`` runs until ``step`` reports done.
    rng : numpy.random.Generator or int
        The environment's randomness (a policy has its own).
    recorder : sim.recorder.Recorder, optional
        Where the step metrics are recorded (a new one by default).
    max_steps : int
        Safety cap for ``steps=None``: an episode that has not ended after
        this many steps raises :class:`~sim.errors.ValidationError`.

    Returns
    -------
    Rollout
    """
    if not isinstance(env, Environment):
        raise InputTypeError(f"env must be a sim.environment.Environment, got {type(env).__name__}")
    policy = as_policy(policy, domain=env.domain)
    if not isinstance(policy, Policy) or policy.domain != env.domain:
        raise InputTypeError(f"policy must be a Policy of domain {env.domain!r}, got {policy!r} of domain "
                             f"{getattr(policy, 'domain', None)!r}")
    if steps is not None:
        steps = check_int("steps", steps, low=1)
    max_steps = check_int("max_steps", max_steps, low=1)
    if recorder is not None and not isinstance(recorder, Recorder):
        raise InputTypeError(f"recorder must be a sim.recorder.Recorder, got {type(recorder).__name__}")
    recorder = Recorder() if recorder is None else recorder
    env.reset(make_rng(rng))
    fast = env.compiled_rollout(policy, steps)
    if fast is not None:
        return _from_arrays(fast, recorder)
    limit = steps if steps is not None else max_steps
    observe, decide, step, update = env.observe, policy.decide, env.step, policy.update
    channels: dict[str, Any] = {}
    times: list[float] = []
    done = False
    taken = 0
    while taken < limit and not done:
        feedback, metrics, done = step(decide(observe()))
        update(feedback)
        taken += 1
        now = env.now
        if now is None:
            now = float(taken)
        times.append(now)
        for name, value in metrics.items():
            try:
                channels[name](value, now)
            except KeyError:
                channels[name] = recorder.channel(name)
                channels[name](value, now)
    if steps is None and not done:
        raise ValidationError(f"the episode of {env!r} did not end within max_steps={max_steps}")
    if taken == 0:
        raise PolicyError(f"{env!r} ended before the first step")
    arrays = {name: recorder.values(name) for name in channels}
    return Rollout(taken, np.asarray(times, dtype=float), arrays, recorder)


def _from_arrays(fast: Mapping[str, np.ndarray], recorder: Recorder) -> Rollout:
    arrays = {name: np.asarray(v, dtype=float) for name, v in fast.items()}
    lengths = {len(v) for v in arrays.values()}
    if len(lengths) != 1:
        raise PolicyError(f"a compiled rollout returned metrics of different lengths {sorted(lengths)}")
    n = lengths.pop()
    times = np.arange(1, n + 1, dtype=float)
    for name, values in arrays.items():
        recorder.extend(name, values, times)
    return Rollout(n, times, arrays, recorder)
