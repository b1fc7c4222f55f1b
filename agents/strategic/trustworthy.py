r"""Trustworthiness as a checkable property, and trustworthy platforms that use the user's engagement.

Definitions (this toolkit's; see "What the paper says" below)
-------------------------------------------------------------
Fix a platform (a recommender rule and the population view it acts on, held
fixed: no population learning during the game), a ``T``-step game and a
discount ``gamma``. For a user ``u`` (a :class:`~agents.strategic.users.UserModel`)
let ``U_u(naive)`` be the expected discounted utility of natural engagement
and ``U_u(best)`` that of the best response, the maximum over all engagement
strategies, both exact expectations over the platform's randomness. The
*strategization gap* is ``g_u = U_u(best) - U_u(naive) >= 0``. Over a set of
users ``S``:

- the platform is **epsilon-trustworthy** on ``S`` when ``max_{u in S} g_u <= epsilon``
  (no user gains more than ``epsilon`` by strategizing);
- it is **(epsilon, kappa)-trustworthy** when in addition
  ``min_{u in S} U_u(naive) >= kappa``: a naive user is *guaranteed* ``kappa``, a
  minimum over the users, not a mean (a rule that ignores everyone is
  trustworthy with ``epsilon = 0`` and a poor ``kappa``). ``kappa``-trustworthy
  below means ``(0, kappa)``-trustworthy.

:func:`exact_gap` computes ``U(best)`` with the exact planner
(:class:`~agents.strategic.planner.Planner`, ``method="exact"``: expectations
over every recommendation the rule can draw) from each possible first item,
and ``U(naive)`` by its own exact recursion over the same tree; both are
exact, so the gap is measured, never assumed. :func:`check_trustworthy` does
it for a set of users and reports both notions (:class:`TrustReport`).

Trustworthy designs that use the user's engagement
--------------------------------------------------
The insulated :class:`~agents.strategic.platforms.TrustworthyRecommender`
never lets the user's engagement reach its own recommendations: gap 0, but
naive users get only what the population profile gives them. The two designs
here let engagement steer the user's own recommendations, in ways whose gain
from strategizing is bounded by a stated ``epsilon`` (:meth:`gap_bound`,
a theorem below; the exact planner measures the gap against it).

:class:`ExploreCommitRecommender` (``rec.commit``): *commitment*. An
engagement-independent exploration phase shows the ``top`` most popular items
once each, most popular first; then it commits, for the rest of the game, to
the explored item whose (single) exploration signal was highest (ties: the
more popular), and ignores all later engagement for this user's
recommendations (its state stops accumulating signals: the learning channel,
the platform's per-item records, still gets them). Sincere signals are
monotone in value, so sincere exploration commits to an item of the top
sincere signal level. Bound (users without satiation): the user's engagement
changes nothing but the committed item ``j``, and exploration is the same
whatever it does, so

    g_u <= (max_{k explored} v_k - v_{i*}) * sum_{t = top}^{T-1} gamma^t,

with ``i*`` the item sincere exploration commits to. It is 0 (sincere play is
a best response) whenever the best explored item is alone in the top level;
a strategic user can only gain by breaking a tie the coarse signal left.

:class:`TrustMixRecommender` (``rec.trust_mix``): *bounded influence*. Each
recommendation is, with probability ``1 - share``, uniform over the ``top``
most popular items (engagement- and history-independent), and with
probability ``share`` the item with the highest personalised estimate. Without
satiation the first item does not depend on engagement and, for ``t >= 1``,
``E v(x_t) = (1 - share) E_pop v + share E v(g_t)`` with ``g_t`` the greedy
item, which lies in ``[v_min, v_max]`` whatever the user does, and
distortion only costs, so

    g_u <= share * (v_max - v_min) * sum_{t = 1}^{T-1} gamma^t.

``share = 0`` is an insulated platform (``epsilon = 0``), ``share = 1`` greedy:
the share is a dial between trust and personalisation.

Both are ordinary :class:`~agents.strategic.platforms.Recommender`\ s: pure
functions of the user's :class:`~agents.strategic.platforms.RecState`
(:meth:`~agents.strategic.platforms.Recommender.advance`,
:meth:`~agents.strategic.platforms.Recommender.distribution`), so planners,
platforms and environments handle them with no special case.

What the paper says
-------------------
Cen, Ilyas and Madry, "User Strategization and Trustworthy Algorithms" (2023,
arXiv:2312.17666). Its abstract says "We first find that user strategization
can actually help platforms in the short term. We then show that it corrupts
platforms' data and ultimately hurts their ability to make counterfactual
decisions. We connect this phenomenon to user trust, and show that designing
trustworthy algorithms can go hand in hand with accurate estimation. Finally,
we provide a formalization of trustworthiness that inspires potential
interventions." The paper's formal statement of trustworthiness (its
kappa-trustworthy definition) could not be found in the text available here:
only the abstract and third-party summaries, which describe it as
kappa-trustworthy algorithms that discourage strategization and guarantee a
minimum user payoff, and name offering multiple algorithms and feedback
mechanisms among its interventions. The definitions above are this toolkit's
reading of that description (a guaranteed minimum, and a tolerance
``epsilon`` on the gain from strategizing); the two designs are this
toolkit's, not the paper's.

Examples
--------
>>> from agents.strategic.platforms import Platform, GreedyRecommender
>>> from agents.strategic.users import UserModel
>>> model = UserModel([0.85, 1.2, 0.0])
>>> greedy = Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0])
>>> cert = exact_gap(model, greedy, steps=4, gamma=1.0)
>>> round(cert.best, 3), round(cert.naive, 3), round(cert.gap, 3)
(4.35, 3.4, 0.95)
>>> commit = Platform(ExploreCommitRecommender(alpha=1.0, top=2), prior=[0.3, 0.2, 0.1])
>>> users = [model, UserModel([1.5, -0.2, 0.3])]
>>> report = check_trustworthy(users, commit, steps=4, gamma=1.0)  # utility per step
>>> report.gaps.round(4).tolist(), report.epsilon_trustworthy, round(report.kappa, 4)
([0.1625, 0.0], False, 0.9375)
>>> # the first user likes both explored items (a tie): a 0.05 dislike of item 0 buys two steps of item 1
>>> [round(gap_bound(commit, m, steps=4, gamma=1.0) / 4, 4) for m in users]
[0.175, 0.0]
>>> check_trustworthy(users, commit, steps=4, gamma=1.0, epsilon=0.175, kappa=0.9).kappa_trustworthy
True
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.errors import InputTypeError, ValidationError
from sim.policy import PolicySpec
from sim.random import RngLike
from sim.registry import register_policy
from sim.validate import check_int, check_probability, check_real

from .planner import Planner
from .platforms import Platform, PopulationView, Recommender, RecState, engagement_units
from .users import UserModel

__all__ = [
    "ExploreCommitRecommender",
    "GapCertificate",
    "TrustMixRecommender",
    "TrustReport",
    "check_trustworthy",
    "exact_gap",
    "gap_bound",
]

_TOL = 1e-9


def _popular(view: PopulationView, top: int) -> tuple:
    """The ``top`` most popular items (population marginal, ties to the lower index), most popular first."""
    mu = view.marginal
    return tuple(sorted(range(len(mu)), key=lambda k: (-mu[k], k))[:top])


def _discount_sum(gamma: float, start: int, stop: int) -> float:
    """``sum_{t = start}^{stop - 1} gamma^t``."""
    return float(sum(gamma ** t for t in range(start, stop)))


def _check_bound_args(model, view, steps, gamma):
    if not isinstance(model, UserModel):
        raise InputTypeError(f"model must be a UserModel, got {type(model).__name__}")
    if not isinstance(view, PopulationView):
        raise InputTypeError(f"view must be a PopulationView, got {type(view).__name__}")
    if view.n_items != model.n_items:
        raise ValidationError(f"view must describe the user's {model.n_items} items, got {view.n_items}")
    if model.satiation and model.window:
        raise ValidationError(f"the gap bounds hold for users without satiation, got satiation={model.satiation} "
                              f"over window={model.window}")
    return check_int("steps", steps, low=0), check_probability("gamma", gamma)


@register_policy("rec.commit")
class ExploreCommitRecommender(Recommender):
    """Explore the ``top`` most popular items once each, then commit to the best-engaged one.

    Exploration does not depend on engagement; the commitment depends only on
    the exploration signals, and later engagement never changes it (see the
    module docstring for the bound on the gain from strategizing).

    Parameters
    ----------
    top : int
        Items explored (>= 1; at most the catalog).
    alpha, prior_weight, noise
        As for :class:`~agents.strategic.platforms.Recommender`.

    Examples
    --------
    >>> from agents.strategic.platforms import RecObservation, PopulationView
    >>> rule = ExploreCommitRecommender(alpha=1.0, top=2)
    >>> view = PopulationView([0.1, 0.5, 0.3])
    >>> s = rule.initial_state(3)
    >>> rule.decide(RecObservation(s, view))  # the most popular first
    1
    >>> s = rule.advance(s, 1, 0, 2)  # no button
    >>> rule.decide(RecObservation(s, view))
    2
    >>> s = rule.advance(s, 2, 1, 2)  # liked: committed to item 2
    >>> rule.decide(RecObservation(s, view)), rule.advance(s, 2, -1, 0) == rule.advance(s, 2, 1, 2)
    (2, True)
    """

    spec = PolicySpec("recommender", label="explore-commit")

    def __init__(self, top: int = 3, alpha: float = 0.5, prior_weight: float = 1.0, noise: float = 0.5) -> None:
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, rng=0)
        self.top = check_int("top", top, low=1)

    def _explored(self, state: RecState, view: PopulationView) -> tuple:
        return _popular(view, min(self.top, view.n_items))

    def _committed(self, state: RecState) -> bool:
        # exploration shows each explored item once; it is over when `top` items have a signal
        return sum(1 for n in state.counts if n) >= min(self.top, len(state.counts))

    def advance(self, state: RecState, item: int, explicit: int, dwell_half: int) -> RecState:
        """Count the item; record its signal only during exploration (the commitment never changes)."""
        if self._committed(state):
            counts = state.counts
            return RecState(counts[:item] + (counts[item] + 1,) + counts[item + 1:], state.explicit, state.dwell)
        return super().advance(state, item, explicit, dwell_half)

    def memo_key(self, state: RecState) -> Hashable:
        """Once committed, only the exploration signals matter (the counts only grow)."""
        if self._committed(state):
            return ("commit", state.explicit, state.dwell)
        return state

    def _distribution_from(self, state, view):
        explored = self._explored(state, view)
        counts = state.counts
        for k in explored:
            if counts[k] == 0:
                return ((k, 1.0),)
        sums = self.signal_sums(state)
        # first in popularity order among the highest signals: ties go to the more popular item
        best = max(explored, key=lambda k: sums[k])
        return ((best, 1.0),)

    def sincere_commitment(self, model: UserModel, view: PopulationView) -> int:
        """The item sincere exploration commits to (natural signals, no satiation)."""
        explored = _popular(view, min(self.top, view.n_items))
        signals = model.natural_signals(self.alpha)
        return max(explored, key=lambda k: signals[k])

    def gap_bound(self, model: UserModel, view: PopulationView, steps: int, gamma: float) -> float:
        """``(max_{k explored} v_k - v_{i*}) sum_{t=top}^{T-1} gamma^t`` (users without satiation)."""
        steps, gamma = _check_bound_args(model, view, steps, gamma)
        explored = _popular(view, min(self.top, view.n_items))
        i_star = self.sincere_commitment(model, view)
        v = model.values
        return (max(v[k] for k in explored) - v[i_star]) * _discount_sum(gamma, len(explored), steps)


@register_policy("rec.trust_mix")
class TrustMixRecommender(Recommender):
    """With probability ``share`` the personalised best item, else uniform over the ``top`` most popular.

    Parameters
    ----------
    share : float
        Probability of the personalised (greedy) recommendation, in [0, 1].
    top : int
        Popular items of the engagement-independent part (>= 1).
    alpha, prior_weight, noise, rng
        As for :class:`~agents.strategic.platforms.Recommender`.

    Examples
    --------
    >>> from agents.strategic.platforms import RecObservation, PopulationView
    >>> rule = TrustMixRecommender(share=0.25, top=2)
    >>> obs = RecObservation(rule.initial_state(3), PopulationView([0.1, 0.5, 0.3]))
    >>> rule.probabilities(obs).tolist()
    [0.0, 0.625, 0.375]
    """

    spec = PolicySpec("recommender", label="trust mix", stochastic=True)
    deterministic: ClassVar[bool] = False

    def __init__(self, share: float = 0.25, top: int = 3, alpha: float = 0.5, prior_weight: float = 1.0,
                 noise: float = 0.5, rng: RngLike = 0) -> None:
        super().__init__(alpha=alpha, prior_weight=prior_weight, noise=noise, rng=rng)
        self.share = check_probability("share", share)
        self.top = check_int("top", top, low=1)

    def _distribution_from(self, state, view):
        popular = _popular(view, min(self.top, view.n_items))
        mu = self.estimates(state, view)
        best = max(range(len(mu)), key=lambda k: (mu[k], -k))
        base = (1.0 - self.share) / len(popular)
        probs = {k: base for k in popular}
        probs[best] = probs.get(best, 0.0) + self.share
        return tuple((k, p) for k, p in sorted(probs.items()) if p > 0.0)

    def gap_bound(self, model: UserModel, view: PopulationView, steps: int, gamma: float) -> float:
        """``share (v_max - v_min) sum_{t=1}^{T-1} gamma^t`` (users without satiation)."""
        steps, gamma = _check_bound_args(model, view, steps, gamma)
        v = model.values
        return self.share * float(np.max(v) - np.min(v)) * _discount_sum(gamma, 1, steps)


def gap_bound(platform: Platform, model: UserModel, steps: int, gamma: float = 1.0) -> float:
    """The proven bound on ``model``'s strategization gap against ``platform`` (total discounted utility).

    0 for an insulated rule (:attr:`~agents.strategic.platforms.Recommender.insulated`);
    the rule's ``gap_bound`` for the designs of this module.

    Raises
    ------
    ValidationError
        If the rule has no trust guarantee (greedy, UCB, ...).

    Examples
    --------
    >>> from agents.strategic.platforms import GreedyRecommender
    >>> p = Platform(TrustMixRecommender(share=0.5), prior=[0.0, 0.0])
    >>> gap_bound(p, UserModel([1.0, -1.0]), steps=3)
    2.0
    >>> gap_bound(Platform(GreedyRecommender(), prior=[0.0, 0.0]), UserModel([1.0, -1.0]), steps=3)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: platform: GreedyRecommender has no trust guarantee (no gap_bound, not insulated)
    """
    platform = _check_platform(platform)
    rule = platform.policy
    if rule.insulated:
        _check_bound_args(model, platform.base_view, steps, gamma)
        return 0.0
    bound = getattr(rule, "gap_bound", None)
    if bound is None:
        raise ValidationError(f"platform: {type(rule).__name__} has no trust guarantee (no gap_bound, not insulated)")
    return float(bound(model, platform.base_view, steps, gamma))


@dataclass(frozen=True)
class GapCertificate:
    """Exact expected utilities of the best response and of naive play, and their gap.

    Attributes
    ----------
    best, naive : float
        Expected discounted utilities (total over the game).
    gap : float
        ``best - naive`` (a difference within rounding of 0 is 0).
    nodes : int
        States the planner expanded.
    """

    best: float
    naive: float
    gap: float
    nodes: int


def _check_platform(platform) -> Platform:
    if not isinstance(platform, Platform):
        raise InputTypeError(f"platform must be a Platform, got {type(platform).__name__}")
    if platform.learn:
        raise ValidationError("platform must not learn across users (learn=False): the game holds its view fixed")
    return platform


class _NaiveValue:
    """Exact expected discounted utility of natural engagement (the planner's tree, one action per node)."""

    def __init__(self, model: UserModel, rule: Recommender, view: PopulationView, gamma: float) -> None:
        self.model, self.rule, self.view, self.gamma = model, rule, view, gamma
        self.memo: dict = {}

    def __call__(self, item: int, state: RecState, recent: tuple, h: int) -> float:
        m = self.model
        v = m.current_value(item, recent)
        if h == 0 or self.gamma == 0.0:
            return v
        key = (item, self.rule.memo_key(state), recent, h)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        ex, dw = engagement_units(m.engagement.natural(v))
        state2 = self.rule.advance(state, item, ex, dw)
        recent2 = (recent + (item,))[-m.window:] if m.window else recent
        cont = sum(p * self(nxt, state2, recent2, h - 1) for nxt, p in self.rule.distribution(state2, self.view))
        out = self.memo[key] = v + self.gamma * cont
        return out


def exact_gap(model: UserModel, platform: Platform, steps: int, gamma: float = 1.0, *,
              per_step: bool = False) -> GapCertificate:
    """The exact strategization gap of ``model`` against ``platform`` in a ``steps``-round game.

    ``platform`` supplies the rule and its population view (a platform that
    does not learn across users); its user records are not touched. The best
    response is the exact planner with horizon ``steps - 1`` from every
    possible first item; naive play is evaluated exactly on the same tree.

    Parameters
    ----------
    model : UserModel
        The user.
    platform : Platform
        The platform (``learn=False``).
    steps : int
        Rounds ``T >= 1``.
    gamma : float
        Discount, in [0, 1].
    per_step : bool
        Divide utilities by ``sum_{t<T} gamma^t`` (utility per step).

    Returns
    -------
    GapCertificate
    """
    if not isinstance(model, UserModel):
        raise InputTypeError(f"model must be a UserModel, got {type(model).__name__}")
    platform = _check_platform(platform)
    steps = check_int("steps", steps, low=1)
    gamma = check_probability("gamma", gamma)
    if model.n_items != platform.n_items:
        raise ValidationError(f"model values {model.n_items} items but the platform has {platform.n_items}")
    if not isinstance(per_step, (bool, np.bool_)):
        raise InputTypeError(f"per_step must be a bool, got {per_step!r}")
    rule, view = platform.policy, platform.base_view
    planner = Planner(model.values, model.engagement, rule, view, gamma, satiation=model.satiation,
                      window=model.window, method="exact")
    naive_value = _NaiveValue(model, rule, view, gamma)
    start = rule.initial_state(platform.n_items)
    best = naive = 0.0
    nodes = 0
    for item, p in rule.distribution(start, view):
        plan = planner.plan(item, start, (), steps - 1)
        best += p * plan.value
        nodes += plan.nodes
        naive += p * naive_value(item, start, (), steps - 1)
    gap = best - naive
    if -_TOL * max(1.0, abs(best)) < gap < 0.0:  # a best response never loses: rounding
        gap = 0.0
    if per_step:
        scale = _discount_sum(gamma, 0, steps)
        best, naive, gap = best / scale, naive / scale, gap / scale
    return GapCertificate(best, naive, gap, nodes)


@dataclass(frozen=True)
class TrustReport:
    """The trust notions checked over a set of users (see the module docstring).

    Attributes
    ----------
    gaps, naive, best : ndarray
        Per user: the exact strategization gap, naive and best-response utilities.
    epsilon : float
        The tolerance checked.
    max_gap : float
        The largest gap (the smallest ``epsilon`` the platform meets on these users).
    kappa : float
        The smallest naive utility: the payoff naive play is guaranteed on these users.
    epsilon_trustworthy : bool
        ``max_gap <= epsilon`` (up to rounding).
    kappa_trustworthy : bool or None
        ``epsilon_trustworthy`` and ``kappa >= kappa_required`` (None when no ``kappa`` was required).
    """

    gaps: np.ndarray
    naive: np.ndarray
    best: np.ndarray
    epsilon: float
    max_gap: float
    kappa: float
    epsilon_trustworthy: bool
    kappa_trustworthy: bool | None


def check_trustworthy(models: Iterable[UserModel], platform: Platform, steps: int, gamma: float = 1.0, *,
                      epsilon: float = 0.0, kappa: float | None = None, per_step: bool = True) -> TrustReport:
    """Check epsilon- and (epsilon, kappa)-trustworthiness of ``platform`` over the users ``models``.

    Every user's gap is measured exactly (:func:`exact_gap`). ``epsilon`` and
    ``kappa`` are in the units of ``per_step`` (utility per step by default).

    Parameters
    ----------
    models : sequence of UserModel
        The users (at least one).
    platform : Platform
        The platform (``learn=False``).
    steps : int
        Rounds of the game (>= 1).
    gamma : float
        Discount, in [0, 1].
    epsilon : float
        Tolerance on the gap (>= 0).
    kappa : float, optional
        Payoff naive play must be guaranteed (every user's naive utility >= kappa).
    per_step : bool
        Utilities per step (default) or totals.

    Returns
    -------
    TrustReport
    """
    if isinstance(models, (str, bytes)) or not hasattr(models, "__iter__"):
        raise InputTypeError(f"models must be a sequence of UserModel, got {type(models).__name__}")
    models = list(models)
    if not models:
        raise ValidationError("models must list at least one user, got none")
    epsilon = check_real("epsilon", epsilon, low=0.0)
    if kappa is not None:
        kappa = check_real("kappa", kappa)
    certs = [exact_gap(m, platform, steps, gamma, per_step=per_step) for m in models]
    gaps = np.array([c.gap for c in certs])
    naive = np.array([c.naive for c in certs])
    best = np.array([c.best for c in certs])
    max_gap = float(gaps.max())
    tol = _TOL * max(1.0, float(np.max(np.abs(best))))
    eps_ok = bool(max_gap <= epsilon + tol)
    floor = float(naive.min())
    kappa_ok = None if kappa is None else bool(eps_ok and floor >= kappa - tol)
    return TrustReport(gaps, naive, best, epsilon, max_gap, floor, eps_ok, kappa_ok)

