"""Platforms that learn stable matchings with transfers from bandit feedback.

Model, algorithms and bounds: Jagadeesan, Wei, Wang, Jordan, Steinhardt,
"Learning Equilibria in Matching Markets from Bandit Feedback" (NeurIPS 2021),
and for the NTU market Liu, Mania, Jordan, "Competing bandits in matching
markets" (AISTATS 2020); see REFERENCE section 1.

Modules:

- :mod:`~agents.matching.types`: observation, decision and feedback records.
- :mod:`~agents.matching.environment`: :class:`BanditMarket` (true utilities,
  Gaussian or Bernoulli feedback, random arrivals) and :func:`random_market`
  (unstructured, typed or separable linear preferences).
- :mod:`~agents.matching.learners`: MatchUCB and its typed and linear variants,
  explore-then-commit, epsilon-greedy, Thompson sampling (registered as
  ``match.ucb``, ``match.ucb_typed``, ``match.ucb_linear``, ``match.etc``,
  ``match.eps_greedy``, ``match.thompson``).
- :mod:`~agents.matching.envs`: :class:`BanditEnv`, the bandit market as a
  :class:`sim.environment.Environment` (per-round Subset Instability, welfare
  regret and payoffs).
- :mod:`~agents.matching.loop`: :func:`run_bandit`, :func:`sim.environment.rollout`
  of a learner on a :class:`BanditEnv`.
- :mod:`~agents.matching.ntu`: the NTU market of Liu et al. with centralized UCB
  and explore-then-commit over deferred acceptance (``match_ntu.ucb``,
  ``match_ntu.etc``) and player-optimal / player-pessimal stable regret.
- :mod:`~agents.matching.live`: a live market as a discrete-event simulation
  (Poisson arrivals, random stays, batch clearing on a schedule).

Examples
--------
>>> from agents.matching import MatchUCB, ExploreThenCommit, random_market, run_bandit
>>> mk = random_market(3, 3, rng=0)
>>> r_ucb = run_bandit(mk, MatchUCB(3, 3, horizon=400), 400, rng=1).cumulative("instability")[-1]
>>> bool(r_ucb > 0)
True
"""

from .environment import NOISES, STRUCTURES, BanditMarket, random_market
from .envs import BanditEnv
from .learners import (
    EpsilonGreedy,
    ExploreThenCommit,
    LinearMatchUCB,
    MatchingLearner,
    MatchUCB,
    ThompsonSampling,
    TypedMatchUCB,
)
from .live import LiveMarketResult, simulate_live
from .loop import log_grid, run_bandit
from .ntu import (
    CentralizedUCB,
    NTUEnv,
    NTUExploreThenCommit,
    NTUMarket,
    liu_market,
    run_ntu,
)
from .types import MatchingDecision, MatchingFeedback, MatchingObservation, NTUObservation

__all__ = [
    "BanditMarket",
    "random_market",
    "STRUCTURES",
    "NOISES",
    "MatchingLearner",
    "MatchUCB",
    "TypedMatchUCB",
    "LinearMatchUCB",
    "ExploreThenCommit",
    "EpsilonGreedy",
    "ThompsonSampling",
    "run_bandit",
    "BanditEnv",
    "log_grid",
    "MatchingObservation",
    "MatchingDecision",
    "MatchingFeedback",
    "NTUObservation",
    "NTUMarket",
    "liu_market",
    "CentralizedUCB",
    "NTUExploreThenCommit",
    "run_ntu",
    "NTUEnv",
    "simulate_live",
    "LiveMarketResult",
]
