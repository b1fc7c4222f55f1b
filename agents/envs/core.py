r"""What every stratsim Gymnasium environment shares, and toolkit policies acting in them.

:class:`ToolkitEnv` is a :class:`gymnasium.Env` over one of the toolkit's
environments (:class:`sim.environment.Environment`): ``reset(seed=s)`` seeds
:attr:`~gymnasium.Env.np_random` and starts the toolkit episode from it, so an
episode is a function of ``s`` (and of the constructor's arguments); ``step``
checks the action against :attr:`~gymnasium.Env.action_space`, translates it
into the toolkit's decision and returns the toolkit's metric as the reward.

Bad input follows Gymnasium's conventions where they exist:

- an action outside the space raises :class:`InvalidActionError` (a
  :class:`gymnasium.error.InvalidAction` and a :class:`sim.errors.ValidationError`);
- ``step`` before the first ``reset``, or after the episode ended
  (terminated or truncated) without a new ``reset``, raises
  :class:`ResetNeededError` (a :class:`gymnasium.error.ResetNeeded`).

:class:`PolicyAgent` lets a toolkit policy act in these environments as an
``act(obs)`` callable, so a learned agent and a toolkit rule are compared in
one loop. The policy decides on the toolkit observation that the Gymnasium
observation encodes (read from ``env.unwrapped``, so no information is lost
in the encoding), its decision is encoded as an action of the space, and the
toolkit feedback of the step it chose reaches its ``update`` before it
decides again.

Examples
--------
>>> import gymnasium as gym
>>> import agents.envs
>>> env = gym.make("stratsim/SkiRental-v0", b=10, n_seasons=3)
>>> agent = PolicyAgent.from_name("ski.break_even", env)
>>> obs, info = env.reset(seed=0)
>>> total, done = 0.0, False
>>> while not done:
...     obs, reward, terminated, truncated, info = env.step(agent(obs))
...     total, done = total + reward, terminated or truncated
>>> total <= -3.0     # at least one day of rent per season
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

import gymnasium
import numpy as np

from sim.environment import Environment
from sim.errors import InputTypeError, StratsimError, ValidationError
from sim.policy import Policy, as_policy
from sim.random import RngLike, make_rng
from sim.registry import make_policy

__all__ = ["InvalidActionError", "PolicyAgent", "ResetNeededError", "ToolkitEnv", "check_kwargs"]


class InvalidActionError(ValidationError, gymnasium.error.InvalidAction):
    """An action outside the environment's action space."""


class ResetNeededError(StratsimError, gymnasium.error.ResetNeeded):
    """``step`` before ``reset``, or after the episode ended without a new ``reset``."""


def check_kwargs(env_id: str, cls: type, kwargs: Mapping[str, Any]) -> None:
    """Refuse keyword arguments that ``cls`` does not take, naming ``env_id`` and the ones it takes.

    Examples
    --------
    >>> class Demo:
    ...     def __init__(self, *, size=3):
    ...         pass
    >>> check_kwargs("demo/Demo-v0", Demo, {"sise": 4})
    Traceback (most recent call last):
    ...
    sim.errors.UnknownNameError: stratsim environment 'demo/Demo-v0' has no keyword argument 'sise'; it takes: size
    """
    import inspect

    from sim.errors import UnknownNameError

    params = [n for n, p in inspect.signature(cls).parameters.items()
              if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for name in kwargs:
        if name not in params:
            raise UnknownNameError(f"stratsim environment {env_id!r} has no keyword argument {name!r}; "
                                   f"it takes: {', '.join(params)}")


class ToolkitEnv(gymnasium.Env):
    """Base class: seeding, action checks and the end of episodes (see the module docstring).

    Subclasses set :attr:`domain`, build their spaces, and implement
    :meth:`_start` (a new toolkit episode from a Generator; returns the first
    observation and info), :meth:`_advance` (one checked action; returns
    ``(obs, reward, terminated, truncated, info, feedback)``),
    :meth:`toolkit_observation` and :meth:`encode`.
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}
    #: The toolkit domain of the policies that can act here through :class:`PolicyAgent`.
    domain: ClassVar[str] = "generic"

    def __init__(self) -> None:
        self._running = False
        self._ended = False
        #: Steps taken over the environment's life (not reset by ``reset``).
        self.total_steps = 0
        #: The toolkit feedback of the last step (what a toolkit policy learns from).
        self.last_feedback: Any = None
        #: Episodes started (``reset`` calls).
        self.episode = 0

    # --- Gymnasium API ------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        """Start an episode; ``seed`` makes it reproducible (``options`` are accepted and unused)."""
        super().reset(seed=seed)
        if options is not None and not isinstance(options, Mapping):
            raise InputTypeError(f"options must be a dict or None, got {type(options).__name__}")
        obs, info = self._start(self.np_random)
        self._running, self._ended = True, False
        self.episode += 1
        return obs, info

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Play ``action``: ``(observation, reward, terminated, truncated, info)``."""
        if not self._running:
            if self._ended:
                raise ResetNeededError(f"{type(self).__name__}: the episode has ended (terminated or truncated); "
                                       "call reset() before step()")
            raise ResetNeededError(f"{type(self).__name__}: call reset() before step()")
        if not self._contains(action):
            raise InvalidActionError(f"action {action!r} is outside the action space {self.action_space}")
        obs, reward, terminated, truncated, info, feedback = self._advance(action)
        self.total_steps += 1
        self.last_feedback = feedback
        if terminated or truncated:
            self._running, self._ended = False, True
        return obs, float(reward), bool(terminated), bool(truncated), info

    def _contains(self, action) -> bool:
        try:
            return bool(self.action_space.contains(action))
        except (TypeError, ValueError, AttributeError):
            return False

    @property
    def running(self) -> bool:
        """Whether an episode is under way (reset and not yet ended)."""
        return self._running

    # --- for subclasses and PolicyAgent ---------------------------------------
    @property
    def toolkit_env(self) -> Environment:
        """The toolkit environment of the current episode (policies are built from its context)."""
        raise NotImplementedError(f"{type(self).__name__} must implement toolkit_env")

    def toolkit_observation(self) -> Any:
        """The toolkit observation of the current decision point."""
        raise NotImplementedError(f"{type(self).__name__} must implement toolkit_observation")

    def encode(self, decision: Any, rng: np.random.Generator) -> Any:
        """A toolkit decision at the current decision point, as an action of the space."""
        raise NotImplementedError(f"{type(self).__name__} must implement encode")

    def _start(self, rng: np.random.Generator):
        raise NotImplementedError(f"{type(self).__name__} must implement _start")

    def _advance(self, action):
        raise NotImplementedError(f"{type(self).__name__} must implement _advance")


class PolicyAgent:
    """A toolkit policy acting in a stratsim Gymnasium environment: ``action = agent(obs)``.

    Parameters
    ----------
    policy : sim.policy.Policy or callable
        A policy of the environment's toolkit domain (``env.unwrapped.domain``),
        or a plain function of the toolkit observation.
    env : gymnasium.Env
        A stratsim environment (wrapped or not).
    rng : numpy.random.Generator or int, optional
        Draws a randomized decision's action (a ski rule's buy-day
        distribution); default 0.
    reset_each_episode : bool
        Call ``policy.reset()`` when a new episode starts (default): every
        episode is then a fresh run of the policy, as a
        :func:`sim.environment.rollout` of a fresh policy is. ``False`` keeps
        what it learned (a learner that carries on across episodes).

    Notes
    -----
    The policy decides on ``env.unwrapped.toolkit_observation()``, the toolkit
    observation the Gymnasium observation ``obs`` encodes, so the agent must
    be called on the observation the environment just returned. The feedback
    of a step the agent chose reaches ``policy.update`` when the agent is
    called next (or on :meth:`learn`).
    """

    def __init__(self, policy: Policy | Callable[[Any], Any], env: gymnasium.Env, *, rng: RngLike = None,
                 reset_each_episode: bool = True) -> None:
        base = getattr(env, "unwrapped", env)
        if not isinstance(base, ToolkitEnv):
            raise InputTypeError(f"env must be a stratsim Gymnasium environment (agents.envs), got "
                                 f"{type(base).__name__}")
        policy = as_policy(policy, domain=base.domain)
        if not isinstance(policy, Policy) or policy.domain != base.domain:
            raise ValidationError(f"policy {policy!r} is of domain {getattr(policy, 'domain', None)!r}, but "
                                  f"{type(base).__name__} needs a policy of domain {base.domain!r}")
        self.policy = policy
        self.env = base
        self.rng = make_rng(0 if rng is None else rng)
        if not isinstance(reset_each_episode, (bool, np.bool_)):
            raise InputTypeError(f"reset_each_episode must be a bool, got {reset_each_episode!r}")
        self.reset_each_episode = bool(reset_each_episode)
        self._acted_at: int | None = None
        self._episode = base.episode if base.running else None

    @classmethod
    def from_name(cls, name: str, env: gymnasium.Env, *, horizon: int | None = None, rng: RngLike = None,
                  options: Mapping[str, Any] | None = None, reset_each_episode: bool = True,
                  **params: Any) -> PolicyAgent:
        """The registered policy ``name`` built for the environment (:func:`sim.registry.make_policy`)."""
        base = getattr(env, "unwrapped", env)
        if not isinstance(base, ToolkitEnv):
            raise InputTypeError(f"env must be a stratsim Gymnasium environment (agents.envs), got "
                                 f"{type(base).__name__}")
        policy = make_policy(name, base.toolkit_env, horizon=horizon, rng=rng, options=options, **params)
        return cls(policy, env, rng=rng, reset_each_episode=reset_each_episode)

    def learn(self) -> None:
        """Give the policy the feedback of the step it chose, if it has not had it yet."""
        env = self.env
        if self._acted_at is not None and env.total_steps == self._acted_at + 1:
            self.policy.update(env.last_feedback)
            self._acted_at = None

    def act(self, obs: Any = None) -> Any:
        """The policy's action at the environment's current decision point."""
        if not self.env.running:
            raise ResetNeededError("PolicyAgent: the environment has no episode under way; call env.reset()")
        self.learn()
        if self._episode != self.env.episode:
            if self.reset_each_episode and self._episode is not None:
                self.policy.reset()
            self._episode = self.env.episode
        decision = self.policy.decide(self.env.toolkit_observation())
        action = self.env.encode(decision, self.rng)
        self._acted_at = self.env.total_steps
        return action

    __call__ = act

    def __repr__(self) -> str:
        return f"PolicyAgent({self.policy!r}, {type(self.env).__name__})"
