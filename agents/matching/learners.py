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
    :math:`[\hat u - c \sqrt{\log(|A| T) / n},\ \hat u + c \sqrt{\log(|A| T)/n}]
    \cap [-1, 1]` (:math:`[-1, 1]` before the first observation), where
    :math:`n` counts the observations of the pair, :math:`|A| = m + n` and
    :math:`T` is the horizon. The paper's analysis uses :math:`c = 8`, a
    worst-case constant; a Hoeffding interval for :math:`\sigma`-subgaussian
    noise at level :math:`\delta = 1/(|A| T)` has half-width
    :math:`\sigma\sqrt{2 \log(|A| T)/n}`, i.e. :math:`c = \sqrt 2 \sigma`.
    **Default** ``c = 1.0``: a valid interval for noise up to
    :math:`\sigma \approx 0.7` (the default markets have :math:`\sigma = 0.5`),
    without the paper's slack, which would only scale the regret up.
``TypedMatchUCB`` (``match.ucb_typed``)
    Agents of a type share utilities: estimates and counts are pooled per
    (customer type, provider type) pair, so the regret scales with the number
    of types, not of agents. Ids may repeat in an observation (several present
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

All learners are :class:`sim.policy.Policy` objects of domain ``"matching"``:
``decide(MatchingObservation) -> MatchingDecision`` and
``update(MatchingFeedback)``. After each decision, ``last_utilities`` holds the
``(customer, provider)`` utility matrices (on the present agents) that the
primal-dual step was solved on, so the played outcome can be checked to be
stable for them (it may be the learner's live array: read it before the next
``update``).

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

import numpy as np

from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy
from sim.random import make_rng
from sim.registry import register_policy
from sim.validate import check_choice, check_int, check_real

from ._lean import stable_step
from .environment import _check_types, check_features
from .types import MatchingDecision, MatchingFeedback, MatchingObservation

__all__ = [
    "MatchingLearner",
    "MatchUCB",
    "TypedMatchUCB",
    "LinearMatchUCB",
    "ExploreThenCommit",
    "EpsilonGreedy",
    "ThompsonSampling",
]

_EMPTY_PAIRS = np.zeros((0, 2), dtype=np.int64)


class MatchingLearner(Policy):
    """Base class: the primal-dual step on an index utility, per-pair statistics.

    Subclasses provide :meth:`_index` (the utilities to solve on, shape
    ``(2, m, n)``: customer side, provider side) and :meth:`_learn` (fold in
    one round of observations at flat pair indices).

    Parameters
    ----------
    customers, providers : int
        Population sizes (ids ``0..customers-1`` and ``0..providers-1``).
    horizon : int
        Number of rounds :math:`T` (enters confidence widths and schedules).
    """

    domain = "matching"
    #: whether an observation may list the same id twice
    allows_repeats = False

    def __init__(self, customers=5, providers=5, horizon=1000):
        self.customers = check_int("customers", customers, low=1)
        self.providers = check_int("providers", providers, low=1)
        self.horizon = check_int("horizon", horizon, low=1)
        self._pairs = self.customers * self.providers
        self.last_utilities = None
        self._reset()

    # ----- the Policy hooks ---------------------------------------------------------
    def _check_observation(self, observation):
        if not isinstance(observation, MatchingObservation):
            raise InputTypeError(f"{type(self).__name__} needs a MatchingObservation, got "
                                 f"{type(observation).__name__}")
        mc, mp = observation.max_ids
        if mc >= self._id_space[0] or mp >= self._id_space[1]:
            raise ValidationError(f"observation names agent ids up to {observation.max_ids}, but the learner "
                                  f"knows {self._id_space[0]} customers and {self._id_space[1]} providers")
        if not observation.unique and not self.allows_repeats:
            raise ValidationError(f"{type(self).__name__} tracks individual agents: observation ids must not repeat")

    @property
    def _id_space(self):
        return (self.customers, self.providers)

    def _decide(self, observation):
        u = self._index(observation)
        self.rounds += 1
        return self._primal_dual(u)

    def _primal_dual(self, u):
        self.last_utilities = u
        uc, up = u
        rows, cols, p, q = stable_step(uc + up)
        t = q[cols] - up[rows, cols]
        return MatchingDecision(np.stack([rows, cols], axis=1), t, p, q)

    def _update(self, feedback):
        if not isinstance(feedback, MatchingFeedback):
            raise InputTypeError(f"{type(self).__name__}.update needs a MatchingFeedback, got "
                                 f"{type(feedback).__name__}")
        mt = feedback.matching
        if len(mt) == 0:
            return
        rc, rp = feedback.customer_rewards, feedback.provider_rewards
        if not (np.isfinite(rc).all() and np.isfinite(rp).all()):
            raise ValidationError("feedback rewards must be finite")
        obs = feedback.observation
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
    def example_observation(cls, rng):
        """A valid observation for a default-sized learner: a random subset of agents present."""
        rng = make_rng(rng)
        c = np.flatnonzero(rng.random(5) < 0.8)
        p = np.flatnonzero(rng.random(5) < 0.8)
        return MatchingObservation(c, p)


class _PairStats(MatchingLearner):
    """Per-pair counts and empirical means (both sides observed together)."""

    def _reset(self):
        super()._reset()
        self._count = np.zeros(self._pairs)
        self._mean = np.zeros((2, self._pairs))

    def _fold(self, ci, pj, rewards):
        f = ci * self.providers + pj
        k = self._count[f] + 1.0
        self._count[f] = k
        mu = self._mean[:, f]
        mu += (rewards - mu) / k
        self._mean[:, f] = mu
        return f, k, mu

    def _learn(self, ci, pj, rewards):
        self._fold(ci, pj, rewards)

    def means(self):
        """Empirical means, shape ``(2, m, n)`` (customer side, provider side; 0 if unseen)."""
        return self._mean.reshape(2, self.customers, self.providers).copy()

    def counts(self):
        """Observations per pair, shape ``(m, n)``."""
        return self._count.reshape(self.customers, self.providers).copy()


@register_policy("match.ucb")
class MatchUCB(_PairStats):
    r"""MatchUCB: the primal-dual step on upper confidence bounds.

    Parameters
    ----------
    customers, providers : int
        Market size.
    horizon : int
        :math:`T` in the width :math:`c \sqrt{\log(|A| T) / n}`.
    c : float
        Confidence constant (> 0; the paper's is 8, the default 1.0: see the
        module docstring).
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

    def __init__(self, customers=5, providers=5, horizon=1000, c=1.0, refresh="every"):
        self.c = check_real("c", c, low=0.0, low_open=True)
        self.refresh = check_choice("refresh", refresh, ("every", "doubling"))
        super().__init__(customers, providers, horizon)

    def _reset(self):
        super()._reset()
        m, n = self.customers, self.providers
        self._log = math.log((m + n) * self.horizon)
        self._ucb = np.ones((2, m, n))
        self._ucb_flat = self._ucb.reshape(2, -1)
        self._w = np.full((m, n), 2.0)
        self._w_flat = self._w.reshape(-1)
        self._next_refresh = np.ones(m * n)  # count at which a pair's index is recomputed ("doubling")
        self._cached = None                  # the last full-market decision, while the index is unchanged

    def _index(self, observation):
        if observation.dense and observation.shape == (self.customers, self.providers):
            return self._ucb
        return self._select(self._ucb, observation)

    def _primal_dual(self, u):
        # the surplus of the UCBs is kept up to date incrementally (only matched pairs change)
        if u is self._ucb:
            self.last_utilities = u
            if self._cached is not None:
                return self._cached
            rows, cols, p, q = stable_step(self._w)
            t = q[cols] - u[1][rows, cols]
            self._cached = d = MatchingDecision(np.stack([rows, cols], axis=1), t, p, q)
            return d
        return super()._primal_dual(u)

    def _learn(self, ci, pj, rewards):
        f, k, mu = self._fold(ci, pj, rewards)
        if self.refresh == "doubling":
            due = k >= self._next_refresh[f]
            if not due.any():
                return
            f, k, mu = f[due], k[due], mu[:, due]
            self._next_refresh[f] = 2.0 * k
        ub = mu + self.c * np.sqrt(self._log / k)
        np.minimum(ub, 1.0, out=ub)
        if np.array_equal(ub, self._ucb_flat[:, f]):
            return  # e.g. intervals still capped at 1: the index, hence the outcome, is unchanged
        self._cached = None
        self._ucb_flat[:, f] = ub
        self._w_flat[f] = ub[0] + ub[1]

    def widths(self):
        """Current confidence half-widths :math:`c\\sqrt{\\log(|A|T)/n}` per pair (inf if unseen)."""
        with np.errstate(divide="ignore"):
            return self.c * np.sqrt(self._log / self.counts())


@register_policy("match.ucb_typed")
class TypedMatchUCB(MatchingLearner):
    """MatchUCB with typed preferences: statistics pooled per (customer type, provider type).

    Parameters
    ----------
    customer_types, provider_types : array_like of int, optional
        Type of each customer / provider id. Default ``arange(5)`` (5 ids per
        side, each its own type), which is also how a live market whose ids
        *are* types uses it.
    horizon : int
        :math:`T`.
    c : float
        Confidence constant (> 0).
    agents : int, optional
        :math:`|A|` in the width (default: the number of ids, customers plus
        providers).

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> typed = TypedMatchUCB([0, 0, 1], [0, 1], horizon=50)
    >>> d = typed.decide(MatchingObservation([0, 1, 2], [0, 1]))
    >>> len(d.matching)
    2
    """

    allows_repeats = True

    def __init__(self, customer_types=None, provider_types=None, horizon=1000, c=1.0, agents=None):
        ct = np.arange(5) if customer_types is None else customer_types
        pt = np.arange(5) if provider_types is None else provider_types
        self.customer_types = _type_vector("customer_types", ct)
        self.provider_types = _type_vector("provider_types", pt)
        self.c = check_real("c", c, low=0.0, low_open=True)
        self.agents = (len(self.customer_types) + len(self.provider_types)) if agents is None else check_int(
            "agents", agents, low=1)
        self.types = (int(self.customer_types.max()) + 1, int(self.provider_types.max()) + 1)
        super().__init__(len(self.customer_types), len(self.provider_types), horizon)

    def _reset(self):
        super()._reset()
        tc, tp = self.types
        self._log = math.log(self.agents * self.horizon)
        self._count = np.zeros(tc * tp)
        self._mean = np.zeros((2, tc * tp))
        self._ucb = np.ones((2, tc, tp))

    def _index(self, observation):
        ct = self.customer_types[observation.customers][:, None]
        pt = self.provider_types[observation.providers][None, :]
        return self._ucb[:, ct, pt]

    def _learn(self, ci, pj, rewards):
        g = self.customer_types[ci] * self.types[1] + self.provider_types[pj]
        groups, inverse = np.unique(g, return_inverse=True)
        add = np.bincount(inverse)
        sums = np.stack([np.bincount(inverse, weights=rewards[0]), np.bincount(inverse, weights=rewards[1])])
        k = self._count[groups] + add
        mu = self._mean[:, groups]
        mu += (sums - add * mu) / k
        self._count[groups] = k
        self._mean[:, groups] = mu
        ub = np.minimum(mu + self.c * np.sqrt(self._log / k), 1.0)
        self._ucb.reshape(2, -1)[:, groups] = ub

    @property
    def _id_space(self):
        return (len(self.customer_types), len(self.provider_types))

    @classmethod
    def example_observation(cls, rng):
        """Present agents of the default learner, with repeated ids (types) allowed."""
        rng = make_rng(rng)
        return MatchingObservation(rng.integers(0, 5, size=4), rng.integers(0, 5, size=3))


@register_policy("match.ucb_linear")
class LinearMatchUCB(MatchingLearner):
    """MatchUCB for separable linear utilities with known features (LinUCB-style intervals).

    Parameters
    ----------
    customer_features : array_like, shape (m, d)
        Known features of the customers (providers' utilities are linear in them).
    provider_features : array_like, shape (n, d)
        Known features of the providers (same ``d``).
    horizon : int
        :math:`T`.
    c : float
        Confidence constant (> 0): radius :math:`c\\sqrt{\\log(|A| T)}`.
    ridge : float
        Ridge regularisation :math:`\\lambda > 0`.

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

    def __init__(self, customer_features=None, provider_features=None, horizon=1000, c=1.0, ridge=1.0):
        if customer_features is None:
            customer_features = np.eye(3)[np.arange(5) % 3]
        if provider_features is None:
            provider_features = np.eye(3)[np.arange(5) % 3]
        self._f, self._g = check_features(customer_features, provider_features)
        self.c = check_real("c", c, low=0.0, low_open=True)
        self.ridge = check_real("ridge", ridge, low=0.0, low_open=True)
        self.dim = self._f.shape[1]
        super().__init__(self._f.shape[0], self._g.shape[0], horizon)

    def _reset(self):
        super()._reset()
        m, n, d = self.customers, self.providers, self.dim
        self._beta = self.c * math.sqrt(math.log((m + n) * self.horizon))
        # customers learn theta over provider features g; providers over customer features f
        self._vinv = [np.tile(np.eye(d) / self.ridge, (m, 1, 1)), np.tile(np.eye(d) / self.ridge, (n, 1, 1))]
        self._b = [np.zeros((m, d)), np.zeros((n, d))]
        self._ucb = np.ones((2, m, n))
        self._refresh()

    def _refresh(self):
        f, g = self._f, self._g
        theta_c = np.einsum("ide,ie->id", self._vinv[0], self._b[0])
        theta_p = np.einsum("jde,je->jd", self._vinv[1], self._b[1])
        width_c = np.sqrt(np.maximum(np.einsum("jd,ide,je->ij", g, self._vinv[0], g), 0.0))
        width_p = np.sqrt(np.maximum(np.einsum("id,jde,ie->ij", f, self._vinv[1], f), 0.0))
        np.minimum(theta_c @ g.T + self._beta * width_c, 1.0, out=self._ucb[0])
        np.minimum(f @ theta_p.T + self._beta * width_p, 1.0, out=self._ucb[1])
        np.maximum(self._ucb, -1.0, out=self._ucb)

    def _index(self, observation):
        return self._select(self._ucb, observation)

    def _learn(self, ci, pj, rewards):
        # Sherman-Morrison rank-one updates, one per matched agent (agents are distinct)
        for side, agent, x, r in ((0, ci, self._g[pj], rewards[0]), (1, pj, self._f[ci], rewards[1])):
            vinv = self._vinv[side][agent]
            vx = np.einsum("kde,ke->kd", vinv, x)
            denom = 1.0 + np.einsum("kd,kd->k", x, vx)
            self._vinv[side][agent] = vinv - vx[:, :, None] * vx[:, None, :] / denom[:, None, None]
            self._b[side][agent] += r[:, None] * x
        self._refresh()

    def estimates(self):
        """Ridge estimates of the preference vectors: ``(theta_customers, theta_providers)``."""
        return (np.einsum("ide,ie->id", self._vinv[0], self._b[0]),
                np.einsum("jde,je->jd", self._vinv[1], self._b[1]))


def _exploration_matching(observation, shift, providers_total, customers_total):
    """Round-robin pairs: customer id i meets provider id (i + shift) mod N, if both are present."""
    big = max(providers_total, customers_total)
    target = (observation.customers + shift) % big
    pos = np.full(big, -1, dtype=np.int64)
    pos[observation.providers] = np.arange(len(observation.providers))
    cpos = pos[target]
    rows = np.flatnonzero(cpos >= 0)
    return np.stack([rows, cpos[rows]], axis=1)


class _MeansLearner(_PairStats):
    """Shared pieces of the learners that act on empirical means."""

    def _mean_index(self, observation):
        full = self._mean.reshape(2, self.customers, self.providers)
        return self._select(full, observation)

    def _explore(self, observation, matching):
        """A decision playing ``matching`` (positions) with zero transfers."""
        u = self._mean_index(observation)
        self.last_utilities = None  # not the primal-dual step
        r, c = matching[:, 0], matching[:, 1]
        p = np.zeros(len(observation.customers))
        q = np.zeros(len(observation.providers))
        p[r] = u[0][r, c]
        q[c] = u[1][r, c]
        return MatchingDecision(matching, np.zeros(len(matching)), p, q)


@register_policy("match.etc")
class ExploreThenCommit(_MeansLearner):
    """Explore uniformly (round-robin matchings, zero transfers), then commit to the empirical stable outcome.

    Parameters
    ----------
    customers, providers, horizon : int
        Market size and :math:`T`.
    explore : int, optional
        Exploration rounds (default ``ceil(N (T/N)^(2/3))``, ``N = max(m, n)``).

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> etc = ExploreThenCommit(2, 2, horizon=8, explore=2)
    >>> etc.decide(MatchingObservation.full(2, 2)).matching.tolist()   # first exploration round
    [[0, 0], [1, 1]]
    """

    def __init__(self, customers=5, providers=5, horizon=1000, explore=None):
        big = max(check_int("customers", customers, low=1), check_int("providers", providers, low=1))
        horizon = check_int("horizon", horizon, low=1)
        if explore is None:
            explore = min(horizon, math.ceil(big * (horizon / big) ** (2.0 / 3.0)))
        self.explore = check_int("explore", explore, low=0)
        super().__init__(customers, providers, horizon)

    def _reset(self):
        super()._reset()
        self._commit = None

    def _decide(self, observation):
        s = self.rounds
        self.rounds += 1
        if s < self.explore:
            return self._explore(observation, _exploration_matching(
                observation, s, self.providers, self.customers))
        u = np.array(self._mean_index(observation))  # a copy: later updates must not move it
        if observation.dense and observation.shape == (self.customers, self.providers):
            if self._commit is None:
                self._commit = (self._primal_dual(u), self.last_utilities)
            decision, self.last_utilities = self._commit
            return decision
        return self._primal_dual(u)


@register_policy("match.eps_greedy")
class EpsilonGreedy(_MeansLearner):
    """Epsilon-greedy: random matching w.p. ``min(1, epsilon * t^(-1/3))``, else the empirical stable outcome.

    Parameters
    ----------
    customers, providers, horizon : int
        Market size and :math:`T`.
    epsilon : float
        Exploration scale in (0, inf): :math:`\\varepsilon_t = \\min(1, \\varepsilon t^{-1/3})`.
    rng : numpy.random.Generator or int
        Source of the exploration coin flips and random matchings.

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> eg = EpsilonGreedy(3, 3, epsilon=1.0, rng=0)
    >>> sorted(eg.decide(MatchingObservation.full(3, 3)).matching[:, 0].tolist())   # t = 1: explores
    [0, 1, 2]
    """

    def __init__(self, customers=5, providers=5, horizon=1000, epsilon=1.0, rng=0):
        self.epsilon = check_real("epsilon", epsilon, low=0.0, low_open=True)
        self._rng = make_rng(rng)
        super().__init__(customers, providers, horizon)

    def _decide(self, observation):
        self.rounds += 1
        eps = min(1.0, self.epsilon * self.rounds ** (-1.0 / 3.0))
        if self._rng.random() < eps:
            kc, kp = observation.shape
            k = min(kc, kp)
            rows = self._rng.permutation(kc)[:k]
            cols = self._rng.permutation(kp)[:k]
            order = np.argsort(rows)
            return self._explore(observation, np.stack([rows[order], cols[order]], axis=1))
        return self._primal_dual(self._mean_index(observation))


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

    Examples
    --------
    >>> from agents.matching import MatchingObservation
    >>> a = ThompsonSampling(3, 3, rng=4).decide(MatchingObservation.full(3, 3))
    >>> b = ThompsonSampling(3, 3, rng=4).decide(MatchingObservation.full(3, 3))
    >>> repr(a) == repr(b)
    True
    """

    def __init__(self, customers=5, providers=5, horizon=1000, sigma=0.5, prior_scale=1.0, rng=0):
        self.sigma = check_real("sigma", sigma, low=0.0, low_open=True)
        self.prior_scale = check_real("prior_scale", prior_scale, low=0.0, low_open=True)
        self._rng = make_rng(rng)
        super().__init__(customers, providers, horizon)

    def _index(self, observation):
        prec = 1.0 / self.prior_scale**2 + self._count / self.sigma**2
        post_mean = (self._count / self.sigma**2) * self._mean / prec
        sample = post_mean + self._rng.standard_normal(self._mean.shape) / np.sqrt(prec)
        np.clip(sample, -1.0, 1.0, out=sample)
        return self._select(sample.reshape(2, self.customers, self.providers), observation)


def _type_vector(name, value):
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.size == 0:
        raise ValidationError(f"{name} must be a non-empty 1-D array of types, got shape {arr.shape}")
    return _check_types(name, arr, arr.shape[0])
