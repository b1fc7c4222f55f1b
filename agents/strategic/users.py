"""Users as agents: naive, strategic planners, and users who learn the platform's rule.

Model (this toolkit's definition)
---------------------------------
A :class:`UserModel` holds the user's true item values ``v_k`` (e.g.
``<theta*, x_k>``, see :mod:`agents.strategic.content`), its
:class:`~agents.strategic.engagement.EngagementModel` and optional
*satiation*: consuming an item lowers its value by ``satiation`` for each time
it appears among the user's last ``window`` consumed items,
``v_now(k) = v_k - satiation * #{k in last window items}``.
The user's utility for one step is ``r = v_now(x) - c(e | v_now(x))``.

A :class:`PlatformBelief` is what the user thinks the platform does: the
weight ``alpha`` it gives to explicit signals (the *information condition*:
told likes = 1, told dwell = 0), its recommendation rule (a
:class:`~agents.strategic.platforms.Recommender`, greedy by default) and its
population prior; ``adaptive=False`` is the belief that engagement does not
shape recommendations at all ("it is only for learning preferences").

User policies (domain ``"engagement"``):

- :class:`NaiveUser` (``user.naive``) engages naturally.
- :class:`StrategicUser` (``user.strategic``) plans with horizon ``H`` and
  discount ``gamma`` against its belief (:class:`~agents.strategic.planner.Planner`),
  tracking the platform's state as it believes it evolves from its own history.
  With ``H = 0``, ``gamma = 0`` or a non-adaptive belief it is naive.
  With ``remaining`` steps known (a finite game) it plans
  ``min(H, remaining)`` steps ahead, so ``H >= T - 1`` is an exact best
  response to the belief in a ``T``-step game.
- :class:`LearningUser` (``user.learning``) does not know ``alpha``: it keeps
  a posterior over candidate values, scoring each by how well it predicts the
  recommendations it actually gets (likelihood smoothed by ``slack``), and
  plans against the most likely candidate.

Observations are :class:`UserObservation` (the item shown, the number of
future steps if known, and the platform's published population view);
feedback is :class:`UserFeedback` (the item and the engagement chosen).

Examples
--------
>>> from agents.strategic.users import UserModel, NaiveUser, StrategicUser, PlatformBelief, UserObservation
>>> model = UserModel([0.85, 1.2])
>>> NaiveUser(model).decide(UserObservation(0))
Engagement(explicit=1, dwell=1.0)
>>> StrategicUser(model, PlatformBelief(alpha=1.0), horizon=3, gamma=1.0).decide(UserObservation(0))
Engagement(explicit=-1, dwell=1.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.random import RngLike, make_rng
from sim.registry import register_policy
from sim.validate import (
    check_array,
    check_choice,
    check_int,
    check_probability,
    check_real,
)

from .content import Catalog
from .engagement import Engagement, EngagementModel, check_engagement, read_signal
from .planner import Planner
from .platforms import GreedyRecommender, Platform, PopulationView, Recommender, RecState, engagement_units

__all__ = [
    "LearningUser",
    "NaiveUser",
    "PlatformBelief",
    "StrategicUser",
    "UserAgent",
    "UserFeedback",
    "UserModel",
    "UserObservation",
]

_DEFAULT_VALUES = (0.9, 0.6, 0.1, -0.6)


class UserModel:
    """A user's true values, engagement model and satiation.

    Parameters
    ----------
    values : array_like, shape (K,)
        True value of each item (``K >= 1``, finite).
    engagement : EngagementModel, optional
        Natural engagement and distortion costs.
    satiation : float
        Value lost per recent consumption of the same item (>= 0).
    window : int
        How many recent consumptions count (>= 0).

    Examples
    --------
    >>> m = UserModel([1.0, 0.2], satiation=0.3, window=2)
    >>> m.current_value(0, (0, 0)), m.current_value(0, (1, 0))
    (0.4, 0.7)
    >>> UserModel([])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: values must not be empty, got shape (0,)
    """

    def __init__(self, values: ArrayLike = _DEFAULT_VALUES, engagement: EngagementModel | None = None,
                 satiation: float = 0.0, window: int = 0) -> None:
        vals = check_array("values", values, ndim=1, allow_empty=False)
        self.values = tuple(float(v) for v in vals)
        if engagement is None:
            engagement = EngagementModel()
        if not isinstance(engagement, EngagementModel):
            raise InputTypeError(f"engagement must be an EngagementModel, got {type(engagement).__name__}")
        self.engagement = engagement
        self.satiation = check_real("satiation", satiation, low=0.0)
        self.window = check_int("window", window, low=0)

    @classmethod
    def from_preferences(cls, catalog: Catalog, theta: ArrayLike, **kwargs: Any) -> UserModel:
        """A user with values ``<theta, x_k>`` over ``catalog`` (``theta`` of length ``d``)."""
        return cls(catalog.values(theta), **kwargs)

    @property
    def n_items(self) -> int:
        """Number of items ``K``."""
        return len(self.values)

    def current_value(self, item: int, recent: Iterable[int] = ()) -> float:
        """Satiated value of ``item`` after consuming ``recent`` (its last ``window`` items)."""
        if self.satiation and self.window:
            return self.values[item] - self.satiation * tuple(recent)[-self.window:].count(item)
        return self.values[item]

    def natural(self, item: int, recent: Iterable[int] = ()) -> Engagement:
        """Natural engagement with ``item`` now."""
        return self.engagement.natural(self.current_value(item, recent))

    def utility(self, item: int, engagement: Engagement | tuple[float, float], recent: Iterable[int] = ()) -> float:
        """``v_now(item) - c(engagement | v_now(item))``."""
        v = self.current_value(item, recent)
        return v - self.engagement.cost(engagement, self.engagement.natural(v))

    def natural_signals(self, alpha: float) -> np.ndarray:
        """The sincere signal of every item at its unsatiated value."""
        alpha = check_probability("alpha", alpha)
        return np.array([read_signal(self.engagement.natural(v), alpha) for v in self.values])

    def __repr__(self):
        return (f"UserModel(n_items={self.n_items}, satiation={self.satiation}, window={self.window})")


class PlatformBelief:
    """What a user believes the platform does.

    Parameters
    ----------
    alpha : float, optional
        Believed weight of explicit signals, in [0, 1] (default: the rule's own,
        0.5 for the default rule). This is the *information condition*.
    rule : Recommender, optional
        Believed recommendation rule (default: greedy); ``alpha`` overrides its weight.
    prior : PopulationView or array_like, optional
        Believed population prior, used when observations carry no view
        (default: zero means).
    adaptive : bool
        ``False``: the user believes engagement does not affect recommendations.

    Examples
    --------
    >>> PlatformBelief(alpha=1.0).rule.alpha
    1.0
    >>> PlatformBelief(alpha=1.5)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: alpha must be in [0.0, 1.0], got 1.5
    """

    def __init__(self, alpha: float | None = None, rule: Recommender | None = None,
                 prior: PopulationView | ArrayLike | None = None, adaptive: bool = True) -> None:
        if rule is None:
            rule = GreedyRecommender()
        if not isinstance(rule, Recommender):
            raise InputTypeError(f"rule must be a Recommender, got {type(rule).__name__}")
        if alpha is not None:
            alpha = check_probability("alpha", alpha)
            if alpha != rule.alpha:
                rule = rule.with_alpha(alpha)
        self.rule = rule
        if prior is not None and not isinstance(prior, PopulationView):
            prior = PopulationView(prior)
        self.prior = prior
        self.adaptive = bool(adaptive)

    @property
    def alpha(self) -> float:
        """The believed weight of explicit signals."""
        return self.rule.alpha

    @classmethod
    def of(cls, platform: Platform) -> PlatformBelief:
        """The correct belief about ``platform`` (its rule, alpha and prior)."""
        return cls(rule=platform.policy, prior=platform.base_view)

    def view_for(self, n_items: int, observed: PopulationView | None = None) -> PopulationView:
        """The population view to plan with: the observed one, else the believed prior."""
        view = observed if observed is not None else self.prior
        if view is None:
            view = PopulationView(np.zeros(n_items))
        if view.n_items != n_items:
            raise ValidationError(f"the platform's view has {view.n_items} items, the user values {n_items}")
        return view

    def __repr__(self):
        return f"PlatformBelief(alpha={self.alpha}, rule={self.rule!r}, adaptive={self.adaptive})"


class UserObservation(NamedTuple):
    """What a user sees: the item, the future steps left (None: unknown) and the platform's view."""

    item: int
    remaining: int | None = None
    view: PopulationView | None = None


class UserFeedback(NamedTuple):
    """What a user learns after engaging: the item consumed and its own engagement."""

    item: int
    engagement: Engagement


class UserAgent(Policy):
    """Base class of user policies: natural engagement, satiation memory, utility.

    Subclasses override :meth:`_engage`.
    """

    spec = PolicySpec("engagement", label="user")

    def __init__(self, model: UserModel | None = None) -> None:
        if model is None:
            model = UserModel()
        if not isinstance(model, UserModel):
            raise InputTypeError(f"model must be a UserModel, got {type(model).__name__}")
        self.model = model
        self._recent: tuple = ()

    @property
    def recent(self) -> tuple:
        """The last consumed items (at most ``model.window``), oldest first."""
        return self._recent

    def utility(self, item: int, engagement: Engagement | tuple[float, float]) -> float:
        """Utility of engaging by ``engagement`` with ``item`` now."""
        return self.model.utility(item, engagement, self._recent)

    def natural(self, item: int) -> Engagement:
        """Natural engagement with ``item`` now."""
        return self.model.natural(item, self._recent)

    def _check_observation(self, observation):
        if not isinstance(observation, UserObservation):
            raise InputTypeError(
                f"observation must be a UserObservation(item, remaining, view), got {type(observation).__name__}")
        check_int("observation.item", observation.item, low=0, high=self.model.n_items - 1)
        if observation.remaining is not None:
            check_int("observation.remaining", observation.remaining, low=0)
        if observation.view is not None and not isinstance(observation.view, PopulationView):
            raise InputTypeError(f"observation.view must be a PopulationView, got {observation.view!r}")

    def _check_decision(self, observation, decision):
        try:
            check_engagement("engagement", decision)
        except (ValidationError, InputTypeError) as exc:
            raise self._invalid(f"returned an invalid engagement: {exc}") from None

    def _decide(self, observation):
        return self._engage(observation)

    def _engage(self, observation):
        return self.natural(observation.item)

    def _update(self, feedback):
        if not isinstance(feedback, UserFeedback):
            raise InputTypeError(f"feedback must be a UserFeedback(item, engagement), got {type(feedback).__name__}")
        item = check_int("feedback.item", feedback.item, low=0, high=self.model.n_items - 1)
        engagement = check_engagement("feedback.engagement", feedback.engagement)
        self._observe(item, engagement)
        if self.model.window:
            self._recent = (self._recent + (item,))[-self.model.window:]

    def _observe(self, item, engagement):
        """Hook: update beliefs after engaging (before the satiation memory moves)."""

    def _reset(self):
        self._recent = ()

    @classmethod
    def example_observation(cls, rng: RngLike) -> UserObservation:
        """A random valid observation for a default-constructed user."""
        rng = make_rng(rng)
        return UserObservation(int(rng.integers(len(_DEFAULT_VALUES))), int(rng.integers(1, 4)))


@register_policy("user.naive")
class NaiveUser(UserAgent):
    """Engages sincerely: natural engagement with every item.

    Examples
    --------
    >>> NaiveUser().decide(UserObservation(3))
    Engagement(explicit=-1, dwell=0.0)
    """

    spec = PolicySpec("engagement", label="naive")


@register_policy("user.strategic")
class StrategicUser(UserAgent):
    """Plans engagement to shape future recommendations.

    Parameters
    ----------
    model : UserModel, optional
        True values, engagement model, satiation.
    belief : PlatformBelief, optional
        What the user believes the platform does (default ``alpha = 0.5``, greedy).
    horizon : int
        Planning horizon ``H >= 0`` (future steps counted).
    gamma : float
        Discount factor, in [0, 1].
    method : {"auto", "exact", "sampled"}
        How chance nodes of a stochastic believed rule are evaluated.
    samples : int
        Draws per chance node for sampled planning.
    rng : numpy.random.Generator or int
        Randomness of sampled planning.

    Examples
    --------
    >>> StrategicUser(horizon=-1)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: horizon must be >= 0, got -1
    """

    spec = PolicySpec("engagement", label="strategic", stochastic=True)

    def __init__(self, model: UserModel | None = None, belief: PlatformBelief | None = None,
                 horizon: int = 2, gamma: float = 0.9, method: str = "auto", samples: int = 4,
                 rng: RngLike = 0) -> None:
        super().__init__(model)
        if belief is None:
            belief = PlatformBelief()
        if not isinstance(belief, PlatformBelief):
            raise InputTypeError(f"belief must be a PlatformBelief, got {type(belief).__name__}")
        self.belief = belief
        self.horizon = check_int("horizon", horizon, low=0)
        self.gamma = check_probability("gamma", gamma)
        self.method = check_choice("method", method, ("auto", "exact", "sampled"))
        self.samples = check_int("samples", samples, low=1)
        self._rng = make_rng(rng)
        # the platform's state as the user believes it (its own engagement history, exactly)
        self._state = belief.rule.initial_state(self.model.n_items)
        self._planner: Planner | None = None
        self._planner_key = None
        self.last_plan = None

    @property
    def believed_state(self) -> RecState:
        """The platform's state for this user as the user believes it."""
        return self._state

    def _rule(self):
        return self.belief.rule

    def _get_planner(self, rule, view):
        key = (id(rule), view)
        if self._planner is None or self._planner_key != key:
            m = self.model
            self._planner = Planner(m.values, m.engagement, rule, view, self.gamma,
                                    satiation=m.satiation, window=m.window, method=self.method,
                                    samples=self.samples, rng=self._rng)
            self._planner_key = key
        elif len(self._planner._memo) > 200_000:  # bound memory on long runs
            self._planner.clear()
        return self._planner

    def _plan_horizon(self, observation) -> int:
        h = self.horizon
        if observation.remaining is not None:
            h = min(h, observation.remaining)
        return h

    def _plan(self, observation, rule, view):
        h = self._plan_horizon(observation)
        if h == 0 or self.gamma == 0.0 or not self.belief.adaptive:
            self.last_plan = None
            return self.natural(observation.item)
        planner = self._get_planner(rule, view)
        plan = planner.plan(observation.item, self._state, self._recent, h)
        self.last_plan = plan
        return plan.action

    def _engage(self, observation):
        view = self.belief.view_for(self.model.n_items, observation.view)
        return self._plan(observation, self.belief.rule, view)

    def _observe(self, item, engagement):
        ex, dw = engagement_units(engagement)
        self._state = self.belief.rule.advance(self._state, item, ex, dw)

    def _reset(self):
        super()._reset()
        self._state = self.belief.rule.initial_state(self.model.n_items)
        self._planner = None


@register_policy("user.learning")
class LearningUser(StrategicUser):
    """A strategic user who learns the platform's ``alpha`` from experience.

    It keeps log-weights over ``candidates``. When shown an item it scores every candidate by the
    probability its believed rule gave that item,
    ``(1 - slack) * P_candidate(item) + slack / K``, and plans against the
    candidate with the highest weight (ties: the one closest to 0.5, the
    uninformed guess).

    Parameters
    ----------
    candidates : tuple of float
        Candidate values of ``alpha`` in [0, 1].
    slack : float
        Probability in (0, 1] that a recommendation is unexplained noise.

    Examples
    --------
    >>> u = LearningUser(candidates=(0.0, 1.0))
    >>> u.believed_alpha
    0.0
    """

    spec = PolicySpec("engagement", label="learning", stochastic=True)

    def __init__(self, model: UserModel | None = None, belief: PlatformBelief | None = None,
                 horizon: int = 2, gamma: float = 0.9, candidates: ArrayLike = (0.0, 0.25, 0.5, 0.75, 1.0),
                 slack: float = 0.05, method: str = "auto", samples: int = 4, rng: RngLike = 0) -> None:
        super().__init__(model, belief, horizon, gamma, method, samples, rng)
        cands = check_array("candidates", candidates, ndim=1, allow_empty=False)
        for c in cands:
            check_probability("candidates", float(c))
        # ties resolved towards the uninformed guess 0.5
        self.candidates = tuple(sorted((float(c) for c in cands), key=lambda a: (abs(a - 0.5), a)))
        self.slack = check_real("slack", slack, low=0.0, high=1.0, low_open=True)
        # the believed state does not depend on alpha (exact counts), only its reading does
        self._rules = tuple(self.belief.rule.with_alpha(a) for a in self.candidates)
        self._logw = [0.0] * len(self.candidates)
        self._pending = False

    @property
    def believed_alpha(self) -> float:
        """The candidate ``alpha`` with the highest posterior weight."""
        return self.candidates[self._map_index()]

    def _map_index(self) -> int:
        best = max(self._logw)
        return self._logw.index(best)

    @property
    def posterior(self) -> dict[float, float]:
        """Posterior probability of each candidate ``alpha``."""
        top = max(self._logw)
        w = [math.exp(x - top) for x in self._logw]
        z = sum(w)
        return {a: x / z for a, x in zip(self.candidates, w)}

    def _engage(self, observation):
        K = self.model.n_items
        view = self.belief.view_for(K, observation.view)
        if self._pending:
            for i, rule in enumerate(self._rules):
                p = 0.0
                for k, q in rule.distribution(self._state, view):
                    if k == observation.item:
                        p += q
                self._logw[i] += math.log((1.0 - self.slack) * p + self.slack / K)
            self._pending = False
        return self._plan(observation, self._rules[self._map_index()], view)

    def _observe(self, item, engagement):
        super()._observe(item, engagement)
        self._pending = True

    def _reset(self):
        super()._reset()
        self._logw = [0.0] * len(self.candidates)
        self._pending = False
