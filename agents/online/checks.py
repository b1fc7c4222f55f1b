"""Input checks shared by the online-algorithm entry points.

Each check validates one argument and raises the package's errors
(:mod:`sim.errors`), naming the argument and the bad value, before anything
large is allocated. Sizes (numbers of jobs, seasons, agents, grid points)
go through :func:`check_count`, which refuses a size whose arrays need more
than :func:`current_memory_limit` bytes and says how much they would need.

Examples
--------
>>> check_count("n", 10**12, bytes_each=48)
Traceback (most recent call last):
...
sim.errors.ValidationError: n = 1000000000000 would need 43.7 TiB of working memory for its arrays, more than ...
>>> with memory_limit(2**20):
...     check_count("n", 10**6, bytes_each=8)
Traceback (most recent call last):
...
sim.errors.ValidationError: n = 1000000 would need 7.63 MiB of working memory for its arrays, ... limit of 1 MiB ...
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from markets.validation import check_flag, current_memory_limit, memory_limit
from markets.validation import check_memory as shared_check_memory
from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy, as_policy
from sim.validate import check_int, check_real

__all__ = [
    "MAX_DAYS",
    "PolicyLike",
    "check_count",
    "check_flag",
    "check_memory",
    "check_policy",
    "check_price",
    "check_season_law",
    "current_memory_limit",
    "memory_limit",
]

#: Largest buy price or season length in days: every integer up to it is exact in float64.
MAX_DAYS = 2**53

#: What a ``policy=`` argument accepts: a policy instance, a plain function ``observation -> decision``
#: or a registered policy name.
PolicyLike = Policy | Callable[..., Any] | str

def check_memory(name: str, value: object, n_bytes: int, *, what: str = "its arrays") -> None:
    """Refuse work needing more than :func:`current_memory_limit` bytes, before allocating it.

    The toolkit's one guard (:func:`markets.validation.check_memory`), so one
    :func:`memory_limit` block bounds every package. ``n_bytes`` is computed
    with Python integers (they do not overflow).
    """
    shared_check_memory(name, value, check_int("n_bytes", n_bytes, low=0), what=what)


def check_count(name: str, value: object, *, bytes_each: int, low: int = 1) -> int:
    """An integer size ``>= low`` whose arrays (``bytes_each`` bytes per unit) fit in memory."""
    value = check_int(name, value, low=low)
    check_memory(name, value, value * check_int("bytes_each", bytes_each, low=0))
    return value


def _at_most_days(name: str, value):
    if value > MAX_DAYS:
        raise ValidationError(f"{name} must be <= 2**53 = {MAX_DAYS} (whole days exact in float64), got {value!r}")
    return value


def check_price(b: object, name: str = "b") -> int:
    """A buy price: an integer in ``[1, MAX_DAYS]`` (costs are exact float64 integers up to it)."""
    return _at_most_days(name, check_int(name, b, low=1))


def check_policy(argument: str, policy: PolicyLike, domain: str) -> Policy:
    """A policy of ``domain``: an instance, a plain function, or a registered name (loaded with defaults).

    A class (not an instance), a policy of another domain or an unknown name is
    refused, naming ``argument``.
    """
    from sim.registry import check_policy_name, load_policy

    if isinstance(policy, str):
        return load_policy(check_policy_name(argument, policy, domain))
    if isinstance(policy, type):
        raise InputTypeError(f"{argument} must be a policy instance, got the class {policy.__name__}; "
                             f"call it: {policy.__name__}()")
    if not isinstance(policy, Policy) and not callable(policy):
        raise InputTypeError(f"{argument} must be a policy of domain {domain!r}, a function or a registered "
                             f"name, got {policy!r} ({type(policy).__name__})")
    policy = as_policy(policy, domain=domain)
    if policy.domain != domain:
        raise InputTypeError(f"{argument} must be a policy of domain {domain!r}, got {policy!r} of domain "
                             f"{policy.domain!r}")
    return policy


def check_season_law(low: object, high: object, noise: object) -> tuple[float, float, float]:
    """The law ``max(1, round(low + (high - low) z + N(0, noise)))`` of season lengths (or any truths).

    ``0 <= low <= high <= MAX_DAYS`` and ``0 <= noise <= MAX_DAYS``, so every
    draw is a finite whole number a day count can hold once clipped to ``MAX_DAYS``.
    """
    low = _at_most_days("low", check_real("low", low, low=0.0))
    high = _at_most_days("high", check_real("high", high))
    if high < low:
        raise ValidationError(f"high must be >= low = {low!r}, got {high!r}")
    noise = _at_most_days("noise", check_real("noise", noise, low=0.0))
    return low, high, noise
