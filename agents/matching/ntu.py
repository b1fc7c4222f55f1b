r"""Learning stable matchings without transfers: competing bandits (Liu, Mania, Jordan 2020).

Model. :math:`N` players and :math:`L` arms. Player :math:`i` has unknown mean
rewards :math:`\mu_i(a)` for the arms (distinct, so its preferences are
strict); arms have known strict preferences over players. Each round a
centralized platform matches players to arms (one-to-one); a matched player
observes :math:`\mu_i(a) + \sigma \varepsilon` (Gaussian). A matching is
stable for the true preferences when no player-arm pair prefers each other to
their partners. Two benchmarks (both computed by deferred acceptance on the
true preferences, :func:`markets.deferred_acceptance`):

* the player-optimal stable matching :math:`\bar m` (players propose),
* the player-pessimal stable matching :math:`\underline m` (arms propose).

Player :math:`i`'s player-optimal stable regret after :math:`T` rounds is
:math:`\sum_t \mu_i(\bar m(i)) - \mu_i(m_t(i))`, its player-pessimal stable
regret the same against :math:`\underline m` (pseudo-regret: expected rewards;
an unmatched player earns 0). Liu et al. show that the centralized UCB platform
has :math:`O(\log T)` player-pessimal regret (its player-optimal regret can be
linear) and explore-then-commit has :math:`O(\log T)` player-optimal regret
when its exploration length suits the gaps.

Learners (domain ``"matching_ntu"``):

``CentralizedUCB`` (``match_ntu.ucb``)
    Each round, rank arms for each player by
    :math:`\hat\mu_i(a) + c\sqrt{\log T / n_i(a)}` (unseen arms first), run
    player-proposing deferred acceptance with the arms' known preferences, play.
``NTUExploreThenCommit`` (``match_ntu.etc``)
    ``explore`` rounds of round-robin (player :math:`i` meets arm
    :math:`(i + t) \bmod L`), then deferred acceptance on the empirical
    rankings, committed. Given the players' smallest preference gap
    :math:`\Delta` (``gap``) and the noise's sub-Gaussian constant
    :math:`\sigma`, the exploration is the theory's
    (:func:`theory_explore`): :math:`h` samples of every pair with
    :math:`h = \lceil 4\sigma^2/\Delta^2 \, \log(1 + T \Delta^2 N L / (4\sigma^2)) \rceil`.
    The difference of two means of :math:`h` samples is
    :math:`\sigma\sqrt{2/h}`-subgaussian, so a pair of arms is mis-ranked
    with probability at most :math:`e^{-h\Delta^2/(4\sigma^2)}`; with a union
    bound over the :math:`NL` pairs the regret is at most
    :math:`h \max(N, L) \Delta_{\max} + T \Delta_{\max} N L e^{-h\Delta^2/(4\sigma^2)}`,
    and this :math:`h` makes the second term :math:`O(1/\Delta^2)`: the
    player-optimal regret is :math:`O(\max(N, L) \log(T) / \Delta^2)` once
    :math:`T` exceeds the exploration. This is the form of Liu et al.'s ETC
    analysis; their exact constants could not be retrieved for this check, so
    the constants here are the derivation's. Without ``gap`` the exploration is
    the classical :math:`T^{2/3}` tuning, which carries no :math:`O(\log T)`
    guarantee (it can be too short for small gaps and large noise).

The reproduction setting (:func:`liu_market`): 10 x 10, :math:`T = 4000`,
each player's means are :math:`\mathrm{linspace}(0.9, 0, 10)` assigned to the
arms in a uniformly random order, arms rank players uniformly at random.

Examples
--------
>>> mk = liu_market(rng=0)
>>> tr = run_ntu(mk, CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=300), 300, rng=1)
>>> tr.pessimal_regret.shape, tr.player_pessimal_regret.shape
((300,), (300, 10))
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from markets.ntu import deferred_acceptance, deferred_acceptance_unchecked
from sim.environment import Environment, Rollout, Step, rollout
from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.random import RngLike, make_rng
from sim.registry import register_environment, register_policy
from sim.validate import check_array, check_int, check_real

from . import explore_commit
from .checks import (
    check_arm_matching,
    check_generator,
    check_int_array,
    check_memory,
    check_scale,
    check_values,
    pair_array_bytes,
)
from .types import NTUFeedback, NTUObservation

__all__ = ["NTUMarket", "NTUEnv", "liu_market", "CentralizedUCB", "NTUExploreThenCommit", "run_ntu",
           "NTU_METRICS", "example_ntu_env", "ntu_round_bytes", "theory_explore"]


#: Largest magnitude of a player's mean reward: rewards and their running means stay finite.
MEANS_BOUND = 1e50


def _same_int(value, expected):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)) and value == expected


def _check_prefs(name, prefs, rows, cols, against=None):
    arr = check_int_array(name, prefs, "an integer array of rankings")
    arr = check_array(name, arr, ndim=2, dtype=np.int64)
    if arr.shape != (rows, cols):
        of = f" (set by {against})" if against else ""
        raise ValidationError(f"{name} must have shape {(rows, cols)}{of}, got {arr.shape}")
    expect = np.arange(cols)
    for r in range(rows):
        if not np.array_equal(np.sort(arr[r]), expect):
            raise ValidationError(f"{name}[{r}] must be a permutation of 0..{cols - 1} (a strict complete ranking), "
                                  f"got {arr[r].tolist()}")
    return arr


def _ranks(prefs):
    """rank[r, x] = position of x in row r's list (0 = best)."""
    rank = np.empty_like(prefs)
    rows = np.arange(prefs.shape[0])[:, None]
    rank[rows, prefs] = np.arange(prefs.shape[1])[None, :]
    return rank


class NTUMarket:
    """Players with unknown mean rewards, arms with known preferences.

    Parameters
    ----------
    player_means : array_like, shape (N, L)
        :math:`\\mu_i(a)`, distinct within each row (strict preferences).
    arm_prefs : array_like of int, shape (L, N)
        Each arm's ranking of the players, best first.
    sigma : float
        Gaussian noise scale of the rewards (> 0).

    Examples
    --------
    >>> mk = NTUMarket([[0.9, 0.1], [0.9, 0.1]], [[1, 0], [0, 1]], sigma=0.1)
    >>> mk.player_optimal.tolist(), mk.player_pessimal.tolist()
    ([1, 0], [1, 0])
    """

    def __init__(self, player_means: ArrayLike, arm_prefs: ArrayLike, sigma: float = 1.0) -> None:
        mu = check_array("player_means", player_means, ndim=2, allow_empty=False)
        n_players, n_arms = mu.shape
        check_values("player_means", mu.ravel(), mu.size, bound=MEANS_BOUND)
        check_memory("player_means", mu.shape, pair_array_bytes(n_players, n_arms, 8))
        for i in range(n_players):
            if len(np.unique(mu[i])) != n_arms:
                raise ValidationError(f"player_means[{i}] must have distinct entries (strict preferences), "
                                      f"got {mu[i].tolist()}")
        self.player_means = mu
        self.arm_prefs = _check_prefs("arm_prefs", arm_prefs, n_arms, n_players, against="player_means transposed")
        self.sigma = check_scale("sigma", sigma)
        self.player_prefs = np.argsort(-mu, axis=1, kind="stable")
        self.player_rank = _ranks(self.player_prefs)
        self.arm_rank = _ranks(self.arm_prefs)
        players = {i: self.player_prefs[i].tolist() for i in range(n_players)}
        arm_lists = {a: self.arm_prefs[a].tolist() for a in range(n_arms)}
        # benchmarks by the validated, independently tested markets implementation
        opt = deferred_acceptance(players, arm_lists)
        pes = deferred_acceptance(arm_lists, players)
        self.player_optimal = np.array([-1 if opt[i] is None else opt[i] for i in range(n_players)])
        self.player_pessimal = np.full(n_players, -1)
        for a, i in pes.items():
            if i is not None:
                self.player_pessimal[i] = a
        self._opt_value = self._value(self.player_optimal)
        self._pes_value = self._value(self.player_pessimal)

    @property
    def shape(self) -> tuple[int, int]:
        """``(players, arms)``."""
        return self.player_means.shape

    def _value(self, matching):
        rows = np.arange(len(matching))
        return np.where(matching >= 0, self.player_means[rows, np.maximum(matching, 0)], 0.0)

    def blocking_pairs(self, matching: ArrayLike) -> int:
        """Number of player-arm pairs blocking ``matching`` under the true preferences."""
        n_players, n_arms = self.shape
        matching = check_arm_matching("matching", matching, n_players, n_arms)
        rows = np.arange(n_players)
        mine = np.where(matching >= 0, self.player_rank[rows, np.maximum(matching, 0)], n_arms)
        holder = np.full(n_arms, -1)
        holder[matching[matching >= 0]] = rows[matching >= 0]
        theirs = np.where(holder >= 0, self.arm_rank[np.arange(n_arms), np.maximum(holder, 0)], n_players)
        want = self.player_rank < mine[:, None]               # player i prefers arm a
        accept = self.arm_rank.T < theirs[None, :]            # arm a prefers player i
        return int((want & accept).sum())

    def __repr__(self):
        return f"NTUMarket(players={self.shape[0]}, arms={self.shape[1]}, sigma={self.sigma})"


def liu_market(players: int = 10, arms: int = 10, *, rng: RngLike = None, sigma: float = 1.0,
               top: float = 0.9) -> NTUMarket:
    """The reproduction market of Liu, Mania, Jordan (2020).

    Each player's means are ``linspace(top, 0, arms)`` in a uniformly random
    order over the arms; each arm ranks the players uniformly at random.

    Examples
    --------
    >>> mk = liu_market(3, 3, rng=0)
    >>> sorted(mk.player_means[0].tolist())
    [0.0, 0.45, 0.9]
    """
    players = check_int("players", players, low=1)
    arms = check_int("arms", arms, low=1)
    top = check_real("top", top, low=0.0, high=MEANS_BOUND, low_open=True)
    check_memory("players, arms", (players, arms), pair_array_bytes(players, arms, 8))
    rng = make_rng(0 if rng is None else rng)
    levels = np.linspace(top, 0.0, arms)
    means = np.stack([levels[rng.permutation(arms)] for _ in range(players)])
    prefs = np.stack([rng.permutation(players) for _ in range(arms)])
    return NTUMarket(means, prefs, sigma=sigma)


class _NTULearner(Policy):
    """Shared state: per (player, arm) counts and means; arms' known preferences."""

    domain = "matching_ntu"

    def __init__(self, arm_prefs: ArrayLike | None = None, horizon: int = 1000) -> None:
        if arm_prefs is None:
            arm_prefs = np.stack([np.roll(np.arange(5), a) for a in range(5)])
        ap = check_int_array("arm_prefs", arm_prefs, "an integer array of rankings")
        ap = check_array("arm_prefs", ap, ndim=2, dtype=np.int64, allow_empty=False)
        self.players = ap.shape[1]
        self.arms = ap.shape[0]
        self._arm_prefs = _check_prefs("arm_prefs", ap, self.arms, self.players)
        self._arm_rank = _ranks(self._arm_prefs).tolist()
        self.horizon = check_int("horizon", horizon, low=1)
        self._reset()

    def _reset(self):
        self.rounds = 0
        self._count = np.zeros((self.players, self.arms))
        self._mean = np.zeros((self.players, self.arms))

    def _check_observation(self, observation):
        if not isinstance(observation, NTUObservation):
            raise InputTypeError(f"{type(self).__name__}: observation must be an NTUObservation, got "
                                 f"{type(observation).__name__}")
        if not (_same_int(observation.players, self.players) and _same_int(observation.arms, self.arms)):
            raise ValidationError(f"observation has {observation.players} players and {observation.arms} arms, "
                                  f"the learner {self.players} and {self.arms}")

    def _da(self, index):
        prefs = np.argsort(-index, axis=1, kind="stable").tolist()
        # both inputs are valid by construction (argsort rows; arm ranks checked in __init__)
        return np.array(deferred_acceptance_unchecked(prefs, self._arm_rank), dtype=np.int64)

    def _update(self, feedback):
        if not isinstance(feedback, NTUFeedback):
            raise InputTypeError(f"{type(self).__name__}.update: feedback must be an NTUFeedback, got "
                                 f"{type(feedback).__name__}")
        mt = check_arm_matching("feedback.matching", feedback.matching, self.players, self.arms)
        who = np.flatnonzero(mt >= 0)
        rewards = check_array("feedback.rewards", feedback.rewards, shape=(self.players,), finite=False)
        r = check_values("feedback.rewards (of matched players)", rewards[who], len(who))
        a = mt[who]
        k = self._count[who, a] + 1.0
        self._count[who, a] = k
        self._mean[who, a] += (r - self._mean[who, a]) / k

    @classmethod
    def example_observation(cls, rng: RngLike) -> NTUObservation:
        """The default learner's market size (5 players, 5 arms)."""
        return NTUObservation(5, 5)


@register_policy("match_ntu.ucb")
class CentralizedUCB(_NTULearner):
    """Centralized UCB: deferred acceptance on the players' UCB rankings.

    Built for an :class:`NTUEnv` by ``make_policy("match_ntu.ucb", env)``
    (``arm_prefs`` and ``horizon`` come from the environment).

    Parameters
    ----------
    arm_prefs : array_like of int, shape (L, N)
        The arms' known rankings of the players (default: 5 x 5 cyclic).
    horizon : int
        :math:`T` in the width :math:`c\\sqrt{\\log T / n}`.
    c : float
        Confidence constant (> 0).

    Examples
    --------
    >>> ucb = CentralizedUCB(arm_prefs=[[0, 1], [1, 0]], horizon=10)
    >>> ucb.decide(NTUObservation(2, 2)).tolist()
    [0, 1]
    """

    spec = PolicySpec("matching_ntu", label="centralized UCB")

    def __init__(self, arm_prefs: ArrayLike | None = None, horizon: int = 1000, c: float = 1.0) -> None:
        self.c = check_real("c", c, low=0.0, low_open=True)
        super().__init__(arm_prefs, horizon)

    def _decide(self, observation):
        self.rounds += 1
        seen = self._count > 0
        # unseen arms rank first; log(T) / n only where n > 0 (T = 1 would make 0 / 0 elsewhere)
        width = self.c * np.sqrt(np.divide(math.log(self.horizon), self._count, out=np.zeros_like(self._count),
                                           where=seen))
        index = np.where(seen, self._mean + width, np.inf)
        return self._da(index)


def theory_explore(gap: float, sigma: float, horizon: int, players: int, arms: int) -> int:
    r"""Exploration rounds of explore-then-commit for gap :math:`\Delta` and noise constant :math:`\sigma`.

    ``min(T, h * max(N, L))`` with
    :math:`h = \lceil 4\sigma^2/\Delta^2 \log(1 + T\Delta^2 N L/(4\sigma^2)) \rceil`
    samples of every player-arm pair (one per round-robin cycle of
    ``max(N, L)`` rounds); see the module docstring.

    Examples
    --------
    >>> theory_explore(0.1, 1.0, 4000, 10, 10)     # the reproduction market: longer than T
    4000
    >>> theory_explore(0.5, 0.1, 4000, 10, 10)     # h = ceil(0.16 log(1 + 2.5e6)) = 3 samples per pair
    30
    """
    gap = check_real("gap", gap, low=0.0, low_open=True)
    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    horizon = check_int("horizon", horizon, low=1)
    players = check_int("players", players, low=1)
    arms = check_int("arms", arms, low=1)
    r = sigma / gap  # 4 r^2 log(1 + x / (4 r^2)) grows with r, from 0 to x = T N L >= T
    try:
        scale = 4.0 * sigma**2 / gap**2
    except (OverflowError, ZeroDivisionError):  # a square out of range: the same scale from the ratio
        scale = 4.0 * r * r if r < 1e150 else math.inf
    if scale == math.inf:
        return horizon
    x = horizon * players * arms / scale if scale > 0.0 else math.inf
    h = 1 if x == math.inf else max(1, math.ceil(scale * math.log1p(x)))
    return min(horizon, h * max(players, arms))


@register_policy("match_ntu.etc")
class NTUExploreThenCommit(_NTULearner):
    r"""Round-robin exploration, then deferred acceptance on empirical rankings, committed.

    Parameters
    ----------
    arm_prefs : array_like of int, shape (L, N)
        The arms' known rankings (default 5 x 5 cyclic).
    horizon : int
        :math:`T`.
    explore : int, optional
        Exploration rounds. Default: :func:`theory_explore` when ``gap`` is
        given (the length for which the :math:`O(\log T)` bound holds),
        otherwise ``L * ceil((T / L)^(2/3))``: whole round-robin cycles giving
        each player-arm pair about :math:`(T/L)^{2/3}` samples (the classical
        :math:`T^{2/3}` tuning, no :math:`O(\log T)` guarantee).
    gap : float, optional
        The players' smallest gap between the means of two arms (> 0), known
        as the theory assumes.
    sigma : float
        Sub-Gaussian constant of the reward noise (> 0; default 1.0), used with
        ``gap``.

    Examples
    --------
    >>> etc = NTUExploreThenCommit(arm_prefs=[[0, 1], [1, 0]], horizon=10, explore=2)
    >>> [etc.decide(NTUObservation(2, 2)).tolist() for _ in range(2)]
    [[0, 1], [1, 0]]
    """

    spec = PolicySpec("matching_ntu", label="explore-then-commit")

    def __init__(self, arm_prefs: ArrayLike | None = None, horizon: int = 1000, explore: int | None = None,
                 gap: float | None = None, sigma: float = 1.0) -> None:
        super().__init__(arm_prefs, horizon)
        self.gap = None if gap is None else check_real("gap", gap, low=0.0, low_open=True)
        self.sigma = check_real("sigma", sigma, low=0.0, low_open=True)
        if explore is None and self.gap is not None:
            explore = theory_explore(self.gap, self.sigma, self.horizon, self.players, self.arms)
        if explore is None:
            per_arm = max(1, math.ceil((self.horizon / self.arms) ** (2.0 / 3.0)))
            explore = min(self.horizon, per_arm * self.arms)
        self.explore = check_int("explore", explore, low=0)
        self._commit = None

    def _reset(self):
        super()._reset()
        self._commit = None

    def _decide(self, observation):
        s = self.rounds
        self.rounds += 1
        ph = explore_commit.phase(s, self.explore, self._commit is not None)  # the schedule shared with ETC
        if ph == explore_commit.EXPLORE:
            arm = explore_commit.round_robin(np.arange(self.players), s, max(self.arms, self.players))
            return np.where(arm < self.arms, arm, -1)
        if ph == explore_commit.COMMIT:
            self._commit = self._da(self._mean)
        return self._commit.copy()


#: Per-round metrics of :class:`NTUEnv`, in recording order. The two ``player_*`` metrics are vectors
#: (one entry per player), so a rollout holds them as arrays of shape ``(T, players)``.
NTU_METRICS = ("optimal_regret", "pessimal_regret", "blocking_pairs", "player_optimal_regret",
               "player_pessimal_regret")


class NTUEnv(Environment):
    """An :class:`NTUMarket` seen by a centralized platform (domain ``"matching_ntu"``).

    Each step the platform observes the market size, decides a matching
    (arm of each player, ``-1`` if unmatched), and every matched player
    observes its mean reward plus Gaussian noise of scale ``market.sigma``.

    Per-round metrics (:data:`NTU_METRICS`): ``optimal_regret`` and
    ``pessimal_regret`` (summed over players, against the player-optimal and
    the player-pessimal stable matching), ``blocking_pairs`` of the played
    matching, and per player ``player_optimal_regret`` and
    ``player_pessimal_regret`` (vectors; their cumulative sums are each
    player's stable regret).

    Parameters
    ----------
    market : NTUMarket
        The true market.
    horizon : int, optional
        Rounds of an episode (>= 1): enters :meth:`context` and ends the episode.

    Examples
    --------
    >>> from sim.registry import make_policy
    >>> env = NTUEnv(liu_market(3, 3, rng=0), horizon=40)
    >>> sorted(env.context())
    ['arm_prefs', 'arms', 'horizon', 'players', 'sigma']
    >>> out = rollout(env, make_policy("match_ntu.ucb", env), rng=1)
    >>> out.steps, out["player_pessimal_regret"].shape
    (40, (40, 3))
    """

    domain = "matching_ntu"

    def __init__(self, market: NTUMarket, horizon: int | None = None) -> None:
        if not isinstance(market, NTUMarket):
            raise InputTypeError(f"market must be an NTUMarket, got {type(market).__name__}")
        self.market = market
        self.horizon = None if horizon is None else check_int("horizon", horizon, low=1)
        self._obs = NTUObservation(*market.shape)
        self._rows = np.arange(market.shape[0])
        self.rng = None
        self._t = 0

    def context(self) -> dict[str, Any]:
        """``players``, ``arms``, the arms' known ``arm_prefs``, ``sigma`` and (if set) ``horizon``."""
        players, arms = self.market.shape
        ctx: dict[str, Any] = {"players": players, "arms": arms, "arm_prefs": self.market.arm_prefs,
                               "sigma": self.market.sigma}
        if self.horizon is not None:
            ctx["horizon"] = self.horizon
        return ctx

    def reset(self, rng: np.random.Generator) -> None:
        """Start an episode: reward noise comes from ``rng``."""
        check_generator("rng", rng)
        self.rng = rng
        self._t = 0

    def observe(self) -> NTUObservation:
        """The market size (everyone is present every round)."""
        return self._obs

    def step(self, decision: ArrayLike) -> Step:
        """Play the matching ``decision``: the players' noisy rewards and the round's metrics."""
        mk = self.market
        n_players = mk.shape[0]
        mt = check_arm_matching("decision", decision, n_players, mk.shape[1])
        got = mk._value(mt)
        noise = mk.sigma * self.rng.standard_normal(n_players)
        rewards = np.where(mt >= 0, mk.player_means[self._rows, np.maximum(mt, 0)] + noise, np.nan)
        d_opt = mk._opt_value - got
        d_pes = mk._pes_value - got
        self._t += 1
        metrics = {"optimal_regret": d_opt.sum(), "pessimal_regret": d_pes.sum(),
                   "blocking_pairs": mk.blocking_pairs(mt), "player_optimal_regret": d_opt,
                   "player_pessimal_regret": d_pes}
        return Step(NTUFeedback(mt, rewards), metrics, self.horizon is not None and self._t >= self.horizon)

    def __repr__(self):
        return f"NTUEnv({self.market!r}, horizon={self.horizon})"


def example_ntu_env(rng: RngLike = 0, *, players: int = 4, arms: int = 4, horizon: int = 50) -> NTUEnv:
    """The ``matching_ntu`` domain's example environment: a small :func:`liu_market`.

    Examples
    --------
    >>> example_ntu_env(rng=0)
    NTUEnv(NTUMarket(players=4, arms=4, sigma=1.0), horizon=50)
    """
    return NTUEnv(liu_market(players, arms, rng=rng), horizon=horizon)


register_environment("matching_ntu", example_ntu_env, description="A 4 x 4 Liu et al. NTU market; horizon 50.")


def run_ntu(market: NTUMarket, learner: Policy, T: int, rng: RngLike) -> Rollout:
    """Run an NTU learner for ``T`` rounds: ``rollout(NTUEnv(market), learner, T, rng=rng)``.

    Parameters
    ----------
    market : NTUMarket
        The true market.
    learner : sim.policy.Policy
        A policy of domain ``"matching_ntu"`` sized for the market.
    T : int
        Rounds (>= 1); the run must fit in memory (:func:`ntu_round_bytes` a round).
    rng : numpy.random.Generator or int
        Source of the reward noise.

    Returns
    -------
    sim.environment.Rollout
        The metrics of :class:`NTUEnv`; each player's stable regret at ``T`` is
        ``out.cumulative("player_optimal_regret")[-1]`` (likewise pessimal).
    """
    if not isinstance(market, NTUMarket):
        raise InputTypeError(f"market must be an NTUMarket, got {type(market).__name__}")
    if not isinstance(learner, Policy) or getattr(learner, "domain", None) != "matching_ntu":
        raise InputTypeError(f"learner must be an NTU matching Policy, got {learner!r}")
    T = check_int("T", T, low=1)
    check_memory("T", T, T * ntu_round_bytes(market.shape[0]))
    return rollout(NTUEnv(market), learner, T, rng=rng)


def ntu_round_bytes(players: int) -> int:
    """Memory one round of :func:`run_ntu` holds until it returns (three totals and two per-player vectors,
    recorded in a :class:`sim.recorder.Recorder` and then as arrays), rounded up."""
    return 256 * (3 + 2 * check_int("players", players, low=1))
