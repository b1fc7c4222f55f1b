r"""``stratsim/SkiRental-v0`` and ``stratsim/Scheduling-v0``: online problems with predictions.

Thin adapters over :class:`agents.online.SkiSeasons` and
:class:`agents.online.SchedulingServer` (Purohit, Svitkina, Kumar 2018;
REFERENCE section 2), so a learned policy meets exactly the instances on which
the toolkit computes the rules' consistency and robustness.

``SkiRental-v0``: one step is one ski season (``n_seasons`` per episode). Buying
costs ``b`` days of rent; the season's length ``x`` is drawn by a
:class:`~agents.online.SeasonModel` (default: uniform-ish on ``1..4b``) and
unknown when deciding.

- observation ``Box(0, inf, (1,))``: the prediction ``y`` of this season's
  length (Gaussian noise of scale ``sigma`` around ``x``, clipped at 0; exact
  when ``sigma = 0``);
- action ``Discrete(max_day, start=1)``: the day ``d`` at whose start to buy
  (rent on days ``1..d-1``; ``d = max_day``, default ``4b``, is the latest
  choice, "never" for seasons shorter than it);
- reward: minus the season's cost, ``x`` if ``x < d`` else ``d - 1 + b``
  (:func:`agents.online.ski.ski_cost`); ``info`` carries ``opt = min(x, b)``
  (OPT), ``x``, ``y``, ``cost`` and ``ratio = cost / opt``. The episode
  terminates after the last season.

``Scheduling-v0``: ``n_jobs`` jobs released together at time 0 with Pareto
sizes (``alpha``, minimum 1) unknown until they finish, and noisy predictions;
one preemptive unit-speed server. A step runs from one event (a completion)
to the next.

- observation ``Dict``: ``prediction`` (every job's predicted size),
  ``attained`` (the service each job has received), ``alive`` (``MultiBinary``:
  not yet finished) and ``time``;
- action ``Box(0, 1, (n_jobs,))``: weights; the alive jobs share the server in
  proportion to them (all zero: equally), so every action is a valid,
  work-conserving allocation (weights of finished jobs are ignored);
- reward: minus ``C_j`` summed over the jobs finishing at this event (the
  server's ``completion_time`` metric), so the return is minus the total
  completion time; ``info`` carries ``opt`` (the clairvoyant optimum, SPT on
  the true sizes), ``time``, ``completed``, ``alive`` and ``served``. The
  episode terminates when every job has finished.

Examples
--------
>>> import gymnasium as gym
>>> import agents.envs
>>> env = gym.make("stratsim/Scheduling-v0", n_jobs=3)
>>> obs, info = env.reset(seed=1)
>>> total, done = 0.0, False
>>> while not done:
...     obs, reward, terminated, truncated, info = env.step(np.ones(3))    # round robin
...     total, done = total + reward, terminated
>>> bool(-total >= info["opt"]), obs["alive"].tolist()
(True, [0, 0, 0])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from agents.online.jobs import JobSet, opt_batch_cost, pareto_sizes
from agents.online.predictors import ExactPredictor, GaussianNoisePredictor
from agents.online.scheduling import SchedObservation, check_allocation
from agents.online.server import SchedulingServer
from agents.online.ski import SkiObservation, as_buy_days
from agents.online.ski_sim import SeasonModel, SkiSeasons
from sim.errors import InputTypeError
from sim.validate import check_int, check_real

from .core import ToolkitEnv

__all__ = ["SchedulingEnv", "SkiRentalEnv"]

#: The most seasons of an episode, and the latest buy day, the adapter accepts.
MAX_SEASONS = 10**6
MAX_DAY = 10**6
#: The most jobs of a scheduling episode (its spaces are per job).
MAX_JOBS = 10**4


class SkiRentalEnv(ToolkitEnv):
    """Ski seasons with predictions as a Gymnasium environment (see the module docstring).

    Parameters
    ----------
    b : int
        Buy price in days of rent (>= 1).
    n_seasons : int
        Seasons per episode (>= 2).
    sigma : float
        Scale of the Gaussian prediction noise (>= 0; 0: exact predictions).
    seasons : SeasonModel, optional
        Season law (default ``SeasonModel(1, 4 b, 2)``).
    max_day : int, optional
        Latest buy day of the action space (default ``4 b``).
    """

    domain = "ski_rental"

    def __init__(self, *, b: int = 20, n_seasons: int = 30, sigma: float = 5.0,
                 seasons: SeasonModel | None = None, max_day: int | None = None) -> None:
        super().__init__()
        self.b = check_int("b", b, low=1, high=MAX_DAY)
        self.n_seasons = check_int("n_seasons", n_seasons, low=2, high=MAX_SEASONS)
        self.sigma = check_real("sigma", sigma, low=0.0)
        if seasons is not None and not isinstance(seasons, SeasonModel):
            raise InputTypeError(f"seasons must be a SeasonModel or None, got {type(seasons).__name__}")
        self.max_day = check_int("max_day", 4 * self.b if max_day is None else max_day, low=1, high=MAX_DAY)
        predictor = ExactPredictor() if self.sigma == 0.0 else GaussianNoisePredictor(self.sigma)
        law = SeasonModel(1.0, 4.0 * self.b, 2.0) if seasons is None else seasons
        self._env = SkiSeasons(self.b, predictor, n_seasons=self.n_seasons, seasons=law)
        self.action_space = spaces.Discrete(self.max_day, start=1)
        self.observation_space = spaces.Box(0.0, np.inf, shape=(1,), dtype=np.float64)

    @property
    def toolkit_env(self) -> SkiSeasons:
        """The :class:`~agents.online.SkiSeasons` played."""
        return self._env

    def toolkit_observation(self) -> SkiObservation:
        """``(b, y)`` of the season to decide."""
        return self._env.observe()

    def _obs(self) -> np.ndarray:
        return np.array([self._env.observe().y], dtype=np.float64)

    def _start(self, rng: np.random.Generator):
        # the Generator itself: the seasons, predictions and buy days of rollout(SkiSeasons, ..., rng=seed)
        self._env.reset(rng)
        return self._obs(), {}

    def _advance(self, action):
        step = self._env.step(int(action))
        mt = step.metrics
        info = {"x": mt["x"], "y": mt["y"], "cost": mt["cost"], "opt": mt["opt"], "ratio": mt["cost"] / mt["opt"]}
        obs = np.zeros(1) if step.done else self._obs()
        return obs, -mt["cost"], bool(step.done), False, info, step.feedback

    def encode(self, decision: Any, rng: np.random.Generator) -> int:
        """A buy day (or :class:`~agents.online.ski.BuyDays`) as an action.

        A distribution is sampled with ``rng``; days beyond ``max_day`` become ``max_day``.
        """
        day = as_buy_days(decision, "the ski rental policy").sample(rng)
        return int(min(int(day), self.max_day))

    def __repr__(self) -> str:
        return f"SkiRentalEnv(b={self.b}, n_seasons={self.n_seasons}, sigma={self.sigma})"


class SchedulingEnv(ToolkitEnv):
    """Non-clairvoyant batch scheduling with predictions as a Gymnasium environment (see the module docstring).

    Parameters
    ----------
    n_jobs : int
        Jobs per episode (>= 2).
    alpha : float
        Pareto shape of the sizes (> 0; minimum size 1).
    sigma : float
        Scale of the Gaussian prediction noise (>= 0; 0: exact predictions).
    """

    domain = "scheduling"

    def __init__(self, *, n_jobs: int = 5, alpha: float = 1.1, sigma: float = 1.0) -> None:
        super().__init__()
        self.n_jobs = check_int("n_jobs", n_jobs, low=2, high=MAX_JOBS)
        self.alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        self.sigma = check_real("sigma", sigma, low=0.0)
        self._predictor = ExactPredictor() if self.sigma == 0.0 else GaussianNoisePredictor(self.sigma)
        n = self.n_jobs
        self._server = SchedulingServer(JobSet.batch(np.ones(n), predictions=np.ones(n)))
        self.action_space = spaces.Box(0.0, 1.0, shape=(n,), dtype=np.float64)
        self.observation_space = spaces.Dict({
            "prediction": spaces.Box(0.0, np.inf, shape=(n,), dtype=np.float64),
            "attained": spaces.Box(0.0, np.inf, shape=(n,), dtype=np.float64),
            "alive": spaces.MultiBinary(n),
            "time": spaces.Box(0.0, np.inf, shape=(1,), dtype=np.float64),
        })
        self.opt = float("nan")
        self._finished = np.zeros(n, dtype=bool)

    @property
    def toolkit_env(self) -> SchedulingServer:
        """The :class:`~agents.online.SchedulingServer` of the current episode."""
        return self._server

    def toolkit_observation(self) -> SchedObservation:
        """The alive jobs as a non-clairvoyant policy sees them."""
        return self._server.observe()

    def _obs(self) -> dict[str, np.ndarray]:
        s = self._server
        o = s.observe()
        attained = np.zeros(self.n_jobs)
        # a finished job has received its whole size (which is then known)
        attained[self._finished] = s.jobs.sizes[self._finished]
        attained[o.ids] = o.attained
        alive = np.zeros(self.n_jobs, dtype=np.int8)
        alive[o.ids] = 1
        return {"prediction": s.jobs.predictions.astype(np.float64), "attained": attained, "alive": alive,
                "time": np.array([s.now], dtype=np.float64)}

    def _start(self, rng: np.random.Generator):
        n = self.n_jobs
        x = pareto_sizes(n, rng, alpha=self.alpha, minimum=1.0)
        y = np.maximum(np.asarray(self._predictor.predict(x, rng), dtype=np.float64), 0.0)
        self._server = SchedulingServer(JobSet.batch(x, predictions=y))
        self._server.reset(None)
        self._finished = np.zeros(n, dtype=bool)
        self.opt = float(opt_batch_cost(x))
        return self._obs(), {"opt": self.opt}

    def rates(self, action: Any) -> np.ndarray:
        """The alive jobs' rates (in the server's order) that ``action`` stands for."""
        ids = self._server.observe().ids
        w = np.asarray(action, dtype=np.float64)[ids]
        total = float(w.sum())
        if total <= 0.0:
            return np.full(ids.size, 1.0 / ids.size)
        return w / total

    def _advance(self, action):
        step = self._server.step(self.rates(action))
        self._finished[step.feedback] = True
        mt = step.metrics
        info = {"opt": self.opt, "time": mt["time"], "completed": mt["completed"], "alive": mt["alive"],
                "served": mt["served"]}
        return self._obs(), -mt["completion_time"], bool(step.done), False, info, step.feedback

    def encode(self, decision: Any, rng: np.random.Generator) -> np.ndarray:
        """A scheduling decision (rates or an Allocation) as weights (a re-decision time is dropped)."""
        o = self._server.observe()
        rates, _ = check_allocation(decision, o.ids.size, o.time)
        action = np.zeros(self.n_jobs)
        action[o.ids] = np.clip(rates, 0.0, 1.0)
        return action

    def __repr__(self) -> str:
        return f"SchedulingEnv(n_jobs={self.n_jobs}, alpha={self.alpha}, sigma={self.sigma})"
