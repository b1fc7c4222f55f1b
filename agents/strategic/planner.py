"""Best responses to a believed platform: memoised dynamic programming.

Model (this toolkit's definition)
---------------------------------
A strategic user shown item ``x_t`` chooses

    e_t in argmax_e [ r(x_t, e) + gamma * E V_{H-1}(x_{t+1}, state') ],
    V_h(x, state) = max_e [ r(x, e) + gamma * E V_{h-1}(x', state') ],   V_0(x, state) = v_now(x),

where ``state`` is the platform's state for this user *as the user believes it
evolves* (a :class:`~agents.strategic.platforms.RecState`, read through the
believed rule and its believed ``alpha_b``) together with the user's own
satiation memory (its last ``window`` items), ``x' ~ A(state')`` is the believed
recommendation rule (a :class:`~agents.strategic.platforms.Recommender` used as
a pure function of the state, with the population view held fixed over the
horizon), ``r(x, e) = v_now(x) - c(e | v_now(x))`` and ``v_now`` is the
satiated value. At the last step of the horizon engagement cannot influence
anything the user counts, so it is natural and ``V_0`` is the current value.

Why it is polynomial, not ``9^H``: engagement reaches the platform only
through the believed signal, so the nine actions collapse to their distinct
signals (3 when ``alpha_b`` is 0 or 1, at most 9 otherwise), each represented
by its cheapest action; and values are memoised on the full state
``(item, counts, sums, recent items, steps to go)``. The search therefore
expands each *reachable state* once per depth: at most ``(H + 1) * |S_H|``
nodes, where ``S_H`` is the set of states reachable in ``H`` steps. For a
platform with small state (few items and signal levels on a lattice, so sums
coincide along different paths) ``|S_H|`` grows polynomially in ``H``
(``O(H^(2K-1))`` at worst for ``K`` items and 3 signal levels, far less under
greedy rules, whose item sequence is pinned down by the state), and the bench
(``bench/strategic.py``) measures it. Stochastic rules are handled exactly
(expectation over the rule's distribution) or, with ``method="sampled"``, by
sparse sampling of ``samples`` recommendations per chance node, with common
random numbers (the same uniforms at a given depth in every state), so that
sampling noise never makes a distortion look profitable against a rule that
ignores it.

Ties: natural engagement is kept unless another action is better by more than
``1e-12`` (relative), so a best response equals naive play whenever
distortion cannot pay (``H = 0``, ``gamma = 0``, an insulated platform).

Examples
--------
>>> from agents.strategic.planner import Planner
>>> from agents.strategic.platforms import GreedyRecommender, PopulationView
>>> from agents.strategic.engagement import EngagementModel
>>> rule = GreedyRecommender(alpha=1.0)
>>> planner = Planner(values=[0.85, 1.2], engagement=EngagementModel(), rule=rule,
...                   view=PopulationView([0.0, 0.0]), gamma=1.0)
>>> # shown item 0 (worth 0.85, naturally liked): disliking it moves the greedy platform to item 1
>>> plan = planner.plan(item=0, state=rule.initial_state(2), recent=(), horizon=3)
>>> plan.action, round(plan.value, 6)
(Engagement(explicit=-1, dwell=1.0), 4.35)
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import NamedTuple

from numpy.typing import ArrayLike

from sim.errors import ValidationError
from sim.random import RngLike, make_rng
from sim.validate import check_array, check_choice, check_int, check_probability

from .engagement import ACTIONS, Engagement, EngagementModel, read_signal
from .platforms import PopulationView, Recommender, RecState

__all__ = ["Plan", "Planner", "signal_classes"]

_TOL = 1e-12


class Plan(NamedTuple):
    """A planned engagement: the action, its value and the search effort."""

    action: Engagement
    value: float
    natural: Engagement
    nodes: int


def signal_classes(engagement: EngagementModel, natural: Engagement, alpha: float) -> tuple:
    """Distinct believed signals and the cheapest action giving each.

    Returns a tuple of ``(signal, cost, action, units)`` (``units`` =
    ``(explicit, dwell in half units)``), the natural action's class
    first, then by increasing cost (ties: first in :data:`~agents.strategic.engagement.ACTIONS`).

    Examples
    --------
    >>> from agents.strategic.engagement import EngagementModel, Engagement
    >>> cls = signal_classes(EngagementModel(), Engagement(1, 1.0), alpha=1.0)
    >>> [(s, round(c, 2), a.explicit) for s, c, a, _ in cls]
    [(1.0, 0.0, 1), (0.0, 0.1, 0), (-1.0, 0.2, -1)]
    """
    best: dict[float, tuple] = {}
    for order, action in enumerate(ACTIONS):
        s = read_signal(action, alpha)
        rank = (engagement.cost(action, natural), action != natural, order)
        if s not in best or rank < best[s][0]:
            best[s] = (rank, action)
    nat_signal = read_signal(natural, alpha)
    # natural first, then cheapest first: cheap candidates raise the bar that prunes costly ones
    items = sorted(best.items(), key=lambda kv: (kv[0] != nat_signal, kv[1][0]))
    return tuple((s, rank[0], a, (a[0], round(a[1] * 2))) for s, (rank, a) in items)


class Planner:
    """Memoised best-response search against a believed platform.

    Parameters
    ----------
    values : array_like, shape (K,)
        The user's true item values.
    engagement : EngagementModel
        Natural engagement and distortion costs.
    rule : Recommender
        The believed recommendation rule, with the believed ``alpha`` (its
        :meth:`advance` and :meth:`distribution` are used).
    view : PopulationView
        The population view, held fixed over the horizon.
    gamma : float
        Discount factor, in [0, 1].
    satiation, window : float, int
        Satiation: value falls by ``satiation`` per consumption among the last ``window`` items.
    method : {"auto", "exact", "sampled"}
        Chance nodes: exact expectation, or ``samples`` draws; ``auto`` is exact
        for deterministic rules and sampled otherwise.
    samples : int
        Draws per chance node for ``sampled``.
    rng : numpy.random.Generator or int
        Randomness of ``sampled``.
    """

    def __init__(self, values: ArrayLike, engagement: EngagementModel, rule: Recommender, view: PopulationView,
                 gamma: float, *, satiation: float = 0.0, window: int = 0, method: str = "auto", samples: int = 4,
                 rng: RngLike = 0) -> None:
        vals = check_array("values", values, ndim=1, allow_empty=False)
        self.values = tuple(float(v) for v in vals)
        if view.n_items != len(self.values):
            raise ValidationError(
                f"view must describe {len(self.values)} items (the user's values), got {view.n_items}")
        self.engagement = engagement
        self.alpha = rule.alpha
        self.gamma = check_probability("gamma", gamma)
        self.rule = rule
        self.view = rule.check_view(view)
        self.satiation = float(satiation)
        self.window = int(window)
        method = check_choice("method", method, ("auto", "exact", "sampled"))
        if method == "auto":
            method = "exact" if rule.deterministic else "sampled"
        self.method = method
        self.samples = check_int("samples", samples, low=1)
        self.rng = make_rng(rng)
        self._key = rule.memo_key
        self._classes: dict[Engagement, tuple] = {}
        self._memo: dict = {}
        self._crn: list = []
        self.nodes = 0
        # bound[h] >= any discounted value of h future steps: prunes actions that cannot win
        vmax = max(max(self.values), 0.0)
        self._bound = [0.0]
        for _ in range(1, 64):
            self._bound.append(self.gamma * (vmax + self._bound[-1]))

    def clear(self) -> None:
        """Forget memoised values (call when the view or the rule changes)."""
        self._memo.clear()

    def _classes_for(self, natural):
        try:
            return self._classes[natural]
        except KeyError:
            out = self._classes[natural] = signal_classes(self.engagement, natural, self.alpha)
            return out

    def current_value(self, item: int, recent: tuple) -> float:
        """Satiated value of ``item`` given the last consumed items ``recent``."""
        if self.satiation and recent:
            return self.values[item] - self.satiation * recent.count(item)
        return self.values[item]

    def _next_items(self, state, h):
        dist = self.rule.distribution(state, self.view)
        if self.method == "exact" or len(dist) == 1:
            return dist
        # common random numbers: the j-th draw at depth h inverts the same uniform in every
        # state, so states the rule treats alike get the same samples (no spurious gains)
        draws = []
        weight = 1.0 / self.samples
        for u in self._uniforms(h):
            acc, pick = 0.0, dist[-1][0]
            for k, p in dist:
                acc += p
                if u < acc:
                    pick = k
                    break
            draws.append((pick, weight))
        return tuple(draws)

    def _uniforms(self, h):
        while len(self._crn) <= h:
            self._crn.append(tuple(float(x) for x in self.rng.random(self.samples)))
        return self._crn[h]

    def _best(self, item, state, recent, h):
        """``(value, action)`` of being shown ``item`` with ``h`` future steps to go."""
        v = self.current_value(item, recent)
        natural = self.engagement.natural(v)
        if h == 0 or self.gamma == 0.0:
            return v, natural
        key = (item, self._key(state), recent, h)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        self.nodes += 1
        if self.window:
            recent2 = (recent + (item,))[-self.window:]
        else:
            recent2 = recent
        gamma = self.gamma
        advance = self.rule.advance
        bound = self._bound[h] if h < len(self._bound) else math.inf
        best_q = best_a = nat_q = None
        for _, cost, action, (ex, dw) in self._classes_for(natural):
            if nat_q is not None and (v - cost) + bound <= best_q:
                continue  # even the best possible future cannot make this distortion win
            state2 = advance(state, item, ex, dw)
            cont = 0.0
            for nxt, p in self._next_items(state2, h):
                cont += p * self._best(nxt, state2, recent2, h - 1)[0]
            q = (v - cost) + gamma * cont
            if nat_q is None:  # the natural action's class comes first
                nat_q, best_q, best_a = q, q, action
            elif q > best_q:
                best_q, best_a = q, action
        if best_a != natural and best_q <= nat_q + _TOL * (1.0 + abs(nat_q)):
            best_q, best_a = nat_q, natural
        out = (best_q, best_a)
        self._memo[key] = out
        return out

    def plan(self, item: int, state: RecState, recent: Iterable[int] = (), horizon: int = 1) -> Plan:
        """The best engagement with ``item`` now, planning ``horizon`` future steps.

        ``state`` is the believed platform state before this engagement (a
        :class:`~agents.strategic.platforms.RecState`); ``recent`` the last
        consumed items (oldest first).
        """
        horizon = check_int("horizon", horizon, low=0)
        item = check_int("item", item, low=0, high=len(self.values) - 1)
        recent = tuple(recent)
        before = self.nodes
        value, action = self._best(item, state, recent, horizon)
        natural = self.engagement.natural(self.current_value(item, recent))
        return Plan(action, value, natural, self.nodes - before)
