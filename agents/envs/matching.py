r"""``stratsim/MatchingMarket-v0``: the platform's view of the bandit market with transfers.

A thin adapter over :class:`agents.matching.envs.BanditEnv` (Jagadeesan et al.
2021; REFERENCE section 1). ``m`` customers and ``n`` providers with unknown
pair utilities in ``[-1, 1]``; each round a random subset of them is present,
the platform picks an outcome (a matching and transfers), and every matched
agent reports its utility plus noise.

Spaces (every sampled action is a valid outcome):

- action ``Dict(partner=MultiDiscrete([n + 1] * m), transfer=Box(-1, 1, (m,)))``:
  ``partner[i]`` is the provider customer ``i`` is matched with (``n``: single)
  and ``transfer[i]`` what customer ``i`` pays its partner (the provider
  receives it: transfers are zero-sum on every pair by construction). Pairs
  are formed in customer order; a customer whose provider is absent or already
  taken by an earlier customer, or who is absent itself, stays single (so any
  vector is a matching). The bound 1 is no restriction: in a stable outcome of
  utilities in ``[-1, 1]`` every transfer lies in ``[-u_j(i), u_i(j)]``, inside
  ``[-1, 1]``, and MatchUCB's are there too (its optimistic utilities are
  clipped to ``[-1, 1]``);
- observation ``Dict``: ``present_customers`` / ``present_providers``
  (``MultiBinary``: who is present in the round to decide), ``partner`` (the
  last round's matching, as in the action), ``customer_reward`` /
  ``provider_reward`` (the last round's semi-bandit feedback: each matched
  agent's noisy utility for its partner, 0 for single agents; bounded by
  ``[-1, 1]`` for Bernoulli or noiseless feedback, unbounded for Gaussian).

Reward: minus the round's Subset Instability :math:`I(X_t, \tau_t; u)` on the
true utilities of the present agents (so the return is minus the regret
:math:`R_T`). ``info`` carries ``instability``, ``welfare_regret``,
``welfare`` and each side's summed true payoffs ``customer_payoff`` /
``provider_payoff``. The episode is ``truncated`` after ``horizon`` rounds:
the market itself never ends, the horizon is a time limit.

Examples
--------
>>> import gymnasium as gym
>>> import agents.envs
>>> env = gym.make("stratsim/MatchingMarket-v0", customers=3, providers=3, horizon=5)
>>> obs, info = env.reset(seed=0)
>>> sorted(obs), obs["present_customers"].tolist()
(['customer_reward', 'partner', 'present_customers', 'present_providers', 'provider_reward'], [1, 1, 1])
>>> action = {"partner": np.array([2, 0, 3]), "transfer": np.array([0.1, -0.2, 0.0])}
>>> obs, reward, terminated, truncated, info = env.step(action)
>>> obs["partner"].tolist(), bool(reward <= 0.0), round(-reward, 9) == round(info["instability"], 9)
([2, 0, 3], True, True)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from gymnasium import spaces

from agents.matching.environment import NOISES, STRUCTURES, BanditMarket, random_market
from agents.matching.envs import BanditEnv
from agents.matching.types import MatchingDecision, MatchingFeedback, MatchingObservation
from sim.errors import InputTypeError
from sim.random import RngLike
from sim.validate import check_choice, check_int, check_real

from .core import ToolkitEnv

__all__ = ["MatchingMarketEnv"]

#: The largest market (customers x providers) the adapter builds: its spaces are per agent.
MAX_AGENTS = 1000


class MatchingMarketEnv(ToolkitEnv):
    """The bandit matching market as a Gymnasium environment (see the module docstring).

    Parameters
    ----------
    customers, providers : int
        Market size (default 4 x 4; at most 1000 each).
    horizon : int
        Rounds of an episode (>= 2; the episode is truncated after it).
    structure, noise, sigma, arrival : optional
        Passed to :func:`agents.matching.random_market` (``"unstructured"``,
        Gaussian noise of scale 0.5, everyone present).
    rng : int or numpy.random.Generator
        Draws the market's true utilities, once, at construction (``reset``'s
        seed drives arrivals and noise).
    market : BanditMarket, optional
        A given market instead of a random one (then the size and law
        arguments must be left at their defaults).
    """

    domain = "matching"

    def __init__(self, *, customers: int = 4, providers: int = 4, horizon: int = 100,
                 structure: str = "unstructured", noise: str = "gaussian", sigma: float = 0.5,
                 arrival: float = 1.0, rng: RngLike = 0, market: BanditMarket | None = None) -> None:
        super().__init__()
        if market is None:
            m = check_int("customers", customers, low=1, high=MAX_AGENTS)
            n = check_int("providers", providers, low=1, high=MAX_AGENTS)
            check_choice("structure", structure, STRUCTURES)
            check_choice("noise", noise, NOISES)
            check_real("arrival", arrival, low=0.0, high=1.0, low_open=True)
            market = random_market(m, n, structure=structure, rng=rng, noise=noise, sigma=sigma, arrival=arrival)
        elif not isinstance(market, BanditMarket):
            raise InputTypeError(f"market must be a BanditMarket or None, got {type(market).__name__}")
        m, n = market.shape
        check_int("customers", m, high=MAX_AGENTS)
        check_int("providers", n, high=MAX_AGENTS)
        self.market = market
        self.horizon = check_int("horizon", horizon, low=2)
        self._env = BanditEnv(market, horizon=self.horizon)
        self.m, self.n = m, n
        bound = np.inf if market.noise == "gaussian" else 1.0
        self.action_space = spaces.Dict({
            "partner": spaces.MultiDiscrete(np.full(m, n + 1, dtype=np.int64)),
            "transfer": spaces.Box(-1.0, 1.0, shape=(m,), dtype=np.float64),
        })
        self.observation_space = spaces.Dict({
            "present_customers": spaces.MultiBinary(m),
            "present_providers": spaces.MultiBinary(n),
            "partner": spaces.MultiDiscrete(np.full(m, n + 1, dtype=np.int64)),
            "customer_reward": spaces.Box(-bound, bound, shape=(m,), dtype=np.float64),
            "provider_reward": spaces.Box(-bound, bound, shape=(n,), dtype=np.float64),
        })
        self._obs: MatchingObservation | None = None

    @property
    def toolkit_env(self) -> BanditEnv:
        """The :class:`~agents.matching.envs.BanditEnv` played."""
        return self._env

    def toolkit_observation(self) -> MatchingObservation:
        """The present agents of the round to decide."""
        return self._obs

    def _observation(self, feedback: MatchingFeedback | None) -> dict[str, np.ndarray]:
        m, n = self.m, self.n
        obs = self._obs
        pc = np.zeros(m, dtype=np.int8)
        pp = np.zeros(n, dtype=np.int8)
        if obs is not None:
            pc[obs.customers] = 1
            pp[obs.providers] = 1
        partner = np.full(m, n, dtype=np.int64)
        rc = np.zeros(m)
        rp = np.zeros(n)
        if feedback is not None and len(feedback.matching):
            o = feedback.observation
            ci = o.customers[feedback.matching[:, 0]]
            pj = o.providers[feedback.matching[:, 1]]
            partner[ci] = pj
            rc[ci] = feedback.customer_rewards
            rp[pj] = feedback.provider_rewards
        return {"present_customers": pc, "present_providers": pp, "partner": partner,
                "customer_reward": rc, "provider_reward": rp}

    def _start(self, rng: np.random.Generator):
        # the Generator itself, as run_bandit's rollout would use it: the same seed gives its trajectory
        self._env.reset(rng)
        self._obs = self._env.observe()
        return self._observation(None), {}

    def decision(self, action: dict[str, Any]) -> MatchingDecision:
        """The outcome an action stands for on the present agents (see the module docstring)."""
        obs = self._obs
        partner = np.asarray(action["partner"], dtype=np.int64)
        transfer = np.asarray(action["transfer"], dtype=np.float64)
        col = np.full(self.n, -1, dtype=np.int64)
        col[obs.providers] = np.arange(len(obs.providers))
        rows, cols, paid = [], [], []
        taken = np.zeros(self.n, dtype=bool)
        for r, i in enumerate(obs.customers):
            j = partner[i]
            if j < self.n and col[j] >= 0 and not taken[j]:
                taken[j] = True
                rows.append(r)
                cols.append(col[j])
                paid.append(transfer[i])
        k = len(rows)
        matching = np.array([rows, cols], dtype=np.int64).T.reshape(k, 2)
        # the platform's predicted payoffs are no part of an action (the market does not read them)
        return MatchingDecision(matching, np.array(paid, dtype=np.float64), np.zeros(obs.shape[0]),
                                np.zeros(obs.shape[1]))

    def _advance(self, action):
        step = self._env.step(self.decision(action))
        truncated = bool(step.done)
        if not truncated:
            self._obs = self._env.observe()
        obs = self._observation(step.feedback)
        if truncated:
            # nobody is waiting for a round that will not be played
            obs["present_customers"][:] = 0
            obs["present_providers"][:] = 0
        info = {name: float(v) for name, v in step.metrics.items()}
        return obs, -info["instability"], False, truncated, info, step.feedback

    def encode(self, decision: MatchingDecision, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """A :class:`~agents.matching.types.MatchingDecision` on the current round as an action.

        Transfers outside ``[-1, 1]`` are clipped into the space.
        """
        if not isinstance(decision, MatchingDecision):
            raise InputTypeError(f"decision must be a MatchingDecision, got {type(decision).__name__}")
        obs = self._obs
        partner = np.full(self.m, self.n, dtype=np.int64)
        transfer = np.zeros(self.m)
        mt = np.asarray(decision.matching, dtype=np.int64).reshape(-1, 2)
        ci = obs.customers[mt[:, 0]]
        partner[ci] = obs.providers[mt[:, 1]]
        transfer[ci] = np.clip(np.asarray(decision.transfers, dtype=np.float64), -1.0, 1.0)
        return {"partner": partner, "transfer": transfer}

    def __repr__(self) -> str:
        return f"MatchingMarketEnv({self.market!r}, horizon={self.horizon})"
