"""Planner states: which believed platform states can be merged, and bounds on their value.

Merging (exact)
---------------
A built-in recommender reads a user's state only through the counts
``n_k`` and the signal sums ``S_j = a E_j + b D_j`` (``a = alpha``,
``b = (1 - alpha) / 2``, ``E_j`` the explicit sum and ``D_j`` the dwell sum in
half units, both integers; ``j`` an item, or a cluster under cluster
pooling). Two states with equal counts and equal *floating-point* sums get
bit-identical estimates, hence the same recommendations; to merge them in a
planner they must also stay equal after the same future engagement. Both hold
when the platform's arithmetic on the sums is exact: write the floats ``a``
and ``b`` as ``A / q`` and ``B / q`` with integers ``A, B`` and ``q`` a power of
two (every float is such a dyadic rational). If ``q <= 2^20`` (so ``alpha`` in
``{0, 1/4, 1/2, 3/4, 1}`` and any other multiple of ``2^-19``) and
``|A E| + |B D| < 2^53``, then ``a E``, ``b D`` and their sum are computed
exactly, and ``S_j`` is exactly ``L_j / q`` for the integer *lattice sum*
``L_j = A E_j + B D_j``. The merge key :func:`state_key` is then
``(counts, L)``: states the platform cannot tell apart now or later, whichever
order or mix of likes and dwell produced them. For example at ``alpha = 1/2``
(``L = 2E + D`` in quarter units) a like with a skip and no button with a
full watch both add ``L = 2``. For other ``alpha`` the key is the state's
``(counts, E, D)`` (equal exact sums then mean equal ``E`` and ``D`` for the
small integers that occur). A rule that declares a coarser
:meth:`~agents.strategic.platforms.Recommender.memo_key` (the insulated
recommender reads only counts) keeps its own key, and a rule of any other
class keeps its ``memo_key``: the merge is applied only where the rule's
arithmetic is known.

Bounds (admissible)
-------------------
Every step's utility is at most the best item value ``v_max`` (satiation and
distortion costs only lower it), so ``V_h(x) <= v_now(x) + sum_{j=1..h}
gamma^j v_max`` for any rule. Against a greedy rule over one population type
without cluster pooling (:func:`greedy_reach_times`) a sharper bound follows
from how greedy moves: only the item shown changes its estimate, and an item
below item ``k`` can never be shown before ``k`` is. So before ``k`` is first
shown, every item ``j`` that now beats ``k`` must be shown and pushed below it,
at best with the lowest signal ``s_min`` each time; the least number of pushes
``d_j(k)`` solves ``(A_j + d s_min) / (B_j + d) <= mu_k`` (``A_j = w p_j + S_j``,
``B_j = w + n_j``), and ``k`` cannot be shown before step
``T_k = sum_j d_j(k)``. Hence step ``j`` earns at most
``M_j = max{v_k : T_k <= j}`` and ``V_h(x) <= v_now(x) + sum_j gamma^j M_j``.
Under ``warmup`` the unseen items come first in a fixed order, whatever the
user does, and the bound uses their values for those steps. All comparisons
round towards a smaller ``T_k`` (a bound that is too loose is safe, one that
is too tight is not).

Examples
--------
>>> from agents.strategic.platforms import GreedyRecommender, RecState
>>> key = state_key(GreedyRecommender(alpha=0.5))
>>> like_skip = RecState((1, 0), (1, 0), (0, 0))   # like, dwell 0
>>> none_full = RecState((1, 0), (0, 0), (2, 0))   # no button, dwell 1
>>> key(like_skip) == key(none_full)
True
>>> signal_lattice(0.5), signal_lattice(0.3)
((2, 1, 4), None)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Hashable, Iterable
from fractions import Fraction

from sim.validate import check_probability

from .engagement import ACTIONS, read_signal
from .platforms import (
    EpsilonGreedyRecommender,
    GreedyRecommender,
    PopulationView,
    Recommender,
    RecState,
    SoftmaxRecommender,
    UCBRecommender,
)

__all__ = ["greedy_reach_times", "reach_bound_applies", "signal_lattice", "state_key"]

#: Largest lattice denominator merged on (products with integer sums stay exact far beyond any game length).
MAX_DENOMINATOR = 2**20
#: Rules whose decisions read the state only through counts and the float signal sums ``a E + b D``.
SUM_READERS = (GreedyRecommender, EpsilonGreedyRecommender, SoftmaxRecommender, UCBRecommender)


def signal_lattice(alpha: float) -> tuple[int, int, int] | None:
    """``(A, B, q)`` with ``alpha = A / q`` and ``(1 - alpha) / 2 = B / q`` exactly, or None if ``q > 2^20``.

    The two weights are the floats a recommender computes (``alpha`` and
    ``(1.0 - alpha) * 0.5``); ``q`` is their least common (power of two)
    denominator.

    Examples
    --------
    >>> signal_lattice(1.0), signal_lattice(0.0), signal_lattice(0.75)
    ((1, 0, 1), (0, 1, 2), (6, 1, 8))
    """
    return _lattice(check_probability("alpha", alpha))


@functools.lru_cache(maxsize=256)
def _lattice(alpha):
    a, b = Fraction(alpha), Fraction((1.0 - alpha) * 0.5)
    q = math.lcm(a.denominator, b.denominator)
    if q > MAX_DENOMINATOR:
        return None
    return int(a * q), int(b * q), q


def state_key(rule: Recommender) -> Callable[[RecState], Hashable]:
    """The planner's merge key for states of ``rule`` (see the module docstring).

    Two states with equal keys get the same recommendation distribution from
    ``rule``, and keep equal keys after the same engagement with the same item.
    """
    own = type(rule).memo_key
    if own is not Recommender.memo_key or type(rule) not in SUM_READERS:
        return rule.memo_key
    lattice = signal_lattice(rule.alpha)
    if lattice is None:
        return rule.memo_key
    A, B, _ = lattice
    if A == 0:
        return lambda s: (s.counts, s.dwell)
    if B == 0:
        return lambda s: (s.counts, s.explicit)
    # the bound on |A E| + |B D| < 2^53 holds for any count below 2^32 (A, B <= 2^20)
    return lambda s: (s.counts, tuple([A * e + B * d for e, d in zip(s.explicit, s.dwell)]))


def reach_bound_applies(rule: Recommender, view: PopulationView) -> bool:
    """Whether :func:`greedy_reach_times` is valid for ``rule`` and ``view``.

    Only a greedy rule of exactly :class:`~agents.strategic.platforms.GreedyRecommender`,
    per item (no clusters) and over a one-type view: there each item's
    estimate moves only when it is shown.
    """
    return type(rule) is GreedyRecommender and rule.clusters is None and view.n_types == 1


@functools.lru_cache(maxsize=64)
def lowest_signal(alpha: float) -> float:
    """The lowest signal any engagement gives a rule with weight ``alpha``."""
    return min(read_signal(a, alpha) for a in ACTIONS)


def greedy_reach_times(rule: Recommender, state: RecState, view: PopulationView, item: int,
                       targets: Iterable[int] | None = None) -> dict[int, int | float]:
    """Lower bounds ``T_k`` on the first future step at which item ``k`` can be shown.

    ``item`` is shown now (step 0) from ``state`` (before its engagement);
    ``T_item = 1``. Only valid when :func:`reach_bound_applies`; ``T_k`` is
    ``math.inf`` for an item that can never be shown again. Returns
    ``{k: T_k}`` for every ``k`` in ``targets`` (default: all items).

    Examples
    --------
    >>> from agents.strategic.platforms import GreedyRecommender, PopulationView
    >>> rule = GreedyRecommender(alpha=1.0)
    >>> # prior 0.3 on item 0 and 0 on item 1: one dislike (signal -1) brings item 0 to -0.35 < 0
    >>> greedy_reach_times(rule, rule.initial_state(2), PopulationView([0.3, 0.0]), 0)
    {0: 1, 1: 1}
    >>> greedy_reach_times(rule, rule.initial_state(3), PopulationView([0.3, 0.2, 0.0]), 0, targets=[2])
    {2: 2}
    """
    mu = rule.estimates(state, view)
    w = rule.prior_weight
    p = view.means[0]
    sums = rule.signal_sums(state)
    counts = state.counts
    smin = lowest_signal(rule.alpha)
    K = len(mu)
    ranked = sorted(range(K), key=lambda j: -mu[j])
    out: dict = {}
    for k in (range(K) if targets is None else targets):
        if k == item:
            out[k] = 1
            continue
        target = mu[k]
        clear = target + 1e-12 * (1.0 + abs(target))
        gap = target - smin
        if gap <= 1e-12 and smin > target + 1e-9 * (1.0 + abs(target)):
            # pushes only average an estimate towards s_min, which stays above mu_k: only an
            # item that does not beat k now could be shown before it, and none can be pushed below
            out[k] = math.inf
            continue
        total = 0
        pushed_item = False
        for j in ranked:
            if not mu[j] > clear:
                break  # the rest do not clearly beat k: no push counted (rounds towards a smaller T_k)
            if j == k:
                continue
            pushed_item = pushed_item or j == item
            if gap <= 1e-12:
                total += 1
                continue
            need = (w * p[j] + sums[j] - target * (w + counts[j])) / gap
            total += max(1, math.ceil(need - 1e-6 * (1.0 + abs(need))))
        if not pushed_item:
            total += 1  # the item shown now takes step 0 whether or not it beats k
        out[k] = total
    return out
