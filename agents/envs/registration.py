"""The Gymnasium ids of stratsim, registered when :mod:`agents.envs` is imported.

Each id's entry point is a function of this module that checks its keyword
arguments (an unknown name raises :class:`sim.errors.UnknownNameError` naming
the id and the arguments it takes) and builds the environment, so
``gymnasium.make(id, **kwargs)`` passes the arguments through.

Examples
--------
>>> import gymnasium as gym
>>> import agents.envs
>>> sorted(ENV_IDS)[:2]
['stratsim/MatchingMarket-v0', 'stratsim/Recommender-v0']
>>> gym.make("stratsim/SkiRental-v0", bee=3)
Traceback (most recent call last):
...
sim.errors.UnknownNameError: stratsim environment 'stratsim/SkiRental-v0' has no keyword argument 'bee'; ...
"""

from __future__ import annotations

from typing import Any

import gymnasium

from .core import check_kwargs
from .matching import MatchingMarketEnv
from .online import SchedulingEnv, SkiRentalEnv
from .strategic import RecommenderPlatformEnv, StrategicUserEnv

__all__ = ["ENV_IDS", "make_matching_market", "make_recommender", "make_scheduling", "make_ski_rental",
           "make_strategic_user", "register_all"]


def make_matching_market(**kwargs: Any) -> MatchingMarketEnv:
    """Entry point of ``stratsim/MatchingMarket-v0``."""
    check_kwargs("stratsim/MatchingMarket-v0", MatchingMarketEnv, kwargs)
    return MatchingMarketEnv(**kwargs)


def make_recommender(**kwargs: Any) -> RecommenderPlatformEnv:
    """Entry point of ``stratsim/Recommender-v0``."""
    check_kwargs("stratsim/Recommender-v0", RecommenderPlatformEnv, kwargs)
    return RecommenderPlatformEnv(**kwargs)


def make_strategic_user(**kwargs: Any) -> StrategicUserEnv:
    """Entry point of ``stratsim/StrategicUser-v0``."""
    check_kwargs("stratsim/StrategicUser-v0", StrategicUserEnv, kwargs)
    return StrategicUserEnv(**kwargs)


def make_ski_rental(**kwargs: Any) -> SkiRentalEnv:
    """Entry point of ``stratsim/SkiRental-v0``."""
    check_kwargs("stratsim/SkiRental-v0", SkiRentalEnv, kwargs)
    return SkiRentalEnv(**kwargs)


def make_scheduling(**kwargs: Any) -> SchedulingEnv:
    """Entry point of ``stratsim/Scheduling-v0``."""
    check_kwargs("stratsim/Scheduling-v0", SchedulingEnv, kwargs)
    return SchedulingEnv(**kwargs)


#: Every registered id and its entry point (``module:function``).
ENV_IDS = {
    "stratsim/MatchingMarket-v0": "agents.envs.registration:make_matching_market",
    "stratsim/Recommender-v0": "agents.envs.registration:make_recommender",
    "stratsim/StrategicUser-v0": "agents.envs.registration:make_strategic_user",
    "stratsim/SkiRental-v0": "agents.envs.registration:make_ski_rental",
    "stratsim/Scheduling-v0": "agents.envs.registration:make_scheduling",
}


def register_all() -> None:
    """Register every id of :data:`ENV_IDS` with Gymnasium (ids already registered are kept)."""
    for env_id, entry_point in ENV_IDS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(env_id, entry_point=entry_point)
