"""A platform and a population of users in continuous time (discrete-event simulation).

Model (this toolkit's definition)
---------------------------------
``N`` users arrive for the first time as a Poisson process of rate
``arrival_rate``. A visit (*session*) is ``session_length`` recommendations;
consuming an item takes ``Exp(mean=consume_time)`` time units. After a session
the user leaves and returns after ``Exp(mean=return_time)``, for ``sessions``
sessions in all. Sessions of different users interleave in time and the
platform (:class:`~agents.strategic.platforms.Platform`, usually with
``learn=True``) updates its population profiles after every engagement, so
one user's strategy changes what others are shown.

Users are :class:`~agents.strategic.users.UserAgent` objects and keep their
beliefs across sessions. They see the platform's current (leave-one-out)
population view with every item and do not know when they will stop
(``remaining=None``); a planner plans ``H`` steps ahead across session
boundaries and holds the view fixed while planning (its own influence on the
population is ignored, an ``O(1/N)`` approximation).

Inside each user's SimPy process a step is the game's step from the user's
side (:class:`~agents.strategic.envs.EngagementEnv`): ``observe`` (the
platform decides the item through its rule's ``decide``), the user's
``decide``, ``step`` (the platform records the engagement and learns) and the
user's ``update``; consuming the item then takes simulated time.

Every row records the signal the platform read and the *sincere signal*
natural engagement with the same item would have given
(:func:`~agents.strategic.game.sincere_signal`, with the platform's ``alpha``),
so :func:`~agents.strategic.metrics.sincere_engagement` and
:func:`~agents.strategic.metrics.signal_engagement` apply to a log as to a game.

Randomness: arrival and return times and consumption times come from named
streams of one :class:`~sim.engine.Simulation` built from ``rng``; the
platform and planners use their own generators. The same ``rng`` (and the
same platform and users) gives the same log.

Examples
--------
>>> from agents.strategic.population import simulate_population
>>> from agents.strategic.platforms import Platform, GreedyRecommender
>>> from agents.strategic.users import NaiveUser, UserModel
>>> platform = Platform(GreedyRecommender(), prior=[0.5, 0.4], learn=True)
>>> users = [NaiveUser(UserModel([0.9, -0.8])), NaiveUser(UserModel([-0.8, 0.9]))]
>>> log = simulate_population(users, platform, session_length=3, sessions=2, rng=1)
>>> len(log), sorted(set(log.user.tolist()))
(12, [0, 1])
>>> bool((log.time[1:] >= log.time[:-1]).all())
True
>>> bool((log.signal == log.sincere_signal).all())  # naive users: the platform reads sincere engagement
True
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike

from sim.engine import Simulation
from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike
from sim.validate import check_int, check_real

from .content import check_size
from .envs import EngagementEnv
from .game import sincere_signal
from .platforms import Platform
from .users import UserAgent

__all__ = ["PopulationLog", "simulate_population"]


@dataclass
class PopulationLog:
    """Columnar log of every recommendation (one row per step, in time order)."""

    time: np.ndarray
    user: np.ndarray
    session: np.ndarray
    step: np.ndarray
    item: np.ndarray
    explicit: np.ndarray
    dwell: np.ndarray
    natural_explicit: np.ndarray
    natural_dwell: np.ndarray
    value: np.ndarray
    utility: np.ndarray
    signal: np.ndarray
    sincere_signal: np.ndarray

    def __len__(self) -> int:
        return len(self.time)

    def select(self, mask: ArrayLike) -> PopulationLog:
        """The rows where boolean ``mask`` holds."""
        return PopulationLog(**{f.name: getattr(self, f.name)[mask] for f in fields(self)})

    def for_user(self, uid: int) -> PopulationLog:
        """A :class:`~agents.strategic.game.GameRollout`-like view of one user's rows."""
        return self.select(self.user == uid)

    @property
    def items(self) -> np.ndarray:
        """Alias of ``item`` (so a log works with :func:`~agents.strategic.metrics.engagement_metrics`)."""
        return self.item


_DTYPES = {"time": float, "user": int, "session": int, "step": int, "item": int, "explicit": int,
           "dwell": float, "natural_explicit": int, "natural_dwell": float, "value": float,
           "utility": float, "signal": float, "sincere_signal": float}


def simulate_population(users: Iterable[UserAgent], platform: Platform, *, arrival_rate: float = 1.0,
                        session_length: int = 5, sessions: int = 3, consume_time: float = 1.0,
                        return_time: float = 20.0, rng: RngLike = 0) -> PopulationLog:
    """Run the population model until every user has finished all sessions.

    Parameters
    ----------
    users : sequence of UserAgent
        One agent per user (user ``i`` gets platform id ``platform.add_user()``).
    platform : Platform
        The shared platform (must have no users yet).
    arrival_rate : float
        Rate (> 0) of first arrivals.
    session_length : int
        Recommendations per session (>= 1).
    sessions : int
        Sessions per user (>= 1).
    consume_time : float
        Mean (> 0) time to consume one item.
    return_time : float
        Mean (> 0) time away between sessions.
    rng : numpy.random.Generator, int or numpy.random.SeedSequence
        Root of the simulation's random streams (anything
        :func:`numpy.random.default_rng` accepts).
    """
    if isinstance(users, (str, bytes)) or not hasattr(users, "__iter__"):
        raise InputTypeError(f"users must be a sequence of UserAgent, got {type(users).__name__}")
    users = list(users)
    if not isinstance(platform, Platform):
        raise InputTypeError(f"platform must be a Platform, got {type(platform).__name__}")
    for i, u in enumerate(users):
        if not isinstance(u, UserAgent):
            raise InputTypeError(f"users[{i}] must be a UserAgent, got {type(u).__name__}")
        if u.model.n_items != platform.n_items:
            raise ValidationError(
                f"users[{i}] values {u.model.n_items} items but the platform has {platform.n_items}")
    if len(set(map(id, users))) != len(users):
        raise ValidationError("users must be distinct UserAgent objects (one agent per user)")
    if platform.n_users:
        raise ValidationError(f"platform must have no users yet, it has {platform.n_users}")
    rate = check_real("arrival_rate", arrival_rate, low=0.0, low_open=True)
    session_length = check_int("session_length", session_length, low=1)
    sessions = check_int("sessions", sessions, low=1)
    consume = check_real("consume_time", consume_time, low=0.0, low_open=True)
    away = check_real("return_time", return_time, low=0.0, low_open=True)
    # every step is a row of the log: refuse a run whose log cannot fit before anything runs
    check_size("len(users) x sessions x session_length", sessions * session_length * max(len(users), 1),
               entries_each=len(_DTYPES))

    sim = Simulation(rng=rng)
    arrivals, returns, consumption = sim.rng("arrivals"), sim.rng("returns"), sim.rng("consumption")
    cols = {name: [] for name in _DTYPES}
    append = [cols[name].append for name in _DTYPES]
    metric_names = tuple(_DTYPES)[4:-1]  # the sincere signal is computed from the natural columns at the end
    envs = []
    for agent in users:
        # users do not know when they stop: no end, remaining=None
        env = EngagementEnv(platform, agent.model, know_end=False, recent=agent.recent)
        env.reset(0)
        envs.append(env)

    def life(index):
        agent, env = users[index], envs[index]
        for s in range(sessions):
            for j in range(session_length):
                feedback, metrics, _ = env.step(agent.decide(env.observe()))
                agent.update(feedback)
                for add, x in zip(append, (sim.now, index, s, j)):
                    add(x)
                for name in metric_names:
                    cols[name].append(metrics[name])
                yield sim.timeout(consumption.exponential(consume))
            if s + 1 < sessions:
                yield sim.timeout(returns.exponential(away))

    def source():
        for index in range(len(users)):
            yield sim.timeout(arrivals.exponential(1.0 / rate))
            sim.process(life(index))

    sim.process(source())
    sim.run()
    out = {name: np.asarray(cols[name], dtype=_DTYPES[name]) for name in _DTYPES if name != "sincere_signal"}
    out["sincere_signal"] = sincere_signal(out["natural_explicit"], out["natural_dwell"], platform.alpha)
    return PopulationLog(**out)
