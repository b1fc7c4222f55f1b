"""Recommender platforms that learn from engagement as if it were sincere.

Model (this toolkit's definition)
---------------------------------
A recommender reads, from each engagement, the signal
``s = alpha * explicit + (1 - alpha) * dwell`` (``alpha`` is the recommender's
attention to likes) and treats signals as exogenous noisy draws,
``s ~ N(m_{tau,k}, noise^2)`` for a user of (latent) type ``tau``. Its *state*
for a user ``u`` is a :class:`RecState`: for each item ``k`` the count
``n_uk`` of signals and, exactly as integers, the sum ``E_uk`` of explicit
signals and the sum ``D_uk`` of dwell in half units, so that the signal sum is
``S_uk = alpha E_uk + (1 - alpha) D_uk / 2``. (Keeping integer sums makes the
estimates independent of the order in which signals arrived, which lets a
planner recognise equal states reached along different paths.)

Population knowledge is a :class:`PopulationView`: type profiles ``m_tau``
(``G x K`` mean signals) and type shares ``pi``. With ``G = 1`` it is a
per-item population mean (item-level pooling); with ``G > 1`` the recommender
infers each user's type from its own engagement (the cold-start setting of
Haupt et al. 2023). The personalised estimate is the shrinkage (empirical
Bayes) estimate

    mu_uk = (w * p_uk + S_uk) / (w + n_uk),    p_uk = sum_tau P(tau | u) m_{tau,k},
    P(tau | u) ∝ pi_tau * exp( sum_k (2 m_{tau,k} S_uk - n_uk m_{tau,k}^2) / (2 noise^2) ),

with prior weight ``w = prior_weight > 0`` (pseudo-observations).

*Cluster pooling* (``clusters=`` an item -> cluster map such as genres; one
population type): the recommender learns one offset per user and cluster
instead of one estimate per item,
``mu_uk = m_k + (S_{u,c} - sum_{j in c} n_uj m_j) / (w + n_{u,c})`` with
``c = c(k)`` and ``S_{u,c}``, ``n_{u,c}`` the user's signal sum and count on
the cluster, so a dislike of one item lowers the whole genre. Its state keeps
per-cluster sums: a *platform with small state*, against which best responses
cost time polynomial in the horizon (see :mod:`agents.strategic.planner`).

Policies act on ``mu``: :class:`GreedyRecommender` (argmax, ties to the lowest
index), :class:`EpsilonGreedyRecommender`, :class:`SoftmaxRecommender`
(temperature ``tau``) and :class:`UCBRecommender`
(``mu_k + c sqrt(log(t + 1) / (w + n_k))``, ``t = sum_k n_uk``; ``n`` per
cluster under cluster pooling). With ``warmup=True`` a policy first shows
every unseen item once, lowest index first (with clusters: each unseen
cluster's most popular item).

:class:`TrustworthyRecommender` is the *insulated* design: what it shows user
``u`` is a function of the population view (built from *other* users' data),
of how often it has shown each item to ``u`` and of its own random numbers,
never of ``u``'s engagement. It still records ``u``'s engagement and
estimates ``u``'s values from it (for other users and for counterfactual
questions). Why sincere engagement is a best response under it: by induction
on ``t``, the recommendations ``x_1..x_t`` shown to ``u`` do not depend on ``u``'s
engagement (``x_t`` is a function of the view, of counts of ``x_1..x_{t-1}`` and
of the platform's random numbers). Hence for any engagement ``e_t`` the
distribution of the future ``x_{t+1}, x_{t+2}, ...``, and so the user's
continuation value, is the same, and the user's problem at ``t`` reduces to
``max_e r(x_t, e) = v(x_t) - c(e | v(x_t))``, solved by natural engagement
(uniquely when distortion costs are positive). The strategization gap is
exactly zero: the platform is trustworthy with ``eps = 0``. In the one-user
repeated game this is exact. In a population the view is leave-one-out
(:class:`Platform` removes ``u``'s own contributions), so ``u``'s engagement
cannot reach its own recommendations directly; it can only through other
users' behaviour in response to what ``u`` taught the platform, an indirect
channel of order ``1 / N`` that planners in this toolkit ignore. The price of
insulation is personalisation: naive users earn what the population profile
gives them (the ``kappa`` of a kappa-trustworthy platform), which is low for
minorities.

:class:`Platform` holds the states of many users and the population learning
(online soft-EM over the type profiles when ``learn=True``: each signal
counts towards every type's item mean with the user's current posterior
weight), and calls its recommender.

Examples
--------
>>> from agents.strategic.platforms import Platform, GreedyRecommender
>>> from agents.strategic.engagement import Engagement
>>> p = Platform(GreedyRecommender(alpha=1.0, warmup=True), prior=[0.0, 0.0, 0.0])
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

import copy
import math
import operator
from collections.abc import Hashable
from typing import ClassVar, NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.random import RngLike, make_rng
from sim.registry import register_policy
from sim.validate import (
    check_array,
    check_choice,
    check_int,
    check_probability,
    check_real,
)

from .engagement import ACTIONS, Engagement, check_engagement, read_signal

__all__ = [
    "EpsilonGreedyRecommender",
    "GreedyRecommender",
    "Platform",
    "PopulationView",
    "RecObservation",
    "RecState",
    "Recommender",
    "SoftmaxRecommender",
    "TrustworthyRecommender",
    "UCBRecommender",
    "engagement_units",
]


class PopulationView:
    """The population profiles a recommender uses as its prior for one user.

    Parameters
    ----------
    type_means : array_like, shape (G, K) or (K,)
        Mean signal of each item for each type (a 1-D array is one type).
    type_prior : array_like, shape (G,), optional
        Type shares (default uniform): positive and summing to 1 (within 1e-6;
        renormalised exactly here).
    argument : str
        The name the caller gave ``type_means`` (used in error messages, e.g.
        ``"prior"`` for :class:`Platform`).

    Examples
    --------
    >>> v = PopulationView([[1.0, 0.0], [0.0, 1.0]], [0.75, 0.25])
    >>> v.n_types, v.n_items, v.marginal
    (2, 2, (0.75, 0.25))
    >>> PopulationView([])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: type_means must describe at least one item (an empty catalog), got shape (1, 0)
    >>> PopulationView([[1.0, 0.0], [0.0, 1.0]], [0.3, 0.3])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: type_prior must sum to 1, got [0.3, 0.3] (sum 0.6)
    """

    __slots__ = (
        "_key",
        "columns",
        "log_prior",
        "marginal",
        "means",
        "means_sq",
        "n_items",
        "n_types",
        "prior",
        "two",
    )

    def __init__(self, type_means: ArrayLike, type_prior: ArrayLike | None = None, *,
                 argument: str = "type_means") -> None:
        if not isinstance(argument, str):
            raise InputTypeError(f"argument must be a string, got {argument!r}")
        m = check_array(argument, type_means)
        if m.ndim == 1:
            m = m[None, :]
        if m.ndim != 2:
            raise ValidationError(f"{argument} must be 1- or 2-dimensional, got shape {m.shape}")
        if m.shape[1] == 0 or m.shape[0] == 0:
            raise ValidationError(
                f"{argument} must describe at least one item (an empty catalog), got shape {m.shape}")
        if type_prior is None:
            pi = np.full(m.shape[0], 1.0 / m.shape[0])
        else:
            pi = check_array("type_prior", type_prior, ndim=1, shape=(m.shape[0],))
            if np.any(pi <= 0):
                raise ValidationError(f"type_prior must be positive, got {pi.tolist()}")
            total = float(pi.sum())
            # shares that do not sum to 1 are a caller's mistake (e.g. a missing type), not a scale
            if not abs(total - 1.0) <= 1e-6:
                raise ValidationError(f"type_prior must sum to 1, got {pi.tolist()} (sum {total:.6g})")
            pi = pi / total
        self._set(tuple(tuple(float(x) for x in row) for row in m), tuple(float(x) for x in pi))

    def _set(self, means, prior):
        self.means = means
        self.prior = prior
        self.log_prior = tuple(math.log(p) for p in prior)
        self.n_types = len(means)
        self.n_items = len(means[0])
        # precomputed for the type posterior (hot in planners)
        self.means_sq = tuple(tuple(m * m for m in row) for row in means)
        self.columns = tuple(zip(*means))
        if self.n_types == 2:
            # two types: the posterior is a logistic function of two dot products
            (m0, m1), (q0, q1) = means, self.means_sq
            self.two = (self.log_prior[0] - self.log_prior[1], m1,
                        tuple(a - b for a, b in zip(m0, m1)), tuple(a - b for a, b in zip(q0, q1)))
        else:
            self.two = None
        if self.n_types == 1:
            self.marginal = means[0]
        else:
            self.marginal = tuple(sum(map(operator.mul, prior, col)) for col in self.columns)
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


class RecState(NamedTuple):
    """A recommender's state for one user (exact integer sufficient statistics).

    ``counts[k]``: signals on item ``k``. ``explicit[j]`` and ``dwell[j]``: sums
    of the explicit signals and of dwell in half units, per item ``j`` or, under
    cluster pooling, per cluster ``j``.
    """

    counts: tuple
    explicit: tuple
    dwell: tuple


class RecObservation(NamedTuple):
    """What a recommender decides on for one user: its state, the population view and the user's id.

    ``user`` is the platform's id of the user (``None`` when the observation
    is not about a registered user, e.g. inside a planner's model).
    """

    state: RecState
    view: PopulationView
    user: int | None = None


#: Engagement -> (explicit, dwell in half units).
_UNITS = {a: (a[0], round(a[1] * 2)) for a in ACTIONS}


def engagement_units(engagement: Engagement | tuple[float, float]) -> tuple[int, int]:
    """``(explicit, dwell in half units)`` of an engagement, as integers.

    Examples
    --------
    >>> engagement_units((1, 0.5))
    (1, 1)
    """
    return _UNITS[check_engagement("engagement", engagement)]


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
    alpha : float
        Weight of explicit signals in ``s = alpha explicit + (1 - alpha) dwell``, in [0, 1].
    prior_weight : float
        Weight ``w > 0`` of the population prior, in pseudo-observations.
    noise : float
        Signal noise standard deviation assumed (> 0); it sets how fast the
        type posterior concentrates.
    warmup : bool
        Show every unseen item once (lowest index first) before following the
        rule; with clusters, every unseen cluster's most popular item.
    clusters : array_like of int, shape (K,), optional
        Pool the user's signals by cluster (small state; one population type only).
    rng : numpy.random.Generator or int
        Randomness of stochastic policies.

    Subclasses implement :meth:`_distribution_from` (a function of the
    estimates and the state). :meth:`distribution` and :meth:`advance` are the
    pure functions of a user's state that planners use as their model of the
    platform.
    """

    spec = PolicySpec("recommender", label="recommender")
    #: Whether the recommendation is a deterministic function of the state.
    deterministic: ClassVar[bool] = True
    #: Whether recommendations ignore the user's own engagement (see module docstring).
    insulated: ClassVar[bool] = False

    def __init__(self, alpha: float = 0.5, prior_weight: float = 1.0, noise: float = 0.5,
                 warmup: bool = False, clusters: ArrayLike | None = None, rng: RngLike = 0) -> None:
        self.alpha = check_probability("alpha", alpha)
        self.prior_weight = check_real("prior_weight", prior_weight, low=0.0, low_open=True)
        self.noise = check_real("noise", noise, low=0.0, low_open=True)
        if not 2.0 * self.noise * self.noise > 0.0 or not math.isfinite(1.0 / (2.0 * self.noise * self.noise)):
            raise ValidationError(f"noise must be at least 1e-150 (its square enters the type posterior), "
                                  f"got {self.noise!r}")
        if not isinstance(warmup, (bool, np.bool_)):
            raise InputTypeError(f"warmup must be a bool, got {warmup!r}")
        self.warmup = bool(warmup)
        if clusters is None:
            self.clusters = None
            self._members = None
        else:
            arr = check_array("clusters", clusters, ndim=1, allow_empty=False)
            if np.any(arr < 0) or np.any(arr != np.round(arr)):
                raise ValidationError(f"clusters must be non-negative integers, got {np.asarray(clusters).tolist()}")
            if np.max(arr) >= len(arr):  # labels 0..C-1 without gaps: C <= K (checked before building 0..C-1)
                raise ValidationError(f"clusters must number clusters 0..C-1 without gaps (C <= {len(arr)} "
                                      f"items), got label {np.max(arr)!r}")
            self.clusters = tuple(int(c) for c in arr)
            missing = sorted(set(range(max(self.clusters) + 1)) - set(self.clusters))
            if missing:
                raise ValidationError(f"clusters must number clusters 0..C-1 without gaps, missing {missing}")
            self._members = tuple(tuple(k for k, c in enumerate(self.clusters) if c == j)
                                  for j in range(max(self.clusters) + 1))
        self._rng = make_rng(rng)
        self._set_alpha(self.alpha)
        self._inv2var = 1.0 / (2.0 * self.noise * self.noise)

    def _set_alpha(self, alpha):
        self.alpha = alpha
        self._a = alpha
        self._b = (1.0 - alpha) * 0.5  # dwell is kept in half units

    def with_alpha(self, alpha: float) -> Recommender:
        """A copy of this rule attending to likes with weight ``alpha`` (for beliefs)."""
        alpha = check_probability("alpha", alpha)
        twin = copy.copy(self)
        twin._set_alpha(alpha)
        return twin

    # --- the state ---------------------------------------------------------
    def check_view(self, view: PopulationView) -> PopulationView:
        """Return ``view`` if this recommender can use it (cluster pooling needs one type)."""
        if not isinstance(view, PopulationView):
            raise InputTypeError(f"view must be a PopulationView, got {type(view).__name__}")
        if self.clusters is not None:
            if view.n_types != 1:
                raise ValidationError(f"cluster pooling needs a one-type view, got {view.n_types} types")
            if view.n_items != len(self.clusters):
                raise ValidationError(
                    f"clusters has {len(self.clusters)} entries but the view has {view.n_items} items")
        return view

    def initial_state(self, n_items: int) -> RecState:
        """The state of a user without any signal."""
        m = n_items if self.clusters is None else len(self._members)
        return RecState((0,) * n_items, (0,) * m, (0,) * m)

    def advance(self, state: RecState, item: int, explicit: int, dwell_half: int) -> RecState:
        """The state after engagement ``(explicit, dwell_half / 2)`` with ``item`` (pure)."""
        counts, ex, dw = state
        j = item if self.clusters is None else self.clusters[item]
        return RecState(counts[:item] + (counts[item] + 1,) + counts[item + 1:],
                        ex[:j] + (ex[j] + explicit,) + ex[j + 1:],
                        dw[:j] + (dw[j] + dwell_half,) + dw[j + 1:])

    def memo_key(self, state: RecState) -> Hashable:
        """The part of ``state`` that the rule's future behaviour depends on.

        Contract: two states with equal keys get the same recommendation
        distribution, and stay equal-keyed after the same engagement with the
        same item. Planners memoise on it. The default is the whole state.
        """
        return state

    def signal_sums(self, state: RecState) -> list:
        """``S_j = alpha E_j + (1 - alpha) D_j / 2`` per item (or cluster)."""
        a, b = self._a, self._b
        return [a * e + b * d for e, d in zip(state.explicit, state.dwell)]

    # --- estimation -----------------------------------------------------
    def type_posterior(self, state: RecState, view: PopulationView) -> tuple:
        """``P(tau | u)`` from the user's state (the prior when ``G = 1``)."""
        if view.n_types == 1:
            return (1.0,)
        return self._posterior(state.counts, self.signal_sums(state), view)

    def _posterior(self, counts, sums, view):
        mul, inv = operator.mul, self._inv2var
        logs = [lp + (2.0 * sum(map(mul, m, sums)) - sum(map(mul, m2, counts))) * inv
                for lp, m, m2 in zip(view.log_prior, view.means, view.means_sq)]
        top = max(logs)
        w = [math.exp(x - top) for x in logs]
        z = sum(w)
        return tuple(x / z for x in w)

    def prior_means(self, state: RecState, view: PopulationView) -> tuple:
        """The user's prior ``p_k = sum_tau P(tau | u) m_{tau,k}``."""
        if view.n_types == 1:
            return view.means[0]
        post = self.type_posterior(state, view)
        return tuple(sum(map(operator.mul, post, col)) for col in view.columns)

    def estimates(self, state: RecState, view: PopulationView) -> list:
        """Personalised estimates ``mu_k`` (see the module docstring)."""
        w = self.prior_weight
        counts = state.counts
        a, b = self._a, self._b
        sums = [a * e + b * d for e, d in zip(state.explicit, state.dwell)]
        if self.clusters is None:
            if view.n_types == 1:
                p = view.means[0]
            elif view.two is not None:
                lp, m1, dm, dq = view.two
                mul = operator.mul
                logit = lp + (2.0 * sum(map(mul, dm, sums)) - sum(map(mul, dq, counts))) * self._inv2var
                p0 = 1.0 / (1.0 + math.exp(-logit)) if logit > -700.0 else 0.0
                p = [b + p0 * d for b, d in zip(m1, dm)]
            else:
                post = self._posterior(counts, sums, view)
                p = [sum(map(operator.mul, post, col)) for col in view.columns]
            return [(w * pk + sk) / (w + nk) for pk, sk, nk in zip(p, sums, counts)]
        p = view.means[0]
        offsets = []
        for j, members in enumerate(self._members):
            n = 0
            base = 0.0
            for k in members:
                if counts[k]:
                    n += counts[k]
                    base += counts[k] * p[k]
            offsets.append((sums[j] - base) / (w + n))
        cl = self.clusters
        return [p[k] + offsets[cl[k]] for k in range(len(p))]

    def _seen(self, counts, k: int) -> int:
        if self.clusters is None:
            return counts[k]
        return sum(counts[j] for j in self._members[self.clusters[k]])

    # --- the rule ---------------------------------------------------------
    def distribution(self, state: RecState, view: PopulationView) -> tuple:
        """The recommendation's distribution: a tuple of ``(item, probability)``."""
        if self.warmup:
            counts = state.counts
            if self.clusters is None:
                for k, n in enumerate(counts):
                    if n == 0:
                        return ((k, 1.0),)
            else:
                p = view.marginal
                for members in self._members:
                    if not any(counts[k] for k in members):
                        return ((max(members, key=lambda k: (p[k], -k)), 1.0),)
        return self._distribution_from(state, view)

    def _distribution_from(self, state, view):
        raise NotImplementedError

    def draw(self, state: RecState, view: PopulationView, rng: np.random.Generator | None = None) -> int:
        """Draw a recommendation (the policy's own generator unless ``rng`` is given)."""
        dist = self.distribution(state, view)
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
                f"observation must be a RecObservation(state, view), got {type(observation).__name__}")
        self.check_view(observation.view)
        state = observation.state
        if not isinstance(state, RecState):
            raise InputTypeError(f"observation.state must be a RecState, got {type(state).__name__}")
        ref = self.initial_state(observation.view.n_items)
        for name, got, want in zip(RecState._fields, state, ref):
            if len(got) != len(want):
                raise ValidationError(f"observation.state.{name} must have length {len(want)}, got {len(got)}")

    def _decide(self, observation):
        return self.draw(observation.state, observation.view)

    def _check_decision(self, observation, decision):
        if not 0 <= decision < observation.view.n_items:
            raise self._invalid(f"recommended item {decision!r}, outside 0..{observation.view.n_items - 1}")

    def probabilities(self, observation: RecObservation) -> np.ndarray:
        """The recommendation probabilities of every item (validated entry point)."""
        self._check_observation(observation)
        out = np.zeros(observation.view.n_items)
        for k, p in self.distribution(observation.state, observation.view):
            out[k] += p
        return out

    @classmethod
    def example_observation(cls, rng: RngLike) -> RecObservation:
        """A random valid observation (four items, two types, a few signals)."""
        rng = make_rng(rng)
        K = 4
        counts = tuple(int(c) for c in rng.integers(0, 3, size=K))
        explicit = tuple(int(rng.integers(-c, c + 1)) for c in counts)
        dwell = tuple(int(rng.integers(0, 2 * c + 1)) for c in counts)
        view = PopulationView(rng.uniform(-1, 1, size=(2, K)).round(3), (0.7, 0.3))
        return RecObservation(RecState(counts, explicit, dwell), view)


def _state(counts, explicit, dwell=None):
    """Doctest helper: a per-item state (dwell defaults to zeros)."""
    return RecState(tuple(counts), tuple(explicit), tuple(dwell or (0,) * len(counts)))


@register_policy("rec.greedy")
class GreedyRecommender(Recommender):
    """Recommend the item with the highest personalised estimate.

    Examples
    --------
    >>> obs = RecObservation(_state((1, 0), (0, 0)), PopulationView([0.0, 0.5]))
    >>> GreedyRecommender().decide(obs)
    1
    """

    spec = PolicySpec("recommender", label="greedy")

    def __init__(self, alpha: float = 0.5, prior_weight: float = 1.0, noise: float = 0.5,
                 warmup: bool = False, clusters: ArrayLike | None = None) -> None:
        # deterministic: no generator of its own (a Platform draws from its own)
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, warmup=warmup,
                         clusters=clusters, rng=0)

    def _distribution_from(self, state, view):
        return ((_argmax(self.estimates(state, view)), 1.0),)


@register_policy("rec.epsilon_greedy")
class EpsilonGreedyRecommender(Recommender):
    """With probability ``epsilon`` a uniformly random item, else the greedy one.

    Examples
    --------
    >>> obs = RecObservation(_state((1, 0), (0, 0)), PopulationView([0.0, 0.5]))
    >>> EpsilonGreedyRecommender(epsilon=0.2).probabilities(obs).tolist()
    [0.1, 0.9]
    """

    spec = PolicySpec("recommender", label="epsilon-greedy", stochastic=True)
    deterministic = False

    def __init__(self, epsilon: float = 0.1, alpha: float = 0.5, prior_weight: float = 1.0,
                 noise: float = 0.5, warmup: bool = False, clusters: ArrayLike | None = None,
                 rng: RngLike = 0) -> None:
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, warmup=warmup,
                         clusters=clusters, rng=rng)
        self.epsilon = check_probability("epsilon", epsilon)

    def _distribution_from(self, state, view):
        K = view.n_items
        best = _argmax(self.estimates(state, view))
        base = self.epsilon / K
        return tuple((k, base + (1.0 - self.epsilon if k == best else 0.0)) for k in range(K))


@register_policy("rec.softmax")
class SoftmaxRecommender(Recommender):
    """Recommend item ``k`` with probability proportional to ``exp(mu_k / temperature)``.

    Examples
    --------
    >>> obs = RecObservation(_state((0, 0), (0, 0)), PopulationView([0.0, 0.0]))
    >>> SoftmaxRecommender().probabilities(obs).tolist()
    [0.5, 0.5]
    """

    spec = PolicySpec("recommender", label="softmax", stochastic=True)
    deterministic = False

    def __init__(self, temperature: float = 0.1, alpha: float = 0.5, prior_weight: float = 1.0,
                 noise: float = 0.5, warmup: bool = False, clusters: ArrayLike | None = None,
                 rng: RngLike = 0) -> None:
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, warmup=warmup,
                         clusters=clusters, rng=rng)
        self.temperature = check_real("temperature", temperature, low=0.0, low_open=True)

    def _distribution_from(self, state, view):
        mu = self.estimates(state, view)
        top = max(mu)
        w = [math.exp((m - top) / self.temperature) for m in mu]
        z = sum(w)
        return tuple((k, x / z) for k, x in enumerate(w))


@register_policy("rec.ucb")
class UCBRecommender(Recommender):
    """Recommend ``argmax_k mu_k + c sqrt(log(t + 1) / (w + n_k))`` (deterministic).

    Examples
    --------
    >>> obs = RecObservation(_state((5, 0), (3, 0), (10, 0)), PopulationView([0.0, 0.3]))
    >>> UCBRecommender(c=0.0).decide(obs), UCBRecommender(c=1.0).decide(obs)
    (0, 1)
    """

    spec = PolicySpec("recommender", label="UCB")

    def __init__(self, c: float = 0.5, alpha: float = 0.5, prior_weight: float = 1.0,
                 noise: float = 0.5, warmup: bool = False, clusters: ArrayLike | None = None) -> None:
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, warmup=warmup,
                         clusters=clusters, rng=0)
        self.c = check_real("c", c, low=0.0)

    def _distribution_from(self, state, view):
        mu = self.estimates(state, view)
        counts = state.counts
        log_t = math.log(sum(counts) + 1.0)
        w = self.prior_weight
        scores = [mu[k] + self.c * math.sqrt(log_t / (w + self._seen(counts, k))) for k in range(len(mu))]
        return ((_argmax(scores), 1.0),)


@register_policy("rec.trustworthy")
class TrustworthyRecommender(Recommender):
    """Insulated recommender: never uses the user's own engagement to choose for it.

    It shows every item once (``warmup``, on by default), then acts on the
    population view's marginal means ``sum_tau pi_tau m_{tau,k}`` (built from
    other users) and on how often it has shown each item to the user:

    - ``base="rotate"`` (default, deterministic): among the ``top`` most
      popular items, the one shown least often so far (ties: the more popular);
    - ``base="greedy"``: the most popular item;
    - ``base="softmax"``: popularity-proportional sampling at ``temperature``.

    Its personalised :meth:`estimates` still use the user's engagement, for
    estimation and counterfactual questions. See the module docstring for why
    sincere engagement is a best response (strategization gap exactly 0).

    Parameters
    ----------
    base : {"rotate", "greedy", "softmax"}
        How it acts on the population means.
    top : int
        Number of popular items rotated (>= 1).
    temperature : float
        Softmax temperature (> 0).

    Examples
    --------
    >>> view = PopulationView([0.0, 0.5, 0.4])
    >>> t = TrustworthyRecommender(warmup=False, top=2)
    >>> liked, disliked = _state((0, 3, 0), (0, 3, 0)), _state((0, 3, 0), (0, -3, 0))
    >>> t.decide(RecObservation(liked, view)), t.decide(RecObservation(disliked, view))
    (2, 2)
    """

    spec = PolicySpec("recommender", label="trustworthy", stochastic=True)
    insulated = True

    def __init__(self, base: str = "rotate", top: int = 3, temperature: float = 0.1, alpha: float = 0.5,
                 prior_weight: float = 1.0, noise: float = 0.5, warmup: bool = True,
                 clusters: ArrayLike | None = None, rng: RngLike = 0) -> None:
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, warmup=warmup,
                         clusters=clusters, rng=rng)
        self.base = check_choice("base", base, ("rotate", "greedy", "softmax"))
        self.top = check_int("top", top, low=1)
        self.temperature = check_real("temperature", temperature, low=0.0, low_open=True)
        self.deterministic = self.base != "softmax"

    def memo_key(self, state: RecState) -> Hashable:
        """Only the counts: what this rule does never depends on the sums."""
        return state.counts

    def _distribution_from(self, state, view):
        mu = view.marginal  # population only: the user's engagement never enters
        if self.base == "greedy":
            return ((_argmax(mu), 1.0),)
        if self.base == "rotate":
            order = sorted(range(len(mu)), key=lambda k: (-mu[k], k))[:self.top]
            counts = state.counts  # what it has shown: its own past actions, not engagement
            return ((min(order, key=lambda k: (counts[k], -mu[k], k)), 1.0),)
        top = max(mu)
        w = [math.exp((m - top) / self.temperature) for m in mu]
        z = sum(w)
        return tuple((k, x / z) for k, x in enumerate(w))


class Platform:
    """A recommender platform serving many users and learning across them.

    Parameters
    ----------
    policy : Recommender
        The recommendation rule (with its ``alpha`` and estimator settings).
    prior : array_like, shape (G, K) or (K,)
        Initial type profiles (mean signal per type and item), e.g. learned
        from historical data; a 1-D array is a single population mean per item.
    type_prior : array_like, shape (G,), optional
        Type shares (default uniform).
    learn : bool
        Update the type profiles from users' signals (population learning).
    pseudo_count : float
        Weight (> 0) of the initial profiles in population learning.
    rng : numpy.random.Generator or int
        Randomness of the recommendations (stochastic policies).
    """

    def __init__(self, policy: Recommender, prior: ArrayLike, *, type_prior: ArrayLike | None = None,
                 learn: bool = False, pseudo_count: float = 10.0, rng: RngLike = 0) -> None:
        if not isinstance(policy, Recommender):
            raise InputTypeError(f"policy must be a Recommender, got {type(policy).__name__}")
        self.policy = policy
        self.base_view = policy.check_view(PopulationView(prior, type_prior, argument="prior"))
        if not isinstance(learn, (bool, np.bool_)):
            raise InputTypeError(f"learn must be a bool, got {learn!r}")
        self.learn = bool(learn)
        self.pseudo_count = check_real("pseudo_count", pseudo_count, low=0.0, low_open=True)
        self.rng = make_rng(rng)
        G, K = self.base_view.n_types, self.base_view.n_items
        self.n_items, self.n_types = K, G
        self._states: list[RecState] = []
        # per-item signal sums, kept for analysis (the recommender's state may pool them)
        self._item_sums: list[list[float]] = []
        # population sufficient statistics, and each user's share of them (for leave-one-out)
        self._tot_s = [[0.0] * K for _ in range(G)]
        self._tot_n = [[0.0] * K for _ in range(G)]
        self._own_s: list[list[list[float]]] = []
        self._own_n: list[list[list[float]]] = []

    @property
    def alpha(self) -> float:
        """The recommender's weight of explicit signals."""
        return self.policy.alpha

    @property
    def n_users(self) -> int:
        """Number of users added."""
        return len(self._states)

    def add_user(self) -> int:
        """Register a new user; returns its id."""
        K, G = self.n_items, self.n_types
        self._states.append(self.policy.initial_state(K))
        self._item_sums.append([0.0] * K)
        if self.learn:
            self._own_s.append([[0.0] * K for _ in range(G)])
            self._own_n.append([[0.0] * K for _ in range(G)])
        return len(self._states) - 1

    def check_uid(self, uid: int, argument: str = "uid") -> int:
        """Return ``uid`` as an int if it is a registered user's id, else raise naming ``argument``.

        Examples
        --------
        >>> p = Platform(GreedyRecommender(), [0.0, 0.0])
        >>> p.check_uid(p.add_user())
        0
        >>> p.check_uid(-1)
        Traceback (most recent call last):
        ...
        sim.errors.ValidationError: uid must be >= 0, got -1
        """
        uid = check_int(argument, uid, low=0)
        if uid >= len(self._states):
            known = f"0..{len(self._states) - 1}" if self._states else "none registered yet"
            raise ValidationError(f"{argument} must be a registered user ({known}), got {uid}")
        return uid

    def deployed_rule(self) -> Recommender:
        """The platform's rule as a policy that draws from the platform's generator.

        Deciding with it on :meth:`state` draws exactly what :meth:`recommend`
        would (the same numbers from ``self.rng``); the rule object given to the
        constructor keeps its own generator untouched.
        """
        twin = copy.copy(self.policy)
        twin._rng = self.rng
        return twin

    def view(self, uid: int) -> PopulationView:
        """The population view for user ``uid`` (leave-one-out when learning)."""
        uid = self.check_uid(uid)
        return self._view(uid)

    def _view(self, uid: int) -> PopulationView:
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
        """The recommender's observation for user ``uid`` (its state, the view, the id)."""
        uid = self.check_uid(uid)
        return RecObservation(self._states[uid], self._view(uid), uid)

    def recommend(self, uid: int) -> int:
        """The next item for user ``uid``."""
        return self.recommend_with_view(uid)[0]

    def recommend_with_view(self, uid: int) -> tuple[int, PopulationView]:
        """The next item for user ``uid`` and the population view it was chosen with."""
        uid = self.check_uid(uid)
        view = self._view(uid)
        return self.policy.draw(self._states[uid], view, self.rng), view

    def observe(self, uid: int, item: int, engagement: Engagement | tuple[float, float]) -> float:
        """Record ``engagement`` of user ``uid`` with ``item``; returns the signal read."""
        uid = self.check_uid(uid)
        explicit, dwell_half = engagement_units(engagement)
        item = check_int("item", item, low=0, high=self.n_items - 1)
        s = read_signal(engagement, self.policy.alpha)
        state = self._states[uid] = self.policy.advance(self._states[uid], item, explicit, dwell_half)
        self._item_sums[uid][item] += s
        if self.learn:
            post = self.policy.type_posterior(state, self._view(uid))
            for g, w in enumerate(post):
                self._tot_s[g][item] += w * s
                self._tot_n[g][item] += w
                self._own_s[uid][g][item] += w * s
                self._own_n[uid][g][item] += w
        return s

    def estimates(self, uid: int) -> list:
        """The personalised estimates ``mu_uk`` of user ``uid``."""
        obs = self.state(uid)
        return self.policy.estimates(obs.state, obs.view)

    def counts(self, uid: int) -> np.ndarray:
        """How often each item was shown to user ``uid``."""
        return np.array(self._states[self.check_uid(uid)].counts, dtype=int)

    def raw_means(self, uid: int) -> np.ndarray:
        """Mean signal per item from user ``uid`` (NaN where never shown)."""
        uid = self.check_uid(uid)
        n = self.counts(uid).astype(float)
        s = np.array(self._item_sums[uid], dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, s / np.maximum(n, 1), np.nan)

    def __repr__(self):
        return (f"Platform(policy={self.policy!r}, n_items={self.n_items}, n_types={self.n_types}, "
                f"learn={self.learn}, users={self.n_users})")
