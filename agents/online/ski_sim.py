"""A rent-or-buy discrete-event simulation: many skiers, one predictor that learns.

Model
-----
Agents ``i = 0..n-1`` arrive as a Poisson process (``arrival_rate`` per day).
Agent ``i`` has observable features ``z_i`` and a season of ``x_i`` days drawn
by a :class:`SeasonModel`; it does not know ``x_i``. On arrival it asks the
predictor for ``y_i`` (a learned predictor sees only ``z_i``), asks the
policy for its buy-day distribution and draws its buy day ``D_i``. It then
lives day by day as a SimPy process: on each day ``d < D_i`` it rents (pays 1);
on day ``D_i``, if the season is still on, it buys (pays ``b``). When the
season ends (time ``arrival + x_i``) the predictor is told ``x_i`` and
``z_i`` (``predictor.update``), so agents arriving later get predictions fitted
on every season finished before them.

Recorded per agent: arrival time, ``x``, ``y``, realised cost, exact expected
cost ``E cost(D, x)`` given the prediction (less noisy than the realised one),
``OPT = min(x, b)``.

The seasons are an environment, :class:`SkiSeasons` (domain ``"ski_rental"``):
a step is one season, its observation the :class:`~agents.online.ski.SkiObservation`
``(b, y)``, its decision a buy day or :class:`~agents.online.ski.BuyDays`, its
feedback a :class:`SeasonOutcome` and its metrics ``x``, ``y``, ``buy_day``,
``cost``, ``expected_cost``, ``opt`` and ``ratio = expected_cost / opt``.
:func:`sim.environment.rollout` plays the seasons one after another (each ends
before the next starts); :func:`simulate_ski_rental` lets them overlap in
time, calling the same ``observe`` / ``decide`` / ``step`` / ``update`` inside
each agent's SimPy process and :meth:`SkiSeasons.end_season` when its season
ends.

Examples
--------
>>> from agents.online.ski import PurohitRandomized
>>> from agents.online.predictors import LearnedPredictor
>>> run = simulate_ski_rental(PurohitRandomized(0.5), LearnedPredictor(), b=20,
...                           n_agents=50, rng=0)
>>> run.n, bool(np.all(run.cost >= run.opt))
(50, True)

Seasons one after another, as an environment:

>>> from sim.environment import rollout
>>> from agents.online.predictors import ExactPredictor
>>> out = rollout(SkiSeasons(20, ExactPredictor(), n_seasons=30), PurohitRandomized(0.5), rng=0)
>>> out.steps, bool(np.all(out.cost >= out.opt))
(30, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from sim.engine import Simulation
from sim.environment import Environment, Step
from sim.errors import InputTypeError, PolicyError, ValidationError
from sim.random import RandomStreams, RngLike, make_rng
from sim.registry import register_environment
from sim.validate import check_int, check_real

from .checks import MAX_DAYS, PolicyLike, check_count, check_flag, check_policy, check_price, check_season_law
from .predictors import GaussianNoisePredictor, Predictor
from .ski import BuyDays, SkiObservation, as_buy_days

__all__ = ["SeasonModel", "SeasonOutcome", "SkiRentalRun", "SkiSeasons", "simulate_ski_rental"]


class SeasonModel:
    """Seasons ``x = max(1, round(low + (high - low) z + N(0, noise)))`` with feature ``z ~ U(0, 1)``.

    With ``noise = 0`` the feature determines the season; the noise is the part
    no predictor can learn. Seasons are clipped to at most
    :data:`~agents.online.checks.MAX_DAYS` days (``2**53``).

    Parameters
    ----------
    low, high : float
        Range of the noiseless season length (days).
    noise : float
        Standard deviation of the unpredictable part (days).

    Examples
    --------
    >>> x, z = SeasonModel(1, 400, 0).draw(3, rng=0)
    >>> bool(np.all(x == np.maximum(1, np.round(1 + 399 * z[:, 0]))))
    True
    """

    def __init__(self, low: float = 1.0, high: float = 400.0, noise: float = 25.0) -> None:
        self.low, self.high, self.noise = check_season_law(low, high, noise)

    def draw(self, n: int, rng: RngLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """``n`` seasons and their features: ``(x, z)`` with ``z`` of shape ``(n, 1)``."""
        n = check_count("n", n, bytes_each=40, low=0)
        rng = make_rng(rng)
        z = rng.random(n)
        x = np.round(self.low + (self.high - self.low) * z + self.noise * rng.standard_normal(n))
        return np.clip(x, 1.0, float(MAX_DAYS)), z[:, None]

    def __repr__(self):
        return f"SeasonModel(low={self.low}, high={self.high}, noise={self.noise})"


class SeasonOutcome(NamedTuple):
    """The feedback of one season: its length, the buy day drawn and the cost paid."""

    x: int
    buy_day: int
    cost: int


class SkiSeasons(Environment):
    """Ski seasons, one per step: the rent-or-buy decision problem as an environment.

    Parameters
    ----------
    b : int
        Buy price.
    predictor : Predictor or None
        Source of the predictions (``None``: observations carry ``y = None``,
        for classical rules; then ``"predictions"`` is not in :attr:`provides`).
        It is reset at :meth:`reset` and learns each season's length when the
        season ends.
    n_seasons : int
        Seasons per episode.
    seasons : SeasonModel, optional
        Season and feature distribution (default ``SeasonModel()``).
    defer_feedback : bool
        If true, :meth:`step` does not end the season: the caller calls
        :meth:`end_season` (the discrete-event simulation does, when the
        season's last day is over).

    Examples
    --------
    >>> env = SkiSeasons(20, None, n_seasons=3)
    >>> env.context(), sorted(env.provides)
    ({'b': 20, 'horizon': 3}, [])
    """

    domain = "ski_rental"

    def __init__(self, b: int, predictor: Predictor | None = None, *, n_seasons: int = 100,
                 seasons: SeasonModel | None = None, defer_feedback: bool = False) -> None:
        self.b = check_price(b)
        if predictor is not None and not isinstance(predictor, Predictor):
            raise InputTypeError(f"predictor must be a Predictor or None, got {type(predictor).__name__}")
        if seasons is not None and not isinstance(seasons, SeasonModel):
            raise InputTypeError(f"seasons must be a SeasonModel or None, got {type(seasons).__name__}")
        self.predictor = predictor
        # per season: x, z and the draws behind them, plus a run's per-season records
        self.n_seasons = check_count("n_seasons", n_seasons, bytes_each=96)
        self.seasons = SeasonModel() if seasons is None else seasons
        self.defer_feedback = check_flag("defer_feedback", defer_feedback)
        self.provides = frozenset() if predictor is None else frozenset({"predictions"})
        self._i = None

    def context(self) -> dict[str, Any]:
        return {"b": self.b, "horizon": self.n_seasons}

    def reset(self, rng: RngLike) -> None:
        """Draw the episode's seasons from named streams of ``rng`` (see :meth:`reset_streams`)."""
        self.reset_streams(RandomStreams(rng))

    def reset_streams(self, streams: RandomStreams) -> None:
        """Start an episode from ``streams``: ``"seasons"``, ``"predictions"`` and ``"buy_days"``."""
        self.x, self.z = self.seasons.draw(self.n_seasons, streams["seasons"])
        self._pred_rng, self._buy_rng = streams["predictions"], streams["buy_days"]
        self._i = 0
        self._y = None
        if self.predictor is not None:
            self.predictor.reset()

    @property
    def season(self) -> int:
        """Index of the season the next observation is about."""
        return self._i

    def observe(self) -> SkiObservation:
        if self._i is None:
            raise PolicyError("SkiSeasons: call reset before observe")
        if self._y is None:  # ask the predictor once per season
            i = self._i
            y = (None if self.predictor is None
                 else self.predictor.predict(float(int(self.x[i])), self._pred_rng, features=self.z[i:i + 1]))
            self._y = (y,)
        return SkiObservation(self.b, self._y[0])

    def step(self, decision: BuyDays | int | float) -> Step:
        obs = self.observe()
        i, b = self._i, self.b
        xi = int(self.x[i])
        dist = as_buy_days(decision, "the ski rental policy")
        day = dist.sample(self._buy_rng)
        cost = xi if xi < day else day - 1 + b
        expected = float(dist.expected_cost(xi, b=b))
        opt = float(min(xi, b))
        self._i += 1
        self._y = None
        if not self.defer_feedback:
            self.end_season(i)
        metrics = {"x": float(xi), "y": np.nan if obs.y is None else obs.y, "buy_day": float(day),
                   "cost": float(cost), "expected_cost": expected, "opt": opt, "ratio": expected / opt}
        return Step(SeasonOutcome(xi, int(day), int(cost)), metrics, self._i >= self.n_seasons)

    def end_season(self, i: int) -> None:
        """Season ``i`` is over: the predictor learns its length."""
        if self._i is None:
            raise PolicyError("SkiSeasons: call reset before end_season")
        i = check_int("i", i, low=0, high=self.n_seasons - 1)
        if self.predictor is not None:
            self.predictor.update(float(int(self.x[i])), features=self.z[i:i + 1])

    def __repr__(self):
        return f"SkiSeasons(b={self.b}, predictor={self.predictor!r}, n_seasons={self.n_seasons})"


def _example_seasons(rng=0, b: int = 20, n_seasons: int = 30, sigma: float = 5.0) -> SkiSeasons:
    """Thirty short seasons with Gaussian-noise predictions (the domain's example environment)."""
    return SkiSeasons(b, GaussianNoisePredictor(sigma, rng=rng), n_seasons=n_seasons,
                      seasons=SeasonModel(1.0, 4.0 * b, 2.0))


register_environment("ski_rental", _example_seasons,
                     description="30 seasons, b = 20, Gaussian-noise predictions.")


@dataclass(frozen=True)
class SkiRentalRun:
    """Per-agent records of one :func:`simulate_ski_rental` run (arrays in arrival order)."""

    b: int
    arrival: np.ndarray
    x: np.ndarray
    y: np.ndarray
    buy_day: np.ndarray
    cost: np.ndarray
    expected_cost: np.ndarray
    opt: np.ndarray

    @property
    def n(self) -> int:
        """Number of agents."""
        return int(self.x.size)

    @property
    def ratio(self) -> np.ndarray:
        """Exact expected ratio ``E cost / OPT`` of each agent."""
        return self.expected_cost / self.opt

    @property
    def error(self) -> np.ndarray:
        """Prediction errors ``|y - x|``."""
        return np.abs(self.y - self.x)


def simulate_ski_rental(policy: PolicyLike, predictor: Predictor | None, *, b: int, n_agents: int, rng: RngLike,
                        arrival_rate: float = 2.0, seasons: SeasonModel | None = None) -> SkiRentalRun:
    """Simulate ``n_agents`` skiers day by day on the SimPy engine.

    Parameters
    ----------
    policy : SkiRentalPolicy, callable or str
        The buy rule every agent follows.
    predictor : Predictor or None
        Source of predictions (``None``: agents get no prediction, for classical rules).
    b : int
        Buy price.
    n_agents : int
        Number of agents.
    rng : numpy.random.Generator or int
        Root randomness (``Simulation(rng=rng)``); arrivals, seasons,
        predictions and buy days use separate named streams derived from it.
    arrival_rate : float
        Agents arriving per day.
    seasons : SeasonModel, optional
        Season and feature distribution (default ``SeasonModel()``).

    Returns
    -------
    SkiRentalRun
    """
    policy = check_policy("policy", policy, "ski_rental")
    if predictor is not None and not isinstance(predictor, Predictor):
        raise InputTypeError(f"predictor must be a Predictor or None, got {type(predictor).__name__}")
    if predictor is None and "predictions" in policy.spec.needs:
        raise ValidationError(f"policy {policy!r} needs a prediction: predictor must not be None")
    b = check_price(b)
    # the seasons' arrays, the records and the live SimPy processes
    n = check_count("n_agents", n_agents, bytes_each=256)
    arrival_rate = check_real("arrival_rate", arrival_rate, low=0.0, low_open=True)
    env = SkiSeasons(b, predictor, n_seasons=n, seasons=seasons, defer_feedback=True)
    sim = Simulation(rng=rng)
    env.reset_streams(sim.streams)
    with np.errstate(over="ignore"):
        gaps = sim.rng("arrivals").exponential(1.0 / arrival_rate, n)
    if not np.isfinite(gaps.sum()):
        raise ValidationError(f"arrival_rate={arrival_rate!r} is too small: arrival times overflow float64")
    out = {k: np.zeros(n) for k in ("arrival", "y", "buy_day", "cost", "expected_cost")}
    policy.reset()

    def agent(i):
        # Agents arrive in index order and observe-decide-step at once, so the env is at season i.
        out["arrival"][i] = sim.now
        observation = env.observe()
        step = env.step(policy.decide(observation))
        policy.update(step.feedback)
        xi, day = step.feedback.x, step.feedback.buy_day
        out["y"][i] = step.metrics["y"]
        out["buy_day"][i] = day
        out["expected_cost"][i] = step.metrics["expected_cost"]
        # Rent on days 1..min(day - 1, xi), buy on day ``day`` if the season is still on, then own the skis to
        # its end. Nothing happens between those instants, so the process jumps instead of stepping day by day
        # (a season or buy day of 10**9 days costs three events, not 10**9).
        rented = min(day - 1, xi)
        if rented:
            yield sim.timeout(float(rented))
        cost = rented
        if day <= xi:
            cost += b
            yield sim.timeout(xi - day + 1)
        out["cost"][i] = cost
        env.end_season(i)

    def arrivals():
        for i in range(n):
            yield sim.timeout(gaps[i])
            sim.process(agent(i))

    sim.process(arrivals())
    sim.run()
    return SkiRentalRun(b=b, arrival=out["arrival"], x=env.x, y=out["y"], buy_day=out["buy_day"],
                        cost=out["cost"], expected_cost=out["expected_cost"], opt=np.minimum(env.x, b))
