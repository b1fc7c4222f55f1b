"""Ski rental with predictions: Purohit et al.'s Figure 2a, the trade-off frontier, and learning.

Model. Renting costs 1 a day, buying costs ``b``; a season lasts ``x`` days,
unknown online; a predictor announces ``y``. Buying at the start of day ``d``
costs ``(d - 1) + b`` if ``x >= d`` and ``x`` otherwise; ``OPT = min(x, b)``.
The competitive ratio of a (randomized) rule on ``(x, y)`` is
``E cost / OPT``, computed exactly as a finite sum over its buy-day
distribution (:mod:`agents.online.ski`).

The scenario has three studies:

- ``ratio``: Purohit, Svitkina, Kumar (2018), Figure 2a. ``x`` uniform on
  ``{1..4b}``, ``y = max(0, x + N(0, sigma^2))``; the mean ratio over
  ``instances`` draws against ``sigma`` for every rule in ``rules`` (any
  registered policy of domain ``"ski_rental"``; those with a ``lam``
  parameter run once per ``lam`` in ``lams``): by default Purohit's
  deterministic and randomized rules and the classical break-even and
  randomized (e/(e-1)) rules.
- ``frontier``: exact (consistency, robustness) of the deterministic and
  randomized families over ``lam`` at price ``b``, against Wei & Zhang's
  lower bounds, which hold as ``b`` grows: ``r >= 1 + 1/(c - 1)``
  (deterministic) and ``c >= r ln(1 + 1/(r - 1))`` (randomized), with the
  large-``b`` limit of Purohit's randomized curve, which lies on the latter. At
  the scenario's ``b`` the exact points can lie below those curves (``b = 100``,
  ``lam = 0.1``: 1.09-consistent, 10.99-robust, under ``1 + 1/(c - 1) = 12.1``),
  so the study also computes the finite-``b`` lower frontiers exactly at ``b``
  (:func:`agents.online.frontier.deterministic_ski_frontier`, its corners
  ``(1 + (d - 1)/b, 1 + (b - 1)/d)`` as family ``"deterministic bound"`` with
  ``lam = (d - 1)/b``; :func:`agents.online.frontier.randomized_ski_frontier` at
  robustness ``1/(1 - e^-lam)`` as family ``"randomized bound"``), which every
  rule respects and which tend to Wei & Zhang's curves as ``b`` grows.
- ``learning``: the rent-or-buy discrete-event simulation
  (:func:`agents.online.ski_sim.simulate_ski_rental`): agents arrive, each
  with a feature that determines its season up to noise; a ridge-regression
  predictor learns from finished seasons. Mean ratio and prediction error by
  arrival order (geometric bins) of ``learning_rule`` with each of
  ``predictors`` (registered policies of domain ``"prediction"``), against
  ``baseline`` without predictions. Every arm sees the same agents and
  seasons (one SeedSequence per replication).

Run it with ``stratsim run ski_rental`` or ``python -m scenarios.ski_rental``.

Examples
--------
>>> import numpy as np
>>> rows = run_ratio(RatioCell(sigma=0.0, instances=200, lams=(0.5,)), np.random.default_rng(0))
>>> sorted({r["policy"] for r in rows if r["metric"] == "mean_ratio"})
['break-even', 'classical randomized', 'deterministic lam=0.5', 'randomized lam=0.5']
"""

from __future__ import annotations

import inspect
import itertools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import ticker

from agents.online import bounds
from agents.online.frontier import deterministic_ski_frontier, randomized_ski_frontier
from agents.online.predictors import GaussianNoisePredictor, PredictionTask
from agents.online.ski import consistency, expected_ratio, robustness
from agents.online.ski_sim import SeasonModel, SkiSeasons, simulate_ski_rental
from sim.errors import ValidationError
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.random import RngLike, as_seed_sequence
from sim.registry import check_policy_name, make_policy, policies
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_real

__all__ = ["SCENARIO", "FrontierCell", "LearningCell", "Params", "RatioCell", "run_frontier", "run_learning",
           "run_ratio"]

RULES = ("ski.break_even", "ski.classical_randomized", "ski.purohit_deterministic", "ski.purohit_randomized")


def _check_lams(lams, b):
    for lam in lams:
        check_real("lam", lam, low=1.0 / b, high=1.0, low_open=True, high_open=True)


def _check_rules(argument, names, domain):
    if isinstance(names, str):
        names = (names,)
    for name in names:
        check_policy_name(argument, name, domain)


def _takes_lam(name: str) -> bool:
    return "lam" in inspect.signature(policies.get(name)).parameters


@dataclass(frozen=True)
class Params:
    """Parameters of the ski rental scenario.

    Attributes
    ----------
    b : int
        Buy price (days of rent), ``>= 2``.
    sigmas : tuple of float
        Prediction noise levels swept by the ``ratio`` study (days, ``>= 0``).
    lams : tuple of float
        Trust parameters of the rules that take ``lam`` in the ``ratio`` study, in ``(1/b, 1)``.
    rules : tuple of str
        Registered ski rental policies compared in the ``ratio`` study.
    instances : int
        ``(x, y)`` draws per replication and ``sigma``.
    frontier_lams : int
        Number of ``lam`` values on each frontier.
    agents : int
        Agents in the ``learning`` simulation.
    arrival_rate : float
        Agents arriving per day in the ``learning`` simulation.
    season_noise : float
        Unpredictable part of a season (days; standard deviation).
    learning_rule : str
        Registered ski rental policy the agents follow with a predictor.
    learning_lam : float
        ``lam`` of ``learning_rule`` (if it takes one).
    predictors : tuple of str
        Registered predictors (domain ``"prediction"``), one arm each.
    baseline : str
        Registered ski rental policy run without predictions.
    bins : int
        Arrival-order bins (geometric) of the ``learning`` figure.
    """

    b: int = 100
    sigmas: tuple[float, ...] = (0.0, 10.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0)
    lams: tuple[float, ...] = (0.2, 0.5, 0.8)
    rules: tuple[str, ...] = RULES
    instances: int = 10_000
    frontier_lams: int = 24
    agents: int = 1000
    arrival_rate: float = 0.5
    season_noise: float = 25.0
    learning_rule: str = "ski.purohit_randomized"
    learning_lam: float = 0.5
    predictors: tuple[str, ...] = ("predict.learned", "predict.exact")
    baseline: str = "ski.classical_randomized"
    bins: int = 12

    def __post_init__(self):
        check_int("b", self.b, low=2)
        for s in self.sigmas:
            check_real("sigma", s, low=0.0)
        RatioCell(b=self.b, lams=self.lams, rules=self.rules, instances=self.instances)
        FrontierCell(b=self.b, frontier_lams=self.frontier_lams)
        LearningCell(b=self.b, agents=self.agents, arrival_rate=self.arrival_rate, season_noise=self.season_noise,
                     learning_rule=self.learning_rule, learning_lam=self.learning_lam, predictors=self.predictors,
                     baseline=self.baseline, bins=self.bins)


@dataclass(frozen=True)
class RatioCell:
    """One ``ratio`` run: the mean exact ratio of every rule at noise ``sigma``."""

    b: int = 100
    sigma: float = 0.0
    lams: tuple[float, ...] = (0.2, 0.5, 0.8)
    rules: tuple[str, ...] = RULES
    instances: int = 10_000

    def __post_init__(self):
        check_int("b", self.b, low=2)
        check_real("sigma", self.sigma, low=0.0)
        _check_lams(self.lams, self.b)
        _check_rules("rules", self.rules, "ski_rental")
        check_int("instances", self.instances, low=1)


@dataclass(frozen=True)
class FrontierCell:
    """The ``frontier`` run: exact consistency and robustness over ``lam``."""

    b: int = 100
    frontier_lams: int = 24

    def __post_init__(self):
        check_int("b", self.b, low=2)
        check_int("frontier_lams", self.frontier_lams, low=2)


@dataclass(frozen=True)
class LearningCell:
    """The ``learning`` run: the rent-or-buy simulation with each predictor and the baseline."""

    b: int = 100
    agents: int = 1000
    arrival_rate: float = 0.5
    season_noise: float = 25.0
    learning_rule: str = "ski.purohit_randomized"
    learning_lam: float = 0.5
    predictors: tuple[str, ...] = ("predict.learned", "predict.exact")
    baseline: str = "ski.classical_randomized"
    bins: int = 12

    def __post_init__(self):
        check_int("b", self.b, low=2)
        check_int("agents", self.agents, low=1)
        check_real("arrival_rate", self.arrival_rate, low=0.0, low_open=True)
        check_real("season_noise", self.season_noise, low=0.0)
        _check_rules("learning_rule", self.learning_rule, "ski_rental")
        _check_lams((self.learning_lam,), self.b)
        _check_rules("predictors", self.predictors, "prediction")
        _check_rules("baseline", self.baseline, "ski_rental")
        check_int("bins", self.bins, low=1)
        if self.bins > self.agents:
            raise ValidationError(f"bins must be <= agents={self.agents}, got {self.bins}")


def _rule_variants(rules, lams):
    """``(label, name, lam)``: rules without ``lam`` once, then each ``lam`` for the rules that take one."""
    plain = [(policies.get(n).spec.label, n, None) for n in rules if not _takes_lam(n)]
    tuned = [(f"{policies.get(n).spec.label} lam={lam:g}", n, lam) for lam in lams for n in rules if _takes_lam(n)]
    return plain + tuned


def run_ratio(cell: RatioCell, rng: np.random.Generator) -> list[dict]:
    """One replication at noise ``cell.sigma``: each rule's mean exact ratio and the mean |y - x|."""
    x = rng.integers(1, 4 * cell.b + 1, size=cell.instances)
    y = GaussianNoisePredictor(cell.sigma).predict(x.astype(float), rng)
    env = SkiSeasons(cell.b, GaussianNoisePredictor(cell.sigma))
    rows = []
    for label, name, lam in _rule_variants(cell.rules, cell.lams):
        rule = make_policy(name, env, **({} if lam is None else {"lam": lam}))
        rows.append({"policy": label, "metric": "mean_ratio",
                     "value": float(np.mean(expected_ratio(rule, x, y, b=cell.b)))})
    rows.append({"policy": "prediction", "metric": "mean_abs_error", "value": float(np.mean(np.abs(y - x)))})
    return [{**r, "b": cell.b} for r in rows]


#: The frontier figure's families: (label, registered rule, lam grid as a function of (b, points)).
FAMILIES = (("deterministic", "ski.purohit_deterministic", lambda b, m: np.linspace(0.04, 1.0, m)),
            ("randomized", "ski.purohit_randomized", lambda b, m: np.linspace(max(0.04, 2.0 / b), 0.99, m)))


#: Corners of the deterministic finite-b frontier kept in the results: every day up to this many, else a
#: geometric subset of this many days.
MAX_CORNERS = 1000


def _corner_days(b: int) -> np.ndarray:
    if b <= MAX_CORNERS:
        return np.arange(1, b + 1)
    return np.unique(np.round(np.geomspace(1, b, MAX_CORNERS)).astype(int))


def run_frontier(cell: FrontierCell, rng: RngLike) -> list[dict]:
    """Exact (consistency, robustness) of each family over its ``lam`` grid, and the finite-``b`` frontiers."""
    b = cell.b
    env = SkiSeasons(b, GaussianNoisePredictor(0.0))
    rows = []
    for family, name, grid in FAMILIES:
        for lam in grid(b, cell.frontier_lams):
            policy = make_policy(name, env, lam=float(lam))
            for metric, fn in (("consistency", consistency), ("robustness", robustness)):
                rows.append({"family": family, "lam": float(lam), "metric": metric, "value": fn(policy, b), "b": b})
    # The deterministic frontier's corners: buy by day d on a long prediction.
    days = _corner_days(b)
    c_det = 1 + (days - 1) / b
    r_det = deterministic_ski_frontier(c_det, b=b)
    for d, c, r in zip(days, c_det, r_det):
        rows += [{"family": "deterministic bound", "lam": float((d - 1) / b), "metric": "consistency",
                  "value": float(c), "b": b},
                 {"family": "deterministic bound", "lam": float((d - 1) / b), "metric": "robustness",
                  "value": float(r), "b": b}]
    # The randomized frontier along the large-b curve's parameter: robustness 1/(1 - e^-lam), which is above
    # the classical optimum 1/(1 - (1 - 1/b)^b) for every lam < 1 and b.
    lams = np.linspace(0.02, 0.99, 2 * cell.frontier_lams)
    r_rand = 1 / -np.expm1(-lams)
    c_rand = randomized_ski_frontier(r_rand, b=b)
    for lam, c, r in zip(lams, c_rand, r_rand):
        rows += [{"family": "randomized bound", "lam": float(lam), "metric": "consistency", "value": float(c), "b": b},
                 {"family": "randomized bound", "lam": float(lam), "metric": "robustness", "value": float(r), "b": b}]
    return rows


def run_learning(cell: LearningCell, rng: RngLike) -> list[dict]:
    """The rent-or-buy simulation for each arm, binned by arrival order."""
    seeds = as_seed_sequence(rng)            # every arm sees the same agents and seasons
    seasons = SeasonModel(1.0, 4.0 * cell.b, cell.season_noise)
    task = PredictionTask(cell.agents, high=4.0 * cell.b, noise=cell.season_noise, b=cell.b)
    options = {"lam": cell.learning_lam}
    arms = []
    for name in cell.predictors:
        predictor = make_policy(name, task, rng=seeds)
        env = SkiSeasons(cell.b, predictor, n_seasons=cell.agents, seasons=seasons)
        arms.append((policies.get(name).spec.label, make_policy(cell.learning_rule, env, options=options),
                     predictor))
    env = SkiSeasons(cell.b, None, n_seasons=cell.agents, seasons=seasons)
    baseline = make_policy(cell.baseline, env, options=options)
    arms.append((f"no predictor ({policies.get(cell.baseline).spec.label})", baseline, None))
    # Geometric bins of the arrival order: learning happens early, so look there closely.
    edges = np.unique(np.round(np.geomspace(1, cell.agents + 1, cell.bins + 1)).astype(int)) - 1
    rows = []
    for arm, policy, predictor in arms:
        out = simulate_ski_rental(policy, predictor, b=cell.b, n_agents=cell.agents, rng=seeds,
                                  arrival_rate=cell.arrival_rate, seasons=seasons)
        for lo, hi in itertools.pairwise(edges):
            mid = (lo + 1 + hi) / 2                  # mean 1-based agent number of the bin
            rows.append({"arm": arm, "agent": mid, "metric": "des_ratio", "value": float(out.ratio[lo:hi].mean())})
            if predictor is not None:
                rows.append({"arm": arm, "agent": mid, "metric": "des_error",
                             "value": float(out.error[lo:hi].mean())})
    return [{**r, "b": cell.b} for r in rows]


def _role(label: str, domain: str) -> str:
    """The registry name behind a label (``"deterministic lam=0.5"`` -> ``"ski.purohit_deterministic"``)."""
    base = label.split(" lam=")[0]
    return next((n for n in policies.names(domain) if policies.get(n).spec.label == base), label)


def _tex(label: str) -> str:
    """A rule's label with its trust parameter in the README's notation (lambda)."""
    return label.replace(" lam=", r" $\lambda$ = ")


#: Line styles and markers of the trust parameters, in increasing order (the colour is the rule's).
LAM_STYLES = (("-", "o"), ("--", "^"), (":", "v"), ("-.", "D"), ((0, (5, 1, 1, 1)), "P"))


def plot_ratio(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Mean ratio against the prediction noise, one band per rule (colour: rule; line style: lambda)."""
    sub = results
    b = sub.unique("b")[0]
    fig, ax = new_figure(width=9.0, height=4.6)
    summaries = sub.summary(x="sigma", metric="mean_ratio", by="policy")
    lams = sorted({s.label.split(" lam=")[1] for s in summaries if " lam=" in s.label}, key=float)
    for s in summaries:
        if " lam=" in s.label:
            linestyle, marker = LAM_STYLES[lams.index(s.label.split(" lam=")[1]) % len(LAM_STYLES)]
        else:
            linestyle, marker = (0, (6, 2)), "s"
        plot_summaries(ax, [s], colors=lambda label: color(_role(label, "ski_rental")), labels={s.label: _tex(s.label)},
                       marker=marker, linestyle=linestyle)
    ax.set(xlabel=r"prediction noise $\sigma$ (days)", ylabel="mean competitive ratio  E[cost] / OPT",
           title=rf"Ski rental, b = {b}, $x \sim U\{{1..{4 * b}\}}$, $y = \max(0, x + \mathcal{{N}}(0, \sigma^2))$")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), title=interval_note(summaries).replace(", n", ",\nn"),
              title_fontsize=8)
    return save_figure(fig, out_dir, "ski_rental_ratio_vs_sigma")


def plot_frontier(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Exact frontier points against the finite-``b`` frontiers and Wei-Zhang's large-``b`` bounds.

    Left: the trade-off. Right: each curve relative to Wei-Zhang's large-``b``
    bound at the same point (robustness over ``1 + 1/(c - 1)`` for the
    deterministic rules, consistency over ``r ln(1 + 1/(r - 1))`` for the
    randomized ones); below 1 means below the large-``b`` curve.
    """
    sub = results
    b = sub.unique("b")[0]
    fig, (ax, gap) = new_figure(1, 2, width=12.5, height=5.2)
    reps = set()

    def curve(family):
        rows = sub.filter(family=family)
        cs = rows.summary(x="lam", metric="consistency")[0]
        rs = rows.summary(x="lam", metric="robustness")[0]
        reps.update(int(v) for v in cs.n)
        return np.asarray(cs.mean), np.asarray(rs.mean)

    def det_gap(c, r):
        keep = c > 1
        return c[keep], r[keep] / bounds.wei_zhang_deterministic_robustness(c[keep])

    def rand_gap(c, r):
        return c, c / bounds.wei_zhang_randomized_consistency(r)

    for family, name, marker, rel in (("deterministic", "ski.purohit_deterministic", "o", det_gap),
                                      ("randomized", "ski.purohit_randomized", "s", rand_gap)):
        c, r = curve(family)
        label = f"Purohit {family}, b = {b} (exact)"
        ax.plot(c, r, marker=marker, color=color(name), linestyle="none", label=label, zorder=4)
        gap.plot(*rel(c, r), marker=marker, color=color(name), linestyle="none", label=label, zorder=4)
    c, r = curve("deterministic bound")
    style = "steps-post" if len(c) == b else "default"
    label = rf"deterministic frontier at b = {b} (exact): $r = 1 + (b-1)/\min(\lfloor 1 + (c-1)b \rfloor, b)$"
    ax.plot(np.append(c, 2.05), np.append(r, r[-1]), color=color("bound"), linewidth=1.3, drawstyle=style,
            label=label)
    gap.plot(*det_gap(c, r), color=color("bound"), linewidth=1.3, drawstyle=style,
             label=f"deterministic frontier at b = {b}")
    c, r = curve("randomized bound")
    ax.plot(c, r, color=color("bound"), linewidth=1.3, linestyle=(0, (1, 1.2)),
            label=f"randomized frontier at b = {b} (exact LP)")
    gap.plot(*rand_gap(c, r), color=color("bound"), linewidth=1.3, linestyle=(0, (1, 1.2)),
             label=f"randomized frontier at b = {b}")
    c_det = np.linspace(1.02, 2.0, 200)
    ax.plot(c_det, bounds.wei_zhang_deterministic_robustness(c_det), color=color("bound"), linestyle="--",
            alpha=0.7, label=r"Wei-Zhang deterministic, $b \to \infty$: $r = 1 + 1/(c - 1)$")
    r_rand = np.linspace(1.0 / (1 - np.exp(-1.0)), 40.0, 400)
    ax.plot(bounds.wei_zhang_randomized_consistency(r_rand), r_rand, color=color("bound"), linestyle="-.",
            alpha=0.7, label=r"Wei-Zhang randomized, $b \to \infty$: $c = r \ln(1 + 1/(r - 1))$")
    lam = np.linspace(0.02, 0.999, 200)
    c_lim, r_lim = bounds.purohit_randomized_limit(lam)
    ax.plot(c_lim, r_lim, color=color("ski.purohit_randomized"), linestyle=":", linewidth=2.5, alpha=0.6,
            label=r"Purohit randomized, $b \to \infty$ (on the bound)")
    ax.set_yscale("log")
    ticks = [1, 1.5, 2, 3, 5, 10, 20, 30]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks([], minor=True)
    ax.set(xlabel="consistency c (ratio with a perfect prediction)",
           ylabel="robustness r (worst ratio over predictions)", xlim=(0.98, 2.05), ylim=(1.0, 30.0),
           title=f"Ski rental consistency-robustness trade-off (b = {b})")
    n_text = "-".join(str(n) for n in sorted({min(reps), max(reps)}))
    ax.legend(fontsize=7, title=f"exact values (no sampling; n = {n_text} identical replications)",
              title_fontsize=7)
    gap.axhline(1.0, color=color("bound"), linestyle="--", alpha=0.7,
                label=r"Wei-Zhang's curves (hold as $b \to \infty$)")
    gap.set(xlabel="consistency c", xlim=(0.98, 2.05),
            ylabel="relative to the large-b curve at the same point",
            title=f"At b = {b}, exact values lie below the large-b curves")
    gap.legend(fontsize=7, title="deterministic: r / (1 + 1/(c - 1));  randomized: c / (r ln(1 + 1/(r - 1)))",
               title_fontsize=7, loc="lower right")
    return save_figure(fig, out_dir, "ski_rental_frontier")


def _arm_color(label: str) -> str:
    if label.startswith("no predictor"):
        return color("baseline")
    return color(_role(label, "prediction"))


def plot_learning(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Ratio and prediction error by arrival order."""
    sub = results
    b = sub.unique("b")[0]
    fig, axes = new_figure(1, 2, width=11.0, height=4.4)
    ratio = sub.summary(x="agent", metric="des_ratio", by="arm")
    plot_summaries(axes[0], ratio, colors=_arm_color, marker=None)
    axes[0].set(xlabel="agent number in arrival order (log scale; geometric bins)",
                ylabel="mean ratio E[cost] / OPT",
                title=f"Rent-or-buy simulation, b = {b}: ratio as the predictor learns")
    axes[0].legend(fontsize=8, title=interval_note(ratio), title_fontsize=8)
    error = sub.summary(x="agent", metric="des_error", by="arm")
    plot_summaries(axes[1], error, colors=_arm_color, marker=None)
    axes[1].set(xlabel="agent number in arrival order (log scale; geometric bins)",
                ylabel="mean |y - x| (days)", title="Prediction error")
    axes[1].legend(fontsize=8, title=interval_note(error), title_fontsize=8)
    for ax in axes:
        ax.set_xscale("log")
        # plain tick labels (1, 10, 100): no mathtext to lay out, and agent numbers read as numbers
        ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
        ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    return save_figure(fig, out_dir, "ski_rental_learning")


SCENARIO = Scenario(
    name="ski_rental",
    description="Ski rental with predictions: Purohit et al. Fig. 2a, the Wei-Zhang frontier, a learning DES.",
    params=Params,
    studies=(
        Study("ratio", cell=RatioCell, run=run_ratio, plot=plot_ratio,
              grid=lambda p: [{"sigma": s} for s in p.sigmas], sweeps={"sigma": "sigmas"},
              description="Mean exact ratio of each rule against the prediction noise (Purohit et al. Fig. 2a).",
              metrics={"mean_ratio": "ratio", "mean_abs_error": "nonnegative"}, headline=("mean_ratio",)),
        Study("frontier", cell=FrontierCell, run=run_frontier, plot=plot_frontier,
              description="Exact consistency-robustness of Purohit's families against Wei-Zhang's bounds.",
              metrics={"consistency": "ratio", "robustness": "ratio"}),
        Study("learning", cell=LearningCell, run=run_learning, plot=plot_learning,
              description="Rent-or-buy DES: the ratio as a predictor learns from finished seasons.",
              metrics={"des_ratio": "ratio", "des_error": "nonnegative"}),
    ),
    quick={"instances": 2000, "sigmas": (0.0, 50.0, 100.0, 200.0, 400.0), "frontier_lams": 10,
           "agents": 300},
    replications=10,
    quick_replications=6,
)
SCENARIO.run_if_main(__name__)
