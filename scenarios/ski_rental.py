"""Ski rental with predictions: Purohit et al.'s Figure 2a, the trade-off frontier, and learning.

Model. Renting costs 1 a day, buying costs ``b``; a season lasts ``x`` days,
unknown online; a predictor announces ``y``. Buying at the start of day ``d``
costs ``(d - 1) + b`` if ``x >= d`` and ``x`` otherwise; ``OPT = min(x, b)``.
The competitive ratio of a (randomized) rule on ``(x, y)`` is
``E cost / OPT``, computed exactly as a finite sum over its buy-day
distribution (:mod:`agents.online.ski`).

The scenario has three parts (cells of one grid):

- ``ratio``: Purohit, Svitkina, Kumar (2018), Figure 2a. ``x`` uniform on
  ``{1..4b}``, ``y = max(0, x + N(0, sigma^2))``; the mean ratio over
  ``instances`` draws against ``sigma`` for Purohit's deterministic and
  randomized rules at several ``lam`` and the classical break-even and
  randomized (e/(e-1)) rules.
- ``frontier``: exact (consistency, robustness) of the deterministic and
  randomized families over ``lam`` at price ``b``, against Wei & Zhang's
  lower bounds: ``r >= 1 + 1/(c - 1)`` (deterministic) and
  ``c >= r ln(1 + 1/(r - 1))`` (randomized, large ``b``), with the large-``b``
  limit of Purohit's randomized curve, which lies on the latter.
- ``learning``: the rent-or-buy discrete-event simulation
  (:func:`agents.online.ski_sim.simulate_ski_rental`): agents arrive, each
  with a feature that determines its season up to noise; a ridge-regression
  predictor learns from finished seasons. Mean ratio and prediction error by
  arrival order (geometric bins), against an exact predictor and the
  classical randomized rule.

Run it with ``stratsim run ski_rental`` or ``python -m scenarios.ski_rental``.

Examples
--------
>>> import numpy as np
>>> rows = run(Params(part="ratio", sigma=0.0, instances=200, lams=(0.5,)), np.random.default_rng(0))
>>> sorted({r["policy"] for r in rows if r["metric"] == "mean_ratio"})
['break-even', 'classical randomized', 'deterministic lam=0.5', 'randomized lam=0.5']
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from agents.online import bounds
from agents.online.predictors import (
    ExactPredictor,
    GaussianNoisePredictor,
    LearnedPredictor,
)
from agents.online.ski import (
    BreakEven,
    ClassicalRandomized,
    PurohitDeterministic,
    PurohitRandomized,
    consistency,
    expected_ratio,
    robustness,
)
from agents.online.ski_sim import SeasonModel, simulate_ski_rental
from sim.errors import ValidationError
from sim.plotting import band, new_figure, plot_parts, save_figure
from sim.scenario import Scenario
from sim.validate import check_choice, check_int, check_real

__all__ = ["SCENARIO", "Params", "plot", "run"]

PARTS = ("ratio", "frontier", "learning")


@dataclass(frozen=True)
class Params:
    """Parameters of the ski rental study.

    Attributes
    ----------
    b : int
        Buy price (days of rent), ``>= 2``.
    sigmas : tuple of float
        Prediction noise levels swept in the ``ratio`` part (days, ``>= 0``).
    lams : tuple of float
        Trust parameters of Purohit's rules in the ``ratio`` part, in ``(1/b, 1)``.
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
    learning_lam : float
        ``lam`` of the randomized rule in the ``learning`` part.
    bins : int
        Arrival-order bins (geometric) of the ``learning`` figure.
    part : str
        The part of one cell: ``"ratio"``, ``"frontier"`` or ``"learning"`` (set by the grid).
    sigma : float
        The noise of one ``ratio`` cell (set by the grid).
    """

    b: int = 100
    sigmas: tuple[float, ...] = (0.0, 10.0, 25.0, 50.0, 75.0, 100.0, 150.0, 200.0, 300.0, 400.0)
    lams: tuple[float, ...] = (0.2, 0.5, 0.8)
    instances: int = 10_000
    frontier_lams: int = 24
    agents: int = 1000
    arrival_rate: float = 0.5
    season_noise: float = 25.0
    learning_lam: float = 0.5
    bins: int = 12
    part: str = "ratio"
    sigma: float = 0.0

    def __post_init__(self):
        check_int("b", self.b, low=2)
        for s in self.sigmas + (self.sigma,):
            check_real("sigma", s, low=0.0)
        for lam in self.lams + (self.learning_lam,):
            check_real("lam", lam, low=1.0 / self.b, high=1.0, low_open=True, high_open=True)
        check_int("instances", self.instances, low=1)
        check_int("frontier_lams", self.frontier_lams, low=2)
        check_int("agents", self.agents, low=1)
        check_real("arrival_rate", self.arrival_rate, low=0.0, low_open=True)
        check_real("season_noise", self.season_noise, low=0.0)
        check_int("bins", self.bins, low=1)
        if self.bins > self.agents:
            raise ValidationError(f"bins must be <= agents={self.agents}, got {self.bins}")
        check_choice("part", self.part, PARTS)


def _ratio_rows(p: Params, rng) -> list[dict]:
    x = rng.integers(1, 4 * p.b + 1, size=p.instances)
    y = GaussianNoisePredictor(p.sigma).predict(x.astype(float), rng)
    rules = [("break-even", BreakEven()), ("classical randomized", ClassicalRandomized())]
    for lam in p.lams:
        rules += [(f"deterministic lam={lam:g}", PurohitDeterministic(lam)),
                  (f"randomized lam={lam:g}", PurohitRandomized(lam))]
    rows = [{"policy": name, "metric": "mean_ratio", "value": float(np.mean(expected_ratio(rule, x, y, b=p.b)))}
            for name, rule in rules]
    rows.append({"policy": "prediction", "metric": "mean_abs_error", "value": float(np.mean(np.abs(y - x)))})
    return rows


def _frontier_rows(p: Params) -> list[dict]:
    rows = []
    families = (("deterministic", PurohitDeterministic, np.linspace(0.04, 1.0, p.frontier_lams)),
                ("randomized", PurohitRandomized, np.linspace(max(0.04, 2.0 / p.b), 0.99, p.frontier_lams)))
    for family, make, lams in families:
        for lam in lams:
            policy = make(float(lam))
            for metric, fn in (("consistency", consistency), ("robustness", robustness)):
                rows.append({"family": family, "lam": float(lam), "metric": metric, "value": fn(policy, p.b)})
    return rows


def _learning_rows(p: Params, rng) -> list[dict]:
    seed = int(rng.integers(2**63))            # every arm sees the same agents and seasons
    seasons = SeasonModel(1.0, 4.0 * p.b, p.season_noise)
    arms = (("learned predictor", PurohitRandomized(p.learning_lam), LearnedPredictor(prior=0.0)),
            ("exact predictor", PurohitRandomized(p.learning_lam), ExactPredictor()),
            ("no predictor (classical randomized)", ClassicalRandomized(), None))
    # Geometric bins of the arrival order: learning happens early, so look there closely.
    edges = np.unique(np.round(np.geomspace(1, p.agents + 1, p.bins + 1)).astype(int)) - 1
    rows = []
    for arm, policy, predictor in arms:
        out = simulate_ski_rental(policy, predictor, b=p.b, n_agents=p.agents, rng=seed,
                                  arrival_rate=p.arrival_rate, seasons=seasons)
        for lo, hi in itertools.pairwise(edges):
            mid = (lo + 1 + hi) / 2                  # mean 1-based agent number of the bin
            rows.append({"arm": arm, "agent": mid, "metric": "des_ratio", "value": float(out.ratio[lo:hi].mean())})
            if predictor is not None:
                rows.append({"arm": arm, "agent": mid, "metric": "des_error",
                             "value": float(out.error[lo:hi].mean())})
    return rows


def run(params: Params, rng) -> list[dict]:
    """One replication of one part: tidy rows (see the module docstring)."""
    if params.part == "ratio":
        rows = _ratio_rows(params, rng)
    elif params.part == "frontier":
        rows = _frontier_rows(params)
    else:
        rows = _learning_rows(params, rng)
    for row in rows:
        row["b"] = params.b
    return rows


def _plot_ratio(results, out_dir):
    sub = results.filter(part="ratio")
    b = sub.unique("b")[0]
    fig, ax = new_figure(width=9.0, height=4.6)
    summaries = sub.summary(x="sigma", metric="mean_ratio", by="policy")
    lams = sorted({s.label.split("=")[1] for s in summaries if "=" in s.label}, key=float)
    for s in summaries:
        if s.label in ("break-even", "classical randomized"):
            style = {"color": "0.45" if s.label == "break-even" else "black", "linestyle": "--", "marker": "s"}
        else:
            family, lam = s.label.split(" lam=")
            style = {"color": f"C{lams.index(lam)}", "marker": "o" if family == "deterministic" else "^",
                     "linestyle": "-" if family == "deterministic" else "-."}
        band(ax, s.x, s.mean, s.lo, s.hi, label=s.label, **style)
    ax.set(xlabel="prediction noise sigma (days)", ylabel="mean competitive ratio  E[cost] / OPT",
           title=f"Ski rental, b = {b}, x ~ U{{1..{4 * b}}}, y = x + N(0, sigma^2): mean ratio (95% CI)")
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5))
    return save_figure(fig, out_dir, "ski_rental_ratio_vs_sigma")


def _plot_frontier(results, out_dir):
    sub = results.filter(part="frontier")
    b = sub.unique("b")[0]
    fig, ax = new_figure(width=7.2, height=4.8)
    for family, color, marker in (("deterministic", "C0", "o"), ("randomized", "C1", "s")):
        rows = sub.filter(family=family)
        lams = np.array(rows.filter(metric="consistency").column("lam"), dtype=float)
        c = rows.filter(metric="consistency").values()
        r = rows.filter(metric="robustness").values()
        order = np.argsort(lams)
        ax.plot(c[order], r[order], marker=marker, color=color, linestyle="none",
                label=f"Purohit {family}, b = {b} (exact)")
    c_det = np.linspace(1.02, 2.0, 200)
    ax.plot(c_det, bounds.wei_zhang_deterministic_robustness(c_det), color="C0", linestyle="--",
            label="Wei-Zhang deterministic bound r = 1 + 1/(c - 1)")
    r_rand = np.linspace(1.0 / (1 - np.exp(-1.0)), 40.0, 400)
    ax.plot(bounds.wei_zhang_randomized_consistency(r_rand), r_rand, color="C1", linestyle="--",
            label="Wei-Zhang randomized bound c = r ln(1 + 1/(r - 1))")
    lam = np.linspace(0.02, 0.999, 200)
    c_lim, r_lim = bounds.purohit_randomized_limit(lam)
    ax.plot(c_lim, r_lim, color="C3", linestyle=":", linewidth=2.5,
            label="Purohit randomized, b -> inf (on the bound)")
    ax.set_yscale("log")
    ticks = [1, 1.5, 2, 3, 5, 10, 20, 30]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.set_yticks([], minor=True)
    ax.set(xlabel="consistency (ratio with a perfect prediction)",
           ylabel="robustness (worst ratio over predictions)", xlim=(0.98, 2.05), ylim=(1.0, 30.0),
           title=f"Ski rental consistency-robustness trade-off (b = {b}; lower-left is better)")
    ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "ski_rental_frontier")


def _plot_learning(results, out_dir):
    sub = results.filter(part="learning")
    b = sub.unique("b")[0]
    fig, axes = new_figure(1, 2, width=11.0, height=4.4)
    for s in sub.summary(x="agent", metric="des_ratio", by="arm"):
        band(axes[0], s.x, s.mean, s.lo, s.hi, label=s.label)
    axes[0].set(xlabel="agent number in arrival order (log scale; geometric bins)",
                ylabel="mean ratio E[cost] / OPT",
                title=f"Rent-or-buy simulation, b = {b}: ratio as the predictor learns")
    for s in sub.summary(x="agent", metric="des_error", by="arm"):
        band(axes[1], s.x, s.mean, s.lo, s.hi, label=s.label)
    axes[1].set(xlabel="agent number in arrival order (log scale; geometric bins)",
                ylabel="mean |y - x| (days)", title="Prediction error (95% CI across replications)")
    for ax in axes:
        ax.set_xscale("log")
        ax.legend(fontsize=8)
    return save_figure(fig, out_dir, "ski_rental_learning")


def plot(results, out_dir) -> list:
    """Three figures: ratio vs noise, the frontier, and the learning simulation."""
    return plot_parts(results, out_dir,
                      {"ratio": _plot_ratio, "frontier": _plot_frontier, "learning": _plot_learning})


def grid(p: Params) -> list[dict]:
    """One cell per noise level, one for the frontier, one for the learning simulation."""
    return [{"part": "ratio", "sigma": s} for s in p.sigmas] + [{"part": "frontier"}, {"part": "learning"}]


SCENARIO = Scenario(
    name="ski_rental",
    description="Ski rental with predictions: Purohit et al. Fig. 2a, the Wei-Zhang frontier, a learning DES.",
    params=Params,
    run=run,
    plot=plot,
    grid=grid,
    quick={"instances": 2000, "sigmas": (0.0, 50.0, 100.0, 200.0, 400.0), "frontier_lams": 10,
           "agents": 300},
    replications=10,
    quick_replications=3,
)

if __name__ == "__main__":
    import sys

    from sim.cli import main

    raise SystemExit(main(["run", "ski_rental", *sys.argv[1:]]))
