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
  whatever the user does; it still learns the user's values from engagement;
- ``rec.commit``: explores the ``trust_top`` most popular items once each
  (whatever the user does), then commits to the best-engaged one
  (:class:`~agents.strategic.trustworthy.ExploreCommitRecommender`);
- ``rec.trust_mix``: with probability ``mix_share`` the personalised best item,
  else uniform over the ``trust_top`` most popular
  (:class:`~agents.strategic.trustworthy.TrustMixRecommender`).
  The last two use the user's engagement for its own recommendations, with a
  proven bound on the gain from strategizing (:mod:`agents.strategic.trustworthy`).

Users know the platform's rule (correct belief) and plan ``H`` steps ahead
(``H = 0`` is naive; stochastic rules are planned by sampling, see
:class:`~agents.strategic.planner.Planner`); all horizons are played on the
same users and catalog. Measured per ``H``: the engagement the platform read
(``signal_*``, mean signal) and the *sincere* engagement (``sincere_*``, the
signal natural engagement with the same recommended items would have given:
the platform's real objective, :func:`~agents.strategic.metrics.sincere_engagement`)
in the first (``*_short``) and last (``*_long``) quarter of the game and over
it (``signal_engagement``, ``sincere_engagement``); their change from naive
play on the same users (``sincere_change_short``, ``sincere_change_long``);
the user's utility, the estimation error (mean ``|s_hat_k - s*_k|`` over items
shown, against sincere signals) and the counterfactual error (predicted minus
true engagement of the uniform policy over the items shown; see
:mod:`agents.strategic.metrics`). Separately, on a short game of
``gap_steps`` rounds, the exact *strategization gap* of every user
(:func:`~agents.strategic.trustworthy.check_trustworthy`: the exact planner's
best response minus naive play, both exact expectations over the platform's
draws), the naive utility, and per replication ``max_gap`` (the epsilon the
platform meets on these users) and ``kappa`` (the smallest naive utility: the
payoff naive play is guaranteed, a minimum, not a mean).

What this reproduces of Cen, Ilyas and Madry (2023), qualitatively: the
abstract's "user strategization can actually help platforms in the short term",
then "corrupts platforms' data and ultimately hurts their ability to make
counterfactual decisions", and trustworthy algorithms going with accurate
estimation. What it does not: the paper's game has Bayesian belief updates
and its own payoffs, and its formal trustworthiness definition could not be
found in the text available here (see :mod:`agents.strategic.trustworthy`);
here the platform's objective is the sincere engagement of one user's own
game, "short term" is the first quarter of a ``steps``-round game, and the
designs ``rec.commit`` and ``rec.trust_mix`` are this toolkit's, not the
paper's interventions.

Figures (written to ``out_dir``):

- ``trust_engagement``: top, the engagement the platform read, short and long
  run, against ``H``: strategization raises it on the learning platforms
  (strategic users like what they want kept), most for UCB; bottom, the
  change of *sincere* engagement from naive play on the same users. At
  ``--quick`` scale (seed 0) strategizing raises the short-run sincere
  engagement under greedy and UCB (by 0.025 and 0.04: users steer to items
  they really like sooner) and lowers the long-run one (by 0.075 and 0.12 at
  ``H = 1, 2``: the platform, misled, settles on worse items), the "helps in
  the short term" claim; the trustworthy designs do not move (the mix by
  0.004).
- ``trust_estimation``: estimation error and absolute counterfactual error
  against ``H``: zero for naive users, growing with strategization on the
  learning platforms (UCB over-predicts, inflated by strategic likes, greedy
  under-predicts, deflated by strategic dislikes; the signed error is in the
  results as ``counterfactual_error``), exactly zero at every ``H`` on the
  insulated platform.
- ``trust_gap``: the exact strategization gap and naive utility per platform,
  and the realised utility gain of ``H``-step planners: the insulated platform
  closes the gap (exactly 0), at the price of less personalisation.
- ``trust_frontier``: the strategization gap against naive users' utility and
  sincere engagement, a point per platform with intervals both ways, and the
  frontier (platforms no other beats on both counts). The commitment and mix
  designs keep the gap within their bounds (small; explore-commit's is
  positive only when a tie in the top signal level leaves a strategic user
  something to break) while naive users get more on average than under
  insulation (quick, seed 0: 0.50 and 0.68 per step against 0.34; greedy
  0.74). Their guaranteed payoff ``kappa`` (the worst user's naive utility)
  is lower than insulation's, though: committing to, or steering towards,
  what one user engaged with can serve a minority user worse than the
  popular rotation does. ``kappa`` is in ``results.csv``.

Each platform has its colour (:func:`sim.plotting.color` of its registry name)
and line style in every figure; bands and error bars are 95% intervals over
replications inside the metric's support (engagement in [-1, 1], errors and the
gap non-negative; :mod:`sim.intervals`), and the legends state the method and
n. The ``--quick`` figures (5 replications of 3 users) show every finding
above, with wide intervals (3 users per replication); at full scale the
exact gap of ``rec.trust_mix`` on 6-round games dominates the run time
(about 3 s per user, measured under load).

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
    check_trustworthy,
    counterfactual,
    default_types,
    engagement_metrics,
    estimation_error,
    make_catalog,
    make_platform,
    metric_rows,
    play,
    sample_users,
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
PLATFORMS = ("rec.greedy", "rec.ucb", "rec.trustworthy", "rec.commit", "rec.trust_mix")


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
    check_probability("mix_share", p.mix_share)
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
        Popular items the trustworthy platform rotates, the explore-commit
        platform explores and the trust mix draws from (>= 1).
    mix_share : float
        The trust mix's share of personalised recommendations, in [0, 1].
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
    mix_share: float = 0.25
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
    mix_share: float = 0.25
    gap_steps: int = 6
    like_at: float = 1.2
    platform: str = "rec.greedy"

    def __post_init__(self):
        _check_common(self)
        check_policy_name("platform", self.platform, "recommender")


def _make_platform(cell, prior):
    # the scenario's settings reach every rule that takes them (alpha; c for UCB; top for trustworthy)
    return make_platform(cell.platform, prior, options={"alpha": cell.alpha, "c": cell.ucb_c,
                                                        "top": cell.trust_top, "share": cell.mix_share})


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
            # paired on the same user: what strategizing changes (0 at H = 0)
            gains = [{"utility_gain": a["utility"] - b["utility"],
                      "sincere_change_short": a["sincere_short"] - b["sincere_short"],
                      "sincere_change_long": a["sincere_long"] - b["sincere_long"]} for a, b in zip(per_user, base)]
            rows += metric_rows(gains, names, platform=params.platform, horizon=h)
    # the exact strategization gap: the exact planner against naive play, expectations over the rule's draws
    report = check_trustworthy(models, _make_platform(params, prior), params.gap_steps, params.gamma)
    gaps = [{"strategization_gap": g, "naive_utility": n, "best_response_utility": b}
            for g, n, b in zip(report.gaps, report.naive, report.best)]
    rows += metric_rows(gaps, names, platform=params.platform, horizon=params.gap_steps - 1)
    # over the users of this replication: the epsilon the platform meets and the payoff naive play is guaranteed
    rows += [{"metric": "max_gap", "value": report.max_gap, "user_type": "all", "platform": params.platform,
              "horizon": params.gap_steps - 1},
             {"metric": "kappa", "value": report.kappa, "user_type": "all", "platform": params.platform,
              "horizon": params.gap_steps - 1}]
    return rows


def _label(name) -> str:
    """The legend label of a registered platform (its spec's label)."""
    return policies.get(name).spec.label if name in policies else str(name)


def _ordered(platforms) -> list:
    """The default platforms first, in their order, then any others."""
    return [p for p in PLATFORMS if p in platforms] + [p for p in platforms if p not in PLATFORMS]


_HORIZON_LABEL = "users' planning horizon $H$ (steps; 0 = naive)"


#: Line style and marker per platform, besides its colour (so the curves part in grey print too).
_LINES = {"rec.greedy": ("--", "s"), "rec.ucb": ("-", "o"), "rec.trustworthy": (":", "^"),
          "rec.commit": ("-.", "v"), "rec.trust_mix": ((0, (5, 1, 1, 1)), "P")}


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
    fig, axes = new_figure(2, 2)
    for col, (part, when) in enumerate((("short", "first quarter"), ("long", "last quarter"))):
        run = "Short" if part == "short" else "Long"
        _lines(axes[0, col], res, f"signal_{part}", f"{when}: mean signal the platform read")
        axes[0, col].set_title(f"{run}-run engagement the platform read")
        _lines(axes[1, col], res, f"sincere_change_{part}",
               f"{when}: sincere engagement,\nstrategic minus naive (same users)")
        axes[1, col].axhline(0.0, color="black", linewidth=0.8)
        axes[1, col].set_title(f"{run}-run effect on sincere engagement (the real objective)")
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
                        Patch(facecolor="white", edgecolor="grey", hatch="//", label="naive utility (user mean)")],
               fontsize=8, title=interval_note(bars), title_fontsize=8, loc="upper right")
    ax1.set_ylim(top=ax1.get_ylim()[1] + 0.35 * (ax1.get_ylim()[1] - ax1.get_ylim()[0]))  # room for the legend
    _lines(ax2, res, "utility_gain", "utility per step minus naive utility")
    ax2.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
    ax2.set_title("Realised gain of $H$-step planners")
    paths += save_figure(fig, out_dir, "trust_gap")
    paths += _frontier(res, platforms, out_dir)
    return paths


def _frontier(res, platforms, out_dir) -> list[Path]:
    """Strategization gap against what naive users get, one point per platform (``trust_frontier``)."""
    gap = _by_platform(res, "strategization_gap", platforms)
    fig, axes = new_figure(1, 2)
    panels = ((_by_platform(res, "naive_utility", platforms), r"naive users' utility per step (exact, short game)"),
              (_by_platform(res.filter(horizon=0), "sincere_engagement", platforms),
               "naive users' sincere engagement"))
    notes = []
    for ax, (y, ylabel) in zip(axes, panels):
        for i, p in enumerate(platforms):
            linestyle, marker = _LINES.get(p, ("-", "D"))
            xe = ye = None
            if gap.n[i] >= 3:
                xe = [[gap.mean[i] - gap.lo[i]], [gap.hi[i] - gap.mean[i]]]
            if y.n[i] >= 3:
                ye = [[y.mean[i] - y.lo[i]], [y.hi[i] - y.mean[i]]]
            ax.errorbar([gap.mean[i]], [y.mean[i]], xerr=xe, yerr=ye, color=color(p), marker=marker,
                        markersize=7, linestyle="none", capsize=3, label=_label(p))
        # the frontier: platforms no other beats on both counts (a lower gap and a higher payoff)
        pts = sorted(zip(gap.mean, y.mean))
        front, best = [], -np.inf
        for gx, gy in pts:
            if gy > best:
                front.append((gx, gy))
                best = gy
        ax.plot(*zip(*front), color=color("bound"), linewidth=0.8, linestyle=":", label="frontier", zorder=0)
        ax.set(xlabel="strategization gap per step (exact: best response - naive)", ylabel=ylabel)
        ax.set_xlim(left=min(0.0, ax.get_xlim()[0]))
        notes.append(interval_note([gap, y]))
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), fontsize=8)
    methods = "; ".join(dict.fromkeys(n.split(" interval")[0].replace("mean and ", "") for n in notes))
    fig.suptitle(f"Points: means over users; bars: {methods} intervals over replications, n = {int(gap.n.max())} "
                 "replications (bars only from 3)", fontsize=9)
    axes[0].set_title("Trust vs personalisation: the gap and naive utility")
    axes[1].set_title("Trust vs the platform's objective: the gap and sincere engagement")
    return save_figure(fig, out_dir, "trust_frontier")


#: What each metric can be: a signal read is alpha * explicit + (1 - alpha) * dwell with explicit
#: in {-1, 0, 1} and dwell in {0, 0.5, 1}, so engagement lies in [-1, 1]; rates are shares; errors
#: and the gap (a best response is never worse than naive play) are non-negative; utilities are not bounded.
_SUPPORTS = {
    "signal_engagement": (-1, 1), "signal_short": (-1, 1), "signal_long": (-1, 1),
    "sincere_engagement": (-1, 1), "sincere_short": (-1, 1), "sincere_long": (-1, 1),
    "sincere_change_short": (-2, 2), "sincere_change_long": (-2, 2),
    "explicit_usage": "share", "like_rate": "share", "dislike_rate": "share", "withheld_like_rate": "share",
    "explicit_distortion": (0, 2), "dwell_distortion": (0, 1),
    "estimation_error": "nonnegative", "counterfactual_abs_error": "nonnegative", "strategization_gap": "nonnegative",
    "counterfactual_error": "unbounded", "utility": "unbounded", "value": "unbounded", "utility_gain": "unbounded",
    "naive_utility": "unbounded", "best_response_utility": "unbounded", "max_gap": "nonnegative",
    "kappa": "unbounded",
}


#: The study: one cell per platform.
GAMES = Study("games", cell=Cell, run=run, grid=lambda p: [{"platform": x} for x in p.platforms], plot=plot,
              sweeps={"platform": "platforms"}, metrics=_SUPPORTS,
              headline=("sincere_long", "strategization_gap", "naive_utility"),
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
