"""Cold start: strategic users exaggerate how they differ from the mainstream (Haupt et al. 2023).

Model. Each replication draws a catalog of ``n_items`` items (genre 0
mainstream, genre 1 minority) and ``n_users`` users, 80% mainstream and 20%
minority (:func:`~agents.strategic.content.default_types`). They live in the
discrete-event population model (:mod:`agents.strategic.population`): Poisson
arrivals, ``sessions`` visits of ``session_length`` recommendations, returns
after exponential absences. The platform is greedy on shrinkage estimates
whose prior is a type mixture: it starts from the two types' sincere signal
profiles (learned from historical, naive data) and, for each user, infers the
user's type from its engagement (posterior with assumed signal noise
``noise``); it keeps learning the profiles from everyone's signals (online
soft-EM, leave-one-out for each user), so one user's strategy changes what
others are shown. New users are cold: the prior is 80% mainstream, so a
minority user first sees mainstream content.

The platform's rule is any registered recommender (``platform``, default
``rec.greedy``; built with :func:`~agents.strategic.envs.make_platform`, its
``alpha`` and ``noise`` from the settings). Strategic users know the rule and
plan ``H`` steps ahead; ``H = 0`` is naive.

Measured per user type:

- ``own_genre_share``: share of recommendations from the user's own genre,
  overall and per step since arrival (the cold-start curve);
- ``exaggeration``: the extra evidence for the user's own type, against the
  other type, that its signals carry beyond sincere ones:
  ``mean_t [e(s_t) - e(s*_t)]`` with
  ``e(s) = ((s - m_other)^2 - (s - m_own)^2) / (2 noise^2)`` on the item shown,
  ``m`` the initial type profiles (positive: the user looks *more different*
  from the other type than it is);
- ``mainstream_distortion``: mean signal minus sincere signal on mainstream
  items (negative: avoiding mainstream content);
- ``utility``, and ``type_posterior``: the platform's final posterior on the
  user's true type;
- ``signal_engagement``: the mean signal the platform read from the user, and
  ``sincere_engagement``: the mean signal natural engagement with the same
  recommended items would have given (the platform's real objective; see
  :mod:`agents.strategic.metrics`); equal for naive users.

Three studies (:class:`~sim.scenario.Study`; ``studies`` selects which run):
``horizon`` (a cell per ``H`` in ``horizons``: everyone naive, or everyone
planning with horizon ``H``), ``spillover`` (a cell per share in
``strategic_shares``: that share of users, drawn at random, plans with ``spill_horizon``; the naive users' outcomes show
what others' strategies do to them) and ``equilibrium``.

In the first two the platform is naive about strategic users: it reads their
signals as sincere. The ``equilibrium`` study (a cell per intervention in
``interventions``) plays Haupt et al.'s two-stage cold-start game
(:mod:`agents.strategic.equilibrium`: a cold-start menu of ``menu_size``
items, noisy signals, a Bayesian platform, ``rounds`` recommendation steps)
on the same kind of catalog and population, in three regimes side by side:
``sincere`` (users engage naturally, the platform's beliefs are the sincere
ones), ``naive_platform`` (users respond strategically to those sincere
beliefs) and ``equilibrium`` (the platform's beliefs are consistent with the
users' strategies: the fixed point, whose iterations, residual and
convergence are reported per run). Interventions (:data:`INTERVENTIONS`):
``none`` (the most popular items as the menu), ``prior`` (the recommendation
phase mixes the posterior with the prior, weight ``prior_weight``),
``ignore_mainstream`` (the platform tells users it does not use their signals
on mainstream-genre menu items) and ``personalized_menu`` (each type's
favourite item as the menu). Each is this toolkit's reading of one sentence of
the paper's abstract, the only part of the paper that could be consulted (see
that module). In these catalogs the popular menu holds mainstream items
only, so under ``ignore_mainstream`` the platform reads nothing and
recommends by the prior: the intervention removes the incentive to distort
and the personalisation with it.

Randomness: the platform's and the population's generators are children of
the run's ``rng`` by :func:`sim.random.spawn` (they were seeds drawn with
``rng.integers(2**63)`` before; the streams, so the numbers, changed with it).

Figures (written to ``out_dir``):

- ``cold_start_share``: share of own-genre recommendations against the step
  since arrival, per type, naive vs strategic (largest ``H``): mainstream
  users are served from the first step; naive minority users reach their
  genre slowly (and in some catalogs not within their 15 steps), strategic
  ones within two steps.
- ``cold_start_exaggeration``: exaggeration per type against ``H``, and
  minority users' distortion on mainstream items. From ``H = 2`` strategic
  minority users exaggerate their difference from the mainstream (positive
  extra type evidence) by disliking and skipping mainstream content they find
  merely lukewarm; with ``H = 1`` they cannot see past the next mainstream item
  and rather keep the least bad one (negative evidence). Mainstream users,
  already served, barely distort.
- ``cold_start_welfare``: utility and the platform's final posterior on the
  true type per type against ``H`` (strategizing pays for minorities from
  ``H = 2``), and the spillover study: the own-genre share of naive and
  strategic users against the share of strategic users. Others' exaggeration
  can help naive minority users (the platform learns from strategic minorities
  that minority users reject mainstream content), but the effect is small
  against the differences between catalogs: at full scale (seed 0, 10
  replications) naive minorities' own-genre share is 0.43 with no strategic
  users, 0.54 and 0.62 with a quarter and a half, 0.49 with three quarters,
  every interval overlapping the others.

- ``cold_start_equilibrium``: minority users' share of minority-genre
  recommendations, utility, distortion on mainstream menu items and sincere
  engagement per intervention, for the three regimes; the title states how
  many runs reached the fixed point (residual ``<= 1e-10``), the largest
  residual and the median iterations. With no intervention, strategic
  minorities push their signals on the mainstream menu items down (about -0.35
  at ``--quick`` scale: they accentuate their difference); a naive platform
  then serves them their genre more than sincere ones (0.91 against 0.66 at
  ``--quick`` scale), and the equilibrium platform, which knows what each
  type does, more still (0.98). The personalised menu serves sincere
  minorities about as well as strategizing does without it; the prior weight
  lowers every regime's personalisation.

In every figure the colour is the users' behaviour (naive or strategic, the
toolkit's colours) and the line style their type (minority solid, mainstream
dashed); bands are 95% intervals over replications inside the metric's support
(:mod:`sim.intervals`), and the legends state the method and n. Where every
replication gives the same share (mainstream users served their genre), the
band is that point, not the Wilson interval of one 0/1 outcome per
replication. The ``--quick`` figures (4 replications of 50 users; spillover
shares 0 and 0.5 only) show the cold-start, exaggeration, welfare and equilibrium findings;
they cannot show the spillover effect on naive minorities, which is within the
noise even at full scale.

Run it with ``stratsim run cold_start`` or ``python -m scenarios.cold_start``.

Examples
--------
>>> import numpy as np
>>> p = SCENARIO.make_params({"n_users": 12}, quick=True)
>>> rows = run_horizon(HORIZON_STUDY.make_cell(p, {"horizon": 1}), np.random.default_rng(0))
>>> {"own_genre_share", "exaggeration", "utility"} <= {r["metric"] for r in rows}
True
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.strategic import (
    EngagementModel,
    NaiveUser,
    PlatformBelief,
    StrategicUser,
    UserModel,
    default_types,
    make_catalog,
    make_platform,
    metric_rows,
    sample_users,
    simulate_population,
    type_profiles,
)
from agents.strategic.equilibrium import ColdStartGame, cold_start_menu, naive_platform, sincere_play, solve_equilibrium
from sim.plotting import color, error_bars, interval_note, new_figure, plot_summaries, save_figure
from sim.random import spawn
from sim.registry import check_policy_name
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_choice, check_int, check_probability, check_real

__all__ = ["EQUILIBRIUM_STUDY", "HORIZON_STUDY", "INTERVENTIONS", "REGIMES", "SCENARIO", "SPILLOVER_STUDY", "STUDIES",
           "EquilibriumCell", "HorizonCell", "Params", "SpilloverCell", "plot", "run_equilibrium", "run_horizon",
           "run_spillover"]

STUDIES = ("horizon", "spillover", "equilibrium")
#: Interventions of the equilibrium study (Haupt et al.'s three, as :mod:`agents.strategic.equilibrium` reads them).
INTERVENTIONS = ("none", "prior", "ignore_mainstream", "personalized_menu")
#: How users and the platform play in the equilibrium study.
REGIMES = ("sincere", "naive_platform", "equilibrium")


@dataclass(frozen=True)
class _Population:
    """What both studies' runs share: catalog, population, platform (see :class:`Params`)."""

    n_items: int = 10
    catalog_noise: float = 0.3
    n_users: int = 200
    sessions: int = 3
    session_length: int = 5
    arrival_rate: float = 1.0
    return_time: float = 20.0
    alpha: float = 0.5
    noise: float = 0.4
    pseudo_count: float = 10.0
    like_at: float = 1.2
    gamma: float = 0.9
    platform: str = "rec.greedy"

    def __post_init__(self):
        _check_population(self)


@dataclass(frozen=True)
class HorizonCell(_Population):
    """One run of the horizon study: everyone plans with ``horizon`` (0: everyone naive)."""

    horizon: int = 0

    def __post_init__(self):
        super().__post_init__()
        check_int("horizon", self.horizon, low=0)


@dataclass(frozen=True)
class SpilloverCell(_Population):
    """One run of the spillover study: a random ``strategic_share`` of users plans with ``spill_horizon``."""

    strategic_share: float = 0.0
    spill_horizon: int = 2

    def __post_init__(self):
        super().__post_init__()
        check_probability("strategic_share", self.strategic_share)
        check_int("spill_horizon", self.spill_horizon, low=0)


@dataclass(frozen=True)
class EquilibriumCell(_Population):
    """One run of the equilibrium study: the cold-start game under one ``intervention``, in every regime."""

    intervention: str = "none"
    menu_size: int = 2
    rounds: int = 5
    prior_weight: float = 0.5
    temperature: float = 0.02

    def __post_init__(self):
        super().__post_init__()
        check_choice("intervention", self.intervention, INTERVENTIONS)
        check_int("menu_size", self.menu_size, low=1, high=min(3, self.n_items))
        check_int("rounds", self.rounds, low=1)
        check_probability("prior_weight", self.prior_weight)
        check_real("temperature", self.temperature, low=0.0)


def _check_population(p) -> None:
    check_int("n_items", p.n_items, low=2)
    check_real("catalog_noise", p.catalog_noise, low=0.0)
    check_int("n_users", p.n_users, low=2)
    check_int("sessions", p.sessions, low=1)
    check_int("session_length", p.session_length, low=1)
    check_real("arrival_rate", p.arrival_rate, low=0.0, low_open=True)
    check_real("return_time", p.return_time, low=0.0, low_open=True)
    check_probability("alpha", p.alpha)
    check_real("noise", p.noise, low=0.0, low_open=True)
    check_real("pseudo_count", p.pseudo_count, low=0.0, low_open=True)
    EngagementModel(like_at=p.like_at)
    check_probability("gamma", p.gamma)
    check_policy_name("platform", p.platform, "recommender")


@dataclass(frozen=True)
class Params:
    """Settings of the cold-start scenario.

    Attributes
    ----------
    n_items : int
        Catalog size (>= 2; 30% minority items).
    catalog_noise : float
        Feature noise of the items around their genre (>= 0); small values
        give a crisp genre structure.
    n_users : int
        Population size (>= 2).
    sessions, session_length : int
        Visits per user and recommendations per visit (>= 1).
    arrival_rate : float
        Rate of first arrivals (> 0).
    return_time : float
        Mean absence between visits (> 0).
    alpha : float
        The platform's weight on explicit signals, in [0, 1].
    noise : float
        Signal noise the platform assumes in its type posterior (> 0).
    pseudo_count : float
        Weight of the initial profiles in population learning (> 0).
    like_at : float
        Natural like threshold.
    gamma : float
        Discount factor, in [0, 1].
    platform : str
        The platform's rule: a registered policy of domain ``"recommender"``.
    horizons : tuple of int
        Horizons of the horizon study (0 = naive; its grid).
    strategic_shares : tuple of float
        Shares of strategic users in the spillover study (its grid).
    spill_horizon : int
        Horizon of strategic users in the spillover study.
    interventions : tuple of str
        Interventions of the equilibrium study (its grid; see :data:`INTERVENTIONS`).
    menu_size : int
        Cold-start items of the equilibrium study (1 to 3).
    rounds : int
        Recommendation-phase steps of the equilibrium study (>= 1).
    prior_weight : float
        Weight of the prior under the ``prior`` intervention, in [0, 1].
    temperature : float
        Users' logit temperature in the equilibrium study (>= 0; 0: best responses).
    studies : tuple of str
        Studies run (see :data:`STUDIES`).
    """

    n_items: int = 10
    catalog_noise: float = 0.3
    n_users: int = 200
    sessions: int = 3
    session_length: int = 5
    arrival_rate: float = 1.0
    return_time: float = 20.0
    alpha: float = 0.5
    noise: float = 0.4
    pseudo_count: float = 10.0
    like_at: float = 1.2
    gamma: float = 0.9
    platform: str = "rec.greedy"
    horizons: tuple[int, ...] = (0, 1, 2, 3)
    strategic_shares: tuple[float, ...] = (0.0, 0.25, 0.5, 0.75, 1.0)
    spill_horizon: int = 2
    interventions: tuple[str, ...] = INTERVENTIONS
    menu_size: int = 2
    rounds: int = 5
    prior_weight: float = 0.5
    temperature: float = 0.02
    studies: tuple[str, ...] = STUDIES

    def __post_init__(self):
        _check_population(self)
        for i in self.interventions:
            check_choice("interventions", i, INTERVENTIONS)
        check_int("menu_size", self.menu_size, low=1, high=min(3, self.n_items))
        check_int("rounds", self.rounds, low=1)
        check_probability("prior_weight", self.prior_weight)
        check_real("temperature", self.temperature, low=0.0)
        for h in self.horizons:
            check_int("horizons", h, low=0)
        check_int("spill_horizon", self.spill_horizon, low=0)
        for s in self.strategic_shares:
            check_probability("strategic_shares", s)
        for s in self.studies:
            check_choice("studies", s, STUDIES)


def run_horizon(cell: HorizonCell, rng: np.random.Generator) -> list[dict]:
    """One population run of the horizon study (see :func:`_run`)."""
    return _run(cell, rng, cell.horizon, lambda n: np.full(n, cell.horizon > 0))


def run_spillover(cell: SpilloverCell, rng: np.random.Generator) -> list[dict]:
    """One population run of the spillover study (see :func:`_run`)."""
    return _run(cell, rng, cell.spill_horizon, lambda n: rng.random(n) < cell.strategic_share)


def _run(params, rng, horizon, choose_strategic) -> list[dict]:
    """One population run: per-type metrics, and the own-genre share per step since arrival.

    ``choose_strategic(n_users)`` marks the users who plan with ``horizon``.
    """
    catalog = make_catalog(params.n_items, noise=params.catalog_noise, rng=rng)
    types = default_types()
    type_idx, thetas = sample_users(types, params.n_users, rng=rng)
    engagement = EngagementModel(like_at=params.like_at)
    profiles, shares = type_profiles(catalog, types, alpha=params.alpha, engagement=engagement)
    # child streams by SeedSequence.spawn (never seeds drawn from rng)
    platform_rng, population_rng = spawn(rng, 2)
    platform = make_platform(params.platform, profiles, type_prior=shares, learn=True,
                             pseudo_count=params.pseudo_count, rng=platform_rng,
                             options={"alpha": params.alpha, "noise": params.noise})
    policy = platform.policy
    strategic = choose_strategic(params.n_users)
    users = []
    for theta, s in zip(thetas, strategic):
        model = UserModel.from_preferences(catalog, theta, engagement=engagement)
        if s and horizon > 0:
            users.append(StrategicUser(model, PlatformBelief.of(platform), horizon=horizon, gamma=params.gamma))
        else:
            users.append(NaiveUser(model))
    log = simulate_population(users, platform, arrival_rate=params.arrival_rate,
                              session_length=params.session_length, sessions=params.sessions,
                              return_time=params.return_time, rng=population_rng)

    # the user's own genre is the genre its type likes: genre 0 for mainstream, 1 for minority
    own_genre = np.where(type_idx == 0, 0, 1)
    u = log.user
    own = (catalog.genres[log.item] == own_genre[u]).astype(float)
    sincere = log.sincere_signal  # natural engagement with the same items, as the platform would read it
    m_own = profiles[type_idx[u], log.item]
    m_other = profiles[1 - type_idx[u], log.item]
    inv = 1.0 / (2 * params.noise**2)

    def evidence(s):
        return ((s - m_other) ** 2 - (s - m_own) ** 2) * inv

    exaggeration = evidence(log.signal) - evidence(sincere)
    distortion = log.signal - sincere
    mainstream_item = catalog.genres[log.item] == 0
    step = log.session * params.session_length + log.step

    per_user, names, kinds = [], [], []
    for i in range(params.n_users):
        sel = u == i
        main = sel & mainstream_item
        post = policy.type_posterior(platform.state(i).state, platform.view(i))[type_idx[i]]
        per_user.append({
            "own_genre_share": float(own[sel].mean()),
            "exaggeration": float(exaggeration[sel].mean()),
            "mainstream_distortion": float(distortion[main].mean()) if main.any() else float("nan"),
            "utility": float(log.utility[sel].mean()),
            "type_posterior": float(post),
            # what the platform read, and what natural engagement with the same items would have given
            "signal_engagement": float(log.signal[sel].mean()),
            "sincere_engagement": float(sincere[sel].mean()),
        })
        names.append(types[type_idx[i]].name)
        kinds.append("strategic" if strategic[i] and horizon > 0 else "naive")
    rows = []
    for kind in ("naive", "strategic"):
        idx = [i for i, k in enumerate(kinds) if k == kind]
        rows += metric_rows([per_user[i] for i in idx], [names[i] for i in idx], behaviour=kind)
        for t in range(params.sessions * params.session_length):
            for g, t_ in enumerate(types):
                sel = (step == t) & (type_idx[u] == g) & np.isin(u, idx)
                if sel.any():
                    rows.append({"metric": "own_genre_share_by_step", "value": float(own[sel].mean()),
                                 "user_type": t_.name, "behaviour": kind, "t": t})
    return rows


def run_equilibrium(cell: EquilibriumCell, rng: np.random.Generator) -> list[dict]:
    """One cold-start game (:mod:`agents.strategic.equilibrium`) under ``cell.intervention``, in every regime.

    The catalog and the users are drawn as in the other studies. The platform
    knows each type's mean item values (at the type's centroid) and shares.
    Rows per regime (:data:`REGIMES`) and user type: ``own_genre_share`` (of
    the recommendation phase), ``type_posterior`` (expected posterior on the
    true type), ``utility`` (per step, both phases), ``exaggeration`` and
    ``mainstream_distortion`` on the menu items (as in the horizon study),
    ``sincere_engagement`` and ``signal_engagement``; and per run the
    fixed point's ``iterations``, ``residual`` and ``converged`` (regime
    ``equilibrium``), and the naive platform's ``residual`` (how far its
    beliefs are from consistent with the strategies it meets).
    """
    catalog = make_catalog(cell.n_items, noise=cell.catalog_noise, rng=rng)
    types = default_types()
    type_idx, thetas = sample_users(types, cell.n_users, rng=rng)
    engagement = EngagementModel(like_at=cell.like_at)
    type_values = np.array([catalog.values(t.centroid) for t in types])
    shares = np.array([t.share for t in types])
    kind = "types" if cell.intervention == "personalized_menu" else "popular"
    menu = cold_start_menu(type_values, shares, cell.menu_size, kind=kind)
    ignored = [k for k in menu if catalog.genres[k] == 0] if cell.intervention == "ignore_mainstream" else []
    game = ColdStartGame(thetas @ catalog.features.T, type_idx, type_values, menu=menu, type_shares=shares,
                         engagement=engagement, alpha=cell.alpha, noise=cell.noise, rounds=cell.rounds,
                         prior_weight=cell.prior_weight if cell.intervention == "prior" else 0.0,
                         ignored=ignored, temperature=cell.temperature)
    profiles, _ = type_profiles(catalog, types, alpha=cell.alpha, engagement=engagement)
    own_genre = np.where(type_idx == 0, 0, 1)
    mainstream_menu = catalog.genres[list(menu)] == 0
    inv = 1.0 / (2 * cell.noise**2)
    m_own, m_other = profiles[type_idx][:, menu], profiles[1 - type_idx][:, menu]

    def evidence(s):
        return (((s - m_other) ** 2 - (s - m_own) ** 2) * inv).mean(axis=1)

    solved = {"sincere": sincere_play(game), "naive_platform": naive_platform(game),
              "equilibrium": solve_equilibrium(game)}
    names = [types[i].name for i in type_idx]
    rows = []
    for regime, eq in solved.items():
        out = eq.outcome()
        own = out.recommended[:, catalog.genres == 0].sum(axis=1)
        own = np.where(own_genre == 0, own, 1.0 - own)
        distortion = out.signals - out.sincere
        per_user = [{
            "own_genre_share": float(own[u]),
            "type_posterior": float(out.posterior[u, type_idx[u]]),
            "utility": float(out.utility[u]),
            "exaggeration": float(evidence(out.signals)[u] - evidence(out.sincere)[u]),
            "mainstream_distortion": (float(distortion[u, mainstream_menu].mean()) if mainstream_menu.any()
                                      else float("nan")),
            "sincere_engagement": float(out.sincere_engagement[u]),
            "signal_engagement": float(out.signal_engagement[u]),
        } for u in range(cell.n_users)]
        rows += metric_rows(per_user, names, regime=regime)
        if regime != "sincere":
            rows.append({"metric": "residual", "value": eq.residual, "user_type": "all", "regime": regime})
    eq = solved["equilibrium"]
    rows += [{"metric": "iterations", "value": float(eq.iterations), "user_type": "all", "regime": "equilibrium"},
             {"metric": "converged", "value": float(eq.converged), "user_type": "all", "regime": "equilibrium"}]
    return rows


#: Line style and marker of each user type; the colour is the user's behaviour (naive / strategic).
_TYPE_STYLE = {"minority": ("-", "o"), "mainstream": ("--", "s")}
_HORIZON_LABEL = "planning horizon $H$ (steps; 0 = naive)"


def _point_where_constant(s):
    """``s`` with a zero-width interval where every replication has the same value.

    A share that is the same in every replication (mainstream users served
    their genre at every step) has no spread: every bootstrap resample has that
    mean, so its bootstrap interval is the point. The toolkit's default there
    is a Wilson interval, which treats each replication as one 0/1 outcome
    (down to 0.44 for three 1.0 values); the mean of a population's shares is not one.
    """
    same = np.array([v.size >= 3 and np.ptp(v) == 0 for v in s.values], dtype=bool) & (s.method == "wilson")
    if not same.any():
        return s
    return dataclasses.replace(s, lo=np.where(same, s.mean, s.lo), hi=np.where(same, s.mean, s.hi),
                               method=np.where(same, "bca", s.method))


def _draw(ax, s, *, text, role, user_type):
    """Draw summary ``s`` in the colour of ``role`` and the line style of ``user_type``; return what was drawn."""
    s = _point_where_constant(s)
    linestyle, marker = _TYPE_STYLE[user_type]
    plot_summaries(ax, [s], colors={s.label: color(role)}, labels={s.label: text}, linestyle=linestyle,
                   marker=marker)
    if s.x.size == 1 and s.n[0] >= 3:  # a band over one point has no width: its interval as an error bar
        ax.errorbar(s.x, s.mean, yerr=[s.mean - s.lo, s.hi - s.mean], fmt="none", ecolor=color(role), capsize=3)
    return s


def _legend(ax, summaries, **kwargs) -> None:
    ax.legend(fontsize=8, title=interval_note(summaries), title_fontsize=8, **kwargs)


def _against_horizon(ax, strat, metric) -> None:
    """``metric`` per user type against the horizon (strategic users; ``H = 0``: the naive population)."""
    summaries = strat.filter(user_type=("mainstream", "minority")).summary(x="horizon", metric=metric,
                                                                            by="user_type")
    _legend(ax, [_draw(ax, s, text=f"{s.label} users", role="strategic", user_type=s.label) for s in summaries])


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw the figures described in the module docstring."""
    paths = []
    hor = results.filter(study="horizon")
    if hor.rows:
        top = max(hor.unique("horizon"))
        fig, ax = new_figure()
        shown = []
        for tname in ("minority", "mainstream"):
            for kind in ("naive", "strategic"):
                sub = hor.filter(metric="own_genre_share_by_step", user_type=tname, behaviour=kind,
                                 horizon=0 if kind == "naive" else top)
                if sub.rows:
                    (s,) = sub.summary(x="t", metric="own_genre_share_by_step")
                    text = f"{tname}, {kind}" + (f" ($H$ = {top})" if kind == "strategic" else "")
                    shown.append(_draw(ax, s, text=text, role=kind, user_type=tname))
        ax.set(xlabel="recommendations since first arrival (steps)",
               ylabel="share of recommendations from own genre",
               title="Cold start: how fast each type reaches its own content")
        ax.set_ylim(-0.03, 1.03)
        _legend(ax, shown, loc="lower right")
        paths += save_figure(fig, out_dir, "cold_start_share")

        fig, (ax1, ax2) = new_figure(1, 2)
        # the curves against H start from the all-naive population at H = 0
        strat = Results(hor.filter(behaviour="strategic").rows + hor.filter(horizon=0, behaviour="naive").rows,
                        hor.supports)
        _against_horizon(ax1, strat, "exaggeration")
        ax1.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
        ax1.set(xlabel=_HORIZON_LABEL, ylabel="extra type evidence per step (log-likelihood ratio)",
                title="Exaggerating the difference from the other type")
        summaries = strat.filter(user_type="minority").summary(x="horizon", metric="mainstream_distortion",
                                                               by="user_type")
        _legend(ax2, [_draw(ax2, s, text="minority users", role="strategic", user_type="minority")
                      for s in summaries])
        ax2.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
        ax2.set(xlabel=_HORIZON_LABEL, ylabel="signal minus sincere signal on mainstream items",
                title="Minorities avoid mainstream content")
        for ax in (ax1, ax2):
            ax.set_xticks(hor.unique("horizon"))
        paths += save_figure(fig, out_dir, "cold_start_exaggeration")

    spill = results.filter(study="spillover", user_type=("mainstream", "minority"), metric="own_genre_share")
    eqm = results.filter(study="equilibrium")
    if eqm.rows:
        paths += _plot_equilibrium(eqm, out_dir)
    if not (hor.rows or spill.rows):
        return paths
    fig, axes = new_figure(1, 3)
    if hor.rows:
        for ax, metric, label in ((axes[0], "utility", "utility per step"),
                                  (axes[1], "type_posterior", "platform's final posterior on the true type")):
            _against_horizon(ax, strat, metric)
            ax.set(xlabel=_HORIZON_LABEL, ylabel=label)
            ax.set_xticks(hor.unique("horizon"))
        axes[0].set_title("Welfare by type (strategic users)")
        axes[1].set_title("Is the user recognised?")
        axes[1].set_ylim(top=1.02)
    if spill.rows:
        shown = []
        for tname in ("minority", "mainstream"):
            for kind in ("naive", "strategic"):
                sub = spill.filter(user_type=tname, behaviour=kind)
                if sub.rows:
                    (s,) = sub.summary(x="strategic_share", metric="own_genre_share")
                    shown.append(_draw(axes[2], s, text=f"{tname}, {kind}", role=kind, user_type=tname))
        axes[2].set(xlabel="share of users who plan (strategic)", ylabel="share of own-genre recommendations",
                    title="Spillover: others' strategies")
        axes[2].set_ylim(-0.03, 1.03)
        _legend(axes[2], shown, loc="lower left")
    paths += save_figure(fig, out_dir, "cold_start_welfare")
    return paths


#: Legend text, colour role and hatch of each regime: the colour is the users' behaviour, the hatch
#: tells the naive platform from the equilibrium one.
_REGIME_STYLE = {"sincere": ("platform: naive, users: naive (sincere)", "naive", None),
                 "naive_platform": ("platform: naive, users: strategic", "strategic", "//"),
                 "equilibrium": ("platform: equilibrium beliefs, users: strategic", "strategic", None)}
_INTERVENTION_LABEL = {"none": "no intervention", "prior": "(1) prior in\nrecommendations",
                       "ignore_mainstream": "(2) mainstream\nnot used", "personalized_menu": "(3) personalised\nmenu"}


def _convergence_note(eqm) -> str:
    conv = eqm.filter(metric="converged", regime="equilibrium").rows
    res = [r["value"] for r in eqm.filter(metric="residual", regime="equilibrium").rows]
    its = [r["value"] for r in eqm.filter(metric="iterations", regime="equilibrium").rows]
    if not conv:
        return ""
    return (f"fixed point reached (residual <= 1e-10) in {int(sum(r['value'] for r in conv))} of {len(conv)} "
            f"runs; max residual {max(res):.1g}, median {float(np.median(its)):.0f} iterations")


def _plot_equilibrium(eqm, out_dir) -> list:
    interventions = [i for i in INTERVENTIONS if i in eqm.unique("intervention")]
    pos = {c: i for i, c in enumerate(interventions)}
    rows = [dict(r, position=pos[r["intervention"]]) for r in eqm.filter(user_type="minority").rows]
    sub = Results(rows, eqm.supports)
    fig, axes = new_figure(2, 2, width=12, height=8.4)
    panels = (("own_genre_share", "share of minority-genre recommendations", "Minority users served their genre"),
              ("utility", "utility per step (both phases)", "Minority users' utility"),
              ("mainstream_distortion", "signal minus sincere signal on mainstream menu items",
               "Minorities avoid mainstream content"),
              ("sincere_engagement", "sincere engagement per step", "What minority users really engage with"))
    regimes = [r for r in REGIMES if r in eqm.unique("regime")]
    width = 0.8 / len(regimes)
    for ax, (metric, ylabel, title) in zip(axes.flat, panels):
        summaries = {s.label: _point_where_constant(s)
                     for s in sub.filter(metric=metric).summary(x="position", metric=metric, by="regime")}
        shown = []
        for j, regime in enumerate(regimes):
            if regime not in summaries:
                continue
            s = summaries[regime]
            text, role, hatch = _REGIME_STYLE[regime]
            x = s.x + (j - (len(regimes) - 1) / 2) * width
            ax.bar(x, s.mean, width, color=color(role), hatch=hatch, edgecolor="white", label=text)
            error_bars(ax, x, s)
            shown.append(s)
        ax.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
        ax.set_xticks(np.arange(len(interventions)), [_INTERVENTION_LABEL[i] for i in interventions], fontsize=8)
        ax.set(ylabel=ylabel, title=title)
        bottom, top = ax.get_ylim()
        ax.set_ylim(bottom, top + 0.3 * (top - bottom))  # room for the legend
        if shown:
            _legend(ax, shown, loc="upper left", ncol=1)
    fig.suptitle("Cold-start game (Haupt et al.): naive platform vs equilibrium beliefs, minority users\n"
                 + _convergence_note(eqm), fontsize=10)
    return save_figure(fig, out_dir, "cold_start_equilibrium")


#: What each metric can be: shares and the posterior in [0, 1]; the evidence, distortion and
#: utility are differences or values without bounds; signals (explicit in {-1, 0, 1}, dwell in [0, 1]) in [-1, 1].
_SUPPORTS = {"own_genre_share": "share", "own_genre_share_by_step": "share", "type_posterior": "probability",
             "exaggeration": "unbounded", "mainstream_distortion": "unbounded", "utility": "unbounded",
             "sincere_engagement": (-1, 1), "signal_engagement": (-1, 1)}

HORIZON_STUDY = Study(
    "horizon", cell=HorizonCell, run=run_horizon, sweeps={"horizon": "horizons"},
    metrics=_SUPPORTS, headline=("own_genre_share",),
    grid=lambda p: [{"horizon": h} for h in p.horizons] if "horizon" in p.studies else [],
    description="Everyone naive, or everyone planning with horizon H.")
SPILLOVER_STUDY = Study(
    "spillover", cell=SpilloverCell, run=run_spillover, sweeps={"strategic_share": "strategic_shares"},
    metrics=_SUPPORTS, headline=("own_genre_share",),
    grid=lambda p: [{"strategic_share": s} for s in p.strategic_shares] if "spillover" in p.studies else [],
    description="A random share of strategic users among naive ones.")

#: The equilibrium study's metrics: the same as above, and the fixed point's residual, a difference of
#: probabilities.
_EQ_SUPPORTS = dict(_SUPPORTS, residual=(0, 1), iterations="nonnegative", converged="share")

EQUILIBRIUM_STUDY = Study(
    "equilibrium", cell=EquilibriumCell, run=run_equilibrium, sweeps={"intervention": "interventions"},
    metrics=_EQ_SUPPORTS, headline=("own_genre_share",),
    grid=lambda p: [{"intervention": i} for i in p.interventions] if "equilibrium" in p.studies else [],
    description="The cold-start signalling game: sincere users, a naive platform, the equilibrium; "
                "under each intervention.")

SCENARIO = Scenario(
    name="cold_start",
    description="Population of mainstream and minority users: strategic users exaggerate their "
                "difference to escape the cold start.",
    params=Params,
    studies=(HORIZON_STUDY, SPILLOVER_STUDY, EQUILIBRIUM_STUDY),
    plot=plot,  # the welfare figure draws on both studies
    # 4 replications for intervals; the spillover study's costliest cell (everyone strategic) is left out
    # so the quick run stays about 1.5x its former 2-replication time
    quick={"n_users": 50, "horizons": (0, 1, 2), "strategic_shares": (0.0, 0.5)},
    replications=10,
    quick_replications=4,
)

SCENARIO.run_if_main(__name__)
