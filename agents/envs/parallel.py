r"""The user-platform repeated game as a PettingZoo ``ParallelEnv``: both sides learn.

The game of the trust study (:mod:`agents.strategic.game`; Cen, Ilyas, Madry
2023) with two agents, ``"user"`` and ``"platform"``, moving simultaneously
each round. One user of a catalog of ``n_items`` items (drawn once from
``rng`` at construction) plays ``steps`` rounds; the environment keeps the
platform's records (a two-type :class:`~agents.strategic.Platform` reading
``s = alpha explicit + (1 - alpha) dwell``) and applies each round with the
toolkit's own step (:func:`agents.strategic.envs.engage_step`).

Because the moves are simultaneous, the user's action is its engagement *for
every item* (the strategy method: a response plan, of which the item the
platform shows is played). This is the sequential round, user second, with
nothing lost: the user's engagement still depends on the item shown.

- ``"platform"``: action ``Discrete(n_items)`` (the item shown); observation
  ``Dict(estimates, type_posterior, counts, last_item, explicit, dwell,
  remaining)``: its personalised estimates and type posterior for the user,
  the items shown so far, and the last round's item (``n_items`` before the
  first round) and engagement (``dwell`` as a level 0, 1, 2); reward: the
  sincere engagement (the signal natural engagement would give; ``platform_reward
  ="signal"``: the signal read);
- ``"user"``: action ``MultiDiscrete([9] * n_items)`` (the engagement, as in
  ``StrategicUser-v0``, for each item); observation ``Dict(last_item, counts,
  explicit, dwell, remaining)``: the last item shown and the user's own
  history as per-item sums; reward: the user's utility.

Both agents are done after ``steps`` rounds (``terminations`` true, the agent
list emptied). ``infos`` carry the round's ``item``, ``signal``, ``sincere``,
``utility`` and ``value`` for both agents.

Examples
--------
>>> env = user_platform_parallel_env(values=[0.85, 1.2, 0.0], steps=4)
>>> obs, infos = env.reset(seed=0)
>>> sorted(obs), env.action_space("user")
(['platform', 'user'], MultiDiscrete([9 9 9]))
>>> like_all = np.full(3, 8)                      # like and watch whatever is shown
>>> obs, rewards, terms, truncs, infos = env.step({"user": like_all, "platform": 1})
>>> round(rewards["user"], 3), round(rewards["platform"], 3), infos["user"]["signal"]
(1.2, 1.0, 1.0)
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from agents.strategic.engagement import ACTIONS, read_signal
from agents.strategic.envs import engage_step
from agents.strategic.platforms import GreedyRecommender, Platform, engagement_units
from sim.errors import InputTypeError, UnknownNameError
from sim.random import RngLike
from sim.validate import check_choice, check_int, check_probability

from .core import InvalidActionError, ResetNeededError, check_kwargs
from .strategic import MAX_STEPS, user_world

__all__ = ["UserPlatformParallelEnv", "user_platform_parallel_env"]

AGENTS = ("user", "platform")


class UserPlatformParallelEnv(ParallelEnv):
    """The two-agent repeated game (see the module docstring).

    Parameters
    ----------
    n_items : int
        Catalog size (2..64; ignored when ``values`` is given).
    steps : int
        Rounds of an episode (>= 1).
    alpha : float
        The platform's weight on explicit signals.
    values : sequence of float, optional
        The user's item values (then the platform's prior is zero means).
    rng : int or numpy.random.Generator
        Draws the catalog and the user, once, at construction.
    platform_reward : {"sincere", "signal"}
        The platform's reward.
    """

    metadata = {"name": "stratsim_user_platform_v0", "render_modes": [], "is_parallelizable": True}

    def __init__(self, *, n_items: int = 3, steps: int = 8, alpha: float = 0.5,
                 values: Sequence[float] | None = None, rng: RngLike = 0, platform_reward: str = "sincere") -> None:
        self.steps = check_int("steps", steps, low=1, high=MAX_STEPS)
        self.alpha = check_probability("alpha", alpha)
        self.platform_reward = check_choice("platform_reward", platform_reward, ("sincere", "signal"))
        self.model, self._prior = user_world(values, n_items, alpha=self.alpha, rng=rng)
        self.n_items = k = self.model.n_items
        self.possible_agents = list(AGENTS)
        self.agents: list[str] = []
        t = self.steps
        history = {
            "counts": spaces.MultiDiscrete(np.full(k, t + 1, dtype=np.int64)),
            "explicit": spaces.MultiDiscrete(np.full(k, 2 * t + 1, dtype=np.int64),
                                             start=np.full(k, -t, dtype=np.int64)),
            "dwell": spaces.MultiDiscrete(np.full(k, 2 * t + 1, dtype=np.int64)),
        }
        self._observation_spaces = {
            "user": spaces.Dict({"last_item": spaces.Discrete(k + 1), **history,
                                 "remaining": spaces.Discrete(t + 1)}),
            "platform": spaces.Dict({
                "estimates": spaces.Box(-1.0, 1.0, shape=(k,), dtype=np.float64),
                "type_posterior": spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float64),
                "counts": spaces.MultiDiscrete(np.full(k, t + 1, dtype=np.int64)),
                "last_item": spaces.Discrete(k + 1), "explicit": spaces.Discrete(3, start=-1),
                "dwell": spaces.Discrete(3), "remaining": spaces.Discrete(t + 1)}),
        }
        self._action_spaces = {"user": spaces.MultiDiscrete(np.full(k, len(ACTIONS), dtype=np.int64)),
                               "platform": spaces.Discrete(k)}
        self._ended = False
        self._started = False

    @functools.cache  # noqa: B019  (PettingZoo asks for the same space object every call)
    def observation_space(self, agent: str) -> spaces.Space:
        """The observation space of ``agent`` (``"user"`` or ``"platform"``)."""
        return self._observation_spaces[self._check_agent(agent)]

    @functools.cache  # noqa: B019
    def action_space(self, agent: str) -> spaces.Space:
        """The action space of ``agent``."""
        return self._action_spaces[self._check_agent(agent)]

    def _check_agent(self, agent) -> str:
        if agent not in AGENTS:
            raise UnknownNameError(f"agent must be one of {', '.join(AGENTS)}, got {agent!r}")
        return agent

    def reset(self, seed: int | None = None, options: dict | None = None) -> tuple[dict, dict]:
        """Start an episode (nothing in the game is random: ``seed`` seeds the action spaces)."""
        if options is not None and not isinstance(options, Mapping):
            raise InputTypeError(f"options must be a dict or None, got {type(options).__name__}")
        if seed is not None:
            for i, agent in enumerate(AGENTS):
                self.action_space(agent).seed(seed + i)
        profiles, shares = self._prior
        self.platform = Platform(GreedyRecommender(alpha=self.alpha), profiles, type_prior=shares)
        self.uid = self.platform.add_user()
        k = self.n_items
        self._counts = np.zeros(k, dtype=np.int64)
        self._explicit = np.zeros(k, dtype=np.int64)
        self._dwell = np.zeros(k, dtype=np.int64)
        self._recent: tuple = ()
        self._last = (k, 0, 0)
        self._t = 0
        self.agents = list(AGENTS)
        self._started, self._ended = True, False
        return self._observations(), {a: {} for a in AGENTS}

    def _observations(self) -> dict[str, dict[str, Any]]:
        rec = self.platform.state(self.uid)
        rule = self.platform.policy
        post = np.zeros(2)
        p = rule.type_posterior(rec.state, rec.view)
        post[:len(p)] = p
        est = np.clip(np.asarray(rule.estimates(rec.state, rec.view), dtype=np.float64), -1.0, 1.0)
        item, ex, half = self._last
        left = np.int64(self.steps - self._t)
        user = {"last_item": np.int64(item), "counts": self._counts.copy(), "explicit": self._explicit.copy(),
                "dwell": self._dwell.copy(), "remaining": left}
        platform = {"estimates": est, "type_posterior": np.clip(post, 0.0, 1.0), "counts": self._counts.copy(),
                    "last_item": np.int64(item), "explicit": np.int64(ex), "dwell": np.int64(half),
                    "remaining": left}
        return {"user": user, "platform": platform}

    def step(self, actions: Mapping[str, Any]) -> tuple[dict, dict, dict, dict, dict]:
        """Play one round: ``(observations, rewards, terminations, truncations, infos)``."""
        if not self._started:
            raise ResetNeededError("user_platform_parallel_env: call reset() before step()")
        if self._ended:
            raise ResetNeededError("user_platform_parallel_env: the episode has ended; call reset() before step()")
        if not isinstance(actions, Mapping) or set(actions) != set(AGENTS):
            got = sorted(actions) if isinstance(actions, Mapping) else type(actions).__name__
            raise InvalidActionError(f"actions must be a dict with one action for each of {list(AGENTS)}, got {got}")
        for agent in AGENTS:
            try:
                ok = self.action_space(agent).contains(actions[agent])
            except (TypeError, ValueError, AttributeError):
                ok = False
            if not ok:
                raise InvalidActionError(f"action {actions[agent]!r} of agent {agent!r} is outside its action "
                                         f"space {self.action_space(agent)}")
        item = int(actions["platform"])
        engagement = ACTIONS[int(np.asarray(actions["user"])[item])]
        mt = engage_step(self.platform, self.uid, self.model, self._recent, item, engagement)
        if self.model.window:
            self._recent = (self._recent + (item,))[-self.model.window:]
        ex, half = engagement_units(engagement)
        self._counts[item] += 1
        self._explicit[item] += ex
        self._dwell[item] += half
        self._last = (item, ex, half)
        self._t += 1
        sincere = read_signal((mt["natural_explicit"], mt["natural_dwell"]), self.alpha)
        rewards = {"user": float(mt["utility"]),
                   "platform": float(sincere if self.platform_reward == "sincere" else mt["signal"])}
        done = self._t >= self.steps
        info = {"item": item, "signal": float(mt["signal"]), "sincere": float(sincere),
                "utility": float(mt["utility"]), "value": float(mt["value"])}
        obs = self._observations()
        terminations = {a: done for a in AGENTS}
        truncations = {a: False for a in AGENTS}
        infos = {a: dict(info) for a in AGENTS}
        if done:
            self.agents = []
            self._ended = True
        return obs, rewards, terminations, truncations, infos

    def render(self) -> None:
        """Nothing to render (``render_modes`` is empty)."""
        return None

    def close(self) -> None:
        """Nothing to release."""
        return None

    def __repr__(self) -> str:
        return f"UserPlatformParallelEnv(n_items={self.n_items}, steps={self.steps}, alpha={self.alpha})"


def user_platform_parallel_env(**kwargs: Any) -> UserPlatformParallelEnv:
    """The two-agent user-platform game (see :class:`UserPlatformParallelEnv` for the keyword arguments)."""
    check_kwargs("user_platform_parallel_env", UserPlatformParallelEnv, kwargs)
    return UserPlatformParallelEnv(**kwargs)
