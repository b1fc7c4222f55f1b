"""Input checks shared by the bandit market and its learners.

Each check validates one argument and raises the package's errors
(:mod:`sim.errors`), naming the argument and the bad value, before anything
large is allocated.

Examples
--------
>>> check_types("customer_types", [0, 2, 1], 3).tolist()
[0, 2, 1]
>>> check_memory("m, n", (10**9, 10**9), 8 * 10**18)
Traceback (most recent call last):
...
sim.errors.ValidationError: m, n = (1000000000, 1000000000) would need ... TiB of working memory ...
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from markets.validation import FLOAT_MAX
from markets.validation import check_memory as shared_check_memory
from markets.validation import check_option as _markets_check_option
from sim.errors import InputTypeError, ValidationError
from sim.validate import check_array, check_real

from .types import MatchingDecision, MatchingFeedback, MatchingObservation

__all__ = ["REWARD_BOUND", "SCALE_RANGE", "check_arm_matching", "check_decision", "check_features", "check_feedback",
           "check_generator", "check_int_array", "check_memory", "check_observation", "check_option", "check_pairs",
           "check_scale", "check_types", "check_utils", "check_values", "pair_array_bytes"]


def pair_array_bytes(m: int, n: int, arrays: int) -> int:
    """Bytes of ``arrays`` float64 arrays of shape ``(m, n)`` (exact: Python integers do not overflow)."""
    return 8 * int(m) * int(n) * int(arrays)


def check_memory(name: str, value: object, nbytes: int) -> None:
    """Refuse an allocation of ``nbytes`` beyond the memory limit, naming ``name`` (before allocating).

    The limit is :func:`markets.validation.current_memory_limit`: half this
    machine's physical memory, or the one set with
    :func:`markets.validation.memory_limit` (one guard for the whole toolkit).

    Parameters
    ----------
    name : str
        The argument(s) that set the size (named in the error).
    value
        Their value(s).
    nbytes : int
        Bytes the arrays would need.

    Raises
    ------
    sim.errors.ValidationError
        If ``nbytes`` exceeds the limit.
    """
    shared_check_memory(name, value, nbytes, what="its arrays")


def check_option(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of the strings ``choices`` (arrays, None and other non-strings are refused).

    Examples
    --------
    >>> check_option("noise", np.zeros(3), ("gaussian", "none"))
    Traceback (most recent call last):
    ...
    sim.errors.InputTypeError: noise must be one of ['gaussian', 'none'] (a string), got array([0., 0., 0.]) (ndarray)
    """
    return _markets_check_option(name, value, choices)


def check_utils(name: str, value: ArrayLike, shape: Sequence[int] | None = None,
                against: str | None = None) -> np.ndarray:
    """A 2-D finite utility matrix with entries in ``[-1, 1]`` (of ``shape``, set by argument ``against``)."""
    arr = check_array(name, value, ndim=2)
    if shape is not None and arr.shape != tuple(shape):
        of = f" (set by {against})" if against else ""
        raise ValidationError(f"{name} must have shape {tuple(shape)}{of}, got {arr.shape}")
    if arr.size and np.abs(arr).max() > 1.0:
        k = np.unravel_index(int(np.abs(arr).argmax()), arr.shape)
        raise ValidationError(f"{name} must lie in the declared range [-1, 1], got {float(arr[k])!r} "
                              f"at index {tuple(int(x) for x in k)}")
    return arr


def check_types(name: str, value: ArrayLike, size: int) -> np.ndarray:
    """A vector of ``size`` non-negative integer types, as int64."""
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "iu":
        raise ValidationError(f"{name} must be an integer array of types, got dtype {arr.dtype}")
    if arr.shape != (size,):
        raise ValidationError(f"{name} must have shape ({size},), got {arr.shape}")
    if size and arr.min() < 0:
        raise ValidationError(f"{name} must be non-negative, got {int(arr.min())}")
    return arr.astype(np.int64)


def check_features(customer_features: ArrayLike, provider_features: ArrayLike, m: int | None = None,
                   n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Validate the two feature matrices (same dimension ``d``); return them as arrays."""
    f = check_array("customer_features", customer_features, ndim=2, shape=(m, None))
    g = check_array("provider_features", provider_features, ndim=2, shape=(n, None))
    if f.shape[1] != g.shape[1]:
        raise ValidationError(f"provider_features must have the same dimension d as customer_features "
                              f"({f.shape[1]}), got {g.shape[1]}")
    if f.shape[1] == 0:
        raise ValidationError("customer_features must have at least one column (d >= 1)")
    return f, g


#: Noise scales, prior scales and ridges are confined to this range so their squares and reciprocals (which the
#: learners form) and the rewards they scale stay normal float64 numbers.
SCALE_RANGE = (1e-50, 1e50)
#: Largest magnitude of a reward a learner accepts: running means, ridge sums and posterior means of rewards this
#: size (times counts up to the largest horizon that fits in memory) stay finite.
REWARD_BOUND = 1e100


def check_scale(name: str, value: float) -> float:
    """A positive scale (noise, prior, ridge) within :data:`SCALE_RANGE`.

    Examples
    --------
    >>> check_scale("sigma", 1e-200)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: sigma must be in [1e-50, 1e+50] (its square and reciprocal must stay finite \
and nonzero), got 1e-200
    """
    value = check_real(name, value, low=0.0, low_open=True)
    lo, hi = SCALE_RANGE
    if not lo <= value <= hi:
        raise ValidationError(f"{name} must be in [{lo:g}, {hi:g}] (its square and reciprocal must stay finite "
                              f"and nonzero), got {value!r}")
    return value


def check_generator(name: str, value: object) -> np.random.Generator:
    """``value`` if it is a :class:`numpy.random.Generator` (what a market draws its rounds from)."""
    if not isinstance(value, np.random.Generator):
        raise InputTypeError(f"{name} must be a numpy.random.Generator, got {type(value).__name__}")
    return value


def check_observation(name: str, value: object, id_space: tuple[int, int] | None = None) -> MatchingObservation:
    """A :class:`MatchingObservation` whose ids lie in ``range(id_space[0])``, ``range(id_space[1])``."""
    if not isinstance(value, MatchingObservation):
        raise InputTypeError(f"{name} must be a MatchingObservation, got {type(value).__name__}")
    if id_space is not None:
        mc, mp = value.max_ids
        if mc >= id_space[0] or mp >= id_space[1]:
            raise ValidationError(f"{name} names agent ids up to {value.max_ids}, beyond the {id_space[0]} "
                                  f"customers and {id_space[1]} providers")
    return value


def check_int_array(name: str, value: ArrayLike, what: str) -> np.ndarray:
    """``value`` as an integer array (an empty array of any numeric dtype as int64); ``what`` says what it must be."""
    try:
        arr = np.asarray(value)
    except Exception as exc:  # ragged nested lists and the like
        raise InputTypeError(f"{name} must be {what}, got {type(value).__name__}: {exc}") from None
    if arr.size == 0 and arr.dtype.kind in "iuf":
        return arr.astype(np.int64)
    if arr.dtype == object or arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must be {what}, got dtype {arr.dtype}")
    return arr


def check_pairs(name: str, value: ArrayLike, shape: tuple[int, int]) -> np.ndarray:
    """A matching as ``(k, 2)`` int64 positions ``(r, c)`` with ``r < shape[0]``, ``c < shape[1]``, none repeated."""
    arr = check_int_array(name, value, "a (k, 2) integer array of (row, column) positions")
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValidationError(f"{name} must have shape (k, 2), got {arr.shape}")
    kc, kp = shape
    r, c = arr[:, 0], arr[:, 1]
    if r.min() < 0 or c.min() < 0 or r.max() >= kc or c.max() >= kp:
        raise ValidationError(f"{name} must hold positions in [0, {kc}) x [0, {kp}) (the observed agents), got "
                              f"rows {r.min()}..{r.max()} and columns {c.min()}..{c.max()}")
    if len(np.unique(r)) != len(r) or len(np.unique(c)) != len(c):
        raise ValidationError(f"{name} must match each present agent at most once, got {arr.tolist()}")
    return arr.astype(np.int64, copy=False)


def check_values(name: str, value: ArrayLike, k: int, bound: float = REWARD_BOUND) -> np.ndarray:
    """``k`` finite float64 values of magnitude at most ``bound``."""
    arr = check_array(name, value, ndim=1, shape=(k,))
    if k and np.abs(arr).max() > bound:
        raise ValidationError(f"{name} must have magnitude at most {bound:g}, got {float(np.abs(arr).max())!r}")
    return arr


def check_decision(name: str, decision: object, observation: MatchingObservation) -> tuple[np.ndarray, np.ndarray]:
    """The ``(matching, transfers)`` of a decision on ``observation``, checked (payoffs are the learner's own)."""
    if not isinstance(decision, MatchingDecision):
        raise InputTypeError(f"{name} must be a MatchingDecision, got {type(decision).__name__}")
    mt = check_pairs(f"{name}.matching", decision.matching, observation.shape)
    # transfers enter payoffs u - t and u + t, whose pairwise sums must stay finite
    t = check_values(f"{name}.transfers", decision.transfers, len(mt), bound=FLOAT_MAX / 8)
    return mt, t


def check_feedback(name: str, feedback: object) -> tuple[MatchingObservation, np.ndarray, np.ndarray, np.ndarray]:
    """The ``(observation, matching, customer_rewards, provider_rewards)`` of semi-bandit feedback, checked."""
    if not isinstance(feedback, MatchingFeedback):
        raise InputTypeError(f"{name} must be a MatchingFeedback, got {type(feedback).__name__}")
    obs = check_observation(f"{name}.observation", feedback.observation)
    mt = check_pairs(f"{name}.matching", feedback.matching, obs.shape)
    rc = check_values(f"{name}.customer_rewards", feedback.customer_rewards, len(mt))
    rp = check_values(f"{name}.provider_rewards", feedback.provider_rewards, len(mt))
    return obs, mt, rc, rp


def check_arm_matching(name: str, value: ArrayLike, players: int, arms: int) -> np.ndarray:
    """An NTU matching: the arm of each of ``players`` players (``-1`` unmatched), no arm twice."""
    arr = check_int_array(name, value, f"an integer array of {players} arms (-1 unmatched)")
    if arr.shape != (players,):
        raise ValidationError(f"{name} must have shape ({players},), got {arr.shape}")
    if players and (arr.min() < -1 or arr.max() >= arms):
        raise ValidationError(f"{name} must hold arms in [-1, {arms}) (-1 unmatched), got {arr.tolist()}")
    held = arr[arr >= 0]
    if len(np.unique(held)) != len(held):
        raise ValidationError(f"{name} must give each arm to at most one player, got {arr.tolist()}")
    return arr.astype(np.int64, copy=False)
