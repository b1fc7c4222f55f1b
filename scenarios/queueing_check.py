"""The event-driven server checked against M/M/1 theory under four disciplines.

Model. Jobs arrive as a Poisson process of rate ``lam`` with exponential sizes
of mean 1 (so the load is ``rho = lam``) at one preemptive server
(:mod:`agents.online.server`), served by

- FCFS and processor sharing (round robin): ``E[T] = 1/(1 - rho)``;
- SRPT (Schrage & Miller) and preemptive shortest job first (PSJF), whose mean
  response times are integrals over the size distribution
  (:func:`agents.online.queueing.mean_response_time`); at ``rho`` = 0.5 / 0.8
  the reference values are 1.4254 / 2.3528 (SRPT) and 1.5314 / 2.6589 (PSJF).

Every replication serves the same arrival stream under every discipline,
admits ``jobs`` jobs, serves them all to completion, and averages the response
times of the jobs arriving after the first ``warmup`` fraction and before the
last ``warmup`` fraction (the first see an empty start, the last an emptying
system). The figure shows the simulated means with 95% confidence intervals
across replications next to theory.

Run it with ``stratsim run queueing_check`` or ``python -m scenarios.queueing_check``.

Examples
--------
>>> import numpy as np
>>> rows = run(Cell(rho=0.5, jobs=2000), np.random.default_rng(0))
>>> sorted({r["discipline"] for r in rows})
['fcfs', 'ps', 'psjf', 'srpt']
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.online.jobs import JobSet
from agents.online.queueing import mean_response_time
from agents.online.scheduling import FCFS, SPT, SRPT, RoundRobin
from agents.online.server import simulate
from sim.plotting import new_figure, save_figure
from sim.results import Results, mean_ci
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_real

__all__ = ["REFERENCE", "SCENARIO", "Cell", "Params", "plot", "run"]

#: REFERENCE.md's M/M/1 values (mu = 1).
REFERENCE = {("srpt", 0.5): 1.4254, ("srpt", 0.8): 2.3528, ("psjf", 0.5): 1.5314, ("psjf", 0.8): 2.6589,
             ("fcfs", 0.5): 2.0, ("fcfs", 0.8): 5.0, ("ps", 0.5): 2.0, ("ps", 0.8): 5.0}

DISCIPLINES = (("fcfs", FCFS), ("ps", RoundRobin), ("srpt", SRPT), ("psjf", SPT))
LABELS = {"fcfs": "FCFS", "ps": "PS (RR)", "srpt": "SRPT", "psjf": "PSJF"}


@dataclass(frozen=True)
class Params:
    """Parameters of the queueing check.

    Attributes
    ----------
    rhos : tuple of float
        Loads swept (one cell each), each in ``(0, 1)``.
    jobs : int
        Jobs per replication.
    warmup : float
        Fraction of jobs dropped at each end, in ``[0, 0.5)``.
    """

    rhos: tuple[float, ...] = (0.5, 0.8)
    jobs: int = 50_000
    warmup: float = 0.1

    def __post_init__(self):
        for r in self.rhos:
            check_real("rhos", r, low=0.0, high=1.0, low_open=True, high_open=True)
        Cell(jobs=self.jobs, warmup=self.warmup)  # the shared fields' checks


@dataclass(frozen=True)
class Cell:
    """One run: the four disciplines at load ``rho`` (other fields as in :class:`Params`)."""

    rho: float = 0.5
    jobs: int = 50_000
    warmup: float = 0.1

    def __post_init__(self):
        check_real("rho", self.rho, low=0.0, high=1.0, low_open=True, high_open=True)
        check_int("jobs", self.jobs, low=10)
        check_real("warmup", self.warmup, low=0.0, high=0.5, high_open=True)


@functools.lru_cache(maxsize=64)
def _theory(discipline: str, rho: float) -> float:
    return mean_response_time(discipline, rho)


def run(params: Cell, rng: np.random.Generator) -> list[dict]:
    """One replication at load ``params.rho``: simulated and theoretical E[T] per discipline."""
    n = params.jobs
    release = np.cumsum(rng.exponential(1.0 / params.rho, n))
    jobs = JobSet(release, rng.exponential(1.0, n))
    keep = slice(int(params.warmup * n), n - int(params.warmup * n))
    rows = []
    for name, make in DISCIPLINES:
        response = simulate(jobs, make()).response[keep]
        rows.append({"discipline": name, "metric": "mean_response_time", "value": float(response.mean())})
        rows.append({"discipline": name, "metric": "theory_response_time",
                     "value": _theory(name, params.rho)})
    return rows


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Simulated E[T] (95% CI) next to theory, one panel per load, plus the relative error."""
    rhos = results.unique("rho")
    fig, axes = new_figure(1, len(rhos) + 1, width=5.0 * (len(rhos) + 1), height=4.4)
    axes = np.atleast_1d(axes)
    names = [d for d, _ in DISCIPLINES]
    x = np.arange(len(names))
    for j, rho in enumerate(rhos):
        ax = axes[j]
        cell = results.filter(rho=rho)
        sims = np.array([mean_ci(cell.filter(discipline=d).values("mean_response_time")) for d in names])
        theory = [cell.filter(discipline=d).values("theory_response_time")[0] for d in names]
        ax.errorbar(x, sims[:, 0], yerr=[sims[:, 0] - sims[:, 1], sims[:, 2] - sims[:, 0]], marker="o",
                    linestyle="none", capsize=4, label="simulated (mean, 95% CI)")
        ax.plot(x, theory, marker="_", markersize=22, markeredgewidth=2, linestyle="none", color="C1",
                label="theory")
        for i in range(len(names)):
            ax.annotate(f"{theory[i]:.4f}", (x[i], theory[i]), textcoords="offset points", xytext=(10, -3),
                        fontsize=8)
        ax.set_xticks(x, [LABELS[d] for d in names])
        ax.set_xlim(-0.5, len(names) - 0.2)
        ax.set(xlabel="discipline", ylabel="mean response time E[T] (mean service times)",
               title=f"M/M/1, rho = {rho:g}")
        ax.legend(fontsize=8, loc="center left")
        rel = sims / np.array(theory)[:, None] - 1.0
        axes[-1].errorbar(x + (j - (len(rhos) - 1) / 2) * 0.15, 100 * rel[:, 0],
                          yerr=[100 * (rel[:, 0] - rel[:, 1]), 100 * (rel[:, 2] - rel[:, 0])],
                          marker="os^v"[j % 4], linestyle="none", capsize=4, label=f"rho = {rho:g}")
    axes[-1].axhline(0.0, color="black", linewidth=1)
    axes[-1].set_xticks(x, [LABELS[d] for d in names])
    axes[-1].set(xlabel="discipline", ylabel="simulated / theory - 1 (%)",
                 title="Relative error (95% CI across replications)")
    axes[-1].legend(fontsize=8)
    return save_figure(fig, out_dir, "queueing_check_mm1")


SCENARIO = Scenario(
    name="queueing_check",
    description="Event-driven server vs M/M/1 theory under FCFS, PS, SRPT and PSJF, with CIs.",
    params=Params,
    studies=(Study("mm1", cell=Cell, run=run, plot=plot, grid=lambda p: [{"rho": r} for r in p.rhos],
                   sweeps={"rho": "rhos"}, description="Four disciplines against M/M/1 theory."),),
    quick={"jobs": 15_000},
    replications=20,
    quick_replications=3,
)
SCENARIO.run_if_main(__name__)
