r"""``stratsim/StrategicUser-v0`` and ``stratsim/Recommender-v0``: the user-platform game, from either side.

Thin adapters over :class:`agents.strategic.envs.EngagementEnv` (the user's
view) and :class:`agents.strategic.envs.RecommenderEnv` (the platform's view);
the model is the toolkit's (Cen, Ilyas, Madry 2023; REFERENCE section 3). An
engagement is one of the nine :data:`~agents.strategic.engagement.ACTIONS`
(explicit signal in dislike/none/like times dwell in 0/0.5/1, explicit-major:
action ``a`` is explicit ``a // 3 - 1`` and dwell ``(a % 3) / 2``).

``StrategicUser-v0`` (the user's view): one user of a catalog of ``n_items``
items plays ``steps`` rounds against a platform running any registered
recommender (default ``rec.greedy`` reading likes only, ``alpha = 1``); the
user and the catalog are drawn once from ``rng`` at construction, ``reset``'s
seed drives a stochastic platform's draws.

- observation ``Dict``: ``item`` (the item recommended now), ``remaining``
  (rounds after this one) and the user's own history as per-item sums:
  ``counts`` (times shown), ``explicit`` (sum of explicit signals given) and
  ``dwell`` (sum of dwell, in half units), exactly what the platform's state
  for this user is made of;
- action ``Discrete(9)``: the engagement;
- reward: the user's utility ``v(x_t) - c(e_t | v(x_t))``
  (:meth:`agents.strategic.UserModel.utility`); ``info`` carries the
  ``item`` engaged with, the ``signal`` the platform read, the item's
  ``value``, the user's natural engagement with it (``natural_explicit``,
  ``natural_dwell``) and the ``sincere`` signal that natural engagement would
  have given the platform (``alpha natural_explicit + (1 - alpha)
  natural_dwell``, the platform's ``alpha``: the engagement the
  recommendation really earned; equal to ``signal`` for natural play), and at every decision
  point what the toolkit's exact planner (a correct-belief
  :class:`~agents.strategic.StrategicUser` planning to the end, discount
  ``gamma``) would do from this very state (``planner_action``) and the value
  it would get (``planner_value``), with ``natural_action`` (the naive choice).

``Recommender-v0`` (the platform's view): ``n_naive`` naive and
``n_strategic`` strategic users (planners of horizon ``horizon`` who believe
the platform runs ``believed``), drawn with the catalog from ``reset``'s seed,
each for ``steps`` rounds, in random order. The platform's records (a
learning two-type :class:`~agents.strategic.Platform` reading
``s = alpha explicit + (1 - alpha) dwell``) are kept by the environment; the
agent decides what is shown.

- observation ``Dict``: ``user`` (the current user's id), ``type_posterior``
  (the platform's posterior over the two population types for this user),
  ``estimates`` (its personalised estimates of every item for this user),
  ``counts`` (items shown to this user), ``remaining`` (this user's rounds
  after this one) and the engagement the last recommendation got:
  ``explicit`` and ``dwell`` (level 0, 1, 2 for 0, 0.5, 1; both 0 at reset);
- action ``Discrete(n_items)``: the item recommended to the current user;
- reward: sincere engagement, the signal the user's natural engagement would
  give (``alpha natural_explicit + (1 - alpha) natural_dwell``: what the user
  actually enjoyed), or with ``reward="signal"`` the signal read; ``info``
  carries ``signal``, ``sincere``, the user's ``utility``, ``value``,
  ``user``, ``item`` and ``strategic`` (1 for a planner).

Examples
--------
>>> import gymnasium as gym
>>> import agents.envs
>>> env = gym.make("stratsim/StrategicUser-v0", values=[0.85, 1.2, 0.0], steps=4)
>>> obs, info = env.reset(seed=0)
>>> int(obs["item"]), ACTIONS[info["planner_action"]], ACTIONS[info["natural_action"]]
(0, Engagement(explicit=-1, dwell=1.0), Engagement(explicit=1, dwell=1.0))
>>> round(info["planner_value"], 6)          # dislike item 0 once, enjoy item 1 three times
4.35
>>> obs, reward, terminated, truncated, info = env.step(info["planner_action"])
>>> info["item"], info["signal"], info["sincere"]  # the platform read a dislike of an item the user enjoyed
(0, -1.0, 1.0)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces

from agents.strategic.content import default_types, make_catalog, sample_users, type_profiles
from agents.strategic.engagement import ACTIONS, EngagementModel, read_signal
from agents.strategic.envs import EngagementEnv, RecommenderEnv, make_platform
from agents.strategic.platforms import GreedyRecommender, Platform, RecObservation, engagement_units
from agents.strategic.users import (
    NaiveUser,
    PlatformBelief,
    StrategicUser,
    UserAgent,
    UserModel,
    UserObservation,
)
from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, make_rng
from sim.registry import check_policy_name
from sim.validate import check_array, check_choice, check_int, check_probability

from .core import ToolkitEnv

__all__ = ["ACTIONS", "MAX_ITEMS", "MAX_STEPS", "RecommenderPlatformEnv", "StrategicUserEnv", "action_index",
           "draw_world", "user_world"]

#: Catalog and episode limits of the adapters (their spaces are per item and per step).
MAX_ITEMS = 64
MAX_STEPS = 10**4

_INDEX = {a: i for i, a in enumerate(ACTIONS)}


def action_index(engagement: Any) -> int:
    """The action (0..8) of an engagement.

    Examples
    --------
    >>> action_index((1, 1.0)), action_index((-1, 0.0))
    (8, 0)
    """
    ex, half = engagement_units(engagement)
    return (ex + 1) * 3 + half


def user_world(values: Sequence[float] | None, n_items: int, *, alpha: float,
               rng: RngLike) -> tuple[UserModel, tuple[Any, Any]]:
    """The user and the platform's prior: the user's item ``values`` if given, else a user drawn by
    :func:`draw_world` (``n_items`` items); ``(model, (profiles, shares))``."""
    if values is None:
        n_items = check_int("n_items", n_items, low=2, high=MAX_ITEMS)
        _, models, profiles, shares = draw_world(rng, n_items, alpha=alpha)
        return models[0], (profiles, shares)
    vals = check_array("values", values, ndim=1, allow_empty=False)
    if not 2 <= vals.size <= MAX_ITEMS:
        raise ValidationError(f"values must give 2..{MAX_ITEMS} items, got {vals.size}")
    return UserModel(vals), (np.zeros(vals.size), None)


def draw_world(rng: RngLike, n_items: int, n_users: int = 1, *, alpha: float = 0.5,
               engagement: EngagementModel | None = None) -> tuple[Any, list, Any, Any]:
    """A catalog and users of the default two types: ``(type indices, user models, profiles, shares)``.

    The platform's prior (``profiles``, ``shares``) is the population's sincere
    signal per type and item at weight ``alpha`` (:func:`agents.strategic.type_profiles`).
    """
    rng = make_rng(rng)
    catalog = make_catalog(n_items, rng=rng)
    types = default_types()
    idx, thetas = sample_users(types, n_users, rng=rng)
    profiles, shares = type_profiles(catalog, types, alpha=alpha, engagement=engagement)
    models = [UserModel.from_preferences(catalog, th, engagement=engagement) for th in thetas]
    return idx, models, profiles, shares


def _history_spaces(n_items: int, steps: int) -> dict[str, spaces.Space]:
    k = n_items
    return {
        "counts": spaces.MultiDiscrete(np.full(k, steps + 1, dtype=np.int64)),
        "explicit": spaces.MultiDiscrete(np.full(k, 2 * steps + 1, dtype=np.int64),
                                         start=np.full(k, -steps, dtype=np.int64)),
        "dwell": spaces.MultiDiscrete(np.full(k, 2 * steps + 1, dtype=np.int64)),
    }


class StrategicUserEnv(ToolkitEnv):
    """The user's view of the game as a Gymnasium environment (see the module docstring).

    Parameters
    ----------
    n_items : int
        Catalog size (2..64; ignored when ``values`` is given).
    steps : int
        Rounds of an episode (>= 2).
    platform : str
        A registered recommender (domain ``"recommender"``).
    alpha : float
        The platform's weight on explicit signals (1: likes only).
    options : mapping, optional
        Further settings of the recommender, where it takes them (e.g. ``{"c": 0.3}``).
    values : sequence of float, optional
        The user's item values (then the platform's prior is zero means);
        default: a user and catalog drawn from ``rng``.
    rng : int or numpy.random.Generator
        Draws the catalog and the user, once, at construction.
    gamma : float
        The exact planner's discount, in [0, 1] (for ``info`` only).
    planner_info : bool
        Whether ``info`` carries the exact planner's action (planning costs time).
    """

    domain = "engagement"

    def __init__(self, *, n_items: int = 3, steps: int = 5, platform: str = "rec.greedy", alpha: float = 1.0,
                 options: Mapping[str, Any] | None = None, values: Sequence[float] | None = None, rng: RngLike = 0,
                 gamma: float = 1.0, planner_info: bool = True) -> None:
        super().__init__()
        self.steps = check_int("steps", steps, low=2, high=MAX_STEPS)
        check_policy_name("platform", platform, "recommender")
        self.platform_name = platform
        self.alpha = check_probability("alpha", alpha)
        if options is not None and not isinstance(options, Mapping):
            raise InputTypeError(f"options must be a mapping or None, got {type(options).__name__}")
        self.options = dict(options or {})
        self.gamma = check_probability("gamma", gamma)
        if not isinstance(planner_info, (bool, np.bool_)):
            raise InputTypeError(f"planner_info must be a bool, got {planner_info!r}")
        self.planner_info = bool(planner_info)
        self.model, self._prior = user_world(values, n_items, alpha=self.alpha, rng=rng)
        self.n_items = k = self.model.n_items
        profiles, shares = self._prior
        self._rule = make_platform(platform, profiles, type_prior=shares,
                                   options={"alpha": self.alpha, **self.options}).policy
        self.action_space = spaces.Discrete(len(ACTIONS))
        self.observation_space = spaces.Dict({"item": spaces.Discrete(k), "remaining": spaces.Discrete(self.steps),
                                              **_history_spaces(k, self.steps)})
        self._build(make_rng(0))

    def make_platform(self, rng: RngLike) -> Platform:
        """A fresh platform of this environment (its rule's draws from ``rng``)."""
        profiles, shares = self._prior
        # the rule is built once (by name, for this catalog); a platform's draws come from its own generator
        return Platform(self._rule, profiles, type_prior=shares, rng=rng)

    def _build(self, rng) -> None:
        self.platform = self.make_platform(rng)
        self._env = EngagementEnv(self.platform, self.model, steps=self.steps, know_end=True)
        self._env.reset(0)
        k = self.n_items
        self._counts = np.zeros(k, dtype=np.int64)
        self._explicit = np.zeros(k, dtype=np.int64)
        self._dwell = np.zeros(k, dtype=np.int64)
        # the exact planner, fed the trajectory actually played, says what it would do at each state
        self._planner = (StrategicUser(self.model, PlatformBelief.of(self.platform), horizon=self.steps - 1,
                                       gamma=self.gamma, method="exact") if self.planner_info else None)

    @property
    def toolkit_env(self) -> EngagementEnv:
        """The :class:`~agents.strategic.envs.EngagementEnv` of the current episode."""
        return self._env

    def toolkit_observation(self) -> UserObservation:
        """The item shown, the rounds left and the platform's view."""
        return self._env.observe()

    def _observation(self, shown: UserObservation) -> dict[str, Any]:
        return {"item": np.int64(shown.item), "remaining": np.int64(shown.remaining),
                "counts": self._counts.copy(), "explicit": self._explicit.copy(), "dwell": self._dwell.copy()}

    def _decision_info(self, shown: UserObservation) -> dict[str, Any]:
        info: dict[str, Any] = {"natural_action": action_index(self.model.natural(shown.item, self._env.recent))}
        if self._planner is not None:
            best = self._planner.decide(shown)
            plan = self._planner.last_plan
            info["planner_action"] = action_index(best)
            info["planner_value"] = float(plan.value) if plan is not None else float(
                self.model.utility(shown.item, best, self._env.recent))
        return info

    def _start(self, rng: np.random.Generator):
        self._build(rng)
        shown = self._env.observe()
        return self._observation(shown), self._decision_info(shown)

    def _advance(self, action):
        engagement = ACTIONS[int(action)]
        step = self._env.step(engagement)
        feedback = step.feedback
        ex, half = engagement_units(engagement)
        self._counts[feedback.item] += 1
        self._explicit[feedback.item] += ex
        self._dwell[feedback.item] += half
        if self._planner is not None:
            self._planner.update(feedback)
        mt = step.metrics
        # the sincere signal: natural engagement with the same item, read as the platform reads signals
        sincere = read_signal((mt["natural_explicit"], mt["natural_dwell"]), self.platform.alpha)
        info: dict[str, Any] = {"item": int(feedback.item), "utility": float(mt["utility"]),
                                "value": float(mt["value"]), "signal": float(mt["signal"]),
                                "natural_explicit": int(mt["natural_explicit"]),
                                "natural_dwell": float(mt["natural_dwell"]), "sincere": float(sincere)}
        if step.done:
            obs = {"item": np.int64(0), "remaining": np.int64(0), "counts": self._counts.copy(),
                   "explicit": self._explicit.copy(), "dwell": self._dwell.copy()}
        else:
            shown = self._env.observe()
            obs = self._observation(shown)
            info.update(self._decision_info(shown))
        return obs, mt["utility"], bool(step.done), False, info, feedback

    def encode(self, decision: Any, rng: np.random.Generator) -> int:
        """An engagement as an action (0..8)."""
        return action_index(decision)

    def __repr__(self) -> str:
        return (f"StrategicUserEnv(n_items={self.n_items}, steps={self.steps}, platform={self.platform_name!r}, "
                f"alpha={self.alpha})")


class RecommenderPlatformEnv(ToolkitEnv):
    """The platform's view of a population of naive and strategic users (see the module docstring).

    Parameters
    ----------
    n_items : int
        Catalog size (2..64).
    n_naive, n_strategic : int
        Users of each kind (at least one user in all).
    steps : int
        Rounds per user (>= 1; an episode has ``steps * users`` rounds).
    alpha : float
        The platform's weight on explicit signals.
    horizon : int
        Strategic users' planning horizon (>= 1).
    gamma : float
        Strategic users' discount, in [0, 1].
    believed : str
        The registered recommender strategic users believe the platform runs.
    learn : bool
        Whether the platform's records learn the population profiles.
    reward : {"sincere", "signal"}
        Sincere engagement (default) or the signal read.
    """

    domain = "recommender"

    def __init__(self, *, n_items: int = 4, n_naive: int = 2, n_strategic: int = 2, steps: int = 8,
                 alpha: float = 0.5, horizon: int = 2, gamma: float = 0.9, believed: str = "rec.greedy",
                 learn: bool = True, reward: str = "sincere") -> None:
        super().__init__()
        self.n_items = k = check_int("n_items", n_items, low=2, high=MAX_ITEMS)
        self.n_naive = check_int("n_naive", n_naive, low=0, high=MAX_ITEMS)
        self.n_strategic = check_int("n_strategic", n_strategic, low=0, high=MAX_ITEMS)
        self.n_users = n = self.n_naive + self.n_strategic
        if n < 1:
            raise ValidationError("n_naive + n_strategic must be at least 1, got 0 users")
        self.steps = check_int("steps", steps, low=1, high=MAX_STEPS)
        self.alpha = check_probability("alpha", alpha)
        self.horizon = check_int("horizon", horizon, low=1, high=MAX_STEPS)
        self.gamma = check_probability("gamma", gamma)
        check_policy_name("believed", believed, "recommender")
        self.believed = believed
        if not isinstance(learn, (bool, np.bool_)):
            raise InputTypeError(f"learn must be a bool, got {learn!r}")
        self.learn = bool(learn)
        self.reward = check_choice("reward", reward, ("sincere", "signal"))
        self.action_space = spaces.Discrete(k)
        self.observation_space = spaces.Dict({
            "user": spaces.Discrete(n),
            "type_posterior": spaces.Box(0.0, 1.0, shape=(2,), dtype=np.float64),
            "estimates": spaces.Box(-1.0, 1.0, shape=(k,), dtype=np.float64),
            "counts": spaces.MultiDiscrete(np.full(k, self.steps + 1, dtype=np.int64)),
            "remaining": spaces.Discrete(self.steps),
            "explicit": spaces.Discrete(3, start=-1),
            "dwell": spaces.Discrete(3),
        })
        self._build(make_rng(0))

    def _build(self, rng: np.random.Generator) -> None:
        idx, models, profiles, shares = draw_world(rng, self.n_items, self.n_users, alpha=self.alpha)
        self.platform = Platform(GreedyRecommender(alpha=self.alpha), profiles, type_prior=shares, learn=self.learn)
        belief = PlatformBelief.of(make_platform(self.believed, profiles, type_prior=shares,
                                                 options={"alpha": self.alpha}))
        strategic = np.zeros(self.n_users, dtype=bool)
        strategic[rng.permutation(self.n_users)[:self.n_strategic]] = True
        self.strategic = strategic
        self.types = idx
        self.users: list[UserAgent] = [
            StrategicUser(m, belief, horizon=self.horizon, gamma=self.gamma) if s else NaiveUser(m)
            for m, s in zip(models, strategic)]
        self._envs = [RecommenderEnv(self.platform, u, steps=self.steps, know_end=True) for u in self.users]
        self._left = np.full(self.n_users, self.steps, dtype=np.int64)
        self._rng = rng
        self._last = (0, 0)
        self._current = 0

    @property
    def toolkit_env(self) -> RecommenderEnv:
        """The :class:`~agents.strategic.envs.RecommenderEnv` of the current user."""
        return self._envs[self._current]

    def toolkit_observation(self) -> RecObservation:
        """The platform's observation of the current user."""
        return self._envs[self._current].observe()

    def _next_user(self) -> None:
        active = np.flatnonzero(self._left > 0)
        self._current = int(active[self._rng.integers(active.size)])

    def _observation(self) -> dict[str, Any]:
        u = self._current
        rec = self.platform.state(u)
        rule = self.platform.policy
        post = np.zeros(2)
        p = rule.type_posterior(rec.state, rec.view)
        post[:len(p)] = p
        est = np.clip(np.asarray(rule.estimates(rec.state, rec.view), dtype=np.float64), -1.0, 1.0)
        return {"user": np.int64(u), "type_posterior": np.clip(post, 0.0, 1.0), "estimates": est,
                "counts": np.asarray(rec.state.counts, dtype=np.int64).copy(),
                "remaining": np.int64(self._left[u] - 1), "explicit": np.int64(self._last[0]),
                "dwell": np.int64(self._last[1])}

    def _start(self, rng: np.random.Generator):
        self._build(rng)
        self._next_user()
        return self._observation(), {}

    def _advance(self, action):
        u = self._current
        env = self._envs[u]
        env.observe()
        step = env.step(int(action))
        mt = step.metrics
        self._left[u] -= 1
        sincere = read_signal((mt["natural_explicit"], mt["natural_dwell"]), self.alpha)
        engagement = step.feedback
        self._last = engagement_units(engagement)
        info = {"user": u, "item": int(mt["item"]), "strategic": int(self.strategic[u]), "signal": float(mt["signal"]),
                "sincere": float(sincere), "utility": float(mt["utility"]), "value": float(mt["value"])}
        done = not bool(np.any(self._left > 0))
        if done:
            obs = self._observation_at_end()
        else:
            self._next_user()
            obs = self._observation()
        reward = sincere if self.reward == "sincere" else mt["signal"]
        return obs, reward, done, False, info, engagement

    def _observation_at_end(self) -> dict[str, Any]:
        obs = self._observation()
        obs["remaining"] = np.int64(0)
        return obs

    def encode(self, decision: Any, rng: np.random.Generator) -> int:
        """A recommended item as an action."""
        return int(check_int("decision", decision, low=0, high=self.n_items - 1))

    def __repr__(self) -> str:
        return (f"RecommenderPlatformEnv(n_items={self.n_items}, n_naive={self.n_naive}, "
                f"n_strategic={self.n_strategic}, steps={self.steps}, alpha={self.alpha})")
