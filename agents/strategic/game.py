"""The repeated game between one user and one platform (Cen, Ilyas, Madry 2023).

Model (this toolkit's definition)
---------------------------------
For ``t = 0 .. T-1``: the platform recommends ``x_t = A(h_{t-1})`` from its
state for the user, the user sees ``x_t`` (and, when ``know_end``, that
``T - 1 - t`` steps remain, and the platform's published population view),
engages by ``e_t``, gets ``r_t = v_now(x_t) - c(e_t | v_now(x_t))``, and the
platform reads ``s_t = alpha explicit_t + (1 - alpha) dwell_t``. The user's
(discounted) utility is ``sum_t gamma^t r_t``.

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
>>> traj = play(NaiveUser(model), make(), 4)
>>> traj.items.tolist(), traj.explicit.tolist()
([0, 0, 0, 0], [1, 1, 1, 1])
>>> best, naive, gap = strategization_gap(model, make, steps=4, gamma=1.0)
>>> round(best, 3), round(naive, 3), round(gap, 3)
(4.35, 3.4, 0.95)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.errors import InputTypeError
from sim.validate import check_callable, check_int, check_probability

from .platforms import Platform
from .users import (
    NaiveUser,
    PlatformBelief,
    StrategicUser,
    UserAgent,
    UserFeedback,
    UserModel,
    UserObservation,
)

__all__ = ["Trajectory", "play", "strategization_gap"]


@dataclass
class Trajectory:
    """One user's steps: what was shown, how it engaged, what it got.

    Attributes
    ----------
    items : ndarray of int
        Recommended items.
    explicit, dwell : ndarray
        Engagement chosen.
    natural_explicit, natural_dwell : ndarray
        Natural engagement at the time.
    value : ndarray
        Current (satiated) value of each item consumed.
    utility : ndarray
        Utility ``value - distortion cost``.
    signal : ndarray
        Signal read by the platform.
    believed_alpha : ndarray
        The user's belief about alpha when engaging (NaN for non-planners).
    """

    items: np.ndarray
    explicit: np.ndarray
    dwell: np.ndarray
    natural_explicit: np.ndarray
    natural_dwell: np.ndarray
    value: np.ndarray
    utility: np.ndarray
    signal: np.ndarray
    believed_alpha: np.ndarray

    def __len__(self):
        return len(self.items)

    def discounted_utility(self, gamma: float = 1.0) -> float:
        """``sum_t gamma^t utility_t``."""
        gamma = check_probability("gamma", gamma)
        total, weight = 0.0, 1.0
        for r in self.utility:
            total += weight * float(r)
            weight *= gamma
        return total

    @classmethod
    def from_steps(cls, steps) -> Trajectory:
        """Build from a list of per-step tuples in field order."""
        cols = list(zip(*steps)) if steps else [()] * 9
        dtypes = (int, int, float, int, float, float, float, float, float)
        return cls(*(np.asarray(c, dtype=d) for c, d in zip(cols, dtypes)))


def play(user: UserAgent, platform: Platform, steps: int, *, uid: int | None = None,
         know_end: bool = True) -> Trajectory:
    """Play ``steps`` rounds between ``user`` and ``platform`` (both are mutated).

    Parameters
    ----------
    user : UserAgent
        The user policy.
    platform : Platform
        The platform; a new user id is registered unless ``uid`` is given.
    steps : int
        Number of rounds ``T >= 0``.
    uid : int, optional
        The user's id on the platform.
    know_end : bool
        Whether the user is told how many steps remain.
    """
    if not isinstance(user, UserAgent):
        raise InputTypeError(f"user must be a UserAgent, got {type(user).__name__}")
    if not isinstance(platform, Platform):
        raise InputTypeError(f"platform must be a Platform, got {type(platform).__name__}")
    steps = check_int("steps", steps, low=0)
    if user.model.n_items != platform.n_items:
        raise InputTypeError(
            f"user values {user.model.n_items} items but the platform has {platform.n_items}")
    if uid is None:
        uid = platform.add_user()
    rows = []
    model = user.model
    for t in range(steps):
        item = platform.recommend(uid)
        obs = UserObservation(item, steps - 1 - t if know_end else None, platform.view(uid))
        engagement = user.decide(obs)
        recent = user.recent
        value = model.current_value(item, recent)
        natural = model.engagement.natural(value)
        utility = value - model.engagement.cost(engagement, natural)
        signal = platform.observe(uid, item, engagement)
        if isinstance(user, StrategicUser):
            believed = getattr(user, "believed_alpha", user.belief.alpha)
        else:
            believed = float("nan")
        rows.append((item, engagement[0], engagement[1], natural[0], natural[1], value, utility, signal,
                     believed))
        user.update(UserFeedback(item, engagement))
    return Trajectory.from_steps(rows)


def strategization_gap(model: UserModel, make_platform, steps: int, gamma: float = 1.0, *,
                       know_end: bool = True):
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
