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

Examples
--------
>>> from agents.online.ski import PurohitRandomized
>>> from agents.online.predictors import LearnedPredictor
>>> run = simulate_ski_rental(PurohitRandomized(0.5), LearnedPredictor(), b=20,
...                           n_agents=50, rng=0)
>>> run.n, bool(np.all(run.cost >= run.opt))
(50, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine import Simulation
from sim.errors import InputTypeError
from sim.policy import as_policy
from sim.random import make_rng
from sim.registry import load_policy
from sim.validate import check_int, check_real

from .predictors import Predictor
from .ski import SkiObservation, as_buy_days

__all__ = ["SeasonModel", "SkiRentalRun", "simulate_ski_rental"]


class SeasonModel:
    """Seasons ``x = max(1, round(low + (high - low) z + N(0, noise)))`` with feature ``z ~ U(0, 1)``.

    With ``noise = 0`` the feature determines the season; the noise is the part
    no predictor can learn.

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

    def __init__(self, low: float = 1.0, high: float = 400.0, noise: float = 25.0):
        self.low = check_real("low", low, low=0.0)
        self.high = check_real("high", high, low=self.low)
        self.noise = check_real("noise", noise, low=0.0)

    def draw(self, n: int, rng):
        """``n`` seasons and their features: ``(x, z)`` with ``z`` of shape ``(n, 1)``."""
        rng = make_rng(rng)
        z = rng.random(n)
        x = np.round(self.low + (self.high - self.low) * z + self.noise * rng.standard_normal(n))
        return np.maximum(x, 1.0), z[:, None]

    def __repr__(self):
        return f"SeasonModel(low={self.low}, high={self.high}, noise={self.noise})"


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


def simulate_ski_rental(policy, predictor: Predictor | None, *, b: int, n_agents: int, rng,
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
        Root randomness; arrivals, seasons, predictions and buy days use separate
        named streams derived from it.
    arrival_rate : float
        Agents arriving per day.
    seasons : SeasonModel, optional
        Season and feature distribution (default ``SeasonModel()``).

    Returns
    -------
    SkiRentalRun
    """
    if isinstance(policy, str):
        policy = load_policy(policy)
    policy = as_policy(policy, domain="ski_rental")
    if predictor is not None and not isinstance(predictor, Predictor):
        raise InputTypeError(f"predictor must be a Predictor or None, got {type(predictor).__name__}")
    b = check_int("b", b, low=1)
    n = check_int("n_agents", n_agents, low=1)
    arrival_rate = check_real("arrival_rate", arrival_rate, low=0.0, low_open=True)
    seasons = SeasonModel() if seasons is None else seasons
    seed = int(np.random.default_rng(rng).integers(2**63)) if isinstance(rng, np.random.Generator) else rng
    sim = Simulation(seed)
    x, z = seasons.draw(n, sim.rng("seasons"))
    gaps = sim.rng("arrivals").exponential(1.0 / arrival_rate, n)
    pred_rng, buy_rng = sim.rng("predictions"), sim.rng("buy_days")
    out = {k: np.zeros(n) for k in ("arrival", "y", "buy_day", "cost", "expected_cost")}
    if predictor is not None:
        predictor.reset()
    policy.reset()

    def agent(i):
        out["arrival"][i] = sim.now
        xi = int(x[i])
        y = None if predictor is None else predictor.predict(float(xi), pred_rng, features=z[i:i + 1])
        dist = as_buy_days(policy.decide(SkiObservation(b, y)), policy)
        day = dist.sample(buy_rng)
        out["y"][i] = np.nan if y is None else y
        out["buy_day"][i] = day
        out["expected_cost"][i] = float(dist.expected_cost(xi, b=b))
        cost = 0
        for d in range(1, xi + 1):            # the season is still on at the start of day d
            if d == day:
                cost += b
                yield sim.timeout(xi - d + 1)  # owns skis for the rest of the season
                break
            cost += 1
            yield sim.timeout(1.0)
        out["cost"][i] = cost
        if predictor is not None:
            predictor.update(float(xi), features=z[i:i + 1])

    def arrivals():
        for i in range(n):
            yield sim.timeout(gaps[i])
            sim.process(agent(i))

    sim.process(arrivals())
    sim.run()
    return SkiRentalRun(b=b, arrival=out["arrival"], x=x, y=out["y"], buy_day=out["buy_day"],
                        cost=out["cost"], expected_cost=out["expected_cost"], opt=np.minimum(x, b))
