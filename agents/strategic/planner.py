"""Best responses to a believed platform: dynamic programming over merged states, with branch and bound.

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

Search (``method="exact"``, the default for deterministic rules)
----------------------------------------------------------------
Engagement reaches the platform only through the believed signal, so the nine
actions collapse to their distinct signals (3 when ``alpha_b`` is 0 or 1, at
most 9 otherwise; 7 at ``alpha_b = 1/2``), each represented by its cheapest
action. Values are memoised on ``(item, merge key, recent items, steps to go)``:
the steps to go, the platform's sufficient statistics and the user's own state.
The merge key (:func:`~agents.strategic.plan_states.state_key`) identifies
states the platform cannot tell apart, exactly: counts and the signal sums
kept on an integer lattice (at ``alpha = 1/2`` a like with a skip and a full
watch without a button are one state). Branch and bound prunes: an action is
dropped when an admissible upper bound on its value
(:mod:`~agents.strategic.plan_states`: ``v_max`` per step, and against a
greedy per-item rule the best item reachable by each step) is below the best
value found by more than ``1e-9`` (relative), and a subtree is searched only
to learn whether it beats the value it must beat. Pruned actions are
strictly worse, so the exact search returns the value *and* the action of
the unmerged tree search (``method="tree"``, kept as the reference), ties
included. Against rules without the sharp bound, horizons up to 3 are
searched over merged states with only the ``v_max`` cut-off of the tree
search (there the bounds cost more than they save); the last step of any
search is solved without bounds.

Complexity, honestly. The search memoises each distinct node (one that first
failed a bar may be searched again under a lower one; ``Plan.nodes`` counts
distinct nodes). From a
root, a node ``d`` steps down is fixed by the item shown, the recent items
and, per item ``k``, the increments ``(dn_k, dL_k)`` of count and lattice sum,
with ``sum_k dn_k = d`` and ``dL_k`` in a range of ``(L_max - L_min) dn_k + 1``
values (``L`` in ``{-2, ..., 4}`` per signal at ``alpha = 1/2``). Hence at
most ``K * C(d + K - 1, K - 1) * prod_k (6 dn_k + 1) = O(K d^(2K - 1))``
nodes at depth ``d`` and ``O(K H^(2K))`` in all: polynomial in ``H`` for a
fixed catalog, with a degree that grows with ``K`` (exponential in ``K``), times
at most ``K^window`` satiation memories; each node costs ``O(9 K)`` (``O(9 K^2)``
for the greedy bound and for exact chance nodes). Without an exact lattice
(``alpha`` not a multiple of ``2^-19``) the key keeps explicit and dwell sums
apart: ``O(K H^(3K))``. For ``K = 10`` that worst case says nothing useful;
what makes planning against the per-item greedy platform fast is the pruning,
which has no worst-case guarantee and is measured (``bench/strategic.py
--planner``, 10 items, ``alpha = 1/2``, 36 decisions, under load: at ``H = 8``
a median 3 ms and about 100 nodes per decision, against 0.55 s and 28 000
nodes, about 218 x slower, for the tree search on the same decisions; log
time against log ``H`` over ``H = 1..8`` fits a degree of 1.9, 95% interval 1.7
to 2.0, and fits better than an exponential). The greedy reach bound
applies only to :class:`~agents.strategic.platforms.GreedyRecommender` per
item over one population type; against UCB, epsilon-greedy, softmax and
type-inferring rules only the merge and the ``v_max`` bound act (measured, 10
items: UCB about 3 ms at ``H = 6``, 7x fewer nodes than the tree search at
``H = 5``; epsilon-greedy with exact expectations about 50 ms at ``H = 3``, 10x
faster than the tree search, but still growing steeply, since every chance
node branches into all ``K`` items). The insulated recommender keys on counts
only, so its search is tiny.

Anytime planning (``budget=``). With a node budget the search stops
expanding when it is spent; every unexpanded node is valued by an interval,
from below by natural play's value (deterministic rules) or the worst step
value, from above by the bound. Intervals propagate to the root, the action
with the best guaranteed value is chosen, and :attr:`Plan.gap` is the
root's upper bound minus that action's guaranteed value, so the action loses
at most ``gap`` against the exact best response of the believed model (a
test checks it against exact planning on random games). More budget never
needs to report a larger gap in practice, but that is not guaranteed.

Sampled planning (``method="sampled"``, the default for stochastic rules).
Each chance node's expectation over the next recommendation is replaced by
the mean over ``samples`` draws, with common random numbers (the same
uniforms at a given depth in every state), so that sampling noise never makes
a distortion look profitable against a rule that ignores it. It plans
exactly for this sampled model: the value is a sparse-sampling estimate
(biased upwards by the maximum over noisy estimates) and the action can
differ from the exact best response. Measured on 300 random epsilon-greedy
decisions (``epsilon = 0.2``, 4 items, ``H = 2``), the first action differs
from exact planning's in 9% of decisions with 1 sample, 5% with 4 (the
default), 2% with 16 and 0.7% with 64; a test checks the fall. A chance node
costs ``samples`` children instead of ``K``, so for few items exact planning
can be the cheaper one. A ``budget`` gap under sampling is relative to the
sampled model.

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

from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, make_rng
from sim.validate import check_array, check_choice, check_int, check_probability, check_real

from .engagement import ACTIONS, Engagement, EngagementModel, read_signal
from .plan_states import SUM_READERS, greedy_reach_times, reach_bound_applies, state_key
from .platforms import PopulationView, Recommender, RecState, engagement_units

__all__ = ["Plan", "Planner", "signal_classes"]

_TOL = 1e-12
# pruning margin (relative): an action is dropped only when it is worse by more than this
_MARGIN = 1e-9
# without a sharp bound, horizons up to this are searched without branch and bound (measured faster)
_TREE_UP_TO = 3


class Plan(NamedTuple):
    """A planned engagement.

    ``action``: the engagement chosen; ``value``: its value in the user's
    model (a guaranteed lower bound when the plan is approximate);
    ``natural``: the natural engagement; ``nodes``: distinct search nodes
    expanded; ``gap``: a bound on the value lost against the exact best
    response (0.0 when the plan is exact).
    """

    action: Engagement
    value: float
    natural: Engagement
    nodes: int
    gap: float = 0.0

    @property
    def exact(self) -> bool:
        """Whether the plan is the exact best response (``gap == 0``)."""
        return self.gap == 0.0


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
    """Best-response search against a believed platform (exact, bounded-approximate or sampled).

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
    method : {"auto", "exact", "sampled", "tree"}
        ``"exact"``: exact expectation at chance nodes, merged states and
        branch and bound; ``"sampled"``: the same search with ``samples``
        draws per chance node (see the module docstring for what this
        approximates); ``"auto"``: exact for deterministic rules, sampled
        otherwise; ``"tree"``: the unmerged memoised search without bounds
        (exact expectation; a reference and benchmark baseline, same results
        as ``"exact"``, slower).
    samples : int
        Draws per chance node for ``"sampled"`` (>= 1). More draws bring the
        sampled plan closer to the exact one at proportional cost per chance
        node (measured in the module docstring).
    rng : numpy.random.Generator or int
        Randomness of ``"sampled"``.
    budget : int, optional
        Largest number of search nodes one :meth:`plan` call may expand
        (>= 1); ``None`` (default) plans exactly. With a budget the planner is
        anytime: when the budget runs out, unexpanded nodes are valued by
        interval bounds and the returned :class:`Plan` carries ``gap``, a
        guaranteed bound on the utility lost against the exact best response.
        Not with ``"tree"``.

    Examples
    --------
    >>> from agents.strategic.platforms import GreedyRecommender, PopulationView
    >>> from agents.strategic.engagement import EngagementModel
    >>> rule = GreedyRecommender(alpha=0.5)
    >>> kw = dict(values=[0.85, 1.5], engagement=EngagementModel(), rule=rule,
    ...           view=PopulationView([0.3, 0.0]), gamma=1.0)
    >>> exact = Planner(**kw).plan(0, rule.initial_state(2), (), 2)
    >>> tree = Planner(**kw, method="tree").plan(0, rule.initial_state(2), (), 2)
    >>> exact.action == tree.action, round(exact.value, 6), round(tree.value, 6), exact.gap
    (True, 3.65, 3.65, 0.0)
    """

    def __init__(self, values: ArrayLike, engagement: EngagementModel, rule: Recommender, view: PopulationView,
                 gamma: float, *, satiation: float = 0.0, window: int = 0, method: str = "auto", samples: int = 4,
                 rng: RngLike = 0, budget: int | None = None) -> None:
        vals = check_array("values", values, ndim=1, allow_empty=False)
        self.values = tuple(float(v) for v in vals)
        if not isinstance(engagement, EngagementModel):
            raise InputTypeError(f"engagement must be an EngagementModel, got {type(engagement).__name__}")
        if not isinstance(rule, Recommender):
            raise InputTypeError(f"rule must be a Recommender, got {type(rule).__name__}")
        if not isinstance(view, PopulationView):
            raise InputTypeError(f"view must be a PopulationView, got {type(view).__name__}")
        if view.n_items != len(self.values):
            raise ValidationError(
                f"view must describe {len(self.values)} items (the user's values), got {view.n_items}")
        self.engagement = engagement
        self.alpha = rule.alpha
        self.gamma = check_probability("gamma", gamma)
        self.rule = rule
        self.view = rule.check_view(view)
        self.satiation = check_real("satiation", satiation, low=0.0)
        self.window = check_int("window", window, low=0)
        method = check_choice("method", method, ("auto", "exact", "sampled", "tree"))
        if method == "auto":
            method = "exact" if rule.deterministic else "sampled"
        self.method = method
        self.samples = check_int("samples", samples, low=1)
        if budget is not None:
            budget = check_int("budget", budget, low=1)
            if method == "tree":
                raise ValidationError(f"budget needs method 'exact' or 'sampled' (the tree search has no bounds), "
                                      f"got budget={budget} with method='tree'")
        self.budget = budget
        self.rng = make_rng(rng)
        self._key = rule.memo_key if method == "tree" else state_key(rule)
        self._classes: dict[Engagement, tuple] = {}
        self._memo: dict = {}
        self._crn: list = []
        self._reach: dict = {}
        self.nodes = 0
        self._spent = 0
        self._limit = math.inf
        # bound[h] >= any discounted value of h future steps: prunes actions that cannot win (tree search)
        self._bound = [0.0]  # extended to the horizon by plan()
        # discount powers, and the generic tails sum_{j=1..h} gamma^j v (best and worst step utility)
        self._vmax = max(self.values)
        vlow = min(self.values) - self.satiation * self.window  # natural play never earns less per step
        self._powers = [1.0]
        self._hi_tail = [0.0]
        self._lo_tail = [0.0]
        self._use_reach = method != "tree" and reach_bound_applies(rule, self.view)
        self._warm = method != "tree" and rule.warmup and rule.clusters is None and type(rule) in SUM_READERS
        self._vlow = vlow
        # branch and bound pays for itself with a sharp bound, a budget to honour or a long horizon;
        # otherwise the memoised search over merged states with the v_max cut-off is faster (same result)
        self._bnb = method != "tree" and (self._use_reach or self._warm or budget is not None)

    def _tails(self, h):
        while len(self._powers) <= h:
            g = self._powers[-1] * self.gamma
            self._powers.append(g)
            self._hi_tail.append(self._hi_tail[-1] + g * self._vmax)
            self._lo_tail.append(self._lo_tail[-1] + g * self._vlow)

    def clear(self) -> None:
        """Forget memoised values (call when the view or the rule changes)."""
        self._memo.clear()
        self._reach.clear()

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
        if self.method != "sampled" or len(dist) == 1:
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

    # --- the unmerged tree search (method="tree") ----------------------------------
    def _best_tree(self, item, state, recent, h):
        """``(value, action)`` of being shown ``item`` with ``h`` future steps to go."""
        v = self.current_value(item, recent)
        natural = self.engagement.natural(v)
        if h == 0 or self.gamma == 0.0:
            return v, natural
        key = (item, self._key(state), recent, h)
        hit = self._memo.get(key)
        if hit is not None and hit[0] == hit[1]:  # entries are (lo, hi, action): exact when lo == hi
            return hit[0], hit[2]
        if hit is None:
            self.nodes += 1
        if self.window:
            recent2 = (recent + (item,))[-self.window:]
        else:
            recent2 = recent
        gamma = self.gamma
        advance = self.rule.advance
        bound = self._bound[h]
        best_q = best_a = nat_q = None
        for _, cost, action, (ex, dw) in self._classes_for(natural):
            if nat_q is not None and (v - cost) + bound <= best_q:
                continue  # even the best possible future cannot make this distortion win
            state2 = advance(state, item, ex, dw)
            cont = 0.0
            for nxt, p in self._next_items(state2, h):
                cont += p * self._best_tree(nxt, state2, recent2, h - 1)[0]
            q = (v - cost) + gamma * cont
            if nat_q is None:  # the natural action's class comes first
                nat_q, best_q, best_a = q, q, action
            elif q > best_q:
                best_q, best_a = q, action
        if best_a != natural and best_q <= nat_q + _TOL * (1.0 + abs(nat_q)):
            best_q, best_a = nat_q, natural
        self._memo[key] = (best_q, best_q, best_a)
        return best_q, best_a

    # --- bounds ----------------------------------------------------------------------
    def _upper(self, item, state, recent, h, v, mkey):
        """An upper bound on the value of being shown ``item`` with ``h`` steps to go (cheap)."""
        self._tails(h)
        if self._warm:
            counts = state.counts
            unseen = [k for k, n in enumerate(counts) if n == 0 and k != item]
            if unseen:
                # warm-up shows the unseen items in index order whatever the user does
                powers, values = self._powers, self.values
                total = v
                m = min(len(unseen), h)
                for j in range(m):
                    total += powers[j + 1] * values[unseen[j]]
                return total + (self._hi_tail[h] - self._hi_tail[m])
        if not self._use_reach:
            return v + self._hi_tail[h]
        rkey = (item, mkey)
        steps = self._reach.get(rkey)
        if steps is None:
            values = self.values
            # only items worth more than the one shown can raise the bound (it can be shown again at step 1)
            better = [k for k in range(len(values)) if values[k] > values[item]]
            times = greedy_reach_times(self.rule, state, self.view, item, better)
            times[item] = 1
            # the best value reachable by each step, as (first step, value) with increasing values
            order = sorted((max(int(t), 1), -values[k]) for k, t in times.items() if t != math.inf)
            steps, best = [], -math.inf
            for t, negv in order:
                if -negv > best:
                    best = -negv
                    steps.append((t, best))
            steps = self._reach[rkey] = tuple(steps)
        powers = self._powers
        total = v
        for idx, (t, val) in enumerate(steps):
            if t > h:
                break
            end = min(steps[idx + 1][0], h + 1) if idx + 1 < len(steps) else h + 1
            total += val * sum(powers[t:end])  # steps t .. end - 1 earn at most val
        return total

    def _lower(self, item, state, recent, h, v):
        """A lower bound: natural play's value (deterministic rules), else the worst step value."""
        self._tails(h)
        if self.method == "sampled" or not self.rule.deterministic:
            return v + self._lo_tail[h]
        rule, view, eng, gamma = self.rule, self.view, self.engagement, self.gamma
        total, disc = v, 1.0
        x, cur, rec = item, v, recent
        for _ in range(h):
            ex, dw = engagement_units(eng.natural(cur))
            state = rule.advance(state, x, ex, dw)
            if self.window:
                rec = (rec + (x,))[-self.window:]
            x = rule.distribution(state, view)[0][0]
            cur = self.current_value(x, rec)
            disc *= gamma
            total += disc * cur
        return total

    # --- the merged branch-and-bound search ------------------------------------------
    def _solve(self, item, state, recent, h, floor):
        """``(lo, hi, action)``: bounds on the value of being shown ``item`` with ``h`` steps to go.

        ``lo == hi`` means exact (and ``action`` is the tree search's choice);
        otherwise ``lo <= V <= hi``, and either ``hi < floor`` (the caller only
        needed to know the value is below ``floor``) or the budget ran out.
        """
        v = self.current_value(item, recent)
        if h == 0 or self.gamma == 0.0:
            return v, v, None
        mkey = self._key(state)
        key = (item, mkey, recent, h)
        memo = self._memo
        ent = memo.get(key)
        if ent is not None:
            lo, hi, _ = ent
            if lo == hi or hi < floor or self._spent >= self._limit:
                return ent
            ub = hi
        else:
            ub = math.inf if floor == -math.inf else self._upper(item, state, recent, h, v, mkey)
            if ub < floor or self._spent >= self._limit:
                if ub == math.inf:
                    ub = self._upper(item, state, recent, h, v, mkey)
                ent = memo[key] = (self._lower(item, state, recent, h, v) if ub >= floor else
                                   v + self._lo_tail[h], ub, None)
                return ent
            self.nodes += 1
        self._spent += 1
        natural = self.engagement.natural(v)
        recent2 = (recent + (item,))[-self.window:] if self.window else recent
        if h == 1:
            # one step to go: every child is a leaf, so bounds cost more than they could save
            ent = memo[key] = self._last_step(item, state, v, natural, recent2)
            return ent
        gamma = self.gamma
        advance = self.rule.advance
        cands = []
        for _, cost, action, (ex, dw) in self._classes_for(natural):
            state2 = advance(state, item, ex, dw)
            outs = self._next_items(state2, h)
            r = v - cost
            ubs = []
            cont_ub = 0.0
            for nxt, p in outs:
                u = self._child_upper(nxt, state2, recent2, h - 1)
                ubs.append(u)
                cont_ub += p * u
            cands.append([r + gamma * cont_ub, action, r, state2, outs, ubs])
        best_lo = -math.inf
        # promising actions first: their values raise the bar that prunes the rest
        order = sorted(range(len(cands)), key=lambda i: -cands[i][0])
        results = [None] * len(cands)  # (q_lo, q_hi)
        for i in order:
            q_ub, action, r, state2, outs, ubs = cands[i]
            thr = max(floor, best_lo)
            margin = _MARGIN * (1.0 + abs(thr)) if thr > -math.inf else 0.0
            if q_ub < thr - margin:
                results[i] = (-math.inf, q_ub)
                continue
            if len(outs) == 1:
                nxt = outs[0][0]
                cf = (thr - margin - r) / gamma if thr > -math.inf else -math.inf
                clo, chi, _ = self._solve(nxt, state2, recent2, h - 1, cf)
                q_hi = r + gamma * chi
                if clo != chi and chi < cf and not q_hi < thr - margin:
                    # rounding let a child that failed low look useful: settle it exactly
                    clo, chi, _ = self._solve(nxt, state2, recent2, h - 1, -math.inf)
                    q_hi = r + gamma * chi
                results[i] = (r + gamma * clo, q_hi)
            else:
                lo_sum = hi_sum = 0.0
                rest = cands[i][0] - r  # gamma * sum p * ub of the outcomes not yet solved
                pruned = False
                for (nxt, p), u in zip(outs, ubs):
                    clo, chi, _ = self._solve(nxt, state2, recent2, h - 1, -math.inf)
                    lo_sum += p * clo
                    hi_sum += p * chi
                    rest -= gamma * p * u
                    if r + gamma * hi_sum + rest < thr - margin:
                        results[i] = (-math.inf, r + gamma * hi_sum + max(rest, 0.0) + margin)
                        pruned = True
                        break
                if not pruned:
                    results[i] = (r + gamma * lo_sum, r + gamma * hi_sum)
            q_lo = results[i][0]
            if q_lo > best_lo:
                best_lo = q_lo
        ent = self._settle(results, cands, natural, v, h)
        if ent[0] != ent[1] and floor == -math.inf and self._spent < self._limit:
            # an action pruned within rounding of the best: settle every open action exactly
            for i, (q_lo, q_hi) in enumerate(results):
                if q_lo != q_hi:
                    _, action, r, state2, outs, _ = cands[i]
                    cont_lo = cont_hi = 0.0
                    for nxt, p in outs:
                        clo, chi, _ = self._solve(nxt, state2, recent2, h - 1, -math.inf)
                        cont_lo += p * clo
                        cont_hi += p * chi
                    results[i] = (r + gamma * cont_lo, r + gamma * cont_hi)
            ent = self._settle(results, cands, natural, v, h)
        memo[key] = ent
        return ent

    def _settle(self, results, cands, natural, v, h):
        """The node's ``(lo, hi, action)`` from its actions' ``(q_lo, q_hi)`` (``cands`` in class order)."""
        node_hi = max(q_hi for _, q_hi in results)
        exact_q = [q_lo for q_lo, q_hi in results if q_lo == q_hi]
        if exact_q:
            best_exact = max(exact_q)
            # open actions must be strictly worse; an open natural action worse beyond the tie tolerance
            nat_lo, nat_hi = results[0]
            settled = all(q_lo == q_hi or q_hi < best_exact for q_lo, q_hi in results) and (
                nat_lo == nat_hi or nat_hi + _TOL * (1.0 + abs(nat_hi)) < best_exact)
            if settled:
                # the tree search's rule: natural unless another action is better beyond the tolerance
                nat_q = nat_lo if nat_lo == nat_hi else None
                best_q, best_a = (nat_q, cands[0][1]) if nat_q is not None else (-math.inf, None)
                for i in range(1, len(cands)):
                    q_lo, q_hi = results[i]
                    if q_lo == q_hi and q_lo > best_q:
                        best_q, best_a = q_lo, cands[i][1]
                if nat_q is not None and best_a != natural and best_q <= nat_q + _TOL * (1.0 + abs(nat_q)):
                    best_q, best_a = nat_q, natural
                return (best_q, best_q, best_a)
        best_i = 0
        for i in range(1, len(cands)):
            if results[i][0] > results[best_i][0]:
                best_i = i
        lo, act = results[best_i][0], cands[best_i][1]
        crude = v + self._lo_tail[h]
        if lo < crude:  # natural play is worth at least the crude bound
            lo, act = crude, natural
        return (lo, max(node_hi, lo), act)

    def _last_step(self, item, state, v, natural, recent2):
        """Exact ``(value, value, action)`` with one step to go (the tree search's rule)."""
        gamma, advance = self.gamma, self.rule.advance
        best_q = best_a = nat_q = None
        for _, cost, action, (ex, dw) in self._classes_for(natural):
            state2 = advance(state, item, ex, dw)
            cont = 0.0
            for nxt, p in self._next_items(state2, 1):
                cont += p * self.current_value(nxt, recent2)
            q = (v - cost) + gamma * cont
            if nat_q is None:
                nat_q, best_q, best_a = q, q, action
            elif q > best_q:
                best_q, best_a = q, action
        if best_a != natural and best_q <= nat_q + _TOL * (1.0 + abs(nat_q)):
            best_q, best_a = nat_q, natural
        return (best_q, best_q, best_a)

    def _child_upper(self, item, state, recent, h):
        v = self.current_value(item, recent)
        if h == 0 or self.gamma == 0.0:
            return v
        if h == 1:  # cheap: a last-step node is solved faster than a sharp bound is computed
            self._tails(1)
            return v + self._hi_tail[1]
        mkey = self._key(state)
        ent = self._memo.get((item, mkey, recent, h))
        if ent is not None:
            return ent[1]
        return self._upper(item, state, recent, h, v, mkey)

    def plan(self, item: int, state: RecState, recent: Iterable[int] = (), horizon: int = 1) -> Plan:
        """The best engagement with ``item`` now, planning ``horizon`` future steps.

        ``state`` is the believed platform state before this engagement (a
        :class:`~agents.strategic.platforms.RecState`); ``recent`` the last
        consumed items (oldest first). Within a budget the plan's ``value``
        is a guaranteed value of its action and ``gap`` bounds what it gives
        up against the exact best response (0 when exact).
        """
        horizon = check_int("horizon", horizon, low=0)
        item = check_int("item", item, low=0, high=len(self.values) - 1)
        recent = tuple(recent)
        before = self.nodes
        natural = self.engagement.natural(self.current_value(item, recent))
        if self.method == "tree" or not (self._bnb or horizon > _TREE_UP_TO):
            bound, vmax = self._bound, max(self._vmax, 0.0)
            while len(bound) <= horizon:
                bound.append(self.gamma * (vmax + bound[-1]))
            value, action = self._best_tree(item, state, recent, horizon)
            return Plan(action, value, natural, self.nodes - before, 0.0)
        self._spent = 0
        self._limit = math.inf if self.budget is None else self.budget
        self._tails(horizon)
        lo, hi, action = self._solve(item, state, recent, horizon, -math.inf)
        if action is None:
            action = natural
        return Plan(action, lo, natural, self.nodes - before, max(hi - lo, 0.0))
