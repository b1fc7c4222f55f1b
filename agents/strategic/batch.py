"""Populations at scale: a platform that retrains in batches, users simulated as arrays.

Model (this toolkit's definition)
---------------------------------
A second population model next to the discrete-event one of
:mod:`agents.strategic.population`.
``N`` users face one platform for ``P`` *periods* of ``L`` steps each
(``steps_per_period``). The platform is a template
:class:`~agents.strategic.platforms.Platform`: its recommender rule, its
initial population view (type profiles ``m_{tau,k}`` and shares ``pi``) and,
when ``learn=True``, its population learning with weight ``c0 =
pseudo_count``.

- *Within a period* the population view is a frozen snapshot. Each user's own
  record (its :class:`~agents.strategic.platforms.RecState`: counts and exact
  integer sums per item) is updated after every engagement, as in the
  single-user game, so a user meets the platform exactly as in
  :func:`~agents.strategic.game.play` against a non-learning platform whose
  view is the snapshot (users do not know when they stop: ``know_end=False``).
  Given the snapshot users are independent, which is what makes them
  simulable as arrays (numpy over users) and in shards.
- *Between periods* the platform retrains its population profiles from all the
  engagement of the period, with the rule of the online platform's soft EM but
  in one batch: each signal ``s`` of a user with state ``state'`` after it
  counts towards type ``tau``'s mean of the item with the type posterior
  ``P(tau | state')`` under the snapshot, so with cumulative sums
  ``S_{tau,k} = sum w s`` and ``N_{tau,k} = sum w`` the next snapshot is
  ``m_{tau,k} = (c0 m0_{tau,k} + S_{tau,k}) / (c0 + N_{tau,k})``. A user's own
  signals are not left out of its view (the online platform's leave-one-out
  correction is of order ``1 / N``).

Users: a *naive* user engages naturally; a *strategic* user plans ``H`` steps
ahead (:class:`~agents.strategic.planner.Planner`) with the correct belief
about the rule and the snapshot view held fixed, as a
:class:`~agents.strategic.users.StrategicUser` of
:meth:`~agents.strategic.users.PlatformBelief.of` the platform does. Users
with the same values and the same state, shown the same item under the same
snapshot, make the same plan: each period, a shard plans once per distinct
``(values, item, state)`` and keeps one planner (and its memo) per distinct
values vector. Satiation is not modelled here (values do not change).

Metrics stream into per-period aggregates per user kind (naive, strategic);
per-user histories are kept only on request (``keep_histories=True``). Per
step (means over the kind's user-steps of the period): ``utility`` (value
minus distortion cost), ``value``, ``sincere_engagement`` (the signal natural
engagement with the recommended item gives, ``alpha explicit_nat + (1 -
alpha) dwell_nat``, :func:`~agents.strategic.game.sincere_signal`: what the
recommendation earned, the platform's real objective), ``signal_engagement`` (the signal the platform read),
``explicit_usage``, ``explicit_distortion`` and ``dwell_distortion`` (as in
:func:`~agents.strategic.metrics.engagement_metrics`). At the end of each
period: ``estimation_error`` (per user, the mean over the items it was shown
of ``|S_uk / n_uk - s*_uk|``, the recorded mean signal against the sincere
one, as :func:`~agents.strategic.metrics.estimation_error`; averaged over the
kind's users who were shown anything), the platform's ``profile_error`` (mean
over types and items of ``|m_{tau,k} - m*_{tau,k}|`` against the population's
true mean sincere signal ``m*`` of each type) and ``absorbed_share``: of the
distortion strategic users put into the platform's data (per type and item,
``Delta_{tau,k} = S_{tau,k} - S*_{tau,k}``, with ``S*`` the same sums read
from natural engagement), the share that reaches the learned profiles rather
than being held back by the prior,
``sum |Delta| N / (c0 + N) / sum |Delta|`` (in [0, 1]; NaN without
distortion).

Sharding and randomness: users ``0..N-1`` are cut into consecutive shards of
``shard_size`` users, a layout that depends on ``N`` and ``shard_size`` only.
From the root ``SeedSequence`` (``rng``), shard ``j`` draws its users from
spawn key ``(1, j)`` and its period-``p`` randomness (stochastic rules,
sampled planning) from ``(2 + p, j)``; profiles shared by many users from
``(0, 0)``. The platform update adds the shards' sufficient statistics in
shard order, so the same ``rng`` gives the same bytes serially and on any
backend and worker count (:class:`sim.shards.ShardPool`).

Vectorised recommenders: each supported rule has an array kernel
(:func:`batch_probabilities`, registered per class with
:func:`register_batch_rule`) computing the rule's distribution for every user
with the same floating-point operations, in the same order, as the rule's
scalar :meth:`~agents.strategic.platforms.Recommender.distribution` (the
tests check equality bit for bit). Per-item rules only (no cluster pooling).

Examples
--------
>>> from agents.strategic import Platform, GreedyRecommender, make_catalog, default_types, type_profiles
>>> from agents.strategic.batch import BatchPopulation, simulate_batch
>>> cat = make_catalog(6, rng=0)
>>> prof, shares = type_profiles(cat, default_types())
>>> platform = Platform(GreedyRecommender(), prof, type_prior=shares, learn=True)
>>> users = BatchPopulation.sample(cat, default_types(), 1000, strategic_share=0.5, profiles=20, horizon=2)
>>> res = simulate_batch(platform, users, periods=3, steps_per_period=4, rng=1)
>>> res.users.tolist(), res.mean("user_steps", "all").tolist()
([500, 500], [4000.0, 4000.0, 4000.0])
>>> bool((res.mean("sincere_engagement", "strategic") <= 1).all())
True
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, as_seed_sequence, task_seed_sequence
from sim.shards import ShardPool
from sim.validate import check_array, check_choice, check_int, check_probability

from .content import Catalog, UserType, check_size, sample_users
from .engagement import EngagementModel, read_signal
from .game import sincere_signal
from .planner import Planner
from .platforms import (
    EpsilonGreedyRecommender,
    GreedyRecommender,
    Platform,
    PopulationView,
    Recommender,
    RecState,
    SoftmaxRecommender,
    TrustworthyRecommender,
    UCBRecommender,
)

__all__ = [
    "KINDS",
    "PERIOD_METRICS",
    "STEP_METRICS",
    "BatchHistory",
    "BatchPopulation",
    "BatchResult",
    "batch_estimates",
    "batch_posterior",
    "batch_probabilities",
    "register_batch_rule",
    "simulate_batch",
]

#: User kinds, in the order of every per-kind array.
KINDS = ("naive", "strategic")
#: Per-step metrics (means over the user-steps of a period).
STEP_METRICS = ("utility", "value", "sincere_engagement", "signal_engagement", "explicit_usage",
                "explicit_distortion", "dwell_distortion")
#: Platform metrics at the end of each period.
PERIOD_METRICS = ("profile_error", "absorbed_share")
#: Largest state the driver may hold for all users (bytes).
MAX_STATE_BYTES = 8 * 10**9


# --- vectorised recommender kernels -------------------------------------------

def _seq_dot(coefs, columns) -> np.ndarray:
    """``sum_k coefs[k] * columns[:, k]``, accumulated left to right as Python's ``sum`` does."""
    acc = coefs[0] * columns[:, 0]
    for k in range(1, len(coefs)):
        acc = acc + coefs[k] * columns[:, k]
    return acc


def _exp(x: np.ndarray) -> np.ndarray:
    # math.exp elementwise: the scalar rules use libm, and numpy's exp differs in the last bit for some inputs
    return np.fromiter(map(math.exp, x.ravel().tolist()), dtype=float, count=x.size).reshape(x.shape)


def _log(x: np.ndarray) -> np.ndarray:
    return np.fromiter(map(math.log, x.ravel().tolist()), dtype=float, count=x.size).reshape(x.shape)


def _check_arrays(rule, counts, explicit, dwell, view):
    if not isinstance(rule, Recommender):
        raise InputTypeError(f"rule must be a Recommender, got {type(rule).__name__}")
    if rule.clusters is not None:
        raise ValidationError(f"batch mode supports per-item recommenders only, got clusters={rule.clusters!r}")
    if not isinstance(view, PopulationView):
        raise InputTypeError(f"view must be a PopulationView, got {type(view).__name__}")
    arrays = []
    for name, a in (("counts", counts), ("explicit", explicit), ("dwell", dwell)):
        a = np.asarray(a)
        if a.ndim != 2 or a.shape[1] != view.n_items or a.dtype.kind not in "iu":
            raise ValidationError(f"{name} must be an integer array of shape (n, {view.n_items}), "
                                  f"got {a.dtype} {a.shape}")
        arrays.append(a)
    if not arrays[0].shape == arrays[1].shape == arrays[2].shape:
        raise ValidationError(f"counts, explicit and dwell must have one shape, got "
                              f"{[a.shape for a in arrays]}")
    return arrays


def _sums(rule, explicit, dwell):
    a, b = rule.alpha, (1.0 - rule.alpha) * 0.5  # dwell is kept in half units, as in Recommender
    return a * explicit + b * dwell


def _posterior(rule, counts, sums, view) -> np.ndarray:
    inv = 1.0 / (2.0 * rule.noise * rule.noise)
    logs = np.stack([lp + (2.0 * _seq_dot(m, sums) - _seq_dot(m2, counts)) * inv
                     for lp, m, m2 in zip(view.log_prior, view.means, view.means_sq)], axis=1)
    top = logs[:, 0]
    for g in range(1, logs.shape[1]):
        top = np.maximum(top, logs[:, g])
    w = _exp(logs - top[:, None])
    z = w[:, 0]
    for g in range(1, w.shape[1]):
        z = z + w[:, g]
    return w / z[:, None]


def batch_posterior(rule: Recommender, counts: ArrayLike, explicit: ArrayLike, dwell: ArrayLike,
                    view: PopulationView) -> np.ndarray:
    """Type posteriors ``P(tau | u)`` of ``n`` users, shape ``(n, G)``: ``rule.type_posterior`` per row.

    Examples
    --------
    >>> v = PopulationView([[1.0, 0.0], [0.0, 1.0]])
    >>> batch_posterior(GreedyRecommender(alpha=1.0), [[2, 0]], [[2, 0]], [[0, 0]], v).round(4).tolist()
    [[0.982, 0.018]]
    """
    counts, explicit, dwell = _check_arrays(rule, counts, explicit, dwell, view)
    if view.n_types == 1:
        return np.ones((counts.shape[0], 1))
    return _posterior(rule, counts, _sums(rule, explicit, dwell), view)


def _estimates(rule, counts, explicit, dwell, view) -> np.ndarray:
    w = rule.prior_weight
    sums = _sums(rule, explicit, dwell)
    if view.n_types == 1:
        p = np.asarray(view.means[0])[None, :]
    elif view.two is not None:
        lp, m1, dm, dq = view.two
        inv = 1.0 / (2.0 * rule.noise * rule.noise)
        logit = lp + (2.0 * _seq_dot(dm, sums) - _seq_dot(dq, counts)) * inv
        ok = logit > -700.0
        p0 = np.zeros_like(logit)
        p0[ok] = 1.0 / (1.0 + _exp(-logit[ok]))
        p = np.asarray(m1)[None, :] + p0[:, None] * np.asarray(dm)[None, :]
    else:
        post = _posterior(rule, counts, sums, view)
        cols = np.asarray(view.means)  # (G, K)
        p = post[:, :1] * cols[0][None, :]
        for g in range(1, cols.shape[0]):
            p = p + post[:, g:g + 1] * cols[g][None, :]
    return (w * p + sums) / (w + counts)


def batch_estimates(rule: Recommender, counts: ArrayLike, explicit: ArrayLike, dwell: ArrayLike,
                    view: PopulationView) -> np.ndarray:
    """Personalised estimates ``mu_uk`` of ``n`` users, shape ``(n, K)``: ``rule.estimates`` per row, bit for bit.

    Examples
    --------
    >>> v = PopulationView([0.0, 0.5])
    >>> batch_estimates(GreedyRecommender(alpha=1.0), [[1, 0], [0, 0]], [[1, 0], [0, 0]], [[0, 0], [0, 0]],
    ...                 v).tolist()
    [[0.5, 0.5], [0.0, 0.5]]
    """
    counts, explicit, dwell = _check_arrays(rule, counts, explicit, dwell, view)
    return _estimates(rule, counts, explicit, dwell, view)


def _one_hot(items, n_items):
    out = np.zeros((items.shape[0], n_items))
    out[np.arange(items.shape[0]), items] = 1.0
    return out


def _greedy(rule, counts, explicit, dwell, view):
    return _one_hot(np.argmax(_estimates(rule, counts, explicit, dwell, view), axis=1), view.n_items)


def _epsilon_greedy(rule, counts, explicit, dwell, view):
    K = view.n_items
    best = np.argmax(_estimates(rule, counts, explicit, dwell, view), axis=1)
    base = rule.epsilon / K
    out = np.full((counts.shape[0], K), base + 0.0)
    out[np.arange(counts.shape[0]), best] = base + (1.0 - rule.epsilon)
    return out


def _softmax_rows(mu, temperature):
    top = mu[:, 0]
    for k in range(1, mu.shape[1]):
        top = np.maximum(top, mu[:, k])
    w = _exp((mu - top[:, None]) / temperature)
    z = w[:, 0]
    for k in range(1, w.shape[1]):
        z = z + w[:, k]
    return w / z[:, None]


def _softmax(rule, counts, explicit, dwell, view):
    return _softmax_rows(_estimates(rule, counts, explicit, dwell, view), rule.temperature)


def _ucb(rule, counts, explicit, dwell, view):
    mu = _estimates(rule, counts, explicit, dwell, view)
    total = counts[:, 0].astype(np.int64)
    for k in range(1, counts.shape[1]):
        total = total + counts[:, k]
    log_t = _log(total + 1.0)
    scores = mu + rule.c * np.sqrt(log_t[:, None] / (rule.prior_weight + counts))
    return _one_hot(np.argmax(scores, axis=1), view.n_items)


def _trustworthy(rule, counts, explicit, dwell, view):
    mu = view.marginal
    K, n = view.n_items, counts.shape[0]
    if rule.base == "greedy":
        best = max(range(K), key=lambda k: (mu[k], -k))
        return _one_hot(np.full(n, best), K)
    if rule.base == "rotate":
        order = np.array(sorted(range(K), key=lambda k: (-mu[k], k))[:rule.top])
        return _one_hot(order[np.argmin(counts[:, order], axis=1)], K)
    return np.repeat(_softmax_rows(np.asarray(mu, dtype=float)[None, :], rule.temperature), n, axis=0)


_KERNELS: dict[type, Callable[..., np.ndarray]] = {
    GreedyRecommender: _greedy,
    EpsilonGreedyRecommender: _epsilon_greedy,
    SoftmaxRecommender: _softmax,
    UCBRecommender: _ucb,
    TrustworthyRecommender: _trustworthy,
}


def register_batch_rule(cls: type, kernel: Callable[..., np.ndarray]) -> None:
    """Give recommender class ``cls`` an array kernel for batch mode.

    ``kernel(rule, counts, explicit, dwell, view)`` gets integer arrays of
    shape ``(n, K)`` (dwell in half units) and returns the ``(n, K)``
    recommendation probabilities after warm-up, row ``u`` equal to what
    ``rule._distribution_from`` gives user ``u``'s state. Subclasses of a
    registered class use its kernel unless they register their own.
    """
    if not isinstance(cls, type) or not issubclass(cls, Recommender):
        raise InputTypeError(f"cls must be a Recommender subclass, got {cls!r}")
    if not callable(kernel):
        raise InputTypeError(f"kernel must be callable, got {kernel!r}")
    _KERNELS[cls] = kernel


def _kernel_for(rule):
    for cls in type(rule).__mro__:
        if cls in _KERNELS:
            return _KERNELS[cls]
    raise ValidationError(f"rule {type(rule).__name__} has no batch kernel; give it one with "
                          f"agents.strategic.batch.register_batch_rule")


def _probabilities(rule, counts, explicit, dwell, view, kernel=None):
    probs = (kernel or _kernel_for(rule))(rule, counts, explicit, dwell, view)
    if rule.warmup:
        unseen = counts == 0
        fresh = unseen.any(axis=1)
        if fresh.any():
            probs[fresh] = _one_hot(np.argmax(unseen[fresh], axis=1), view.n_items)
    return probs


def batch_probabilities(rule: Recommender, counts: ArrayLike, explicit: ArrayLike, dwell: ArrayLike,
                        view: PopulationView) -> np.ndarray:
    """Recommendation probabilities of ``n`` users, shape ``(n, K)``: ``rule.probabilities`` per row.

    Examples
    --------
    >>> v = PopulationView([0.0, 0.5])
    >>> batch_probabilities(EpsilonGreedyRecommender(epsilon=0.2), [[1, 0]], [[0, 0]], [[0, 0]], v).tolist()
    [[0.1, 0.9]]
    """
    counts, explicit, dwell = _check_arrays(rule, counts, explicit, dwell, view)
    return _probabilities(rule, counts, explicit, dwell, view)


def _draw(probs, uniforms):
    """Invert each row's distribution at its uniform, accumulating left to right as ``Recommender.draw``."""
    n, K = probs.shape
    pick = np.full(n, K - 1)
    undecided = np.ones(n, dtype=bool)
    acc = np.zeros(n)
    for k in range(K):
        acc = acc + probs[:, k]
        hit = undecided & (uniforms < acc)
        pick[hit] = k
        undecided &= ~hit
    return pick


# --- the population -------------------------------------------------------------

class BatchPopulation:
    """The users of a batch run: values over the items, kind (naive or strategic), type.

    Build it from explicit arrays (``BatchPopulation(values, ...)``, every user
    given) or with :meth:`sample`, which draws each shard's users inside the
    shard (nothing of size ``N`` is built up front).

    Parameters
    ----------
    values : array_like, shape (N, K)
        Each user's item values.
    strategic : bool or array_like of bool, shape (N,)
        Which users plan (default: none).
    user_type : array_like of int, shape (N,), optional
        Each user's type index (for the platform's profile error).
    engagement : EngagementModel, optional
        Natural engagement and distortion costs (shared by all users).
    horizon : int
        Strategic users' planning horizon ``H >= 0``.
    gamma : float
        Their discount factor, in [0, 1].
    method : {"auto", "exact", "sampled"}
        Their planners' chance nodes (see :class:`~agents.strategic.planner.Planner`).
    samples : int
        Draws per chance node for sampled planning.

    Examples
    --------
    >>> BatchPopulation([[0.9, 0.1]], strategic=[True]).n_users
    1
    >>> BatchPopulation([[0.9, 0.1]], strategic=[True, False])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: strategic must have shape (1,), got (2,)
    """

    def __init__(self, values: ArrayLike, *, strategic: bool | ArrayLike = False,
                 user_type: ArrayLike | None = None, engagement: EngagementModel | None = None,
                 horizon: int = 2, gamma: float = 0.9, method: str = "auto", samples: int = 4) -> None:
        vals = check_array("values", values, ndim=2, allow_empty=False)
        n = vals.shape[0]
        if isinstance(strategic, (bool, np.bool_)):
            strat = np.full(n, bool(strategic))
        else:
            raw = np.asarray(strategic)
            if raw.dtype != bool:
                raise InputTypeError(f"strategic must be a bool or an array of bools, got dtype {raw.dtype}")
            if raw.shape != (n,):
                raise ValidationError(f"strategic must have shape ({n},), got {raw.shape}")
            strat = raw.copy()
        if user_type is None:
            types = None
        else:
            types = check_array("user_type", user_type, ndim=1, shape=(n,))
            if np.any(types < 0) or np.any(types != np.round(types)):
                raise ValidationError(f"user_type must be non-negative integers, got {np.asarray(user_type)!r}")
            types = types.astype(np.int64)
        self._setup(n, vals.shape[1], engagement, horizon, gamma, method, samples)
        self._values, self._strategic, self._types = vals, strat, types
        self._sampled = None

    def _setup(self, n, n_items, engagement, horizon, gamma, method, samples):
        if engagement is None:
            engagement = EngagementModel()
        if not isinstance(engagement, EngagementModel):
            raise InputTypeError(f"engagement must be an EngagementModel, got {type(engagement).__name__}")
        self.n_users, self.n_items, self.engagement = n, n_items, engagement
        self.horizon = check_int("horizon", horizon, low=0)
        self.gamma = check_probability("gamma", gamma)
        self.method = check_choice("method", method, ("auto", "exact", "sampled"))
        self.samples = check_int("samples", samples, low=1)

    @classmethod
    def sample(cls, catalog: Catalog, types: Iterable[UserType], n_users: int, *, strategic_share: float = 0.0,
               profiles: int | None = None, engagement: EngagementModel | None = None, horizon: int = 2,
               gamma: float = 0.9, method: str = "auto", samples: int = 4) -> BatchPopulation:
        """Users drawn from ``types`` over ``catalog``, shard by shard.

        With ``profiles=None`` every user draws its own preferences
        (:func:`~agents.strategic.content.sample_users`); with ``profiles=M``
        the population has ``M`` preference profiles (each type gets
        ``round(share M)`` of them, at least one, drawn as users are) and
        every user takes one uniformly at random: users of a profile share
        their values, which is what lets strategic users be planned for in
        groups. User ``i`` is strategic iff ``floor((i + 1) s) > floor(i s)``
        for ``s = strategic_share`` (exactly ``floor(N s)`` strategic users,
        spread evenly).
        """
        if not isinstance(catalog, Catalog):
            raise InputTypeError(f"catalog must be a Catalog, got {type(catalog).__name__}")
        if isinstance(types, UserType) or not hasattr(types, "__iter__"):
            raise InputTypeError(f"types must be a sequence of UserType, got {type(types).__name__}")
        types = tuple(types)
        sample_users(types, 0)  # validates the types (and that they share the catalog's dimension below)
        if len(types[0].centroid) != catalog.dim:
            raise ValidationError(f"types must have centroids of length {catalog.dim} (the catalog's features), "
                                  f"got {len(types[0].centroid)}")
        n_users = check_int("n_users", n_users, low=1)
        share = check_probability("strategic_share", strategic_share)
        if profiles is not None:
            profiles = check_int("profiles", profiles, low=len(types))
        self = cls.__new__(cls)
        self._setup(n_users, catalog.n_items, engagement, horizon, gamma, method, samples)
        self._values = self._strategic = self._types = None
        self._sampled = (catalog.features, types, share, profiles)
        return self

    @property
    def n_types(self) -> int | None:
        """Number of user types (None when the population does not say)."""
        if self._sampled is not None:
            return len(self._sampled[1])
        return None if self._types is None else int(self._types.max()) + 1

    def _profiles(self, root):
        """``(type of each profile, values of each profile)`` for ``profiles=M`` (drawn from spawn key (0, 0))."""
        features, types, _, m = self._sampled
        shares = np.array([t.share for t in types])
        counts = np.maximum(np.round(shares / shares.sum() * m).astype(int), 1)
        rng = np.random.default_rng(task_seed_sequence(root, 0, 0))
        kinds, thetas = [], []
        for g, (t, c) in enumerate(zip(types, counts)):
            _, th = sample_users((t,), int(c), rng=rng)
            kinds.append(np.full(int(c), g))
            thetas.append(th)
        return np.concatenate(kinds), np.concatenate(thetas) @ features.T

    def shard(self, start: int, stop: int, root: np.random.SeedSequence, index: int,
              profiles: tuple | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """``(values (n, K), strategic (n,), type (n,) or None)`` of users ``start..stop-1`` (shard ``index``)."""
        if self._sampled is None:
            t = None if self._types is None else self._types[start:stop]
            return self._values[start:stop], self._strategic[start:stop], t
        features, types, share, m = self._sampled
        rng = np.random.default_rng(task_seed_sequence(root, 1, index))
        if m is None:
            kind, thetas = sample_users(types, stop - start, rng=rng)
            values = thetas @ features.T
        else:
            ptype, pvalues = profiles if profiles is not None else self._profiles(root)
            pick = rng.integers(0, len(ptype), size=stop - start)
            kind, values = ptype[pick], pvalues[pick]
        i = np.arange(start, stop, dtype=float)
        strategic = np.floor((i + 1) * share) > np.floor(i * share)
        return values, strategic, kind

    def __repr__(self):
        how = "sampled" if self._sampled is not None else "given"
        return f"BatchPopulation(n_users={self.n_users}, n_items={self.n_items}, {how}, horizon={self.horizon})"


# --- results ------------------------------------------------------------------

_HISTORY = {"period": np.int32, "step": np.int32, "user": np.int64, "item": np.int32, "explicit": np.int8,
            "dwell": float, "natural_explicit": np.int8, "natural_dwell": float, "value": float,
            "utility": float, "signal": float, "sincere_signal": float, "strategic": bool}


@dataclass
class BatchHistory:
    """Every user-step of a batch run (``keep_histories=True``), sorted by period, step and user."""

    period: np.ndarray
    step: np.ndarray
    user: np.ndarray
    item: np.ndarray
    explicit: np.ndarray
    dwell: np.ndarray
    natural_explicit: np.ndarray
    natural_dwell: np.ndarray
    value: np.ndarray
    utility: np.ndarray
    signal: np.ndarray
    sincere_signal: np.ndarray
    strategic: np.ndarray

    def __len__(self) -> int:
        return len(self.user)

    def for_user(self, uid: int) -> BatchHistory:
        """One user's steps, in time order."""
        mask = self.user == check_int("uid", uid, low=0)
        return BatchHistory(**{name: getattr(self, name)[mask] for name in _HISTORY})


@dataclass
class BatchResult:
    """Per-period aggregates of a batch run.

    ``sums[metric]`` and ``counts`` have shape ``(periods, 2)`` (one column
    per kind of :data:`KINDS`): sums over the kind's user-steps (``counts``)
    of each step metric; ``estimation_sum`` / ``estimation_users`` the same for
    the per-user estimation error at the end of each period.
    ``profile_error`` and ``absorbed_share`` have shape ``(periods,)``,
    ``type_means`` ``(periods + 1, G, K)`` (the snapshots, initial first).
    ``seconds`` is the wall time (not part of the results' bytes).
    """

    n_users: int
    periods: int
    steps_per_period: int
    n_shards: int
    users: np.ndarray
    counts: np.ndarray
    sums: dict[str, np.ndarray]
    estimation_sum: np.ndarray
    estimation_users: np.ndarray
    profile_error: np.ndarray
    absorbed_share: np.ndarray
    type_means: np.ndarray
    history: BatchHistory | None = None
    seconds: float = field(default=math.nan, compare=False)

    def mean(self, metric: str, kind: str = "all") -> np.ndarray:
        """Per-period mean of ``metric`` over the kind's user-steps (``user_steps``: their number).

        ``kind`` is ``"naive"``, ``"strategic"`` or ``"all"``; NaN where the
        kind has no user. ``estimation_error`` is the mean over users.
        """
        kind = check_choice("kind", kind, ("all", *KINDS))
        cols = slice(None) if kind == "all" else slice(KINDS.index(kind), KINDS.index(kind) + 1)
        if metric == "user_steps":
            return self.counts[:, cols].sum(axis=1).astype(float)
        if metric == "estimation_error":
            num, den = self.estimation_sum[:, cols].sum(axis=1), self.estimation_users[:, cols].sum(axis=1)
        else:
            metric = check_choice("metric", metric, (*STEP_METRICS, "user_steps", "estimation_error"))
            num, den = self.sums[metric][:, cols].sum(axis=1), self.counts[:, cols].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / np.maximum(den, 1), np.nan)

    def rows(self, **columns: Any) -> list[dict[str, Any]]:
        """Tidy rows ``{"metric", "value", "period", "user_kind", **columns}``.

        ``user_kind`` is ``"all"``, ``"naive"`` or ``"strategic"`` (``"all"`` for the platform's metrics).
        """
        out = []
        for p in range(self.periods):
            for kind in ("all", *KINDS):
                for metric in (*STEP_METRICS, "estimation_error"):
                    v = float(self.mean(metric, kind)[p])
                    if math.isfinite(v):
                        out.append({"metric": metric, "value": v, "period": p, "user_kind": kind, **columns})
            for metric, arr in (("profile_error", self.profile_error), ("absorbed_share", self.absorbed_share)):
                if math.isfinite(arr[p]):
                    out.append({"metric": metric, "value": float(arr[p]), "period": p, "user_kind": "all",
                                **columns})
        return out

    def to_bytes(self) -> bytes:
        """Every result array's bytes, in a fixed order (what "same seed, same bytes" compares)."""
        parts = [self.users, self.counts, *(self.sums[m] for m in STEP_METRICS), self.estimation_sum,
                 self.estimation_users, self.profile_error, self.absorbed_share, self.type_means]
        if self.history is not None:
            parts += [getattr(self.history, name) for name in _HISTORY]
        return b"".join(np.ascontiguousarray(a).tobytes() for a in parts)


# --- one shard, one period ------------------------------------------------------

@dataclass(frozen=True)
class _Job:
    """What every shard task of a run shares (pickled once per task)."""

    rule: Recommender
    population: BatchPopulation
    root: np.random.SeedSequence
    learn: bool
    steps: int
    keep: bool
    shard_size: int
    profiles: tuple | None
    dtype: Any


def _natural(engagement, v):
    """Natural ``(explicit, dwell in half units)`` of values ``v``, as ``EngagementModel.natural``."""
    ex = np.where(v >= engagement.like_at, 1, np.where(v <= engagement.dislike_at, -1, 0))
    lo, hi = engagement.dwell_cutoffs
    dw = np.where(v >= hi, 2, np.where(v < lo, 0, 1))
    return ex, dw


def _plan_strategic(job, planners, values, vkey, items, counts, explicit, dwell, idx, view, rng):
    """Planned ``(explicit, dwell half units)`` for strategic users ``idx``: one plan per distinct situation."""
    pop = job.population
    key = np.concatenate([vkey[idx, None], items[idx, None], counts[idx], explicit[idx], dwell[idx]], axis=1)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    K = counts.shape[1]
    ex_out = np.empty(len(uniq), dtype=np.int64)
    dw_out = np.empty(len(uniq), dtype=np.int64)
    for j, row in enumerate(uniq.tolist()):
        vid, item = row[0], row[1]
        planner = planners.get(vid)
        if planner is None:
            first = idx[np.argmax(vkey[idx] == vid)]
            planner = planners[vid] = Planner(values[first], pop.engagement, job.rule, view, pop.gamma,
                                              method=pop.method, samples=pop.samples,
                                              rng=np.random.default_rng(rng.integers(2**63)))
        state = RecState(tuple(row[2:2 + K]), tuple(row[2 + K:2 + 2 * K]), tuple(row[2 + 2 * K:]))
        action = planner.plan(item, state, (), pop.horizon).action
        ex_out[j], dw_out[j] = action[0], round(action[1] * 2)
    inverse = inverse.reshape(-1)
    return ex_out[inverse], dw_out[inverse]


def _run_shard(task):
    job, index, period, means, prior, state = task
    pop, rule = job.population, job.rule
    start = index * job.shard_size
    stop = min(start + job.shard_size, pop.n_users)
    values, strategic, utype = pop.shard(start, stop, job.root, index, job.profiles)
    n, K = values.shape
    view = PopulationView(means, prior)
    G = view.n_types
    rng = np.random.default_rng(task_seed_sequence(job.root, 2 + period, index))
    if state is None:
        counts = np.zeros((n, K), dtype=job.dtype)
        explicit = np.zeros((n, K), dtype=job.dtype)
        dwell = np.zeros((n, K), dtype=job.dtype)
    else:
        counts, explicit, dwell = (a.copy() for a in state)
    eng = pop.engagement
    alpha = rule.alpha
    kernel = _kernel_for(rule)
    kind = strategic.astype(np.int64)
    rows = np.arange(n)
    strat_idx = np.flatnonzero(strategic) if pop.horizon > 0 and pop.gamma > 0.0 else np.zeros(0, dtype=int)
    if strat_idx.size:
        _, vkey = np.unique(values, axis=0, return_inverse=True)
        vkey = vkey.reshape(-1)
    planners: dict = {}
    sums = {m: np.zeros(2) for m in STEP_METRICS}
    stat_s, stat_n, stat_star = np.zeros((G, K)), np.zeros((G, K)), np.zeros((G, K))
    hist = {name: [] for name in _HISTORY} if job.keep else None
    for step in range(job.steps):
        probs = _probabilities(rule, counts, explicit, dwell, view, kernel)
        items = _draw(probs, rng.random(n))
        v = values[rows, items]
        ex_nat, dw_nat = _natural(eng, v)
        ex, dw = ex_nat.copy(), dw_nat.copy()
        if strat_idx.size:
            ex[strat_idx], dw[strat_idx] = _plan_strategic(job, planners, values, vkey, items, counts, explicit,
                                                           dwell, strat_idx, view, rng)
        dwell_f, dwell_nat_f = dw * 0.5, dw_nat * 0.5
        cost = eng.explicit_cost * np.abs(ex - ex_nat) + eng.dwell_cost * np.abs(dwell_f - dwell_nat_f) / 0.5
        utility = v - cost
        signal = read_signal((ex, dwell_f), alpha)
        sincere = sincere_signal(ex_nat, dwell_nat_f, alpha)  # the toolkit's one definition
        counts[rows, items] += 1
        explicit[rows, items] += ex.astype(job.dtype)
        dwell[rows, items] += dw.astype(job.dtype)
        for name, x in (("utility", utility), ("value", v), ("sincere_engagement", sincere),
                        ("signal_engagement", signal), ("explicit_usage", (ex != 0).astype(float)),
                        ("explicit_distortion", np.abs(ex - ex_nat).astype(float)),
                        ("dwell_distortion", np.abs(dwell_f - dwell_nat_f))):
            sums[name] += np.bincount(kind, weights=x, minlength=2)
        if job.learn:
            post = (np.ones((n, 1)) if G == 1 else
                    _posterior(rule, counts, _sums(rule, explicit, dwell), view))
            for g in range(G):
                stat_s[g] += np.bincount(items, weights=post[:, g] * signal, minlength=K)
                stat_n[g] += np.bincount(items, weights=post[:, g], minlength=K)
                stat_star[g] += np.bincount(items, weights=post[:, g] * sincere, minlength=K)
        if hist is not None:
            for name, x in (("period", np.full(n, period)), ("step", np.full(n, step)),
                            ("user", np.arange(start, stop)), ("item", items), ("explicit", ex),
                            ("dwell", dwell_f), ("natural_explicit", ex_nat), ("natural_dwell", dwell_nat_f),
                            ("value", v), ("utility", utility), ("signal", signal), ("sincere_signal", sincere),
                            ("strategic", strategic)):
                hist[name].append(np.asarray(x, dtype=_HISTORY[name]))
    # the platform's records against the sincere signals, per user (estimation error)
    nat_ex, nat_dw = _natural(eng, values)
    truth = read_signal((nat_ex, nat_dw * 0.5), alpha)
    shown = counts > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        gap = np.where(shown, np.abs(_sums(rule, explicit, dwell) / np.maximum(counts, 1) - truth), 0.0)
    n_shown = shown.sum(axis=1)
    has = n_shown > 0
    err = np.where(has, gap.sum(axis=1) / np.maximum(n_shown, 1), 0.0)
    est_sum = np.bincount(kind, weights=err, minlength=2)
    est_users = np.bincount(kind, weights=has.astype(float), minlength=2)
    if utype is not None:
        truth_sum = np.stack([truth[utype == g].sum(axis=0) for g in range(G)]) if utype.max(initial=0) < G \
            else None
        truth_n = np.bincount(utype, minlength=G)[:G].astype(float) if truth_sum is not None else None
    else:
        truth_sum = truth_n = None
    out = {"state": (counts, explicit, dwell), "sums": sums, "users": np.bincount(kind, minlength=2),
           "counts": np.bincount(kind, minlength=2) * job.steps, "stat": (stat_s, stat_n, stat_star),
           "est": (est_sum, est_users), "truth": (truth_sum, truth_n)}
    if hist is not None:
        out["history"] = {name: np.concatenate(parts) if parts else np.zeros(0, dtype=_HISTORY[name])
                          for name, parts in hist.items()}
    return out


# --- the run --------------------------------------------------------------------

def simulate_batch(platform: Platform, population: BatchPopulation, *, periods: int = 3, steps_per_period: int = 5,
                   rng: RngLike = 0, backend: str | None = None, jobs: int | None = None, scheduler: str | None = None,
                   pool: ShardPool | None = None, shard_size: int = 32768,
                   keep_histories: bool = False) -> BatchResult:
    """Run the batch-retraining population model (see the module docstring).

    Parameters
    ----------
    platform : Platform
        The template: its rule, initial view, ``learn`` and ``pseudo_count``
        (it is not mutated and must have no users).
    population : BatchPopulation
        The users.
    periods : int
        Retraining periods ``P >= 1``.
    steps_per_period : int
        Recommendations per user per period ``L >= 1``.
    rng : int, SeedSequence or Generator
        The root seed.
    backend, jobs, scheduler
        Where shards run (:class:`sim.shards.ShardPool`): ``"serial"``,
        ``"processes"`` or ``"dask"``; the default is ``"serial"``, or
        ``"dask"`` on the running cluster at ``scheduler=ADDRESS`` when one is
        given. Results do not depend on them.
    pool : ShardPool, optional
        An open pool to reuse (then ``backend``, ``jobs`` and ``scheduler`` are ignored).
    shard_size : int
        Users per shard (>= 1): the unit of parallel work and of randomness.
    keep_histories : bool
        Keep every user-step (:class:`BatchHistory`; small runs).

    Returns
    -------
    BatchResult
    """
    if not isinstance(platform, Platform):
        raise InputTypeError(f"platform must be a Platform, got {type(platform).__name__}")
    if not isinstance(population, BatchPopulation):
        raise InputTypeError(f"population must be a BatchPopulation, got {type(population).__name__}")
    if platform.n_users:
        raise ValidationError(f"platform must have no users yet (it is a template), it has {platform.n_users}")
    rule = platform.policy
    if rule.clusters is not None:
        raise ValidationError(f"batch mode supports per-item recommenders only, got clusters={rule.clusters!r}")
    _kernel_for(rule)
    if population.n_items != platform.n_items:
        raise ValidationError(f"population values {population.n_items} items but the platform has "
                              f"{platform.n_items}")
    periods = check_int("periods", periods, low=1)
    steps = check_int("steps_per_period", steps_per_period, low=1)
    shard_size = check_int("shard_size", shard_size, low=1)
    if not isinstance(keep_histories, (bool, np.bool_)):
        raise InputTypeError(f"keep_histories must be a bool, got {keep_histories!r}")
    if pool is not None and not isinstance(pool, ShardPool):
        raise InputTypeError(f"pool must be a sim.shards.ShardPool, got {type(pool).__name__}")
    N, K, G = population.n_users, platform.n_items, platform.n_types
    total = periods * steps
    dtype = np.int16 if 2 * total < 2**15 else (np.int32 if 2 * total < 2**31 else np.int64)
    state_bytes = 3 * N * K * np.dtype(dtype).itemsize
    if state_bytes > MAX_STATE_BYTES:
        raise ValidationError(f"population.n_users={N} x {K} items would need {state_bytes / 1e9:.3g} GB of state "
                              f"(more than the {MAX_STATE_BYTES / 1e9:.3g} GB limit)")
    if keep_histories:
        check_size("n_users x periods x steps_per_period", N * total, entries_each=len(_HISTORY))
    root = as_seed_sequence(rng)
    n_shards = -(-N // shard_size)
    profiles = None
    if population._sampled is not None and population._sampled[3] is not None:
        profiles = population._profiles(root)
    job = _Job(rule, population, root, platform.learn, steps, bool(keep_histories), shard_size, profiles, dtype)
    base = platform.base_view
    c0 = platform.pseudo_count
    m0 = np.asarray(base.means)
    tot_s, tot_n, tot_star = np.zeros((G, K)), np.zeros((G, K)), np.zeros((G, K))
    means = base.means
    snapshots = [m0.copy()]
    counts = np.zeros((periods, 2), dtype=np.int64)
    sums = {m: np.zeros((periods, 2)) for m in STEP_METRICS}
    est_sum, est_users = np.zeros((periods, 2)), np.zeros((periods, 2))
    profile_error, absorbed = np.full(periods, np.nan), np.full(periods, np.nan)
    states = [None] * n_shards
    users = np.zeros(2, dtype=np.int64)
    truth = None
    histories = []
    started = time.perf_counter()
    own = pool is None
    if own:
        pool = ShardPool(backend, jobs=jobs, scheduler=scheduler)
    try:
        for p in range(periods):
            outs = pool.map(_run_shard, [(job, j, p, means, base.prior, states[j]) for j in range(n_shards)])
            per_s, per_n, per_star = np.zeros((G, K)), np.zeros((G, K)), np.zeros((G, K))
            t_sum, t_n = np.zeros((G, K)), np.zeros(G)
            has_truth = True
            for j, out in enumerate(outs):  # shard order: the sums' bytes do not depend on the backend
                states[j] = out["state"]
                counts[p] += out["counts"]
                for m in STEP_METRICS:
                    sums[m][p] += out["sums"][m]
                est_sum[p] += out["est"][0]
                est_users[p] += out["est"][1]
                s, nn, star = out["stat"]
                per_s += s
                per_n += nn
                per_star += star
                if out["truth"][0] is None:
                    has_truth = False
                else:
                    t_sum += out["truth"][0]
                    t_n += out["truth"][1]
                if p == 0:
                    users += out["users"]
                if keep_histories:
                    histories.append(out["history"])
            if p == 0 and has_truth and np.all(t_n > 0):
                truth = t_sum / t_n[:, None]
            if platform.learn:
                tot_s += per_s
                tot_n += per_n
                tot_star += per_star
                new = (c0 * m0 + tot_s) / (c0 + tot_n)
                means = tuple(tuple(float(x) for x in row) for row in new)
                delta = np.abs(tot_s - tot_star)
                mass = delta.sum()
                if mass > 0:
                    absorbed[p] = float((delta * (tot_n / (c0 + tot_n))).sum() / mass)
            snapshots.append(np.asarray(means))
            if truth is not None:
                profile_error[p] = float(np.mean(np.abs(np.asarray(means) - truth)))
    except BaseException:
        if own:
            pool.close(interrupted=True)
        raise
    if own:
        pool.close()
    history = None
    if keep_histories:
        cols = {name: np.concatenate([h[name] for h in histories]) for name in _HISTORY}
        order = np.lexsort((cols["user"], cols["step"], cols["period"]))
        history = BatchHistory(**{name: col[order] for name, col in cols.items()})
    return BatchResult(n_users=N, periods=periods, steps_per_period=steps, n_shards=n_shards, users=users,
                       counts=counts, sums=sums, estimation_sum=est_sum, estimation_users=est_users,
                       profile_error=profile_error, absorbed_share=absorbed, type_means=np.stack(snapshots),
                       history=history, seconds=time.perf_counter() - started)

