r"""Platforms that learn a stable outcome with transfers from bandit feedback.

Every learner here plays, each round, an outcome :math:`(X_t, \tau_t)` computed
by the *primal-dual step* on some utility estimate :math:`\tilde u`: solve the
assignment LP (P)/(D) on :math:`\tilde w = \tilde u_{\text{cust}} + \tilde
u_{\text{prov}}`, play the optimal matching and the transfers
:math:`\tau_a = p^*_a - \tilde u_a(\mu(a))` (so each agent's predicted payoff is
its dual :math:`p^*_a`; transfers are zero-sum on matched pairs by complementary
slackness). They differ in the estimate:

``MatchUCB`` (``match.ucb``; Jagadeesan et al. 2021, "optimism in the face of uncertainty")
    :math:`\tilde u` = the upper end of the confidence interval
    :math:`[\hat u - c\,\sigma \sqrt{\log(|A| T) / n},\ \hat u + c\,\sigma \sqrt{\log(|A| T)/n}]
    \cap [-1, 1]` (:math:`[-1, 1]` before the first observation), where
    :math:`n` counts the observations of the pair, :math:`|A| = m + n`,
    :math:`T` is the horizon and :math:`\sigma` the noise's sub-Gaussian
    constant (``sigma``: Gaussian noise of scale :math:`\sigma` has constant
    :math:`\sigma`; :math:`\pm 1` Bernoulli feedback, or any feedback in an
    interval of length 2, has constant 1). A Hoeffding interval for
    :math:`\sigma`-subgaussian noise at level :math:`\delta = 1/(|A| T)` has
    half-width :math:`\sigma\sqrt{2 \log(|A| T)/n}`: **default**
    ``c = "hoeffding"`` (:math:`\sqrt 2`) and ``sigma = 1.0`` (the paper's
    1-subgaussian noise; a learner built for a
    :class:`~agents.matching.envs.BanditEnv` takes the market's ``sigma``, so
    the width follows the noise it will see). ``c = "paper"`` is the constant
    :math:`c = 8` of the paper's analysis (a worst-case constant that only
    scales the regret up; the value is the project reference's reading of the
    paper: its confidence-set statement could not be retrieved for this check).
``TypedMatchUCB`` (``match.ucb_typed``)
    Agents of a type share utilities: estimates and counts are pooled per
    (customer type, provider type) pair, so there are far fewer intervals to
    learn. The regret still grows with the number of agents :math:`|A|` (more
    agents are matched, and can block, every round; measured here about
    :math:`|A|^{0.4}` with 3 types per side): pooling does not make it
    independent of :math:`|A|`. Ids may repeat in an observation (several present
    agents of one type).
``LinearMatchUCB`` (``match.ucb_linear``)
    Separable linear utilities :math:`u_a(b) = \langle \theta_a, x_b\rangle`
    with known features :math:`x`: per-agent ridge regression (:math:`\lambda`
    = ``ridge``) and the LinUCB index
    :math:`\hat\theta_a^\top x_b + c \sqrt{\log(|A| T)}\, \|x_b\|_{V_a^{-1}}`,
    clipped to :math:`[-1, 1]`. With one-hot features this is MatchUCB's width
    (up to the ridge).
``ExploreThenCommit`` (``match.etc``)
    ``explore`` rounds of uniform exploration (round-robin perfect matchings:
    customer :math:`i` meets provider :math:`(i + s) \bmod \max(m, n)`, so every
    pair is seen equally often) with zero transfers, then the primal-dual step
    on the empirical means for the rest of the run. **Default** ``explore =
    ceil(N (T/N)^{2/3})`` with :math:`N = \max(m, n)`, the classical
    :math:`T^{2/3}` tuning.
``EpsilonGreedy`` (``match.eps_greedy``)
    With probability :math:`\varepsilon_t = \min(1, \varepsilon\, t^{-1/3})`
    a uniformly random perfect matching with zero transfers, otherwise the
    primal-dual step on the empirical means (0 for unseen pairs).
``ThompsonSampling`` (``match.thompson``)
    The primal-dual step on a posterior sample: independent Gaussian posteriors
    per (agent, partner) utility from a :math:`N(0, 1)` prior and Gaussian
    likelihood of scale ``sigma``, sample clipped to :math:`[-1, 1]`.

Which core point the transfers price at (``point``, every learner). The
primal-dual step's matching is optimal for the estimated market, and any core
point of that market gives it transfers; the choice moves surplus between the
sides and changes the regret (the matching, hence what is learnt, does not
depend on it):

* ``"customer"``: the customer-optimal core point of the estimated market
  (every customer its largest core payoff, every provider its smallest);
* ``"provider"``: the provider-optimal one;
* ``"midpoint"`` (**default**, :data:`DEFAULT_POINT`): their midpoint, which
  gives every agent the middle of its range of core payoffs;
* ``"solver"``: whichever optimal dual the assignment solver ends at (neither
  extreme in general; with all indices capped at 1 it sets customer payoffs to
  0).

The extremes are computed from the solver's point by shortest paths
(:mod:`markets.core_kernels`), inside the same compiled kernels. Measured on
the default market (``random_market()``, 5 x 5, Gaussian noise
:math:`\sigma = 0.5`, T = 2000, 8 replications): the midpoint has the lowest
regret for every learner: MatchUCB 741 (customer 792, solver 845, provider
868), explore-then-commit 1254 (1467, 1477, 1487), epsilon-greedy 1195 (1372,
1437, 1378), Thompson sampling 310 (701, 599, 456). An optimistic index
overstates both sides' utilities; pricing at an extreme hands all of one
side's overstatement to the other side's transfers, while the midpoint splits
it, so fewer agents are left below their outside option.

All learners are :class:`sim.policy.Policy` objects of domain ``"matching"``:
``decide(MatchingObservation) -> MatchingDecision`` and
``update(MatchingFeedback)``. After each decision, ``last_utilities`` holds the
``(customer, provider)`` utility matrices (on the present agents) that the
primal-dual step was solved on, so the played outcome can be checked to be
stable for them (it may be the learner's live array: read it before the next
``update``).

State and kernels: each learner keeps its whole state in ``learner.state``, a
named tuple of plain arrays, and its decision and update are the compiled
kernels of :mod:`agents.matching.learner_kernels`, declared as data in the
class attribute ``kernels`` (a :class:`LearnerKernels`). ``decide`` and
``update`` call them one round at a time; :func:`agents.matching.compiled.run_compiled`
calls the same kernels inside one compiled loop.

Examples
--------
>>> from agents.matching import MatchUCB, random_market
>>> import numpy as np
>>> mk = random_market(3, 3, rng=0)
>>> ucb = MatchUCB(3, 3, horizon=100)
>>> rng = np.random.default_rng(0)
>>> obs = mk.observe(rng)
>>> d = ucb.decide(obs)
>>> d.matching.shape[1], len(d.transfers) == len(d.matching)
(2, True)
>>> fb, (instability, *_) = mk.play(obs, d, rng)
>>> ucb.update(fb)
>>> instability >= 0
True
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from markets import kernels as market_kernels
from markets.core_kernels import POINTS
from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.random import RngLike, make_rng
from sim.registry import register_policy
from sim.validate import check_int, check_real

from . import learner_kernels as lk
from .checks import (
    check_features,
    check_feedback,
    check_memory,
    check_option,
    check_scale,
    check_types,
    pair_array_bytes,
)
from .types import MatchingDecision, MatchingFeedback, MatchingObservation

__all__ = [
    "CompiledLearner",
    "LearnerKernels",
    "MatchingLearner",
    "MatchUCB",
    "TypedMatchUCB",
    "LinearMatchUCB",
    "ExploreThenCommit",
    "EpsilonGreedy",
    "ThompsonSampling",
    "CONFIDENCE",
    "DEFAULT_POINT",
    "POINTS",
    "confidence_constant",
    "default_explore",
]

#: Core points a learner can price at (the ``point`` option), see the module docstring.
#: ``"solver"`` is whatever optimal dual the assignment solver ends at.
DEFAULT_POINT = "midpoint"
#: Named confidence constants ``c`` (width ``c * sigma * sqrt(log(|A| T) / n)``): ``"hoeffding"`` is
#: :math:`\sqrt 2` (Hoeffding's interval for ``sigma``-subgaussian noise at level :math:`1/(|A| T)`),
#: ``"paper"`` the constant 8 of Jagadeesan et al.'s analysis.
CONFIDENCE = {"hoeffding": math.sqrt(2.0), "paper": 8.0}


class LearnerKernels(NamedTuple):
    """A learner's compiled kernels (see :mod:`agents.matching.learner_kernels` for their contract)."""

    decide: Any
    update: Any


class MatchingLearner(Policy):
    """Base class: the primal-dual step on an index utility.

    A Python subclass provides :meth:`_index` (the utilities to solve on, shape
    ``(2, kc, kp)``: customer side, provider side, on the present agents) and
    :meth:`_learn` (fold in one round of observations at agent ids); see
    :class:`CompiledLearner` for learners made of compiled kernels.

    Parameters
    ----------
    customers, providers : int
        Population sizes (ids ``0..customers-1`` and ``0..providers-1``).
    horizon : int
        Number of rounds :math:`T` (enters confidence widths and schedules).
    point : {"midpoint", "customer", "provider", "solver"}
        The core point of the estimated market the transfers price at
        (default :data:`DEFAULT_POINT`; see the module docstring).
    """

    spec = PolicySpec("matching", label="matching learner")
    #: whether an observation may list the same id twice
    allows_repeats = False
    #: compiled kernels, if the learner is made of them (see :class:`CompiledLearner`)
    kernels: ClassVar[LearnerKernels | None] = None

    def __init__(self, customers: int = 5, providers: int = 5, horizon: int = 1000,
                 point: str = DEFAULT_POINT) -> None:
        self.customers = check_int("customers", customers, low=1)
        self.providers = check_int("providers", providers, low=1)
        self.horizon = check_int("horizon", horizon, low=1)
        self.point = check_option("point", point, POINTS)
        self.point_code = POINTS.index(self.point)
        self.last_utilities = None
        self._reset()

    # ----- the Policy hooks ---------------------------------------------------------
    def _check_observation(self, observation):
        self._check_ids("observation", observation)

    def _check_ids(self, name, observation):
        if not isinstance(observation, MatchingObservation):
            raise InputTypeError(f"{type(self).__name__} needs a MatchingObservation as {name}, got "
                                 f"{type(observation).__name__}")
        mc, mp = observation.max_ids
        if mc >= self._id_space[0] or mp >= self._id_space[1]:
            raise ValidationError(f"{name} names agent ids up to {observation.max_ids}, but the learner "
                                  f"knows {self._id_space[0]} customers and {self._id_space[1]} providers")
        if not observation.unique and not self.allows_repeats:
            raise ValidationError(f"{type(self).__name__} tracks individual agents: {name} ids must not repeat")

    @property
    def _id_space(self):
        return (self.customers, self.providers)

    def _decide(self, observation):
        u = self._index(observation)
        self.rounds += 1
        return self._primal_dual(u)

    def _index(self, observation):
        raise NotImplementedError(f"{type(self).__name__} must implement _index (or declare kernels)")

    def _learn(self, ci, pj, rewards):
        raise NotImplementedError(f"{type(self).__name__} must implement _learn (or declare kernels)")

    def _primal_dual(self, u):
        self.last_utilities = u
        uc, up = (np.ascontiguousarray(x, dtype=np.float64) for x in u)
        rows, cols, p, q, t = lk.primal_dual(uc, up, self.point_code)
        return MatchingDecision(np.stack([rows, cols], axis=1), t, p, q)

    def _update(self, feedback):
        if not isinstance(feedback, MatchingFeedback):
            raise InputTypeError(f"{type(self).__name__}.update: feedback must be a MatchingFeedback, got "
                                 f"{type(feedback).__name__}")
        obs, mt, rc, rp = check_feedback("feedback", feedback)
        self._check_ids("feedback.observation", obs)
        if len(mt) == 0:
            return
        if obs.dense:
            ci, pj = mt[:, 0], mt[:, 1]
        else:
            ci, pj = obs.customers[mt[:, 0]], obs.providers[mt[:, 1]]
        self._learn(ci, pj, np.stack([rc, rp]))

    def _reset(self):
        self.rounds = 0
        self.last_utilities = None

    # ----- helpers ------------------------------------------------------------------
    def _select(self, full, observation):
        """Restrict a ``(2, m, n)`` array to the present agents."""
        if observation.dense and observation.shape == (self.customers, self.providers):
            return full
        ix = np.ix_(observation.customers, observation.providers)
        return np.stack([full[0][ix], full[1][ix]])

    @classmethod
    def example_observation(cls, rng: RngLike) -> MatchingObservation:
        """A valid observation for a default-sized learner: a random subset of agents present."""
        rng = make_rng(rng)
        c = np.flatnonzero(rng.random(5) < 0.8)
        p = np.flatnonzero(rng.random(5) < 0.8)
        return MatchingObservation(c, p)


def _ids(x):
    return np.ascontiguousarray(x, dtype=np.int64)


def _f64(x):
    return np.ascontiguousarray(x, dtype=np.float64)


class CompiledLearner(MatchingLearner):
    """A matching learner made of compiled kernels: state in ``self.state``, kernels in ``kernels``.

    A subclass declares ``kernels = LearnerKernels(decide, update)`` and
    builds its state in :meth:`_new_state`; stochastic subclasses keep their
    Generator in :attr:`generator`. Decisions are the kernels' outcomes; while
    the kernel reports the full-market outcome unchanged (``same``), the same
    decision object is returned again, so a market can reuse what it derived
    from it.
    """

    generator: np.random.Generator | None = None

    def _new_state(self):
        raise NotImplementedError(f"{type(self).__name__} must build its state")

    def _reset(self):
        self.last_utilities = None
        self._kept = None  # (cache version, decision) of the last full-market decision
        self.state = self._new_state()

    @property
    def rounds(self) -> int:
        """Decisions taken since the last reset."""
        return int(self.state.rounds[0])

    def _decide(self, observation):
        full = observation.dense and observation.shape == (self.customers, self.providers)
        same, explored, rows, cols, p, q, t, u = self.kernels.decide(
            self.state, observation.customers, observation.providers, full, self.generator)
        self.last_utilities = None if explored else u
        cache = getattr(self.state, "cache", None)
        if same and self._kept is not None and self._kept[0] == cache.version[0]:
            return self._kept[1]
        # copies: the kernel's arrays may be its cache, which later rounds overwrite
        d = MatchingDecision(np.stack([rows, cols], axis=1), t.copy(), p.copy(), q.copy())
        if full and cache is not None:
            self._kept = (int(cache.version[0]), d)
        return d

    def _learn(self, ci, pj, rewards):
        self.kernels.update(self.state, _ids(ci), _ids(pj), _f64(rewards[0]), _f64(rewards[1]))


class _PairStats(CompiledLearner):
    """Per-pair counts and empirical means (both sides observed together) in ``state.count``, ``state.mean``."""

    def __init__(self, customers: int = 5, providers: int = 5, horizon: int = 1000,
                 point: str = DEFAULT_POINT) -> None:
        m = check_int("customers", customers, low=1)
        n = check_int("providers", providers, low=1)
        check_memory("customers, providers", (m, n), pair_array_bytes(m, n, 10))
        super().__init__(m, n, horizon, point)

    def means(self) -> np.ndarray:
        """Empirical means, shape ``(2, m, n)`` (customer side, provider side; 0 if unseen)."""
        return self.state.mean.copy()

    def counts(self) -> np.ndarray:
        """Observations per pair, shape ``(m, n)``."""
        return self.state.count.copy()


def confidence_constant(c: float | str) -> float:
    """The confidence constant ``c``: a number > 0 or a name in :data:`CONFIDENCE`.

    Examples
    --------
    >>> confidence_constant("paper"), round(confidence_constant("hoeffding"), 4), confidence_constant(2)
    (8.0, 1.4142, 2.0)
    >>> confidence_constant("wide")
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: c must be a number > 0 or one of ['hoeffding', 'paper'], got 'wide'
    """
    if isinstance(c, str):
        if c not in CONFIDENCE:
            raise ValidationError(f"c must be a number > 0 or one of {sorted(CONFIDENCE)}, got {c!r}")
        return CONFIDENCE[c]
    return check_real("c", c, low=0.0, low_open=True)


@register_policy("match.ucb")
class MatchUCB(_PairStats):
    r"""MatchUCB: the primal-dual step on upper confidence bounds.

    Parameters
    ----------
    customers, providers : int
        Market size.
    horizon : int
        :math:`T` in the width :math:`c\,\sigma \sqrt{\log(|A| T) / n}`.
    c : float or {"hoeffding", "paper"}
        Confidence constant (> 0). Default ``"hoeffding"`` (:math:`\sqrt 2`):
        with the noise's sub-Gaussian constant ``sigma`` this is Hoeffding's
        interval at level :math:`1/(|A|T)`; ``"paper"`` is the paper's 8 (with
        ``sigma = 1``, the paper's 1-subgaussian noise: its width exactly).
    sigma : float
        Sub-Gaussian constant of the feedback noise (>= 0; default 1.0, which
        covers any feedback in an interval of length 2 around its mean, e.g.
        :math:`\pm 1` Bernoulli feedback; Gaussian noise of scale
        :math:`\sigma` has constant :math:`\sigma`). Built for a
        :class:`~agents.matching.envs.BanditEnv`, the market's own constant
        (``market.sigma``) is used.
    point : {"midpoint", "customer", "provider", "solver"}
        The core point of the UCB market the transfers price at (default
        :data:`DEFAULT_POINT`; see the module docstring).
    refresh : {"every", "doubling"}
        ``"every"`` (default, the paper's algorithm): every observed pair's
        interval is recomputed after each round and the primal-dual step is
        solved every round (its solution is reused only when no interval
        changed, e.g. all still capped at 1: the same LP). ``"doubling"`` (rarely switching): a pair's interval
        is recomputed only when its count reaches 1, 2, 4, 8, ...; in between
        the older interval is still a valid confidence interval (from fewer
        samples), at most :math:`\sqrt 2` wider than the current one, so the
        regret bound holds up to that factor, while the outcome (and its
        solve) is reused for as long as no interval changes: much faster
        rounds on a static market.

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> ucb = MatchUCB(2, 2, horizon=10, c=0.5)
    >>> d = ucb.decide(MatchingObservation.full(2, 2))   # all intervals [-1, 1]: surplus 2 everywhere
    >>> len(d.matching), float(d.customer_payoffs.sum() + d.provider_payoffs.sum())
    (2, 4.0)
    >>> MatchUCB(c=0)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: c must be > 0.0, got 0.0
    """

    spec = PolicySpec("matching", label="MatchUCB")
    kernels = LearnerKernels(lk.ucb_decide, lk.ucb_update)

    def __init__(self, customers: int = 5, providers: int = 5, horizon: int = 1000, c: float | str = "hoeffding",
                 sigma: float = 1.0, point: str = DEFAULT_POINT, refresh: str = "every") -> None:
        self.c = confidence_constant(c)
        self.sigma = check_real("sigma", sigma, low=0.0)
        self.refresh = check_option("refresh", refresh, ("every", "doubling"))
        super().__init__(customers, providers, horizon, point)

    def _new_state(self):
        return lk.ucb_state(self.customers, self.providers, self.horizon, self.c * self.sigma,
                            self.refresh == "doubling", self.point_code)

    def widths(self) -> np.ndarray:
        """Current confidence half-widths :math:`c\\sigma\\sqrt{\\log(|A|T)/n}` per pair (inf if unseen)."""
        n = self.counts()
        with np.errstate(divide="ignore"):
            return np.where(n > 0, self.state.c * np.sqrt(self.state.logterm / n), np.inf)


@register_policy("match.ucb_typed")
class TypedMatchUCB(CompiledLearner):
    """MatchUCB with typed preferences: statistics pooled per (customer type, provider type).

    Parameters
    ----------
    customer_types, provider_types : array_like of int, optional
        Type of each customer / provider id. Default ``arange(5)`` (5 ids per
        side, each its own type), which is also how a live market whose ids
        *are* types uses it.
    horizon : int
        :math:`T`.
    c : float or {"hoeffding", "paper"}
        Confidence constant (as :class:`MatchUCB`'s).
    sigma : float
        Sub-Gaussian constant of the noise (as :class:`MatchUCB`'s).
    agents : int, optional
        :math:`|A|` in the width (default: the number of ids, customers plus
        providers).
    point : {"midpoint", "customer", "provider", "solver"}
        The core point priced at (as :class:`MatchUCB`'s).

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> typed = TypedMatchUCB([0, 0, 1], [0, 1], horizon=50)
    >>> d = typed.decide(MatchingObservation([0, 1, 2], [0, 1]))
    >>> len(d.matching)
    2
    """

    spec = PolicySpec("matching", label="typed MatchUCB", needs=frozenset({"types"}))
    kernels = LearnerKernels(lk.typed_decide, lk.typed_update)
    allows_repeats = True

    def __init__(self, customer_types: ArrayLike | None = None, provider_types: ArrayLike | None = None,
                 horizon: int = 1000, c: float | str = "hoeffding", sigma: float = 1.0, agents: int | None = None,
                 point: str = DEFAULT_POINT) -> None:
        ct = np.arange(5) if customer_types is None else customer_types
        pt = np.arange(5) if provider_types is None else provider_types
        self.customer_types = _type_vector("customer_types", ct)
        self.provider_types = _type_vector("provider_types", pt)
        self.c = confidence_constant(c)
        self.sigma = check_real("sigma", sigma, low=0.0)
        self.agents = (len(self.customer_types) + len(self.provider_types)) if agents is None else check_int(
            "agents", agents, low=1)
        self.types = (int(self.customer_types.max()) + 1, int(self.provider_types.max()) + 1)
        check_memory("customer_types, provider_types (numbers of types)", self.types,
                     pair_array_bytes(*self.types, 5))
        super().__init__(len(self.customer_types), len(self.provider_types), horizon, point)

    def _new_state(self):
        tc, tp = self.types
        return lk.TypedUCBState(np.zeros((tc, tp)), np.zeros((2, tc, tp)), np.ones((2, tc, tp)),
                                self.customer_types, self.provider_types, np.zeros(1, np.int64),
                                float(self.c * self.sigma), math.log(self.agents * self.horizon), self.point_code)

    @property
    def _id_space(self):
        return (len(self.customer_types), len(self.provider_types))

    @classmethod
    def example_observation(cls, rng: RngLike) -> MatchingObservation:
        """Present agents of the default learner, with repeated ids (types) allowed."""
        rng = make_rng(rng)
        return MatchingObservation(rng.integers(0, 5, size=4), rng.integers(0, 5, size=3))


@register_policy("match.ucb_linear")
class LinearMatchUCB(CompiledLearner):
    """MatchUCB for separable linear utilities with known features (LinUCB-style intervals).

    Parameters
    ----------
    customer_features : array_like, shape (m, d)
        Known features of the customers (providers' utilities are linear in them).
    provider_features : array_like, shape (n, d)
        Known features of the providers (same ``d``).
    horizon : int
        :math:`T`.
    c : float or {"hoeffding", "paper"}
        Confidence constant (as :class:`MatchUCB`'s): radius
        :math:`c\\,\\sigma\\sqrt{\\log(|A| T)}`.
    sigma : float
        Sub-Gaussian constant of the noise (as :class:`MatchUCB`'s).
    ridge : float
        Ridge regularisation :math:`\\lambda > 0`.
    point : {"midpoint", "customer", "provider", "solver"}
        The core point priced at (as :class:`MatchUCB`'s).

    Default features: 5 agents per side with the 3-dimensional one-hot-like
    rows of ``eye(3)`` cycled.

    Examples
    --------
    >>> import numpy as np
    >>> lin = LinearMatchUCB(np.eye(2), np.eye(2), horizon=20)
    >>> from agents.matching import MatchingObservation
    >>> len(lin.decide(MatchingObservation.full(2, 2)).matching)
    2
    >>> LinearMatchUCB(np.eye(2), np.eye(3))
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: provider_features must have the same dimension d as customer_features (2), got 3
    """

    spec = PolicySpec("matching", label="linear MatchUCB", needs=frozenset({"features"}))
    kernels = LearnerKernels(lk.linear_decide, lk.linear_update)

    def __init__(self, customer_features: ArrayLike | None = None, provider_features: ArrayLike | None = None,
                 horizon: int = 1000, c: float | str = "hoeffding", sigma: float = 1.0, ridge: float = 1.0,
                 point: str = DEFAULT_POINT) -> None:
        if customer_features is None:
            customer_features = np.eye(3)[np.arange(5) % 3]
        if provider_features is None:
            provider_features = np.eye(3)[np.arange(5) % 3]
        f, g = check_features(customer_features, provider_features)
        self._f, self._g = _f64(f), _f64(g)
        self.c = confidence_constant(c)
        self.sigma = check_real("sigma", sigma, low=0.0)
        self.ridge = check_scale("ridge", ridge)
        self.dim = self._f.shape[1]
        m, n, d = self._f.shape[0], self._g.shape[0], self.dim
        check_memory("customer_features, provider_features (sizes)", (m, n),
                     pair_array_bytes(m, n, 3) + 8 * (m + n) * d * (d + 1))
        super().__init__(m, n, horizon, point)

    def _new_state(self):
        m, n, d = self.customers, self.providers, self.dim
        # customers learn theta over provider features g; providers over customer features f
        st = lk.LinearUCBState(np.tile(np.eye(d) / self.ridge, (m, 1, 1)), np.tile(np.eye(d) / self.ridge, (n, 1, 1)),
                               np.zeros((m, d)), np.zeros((n, d)), np.ones((2, m, n)), self._f, self._g,
                               np.zeros(1, np.int64),
                               self.c * self.sigma * math.sqrt(math.log((m + n) * self.horizon)), self.point_code,
                               market_kernels.warm_start(m, n))
        lk.linear_refresh(st, np.arange(m, dtype=np.int64), np.arange(n, dtype=np.int64))
        return st

    def estimates(self) -> tuple[np.ndarray, np.ndarray]:
        """Ridge estimates of the preference vectors: ``(theta_customers, theta_providers)``."""
        st = self.state
        return (np.einsum("ide,ie->id", st.vinv_c, st.b_c), np.einsum("jde,je->jd", st.vinv_p, st.b_p))


def default_explore(big: int, horizon: int) -> int:
    """Explore-then-commit's default exploration length ``min(T, ceil(N (T/N)^(2/3)))``, ``N = big``.

    Examples
    --------
    >>> default_explore(5, 1000)
    171
    """
    big = check_int("big", big, low=1)
    horizon = check_int("horizon", horizon, low=1)
    return min(horizon, math.ceil(big * (horizon / big) ** (2.0 / 3.0)))


@register_policy("match.etc")
class ExploreThenCommit(_PairStats):
    """Explore uniformly (round-robin matchings, zero transfers), then commit to the empirical stable outcome.

    The schedule (round-robin shifts, then one commitment kept) is
    :mod:`agents.matching.explore_commit`, shared with
    :class:`~agents.matching.NTUExploreThenCommit`.

    Parameters
    ----------
    customers, providers, horizon : int
        Market size and :math:`T`.
    explore : int, optional
        Exploration rounds (default ``ceil(N (T/N)^(2/3))``, ``N = max(m, n)``).
    point : {"midpoint", "customer", "provider", "solver"}
        The core point of the estimated market priced at after exploration
        (as :class:`MatchUCB`'s).

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> etc = ExploreThenCommit(2, 2, horizon=8, explore=2)
    >>> etc.decide(MatchingObservation.full(2, 2)).matching.tolist()   # first exploration round
    [[0, 0], [1, 1]]
    """

    spec = PolicySpec("matching", label="explore-then-commit")
    kernels = LearnerKernels(lk.etc_decide, lk.means_update)

    def __init__(self, customers: int = 5, providers: int = 5, horizon: int = 1000,
                 explore: int | None = None, point: str = DEFAULT_POINT) -> None:
        big = max(check_int("customers", customers, low=1), check_int("providers", providers, low=1))
        horizon = check_int("horizon", horizon, low=1)
        if explore is None:
            explore = default_explore(big, horizon)
        self.explore = check_int("explore", explore, low=0)
        super().__init__(customers, providers, horizon, point)

    def _new_state(self):
        m, n = self.customers, self.providers
        return lk.ExploreThenCommitState(np.zeros((m, n)), np.zeros((2, m, n)), np.zeros(1, np.int64),
                                         lk.cache_state(m, n), self.explore, self.point_code)


@register_policy("match.eps_greedy")
class EpsilonGreedy(_PairStats):
    """Epsilon-greedy: random matching w.p. ``min(1, epsilon * t^(-1/3))``, else the empirical stable outcome.

    Parameters
    ----------
    customers, providers, horizon : int
        Market size and :math:`T`.
    epsilon : float
        Exploration scale in (0, inf): :math:`\\varepsilon_t = \\min(1, \\varepsilon t^{-1/3})`.
    rng : numpy.random.Generator or int
        Source of the exploration coin flips and random matchings.
    point : {"midpoint", "customer", "provider", "solver"}
        The core point priced at (as :class:`MatchUCB`'s).

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> eg = EpsilonGreedy(3, 3, epsilon=1.0, rng=0)
    >>> sorted(eg.decide(MatchingObservation.full(3, 3)).matching[:, 0].tolist())   # t = 1: explores
    [0, 1, 2]
    """

    spec = PolicySpec("matching", label="epsilon-greedy", stochastic=True)
    kernels = LearnerKernels(lk.eps_greedy_decide, lk.means_update)

    def __init__(self, customers: int = 5, providers: int = 5, horizon: int = 1000, epsilon: float = 1.0,
                 rng: RngLike = 0, point: str = DEFAULT_POINT) -> None:
        self.epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
        self.generator = make_rng(rng)
        super().__init__(customers, providers, horizon, point)

    def _new_state(self):
        m, n = self.customers, self.providers
        return lk.EpsilonGreedyState(np.zeros((m, n)), np.zeros((2, m, n)), np.zeros(1, np.int64), self.epsilon,
                                     self.point_code)


@register_policy("match.thompson")
class ThompsonSampling(_PairStats):
    """Thompson sampling: the primal-dual step on a posterior sample of the utilities.

    Parameters
    ----------
    customers, providers, horizon : int
        Market size and :math:`T` (unused by the sampling itself).
    sigma : float
        Noise scale assumed by the Gaussian likelihood (> 0).
    prior_scale : float
        Standard deviation of the :math:`N(0, s^2)` prior (> 0).
    rng : numpy.random.Generator or int
        Source of the posterior samples.
    point : {"midpoint", "customer", "provider", "solver"}
        The core point priced at (as :class:`MatchUCB`'s).

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> a = ThompsonSampling(3, 3, rng=4).decide(MatchingObservation.full(3, 3))
    >>> b = ThompsonSampling(3, 3, rng=4).decide(MatchingObservation.full(3, 3))
    >>> repr(a) == repr(b)
    True
    """

    spec = PolicySpec("matching", label="Thompson sampling", stochastic=True)
    kernels = LearnerKernels(lk.thompson_decide, lk.means_update)

    def __init__(self, customers: int = 5, providers: int = 5, horizon: int = 1000, sigma: float = 0.5,
                 prior_scale: float = 1.0, rng: RngLike = 0, point: str = DEFAULT_POINT) -> None:
        self.sigma = check_scale("sigma", sigma)
        self.prior_scale = check_scale("prior_scale", prior_scale)
        self.generator = make_rng(rng)
        super().__init__(customers, providers, horizon, point)

    def _new_state(self):
        m, n = self.customers, self.providers
        return lk.ThompsonState(np.zeros((m, n)), np.zeros((2, m, n)), np.zeros(1, np.int64), self.sigma,
                                self.prior_scale, self.point_code)


def _type_vector(name, value):
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0:
        raise ValidationError(f"{name} must be a non-empty 1-D array of types, got shape {arr.shape}")
    return check_types(name, arr, arr.shape[0])
