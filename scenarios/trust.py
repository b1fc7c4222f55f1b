"""Trust: what strategization does to the platform, and a platform that removes the reason for it.

Model (the repeated game of Cen, Ilyas and Madry 2023). Each replication draws
a catalog of ``n_items`` items and ``n_users`` users of the default mainstream
and minority types. Each user plays ``steps`` rounds against its own copy of a
platform that reads ``s = alpha * explicit + (1 - alpha) * dwell`` and shrinks
per-item estimates towards the population profile. ``platforms`` lists
registered recommenders (any policy of domain ``"recommender"``, built by
:func:`~agents.strategic.envs.make_platform` with the scenario's ``alpha``,
``c = ucb_c`` and ``top = trust_top`` where the rule takes them); the default three:

- ``rec.greedy``: recommends its best estimate;
- ``rec.ucb``: adds an exploration bonus ``ucb_c * sqrt(log(t + 1) / (1 + n_k))``;
- ``rec.trustworthy``: the insulated design
  (:class:`~agents.strategic.platforms.TrustworthyRecommender`): it shows every
  item once and then rotates among the ``trust_top`` most popular items,
  whatever the user does; it still learns the user's values from engagement.

Users know the platform's rule (correct belief) and plan ``H`` steps ahead
(``H = 0`` is naive); all horizons are played on the same users and catalog.
Measured per ``H``: the platform's engagement (mean signal it reads) in the
first and last quarter of the game, the user's utility, the estimation error
(mean ``|s_hat_k - s*_k|`` over items shown, against sincere signals) and the
counterfactual error (predicted minus true engagement of the uniform policy
over the items shown; see :mod:`agents.strategic.metrics`). Separately, on a
short game of ``gap_steps`` rounds, the exact *strategization gap*: the
utility of the best response (full-horizon planner) minus naive utility, and
the naive utility itself (``kappa``).

Figures (written to ``out_dir``):

- ``trust_engagement``: short- and long-run platform engagement against ``H``.
  Strategization raises the engagement the learning platforms read (strategic
  users like what they want kept), most for UCB, whose exploration gives them
  the most to steer; the trustworthy platform's engagement does not move.
- ``trust_estimation``: estimation error and absolute counterfactual error
  (predicted minus true engagement of the alternative policy) against ``H``:
  zero for naive users, growing with strategization on the learning platforms
  (the data is corrupted, and predictions of what another policy would get are
  off: UCB over-predicts, inflated by strategic likes, greedy under-predicts,
  deflated by strategic dislikes; the signed error is in the results as
  ``counterfactual_error``), exactly zero at every ``H`` on the trustworthy
  platform.
- ``trust_gap``: the exact strategization gap and naive utility per platform,
  and the realised utility gain of ``H``-step planners: the trustworthy
  platform closes the gap (exactly 0: sincere engagement is a best response),
  at the price of less personalisation (lower naive utility).

Each platform has its colour (:func:`sim.plotting.color` of its registry name)
and line style in every figure; bands and error bars are 95% intervals over
replications inside the metric's support (engagement in [-1, 1], errors and the
gap non-negative; :mod:`sim.intervals`), and the legends state the method and
n. The ``--quick`` figures (5 replications of 3 users) show every finding
above.

One study, ``games`` (a cell per platform).

Run it with ``stratsim run trust`` or ``python -m scenarios.trust``.

Examples
--------
>>> import numpy as np
>>> p = SCENARIO.make_params({"n_users": 1, "steps": 8, "horizons": (0, 1)}, quick=True)
>>> cell = GAMES.make_cell(p, {"platform": "rec.trustworthy"})
>>> rows = run(cell, np.random.default_rng(0))
>>> sorted({r["value"] for r in rows if r["metric"] == "strategization_gap"})
[0.0]
>>> SCENARIO.make_params({"platforms": "rec.greedy,user.naive"})
Traceback (most recent call last):
...
sim.errors.ValidationError: platforms: policy 'user.naive' is of domain 'engagement', not 'recommender'; ...
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.patches import Patch

from agents.strategic import (
    EngagementModel,
    NaiveUser,
    PlatformBelief,
    StrategicUser,
    UserModel,
    counterfactual,
    default_types,
    engagement_metrics,
    estimation_error,
    make_catalog,
    make_platform,
    metric_rows,
    play,
    sample_users,
    strategization_gap,
    type_profiles,
)
from sim.errors import ValidationError
from sim.plotting import color, error_bars, interval_note, new_figure, plot_summaries, save_figure
from sim.registry import check_policy_name, policies
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_probability, check_real

__all__ = ["GAMES", "PLATFORMS", "SCENARIO", "Cell", "Params", "plot", "run"]

#: The platforms compared by default (registered recommenders).
PLATFORMS = ("rec.greedy", "rec.ucb", "rec.trustworthy")


def _check_common(p) -> None:
    check_int("n_items", p.n_items, low=2)
    check_int("n_users", p.n_users, low=1)
    check_int("steps", p.steps, low=4)
    if not p.horizons:
        raise ValidationError("horizons must list at least one horizon, got ()")
    for h in p.horizons:
        check_int("horizons", h, low=0)
    check_probability("gamma", p.gamma)
    check_probability("alpha", p.alpha)
    check_real("ucb_c", p.ucb_c, low=0.0)
    check_int("trust_top", p.trust_top, low=1)
    check_int("gap_steps", p.gap_steps, low=1)
    EngagementModel(like_at=p.like_at)


@dataclass(frozen=True)
class Params:
    """Settings of the trust scenario (the ``games`` study sweeps ``platforms``).

    Attributes
    ----------
    n_items : int
        Catalog size (>= 2).
    n_users : int
        Users (independent repeated games) per replication (>= 1).
    steps : int
        Rounds per game (>= 4).
    horizons : tuple of int
        Planning horizons played (0 = naive).
    gamma : float
        Discount factor, in [0, 1].
    alpha : float
        The platforms' weight on explicit signals, in [0, 1].
    ucb_c : float
        UCB exploration weight (>= 0).
    trust_top : int
        Popular items the trustworthy platform rotates (>= 1).
    gap_steps : int
        Rounds of the short game on which the exact strategization gap is computed (>= 1).
    like_at : float
        Natural like threshold (see :mod:`scenarios.strategization`).
    platforms : tuple of str
        Platforms compared (registered policies of domain ``"recommender"``; the grid).
    """

    n_items: int = 8
    n_users: int = 12
    steps: int = 30
    horizons: tuple[int, ...] = (0, 1, 2, 3, 4)
    gamma: float = 0.9
    alpha: float = 0.5
    ucb_c: float = 0.3
    trust_top: int = 3
    gap_steps: int = 6
    like_at: float = 1.2
    platforms: tuple[str, ...] = PLATFORMS

    def __post_init__(self):
        _check_common(self)
        if not self.platforms:
            raise ValidationError("platforms must list at least one platform, got ()")
        for p in self.platforms:
            check_policy_name("platforms", p, "recommender")


@dataclass(frozen=True)
class Cell:
    """One run of the ``games`` study: every horizon and the exact gap against one platform.

    The fields are those of :class:`Params` (same meaning), with ``platform``
    (a registered recommender) in place of the list ``platforms``.
    """

    n_items: int = 8
    n_users: int = 12
    steps: int = 30
    horizons: tuple[int, ...] = (0, 1, 2, 3, 4)
    gamma: float = 0.9
    alpha: float = 0.5
    ucb_c: float = 0.3
    trust_top: int = 3
    gap_steps: int = 6
    like_at: float = 1.2
    platform: str = "rec.greedy"

    def __post_init__(self):
        _check_common(self)
        check_policy_name("platform", self.platform, "recommender")


def _make_platform(cell, prior):
    # the scenario's settings reach every rule that takes them (alpha; c for UCB; top for trustworthy)
    return make_platform(cell.platform, prior, options={"alpha": cell.alpha, "c": cell.ucb_c,
                                                        "top": cell.trust_top})


def _one_game(params, model, prior, horizon):
    platform = _make_platform(params, prior)
    if horizon == 0:
        user = NaiveUser(model)
    else:
        user = StrategicUser(model, PlatformBelief.of(platform), horizon=horizon, gamma=params.gamma)
    traj = play(user, platform, params.steps, know_end=False)
    q = max(params.steps // 4, 1)
    m = engagement_metrics(traj)
    predicted, true = counterfactual(platform, 0, model)
    sincere = traj.sincere_signal
    m.update(signal_short=float(traj.signal[:q].mean()), signal_long=float(traj.signal[-q:].mean()),
             sincere_short=float(sincere[:q].mean()), sincere_long=float(sincere[-q:].mean()),
             estimation_error=estimation_error(platform, 0, model),
             counterfactual_error=predicted - true, counterfactual_abs_error=abs(predicted - true))
    return m


def run(params: Cell, rng: np.random.Generator) -> list[dict]:
    """One replication for one platform: every horizon on the same users, and the exact gap."""
    catalog = make_catalog(params.n_items, rng=rng)
    types = default_types()
    type_idx, thetas = sample_users(types, params.n_users, rng=rng)
    engagement = EngagementModel(like_at=params.like_at)
    profiles, shares = type_profiles(catalog, types, alpha=params.alpha, engagement=engagement)
    prior = shares @ profiles
    models = [UserModel.from_preferences(catalog, th, engagement=engagement) for th in thetas]
    names = [types[i].name for i in type_idx]
    rows = []
    base = None
    for h in sorted(set(params.horizons) | {0}):
        per_user = [_one_game(params, m, prior, h) for m in models]
        if h == 0:
            base = per_user
        if h in params.horizons:
            rows += metric_rows(per_user, names, platform=params.platform, horizon=h)
            gains = [{"utility_gain": a["utility"] - b["utility"]} for a, b in zip(per_user, base)]
            rows += metric_rows(gains, names, platform=params.platform, horizon=h)
    gaps = []
    for m in models:
        best, naive, gap = strategization_gap(m, lambda: _make_platform(params, prior), params.gap_steps,
                                              params.gamma)
        scale = sum(params.gamma ** t for t in range(params.gap_steps))  # per-step units
        # a best response is never worse than naive play: a difference within rounding of 0 is 0
        if -1e-12 * max(1.0, abs(best)) < gap < 0.0:
            gap = 0.0
        gaps.append({"strategization_gap": gap / scale, "naive_utility": naive / scale,
                     "best_response_utility": best / scale})
    rows += metric_rows(gaps, names, platform=params.platform, horizon=params.gap_steps - 1)
    return rows


def _label(name) -> str:
    """The legend label of a registered platform (its spec's label)."""
    return policies.get(name).spec.label if name in policies else str(name)


def _ordered(platforms) -> list:
    """The default platforms first, in their order, then any others."""
    return [p for p in PLATFORMS if p in platforms] + [p for p in platforms if p not in PLATFORMS]


_HORIZON_LABEL = "users' planning horizon $H$ (steps; 0 = naive)"


#: Line style and marker per platform, besides its colour (so the curves part in grey print too).
_LINES = {"rec.greedy": ("--", "s"), "rec.ucb": ("-", "o"), "rec.trustworthy": (":", "^")}


def _lines(ax, results, metric, ylabel):
    """``metric`` against the horizon, one curve per platform in the platform's colour."""
    by_name = {s.label: s for s in results.summary(x="horizon", metric=metric, by="platform")}
    summaries = [by_name[p] for p in _ordered(by_name)]
    for s in summaries:
        linestyle, marker = _LINES.get(s.label, ("-", "D"))
        plot_summaries(ax, [s], colors=color, labels={s.label: f"{_label(s.label)} platform"}, linestyle=linestyle,
                       marker=marker)
    ax.set(xlabel=_HORIZON_LABEL, ylabel=ylabel)
    ax.set_xticks(results.filter(metric=metric).unique("horizon"))
    bottom, top = ax.get_ylim()
    ax.set_ylim(bottom, top + 0.3 * (top - bottom))  # headroom: the legend sits above the curves
    ax.legend(fontsize=8, title=interval_note(summaries), title_fontsize=8, loc="upper center",
              ncols=min(len(summaries), 3))


def _by_platform(results, metric, platforms):
    """One summary of ``metric`` with a point per platform (``x``: the platform's position)."""
    pos = {p: i for i, p in enumerate(platforms)}
    rows = [dict(r, position=pos[r["platform"]]) for r in results.filter(metric=metric, platform=tuple(platforms)).rows]
    (s,) = Results(rows, results.supports).summary(x="position", metric=metric)
    return s


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw the three figures described in the module docstring."""
    res = results.filter(user_type="all")
    paths = []
    fig, (ax1, ax2) = new_figure(1, 2)
    _lines(ax1, res, "signal_short", "platform engagement, first quarter (mean signal read)")
    ax1.set_title("Short-run engagement as strategization grows")
    _lines(ax2, res, "signal_long", "platform engagement, last quarter (mean signal read)")
    ax2.set_title("Long-run engagement as strategization grows")
    paths += save_figure(fig, out_dir, "trust_engagement")

    fig, (ax1, ax2) = new_figure(1, 2)
    _lines(ax1, res, "estimation_error", r"estimation error (mean $|\hat{s} - s^*|$ over items shown)")
    ax1.set_title("Corrupted data: estimation error")
    _lines(ax2, res, "counterfactual_abs_error", "|predicted - true| engagement of the uniform policy")
    ax2.set_title("Counterfactual error of an alternative policy")
    paths += save_figure(fig, out_dir, "trust_estimation")

    fig, (ax1, ax2) = new_figure(1, 2)
    platforms = _ordered(res.unique("platform"))
    width = 0.38
    bars = []
    # the platform is the colour; the quantity is the fill (solid: the gap, hatched: naive utility)
    for j, (metric, hatch) in enumerate((("strategization_gap", None), ("naive_utility", "//"))):
        s = _by_platform(res, metric, platforms)
        bars.append(s)
        x = s.x + (j - 0.5) * width
        colors = [color(p) for p in platforms]
        ax1.bar(x, s.mean, width, color=colors if hatch is None else "white", edgecolor=colors,
                        hatch=hatch, linewidth=1.2)
        error_bars(ax1, x, s)
        ok = s.n >= 3
        if metric == "strategization_gap":
            tops = np.where(ok, s.hi, [np.max(v) if v.size else m for v, m in zip(s.values, s.mean)])
            for xi, top, m in zip(x, tops, s.mean):
                ax1.annotate(f"{m:.3f}", (xi, top), xytext=(0, 3), textcoords="offset points", ha="center",
                             fontsize=8)
    ax1.set_xticks(np.arange(len(platforms)), [_label(p) for p in platforms])
    ax1.axhline(0.0, color="black", linewidth=0.8)
    ax1.set(ylabel="utility per step (exact, short game)", title="Trustworthiness: the strategization gap")
    ax1.legend(handles=[Patch(facecolor="grey", edgecolor="grey", label="strategization gap (best response - naive)"),
                        Patch(facecolor="white", edgecolor="grey", hatch="//", label=r"naive utility ($\kappa$)")],
               fontsize=8, title=interval_note(bars), title_fontsize=8, loc="upper right")
    ax1.set_ylim(top=ax1.get_ylim()[1] + 0.35 * (ax1.get_ylim()[1] - ax1.get_ylim()[0]))  # room for the legend
    _lines(ax2, res, "utility_gain", "utility per step minus naive utility")
    ax2.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
    ax2.set_title("Realised gain of $H$-step planners")
    paths += save_figure(fig, out_dir, "trust_gap")
    return paths


#: What each metric can be: a signal read is alpha * explicit + (1 - alpha) * dwell with explicit
#: in {-1, 0, 1} and dwell in {0, 0.5, 1}, so engagement lies in [-1, 1]; rates are shares; errors
#: and the gap (a best response is never worse than naive play) are non-negative; utilities are not bounded.
_SUPPORTS = {
    "signal_engagement": (-1, 1), "signal_short": (-1, 1), "signal_long": (-1, 1),
    "sincere_engagement": (-1, 1), "sincere_short": (-1, 1), "sincere_long": (-1, 1),
    "explicit_usage": "share", "like_rate": "share", "dislike_rate": "share", "withheld_like_rate": "share",
    "explicit_distortion": (0, 2), "dwell_distortion": (0, 1),
    "estimation_error": "nonnegative", "counterfactual_abs_error": "nonnegative", "strategization_gap": "nonnegative",
    "counterfactual_error": "unbounded", "utility": "unbounded", "value": "unbounded", "utility_gain": "unbounded",
    "naive_utility": "unbounded", "best_response_utility": "unbounded",
}


#: The study: one cell per platform.
GAMES = Study("games", cell=Cell, run=run, grid=lambda p: [{"platform": x} for x in p.platforms], plot=plot,
              sweeps={"platform": "platforms"}, metrics=_SUPPORTS,
              headline=("sincere_long", "strategization_gap"),
              description="Every horizon and the exact strategization gap against each platform.")

SCENARIO = Scenario(
    name="trust",
    description="Repeated user-platform game: engagement, estimation and counterfactual error vs "
                "strategization; the trustworthy platform closes the gap.",
    params=Params,
    studies=(GAMES,),
    quick={"n_users": 3, "steps": 16, "horizons": (0, 1, 2, 3), "gap_steps": 4},
    replications=10,
    # 5 replications give bands and show the findings; the quick run stays about 1.5x its 2-replication time
    quick_replications=5,
)

SCENARIO.run_if_main(__name__)
