r"""The matching markets as :class:`sim.environment.Environment`\ s.

:class:`BanditEnv` (domain ``"matching"``) wraps a :class:`BanditMarket`: each
step observes the round's present agents (drawn from the environment's
generator), plays the learner's outcome and returns the semi-bandit feedback
with the round's metrics on the true utilities:

* ``instability``: Subset Instability :math:`I(X_t, \tau_t; u)` (the regret increment);
* ``welfare_regret``: :math:`\max_X W(X) - W(X_t)` over the present agents;
* ``welfare``: :math:`W(X_t)`;
* ``customer_payoff`` / ``provider_payoff``: the true payoffs summed over each side.

Its :meth:`~BanditEnv.context` names what a learner constructor may take from
it (``customers``, ``providers``, ``horizon``, ``customer_types``,
``provider_types``, ``customer_features``, ``provider_features``, ``sigma``),
and :attr:`~BanditEnv.provides` says whether the market carries types or
features, so :func:`sim.registry.make_policy` builds any matching learner for it.

Examples
--------
>>> from agents.matching import random_market
>>> from sim.environment import rollout
>>> from sim.registry import make_policy
>>> env = BanditEnv(random_market(4, 4, structure="typed", types=2, rng=0), horizon=100)
>>> sorted(env.provides)
['types']
>>> out = rollout(env, make_policy("match.ucb_typed", env), rng=1)
>>> out.steps, out.metric_names[:2]
(100, ['instability', 'welfare_regret'])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.environment import Environment, Step
from sim.errors import InputTypeError
from sim.policy import Policy
from sim.random import RngLike
from sim.registry import register_environment
from sim.validate import check_int

from .checks import check_generator, check_memory, pair_array_bytes
from .compiled import run_compiled
from .environment import BanditMarket, random_market
from .types import MatchingDecision, MatchingObservation

__all__ = ["BanditEnv", "METRICS", "compiled_bandit", "example_bandit_env"]

#: Per-round metrics of :class:`BanditEnv`, in recording order.
METRICS = ("instability", "welfare_regret", "welfare", "customer_payoff", "provider_payoff")


def compiled_bandit(market: BanditMarket, learner: Policy, T: int, rng: np.random.Generator,
                    out: np.ndarray) -> bool:
    """Run ``T`` rounds compiled into ``out[5, T]`` (rows as :data:`METRICS`) if a compiled loop applies.

    Returns ``False`` having touched nothing when no compiled loop reproduces
    the step loop for this market and learner.
    """
    return run_compiled(market, learner, T, rng, out)


class BanditEnv(Environment):
    """A :class:`BanditMarket` seen by a matching learner (see the module docstring).

    Parameters
    ----------
    market : BanditMarket
        The true market.
    horizon : int, optional
        Rounds of an episode (>= 1): enters :meth:`context` and ends the
        episode (``rollout(env, learner, rng=...)`` with no step count). ``None``:
        no end; give :func:`sim.environment.rollout` a step count.
    """

    domain = "matching"

    def __init__(self, market: BanditMarket, horizon: int | None = None) -> None:
        if not isinstance(market, BanditMarket):
            raise InputTypeError(f"market must be a BanditMarket, got {type(market).__name__}")
        self.market = market
        self.horizon = None if horizon is None else check_int("horizon", horizon, low=1)
        caps = set()
        if market.customer_types is not None and market.provider_types is not None:
            caps.add("types")
        if market.customer_features is not None:
            caps.add("features")
        self.provides = frozenset(caps)
        self.rng = None
        self._obs = None
        self._t = 0

    def context(self) -> dict[str, Any]:
        """``customers``, ``providers``, ``sigma``; ``horizon`` if set; types and features if the market has them."""
        mk = self.market
        m, n = mk.shape
        ctx: dict[str, Any] = {"customers": m, "providers": n, "sigma": mk.sigma}
        if self.horizon is not None:
            ctx["horizon"] = self.horizon
        if "types" in self.provides:
            ctx["customer_types"] = mk.customer_types
            ctx["provider_types"] = mk.provider_types
        if "features" in self.provides:
            ctx["customer_features"] = mk.customer_features
            ctx["provider_features"] = mk.provider_features
        return ctx

    def reset(self, rng: np.random.Generator) -> None:
        """Start an episode: arrivals and feedback noise come from ``rng``."""
        check_generator("rng", rng)
        self.rng = rng
        self._obs = None
        self._t = 0
        self._static = self.market.arrival >= 1.0
        self._opt = self.market.optimal_welfare()

    def observe(self) -> MatchingObservation:
        """The round's present agents (a :class:`~agents.matching.types.MatchingObservation`)."""
        self._obs = self.market.observe(self.rng)
        return self._obs

    def step(self, decision: MatchingDecision) -> Step:
        """Play ``decision`` on the observed agents: feedback and the round's metrics."""
        obs = self._obs
        feedback, (inst, welfare, cust, prov) = self.market.play(obs, decision, self.rng)
        opt = self._opt if self._static else self.market.optimal_welfare(obs)
        self._t += 1
        metrics = {"instability": inst, "welfare_regret": opt - welfare, "welfare": welfare,
                   "customer_payoff": cust, "provider_payoff": prov}
        return Step(feedback, metrics, self.horizon is not None and self._t >= self.horizon)

    def compiled_rollout(self, policy: Policy, steps: int | None) -> Mapping[str, np.ndarray] | None:
        """The compiled loop's metrics when it applies to this market and ``policy`` (else ``None``)."""
        T = self.horizon if steps is None else steps if self.horizon is None else min(steps, self.horizon)
        if T is None or self._t != 0:
            return None
        out = np.zeros((len(METRICS), T))
        if not compiled_bandit(self.market, policy, T, self.rng, out):
            return None
        self._t = T
        return dict(zip(METRICS, out))

    def __repr__(self):
        return f"BanditEnv({self.market!r}, horizon={self.horizon})"


def example_bandit_env(rng: RngLike = 0, *, customers: int = 4, providers: int = 4, horizon: int = 50,
                       arrival: float = 1.0) -> BanditEnv:
    """The matching domain's example environment: a small linear market that also provides types.

    Every agent is its own type (true of any market), and the market has
    features, so every matching learner, whatever its ``spec.needs``, can be
    built for it.

    Examples
    --------
    >>> env = example_bandit_env(rng=0)
    >>> sorted(env.provides), env.market.shape, env.horizon
    (['features', 'types'], (4, 4), 50)
    """
    m = check_int("customers", customers, low=1)
    n = check_int("providers", providers, low=1)
    check_memory("customers, providers", (m, n), pair_array_bytes(m, n, 10))
    base = random_market(m, n, structure="linear", dim=2, rng=rng, arrival=arrival)
    market = BanditMarket(base.customer_utils, base.provider_utils, structure="linear", arrival=base.arrival,
                          sigma=base.sigma, customer_types=np.arange(m), provider_types=np.arange(n),
                          customer_features=base.customer_features, provider_features=base.provider_features)
    return BanditEnv(market, horizon=horizon)


register_environment("matching", example_bandit_env,
                     description="A 4 x 4 linear bandit market with features and one type per agent; horizon 50.")
