"""Engagement: what a user does with a recommended item, and what it costs.

Model (this toolkit's definition)
---------------------------------
An *engagement* is a pair ``e = (explicit, dwell)``:

- ``explicit`` in ``{-1, 0, +1}`` (dislike, none, like),
- ``dwell`` in ``{0, 0.5, 1}`` (skipped, watched half, watched to the end),

so there are nine engagement actions (:data:`ACTIONS`).

A user who currently values the item at ``v`` engages *naturally* as
:meth:`EngagementModel.natural` says: it likes the item iff ``v >= like_at``,
dislikes it iff ``v <= dislike_at``, and dwells at the level fixed by two
cut-offs (``dwell 0`` below ``dwell_cutoffs[0]``, ``1`` from ``dwell_cutoffs[1]``,
``0.5`` between). Explicit signals are thus used sparingly (strong opinions),
dwell tracks value more finely.

Engaging differently from natural costs the user::

    c(e | v) = explicit_cost * |explicit - explicit_nat(v)| + dwell_cost * |dwell - dwell_nat(v)| / 0.5,

i.e. ``explicit_cost`` per button step and ``dwell_cost`` per dwell level. The
immediate utility of consuming an item of current value ``v`` with engagement
``e`` is ``r = v - c(e | v)``; natural engagement is its unique maximiser when
both costs are positive (a naive user's choice).

A platform that attends to likes with weight ``alpha`` reads the signal
``s = alpha * explicit + (1 - alpha) * dwell`` (:func:`read_signal`): ``alpha = 1``
is the "likes algorithm", ``alpha = 0`` the "dwell algorithm".

Examples
--------
>>> from agents.strategic.engagement import EngagementModel, Engagement, read_signal
>>> m = EngagementModel()
>>> m.natural(0.8), m.natural(0.0), m.natural(-0.9)
(Engagement(explicit=1, dwell=1.0), Engagement(explicit=0, dwell=0.5), Engagement(explicit=-1, dwell=0.0))
>>> m.cost(Engagement(-1, 0.0), m.natural(0.8))  # dislike and skip an item one enjoys
0.2
>>> read_signal(Engagement(1, 0.5), alpha=1.0), read_signal(Engagement(1, 0.5), alpha=0.0)
(1.0, 0.5)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sim.errors import InputTypeError, ValidationError
from sim.validate import check_probability, check_real

__all__ = [
    "ACTIONS",
    "DWELL_LEVELS",
    "EXPLICIT_LEVELS",
    "Engagement",
    "EngagementModel",
    "check_engagement",
    "read_signal",
]

#: Explicit signals: dislike, none, like.
EXPLICIT_LEVELS = (-1, 0, 1)
#: Dwell levels (fraction of the item consumed).
DWELL_LEVELS = (0.0, 0.5, 1.0)
_DWELL_STEP = 0.5


class Engagement(NamedTuple):
    """One engagement: ``explicit`` in {-1, 0, 1} and ``dwell`` in {0, 0.5, 1}."""

    explicit: int
    dwell: float


#: All nine engagement actions, explicit-major order.
ACTIONS = tuple(Engagement(e, d) for e in EXPLICIT_LEVELS for d in DWELL_LEVELS)
_ACTION_INDEX = {a: i for i, a in enumerate(ACTIONS)}


def check_engagement(name: str, value: object) -> Engagement:
    """Return ``value`` as an :class:`Engagement` if it is one of :data:`ACTIONS`.

    Examples
    --------
    >>> check_engagement("e", (1, 1.0))
    Engagement(explicit=1, dwell=1.0)
    >>> check_engagement("e", (2, 1.0))
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: e must be an engagement (explicit in (-1, 0, 1), dwell in (0.0, 0.5, 1.0)), got (2, 1.0)
    """
    if not isinstance(value, tuple) or len(value) != 2:
        raise InputTypeError(f"{name} must be an Engagement (explicit, dwell), got {value!r}")
    try:
        key = Engagement(int(value[0]), float(value[1]))
    except (TypeError, ValueError):
        raise InputTypeError(f"{name} must be an Engagement (explicit, dwell), got {value!r}") from None
    if key not in _ACTION_INDEX or key[0] != value[0]:
        raise ValidationError(
            f"{name} must be an engagement (explicit in {EXPLICIT_LEVELS}, dwell in {DWELL_LEVELS}), "
            f"got {value!r}"
        )
    return key


def read_signal(engagement: Engagement | tuple[float, float], alpha: float) -> float:
    """The signal ``alpha * explicit + (1 - alpha) * dwell`` a platform reads.

    Every component of the toolkit computes signals through this expression, so
    a planner that knows ``alpha`` predicts the platform's arithmetic bit for bit.
    """
    return alpha * engagement[0] + (1.0 - alpha) * engagement[1]


@dataclass(frozen=True)
class EngagementModel:
    """Natural engagement and the cost of distorting it.

    Parameters
    ----------
    like_at, dislike_at : float
        A user likes an item it values at ``v >= like_at`` and dislikes it at
        ``v <= dislike_at`` (``dislike_at < like_at``).
    dwell_cutoffs : tuple of two floats
        Increasing cut-offs: natural dwell is 0 below the first, 1 from the
        second, 0.5 between.
    explicit_cost : float
        Cost per step of distorting the explicit signal (>= 0).
    dwell_cost : float
        Cost per dwell level of distorting dwell time (>= 0).

    Examples
    --------
    >>> EngagementModel(like_at=-1.0, dislike_at=0.0)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: dislike_at must be < like_at=-1.0, got 0.0
    """

    like_at: float = 0.8
    dislike_at: float = -0.5
    dwell_cutoffs: tuple[float, float] = (-0.2, 0.4)
    explicit_cost: float = 0.05
    dwell_cost: float = 0.05

    def __post_init__(self):
        like = check_real("like_at", self.like_at)
        dislike = check_real("dislike_at", self.dislike_at)
        if not dislike < like:
            raise ValidationError(f"dislike_at must be < like_at={like}, got {dislike}")
        cut = self.dwell_cutoffs
        if not isinstance(cut, (tuple, list)) or len(cut) != 2:
            raise ValidationError(f"dwell_cutoffs must be two increasing numbers, got {cut!r}")
        lo, hi = check_real("dwell_cutoffs[0]", cut[0]), check_real("dwell_cutoffs[1]", cut[1])
        if not lo < hi:
            raise ValidationError(f"dwell_cutoffs must be increasing, got {cut!r}")
        object.__setattr__(self, "dwell_cutoffs", (lo, hi))
        object.__setattr__(self, "like_at", like)
        object.__setattr__(self, "dislike_at", dislike)
        object.__setattr__(self, "explicit_cost", check_real("explicit_cost", self.explicit_cost, low=0.0))
        object.__setattr__(self, "dwell_cost", check_real("dwell_cost", self.dwell_cost, low=0.0))

    def natural(self, value: float) -> Engagement:
        """The natural (sincere) engagement with an item of current value ``value``."""
        explicit = 1 if value >= self.like_at else (-1 if value <= self.dislike_at else 0)
        lo, hi = self.dwell_cutoffs
        dwell = 1.0 if value >= hi else (0.0 if value < lo else 0.5)
        return Engagement(explicit, dwell)

    def cost(self, engagement: Engagement | tuple[float, float], natural: Engagement | tuple[float, float]) -> float:
        """The cost of engaging by ``engagement`` when ``natural`` is natural."""
        return (self.explicit_cost * abs(engagement[0] - natural[0])
                + self.dwell_cost * abs(engagement[1] - natural[1]) / _DWELL_STEP)

    def natural_signal(self, value: float, alpha: float) -> float:
        """The signal a platform with weight ``alpha`` reads from natural engagement."""
        alpha = check_probability("alpha", alpha)
        return read_signal(self.natural(value), alpha)
