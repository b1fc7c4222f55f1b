"""Recommender platforms that learn from engagement as if it were sincere.

Model (this toolkit's definition)
---------------------------------
The platform reads, from each engagement, the signal
``s = alpha * explicit + (1 - alpha) * dwell`` and keeps, for each user ``u``
and item ``k``, the count ``n_uk`` and the signal sum ``S_uk``: that pair is
the platform's *state* for the user. It treats signals as exogenous noisy
draws, ``s ~ N(m_{tau,k}, noise^2)`` for a user of (latent) type ``tau``.

Population knowledge is a :class:`PopulationView`: type profiles ``m_tau``
(``G x K`` mean signals) and type shares ``pi``. With ``G = 1`` it is just a
per-item population mean (item-level pooling); with ``G > 1`` the platform
infers each user's type from its own engagement (the cold-start setting of
Haupt et al. 2023). A recommender's personalised estimate is the shrinkage
(empirical Bayes) estimate

    mu_uk = (w * p_uk + S_uk) / (w + n_uk),    p_uk = sum_tau P(tau | u) m_{tau,k},
    P(tau | u) ∝ pi_tau * exp( sum_k (2 m_{tau,k} S_uk - n_uk m_{tau,k}^2) / (2 noise^2) ),

with prior weight ``w = prior_weight > 0`` (pseudo-observations). Policies act
on ``mu``: :class:`GreedyRecommender` (argmax, ties to the lowest index),
:class:`EpsilonGreedyRecommender`, :class:`SoftmaxRecommender` (temperature
``tau``) and :class:`UCBRecommender` (``mu_k + c sqrt(log(t + 1) / (w + n_k))``,
``t = sum_k n_uk``). With ``warmup=True`` a policy first shows every unseen
item once, lowest index first.

:class:`TrustworthyRecommender` is the *insulated* design: what it shows user
``u`` is a function of the population view (built from *other* users' data),
of how often it has shown each item to ``u`` and of its own random numbers,
never of ``u``'s engagement. It still records ``u``'s engagement and
estimates ``u``'s values from it (for other users and for counterfactual
questions). Why sincere engagement is a best response under it: by induction
on ``t``, the recommendations ``x_1..x_t`` shown to ``u`` do not depend on ``u``'s
engagement (``x_t`` is a function of the view, of counts of ``x_1..x_{t-1}`` and
of the platform's random numbers). Hence for any engagement ``e_t`` the
distribution of the future ``x_{t+1}, x_{t+2}, ...`` and so the user's
continuation value is the same, and the user's problem at ``t`` reduces to
``max_e r(x_t, e) = v(x_t) - c(e | v(x_t))``, solved by natural engagement
(uniquely when distortion costs are positive). The user's strategization gap
is exactly zero: the platform is trustworthy with ``eps = 0``. In the one-user
repeated game this is exact. In a population the view itself is leave-one-out
(:class:`Platform` removes ``u``'s own contributions), so ``u``'s engagement
cannot reach its own recommendations directly; it can only through other
users' behaviour in response to what ``u`` taught the platform, an indirect
channel of order ``1 / N`` that planners in this toolkit ignore.

:class:`Platform` holds the states of many users, the population learning
(online soft-EM over the type profiles when ``learn=True``: each signal
counts towards every type's item mean with the user's current posterior
weight) and calls its recommender policy.

Examples
--------
>>> from agents.strategic.platforms import Platform, GreedyRecommender
>>> from agents.strategic.engagement import Engagement
>>> p = Platform(GreedyRecommender(warmup=True), prior=[0.0, 0.0, 0.0], alpha=1.0)
>>> u = p.add_user()
>>> [p.recommend(u) for _ in range(1)]
[0]
>>> p.observe(u, 0, Engagement(-1, 1.0))
-1.0
>>> p.recommend(u), p.observe(u, 1, Engagement(1, 0.0)), p.recommend(u)
(1, 1.0, 2)
>>> p.observe(u, 2, Engagement(0, 0.5)), p.recommend(u)
(0.0, 1)
>>> [round(m, 3) for m in p.estimates(u)]
[-0.5, 0.5, 0.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy
from sim.random import make_rng
from sim.registry import register_policy
from sim.validate import check_array, check_choice, check_int, check_probability, check_real

from .engagement import check_engagement, read_signal

__all__ = [
    "PopulationView",
    "RecObservation",
    "Recommender",
    "GreedyRecommender",
    "EpsilonGreedyRecommender",
    "SoftmaxRecommender",
    "UCBRecommender",
    "TrustworthyRecommender",
    "Platform",
]


class PopulationView:
    """The population profiles a recommender uses as its prior for one user.

    Parameters
    ----------
    type_means : array_like, shape (G, K) or (K,)
        Mean signal of each item for each type (a 1-D array is one type).
    type_prior : array_like, shape (G,), optional
        Type shares (default uniform); positive, normalised here.

    Examples
    --------
    >>> v = PopulationView([[1.0, 0.0], [0.0, 1.0]], [0.75, 0.25])
    >>> v.n_types, v.n_items, v.marginal
    (2, 2, (0.75, 0.25))
    >>> PopulationView([])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: type_means must describe at least one item (an empty catalog), got shape (1, 0)
    """

    __slots__ = ("means", "prior", "log_prior", "marginal", "n_types", "n_items", "_key")

    def __init__(self, type_means, type_prior=None):
        m = check_array("type_means", type_means)
        if m.ndim == 1:
            m = m[None, :]
        if m.ndim != 2:
            raise ValidationError(f"type_means must be 1- or 2-dimensional, got shape {m.shape}")
        if m.shape[1] == 0 or m.shape[0] == 0:
            raise ValidationError(
                f"type_means must describe at least one item (an empty catalog), got shape {m.shape}")
        if type_prior is None:
            pi = np.full(m.shape[0], 1.0 / m.shape[0])
        else:
            pi = check_array("type_prior", type_prior, ndim=1, shape=(m.shape[0],))
            if np.any(pi <= 0):
                raise ValidationError(f"type_prior must be positive, got {pi.tolist()}")
            pi = pi / pi.sum()
        self._set(tuple(tuple(float(x) for x in row) for row in m), tuple(float(x) for x in pi))

    def _set(self, means, prior):
        self.means = means
        self.prior = prior
        self.log_prior = tuple(math.log(p) for p in prior)
        self.n_types = len(means)
        self.n_items = len(means[0])
        if self.n_types == 1:
            self.marginal = means[0]
        else:
            self.marginal = tuple(sum(p * row[k] for p, row in zip(prior, means)) for k in range(self.n_items))
        self._key = (means, prior)

    @classmethod
    def _trusted(cls, means, prior):
        """Build without validation (internal: ``means`` tuples of floats, ``prior`` normalised)."""
        view = cls.__new__(cls)
        view._set(means, prior)
        return view

    def __eq__(self, other):
        return isinstance(other, PopulationView) and self._key == other._key

    def __hash__(self):
        return hash(self._key)

    def __repr__(self):
        return f"PopulationView(n_types={self.n_types}, n_items={self.n_items})"


class RecObservation(NamedTuple):
    """What a recommender decides on for one user.

    ``counts[k]`` and ``sums[k]`` are the number of signals and their sum for
    item ``k`` from this user; ``view`` is the population prior.
    """

    counts: tuple
    sums: tuple
    view: PopulationView


def _argmax(values) -> int:
    # First maximal index, identical for lists and tuples (ties to the lowest index).
    best, arg = values[0], 0
    for k in range(1, len(values)):
        if values[k] > best:
            best, arg = values[k], k
    return arg


class Recommender(Policy):
    """Base class of recommender policies (domain ``"recommender"``).

    Parameters
    ----------
    prior_weight : float
        Weight ``w > 0`` of the population prior, in pseudo-observations.
    noise : float
        Signal noise standard deviation the platform assumes (> 0); it sets how
        fast the type posterior concentrates.
    warmup : bool
        Show every unseen item once (lowest index first) before following the rule.
    rng : numpy.random.Generator or int
        Randomness of stochastic policies.

    Subclasses implement :meth:`_distribution_from` (a function of the
    estimates and counts). :meth:`distribution` is the pure function of a user's
    state that planners use as their model of the platform.
    """

    domain: ClassVar[str] = "recommender"
    #: Whether the recommendation is a deterministic function of the state.
    deterministic: ClassVar[bool] = True
    #: Whether recommendations ignore the user's own engagement (see module docstring).
    insulated: ClassVar[bool] = False

    def __init__(self, prior_weight: float = 1.0, noise: float = 0.5, warmup: bool = False, rng=0):
        self.prior_weight = check_real("prior_weight", prior_weight, low=0.0, low_open=True)
        self.noise = check_real("noise", noise, low=0.0, low_open=True)
        if not isinstance(warmup, (bool, np.bool_)):
            raise InputTypeError(f"warmup must be a bool, got {warmup!r}")
        self.warmup = bool(warmup)
        self._rng = make_rng(rng)
        self._inv2var = 1.0 / (2.0 * self.noise * self.noise)

    # --- estimation -----------------------------------------------------
    def type_posterior(self, counts, sums, view: PopulationView) -> tuple:
        """``P(tau | u)`` from the user's counts and sums (the prior for G = 1)."""
        if view.n_types == 1:
            return (1.0,)
        logs = []
        for lp, row in zip(view.log_prior, view.means):
            acc = 0.0
            for k, n in enumerate(counts):
                if n:
                    m = row[k]
                    acc += 2.0 * m * sums[k] - n * m * m
            logs.append(lp + acc * self._inv2var)
        top = max(logs)
        w = [math.exp(x - top) for x in logs]
        z = sum(w)
        return tuple(x / z for x in w)

    def prior_means(self, counts, sums, view: PopulationView) -> tuple:
        """The user's prior ``p_k = sum_tau P(tau | u) m_{tau,k}``."""
        if view.n_types == 1:
            return view.means[0]
        post = self.type_posterior(counts, sums, view)
        return tuple(sum(p * row[k] for p, row in zip(post, view.means)) for k in range(view.n_items))

    def estimates(self, counts, sums, view: PopulationView) -> list:
        """Personalised estimates ``mu_k = (w p_k + S_k) / (w + n_k)``."""
        w = self.prior_weight
        p = self.prior_means(counts, sums, view)
        return [(w * p[k] + sums[k]) / (w + counts[k]) for k in range(len(counts))]

    # --- the rule ---------------------------------------------------------
    def distribution(self, counts, sums, view: PopulationView) -> tuple:
        """The recommendation's distribution: a tuple of ``(item, probability)``."""
        if self.warmup:
            for k, n in enumerate(counts):
                if n == 0:
                    return ((k, 1.0),)
        return self._distribution_from(counts, sums, view)

    def _distribution_from(self, counts, sums, view):
        raise NotImplementedError

    def draw(self, counts, sums, view: PopulationView, rng=None) -> int:
        """Draw a recommendation (uses the policy's own generator unless ``rng`` is given)."""
        dist = self.distribution(counts, sums, view)
        if len(dist) == 1:
            return dist[0][0]
        u = (self._rng if rng is None else rng).random()
        acc = 0.0
        for k, p in dist:
            acc += p
            if u < acc:
                return k
        return dist[-1][0]

    # --- Policy interface -------------------------------------------------
    def _check_observation(self, observation):
        if not isinstance(observation, RecObservation):
            raise InputTypeError(
                f"observation must be a RecObservation(counts, sums, view), got {type(observation).__name__}")
        if not isinstance(observation.view, PopulationView):
            raise InputTypeError(f"observation.view must be a PopulationView, got {observation.view!r}")
        K = observation.view.n_items
        if len(observation.counts) != K or len(observation.sums) != K:
            raise ValidationError(
                f"observation.counts and observation.sums must have length {K} (the view's items), "
                f"got {len(observation.counts)} and {len(observation.sums)}")

    def _decide(self, observation):
        return self.draw(tuple(observation.counts), tuple(observation.sums), observation.view)

    def _check_decision(self, observation, decision):
        if not 0 <= decision < observation.view.n_items:
            raise self._invalid(f"recommended item {decision!r}, outside 0..{observation.view.n_items - 1}")

    def probabilities(self, observation) -> np.ndarray:
        """The recommendation probabilities of every item (validated entry point)."""
        self._check_observation(observation)
        out = np.zeros(observation.view.n_items)
        for k, p in self.distribution(tuple(observation.counts), tuple(observation.sums), observation.view):
            out[k] += p
        return out

    @classmethod
    def example_observation(cls, rng) -> RecObservation:
        """A random valid observation (four items, two types, a few signals)."""
        rng = make_rng(rng)
        K = 4
        counts = tuple(int(c) for c in rng.integers(0, 3, size=K))
        sums = tuple(float(round(c * rng.uniform(-1, 1), 3)) for c in counts)
        view = PopulationView(rng.uniform(-1, 1, size=(2, K)).round(3), (0.7, 0.3))
        return RecObservation(counts, sums, view)


@register_policy("rec.greedy")
class GreedyRecommender(Recommender):
    """Recommend the item with the highest personalised estimate.

    Examples
    --------
    >>> obs = RecObservation((1, 0), (0.2, 0.0), PopulationView([0.0, 0.5]))
    >>> GreedyRecommender().decide(obs)
    1
    """

    def _distribution_from(self, counts, sums, view):
        return ((_argmax(self.estimates(counts, sums, view)), 1.0),)


@register_policy("rec.epsilon_greedy")
class EpsilonGreedyRecommender(Recommender):
    """With probability ``epsilon`` a uniformly random item, else the greedy one.

    Examples
    --------
    >>> obs = RecObservation((1, 0), (0.2, 0.0), PopulationView([0.0, 0.5]))
    >>> EpsilonGreedyRecommender(epsilon=0.2).probabilities(obs).tolist()
    [0.1, 0.9]
    """

    deterministic = False

    def __init__(self, epsilon: float = 0.1, prior_weight: float = 1.0, noise: float = 0.5,
                 warmup: bool = False, rng=0):
        super().__init__(prior_weight=prior_weight, noise=noise, warmup=warmup, rng=rng)
        self.epsilon = check_probability("epsilon", epsilon)

    def _distribution_from(self, counts, sums, view):
        K = len(counts)
        best = _argmax(self.estimates(counts, sums, view))
        base = self.epsilon / K
        return tuple((k, base + (1.0 - self.epsilon if k == best else 0.0)) for k in range(K))


@register_policy("rec.softmax")
class SoftmaxRecommender(Recommender):
    """Recommend item ``k`` with probability proportional to ``exp(mu_k / temperature)``.

    Examples
    --------
    >>> obs = RecObservation((0, 0), (0.0, 0.0), PopulationView([0.0, 0.0]))
    >>> SoftmaxRecommender().probabilities(obs).tolist()
    [0.5, 0.5]
    """

    deterministic = False

    def __init__(self, temperature: float = 0.1, prior_weight: float = 1.0, noise: float = 0.5,
                 warmup: bool = False, rng=0):
        super().__init__(prior_weight=prior_weight, noise=noise, warmup=warmup, rng=rng)
        self.temperature = check_real("temperature", temperature, low=0.0, low_open=True)

    def _distribution_from(self, counts, sums, view):
        mu = self.estimates(counts, sums, view)
        top = max(mu)
        w = [math.exp((m - top) / self.temperature) for m in mu]
        z = sum(w)
        return tuple((k, x / z) for k, x in enumerate(w))


@register_policy("rec.ucb")
class UCBRecommender(Recommender):
    """Recommend ``argmax_k mu_k + c sqrt(log(t + 1) / (w + n_k))`` (deterministic).

    Examples
    --------
    >>> obs = RecObservation((5, 0), (2.5, 0.0), PopulationView([0.0, 0.3]))
    >>> UCBRecommender(c=0.0).decide(obs), UCBRecommender(c=1.0).decide(obs)
    (0, 1)
    """

    def __init__(self, c: float = 0.5, prior_weight: float = 1.0, noise: float = 0.5,
                 warmup: bool = False, rng=0):
        super().__init__(prior_weight=prior_weight, noise=noise, warmup=warmup, rng=rng)
        self.c = check_real("c", c, low=0.0)

    def _distribution_from(self, counts, sums, view):
        mu = self.estimates(counts, sums, view)
        log_t = math.log(sum(counts) + 1.0)
        w = self.prior_weight
        scores = [mu[k] + self.c * math.sqrt(log_t / (w + counts[k])) for k in range(len(mu))]
        return ((_argmax(scores), 1.0),)


@register_policy("rec.trustworthy")
class TrustworthyRecommender(Recommender):
    """Insulated recommender: never uses the user's own engagement to choose for it.

    It shows every item once (``warmup``, on by default), then acts on the
    population view's marginal means ``sum_tau pi_tau m_{tau,k}`` (built from
    other users) either greedily or by softmax sampling. Its personalised
    :meth:`estimates` are still computed from the user's engagement, for
    estimation and counterfactual questions. See the module docstring for why
    sincere engagement is a best response (strategization gap exactly 0).

    Parameters
    ----------
    base : {"softmax", "greedy"}
        How it acts on the population means.
    temperature : float
        Softmax temperature (> 0).

    Examples
    --------
    >>> view = PopulationView([0.0, 0.5])
    >>> t = TrustworthyRecommender(base="greedy", warmup=False)
    >>> t.decide(RecObservation((3, 0), (3.0, 0.0), view)) == t.decide(RecObservation((3, 0), (-3.0, 0.0), view))
    True
    """

    insulated = True

    def __init__(self, base: str = "softmax", temperature: float = 0.1, prior_weight: float = 1.0,
                 noise: float = 0.5, warmup: bool = True, rng=0):
        super().__init__(prior_weight=prior_weight, noise=noise, warmup=warmup, rng=rng)
        self.base = check_choice("base", base, ("softmax", "greedy"))
        self.temperature = check_real("temperature", temperature, low=0.0, low_open=True)
        self.deterministic = self.base == "greedy"

    def _distribution_from(self, counts, sums, view):
        mu = view.marginal  # population only: the user's sums never enter
        if self.base == "greedy":
            return ((_argmax(mu), 1.0),)
        top = max(mu)
        w = [math.exp((m - top) / self.temperature) for m in mu]
        z = sum(w)
        return tuple((k, x / z) for k, x in enumerate(w))


class Platform:
    """A recommender platform serving many users and learning across them.

    Parameters
    ----------
    policy : Recommender
        The recommendation rule (and its estimator settings).
    prior : array_like, shape (G, K) or (K,)
        Initial type profiles (mean signal per type and item), e.g. learned
        from historical data; a 1-D array is a single population mean per item.
    type_prior : array_like, shape (G,), optional
        Type shares (default uniform).
    alpha : float
        Weight of the explicit signal in ``s = alpha explicit + (1 - alpha) dwell``, in [0, 1].
    learn : bool
        Update the type profiles from users' signals (population learning).
    pseudo_count : float
        Weight (> 0) of the initial profiles in population learning.
    rng : numpy.random.Generator or int
        Randomness of the recommendations (stochastic policies).
    """

    def __init__(self, policy: Recommender, prior, *, type_prior=None, alpha: float = 0.5,
                 learn: bool = False, pseudo_count: float = 10.0, rng=0):
        if not isinstance(policy, Recommender):
            raise InputTypeError(f"policy must be a Recommender, got {type(policy).__name__}")
        self.policy = policy
        self.alpha = check_probability("alpha", alpha)
        self.base_view = PopulationView(prior, type_prior)
        self.learn = bool(learn)
        self.pseudo_count = check_real("pseudo_count", pseudo_count, low=0.0, low_open=True)
        self.rng = make_rng(rng)
        G, K = self.base_view.n_types, self.base_view.n_items
        self.n_items, self.n_types = K, G
        self._counts: list[list[int]] = []
        self._sums: list[list[float]] = []
        # population sufficient statistics, and each user's share of them (for leave-one-out)
        self._tot_s = [[0.0] * K for _ in range(G)]
        self._tot_n = [[0.0] * K for _ in range(G)]
        self._own_s: list[list[list[float]]] = []
        self._own_n: list[list[list[float]]] = []

    @property
    def n_users(self) -> int:
        """Number of users added."""
        return len(self._counts)

    def add_user(self) -> int:
        """Register a new user; returns its id."""
        K, G = self.n_items, self.n_types
        self._counts.append([0] * K)
        self._sums.append([0.0] * K)
        if self.learn:
            self._own_s.append([[0.0] * K for _ in range(G)])
            self._own_n.append([[0.0] * K for _ in range(G)])
        return len(self._counts) - 1

    def _uid(self, uid) -> int:
        uid = check_int("uid", uid, low=0)
        if uid >= len(self._counts):
            raise ValidationError(f"uid must be a registered user (0..{len(self._counts) - 1}), got {uid}")
        return uid

    def view(self, uid: int) -> PopulationView:
        """The population view for user ``uid`` (leave-one-out when learning)."""
        if not self.learn:
            return self.base_view
        c0 = self.pseudo_count
        own_s, own_n = self._own_s[uid], self._own_n[uid]
        means = tuple(
            tuple((c0 * m0[k] + ts[k] - os_[k]) / (c0 + tn[k] - on[k]) for k in range(self.n_items))
            for m0, ts, tn, os_, on in zip(self.base_view.means, self._tot_s, self._tot_n, own_s, own_n)
        )
        return PopulationView._trusted(means, self.base_view.prior)

    def state(self, uid: int) -> RecObservation:
        """The recommender's observation for user ``uid``."""
        uid = self._uid(uid)
        return RecObservation(tuple(self._counts[uid]), tuple(self._sums[uid]), self.view(uid))

    def recommend(self, uid: int) -> int:
        """The next item for user ``uid``."""
        return self.recommend_with_view(uid)[0]

    def recommend_with_view(self, uid: int):
        """The next item for user ``uid`` and the population view it was chosen with."""
        view = self.view(uid)
        return self.policy.draw(self._counts[uid], self._sums[uid], view, self.rng), view

    def observe(self, uid: int, item: int, engagement) -> float:
        """Record ``engagement`` of user ``uid`` with ``item``; returns the signal read."""
        engagement = check_engagement("engagement", engagement)
        item = check_int("item", item, low=0, high=self.n_items - 1)
        s = read_signal(engagement, self.alpha)
        counts, sums = self._counts[uid], self._sums[uid]
        counts[item] += 1
        sums[item] += s
        if self.learn:
            post = self.policy.type_posterior(counts, sums, self.view(uid))
            for g, w in enumerate(post):
                self._tot_s[g][item] += w * s
                self._tot_n[g][item] += w
                self._own_s[uid][g][item] += w * s
                self._own_n[uid][g][item] += w
        return s

    def estimates(self, uid: int) -> list:
        """The personalised estimates ``mu_uk`` of user ``uid``."""
        obs = self.state(uid)
        return self.policy.estimates(obs.counts, obs.sums, obs.view)

    def raw_means(self, uid: int) -> np.ndarray:
        """Mean signal per item from user ``uid`` (NaN where never shown)."""
        uid = self._uid(uid)
        n = np.array(self._counts[uid], dtype=float)
        s = np.array(self._sums[uid], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, s / np.maximum(n, 1), np.nan)

    def counts(self, uid: int) -> np.ndarray:
        """How often each item was shown to user ``uid``."""
        return np.array(self._counts[self._uid(uid)], dtype=int)

    def __repr__(self):
        return (f"Platform(policy={self.policy!r}, alpha={self.alpha}, n_items={self.n_items}, "
                f"n_types={self.n_types}, learn={self.learn}, users={self.n_users})")
