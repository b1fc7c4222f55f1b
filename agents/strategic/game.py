"""The repeated game between one user and one platform (Cen, Ilyas, Madry 2023).

Model (this toolkit's definition)
---------------------------------
For ``t = 0 .. T-1``: the platform recommends ``x_t = A(h_{t-1})`` from its
state for the user, the user sees ``x_t`` (and, when ``know_end``, that
``T - 1 - t`` steps remain, and the platform's published population view),
engages by ``e_t``, gets ``r_t = v_now(x_t) - c(e_t | v_now(x_t))``, and the
platform reads ``s_t = alpha explicit_t + (1 - alpha) dwell_t``. The user's
(discounted) utility is ``sum_t gamma^t r_t``.

Two engagements are recorded per step. The *signal* ``s_t`` is what the
platform read (what a strategic user chose to give it). The *sincere signal*
``s*_t = alpha explicit_nat_t + (1 - alpha) dwell_nat_t`` (:func:`sincere_signal`)
is what the user would naturally have given the same item ``x_t`` at its
current (satiated) value: the engagement the recommendation really earned, the
platform's real objective. For a naive user the two coincide; a strategic
user's likes of items it wants kept inflate ``s_t`` above ``s*_t``, its
dislikes of items it wants gone deflate it.

:func:`play` runs the game as a :func:`sim.environment.rollout` of the
platform's own rule on the platform's view of the game
(:class:`~agents.strategic.envs.RecommenderEnv`) and returns a
:class:`GameRollout`: the :class:`~sim.environment.Rollout` with the step
metrics as typed columns.

The *best response* to a platform is a :class:`~agents.strategic.users.StrategicUser`
with the correct belief (:meth:`~agents.strategic.users.PlatformBelief.of`) and
horizon ``T - 1``: by backward induction it maximises the user's discounted
utility over all engagement sequences. The *strategization gap* is its utility
minus a naive user's utility on an identically seeded platform
(:func:`strategization_gap`).

Examples
--------
>>> from agents.strategic.game import play, strategization_gap
>>> from agents.strategic.platforms import Platform, GreedyRecommender
>>> from agents.strategic.users import UserModel, NaiveUser
>>> model = UserModel([0.85, 1.2, 0.0])
>>> make = lambda: Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0])
>>> game = play(NaiveUser(model), make(), 4)
>>> game.items.tolist(), game.explicit.tolist()
([0, 0, 0, 0], [1, 1, 1, 1])
>>> game.rollout.steps, game.rollout.metric_names[:3]
(4, ['item', 'explicit', 'dwell'])
>>> game.signal.tolist() == game.sincere_signal.tolist()  # naive: the platform reads sincere engagement
True
>>> best, naive, gap = strategization_gap(model, make, steps=4, gamma=1.0)
>>> round(best, 3), round(naive, 3), round(gap, 3)
(4.35, 3.4, 0.95)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

from sim.environment import Rollout, rollout
from sim.errors import InputTypeError, ValidationError
from sim.recorder import Recorder
from sim.validate import check_array, check_callable, check_int, check_probability

from .content import check_size
from .engagement import DWELL_LEVELS, EXPLICIT_LEVELS, read_signal
from .envs import METRICS, RecommenderEnv
from .platforms import Platform
from .users import NaiveUser, PlatformBelief, StrategicUser, UserAgent, UserModel

__all__ = ["GameRollout", "play", "sincere_signal", "strategization_gap"]

_INT_METRICS = frozenset({"item", "explicit", "natural_explicit"})


def sincere_signal(natural_explicit: ArrayLike, natural_dwell: ArrayLike, alpha: float) -> np.ndarray:
    """The sincere signal ``alpha * natural_explicit + (1 - alpha) * natural_dwell`` of each step.

    What a platform reading ``s = alpha explicit + (1 - alpha) dwell`` would
    read if the user engaged naturally with the items it was shown (at their
    current, satiated values). It is the one definition of sincere engagement
    in the toolkit: every log (single games, the population model) computes it
    here, through :func:`~agents.strategic.engagement.read_signal`.

    Parameters
    ----------
    natural_explicit : array_like of int
        Natural explicit signals, in {-1, 0, 1}.
    natural_dwell : array_like of float
        Natural dwell, in {0, 0.5, 1}; same shape as ``natural_explicit``.
    alpha : float
        The platform's weight of explicit signals, in [0, 1].

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> sincere_signal([1, 0, -1], [1.0, 0.5, 0.0], alpha=0.5).tolist()
    [1.0, 0.25, -0.5]
    >>> sincere_signal([2], [1.0], alpha=0.5)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: natural_explicit must be in {-1, 0, 1}, got [2]
    """
    alpha = check_probability("alpha", alpha)
    ex = check_array("natural_explicit", natural_explicit, ndim=1)
    dw = check_array("natural_dwell", natural_dwell, ndim=1)
    if ex.shape != dw.shape:
        raise ValidationError(
            f"natural_dwell must have the shape of natural_explicit {ex.shape}, got {dw.shape}")
    bad = ~np.isin(ex, EXPLICIT_LEVELS)
    if bad.any():
        got = np.asarray(natural_explicit)[bad].tolist()
        raise ValidationError(f"natural_explicit must be in {{-1, 0, 1}}, got {got}")
    bad = ~np.isin(dw, DWELL_LEVELS)
    if bad.any():
        got = np.asarray(natural_dwell)[bad].tolist()
        raise ValidationError(f"natural_dwell must be in {{0, 0.5, 1}}, got {got}")
    return np.asarray(read_signal((ex, dw), alpha), dtype=float)


class GameRollout:
    """One user's game: the :class:`~sim.environment.Rollout` of its steps, as typed columns.

    Attributes
    ----------
    rollout : sim.environment.Rollout
        The recorded steps (metrics :data:`~agents.strategic.envs.METRICS`).
    uid : int
        The user's id on the platform.
    items : ndarray of int
        Recommended items.
    explicit, dwell : ndarray
        Engagement chosen (``explicit`` as ints).
    natural_explicit, natural_dwell : ndarray
        Natural engagement at the time.
    value : ndarray
        Current (satiated) value of each item consumed.
    utility : ndarray
        Utility ``value - distortion cost``.
    signal : ndarray
        Signal read by the platform.
    sincere_signal : ndarray
        The signal natural engagement with the same items would have given
        (:func:`sincere_signal`; the platform's ``alpha``).
    believed_alpha : ndarray
        The user's belief about alpha when engaging (NaN for non-planners).
    alpha : float
        The platform's weight of explicit signals (what ``signal`` was read with).
    """

    __slots__ = ("alpha", "rollout", "uid")

    def __init__(self, rollout: Rollout, uid: int, alpha: float) -> None:
        if not isinstance(rollout, Rollout):
            raise InputTypeError(f"rollout must be a sim.environment.Rollout, got {type(rollout).__name__}")
        self.rollout = rollout
        self.uid = uid
        self.alpha = check_probability("alpha", alpha)

    def _column(self, name: str) -> np.ndarray:
        values = self.rollout[name]
        return values.astype(int) if name in _INT_METRICS else values

    @property
    def items(self) -> np.ndarray:
        """Recommended items (ints)."""
        return self._column("item")

    @property
    def sincere_signal(self) -> np.ndarray:
        """The sincere signal of each step (:func:`sincere_signal`)."""
        return sincere_signal(self.natural_explicit, self.natural_dwell, self.alpha)

    def __getattr__(self, name: str) -> np.ndarray:
        if name in METRICS and name != "item":
            return self._column(name)
        raise AttributeError(f"GameRollout has no attribute {name!r}")

    def __len__(self) -> int:
        return self.rollout.steps

    def discounted_utility(self, gamma: float = 1.0) -> float:
        """``sum_t gamma^t utility_t``."""
        gamma = check_probability("gamma", gamma)
        total, weight = 0.0, 1.0
        for r in self.utility:
            total += weight * float(r)
            weight *= gamma
        return total

    def __repr__(self):
        return f"GameRollout(uid={self.uid}, steps={len(self)})"


def _empty_rollout() -> Rollout:
    empty = np.zeros(0)
    return Rollout(0, empty, {name: empty.copy() for name in METRICS}, Recorder())


def play(user: UserAgent, platform: Platform, steps: int, *, uid: int | None = None,
         know_end: bool = True) -> GameRollout:
    """Play ``steps`` rounds between ``user`` and ``platform`` (both are mutated).

    The platform's own rule (drawing from the platform's generator, see
    :meth:`~agents.strategic.platforms.Platform.deployed_rule`) is rolled out
    on the platform's view of the game (:class:`~agents.strategic.envs.RecommenderEnv`).

    Parameters
    ----------
    user : UserAgent
        The user policy.
    platform : Platform
        The platform; a new user id is registered unless ``uid`` is given.
    steps : int
        Number of rounds ``T >= 0``.
    uid : int, optional
        The user's id on the platform (a registered user).
    know_end : bool
        Whether the user is told how many steps remain.

    Returns
    -------
    GameRollout
    """
    if not isinstance(user, UserAgent):
        raise InputTypeError(f"user must be a UserAgent, got {type(user).__name__}")
    if not isinstance(platform, Platform):
        raise InputTypeError(f"platform must be a Platform, got {type(platform).__name__}")
    steps = check_size("steps", steps, entries_each=2 * len(METRICS))  # a value and a time per metric
    if user.model.n_items != platform.n_items:
        raise ValidationError(
            f"user values {user.model.n_items} items but the platform has {platform.n_items}")
    env = RecommenderEnv(platform, user, uid=uid, steps=steps, know_end=know_end)
    if steps == 0:
        return GameRollout(_empty_rollout(), env.uid, platform.alpha)
    # the environment draws nothing: the platform and the user use their own generators
    return GameRollout(rollout(env, platform.deployed_rule(), steps, rng=0), env.uid, platform.alpha)


def strategization_gap(model: UserModel, make_platform: Callable[[], Platform], steps: int, gamma: float = 1.0, *,
                       know_end: bool = True) -> tuple[float, float, float]:
    """Best-response utility, naive utility and their difference against a platform.

    ``make_platform()`` must build identically seeded platforms; the best
    response is a correct-belief planner with horizon ``steps - 1``.

    Returns
    -------
    (best, naive, gap) : tuple of float
        Discounted utilities (discount ``gamma``) and ``best - naive``.
    """
    check_callable("make_platform", make_platform)
    steps = check_int("steps", steps, low=0)
    gamma = check_probability("gamma", gamma)
    p_naive = make_platform()
    naive = play(NaiveUser(model), p_naive, steps, know_end=know_end).discounted_utility(gamma)
    p_best = make_platform()
    planner = StrategicUser(model, PlatformBelief.of(p_best), horizon=max(steps - 1, 0), gamma=gamma)
    best = play(planner, p_best, steps, know_end=know_end).discounted_utility(gamma)
    return best, naive, best - naive
