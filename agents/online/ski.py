"""Ski rental with predictions: policies and their exact costs.

Model
-----
Renting skis costs 1 per day, buying them costs ``b`` (a positive integer, in
units of the daily rent). The season lasts ``x`` days, a positive integer that
is unknown online. A predictor announces ``y >= 0`` before the season starts;
the prediction error is ``eta = |y - x|``.

A policy chooses the day ``d >= 1`` at whose start it buys (it rents on days
``1 .. d - 1``)::

    cost(d, x) = x              if x < d   (the season ended before day d)
               = (d - 1) + b    if x >= d

The offline optimum is ``OPT(x) = min(x, b)``. A randomized policy draws ``d``
from a distribution with finite support; its expected cost is the finite sum
``E cost(D, x) = sum_d P(D = d) cost(d, x)`` and its competitive ratio on
``(x, y)`` is ``E cost(D, x) / OPT(x)``. Nothing here is estimated by sampling.

Policies (each returns a :class:`BuyDays` distribution; a deterministic rule
returns a point mass):

- :class:`BreakEven`: buy on day ``b``; ratio ``2 - 1/b``.
- :class:`ClassicalRandomized` (Karlin et al.): buy on day ``i in 1..b`` with
  probability ``q_i = r^(b-i) / (b (1 - r^b))``, ``r = 1 - 1/b``; its expected
  cost is ``min(x, b) / (1 - r^b)`` for every ``x``, so its ratio is
  ``1 / (1 - (1 - 1/b)^b) < e / (e - 1)``.
- :class:`PurohitDeterministic` (Purohit, Svitkina, Kumar 2018), ``lam in (0, 1]``:
  buy on day ``ceil(lam b)`` if ``y >= b``, else on day ``ceil(b / lam)``.
- :class:`PurohitRandomized`, ``lam in (1/b, 1)``: ``k = floor(lam b)`` if
  ``y >= b``, else ``k = ceil(b / lam)``; buy on day ``i in 1..k`` with
  probability ``q_i = r^(k-i) / (b (1 - r^k))``. Telescoping the increments
  ``E(x) - E(x-1) = b q_x + P(D > x) = 1 / (1 - r^k)`` gives the closed form
  ``E cost = min(x, k) / (1 - r^k)``.

``lam`` is read as the decimal number it prints as (``0.7`` means 7/10, not the
binary double just below it), so ``floor(0.7 * 100)`` is 70 as a reader expects.

Examples
--------
>>> from agents.online.ski import PurohitDeterministic, SkiObservation, expected_ratio
>>> policy = PurohitDeterministic(lam=0.5)
>>> policy.decide(SkiObservation(b=100, y=250)).day      # trusts y >= b: buys early
50
>>> float(expected_ratio(policy, x=250, y=250, b=100))    # (49 + 100) / 100
1.49
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.errors import InputTypeError, PolicyError, StratsimError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.random import RngLike, make_rng
from sim.registry import register_policy
from sim.validate import check_array, check_int, check_real

from .checks import MAX_DAYS, PolicyLike, check_count, check_memory, check_policy, check_price

__all__ = [
    "BreakEven",
    "BuyDays",
    "ClassicalRandomized",
    "KarlinBuyDays",
    "MAX_SUPPORT",
    "PurohitDeterministic",
    "PurohitRandomized",
    "SkiObservation",
    "SkiRentalPolicy",
    "as_buy_days",
    "consistency",
    "decision_classes",
    "expected_cost",
    "expected_ratio",
    "opt_cost",
    "robustness",
    "ski_cost",
    "worst_case_ratio",
]


class SkiObservation:
    """What a ski rental policy sees: the buy price ``b`` and the prediction ``y``.

    Parameters
    ----------
    b : int
        Buy price in days of rent, ``>= 1``.
    y : float or None
        Predicted season length, finite and ``>= 0``; ``None`` when no predictor
        is consulted (classical policies ignore it).

    Examples
    --------
    >>> SkiObservation(b=10, y=3.5)
    SkiObservation(b=10, y=3.5)
    >>> SkiObservation(b=0)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: b must be >= 1, got 0
    """

    __slots__ = ("b", "y")

    def __init__(self, b: int, y: float | None = None) -> None:
        self.b = check_price(b)
        self.y = None if y is None else check_real("y", y, low=0.0)

    def __eq__(self, other):
        return isinstance(other, SkiObservation) and (self.b, self.y) == (other.b, other.y)

    def __hash__(self):
        return hash((self.b, self.y))

    def __repr__(self):
        return f"SkiObservation(b={self.b}, y={self.y})"


class BuyDays:
    """A distribution over buy days: ``P(D = days[i]) = probs[i]``.

    Parameters
    ----------
    days : array_like of int
        Distinct buy days, each ``>= 1`` (sorted on construction).
    probs : array_like of float, optional
        Probabilities, ``>= 0``, summing to 1 (within ``1e-9``). Default: a
        point mass (``days`` must then hold one day).

    Examples
    --------
    >>> d = BuyDays([1, 2], [0.25, 0.75])
    >>> d.expected_cost([1, 5], b=3).tolist()     # x=1: 0.25*3 + 0.75*1; x=5: 0.25*3 + 0.75*4
    [1.5, 3.75]
    >>> BuyDays([4]).day
    4
    """

    __slots__ = ("_head", "_tail", "days", "probs")

    def __init__(self, days: ArrayLike, probs: ArrayLike | None = None) -> None:
        try:
            days = np.atleast_1d(np.asarray(days))
        except Exception as exc:
            raise InputTypeError(f"days must be array-like, got {type(days).__name__}") from exc
        if days.ndim != 1 or days.size == 0:
            raise ValidationError(f"days must be a non-empty 1-d array, got shape {days.shape}")
        if days.dtype.kind not in "iuf":
            raise InputTypeError(f"days must be numeric, got dtype {days.dtype}")
        if days.dtype.kind == "f":
            days = days.astype(np.float64)  # float16 cannot even hold the bound 2**53
        if (not np.all(np.isfinite(days)) or np.any(days != np.floor(days)) or np.any(days < 1)
                or np.any(days > MAX_DAYS)):
            raise ValidationError(f"days must be whole numbers in [1, 2**53], got {days[:5].tolist()}...")
        days = days.astype(np.int64)
        if probs is None:
            if days.size != 1:
                raise ValidationError(f"probs is required when days has {days.size} entries")
            probs = np.ones(1)
        probs = np.atleast_1d(check_array("probs", probs, finite=False))
        if probs.shape != days.shape:
            raise ValidationError(f"probs must have shape {days.shape} like days, got {probs.shape}")
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise ValidationError("probs must be finite and >= 0")
        total = float(probs.sum())
        if abs(total - 1.0) > 1e-9:
            raise ValidationError(f"probs must sum to 1, got {total!r}")
        order = np.argsort(days, kind="stable")
        days, probs = days[order], probs[order]
        if np.any(np.diff(days) == 0):
            raise ValidationError("days must be distinct")
        days.setflags(write=False)
        probs.setflags(write=False)
        self.days = days
        self.probs = probs
        # P(D >= days[i]) as a suffix sum: more accurate than 1 - cumsum for tiny tails.
        self._tail = np.append(np.cumsum(probs[::-1])[::-1], 0.0)
        self._head = None

    @classmethod
    def point(cls, day: int | float | np.integer | np.floating) -> BuyDays:
        """The point mass on ``day``."""
        if (isinstance(day, (bool, np.bool_)) or not isinstance(day, (int, np.integer, float, np.floating))
                or not 1 <= day <= MAX_DAYS or day != math.floor(day)):
            raise ValidationError(f"day must be a whole number in [1, 2**53], got {day!r}")
        return cls([day], [1.0])

    @property
    def is_deterministic(self) -> bool:
        """Whether one day has all the mass."""
        return self.days.size == 1

    @property
    def day(self) -> int:
        """The buy day of a deterministic decision."""
        if not self.is_deterministic:
            raise ValidationError(f"decision is randomized over {self.days.size} days; use sample()")
        return int(self.days[0])

    @property
    def last_day(self) -> int:
        """The largest day in the support."""
        return int(self.days[-1])

    def sample(self, rng: RngLike, size: int | None = None) -> int | NDArray[np.int64]:
        """Draw buy day(s) with generator ``rng`` (an int seed is accepted); ``size``: how many (an int)."""
        rng = make_rng(rng)
        if size is not None:
            size = check_count("size", size, bytes_each=24, low=0)
        if self.is_deterministic:
            return int(self.days[0]) if size is None else np.full(size, self.days[0])
        idx = np.searchsorted(np.cumsum(self.probs), rng.random(size), side="right")
        out = self.days[np.minimum(idx, self.days.size - 1)]
        return int(out) if size is None else out

    def expected_cost(self, x: ArrayLike, *, b: int) -> NDArray[np.float64] | np.float64:
        """Exact ``E cost(D, x)`` for season length(s) ``x`` and buy price ``b``.

        ``sum_{d <= x} P(D = d) (d - 1 + b) + x P(D > x)``, vectorised over ``x``
        with prefix sums and a binary search (``O(log |support|)`` per ``x``).
        """
        b = check_price(b)
        x = _season_lengths(x)
        if self._head is None or self._head[0] != b:
            self._head = (b, np.append(0.0, np.cumsum(self.probs * (self.days - 1 + b))))
        head = self._head[1]
        j = np.searchsorted(self.days, x, side="right")
        return head[j] + x * self._tail[j]

    def __eq__(self, other):
        return (isinstance(other, BuyDays) and np.array_equal(self.days, other.days)
                and np.array_equal(self.probs, other.probs))

    __hash__ = None

    def __repr__(self):
        if self.is_deterministic:
            return f"BuyDays.point({self.day})"
        return f"BuyDays(days {self.days[0]}..{self.days[-1]}, {self.days.size} points)"


def as_buy_days(decision: object, policy: object = None) -> BuyDays:
    """Normalise a ski decision (an int day or a :class:`BuyDays`).

    An invalid decision raises :class:`~sim.errors.PolicyError` naming ``policy``.

    Examples
    --------
    >>> as_buy_days(3)
    BuyDays.point(3)
    >>> as_buy_days(0, policy="mine")
    Traceback (most recent call last):
    ...
    sim.errors.PolicyError: policy 'mine' returned an invalid buy decision 0: day must be a whole number in ..., got 0
    """
    if isinstance(decision, BuyDays):
        return decision
    who = repr(policy)
    if isinstance(decision, (bool, np.bool_)) or not isinstance(decision, (int, np.integer, float, np.floating)):
        raise PolicyError(f"policy {who} returned {decision!r}; a ski policy's decision must be a buy day "
                          "(int >= 1) or a BuyDays distribution")
    try:
        return BuyDays.point(decision)
    except StratsimError as exc:
        raise PolicyError(f"policy {who} returned an invalid buy decision {decision!r}: {exc}") from None


def _season_lengths(x, name="x"):
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError):  # ragged nesting
        raise InputTypeError(f"{name} must be array-like, got {type(x).__name__}") from None
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"{name} must be numeric, got dtype {arr.dtype}")
    arr = arr.astype(float)
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 1) or np.any(arr != np.floor(arr))):
        bad = arr[~(np.isfinite(arr) & (arr >= 1) & (arr == np.floor(arr)))].ravel()[0]
        raise ValidationError(f"{name} must hold whole numbers of days >= 1, got {bad!r}")
    return arr


def _predictions(y, shape):
    try:
        arr = np.asarray(y)
    except (ValueError, TypeError):  # ragged nesting
        raise InputTypeError(f"y must be array-like, got {type(y).__name__}") from None
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"y must be numeric, got dtype {arr.dtype}")
    arr = np.broadcast_to(arr.astype(float), shape)
    if arr.size and (not np.all(np.isfinite(arr)) or np.any(arr < 0)):
        bad = arr[~(np.isfinite(arr) & (arr >= 0))].ravel()[0]
        raise ValidationError(f"y must be finite and >= 0, got {bad!r}")
    return arr


def _exact_lam(lam) -> Fraction:
    # The shortest decimal that prints as lam: 0.7 -> 7/10 (see the module docstring).
    return Fraction(repr(float(lam)))


#: Most entries a buy-day distribution or a season range is listed with (16 bytes each, about 0.5 GiB).
MAX_SUPPORT = 2**25


def _check_size(argument: str, value, entries: int, what: str, note: str = "") -> None:
    """Refuse, before allocating, work that lists more than :data:`MAX_SUPPORT` entries (or the memory limit)."""
    if entries > MAX_SUPPORT:
        gib = entries * 16 / 2**30
        raise ValidationError(f"{argument}={value!r} needs {what} of {entries} entries (about {gib:.3g} GiB); "
                              f"at most {MAX_SUPPORT} are listed{note}")
    check_memory(argument, value, entries * 16, what=what)


def _karlin_probs(b: int, k: int) -> np.ndarray:
    log_r = math.log1p(-1.0 / b)
    j = np.arange(k - 1, -1, -1, dtype=float)                  # k - i for i = 1..k
    probs = np.exp(j * log_r) / (b * -math.expm1(k * log_r))
    return probs / probs.sum()


class KarlinBuyDays(BuyDays):
    """Karlin's geometric buy-day law ``q_i = r^(k-i) / (b (1 - r^k))`` on days ``1..k``, ``r = 1 - 1/b``.

    Its expected cost has the closed form ``E cost(D, x) = min(x, k) / (1 - r^k)``
    (see the module docstring), so :meth:`expected_cost` and the worst-case
    ratios cost ``O(1)`` memory whatever ``b`` and ``k``; the support is listed
    (``days``, ``probs``, :meth:`sample`) only on demand, and refused beyond
    :data:`MAX_SUPPORT` days; beyond it :meth:`sample` inverts the closed-form
    distribution function ``P(D <= d) = (r^(k-d) - r^k) / (1 - r^k)`` instead.

    Examples
    --------
    >>> d = KarlinBuyDays(10**9, 2 * 10**9)
    >>> float(d.expected_cost(150, b=10**9)) == 150 / -math.expm1(2 * 10**9 * math.log1p(-1e-9))
    True
    >>> d.days
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: b=1000000000 needs a buy-day distribution of 2000000000 entries (about 29.8 GiB); ...
    """

    __slots__ = ("_b", "_k", "_listed")

    def __init__(self, b: int, k: int) -> None:
        self._b = check_int("b", b, low=2, high=MAX_DAYS)
        self._k = check_int("k", k, low=1, high=MAX_DAYS)
        self._listed = None
        self._head = None

    def _list(self):
        if self._listed is None:
            _check_size("b", self._b, self._k, "a buy-day distribution", f" (one per day 1..k, k={self._k})")
            listed = BuyDays(np.arange(1, self._k + 1), _karlin_probs(self._b, self._k))
            self._listed = listed
        return self._listed

    @property
    def days(self) -> NDArray[np.int64]:
        return self._list().days

    @property
    def probs(self) -> NDArray[np.float64]:
        return self._list().probs

    @property
    def is_deterministic(self) -> bool:
        return self._k == 1

    @property
    def last_day(self) -> int:
        return self._k

    def sample(self, rng: RngLike, size: int | None = None) -> int | NDArray[np.int64]:
        if self._k <= MAX_SUPPORT:  # the listed law: the same draws as any BuyDays
            return self._list().sample(rng, size)
        rng = make_rng(rng)
        if size is not None:
            size = check_count("size", size, bytes_each=24, low=0)
        log_r = math.log1p(-1.0 / self._b)
        u = rng.random(size)
        # the least d with P(D <= d) > u: r^(k-d) > r^k + u (1 - r^k)
        log_v = np.log1p((1.0 - u) * math.expm1(self._k * log_r))
        days = np.clip(np.floor(self._k - log_v / log_r) + 1, 1, self._k)
        return int(days) if size is None else days.astype(np.int64)

    def expected_cost(self, x: ArrayLike, *, b: int) -> NDArray[np.float64] | np.float64:
        """Exact ``E cost(D, x) = min(x, k) / (1 - r^k)`` (``O(1)`` memory beyond ``x``)."""
        b = check_price(b)
        x = _season_lengths(x)
        if b != self._b:  # priced differently from the law's own b: use the listed support
            return self._list().expected_cost(x, b=b)
        return np.minimum(x, self._k) / -math.expm1(self._k * math.log1p(-1.0 / self._b))

    def max_ratio(self, lo: int = 1, hi: int | None = None) -> float:
        """Max over integer ``x in [lo, hi]`` of ``E cost / min(x, b)`` (``hi=None``: all ``x >= lo``).

        ``min(x, k) / min(x, b)`` is monotone between the breakpoints ``k`` and
        ``b``, so the maximum sits at ``lo``, ``hi``, ``k`` or ``b``.
        """
        b, k = self._b, self._k
        lo = check_int("lo", lo, low=1)
        if hi is not None:
            hi = check_int("hi", hi)
            if hi < lo:
                raise ValidationError(f"hi must be >= lo = {lo} (or None for no upper end), got {hi}")
        if hi is None:
            hi = max(lo, b, k)
        x = np.array(sorted({min(max(v, lo), hi) for v in (lo, hi, k, b)}), dtype=float)
        return float(np.max(self.expected_cost(x, b=b) / np.minimum(x, b)))

    def __eq__(self, other):
        if isinstance(other, KarlinBuyDays):
            return (self._b, self._k) == (other._b, other._k)
        return BuyDays.__eq__(self._list(), other)

    __hash__ = None

    def __repr__(self):
        return f"KarlinBuyDays(b={self._b}, k={self._k})"


def _karlin_distribution(b: int, k: int) -> BuyDays:
    """``q_i = r^(k-i) / (b (1 - r^k))`` on days ``1..k``, ``r = 1 - 1/b``."""
    if b == 1:
        return BuyDays.point(1)
    return KarlinBuyDays(b, k)


class SkiRentalPolicy(Policy):
    """Base class of ski rental policies.

    ``decide(SkiObservation)`` returns a :class:`BuyDays`. Subclasses implement
    ``_decide`` and declare :meth:`prediction_breakpoints`, the predictions at
    which their decision may change; the exact worst-case functions
    (:func:`consistency`, :func:`robustness`) rely on it. A rule that needs a
    prediction says so in its spec: ``needs={"predictions"}``.
    """

    spec = PolicySpec("ski_rental", label="ski rental policy")

    @property
    def needs_prediction(self) -> bool:
        """Whether ``decide`` requires a prediction ``y`` (``"predictions"`` in ``spec.needs``)."""
        return "predictions" in self.spec.needs

    def prediction_breakpoints(self, b: int) -> tuple[float, ...] | None:
        """Sorted predictions ``t_1 < ... < t_m`` such that the decision is constant on
        ``[0, t_1), [t_1, t_2), ..., [t_m, inf)``; ``None`` if unknown."""
        return () if not self.needs_prediction else None

    @classmethod
    def example_observation(cls, rng: RngLike) -> SkiObservation:
        """A valid random observation (for conformance tests)."""
        rng = make_rng(rng)
        b = int(rng.integers(3, 200))
        return SkiObservation(b=b, y=float(rng.integers(0, 4 * b + 1)))

    def _check_observation(self, observation):
        if not isinstance(observation, SkiObservation):
            raise InputTypeError(f"observation must be a SkiObservation ({type(self).__name__}.decide), "
                                 f"got {type(observation).__name__}")
        if self.needs_prediction and observation.y is None:
            raise ValidationError(f"policy {self!r} needs a prediction: y must not be None")

    def _check_decision(self, observation, decision):
        if not isinstance(decision, BuyDays):
            as_buy_days(decision, self)


@register_policy("ski.break_even")
class BreakEven(SkiRentalPolicy):
    """Classical deterministic rule: rent until the rent paid would reach ``b``, buy on day ``b``.

    Its ratio is ``2 - 1/b`` (worst at ``x = b``).

    Examples
    --------
    >>> BreakEven().decide(SkiObservation(b=7))
    BuyDays.point(7)
    """

    spec = PolicySpec("ski_rental", label="break-even")

    def _decide(self, observation):
        return BuyDays.point(observation.b)


@register_policy("ski.classical_randomized")
class ClassicalRandomized(SkiRentalPolicy):
    """Karlin et al.'s randomized rule: day ``i <= b`` with probability ``r^(b-i) / (b (1 - r^b))``.

    Its ratio is ``1 / (1 - (1 - 1/b)^b)`` on every ``x``, below ``e / (e - 1)``.

    Examples
    --------
    >>> d = ClassicalRandomized().decide(SkiObservation(b=2))
    >>> d.days.tolist(), [round(float(p), 4) for p in d.probs]
    ([1, 2], [0.3333, 0.6667])
    """

    spec = PolicySpec("ski_rental", label="classical randomized")

    def _decide(self, observation):
        return _karlin_distribution(observation.b, observation.b)


def _late_day(b: int, lam: Fraction, shown: float) -> int:
    """``ceil(b / lam)``, the day a rule that distrusts ``y`` buys by; refused past :data:`MAX_DAYS`."""
    day = math.ceil(b / lam)
    if day > MAX_DAYS:
        raise ValidationError(f"lam={shown!r} is too small for b={b}: ceil(b / lam) = {float(day):.3g} days "
                              "exceeds 2**53")
    return day


def _check_lam(lam, low_open_zero=True, high=1.0, high_open=False):
    return check_real("lam", lam, low=0.0, high=high, low_open=low_open_zero, high_open=high_open)


@register_policy("ski.purohit_deterministic")
class PurohitDeterministic(SkiRentalPolicy):
    """Purohit et al.'s deterministic rule with trust parameter ``lam in (0, 1]``.

    Buys on day ``ceil(lam b)`` if ``y >= b`` and on day ``ceil(b / lam)``
    otherwise. Ratio ``<= min{1 + 1/lam, (1 + lam) + eta / ((1 - lam) OPT)}``;
    exactly, consistency ``1 + (ceil(lam b) - 1) / b`` and robustness
    ``max{1 + (b - 1) / ceil(lam b), 1 + (ceil(b / lam) - 1) / b}``. As ``b``
    grows this tends to ``(1 + lam, 1 + 1/lam)``, on Wei & Zhang's deterministic
    bound; at a finite ``b`` it lies below that curve (``b = 100``, ``lam = 0.1``:
    ``(1.09, 10.99)``) and on or above the finite-``b`` frontier
    :func:`agents.online.frontier.deterministic_ski_frontier` (10.9 at ``c = 1.09``).

    Parameters
    ----------
    lam : float
        Smaller ``lam`` trusts the prediction more.

    Examples
    --------
    >>> PurohitDeterministic(0.5).decide(SkiObservation(b=10, y=3))
    BuyDays.point(20)
    >>> PurohitDeterministic(1.5)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: lam must be in (0.0, 1.0], got 1.5
    """

    spec = PolicySpec("ski_rental", label="deterministic", needs={"predictions"})

    def __init__(self, lam: float = 0.5) -> None:
        self.lam = _check_lam(lam)

    def prediction_breakpoints(self, b: int) -> tuple[float, ...]:
        return (float(b),)

    def buy_day(self, b: int, y: float) -> int:
        """The buy day for price ``b`` and prediction ``y``."""
        lam = _exact_lam(self.lam)
        return math.ceil(lam * b) if y >= b else _late_day(b, lam, self.lam)

    def _decide(self, observation):
        return BuyDays.point(self.buy_day(observation.b, observation.y))


@register_policy("ski.purohit_randomized")
class PurohitRandomized(SkiRentalPolicy):
    """Purohit et al.'s randomized rule with trust parameter ``lam in (1/b, 1)``.

    ``k = floor(lam b)`` if ``y >= b``, else ``k = ceil(b / lam)``; buys on day
    ``i in 1..k`` with probability ``r^(k-i) / (b (1 - r^k))``, ``r = 1 - 1/b``.
    Ratio ``<= min{(1 + 1/b) / (1 - e^-(lam - 1/b)), lam / (1 - e^-lam) (1 + eta / OPT)}``;
    exactly (from ``E cost = min(x, k) / (1 - r^k)``), consistency
    ``max{k1 / (b (1 - r^k1)), 1 / (1 - r^k2)}`` and robustness
    ``max{1 / (1 - r^k1), k2 / (b (1 - r^k2))}`` with ``k1 = floor(lam b)``,
    ``k2 = ceil(b / lam)``. As ``b`` grows this tends to
    ``(lam / (1 - e^-lam), 1 / (1 - e^-lam))``, on Wei & Zhang's randomized bound;
    at a finite ``b`` it can lie slightly below that curve, and it lies on or above
    the finite-``b`` frontier :func:`agents.online.frontier.randomized_ski_frontier`.

    The range ``lam > 1/b`` depends on ``b``, so it is checked at ``decide``.

    Examples
    --------
    >>> d = PurohitRandomized(0.5).decide(SkiObservation(b=10, y=30))
    >>> d.days.tolist()
    [1, 2, 3, 4, 5]
    >>> PurohitRandomized(0.05).decide(SkiObservation(b=10, y=30))
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: lam must be in (1/b, 1) = (0.1, 1) for b=10, got 0.05
    """

    spec = PolicySpec("ski_rental", label="randomized", needs={"predictions"})

    def __init__(self, lam: float = 0.5) -> None:
        self.lam = _check_lam(lam, high_open=True)

    def prediction_breakpoints(self, b: int) -> tuple[float, ...]:
        return (float(b),)

    def support_size(self, b: int, y: float) -> int:
        """``k``: the last possible buy day for price ``b`` and prediction ``y``."""
        lam = _exact_lam(self.lam)
        if lam * b <= 1:
            raise ValidationError(
                f"lam must be in (1/b, 1) = ({1 / b:g}, 1) for b={b}, got {self.lam!r}")
        return math.floor(lam * b) if y >= b else _late_day(b, lam, self.lam)

    def _decide(self, observation):
        b = observation.b
        return _karlin_distribution(b, self.support_size(b, observation.y))


# --------------------------------------------------------------------------- costs
def ski_cost(day: ArrayLike, x: ArrayLike, *, b: int) -> NDArray[np.float64]:
    """Cost of buying at the start of ``day`` when the season lasts ``x`` days.

    Examples
    --------
    >>> ski_cost(5, [3, 5, 9], b=10).tolist()
    [3.0, 14.0, 14.0]
    """
    b = check_price(b)
    x = _season_lengths(x)
    day = _season_lengths(day, "day")
    try:
        np.broadcast_shapes(x.shape, day.shape)
    except ValueError:
        raise ValidationError(f"day and x must have shapes that broadcast together, got day of shape {day.shape} "
                              f"and x of shape {x.shape}") from None
    return np.where(x < day, x, day - 1 + b)


def opt_cost(x: ArrayLike, *, b: int) -> NDArray[np.float64] | np.float64:
    """The offline optimum ``min(x, b)``.

    Examples
    --------
    >>> opt_cost([3, 50], b=10).tolist()
    [3.0, 10.0]
    """
    b = check_price(b)
    return np.minimum(_season_lengths(x), b)


def _ski_policy(policy):
    return check_policy("policy", policy, "ski_rental")


def _decide(policy, b, y) -> BuyDays:
    return as_buy_days(policy.decide(SkiObservation(b, y)), policy)


def _breakpoints(policy, b, breakpoints):
    if breakpoints is None:
        getter = getattr(policy, "prediction_breakpoints", None)
        breakpoints = getter(b) if getter is not None else None
    if breakpoints is None:
        raise ValidationError(
            f"policy {policy!r} does not declare prediction_breakpoints(b); pass breakpoints=[...], "
            "the predictions at which its decision may change")
    bps = np.unique(check_array("breakpoints", breakpoints, ndim=1))
    return bps[bps > 0]


def decision_classes(policy: PolicyLike, b: int, *,
                     breakpoints: ArrayLike | None = None) -> list[tuple[float, float, BuyDays]]:
    """The policy's distinct decisions: a list of ``(lo, hi, BuyDays)``, one per
    prediction interval ``[lo, hi)`` (``hi = inf`` for the last).

    Examples
    --------
    >>> [(lo, hi, d.day) for lo, hi, d in decision_classes(PurohitDeterministic(0.5), 10)]
    [(0.0, 10.0, 20), (10.0, inf, 5)]
    """
    policy = _ski_policy(policy)
    b = check_price(b)
    bps = _breakpoints(policy, b, breakpoints)
    edges = np.concatenate([[0.0], bps, [np.inf]])
    return [(float(lo), float(hi), _decide(policy, b, float(lo))) for lo, hi in itertools.pairwise(edges)]


def expected_cost(policy: PolicyLike, x: ArrayLike, y: ArrayLike | None = None, *,
                  b: int) -> NDArray[np.float64] | np.float64:
    """Exact expected cost of ``policy`` on seasons ``x`` with predictions ``y``.

    Vectorised over ``x`` and ``y`` (broadcast together). A policy that declares
    its prediction breakpoints is asked once per prediction interval; any other
    policy (e.g. a plain function ``obs -> day``) once per distinct ``y``.

    Parameters
    ----------
    policy : SkiRentalPolicy, callable or str
        The rule (a registered name is loaded with default parameters).
    x : array_like of int
        Season lengths (whole numbers ``>= 1``).
    y : array_like of float, optional
        Predictions (finite, ``>= 0``); omit for policies that ignore them.
    b : int
        Buy price.

    Examples
    --------
    >>> expected_cost("ski.break_even", [3, 10, 40], b=10).tolist()
    [3.0, 19.0, 19.0]
    """
    policy = _ski_policy(policy)
    b = check_price(b)
    x = _season_lengths(x)
    if y is None:
        return _decide(policy, b, None).expected_cost(x, b=b)
    try:
        y = np.asarray(y)
    except (ValueError, TypeError):  # ragged nesting
        raise InputTypeError(f"y must be array-like, got {type(y).__name__}") from None
    try:
        shape = np.broadcast_shapes(x.shape, np.shape(y))
    except ValueError:
        raise ValidationError(f"x and y must have shapes that broadcast together, got x of shape {x.shape} "
                              f"and y of shape {np.shape(y)}") from None
    check_memory("x, y (broadcast together)", shape, 40 * math.prod(shape))
    x = np.broadcast_to(x, shape)
    y = _predictions(y, shape)
    out = np.empty(shape)
    getter = getattr(policy, "prediction_breakpoints", None)
    bps = getter(b) if getter is not None else None
    if bps is not None:
        classes = decision_classes(policy, b, breakpoints=bps)
        edges = np.array([lo for lo, _, _ in classes[1:]])
        which = np.searchsorted(edges, y, side="right")
        for i, (_, _, dist) in enumerate(classes):
            mask = which == i
            if mask.any():
                out[mask] = dist.expected_cost(x[mask], b=b)
        return out
    values, inverse = np.unique(y, return_inverse=True)
    inverse = inverse.reshape(shape)
    for i, yv in enumerate(values):
        mask = inverse == i
        out[mask] = _decide(policy, b, float(yv)).expected_cost(x[mask], b=b)
    return out


def expected_ratio(policy: PolicyLike, x: ArrayLike, y: ArrayLike | None = None, *,
                   b: int) -> NDArray[np.float64] | np.float64:
    """Exact competitive ratio ``E cost / min(x, b)`` on each ``(x, y)``.

    Examples
    --------
    >>> float(expected_ratio("ski.break_even", 10, b=10))
    1.9
    """
    cost = expected_cost(policy, x, y, b=b)
    return cost / np.minimum(_season_lengths(x), b)


def _max_ratio(dist: BuyDays, b: int, lo: int = 1, hi: int | None = None) -> float:
    """Max over integer ``x in [lo, hi]`` of the ratio of ``dist``; ``hi=None`` means
    all ``x >= lo`` (the ratio is constant once ``x >= max(b, last day)``)."""
    if hi is not None and hi < lo:
        return -np.inf
    if isinstance(dist, KarlinBuyDays) and dist._b == b:
        return dist.max_ratio(lo, hi)
    if hi is None:
        hi = max(lo, b, dist.last_day)
    # Between consecutive support days E cost(x) is linear in x, so the ratio is monotone on each side of b:
    # its maximum over [lo, hi] sits at lo, hi, b or a support day d or d - 1 (no scan of the range).
    days = dist.days.astype(float)
    x = np.clip(np.concatenate([[lo, hi, b], days, days - 1]), lo, hi)
    x = np.unique(x)
    return float(np.max(dist.expected_cost(x, b=b) / np.minimum(x, b)))


def worst_case_ratio(policy: PolicyLike, b: int, y: float | None = None) -> float:
    """Exact ``max_x E cost(x) / OPT(x)`` for price ``b`` and a fixed prediction ``y``.

    Examples
    --------
    >>> worst_case_ratio(PurohitDeterministic(0.5), b=10, y=50)    # buys day 5; x = 5 costs 14
    2.8
    """
    policy = _ski_policy(policy)
    b = check_price(b)
    return _max_ratio(_decide(policy, b, y), b)


def consistency(policy: PolicyLike, b: int, *, breakpoints: ArrayLike | None = None) -> float:
    """Exact consistency: ``max_x`` of the ratio when the prediction is right (``y = x``).

    Within a prediction interval the decision is fixed, so the maximum is taken
    over the integers ``x`` of each interval (the last one up to the point where
    the ratio stops changing).

    Examples
    --------
    >>> consistency(PurohitDeterministic(0.5), b=100)     # (ceil(50) - 1 + 100) / 100
    1.49
    """
    policy = _ski_policy(policy)
    b = check_price(b)
    best = -np.inf
    for lo, hi, dist in decision_classes(policy, b, breakpoints=breakpoints):
        first = max(1, math.ceil(lo))
        last = None if math.isinf(hi) else math.ceil(hi) - 1
        best = max(best, _max_ratio(dist, b, first, last))
    return best


def robustness(policy: PolicyLike, b: int, *, breakpoints: ArrayLike | None = None) -> float:
    """Exact robustness: ``max`` of the ratio over all seasons ``x`` and predictions ``y``.

    Examples
    --------
    >>> robustness("ski.break_even", b=100)
    1.99
    """
    policy = _ski_policy(policy)
    b = check_price(b)
    return max(_max_ratio(dist, b) for _, _, dist in decision_classes(policy, b, breakpoints=breakpoints))
