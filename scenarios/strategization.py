"""Strategization: how what users believe about the algorithm changes how they engage.

Model. Each replication draws a catalog of ``n_items`` items in two genres
(:func:`~agents.strategic.content.make_catalog`) and ``n_users`` users from
the default mainstream (80%) and minority (20%) types. Each user plays its own
repeated game of ``steps`` recommendations against a greedy platform with
item-level estimates shrunk towards the population profile (the users' types'
sincere signals mixed by share), reading ``s = platform_alpha * explicit +
(1 - platform_alpha) * dwell``. Naive users engage naturally; strategic users
plan ``horizon`` steps ahead (discount ``gamma``) against what they were told
(the *information condition*):

- ``likes``: the algorithm attends to likes (believed ``alpha = 1``);
- ``dwell``: it attends to dwell time (believed ``alpha = 0``);
- ``nothing``: no information (the uninformed guess ``alpha = 0.5``);
- ``static``: engagement is only used to learn preferences, not to choose what
  is shown (a non-adaptive belief);
- ``learning``: not told; the user learns ``alpha`` from which items it is shown
  (:class:`~agents.strategic.users.LearningUser`). Against a greedy platform
  the recommendations rarely tell the candidate values apart (natural explicit
  and dwell signals agree), so these users mostly keep their uninformed guess
  0.5, which here is the truth: they behave like the ``nothing`` group
  (``believed_alpha`` is in the results).

The platform is any registered recommender (``platform``, default
``rec.greedy``; built with :func:`~agents.strategic.envs.make_platform`, its
``alpha`` from the study). Every instance is shared by all conditions of a
replication (common random numbers), so differences between conditions are
paired. Four studies (each a :class:`~sim.scenario.Study` with one cell;
``studies`` selects which run):

- ``conditions``: condition x naive/strategic at the platform's ``platform_alpha``;
- ``horizon``: strategic users told likes or dwell, for each planning horizon;
- ``satiation``: users of a likes algorithm (``alpha = 1``, and they know it)
  whose value for an item falls by ``satiation`` for each time it was among
  their last ``satiation_window`` items, naive vs strategic;
- ``incentive``: the lab's *incentive condition* (Cen, Ilyas, Allen, Li, Madry
  2024): strategic users told their behaviour is used to generate
  personalised recommendations (modelled as the ``nothing`` condition: an
  adaptive platform, attention to likes unknown, believed ``alpha = 0.5``)
  against users told only that their preferences are being learnt (the
  ``static`` condition: a non-adaptive belief), with naive users as the
  reference. The paper's arXiv abstract (v1) describes the design ("how users
  respond to different information about their recommendation algorithm as
  well as to different incentives about how their actions affect downstream
  outcomes") and gives the information contrast (1.9x); the size of the
  incentive contrast, "participants who are told their behavior is used to
  generate personalized recommendations gave explicit feedback to the platform
  6.9 times more on average than participants who are only told that we are
  learning music preferences", is from the description of a 2025 talk on the
  study (Yale FDS, J. Allen), which also gives the dwell-information contrast
  as "3.2 times less"; neither number could be found in the paper's text here.

Figures (written to ``out_dir``; every band and error bar is a 95% interval
over replications inside the metric's support, see :mod:`sim.intervals`, and
the legends state the method and n):

- ``strategization_conditions``: explicit-signal usage by condition, naive vs
  strategic, and the paired extra usage of strategic over naive users.
  Strategic users told likes use the buttons more than those told dwell (the
  ratio of means is printed with the percentile bootstrap interval of that same
  ratio, replications resampled in pairs: about 1.4-2x depending on the draw of
  catalogs, 1.7x at ``--quick`` scale; the lab measured 1.9x); naive
  users' usage is identical across conditions (ratio 1.00), and "static"
  strategic users (told engagement does not shape recommendations) behave
  exactly like naive ones, while every other strategic group uses the buttons
  more (the direction of the lab's incentive contrast; see the incentive study).
- ``strategization_horizon``: extra explicit usage and utility gain over
  naive play against the horizon ``H`` (paired on the same users): ``H = 0``
  is naive; one step of foresight already makes likes-told users press the
  buttons much more (longer horizons make them slightly more selective);
  dwell-told users change dwell, and their explicit usage moves only because
  they end up seeing other items (their explicit signals stay natural). Their
  utility gain grows with ``H``, while likes-told users gain almost nothing:
  the platform (``alpha = 0.5``) reads likes less than they believe.
- ``strategization_satiation``: the share of enjoyed items (natural like) a
  user does not like, against satiation strength: zero for naive users (the same
  in every replication, so the band is that point) and rising with satiation for
  strategic ones, who withhold likes so that content they enjoy is not
  over-recommended; and their utility.

- ``strategization_incentive``: strategic users' explicit usage under the
  two incentive treatments, the naive users' usage as a line, and the ratio
  of means (told recommendations / told learning only) with its percentile
  bootstrap interval. Users told only that preferences are learnt engage
  exactly as naive users (their belief gives engagement no future effect), so
  the ratio is the extra explicit feedback of planning against an adaptive
  platform; its size depends on how sparingly users naturally press the
  buttons (``like_at``), and is a property of this model, not an estimate of
  the lab's figure: 1.40x (95% CI 1.11-2.48) at ``--quick`` scale.

Every finding above shows in the ``--quick`` figures (6 replications of 6
users; catalogs differ a lot between replications, so with 2 the horizon and
satiation curves were one or two draws: likes-told users at about 0, withheld
likes flat at 0). Their intervals are wide: at this scale dwell-told users'
explicit usage at ``H = 3`` is within the likes-told users' interval.

Run it with ``stratsim run strategization`` or ``python -m scenarios.strategization``.

Examples
--------
>>> import numpy as np
>>> p = SCENARIO.make_params({"n_users": 2, "steps": 6, "conditions": ("likes",)}, quick=True)
>>> rows = run_conditions(CONDITIONS_STUDY.make_cell(p, {}), np.random.default_rng(0))
>>> {r["condition"] for r in rows}
{'likes'}
>>> Params(conditions=("psychic",))
Traceback (most recent call last):
...
sim.errors.ValidationError: conditions must be one of ['dwell', 'learning', 'likes', 'nothing', 'static'], got 'psychic'
"""

from __future__ import annotations

import dataclasses
import math
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.strategic import (
    EngagementModel,
    LearningUser,
    NaiveUser,
    PlatformBelief,
    StrategicUser,
    UserModel,
    default_types,
    engagement_metrics,
    make_catalog,
    make_platform,
    metric_rows,
    play,
    sample_users,
    type_profiles,
)
from sim.plotting import color, error_bars, interval_note, new_figure, plot_parts, plot_summaries, save_figure
from sim.registry import check_policy_name
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_choice, check_int, check_probability, check_real

__all__ = ["CONDITIONS", "CONDITIONS_STUDY", "HORIZON_STUDY", "INCENTIVES", "INCENTIVE_STUDY", "SATIATION_STUDY",
           "SCENARIO", "STUDIES", "ConditionsCell", "HorizonCell", "IncentiveCell", "Params", "SatiationCell", "plot",
           "run_conditions", "run_horizon", "run_incentive", "run_satiation"]

#: Information conditions and the alpha each makes a planner believe (None: special).
CONDITIONS = {"likes": 1.0, "dwell": 0.0, "nothing": 0.5, "static": None, "learning": None}
#: The studies.
STUDIES = ("conditions", "horizon", "satiation", "incentive")
#: The incentive study's treatments and the condition that models each (see the module docstring).
INCENTIVES = {"recommendations": "nothing", "learning only": "static"}


@dataclass(frozen=True)
class _Game:
    """What every study's run shares: the instance, the users' engagement, the platform."""

    n_items: int = 10
    n_users: int = 24
    steps: int = 20
    gamma: float = 0.9
    platform_alpha: float = 0.5
    satiation_window: int = 3
    like_at: float = 1.2
    dislike_at: float = -0.5
    explicit_cost: float = 0.05
    dwell_cost: float = 0.05
    platform: str = "rec.greedy"

    def engagement(self) -> EngagementModel:
        """The users' engagement model."""
        return EngagementModel(like_at=self.like_at, dislike_at=self.dislike_at,
                               explicit_cost=self.explicit_cost, dwell_cost=self.dwell_cost)

    def __post_init__(self):
        check_int("n_items", self.n_items, low=2)
        check_int("n_users", self.n_users, low=1)
        check_int("steps", self.steps, low=1)
        check_probability("gamma", self.gamma)
        check_probability("platform_alpha", self.platform_alpha)
        check_int("satiation_window", self.satiation_window, low=1)
        self.engagement()  # validates the thresholds and costs
        check_policy_name("platform", self.platform, "recommender")


@dataclass(frozen=True)
class ConditionsCell(_Game):
    """One run of the conditions study: every condition, naive and strategic, on one instance."""

    horizon: int = 3
    conditions: tuple[str, ...] = ("likes", "dwell", "nothing", "static", "learning")

    def __post_init__(self):
        super().__post_init__()
        check_int("horizon", self.horizon, low=0)
        for c in self.conditions:
            check_choice("conditions", c, tuple(CONDITIONS))


@dataclass(frozen=True)
class HorizonCell(_Game):
    """One run of the horizon study: users told likes or dwell, every horizon, on one instance."""

    horizons: tuple[int, ...] = (0, 1, 2, 3, 4, 5)

    def __post_init__(self):
        super().__post_init__()
        for h in self.horizons:
            check_int("horizons", h, low=0)


@dataclass(frozen=True)
class SatiationCell(_Game):
    """One run of the satiation study: every satiation strength, naive and strategic, on one instance."""

    horizon: int = 3
    satiations: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)

    def __post_init__(self):
        super().__post_init__()
        check_int("horizon", self.horizon, low=0)
        for s in self.satiations:
            check_real("satiations", s, low=0.0)


@dataclass(frozen=True)
class IncentiveCell(_Game):
    """One run of the incentive study: both treatments (and naive users) on one instance."""

    horizon: int = 3

    def __post_init__(self):
        super().__post_init__()
        check_int("horizon", self.horizon, low=0)


@dataclass(frozen=True)
class Params:
    """Settings of the strategization scenario.

    Attributes
    ----------
    n_items : int
        Catalog size (>= 2).
    n_users : int
        Users per replication (>= 1).
    steps : int
        Recommendations per user (>= 1).
    horizon : int
        Planning horizon of strategic users in the conditions and satiation studies (>= 0).
    horizons : tuple of int
        Horizons of the horizon study.
    gamma : float
        Discount factor, in [0, 1].
    platform_alpha : float
        The platform's weight on explicit signals (conditions and horizon studies), in [0, 1].
    conditions : tuple of str
        Information conditions of the conditions study (see :data:`CONDITIONS`).
    satiations : tuple of float
        Satiation strengths of the satiation study (>= 0).
    satiation_window : int
        Recent consumptions that satiate (>= 1).
    like_at, dislike_at : float
        Natural like / dislike thresholds on the item's current value. With the
        default 1.2 users naturally like only exceptional items (about a fifth
        of what a greedy platform shows them), as real users use the buttons sparingly.
    explicit_cost, dwell_cost : float
        Distortion costs per button step and per dwell level (>= 0).
    platform : str
        The platform's rule: a registered policy of domain ``"recommender"``.
    studies : tuple of str
        Studies to run (see :data:`STUDIES`).
    """

    n_items: int = 10
    n_users: int = 24
    steps: int = 20
    horizon: int = 3
    horizons: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    gamma: float = 0.9
    platform_alpha: float = 0.5
    conditions: tuple[str, ...] = ("likes", "dwell", "nothing", "static", "learning")
    satiations: tuple[float, ...] = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)
    satiation_window: int = 3
    like_at: float = 1.2
    dislike_at: float = -0.5
    explicit_cost: float = 0.05
    dwell_cost: float = 0.05
    platform: str = "rec.greedy"
    studies: tuple[str, ...] = STUDIES

    def engagement(self) -> EngagementModel:
        """The users' engagement model."""
        return EngagementModel(like_at=self.like_at, dislike_at=self.dislike_at,
                               explicit_cost=self.explicit_cost, dwell_cost=self.dwell_cost)

    def __post_init__(self):
        check_int("n_items", self.n_items, low=2)
        check_int("n_users", self.n_users, low=1)
        check_int("steps", self.steps, low=1)
        check_int("horizon", self.horizon, low=0)
        for h in self.horizons:
            check_int("horizons", h, low=0)
        check_probability("gamma", self.gamma)
        check_probability("platform_alpha", self.platform_alpha)
        for c in self.conditions:
            check_choice("conditions", c, tuple(CONDITIONS))
        for s in self.satiations:
            check_real("satiations", s, low=0.0)
        check_int("satiation_window", self.satiation_window, low=1)
        self.engagement()  # validates the thresholds and costs
        for s in self.studies:
            check_choice("studies", s, STUDIES)
        check_policy_name("platform", self.platform, "recommender")


def _instance(params, rng):
    catalog = make_catalog(params.n_items, rng=rng)
    types = default_types()
    type_idx, thetas = sample_users(types, params.n_users, rng=rng)
    return catalog, types, type_idx, thetas


def _platform(name, catalog, types, alpha, engagement):
    profiles, shares = type_profiles(catalog, types, alpha=alpha, engagement=engagement)
    return make_platform(name, shares @ profiles, options={"alpha": alpha})


def _agent(model, platform, user, condition, horizon, gamma):
    if user == "naive":
        return NaiveUser(model)
    if condition == "learning":
        return LearningUser(model, PlatformBelief(rule=platform.policy, prior=platform.base_view),
                            horizon=horizon, gamma=gamma)
    if condition == "static":
        belief = PlatformBelief(rule=platform.policy, prior=platform.base_view, adaptive=False)
    else:
        belief = PlatformBelief(alpha=CONDITIONS[condition], rule=platform.policy, prior=platform.base_view)
    return StrategicUser(model, belief, horizon=horizon, gamma=gamma)


def _play_all(params, catalog, types, type_idx, thetas, *, user, condition, horizon, alpha,
              satiation=0.0):
    per_user = []
    window = params.satiation_window if satiation > 0 else 0
    engagement = params.engagement()
    for theta in thetas:
        model = UserModel.from_preferences(catalog, theta, engagement=engagement, satiation=satiation,
                                           window=window)
        platform = _platform(params.platform, catalog, types, alpha, engagement)
        agent = _agent(model, platform, user, condition, horizon, params.gamma)
        traj = play(agent, platform, params.steps, know_end=False)
        m = engagement_metrics(traj)
        if condition == "learning" and user == "strategic":
            m["believed_alpha"] = float(traj.believed_alpha[-1])
        per_user.append(m)
    names = [types[i].name for i in type_idx]
    return metric_rows(per_user, names, user=user, condition=condition, horizon=horizon,
                       satiation=satiation)


def _paired(rows, base_rows, metric, new_metric, op):
    """Rows ``op(row, base)`` of ``metric`` matched on user type (same users, same catalog)."""
    base = {r["user_type"]: r["value"] for r in base_rows if r["metric"] == metric}
    out = []
    for r in rows:
        if r["metric"] == metric and r["user_type"] in base:
            value = op(r["value"], base[r["user_type"]])
            if np.isfinite(value):
                out.append(dict(r, metric=new_metric, value=float(value)))
    return out


def run_conditions(cell: ConditionsCell, rng: np.random.Generator) -> list[dict]:
    """One replication of the conditions study on one random instance (shared by all conditions).

    Besides the per-condition metrics it emits paired comparisons on the same
    users and catalog: ``*_minus_naive`` (strategic minus naive).
    """
    common = (cell, *_instance(cell, rng))
    rows = []
    naive = _play_all(*common, user="naive", condition="-", horizon=0, alpha=cell.platform_alpha)
    for c in cell.conditions:
        # naive users ignore what they are told: one run serves every condition
        rows += [dict(r, condition=c) for r in naive]
        strat = _play_all(*common, user="strategic", condition=c, horizon=cell.horizon,
                          alpha=cell.platform_alpha)
        rows += strat
        for metric in ("explicit_usage", "dwell_distortion", "utility"):
            rows += _paired(strat, naive, metric, f"{metric}_minus_naive", lambda a, b: a - b)
    return rows


def run_horizon(cell: HorizonCell, rng: np.random.Generator) -> list[dict]:
    """One replication of the horizon study; ``*_gain`` rows are differences from ``H = 0`` (paired)."""
    common = (cell, *_instance(cell, rng))
    rows = []
    for c in ("likes", "dwell"):
        base = None
        for h in sorted(set(cell.horizons) | {0}):
            got = _play_all(*common, user="strategic", condition=c, horizon=h, alpha=cell.platform_alpha)
            if h == 0:
                base = got
            if h in cell.horizons:
                rows += got
                for metric in ("explicit_usage", "utility", "dwell_distortion"):
                    rows += _paired(got, base, metric, f"{metric}_gain", lambda a, b: a - b)
    return rows


def run_incentive(cell: IncentiveCell, rng: np.random.Generator) -> list[dict]:
    """One replication of the incentive study: every user under both treatments, and naively (paired).

    ``condition`` is the treatment (a key of :data:`INCENTIVES`) for strategic
    users and ``"-"`` for the naive reference.
    """
    common = (cell, *_instance(cell, rng))
    rows = _play_all(*common, user="naive", condition="-", horizon=0, alpha=cell.platform_alpha)
    for treatment, condition in INCENTIVES.items():
        got = _play_all(*common, user="strategic", condition=condition, horizon=cell.horizon,
                        alpha=cell.platform_alpha)
        rows += [dict(r, condition=treatment) for r in got]
    return rows


def run_satiation(cell: SatiationCell, rng: np.random.Generator) -> list[dict]:
    """One replication of the satiation study: users of a likes algorithm (alpha = 1) who know it."""
    common = (cell, *_instance(cell, rng))
    rows = []
    for s in cell.satiations:
        for user in ("naive", "strategic"):
            rows += _play_all(*common, user=user, condition="likes", horizon=cell.horizon, alpha=1.0,
                              satiation=s)
    return rows


# --- figures ------------------------------------------------------------------------------
#: Legend text of each kind of user.
_USERS = {"naive": "naive users", "strategic": "strategic users"}


def _by_condition(sub, metric, conditions, by="user"):
    """Summaries of ``metric`` per information condition (``x``: the condition's position)."""
    pos = {c: i for i, c in enumerate(conditions)}
    rows = [dict(r, position=pos[r["condition"]])
            for r in sub.filter(metric=metric, user_type="all", condition=tuple(conditions)).rows]
    return [_point_where_constant(s) for s in Results(rows, sub.supports).summary(x="position", metric=metric,
                                                                                   by=by)]


def _bars(ax, summaries, conditions):
    """Side-by-side bars (means) per condition with their intervals; dots where too few for one."""
    width = 0.8 / max(len(summaries), 1)
    for j, s in enumerate(summaries):
        x = s.x + (j - (len(summaries) - 1) / 2) * width
        ax.bar(x, s.mean, width, color=color(s.label), label=_USERS.get(s.label, s.label))
        error_bars(ax, x, s)
    ax.set_xticks(np.arange(len(conditions)), [f"told {c}" for c in conditions])


def _per_rep(results, metric, user, condition) -> dict:
    rows = results.filter(metric=metric, user=user, condition=condition, user_type="all").rows
    return {r.get("rep"): r["value"] for r in rows}


def _ratio_ci(num: dict, den: dict, level: float = 0.95, draws: int = 2000) -> tuple[float, float, float, int]:
    """Ratio of means over replications and the percentile bootstrap interval of that same estimator.

    The replications are resampled in pairs (numerator and denominator of a
    replication share its catalog and users) from a fixed seed, so the same
    results give the same interval. Returns ``(ratio, lo, hi, n)``; with fewer
    than 3 replications (or an undefined ratio) ``lo`` and ``hi`` are NaN.
    """
    reps = sorted(set(num) & set(den), key=str)
    a = np.array([num[r] for r in reps], dtype=float)
    b = np.array([den[r] for r in reps], dtype=float)
    n = len(reps)
    ratio = a.mean() / b.mean() if n and b.mean() > 0 else math.nan
    if n < 3 or not math.isfinite(ratio):
        return ratio, math.nan, math.nan, n
    idx = np.random.default_rng(0).integers(0, n, size=(draws, n))
    with np.errstate(divide="ignore", invalid="ignore"):
        boot = a[idx].mean(axis=1) / b[idx].mean(axis=1)
    boot = boot[~np.isnan(boot)]  # 0 / 0 resamples have no ratio; x / 0 is +inf and stays
    alpha = (1 - level) / 2
    lo, hi = (float(np.quantile(boot, q, method="inverted_cdf")) for q in (alpha, 1 - alpha))
    # the percentile interval of the estimator's own bootstrap distribution brackets the estimate
    # unless that distribution is extremely skewed; then it is widened to the estimate, never past it
    return ratio, min(lo, ratio), max(hi, ratio), n


def _ratio_text(user, ratio, lo, hi, n) -> str:
    head = f"{user}: told likes / told dwell = {ratio:.2f}x"
    if math.isnan(lo):
        return f"{head} (n = {n} replications: too few for an interval)"
    return f"{head} (95% CI {lo:.2f}-{hi:.2f}, percentile bootstrap, n = {n})"


def _plot_conditions(sub, out_dir) -> list:
    conditions = [c for c in CONDITIONS if c in sub.unique("condition")]
    fig, (ax1, ax2) = new_figure(1, 2)
    usage = _by_condition(sub, "explicit_usage", conditions)
    _bars(ax1, usage, conditions)
    ax1.set(ylabel="explicit-signal usage (share of steps with like/dislike)",
            title="Explicit feedback by information condition")
    text = []
    for user in ("strategic", "naive"):
        likes, dwell = (_per_rep(sub, "explicit_usage", user, c) for c in ("likes", "dwell"))
        if likes and dwell:
            text.append(_ratio_text(user, *_ratio_ci(likes, dwell)))
    top = max(float(np.nanmax(s.hi)) for s in usage)
    ax1.set_ylim(0, min(1.0, top) * 1.45 if top > 0 else 1.0)  # room for the ratios and the legend
    if text:
        ax1.text(0.02, 0.98, "\n".join(text), transform=ax1.transAxes, va="top", fontsize=8)
    ax1.legend(loc="upper right", bbox_to_anchor=(1.0, 0.86), fontsize=8, title=interval_note(usage),
               title_fontsize=8)
    extra = _by_condition(sub.filter(user="strategic"), "explicit_usage_minus_naive", conditions)
    _bars(ax2, extra, conditions)
    ax2.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
    ax2.set(ylabel="strategic minus naive explicit usage (same users, catalog)",
            title="Extra explicit feedback from strategizing")
    bottom, top = ax2.get_ylim()
    ax2.set_ylim(bottom, top + 0.25 * (top - bottom))  # room for the legend above the error bars
    ax2.legend(loc="upper right", fontsize=8, title=interval_note(extra), title_fontsize=8)
    return save_figure(fig, out_dir, "strategization_conditions")


def _point_where_constant(s):
    """``s`` with a zero-width interval where every replication has the same value.

    A share that is the same in every replication (naive users' withheld likes:
    0) has no spread: every bootstrap resample has that mean, so its bootstrap
    interval is the point. The toolkit's default there is a Wilson interval,
    which treats each replication as one 0/1 outcome (up to 0.39 for six 0.0
    values); a share of many users' steps is not one.
    """
    same = np.array([v.size >= 3 and np.ptp(v) == 0 for v in s.values], dtype=bool) & (s.method == "wilson")
    if not same.any():
        return s
    return dataclasses.replace(s, lo=np.where(same, s.mean, s.lo), hi=np.where(same, s.mean, s.hi),
                               method=np.where(same, "bca", s.method))


def _plot_against(sub, out_dir, *, x, by, panels, xlabel, styles, name, zero_line=False) -> list:
    """Two panels of metrics against ``x``, one curve per ``by`` value (``styles[value]``:
    legend text, colour, line style, marker)."""
    sub = sub.filter(user_type="all")
    fig, axes = new_figure(1, 2)
    for ax, (metric, ylabel, title) in zip(axes, panels):
        summaries = [_point_where_constant(s) for s in sub.summary(x=x, metric=metric, by=by)]
        for s in summaries:
            text, role, linestyle, marker = styles[s.label]
            if all(v.size >= 3 and np.ptp(v) == 0 for v in s.values):
                text += " (the same in every replication)"  # naive users never withhold a like
            plot_summaries(ax, [s], colors={s.label: color(role)}, labels={s.label: text}, linestyle=linestyle,
                           marker=marker)
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        if zero_line:
            ax.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
        ax.set_xticks(sub.unique(x))
        ax.legend(fontsize=8, title=interval_note(summaries), title_fontsize=8, loc="best")
    return save_figure(fig, out_dir, name)


def _plot_horizon(sub, out_dir) -> list:
    # both curves are strategic users: one colour, told likes / told dwell by line style and marker
    return _plot_against(
        sub, out_dir, x="horizon", by="condition", zero_line=True, name="strategization_horizon",
        xlabel="planning horizon $H$ (steps; 0 = naive)",
        styles={"likes": ("strategic, told likes", "strategic", "-", "o"),
                "dwell": ("strategic, told dwell", "strategic", "--", "s")},
        panels=(("explicit_usage_gain", "explicit usage minus naive usage (share of steps)",
                 "Extra explicit feedback against the horizon"),
                ("utility_gain", "utility per step minus naive utility", "Utility gain against the horizon")))


def _plot_satiation(sub, out_dir) -> list:
    return _plot_against(
        sub, out_dir, x="satiation", by="user", name="strategization_satiation",
        xlabel="satiation (value lost per recent consumption)",
        styles={"naive": ("naive users", "naive", "--", "s"), "strategic": ("strategic users", "strategic", "-", "o")},
        panels=(("withheld_like_rate", "share of enjoyed items not liked (natural like, no like)",
                 "Withholding likes from enjoyed content"),
                ("utility", "user utility per step (value - distortion cost)",
                 "Utility under satiation (likes algorithm)")))


def _plot_incentive(sub, out_dir) -> list:
    treatments = [t for t in INCENTIVES if t in sub.unique("condition")]
    fig, ax = new_figure()
    usage = _by_condition(sub.filter(user="strategic"), "explicit_usage", treatments)
    naive = _by_condition(sub.filter(user="naive", condition="-"), "explicit_usage", ["-"])
    for s in usage:
        ax.bar(s.x, s.mean, 0.6, color=color("strategic"), label="strategic users")
        error_bars(ax, s.x, s)
    for s in naive:  # the same users engaging naturally, whatever they are told
        ax.axhline(float(s.mean[0]), color=color("naive"), linestyle="--", linewidth=1.2,
                   label=f"naive users (mean of n = {int(s.n[0])} replications)")
    ax.set_xticks(np.arange(len(treatments)), [f"told: {t}" for t in treatments])
    text = []
    if len(treatments) == 2:
        treated, control = (_per_rep(sub, "explicit_usage", "strategic", t) for t in treatments)
        ratio, lo, hi, n = _ratio_ci(treated, control)
        head = f"strategic users: told recommendations /\ntold learning only = {ratio:.2f}x"
        text.append(f"{head} (n = {n} replications: too few for an interval)" if math.isnan(lo)
                    else f"{head} (95% CI {lo:.2f}-{hi:.2f},\npercentile bootstrap, n = {n})")
    top = max([float(np.nanmax(s.hi)) for s in usage] + [0.0])
    ax.set_ylim(0, min(1.0, top) * 1.6 if top > 0 else 1.0)  # room for the ratio and the legend
    if text:
        ax.text(0.02, 0.98, "\n".join(text), transform=ax.transAxes, va="top", fontsize=8)
    ax.set(ylabel="explicit-signal usage (share of steps with like/dislike)",
           title="Incentive condition: what users are told\nengagement is used for")
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, 0.82), fontsize=8, title=interval_note(usage),
              title_fontsize=8)
    return save_figure(fig, out_dir, "strategization_incentive")


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw the figures described in the module docstring."""
    return plot_parts(results, out_dir, {"conditions": _plot_conditions, "horizon": _plot_horizon,
                                         "satiation": _plot_satiation, "incentive": _plot_incentive},
                      column="study")


def _selected(name):
    """The grid of a one-cell study: its cell if ``studies`` lists it, else none."""
    return lambda p: [{}] if name in p.studies else []


#: What each metric can be. Explicit signals are -1/0/1 and dwell 0/0.5/1, so a signal the
#: platform reads lies in [-1, 1], an explicit distortion |e - e*| in [0, 2], a dwell distortion in
#: [0, 1]; a difference of two shares (or of two dwell distortions) lies in [-1, 1]; utilities are
#: unbounded (the items' values are).
_SUPPORTS = {
    "explicit_usage": "share", "like_rate": "share", "dislike_rate": "share", "withheld_like_rate": "share",
    "explicit_distortion": (0, 2), "dwell_distortion": (0, 1), "signal_engagement": (-1, 1),
    "sincere_engagement": (-1, 1), "believed_alpha": (0, 1),
    "utility": "unbounded", "value": "unbounded",
    "explicit_usage_*": (-1, 1), "dwell_distortion_*": (-1, 1), "utility_*": "unbounded",
}

CONDITIONS_STUDY = Study("conditions", cell=ConditionsCell, run=run_conditions, grid=_selected("conditions"),
                         plot=_plot_conditions, metrics=_SUPPORTS, headline=("explicit_usage",),
                         description="Information condition x naive/strategic users on one instance.")
HORIZON_STUDY = Study("horizon", cell=HorizonCell, run=run_horizon, grid=_selected("horizon"),
                      plot=_plot_horizon, metrics=_SUPPORTS, headline=("explicit_usage", "utility"),
                      description="Users told likes or dwell, against the planning horizon.")
SATIATION_STUDY = Study("satiation", cell=SatiationCell, run=run_satiation, grid=_selected("satiation"),
                        plot=_plot_satiation, metrics=_SUPPORTS, headline=("withheld_like_rate",),
                        description="Withheld likes against satiation (a likes algorithm).")

INCENTIVE_STUDY = Study("incentive", cell=IncentiveCell, run=run_incentive, grid=_selected("incentive"),
                        plot=_plot_incentive, metrics=_SUPPORTS, headline=("explicit_usage",),
                        description="The lab's incentive condition: told behaviour shapes recommendations, "
                                    "or only learning preferences.")

SCENARIO = Scenario(
    name="strategization",
    description="Information conditions x naive/strategic users: explicit feedback, horizon, satiation.",
    params=Params,
    studies=(CONDITIONS_STUDY, HORIZON_STUDY, SATIATION_STUDY, INCENTIVE_STUDY),
    quick={"n_users": 6, "steps": 15, "horizons": (0, 1, 2, 3), "satiations": (0.0, 0.25, 0.5)},
    replications=12,
    # 6 replications show the documented findings; the quick run stays about 1.5x its 2-replication time
    quick_replications=6,
)

SCENARIO.run_if_main(__name__)
