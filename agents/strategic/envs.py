r"""The user-platform game as :class:`sim.environment.Environment`\ s, from either side.

One step of the game (Cen, Ilyas, Madry 2023; see :mod:`agents.strategic.game`):
the platform recommends ``x_t`` from its state for the user, the user engages
by ``e_t`` with ``x_t``, gets ``r_t = v_now(x_t) - c(e_t | v_now(x_t))``, and the
platform reads the signal ``s_t = alpha explicit_t + (1 - alpha) dwell_t`` and
records the engagement. Two environments cut this step at the two decisions:

- :class:`RecommenderEnv` (domain ``"recommender"``, the platform's view): the
  world is the user (a :class:`~agents.strategic.users.UserAgent`) and the
  platform's records of it (a :class:`~agents.strategic.platforms.Platform`).
  Observation: the platform's :class:`~agents.strategic.platforms.RecObservation`
  of the current user (its state, the population view and the user's id);
  decision: the recommended item; feedback: the engagement it got.
- :class:`EngagementEnv` (domain ``"engagement"``, the user's view): the world
  is the platform. Observation: a :class:`~agents.strategic.users.UserObservation`
  (the item recommended, the steps left if known, the platform's published
  view); decision: the engagement; feedback: a
  :class:`~agents.strategic.users.UserFeedback` (the item and the engagement,
  the user's own history).

Both record the same per-step metrics (:data:`METRICS`): ``item``, the
engagement chosen (``explicit``, ``dwell``) and the natural one
(``natural_explicit``, ``natural_dwell``), the current ``value`` of the item,
the user's ``utility`` and the ``signal`` the platform read; the platform's
view adds ``believed_alpha`` (the user's belief about ``alpha`` when
engaging; NaN for users who do not plan).

Neither environment draws random numbers of its own: the platform and the
users have their own generators, so ``reset(rng)`` only starts the step count.
They wrap live objects: an episode continues from the platform's and the
user's current state (as :func:`~agents.strategic.game.play` does).

Examples
--------
>>> from sim.environment import rollout
>>> from sim.registry import make_policy
>>> from agents.strategic import GreedyRecommender, NaiveUser, Platform, UserModel
>>> platform = Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0])
>>> env = RecommenderEnv(platform, NaiveUser(UserModel([0.85, 1.2, 0.0])), steps=4)
>>> out = rollout(env, make_policy("rec.ucb", env, c=0.0), rng=0)
>>> out.steps, out["item"].tolist()
(4, [0.0, 0.0, 0.0, 0.0])
>>> env = EngagementEnv(Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0]),
...                     UserModel([0.85, 1.2, 0.0]), steps=4)
>>> out = rollout(env, make_policy("user.strategic", env, gamma=1.0), rng=0)
>>> out["item"].tolist(), out["explicit"].tolist()
([0.0, 1.0, 1.0, 1.0], [-1.0, 1.0, 1.0, 1.0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.environment import Environment, Step
from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, make_rng
from sim.registry import check_policy_name, make_policy, register_environment
from sim.validate import check_int

from .content import default_types, make_catalog, sample_users, type_profiles
from .engagement import Engagement, check_engagement
from .platforms import GreedyRecommender, Platform, RecObservation, Recommender
from .users import NaiveUser, PlatformBelief, UserAgent, UserFeedback, UserModel, UserObservation

__all__ = [
    "METRICS",
    "EngagementEnv",
    "RecommenderEnv",
    "example_engagement_env",
    "example_recommender_env",
    "make_platform",
]

#: Per-step metrics, in recording order (:class:`EngagementEnv` records all but ``believed_alpha``).
METRICS = ("item", "explicit", "dwell", "natural_explicit", "natural_dwell", "value", "utility", "signal",
           "believed_alpha")


def _check_platform(platform) -> Platform:
    if not isinstance(platform, Platform):
        raise InputTypeError(f"platform must be a Platform, got {type(platform).__name__}")
    return platform


def _check_steps(steps) -> int | None:
    return None if steps is None else check_int("steps", steps, low=0)


def _check_know_end(know_end) -> bool:
    if not isinstance(know_end, (bool, np.bool_)):
        raise InputTypeError(f"know_end must be a bool, got {know_end!r}")
    return bool(know_end)


def engage_step(platform: Platform, uid: int, model: UserModel, recent: Sequence[int], item: int,
                engagement: Engagement | tuple[float, float]) -> dict[str, float]:
    """The metrics of one engagement, after recording it on the platform (shared by both views).

    ``recent`` is the user's consumption memory before this item (its
    satiation); the platform's :meth:`~agents.strategic.platforms.Platform.observe`
    is called here, so the platform learns from the engagement.
    """
    value = model.current_value(item, recent)
    natural = model.engagement.natural(value)
    utility = value - model.engagement.cost(engagement, natural)
    signal = platform.observe(uid, item, engagement)
    return {"item": item, "explicit": engagement[0], "dwell": engagement[1], "natural_explicit": natural[0],
            "natural_dwell": natural[1], "value": value, "utility": utility, "signal": signal}


class _GameEnv(Environment):
    """What both views share: the platform, the user's id, the step count and the end."""

    def _setup(self, platform, n_items: int, uid, steps, know_end):
        self.platform = _check_platform(platform)
        if n_items != platform.n_items:
            raise ValidationError(f"the user values {n_items} items but the platform has {platform.n_items}")
        self.steps = _check_steps(steps)
        self.know_end = _check_know_end(know_end)
        self.uid = platform.add_user() if uid is None else platform.check_uid(uid)
        self.t = 0

    def _remaining(self) -> int | None:
        if self.steps is None or not self.know_end:
            return None
        return max(self.steps - 1 - self.t, 0)

    def _done(self) -> bool:
        return self.steps is not None and self.t >= self.steps

    def reset(self, rng: RngLike) -> None:
        """Start counting steps (the platform and the user draw from their own generators)."""
        make_rng(rng)  # validated for the caller; nothing here is random
        self.t = 0

    def context(self) -> dict[str, Any]:
        """The catalog and the platform's reading of signals (what a recommender is built with)."""
        rule = self.platform.policy
        ctx = {"n_items": self.platform.n_items, "n_types": self.platform.n_types, "alpha": rule.alpha,
               "clusters": rule.clusters}
        if self.steps is not None:
            ctx["horizon"] = self.steps
        return ctx


class RecommenderEnv(_GameEnv):
    """The game from the platform's side: decide the item for a user (see the module docstring).

    Parameters
    ----------
    platform : Platform
        The platform's records (states, population learning, the signal it
        reads); the policy run on this environment decides what is shown. Its
        :meth:`~agents.strategic.platforms.Platform.deployed_rule` is the
        platform's own rule.
    user : UserAgent
        The user (engages with what it is shown; mutated).
    uid : int, optional
        The user's id on the platform (a new user is registered by default).
    steps : int, optional
        Steps of an episode (>= 0; ``None``: no end, give ``rollout`` a count).
    know_end : bool
        Whether the user is told how many steps remain.
    """

    domain = "recommender"

    def __init__(self, platform: Platform, user: UserAgent, *, uid: int | None = None,
                 steps: int | None = None, know_end: bool = True) -> None:
        if not isinstance(user, UserAgent):
            raise InputTypeError(f"user must be a UserAgent, got {type(user).__name__}")
        self.user = user
        self._setup(platform, user.model.n_items, uid, steps, know_end)
        self._view = None

    def observe(self) -> RecObservation:
        """The platform's :class:`~agents.strategic.platforms.RecObservation` of the user."""
        obs = self.platform.state(self.uid)
        self._view = obs.view
        return obs

    def step(self, decision: int) -> Step:
        """Show item ``decision`` to the user; the feedback is its engagement."""
        item = check_int("decision", decision, low=0, high=self.platform.n_items - 1)
        view = self._view if self._view is not None else self.platform.view(self.uid)
        user = self.user
        engagement = user.decide(UserObservation(item, self._remaining(), view))
        metrics = engage_step(self.platform, self.uid, user.model, user.recent, item, engagement)
        belief = getattr(user, "belief", None)
        metrics["believed_alpha"] = (float(getattr(user, "believed_alpha", belief.alpha)) if belief is not None
                                     else math.nan)
        user.update(UserFeedback(item, engagement))
        self._view = None
        self.t += 1
        return Step(engagement, metrics, self._done())

    def __repr__(self):
        return f"RecommenderEnv(uid={self.uid}, steps={self.steps}, platform={self.platform!r})"


class EngagementEnv(_GameEnv):
    """The game from the user's side: decide how to engage with what is shown (see the module docstring).

    Parameters
    ----------
    platform : Platform
        The platform (recommends with its own rule and generator, learns; mutated).
    model : UserModel
        The user's true values, engagement model and satiation (for the metrics).
    uid : int, optional
        The user's id on the platform (a new user is registered by default).
    steps : int, optional
        Steps of an episode (>= 0; ``None``: no end).
    know_end : bool
        Whether the observation tells how many steps remain.
    recent : sequence of int
        Items the user consumed before (its satiation memory, oldest first).
    """

    domain = "engagement"

    def __init__(self, platform: Platform, model: UserModel, *, uid: int | None = None,
                 steps: int | None = None, know_end: bool = True, recent: Iterable[int] = ()) -> None:
        if not isinstance(model, UserModel):
            raise InputTypeError(f"model must be a UserModel, got {type(model).__name__}")
        self.model = model
        self._setup(platform, model.n_items, uid, steps, know_end)
        if isinstance(recent, (str, bytes)) or not hasattr(recent, "__iter__"):
            raise InputTypeError(f"recent must be a sequence of item indices, got {recent!r}")
        self.recent = tuple(check_int("recent", k, low=0, high=model.n_items - 1) for k in recent)
        self._rule = platform.deployed_rule()
        self._shown = None

    def context(self) -> dict[str, Any]:
        """What a user policy is built with: its model and the correct belief about the platform."""
        ctx = super().context()
        ctx.update(model=self.model, belief=PlatformBelief.of(self.platform))
        return ctx

    def observe(self) -> UserObservation:
        """The item the platform recommends now (decided once per step), the steps left and its view."""
        if self._shown is None:
            # the platform decides through its policy, drawing from its own generator
            obs = self.platform.state(self.uid)
            self._shown = UserObservation(self._rule.decide(obs), self._remaining(), obs.view)
        return self._shown

    def step(self, decision: Engagement | tuple[float, float]) -> Step:
        """Engage by ``decision`` with the item shown; the feedback is the user's own history entry."""
        shown = self.observe()
        engagement = check_engagement("decision", decision)
        metrics = engage_step(self.platform, self.uid, self.model, self.recent, shown.item, engagement)
        if self.model.window:
            self.recent = (self.recent + (shown.item,))[-self.model.window:]
        self._shown = None
        self.t += 1
        return Step(UserFeedback(shown.item, engagement), metrics, self._done())

    def __repr__(self):
        return f"EngagementEnv(uid={self.uid}, steps={self.steps}, platform={self.platform!r})"


def make_platform(name: str, prior: ArrayLike, *, type_prior: ArrayLike | None = None, learn: bool = False,
                  pseudo_count: float = 10.0, rng: RngLike = 0, options: Mapping[str, Any] | None = None,
                  **params: Any) -> Platform:
    """A :class:`~agents.strategic.platforms.Platform` running the registered recommender ``name``.

    The rule is built by :func:`sim.registry.make_policy` for the platform's
    catalog (its :class:`RecommenderEnv` context: ``n_items``, ``n_types``,
    the default ``alpha``...), so any policy of domain ``"recommender"``,
    including third-party ones, works with no per-name wiring.

    Parameters
    ----------
    name : str
        A registered policy of domain ``"recommender"`` (``"rec.greedy"``, ...).
    prior, type_prior, learn, pseudo_count, rng
        As for :class:`~agents.strategic.platforms.Platform` (``rng`` also
        seeds a stochastic rule's own generator).
    options : mapping, optional
        Settings passed to the rule only where its constructor takes them
        (e.g. ``{"alpha": 0.5, "c": 0.3, "top": 3}``).
    **params
        Parameters the rule must accept.

    Examples
    --------
    >>> p = make_platform("rec.ucb", [0.0, 0.5, 0.2], options={"c": 0.3, "top": 2})
    >>> type(p.policy).__name__, p.policy.c
    ('UCBRecommender', 0.3)
    >>> make_platform("user.naive", [0.0, 0.5])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: name: policy 'user.naive' is of domain 'engagement', not 'recommender'; ...
    """
    check_policy_name("name", name, "recommender")
    # a throwaway platform of the same catalog gives the context the rule is built from
    probe = Platform(GreedyRecommender(), prior, type_prior=type_prior)
    env = RecommenderEnv(probe, NaiveUser(UserModel(np.zeros(probe.n_items))))
    rule = make_policy(name, env, rng=rng, options=options, **params)
    return Platform(rule, prior, type_prior=type_prior, learn=learn, pseudo_count=pseudo_count, rng=rng)


def _example_world(rng, n_items: int, rule: Recommender | None = None):
    rng = make_rng(rng)
    n_items = check_int("n_items", n_items, low=2, high=64)
    catalog = make_catalog(n_items, rng=rng)
    types = default_types()
    _, thetas = sample_users(types, 1, rng=rng)
    profiles, shares = type_profiles(catalog, types)
    platform = Platform(rule or GreedyRecommender(), profiles, type_prior=shares, learn=True)
    return platform, UserModel.from_preferences(catalog, thetas[0])


def example_recommender_env(rng: RngLike = 0, *, n_items: int = 4, steps: int = 12) -> RecommenderEnv:
    """A small platform's view: a learning two-type platform and one naive user of a random catalog."""
    platform, model = _example_world(rng, n_items)
    return RecommenderEnv(platform, NaiveUser(model), steps=steps)


def example_engagement_env(rng: RngLike = 0, *, n_items: int = 3, steps: int = 12) -> EngagementEnv:
    """A small user's view: a greedy learning two-type platform over a random catalog."""
    platform, model = _example_world(rng, n_items)
    return EngagementEnv(platform, model, steps=steps)


register_environment("recommender", example_recommender_env,
                     description="A 4-item learning two-type platform and one naive user; 12 steps.")
register_environment("engagement", example_engagement_env,
                     description="One user of a 3-item catalog against a greedy learning platform; 12 steps.")
