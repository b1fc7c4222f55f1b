r"""The bandit protocol in rounds: a learner against a :class:`BanditMarket`.

:func:`run_bandit` is :func:`sim.environment.rollout` on a
:class:`~agents.matching.envs.BanditEnv`, with the checks of a public entry point.

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
>>> tr.cumulative("instability").shape     # the regret R_t
(300,)
"""

from __future__ import annotations

import math

import numpy as np

from sim.environment import Rollout, rollout
from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy
from sim.random import RngLike
from sim.validate import check_int

from .checks import check_memory
from .environment import BanditMarket
from .envs import BanditEnv

__all__ = ["run_bandit", "log_grid", "ROUND_BYTES"]

#: Memory one round of :func:`run_bandit` holds until it returns (five metrics and their times, recorded as
#: Python floats in a :class:`sim.recorder.Recorder` and then as arrays), rounded up.
ROUND_BYTES = 512


def run_bandit(market: BanditMarket, learner: Policy, T: int, rng: RngLike) -> Rollout:
    """Run ``learner`` on ``market`` for ``T`` rounds: ``rollout(BanditEnv(market), learner, T, rng=rng)``.

    Parameters
    ----------
    market : BanditMarket
        The true market (ids of its agents are the learner's ids).
    learner : sim.policy.Policy
        A matching learner (domain ``"matching"``) sized for the market.
    T : int
        Number of rounds (>= 1); the run must fit in memory (about
        :data:`ROUND_BYTES` bytes a round).
    rng : numpy.random.Generator or int
        Source of arrivals and feedback noise (the learner has its own).

    Returns
    -------
    sim.environment.Rollout
        Per-round metrics ``instability``, ``welfare_regret``, ``welfare``,
        ``customer_payoff``, ``provider_payoff`` (see :mod:`agents.matching.envs`);
        the regret :math:`R_t` is ``out.cumulative("instability")``.

    Notes
    -----
    Every learner of :mod:`agents.matching.learners` (with or without absences)
    runs as one compiled loop (:mod:`agents.matching.compiled`), several times
    faster than the round-by-round loop and identical to it bit for bit:
    trajectory, the learner's final state and the generators' final states.

    Examples
    --------
    >>> from agents.matching import MatchUCB, random_market
    >>> run_bandit(random_market(2, 2), MatchUCB(2, 2), 10**12, rng=0)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: T = 1000000000000 would need ... of working memory for its arrays, ...
    """
    if not isinstance(market, BanditMarket):
        raise InputTypeError(f"market must be a BanditMarket, got {type(market).__name__}")
    if not isinstance(learner, Policy) or getattr(learner, "domain", None) != "matching":
        raise InputTypeError(f"learner must be a matching Policy, got {learner!r}")
    T = check_int("T", T, low=1)
    check_memory("T", T, T * ROUND_BYTES)
    size = (getattr(learner, "customers", None), getattr(learner, "providers", None))
    if size != market.shape and not getattr(learner, "allows_repeats", False):
        raise ValidationError(f"learner is sized {size} but the market is {market.shape}")
    return rollout(BanditEnv(market), learner, T, rng=rng)


def log_grid(T: int, points: int = 30) -> np.ndarray:
    """About ``points`` round indices ``1..T`` spaced evenly in log scale (always ending at ``T``).

    Examples
    --------
    >>> log_grid(1000, 5).tolist()
    [1, 6, 32, 178, 1000]
    """
    # indices are int64 and pass through float64: beyond 2**53 they would no longer end exactly at T
    T = check_int("T", T, low=1, high=2**53)
    points = check_int("points", points, low=2)
    check_memory("points", points, 8 * points * 4)
    g = np.round(np.logspace(0, math.log10(T), points)).astype(np.int64)
    g[-1] = T
    return np.unique(g)
