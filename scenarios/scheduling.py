"""Non-clairvoyant scheduling with predictions: Purohit et al.'s Figure 2b and the two-job frontier.

Model. ``n`` jobs released at time 0 on one preemptive server; job sizes
``x_j`` are unknown until a job finishes; predictions ``y_j`` are known. The
objective is the total completion time; ``OPT`` is shortest processing time
first, ``sum_i (n - i + 1) x_(i)``. Policies allocate processing rates to the
alive jobs and the server jumps from completion to completion
(:mod:`agents.online.server`).

Two studies:

- ``ratio``: Purohit, Svitkina, Kumar (2018), Figure 2b. ``n_jobs`` sizes i.i.d.
  Pareto(``alpha``) with minimum 1, ``y_j = max(0, x_j + N(0, sigma^2))``; the
  mean ratio to ``OPT`` over ``instances`` instances against ``sigma`` for
  every policy in ``policies`` (any registered policy of domain
  ``"scheduling"``; those with a ``lam`` parameter get ``prr_lam``): by
  default round robin, shortest predicted job first and PRR(``prr_lam``).
- ``frontier``: two jobs. The (consistency, robustness) of PRR(``lam``) and of
  Wei & Zhang's two-stage schedule over ``lam``, each the worst ratio found by
  a search over instances (random log-uniform instances and Nelder-Mead,
  plus, for the two-stage schedule, its known hard instance, whose supremum
  sits at a discontinuity), against the Wei-Zhang lower bound
  ``1 + 1/(1 + 6 lam)`` for ``(1 + lam)``-consistent algorithms and PRR's
  closed form ``(2(2+lam)/(3(1+lam)), 4/(3-lam))``, which lies on it. (With
  two jobs the two-stage schedule and its overrun-only variant
  ``sched.two_stage_overrun`` are the same schedule; they differ from three
  jobs on, after a job finishes earlier than predicted.)

Run it with ``stratsim run scheduling`` or ``python -m scenarios.scheduling``.

Examples
--------
>>> import numpy as np
>>> rows = run_ratio(RatioCell(sigma=1.0, instances=3), np.random.default_rng(0))
>>> sorted({r["policy"] for r in rows if r["metric"] == "mean_ratio"})
['PRR(0.5)', 'RR', 'SPJF']
>>> all(r["value"] >= 1 for r in rows if r["metric"] == "mean_ratio")
True
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib import ticker

from agents.online import bounds
from agents.online.frontier import scheduling_worst_ratio
from agents.online.jobs import JobSet, opt_batch_cost, pareto_sizes
from agents.online.predictors import GaussianNoisePredictor
from agents.online.server import SchedulingServer, simulate
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.registry import check_policy_name, make_policy, policies
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_real

__all__ = ["SCENARIO", "FrontierCell", "Params", "RatioCell", "run_frontier", "run_ratio"]

POLICIES = ("sched.rr", "sched.spjf", "sched.prr")


@dataclass(frozen=True)
class Params:
    """Parameters of the scheduling scenario.

    Attributes
    ----------
    n_jobs : int
        Jobs per instance in the ``ratio`` study.
    alpha : float
        Pareto shape of the sizes (minimum 1).
    sigmas : tuple of float
        Prediction noise levels swept (``>= 0``).
    instances : int
        Instances per replication and ``sigma``.
    policies : tuple of str
        Registered scheduling policies compared in the ``ratio`` study.
    prr_lam : float
        ``lam`` of the policies that take one (PRR) in the ``ratio`` study, in ``(0, 1)``.
    frontier_points : int
        ``lam`` values per family on the frontier.
    search_random, search_evals : int
        Random instances and Nelder-Mead evaluations per restart (3 restarts)
        of each worst-case search.
    """

    n_jobs: int = 50
    alpha: float = 1.1
    sigmas: tuple[float, ...] = (0.0, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 20.0, 50.0, 100.0, 300.0, 1000.0)
    instances: int = 40
    policies: tuple[str, ...] = POLICIES
    prr_lam: float = 0.5
    frontier_points: int = 8
    search_random: int = 200
    search_evals: int = 200

    def __post_init__(self):
        for s in self.sigmas:
            check_real("sigma", s, low=0.0)
        RatioCell(n_jobs=self.n_jobs, alpha=self.alpha, instances=self.instances, policies=self.policies,
                  prr_lam=self.prr_lam)
        FrontierCell(frontier_points=self.frontier_points, search_random=self.search_random,
                     search_evals=self.search_evals)


@dataclass(frozen=True)
class RatioCell:
    """One ``ratio`` run: every policy's mean ratio to OPT at noise ``sigma``."""

    n_jobs: int = 50
    alpha: float = 1.1
    sigma: float = 0.0
    instances: int = 40
    policies: tuple[str, ...] = POLICIES
    prr_lam: float = 0.5

    def __post_init__(self):
        check_int("n_jobs", self.n_jobs, low=1)
        check_real("alpha", self.alpha, low=0.0, low_open=True)
        check_real("sigma", self.sigma, low=0.0)
        check_int("instances", self.instances, low=1)
        for name in (self.policies,) if isinstance(self.policies, str) else self.policies:
            check_policy_name("policies", name, "scheduling")
        check_real("prr_lam", self.prr_lam, low=0.0, high=1.0, low_open=True, high_open=True)


@dataclass(frozen=True)
class FrontierCell:
    """The ``frontier`` run: worst ratios found by search for two jobs."""

    frontier_points: int = 8
    search_random: int = 200
    search_evals: int = 200

    def __post_init__(self):
        check_int("frontier_points", self.frontier_points, low=2)
        check_int("search_random", self.search_random, low=1)
        check_int("search_evals", self.search_evals, low=1)


def _label(name: str, lam: float) -> str:
    takes_lam = "lam" in inspect.signature(policies.get(name)).parameters
    label = policies.get(name).spec.label
    return f"{label}({lam:g})" if takes_lam else label


def run_ratio(cell: RatioCell, rng: np.random.Generator) -> list[dict]:
    """One replication at noise ``cell.sigma``: mean ratio per policy and the mean error per job."""
    n = cell.n_jobs
    # The policies are built for an instance of this shape (predictions, batch, sizes for clairvoyant rules).
    template = SchedulingServer(JobSet.batch(np.ones(n), predictions=np.ones(n)), reveal_sizes=True)
    built = [(_label(name, cell.prr_lam), make_policy(name, template, options={"lam": cell.prr_lam}))
             for name in cell.policies]
    predictor = GaussianNoisePredictor(cell.sigma)
    ratios = {label: [] for label, _ in built}
    eta = []
    for _ in range(cell.instances):
        x = pareto_sizes(n, rng, alpha=cell.alpha, minimum=1.0)
        jobs = JobSet.batch(x, predictions=predictor.predict(x, rng))
        opt = opt_batch_cost(x)
        eta.append(jobs.eta / n)
        for label, policy in built:
            ratios[label].append(simulate(jobs, policy).total_completion_time / opt)
    rows = [{"policy": label, "metric": "mean_ratio", "value": float(np.mean(v))} for label, v in ratios.items()]
    rows.append({"policy": "prediction", "metric": "mean_abs_error", "value": float(np.mean(eta))})
    return [{**r, "n_jobs": n, "alpha": cell.alpha} for r in rows]


#: The frontier figure's families: (label, registered policy, lam range).
FAMILIES = (("PRR", "sched.prr", (0.05, 0.95)), ("two-stage", "sched.two_stage", (0.02, 1.0 / 3.0)))


def run_frontier(cell: FrontierCell, rng: np.random.Generator) -> list[dict]:
    """(consistency, robustness) of each family over ``lam``, as the worst ratios a search finds."""
    env = SchedulingServer(JobSet.batch([1.0, 1.0], predictions=[1.0, 1.0]))
    rows = []
    for family, name, (lo, hi) in FAMILIES:
        for lam in np.linspace(lo, hi, cell.frontier_points):
            policy = make_policy(name, env, lam=float(lam))
            hard = getattr(policy, "two_job_hard_instance", None)   # a policy may name its known hard instance
            seeds = [hard(1e-9)] if hard is not None else []
            for metric, consistent in (("consistency", True), ("robustness", False)):
                value, _ = scheduling_worst_ratio(policy, 2, consistent=consistent, rng=rng,
                                                  n_random=cell.search_random, max_evals=cell.search_evals,
                                                  seeds=seeds)
                rows.append({"family": family, "lam": float(lam), "metric": metric, "value": value, "n_jobs": 2})
    return rows


def _role(label: str) -> str:
    """The registry name behind a policy label (``"PRR(0.5)"`` -> ``"sched.prr"``), for its colour."""
    base = label.split("(")[0]
    return next((n for n in policies.names("scheduling") if policies.get(n).spec.label == base), label)


#: Markers by policy, so the lines stay apart in grey scale too.
MARKERS = {"sched.rr": "s", "sched.spjf": "^", "sched.prr": "o"}


def plot_ratio(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Mean ratio against the prediction noise (Fig. 2b)."""
    sub = results
    n = sub.unique("n_jobs")[0]
    alpha = sub.unique("alpha")[0] if "alpha" in sub.columns else 1.1   # folders written before alpha was a column
    fig, ax = new_figure(width=7.2, height=4.6)
    summaries = sub.summary(x="sigma", metric="mean_ratio", by="policy")
    for s in summaries:
        plot_summaries(ax, [s], colors=lambda label: color(_role(label)), marker=MARKERS.get(_role(s.label), "D"))
    ax.set_xscale("symlog", linthresh=1.0)
    # plain tick labels (0, 1, 10, 100): no mathtext to lay out
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())
    ax.set(xlabel=r"prediction noise $\sigma$ (size units; linear below 1, log above)",
           ylabel=r"mean ratio  total completion time / OPT",
           title=rf"{n} jobs, Pareto({alpha:g}) sizes, $y = \max(0, x + \mathcal{{N}}(0, \sigma^2))$")
    ax.legend(title=interval_note(summaries), title_fontsize=8)
    return save_figure(fig, out_dir, "scheduling_ratio_vs_sigma")


def plot_frontier(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """The two-job frontier against the Wei-Zhang bound."""
    sub = results
    fig, ax = new_figure(width=7.2, height=4.8)
    lam = np.linspace(1e-3, 1.0 / 3.0, 300)
    ax.plot(1 + lam, bounds.wei_zhang_scheduling_robustness(lam, 2), color=color("bound"), linestyle="--",
            label=r"Wei-Zhang lower bound $1 + 1/(1 + 6\lambda)$ at consistency $1 + \lambda$")
    lam = np.linspace(0.01, 0.99, 300)
    c, r = bounds.prr_two_job_curve(lam)
    ax.plot(c, r, color=color("sched.prr"), linestyle=":", linewidth=2.5,
            label=r"PRR($\lambda$) closed form $(2(2+\lambda)/(3(1+\lambda)),\ 4/(3-\lambda))$")
    found = []
    for family, name, marker in (("PRR", "sched.prr", "o"), ("two-stage", "sched.two_stage", "s")):
        rows = sub.filter(family=family)
        cs = rows.summary(x="lam", metric="consistency")[0]
        rs = rows.summary(x="lam", metric="robustness")[0]
        found += [cs, rs]
        label = f"{family}: worst case found by search"
        if cs.has_band and rs.has_band:
            ax.errorbar(cs.mean, rs.mean, xerr=[cs.mean - cs.lo, cs.hi - cs.mean],
                        yerr=[rs.mean - rs.lo, rs.hi - rs.mean], color=color(name), marker=marker,
                        linestyle="none", capsize=2, label=label)
        else:   # too few replications for an interval: the mean point only
            ax.plot(cs.mean, rs.mean, color=color(name), marker=marker, linestyle="none", label=label)
    ax.plot([4 / 3], [4 / 3], marker="*", markersize=14, color=color("sched.rr"), linestyle="none",
            label="round robin", zorder=5)   # drawn over the two-stage point at lam = 1/3, at the same place
    ax.set(xlabel="consistency (ratio with exact predictions)", ylabel="robustness (worst ratio)",
           title="Two jobs released at 0: consistency-robustness trade-off")
    ax.legend(fontsize=8, title=interval_note(found).replace("mean", "search results: mean", 1), title_fontsize=8)
    return save_figure(fig, out_dir, "scheduling_frontier_n2")


SCENARIO = Scenario(
    name="scheduling",
    description="Non-clairvoyant scheduling with predictions: Purohit et al. Fig. 2b and the n = 2 frontier.",
    params=Params,
    studies=(
        Study("ratio", cell=RatioCell, run=run_ratio, plot=plot_ratio,
              grid=lambda p: [{"sigma": s} for s in p.sigmas], sweeps={"sigma": "sigmas"},
              description="Mean ratio to OPT of each policy against the prediction noise (Fig. 2b).",
              metrics={"mean_ratio": "ratio", "mean_abs_error": "nonnegative"}, headline=("mean_ratio",)),
        Study("frontier", cell=FrontierCell, run=run_frontier, plot=plot_frontier,
              description="Two-job consistency-robustness of PRR and the two-stage schedule, by search.",
              metrics={"consistency": "ratio", "robustness": "ratio"}),
    ),
    quick={"instances": 10, "sigmas": (0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 1000.0), "frontier_points": 4,
           "search_random": 40, "search_evals": 60},
    replications=10,
    quick_replications=3,
)
SCENARIO.run_if_main(__name__)
