r"""Learning a stable matching with transfers: regret against T, market size and structure.

Model (Jagadeesan et al. 2021; REFERENCE section 1). A platform repeatedly
matches customers and providers whose pair utilities in [-1, 1] it does not
know, sets zero-sum transfers, and observes each matched agent's utility plus
Gaussian noise (scale ``sigma``). Its regret after :math:`T` rounds is
:math:`R_T = \sum_t I(X_t, \tau_t; u)`, the Subset Instability of the played
outcomes on the true utilities; the welfare regret
:math:`\sum_t \max_X W(X) - W(X_t)` is a lower bound. MatchUCB's regret is
:math:`O(|A|^{3/2}\sqrt{T \log(|A| T)})`, so on log-log axes its slope against
:math:`T` is about 1/2; explore-then-commit and epsilon-greedy tuned the
classical way grow like :math:`T^{2/3}`.

Three studies (the ``study`` column), each with its own cells:

* ``horizon``: every learner in ``learners`` at each ``T`` in ``horizons`` on the
  default ``size`` x ``size`` unstructured market (each run knows its horizon,
  as the algorithms require);
* ``size``: the ``size_learners`` at ``T = size_horizon`` for each market size in
  ``sizes`` (:math:`|A| = 2 \times` size);
* ``point``: each of ``point_learners`` pricing at each core point in
  ``points`` (customer-optimal, provider-optimal, their midpoint, the solver's
  dual; see :mod:`agents.matching.learners`) at ``T = size_horizon`` on the
  default market: the same matchings, each side's payoffs and the regret
  (figure ``matching_regret_payoffs_by_point``);
* ``structure``: on ``structure_size`` x ``structure_size`` markets with
  unstructured, typed (``types`` types per side) and separable linear
  (``dim``-dimensional features) preferences, MatchUCB against every
  registered learner whose ``spec.needs`` the market provides (read from the
  environment: capabilities as data, no list of names).

Learners are registry names of domain ``"matching"`` (``stratsim list
--policies``), including those of outside packages registered under the
``stratsim.policies`` entry point; each is built by
:func:`sim.registry.make_policy` for the run's :class:`~agents.matching.envs.BanditEnv`
(sizes, types, features and ``sigma`` from the environment, ``c`` and
``point`` where the learner takes them) with its own child stream
(:func:`sim.random.spawn`).

Markets are fixed instances (``random_market`` seeded by ``market_seed``; with
the defaults the ``horizon`` study runs on ``random_market()``, the package's
default market), so
replications differ only in the feedback noise and the learners' own
randomness. Defaults: ``sigma = 0.5``; confidence widths
:math:`c\,\sigma\sqrt{\log(|A|T)/n}` with ``c = "hoeffding"``
(:math:`\sqrt 2`: Hoeffding's width for the market's noise; ``c = "paper"``
is the paper's 8, which only scales MatchUCB's regret up); every learner prices
at the ``"midpoint"`` of the core of its estimated market (lowest regret of the
four points for every learner, see the ``point`` study and
:mod:`agents.matching.learners`). The regret grows with :math:`|A|` for every
learner, typed ones included (pooling by type lowers it but does not make it
independent of :math:`|A|`).

Figures: each learner in its colour (:func:`sim.plotting.color`), mean and
an interval inside what the quantity can be (regrets are non-negative: log-scale
t intervals) over the replications, n stated in each legend. A slope is fitted
(least squares on the log-log means, :func:`fit_slope_ci`) only on three or
more horizons or sizes, and shown with its 95% confidence interval. The quick
scale (``--quick``: horizons 250 to 4000, sizes 3 to 12, 5 replications; the
runs are cheap once the learners are compiled) shows MatchUCB's slope near 1/2
against about 2/3 for explore-then-commit and epsilon-greedy, MatchUCB
overtaking both by ``T = 4000``, and the typed and linear learners' lower regret
on their structures. Each market size is its own random instance, so the slope
against :math:`|A|` has a wide interval at either scale.

Run it with ``stratsim run matching_regret`` or ``python -m scenarios.matching_regret``.

Examples
--------
>>> import numpy as np
>>> rows = run_cell(Cell(learner="match.ucb", T=50), np.random.default_rng(0))
>>> sorted({r["metric"] for r in rows})
['customer_payoff', 'final_instability', 'provider_payoff', 'regret', 'welfare_regret']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from numpy.typing import ArrayLike
from scipy import stats

from agents.matching import BanditEnv, random_market
from agents.matching.learners import DEFAULT_POINT, POINTS, confidence_constant
from agents.matching.loop import log_grid
from sim.environment import rollout
from sim.plotting import color, error_bars, interval_note, new_figure, plot_summaries, save_figure
from sim.random import RngLike, spawn
from sim.registry import check_policy_name, make_policy, policies
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_choice, check_int, check_real

__all__ = ["Params", "Cell", "run_cell", "SCENARIO", "SlopeFit", "fit_slope", "fit_slope_ci", "structure_learners"]

DOMAIN = "matching"
_STRUCTURES = ("unstructured", "typed", "linear")


@dataclass(frozen=True)
class Params:
    r"""Settings of the regret scenario and the lists its studies sweep.

    Attributes
    ----------
    learners : tuple of str
        Registered matching learners of the ``horizon`` study.
    horizons : tuple of int
        Horizons :math:`T` of the ``horizon`` study.
    size_learners : tuple of str
        Registered matching learners of the ``size`` study.
    sizes : tuple of int
        Market sizes (customers = providers) of the ``size`` study.
    size_horizon : int
        :math:`T` of the ``size`` and ``structure`` studies.
    structures : tuple of str
        Preference structures of the ``structure`` study.
    structure_size : int
        Market size of the ``structure`` study.
    size : int
        Market size of the ``horizon`` study (customers = providers).
    sigma : float
        Gaussian feedback noise (> 0); learners with confidence widths scale
        them by it (it is the noise's sub-Gaussian constant).
    c : float or {"hoeffding", "paper"}
        Confidence constant of the learners that take one (> 0; default
        ``"hoeffding"``, :math:`\sqrt 2`; ``"paper"`` is the paper's 8).
    point : str
        Core point every learner prices at in the ``horizon``, ``size`` and
        ``structure`` studies (default ``"midpoint"``).
    point_learners : tuple of str
        Registered matching learners of the ``point`` study.
    points : tuple of str
        Core points of the ``point`` study.
    types, dim : int
        Types per side (typed markets) and feature dimension (linear markets).
    market_seed : int
        Seed of the market instances.
    trajectory_points : int
        Points of the log grid on which the regret trajectory of the longest
        run of the ``horizon`` study is reported.
    """

    learners: tuple[str, ...] = ("match.ucb", "match.etc", "match.eps_greedy", "match.thompson")
    horizons: tuple[int, ...] = (500, 1000, 2000, 4000, 8000)
    size_learners: tuple[str, ...] = ("match.ucb", "match.etc")
    sizes: tuple[int, ...] = (3, 5, 8, 12)
    size_horizon: int = 2000
    structures: tuple[str, ...] = _STRUCTURES
    structure_size: int = 12
    size: int = 5
    sigma: float = 0.5
    c: float | str = "hoeffding"
    point: str = DEFAULT_POINT
    point_learners: tuple[str, ...] = ("match.ucb", "match.etc", "match.eps_greedy", "match.thompson")
    points: tuple[str, ...] = POINTS
    types: int = 3
    dim: int = 3
    market_seed: int = 0
    trajectory_points: int = 25

    def __post_init__(self):
        for name in self.point_learners:
            check_policy_name("point_learners", name, DOMAIN)
        for pt in (self.point, *self.points):
            check_choice("points", pt, POINTS)
        for name in self.learners:
            check_policy_name("learners", name, DOMAIN)
        for name in self.size_learners:
            check_policy_name("size_learners", name, DOMAIN)
        for T in self.horizons:
            check_int("horizons", T, low=1)
        check_int("size_horizon", self.size_horizon, low=1)
        for s in self.sizes:
            check_int("sizes", s, low=1)
        check_int("size", self.size, low=1)
        check_int("structure_size", self.structure_size, low=1)
        for s in self.structures:
            check_choice("structures", s, _STRUCTURES)
        check_real("sigma", self.sigma, low=0.0, low_open=True)
        confidence_constant(self.c)
        check_int("types", self.types, low=1)
        check_int("dim", self.dim, low=1)
        check_int("market_seed", self.market_seed, low=0)
        check_int("trajectory_points", self.trajectory_points, low=2)


@dataclass(frozen=True)
class Cell:
    """One run: a learner on one market for ``T`` rounds.

    Attributes
    ----------
    learner : str
        Registered matching learner.
    T : int
        Horizon (rounds).
    size : int
        Customers = providers.
    structure : str
        Preference structure of the market.
    trajectory : int
        Points of the log-grid regret trajectory to report (0: none).
    point : str
        Core point the learner prices at.
    sigma, c, types, dim, market_seed
        As in :class:`Params`.
    """

    learner: str = "match.ucb"
    T: int = 2000
    size: int = 5
    structure: str = "unstructured"
    trajectory: int = 0
    point: str = DEFAULT_POINT
    sigma: float = 0.5
    c: float | str = "hoeffding"
    types: int = 3
    dim: int = 3
    market_seed: int = 0

    def __post_init__(self):
        check_policy_name("learner", self.learner, DOMAIN)
        check_int("T", self.T, low=1)
        check_int("size", self.size, low=1)
        check_choice("structure", self.structure, _STRUCTURES)
        check_int("trajectory", self.trajectory, low=0)
        check_choice("point", self.point, POINTS)
        check_real("sigma", self.sigma, low=0.0, low_open=True)
        confidence_constant(self.c)
        check_int("types", self.types, low=1)
        check_int("dim", self.dim, low=1)
        check_int("market_seed", self.market_seed, low=0)


def _market(cell_or_params, size, structure):
    p = cell_or_params
    return random_market(size, size, structure=structure, rng=p.market_seed, types=p.types, dim=p.dim,
                         sigma=p.sigma)


def label(name: str) -> str:
    """Legend label of a learner: its ``spec.label`` (the name itself if it is not registered)."""
    return policies.get(name).spec.label if name in policies else name


def run_cell(cell: Cell, rng: RngLike) -> list[dict]:
    """One replication of one cell: final regrets and payoffs (plus a log-grid regret trajectory if asked)."""
    market = _market(cell, cell.size, cell.structure)
    env = BanditEnv(market, horizon=cell.T)
    (child,) = spawn(rng, 1)  # the learner's own stream; the market draws from rng itself
    learner = make_policy(cell.learner, env, horizon=cell.T, rng=child, options={"c": cell.c, "point": cell.point})
    tr = rollout(env, learner, cell.T, rng=rng)
    T = cell.T
    base = {"agents": 2 * cell.size}
    rows = [
        {**base, "metric": "regret", "value": float(tr.instability.sum())},
        {**base, "metric": "welfare_regret", "value": float(tr.welfare_regret.sum())},
        {**base, "metric": "customer_payoff", "value": float(tr.customer_payoff.mean())},
        {**base, "metric": "provider_payoff", "value": float(tr.provider_payoff.mean())},
        {**base, "metric": "final_instability", "value": float(tr.instability[-max(1, T // 10):].mean())},
    ]
    if cell.trajectory:
        cum = tr.cumulative("instability")
        for t in log_grid(T, cell.trajectory):
            rows.append({**base, "t": int(t), "metric": "regret_t", "value": float(cum[t - 1])})
    return rows


def structure_learners(params: Params, structure: str) -> list[str]:
    """MatchUCB and every registered matching learner whose ``spec.needs`` this structure's market provides."""
    provides = BanditEnv(_market(params, 1, structure)).provides
    chosen = ["match.ucb"]
    for name in policies.names(DOMAIN):
        needs = policies.get(name).spec.needs
        if needs and needs <= provides and name not in chosen:
            chosen.append(name)
    return chosen


class SlopeFit(NamedTuple):
    """A fitted log-log slope and its confidence interval (``nan`` when not fitted)."""

    slope: float
    lo: float
    hi: float
    points: int


def _positive_points(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = (x > 0) & (y > 0) & np.isfinite(x) & np.isfinite(y)
    return np.log(x[ok]), np.log(y[ok])


def fit_slope(x: ArrayLike, y: ArrayLike) -> float:
    """Least-squares slope of log y against log x (positive entries only); nan if under three points.

    Two points always lie on a line: a "slope" through them says nothing about
    a power law, so none is fitted.

    Examples
    --------
    >>> fit_slope([10, 100, 1000], [3, 30, 300])
    1.0
    >>> fit_slope([10, 100], [3, 30])
    nan
    """
    return fit_slope_ci(x, y).slope


def fit_slope_ci(x: ArrayLike, y: ArrayLike, level: float = 0.95) -> SlopeFit:
    """The slope of :func:`fit_slope` with its Student-t confidence interval (``level``), on >= 3 points.

    The interval is ``slope +- t(level, points - 2) * stderr`` of the
    least-squares fit on the log scale: with few points it is wide, as it
    should be. Under three points (positive entries) every field but
    ``points`` is nan.

    Examples
    --------
    >>> fit = fit_slope_ci([10, 100, 1000, 10000], [3, 31, 290, 3100])
    >>> round(fit.slope, 2), bool(fit.lo < fit.slope < fit.hi), fit.points
    (1.0, True, 4)
    >>> fit_slope_ci([10, 100], [3, 30]).slope
    nan
    """
    level = check_real("level", level, low=0.0, high=1.0, low_open=True, high_open=True)
    lx, ly = _positive_points(x, y)
    if np.unique(lx).size < 3:
        return SlopeFit(float("nan"), float("nan"), float("nan"), int(np.unique(lx).size))
    # ordinary least squares by hand: scipy's linregress gives no standard error for a constant y
    dx, dy = lx - lx.mean(), ly - ly.mean()
    sxx = float(dx @ dx)
    slope = float(dx @ dy) / sxx
    resid = dy - slope * dx
    stderr = float(np.sqrt(max(float(resid @ resid), 0.0) / (lx.size - 2) / sxx))
    half = float(stats.t.ppf(0.5 + level / 2, lx.size - 2)) * stderr
    slope = round(slope, 6)
    return SlopeFit(slope, slope - half, slope + half, int(lx.size))


def _slope_text(fit: SlopeFit, level: float = 0.95) -> str:
    if not np.isfinite(fit.slope):
        return ""
    return f": slope {fit.slope:.2f} ({level:.0%} CI {fit.lo:.2f} to {fit.hi:.2f})"


def _log_ticks(ax, xs, logy=True):
    """Log x axis labelled at the data's x values (minor labels would collide)."""
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sorted(xs)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _draw(ax, summaries, marker="o"):
    """Mean lines and bands of learner summaries, in each learner's colour, labelled by its spec."""
    plot_summaries(ax, summaries, marker=marker, colors=color, labels={s.label: label(s.label) for s in summaries})


def _loglog_panel(ax, summaries, xlabel, ylabel, title):
    """Log-log mean regret with bands; each learner's slope (with its CI) where it has >= 3 points."""
    xs = set()
    for s in summaries:
        xs.update(s.x.tolist())
    plot_summaries(ax, summaries, colors=color,
                   labels={s.label: label(s.label) + _slope_text(fit_slope_ci(s.x, s.mean)) for s in summaries})
    _log_ticks(ax, xs)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    _legend_below(ax, summaries)


def _legend_below(ax, summaries, title=None, ncol=1):
    """The legend under the axes: the curves fill the panel, a legend inside would hide some of them."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize="small", ncol=ncol,
              title=interval_note(summaries) if title is None else title, title_fontsize="small")


def plot_horizon(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Regret vs T (log-log, fitted slopes), each side's payoffs, the regret trajectory."""
    paths = []
    hz = results
    if hz.rows:
        fig, axes = new_figure(1, 2, height=6.0)
        _loglog_panel(axes[0], hz.summary(x="T", metric="regret", by="learner"), r"horizon $T$ (rounds)",
                      r"cumulative Subset Instability $R_T$ (utility units)", "Regret (Subset Instability)")
        _loglog_panel(axes[1], hz.summary(x="T", metric="welfare_regret", by="learner"), r"horizon $T$ (rounds)",
                      "cumulative welfare regret (utility units)", "Welfare regret")
        fig.suptitle("Learning a stable matching with transfers: regret against the horizon\n"
                     "(slope fitted to the means on log-log axes; theory: 1/2 for MatchUCB, 2/3 for "
                     "explore-then-commit and epsilon-greedy)", fontsize="medium")
        paths += save_figure(fig, out_dir, "matching_regret_vs_T")
        fig, axes = new_figure(1, 2, height=5.6)
        for ax, metric, side in ((axes[0], "customer_payoff", "customers"), (axes[1], "provider_payoff", "providers")):
            summaries = hz.summary(x="T", metric=metric, by="learner")
            _draw(ax, summaries)
            _log_ticks(ax, {x for s in summaries for x in s.x.tolist()}, logy=False)
            ax.set(xlabel=r"horizon $T$ (rounds)", ylabel=f"true payoff of all {side} per round (utility units)",
                   title=f"What the {side} get (utility + transfers)")
            _legend_below(ax, summaries, ncol=2)
        fig.suptitle("Each side's realised payoff, averaged over the run")
        paths += save_figure(fig, out_dir, "matching_regret_payoffs")
        traj = hz.filter(metric="regret_t")
        if traj.rows:
            fig, ax = new_figure(height=5.6)
            summaries = traj.summary(x="t", metric="regret_t", by="learner")
            _draw(ax, summaries, marker=None)
            ax.set(xlabel=r"round $t$", ylabel=r"cumulative Subset Instability $R_t$ (utility units)",
                   title=rf"Regret over one run of $T$ = {int(max(traj.unique('T')))} rounds")
            _legend_below(ax, summaries, ncol=2)
            paths += save_figure(fig, out_dir, "matching_regret_trajectory")
    return paths


def plot_size(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Regret against the number of agents (log-log, slopes fitted on >= 3 sizes with their CI)."""
    paths = []
    sz = results
    if sz.rows:
        fig, ax = new_figure(height=5.6)
        T = int(sz.unique("T")[0])
        _loglog_panel(ax, sz.summary(x="agents", metric="regret", by="learner"),
                      r"number of agents $|A|$ (customers + providers)",
                      r"cumulative Subset Instability $R_T$ (utility units)",
                      rf"Regret against market size at $T$ = {T}" "\n"
                      r"(MatchUCB's bound: $|A|^{3/2}$; slopes and CIs fitted to this run)")
        paths += save_figure(fig, out_dir, "matching_regret_vs_size")
    return paths


def plot_structure(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Regret of MatchUCB and the structured learners on each preference structure (one bar per run learner)."""
    paths = []
    st = results
    if st.rows:
        fig, ax = new_figure(height=5.0)
        structures = [s for s in _STRUCTURES if s in st.unique("structure")]
        found = list(st.unique("learner"))
        learners = ["match.ucb"] * ("match.ucb" in found) + sorted(lr for lr in found if lr != "match.ucb")
        # bars only for the learners a structure ran: no empty slot where a learner does not apply
        present = {s: [lr for lr in learners if st.filter(structure=s, learner=lr).rows] for s in structures}
        width = 0.8 / max(max((len(v) for v in present.values()), default=1), 1)
        summaries, labelled = [], set()
        for i, s in enumerate(structures):
            for k, lr in enumerate(present[s]):
                summ = st.filter(structure=s, learner=lr).summary(x="T", metric="regret")[0]
                summaries.append(summ)
                x = i + (k - (len(present[s]) - 1) / 2) * width
                mean = float(summ.mean[0])
                ax.bar(x, mean, width=width * 0.95, color=color(lr),
                       label=None if lr in labelled else label(lr))
                labelled.add(lr)
                if summ.has_band:
                    ax.errorbar(x, mean, yerr=[[mean - summ.lo[0]], [summ.hi[0] - mean]], color="black",
                                capsize=3, linewidth=1)
                else:  # too few replications for an interval: show each one
                    v = summ.values[0]
                    ax.plot(np.full(v.size, x), v, linestyle="none", marker=".", color="black")
        ax.set_xticks(range(len(structures)), structures)
        T = int(st.unique("T")[0])
        ax.set(xlabel="preference structure of the market",
               ylabel=r"cumulative Subset Instability $R_T$ (utility units)",
               title=rf"Using the structure: regret at $T$ = {T}")
        _legend_below(ax, summaries, title="bars and whiskers: " + interval_note(summaries), ncol=3)
        paths += save_figure(fig, out_dir, "matching_regret_structure")
    return paths


_HATCH = {"solver": "", "customer": "//", "provider": "\\\\", "midpoint": ".."}


def plot_points(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Each side's payoff and the regret under each core point, per learner (grouped bars, intervals)."""
    paths = []
    pt_rows = results
    if not pt_rows.rows:
        return paths
    learners = list(dict.fromkeys(pt_rows.unique("learner")))
    points = [x for x in POINTS if x in pt_rows.unique("point")]
    width = 0.8 / len(points)
    fig, axes = new_figure(1, 3, height=5.6)
    panels = (("customer_payoff", "true payoff of all customers per round", "What the customers get"),
              ("provider_payoff", "true payoff of all providers per round", "What the providers get"),
              ("regret", r"cumulative Subset Instability $R_T$", "Regret"))
    summaries = []
    for ax, (metric, ylabel, title) in zip(axes, panels):
        for k, pt in enumerate(points):
            for i, lr in enumerate(learners):
                summ = pt_rows.filter(learner=lr, point=pt).summary(x="T", metric=metric)[0]
                summaries.append(summ)
                x = i + (k - (len(points) - 1) / 2) * width
                ax.bar(x, float(summ.mean[0]), width=width * 0.95, color=color(f"point.{pt}"), hatch=_HATCH[pt],
                       edgecolor="black", linewidth=0.5, label=pt if (ax is axes[0] and i == 0) else None)
                error_bars(ax, [x], summ)
        ax.set_xticks(range(len(learners)), [label(lr) for lr in learners], rotation=20, ha="right")
        ax.set(ylabel=f"{ylabel} (utility units)", title=title)
        ax.axhline(0.0, color="black", linewidth=0.6)
    axes[1].legend(*axes[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, -0.2),
                   ncol=len(points), fontsize="small",
                   title="core point priced at; whiskers: " + interval_note(summaries), title_fontsize="small")
    T = int(pt_rows.unique("T")[0])
    fig.suptitle(rf"Which core point the transfers price at ($T$ = {T}): the same matchings, surplus moved "
                 "between the sides", fontsize="medium")
    paths += save_figure(fig, out_dir, "matching_regret_payoffs_by_point")
    return paths


def _horizon_grid(p: Params) -> list[dict]:
    longest = max(p.horizons)
    return [{"learner": lr, "T": T, "trajectory": p.trajectory_points if T == longest else 0, "point": p.point}
            for lr in p.learners for T in p.horizons]


def _size_grid(p: Params) -> list[dict]:
    return [{"learner": lr, "T": p.size_horizon, "size": s, "point": p.point} for lr in p.size_learners
            for s in p.sizes]


def _structure_grid(p: Params) -> list[dict]:
    return [{"learner": lr, "T": p.size_horizon, "size": p.structure_size, "structure": s, "point": p.point}
            for s in p.structures for lr in structure_learners(p, s)]


def _point_grid(p: Params) -> list[dict]:
    return [{"learner": lr, "T": p.size_horizon, "size": p.size, "point": pt} for lr in p.point_learners
            for pt in p.points]


# Regrets and instabilities are sums of non-negative terms; a side's payoff includes transfers and can be negative.
_SUPPORTS = {"regret": "nonnegative", "regret_t": "nonnegative", "welfare_regret": "nonnegative",
             "final_instability": "nonnegative", "customer_payoff": "unbounded", "provider_payoff": "unbounded"}

HORIZON = Study("horizon", cell=Cell, run=run_cell, grid=_horizon_grid, plot=plot_horizon,
                sweeps={"learner": "learners", "T": "horizons", "trajectory": "trajectory_points"},
                description="Every learner at each horizon on the default unstructured market.",
                metrics=_SUPPORTS, headline=("regret",))
SIZE = Study("size", cell=Cell, run=run_cell, grid=_size_grid, plot=plot_size,
             sweeps={"learner": "size_learners", "T": "size_horizon", "size": "sizes"},
             description="Regret against the market size at one horizon.", metrics=_SUPPORTS, headline=("regret",))
POINT = Study("point", cell=Cell, run=run_cell, grid=_point_grid, plot=plot_points,
              sweeps={"learner": "point_learners", "T": "size_horizon", "size": "size", "point": "points"},
              description="Each learner pricing at each core point: each side's payoffs and the regret.",
              metrics=_SUPPORTS, headline=("regret",))
STRUCTURE = Study("structure", cell=Cell, run=run_cell, grid=_structure_grid, plot=plot_structure,
                  sweeps={"T": "size_horizon", "size": "structure_size", "structure": "structures"},
                  description="MatchUCB against the learners that use the market's structure.",
                  metrics=_SUPPORTS, headline=("regret",))

SCENARIO = Scenario(
    name="matching_regret",
    description="Bandit learning of stable matchings with transfers: Subset Instability regret vs T, |A|, structure.",
    params=Params,
    studies=(HORIZON, SIZE, STRUCTURE, POINT),
    # The runs are cheap once the learners are compiled (compiling dominates a quick run), so the quick
    # scale keeps horizons and sizes long and wide enough for the slopes and the MatchUCB/ETC crossing.
    quick={"horizons": (250, 500, 1000, 2000, 4000), "size_horizon": 1000, "structure_size": 8,
           "trajectory_points": 15},
    replications=10,
    quick_replications=5,
)

SCENARIO.run_if_main(__name__)
