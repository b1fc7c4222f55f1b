r"""The bandit protocol in rounds: a learner against a :class:`BanditMarket`.

Round :math:`t = 1..T`: agents arrive, the learner decides an outcome, the
market returns semi-bandit feedback and the learner updates. Per round we record
the Subset Instability :math:`I(X_t, \tau_t; u)` on the true utilities (the
regret increment, :math:`R_T = \sum_t I_t`), the welfare regret
:math:`\max_X W(X) - W(X_t)` (a lower bound on :math:`I_t`), and the true
payoffs summed over each side.

Examples
--------
>>> from agents.matching import MatchUCB, random_market, run_bandit
>>> mk = random_market(4, 4, rng=0)
>>> tr = run_bandit(mk, MatchUCB(4, 4, horizon=300), 300, rng=1)
>>> tr.instability.shape, bool(tr.instability.min() >= 0)
((300,), True)
>>> bool(tr.instability[-50:].mean() < tr.instability[:50].mean())
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy
from sim.random import make_rng
from sim.validate import check_int

from ._fused import run_matchucb, supports
from .environment import BanditMarket

__all__ = ["Trajectory", "run_bandit", "log_grid"]


class Trajectory(NamedTuple):
    """Per-round metrics of one run (arrays of length ``T``)."""

    instability: np.ndarray
    welfare_regret: np.ndarray
    welfare: np.ndarray
    customer_payoff: np.ndarray
    provider_payoff: np.ndarray

    def regret(self):
        """Cumulative regret :math:`R_t = \\sum_{s \\le t} I_s`."""
        return np.cumsum(self.instability)


def run_bandit(market, learner, T, rng):
    """Run ``learner`` on ``market`` for ``T`` rounds.

    Parameters
    ----------
    market : BanditMarket
        The true market (ids of its agents are the learner's ids).
    learner : sim.policy.Policy
        A matching learner (domain ``"matching"``) sized for the market.
    T : int
        Number of rounds (>= 1).
    rng : numpy.random.Generator or int
        Source of arrivals and feedback noise (the learner has its own).

    Returns
    -------
    Trajectory

    Notes
    -----
    A plain :class:`MatchUCB` on a market where everyone is present every
    round runs as one compiled loop (:mod:`agents.matching._fused`), about 10
    times faster than this round-by-round loop and identical to it bit for bit:
    trajectory, the learner's final statistics and the generator's final state.
    """
    if not isinstance(market, BanditMarket):
        raise InputTypeError(f"market must be a BanditMarket, got {type(market).__name__}")
    if not isinstance(learner, Policy) or getattr(learner, "domain", None) != "matching":
        raise InputTypeError(f"learner must be a matching Policy, got {learner!r}")
    T = check_int("T", T, low=1)
    size = (getattr(learner, "customers", None), getattr(learner, "providers", None))
    if size != market.shape and not getattr(learner, "allows_repeats", False):
        raise ValidationError(f"learner is sized {size} but the market is {market.shape}")
    rng = make_rng(rng)
    out = np.zeros((5, T))
    if supports(market, learner):  # the same rounds, compiled (see agents.matching._fused)
        run_matchucb(market, learner, T, rng, out)
        return Trajectory(out[0], out[1], out[2], out[3], out[4])
    decide, update, play, observe = learner.decide, learner.update, market.play, market.observe
    static = market.arrival >= 1.0
    opt = market.optimal_welfare()
    for t in range(T):
        obs = observe(rng)
        fb, metrics = play(obs, decide(obs), rng)
        update(fb)
        if not static:
            opt = market.optimal_welfare(obs)
        out[0, t], out[2, t], out[3, t], out[4, t] = metrics
        out[1, t] = opt - metrics[1]
    return Trajectory(out[0], out[1], out[2], out[3], out[4])


def log_grid(T, points=30):
    """About ``points`` round indices ``1..T`` spaced evenly in log scale (always ending at ``T``).

    Examples
    --------
    >>> log_grid(1000, 5).tolist()
    [1, 6, 32, 178, 1000]
    """
    T = check_int("T", T, low=1)
    points = check_int("points", points, low=2)
    g = np.unique(np.round(np.logspace(0, np.log10(T), points)).astype(np.int64))
    return g
