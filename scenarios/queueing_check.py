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
times of the jobs after a warm-up (the first jobs see an empty start) and
before the last ``cooldown`` fraction (the last jobs see an emptying system:
no later arrival delays them). The warm-up of each discipline's series of
response times (in arrival order, the last ``cooldown`` fraction left out) is
its MSER-5 truncation point (:func:`sim.warmup.mser`; ``warmup="mser-5"``, the
default), or a fixed fraction of the jobs (``warmup=0.1``, say). Each
discipline and replication reports its cut (``warmup_truncated``, jobs
dropped) and whether MSER-5 judged it reliable (``warmup_reliable``, 0 or 1;
a fixed fraction counts as reliable). The figure shows the simulated means
with confidence intervals across replications (log-scale t, inside
``E[T] > 0``) next to theory, the relative errors, and the cuts in a caption.

Run it with ``stratsim run queueing_check`` or ``python -m scenarios.queueing_check``.

Examples
--------
>>> import numpy as np
>>> rows = run(Cell(rho=0.5, jobs=2000), np.random.default_rng(0))
>>> sorted({r["discipline"] for r in rows})
['fcfs', 'ps', 'psjf', 'srpt']
>>> fixed = run(Cell(rho=0.5, jobs=2000, warmup=0.1), np.random.default_rng(0))
>>> sorted({r["value"] for r in fixed if r["metric"] == "warmup_truncated"})
[200.0]
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
from sim.errors import ValidationError
from sim.plotting import color, interval_note, new_figure, save_figure
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_choice, check_int, check_real
from sim.warmup import mser, truncate

__all__ = ["REFERENCE", "SCENARIO", "Cell", "Params", "plot", "run"]

#: REFERENCE.md's M/M/1 values (mu = 1).
REFERENCE = {("srpt", 0.5): 1.4254, ("srpt", 0.8): 2.3528, ("psjf", 0.5): 1.5314, ("psjf", 0.8): 2.6589,
             ("fcfs", 0.5): 2.0, ("fcfs", 0.8): 5.0, ("ps", 0.5): 2.0, ("ps", 0.8): 5.0}

DISCIPLINES = (("fcfs", FCFS), ("ps", RoundRobin), ("srpt", SRPT), ("psjf", SPT))
LABELS = {"fcfs": "FCFS", "ps": "PS (RR)", "srpt": "SRPT", "psjf": "PSJF"}
#: Each discipline's colour: that of the registered policy that serves it (one colour per rule everywhere).
ROLES = {"fcfs": "sched.fcfs", "ps": "sched.rr", "srpt": "sched.srpt", "psjf": "sched.spt"}
#: The warm-up rules by name (a number is a fixed fraction).
WARMUP_RULES = ("mser-5",)


@dataclass(frozen=True)
class Params:
    """Parameters of the queueing check.

    Attributes
    ----------
    rhos : tuple of float
        Loads swept (one cell each), each in ``(0, 1)``.
    jobs : int
        Jobs per replication.
    warmup : "mser-5" or float
        The warm-up rule: ``"mser-5"`` (each discipline's MSER-5 truncation
        point) or a fixed fraction of the jobs dropped at the start, in ``[0, 1)``.
    cooldown : float
        Fraction of the jobs dropped at the end (they see an emptying system),
        in ``[0, 0.5)``; with a fixed ``warmup``, ``warmup + cooldown < 1``.
    """

    rhos: tuple[float, ...] = (0.5, 0.8)
    jobs: int = 50_000
    warmup: float | str = "mser-5"
    cooldown: float = 0.1

    def __post_init__(self):
        for r in self.rhos:
            check_real("rhos", r, low=0.0, high=1.0, low_open=True, high_open=True)
        Cell(jobs=self.jobs, warmup=self.warmup, cooldown=self.cooldown)  # the shared fields' checks


@dataclass(frozen=True)
class Cell:
    """One run: the four disciplines at load ``rho`` (other fields as in :class:`Params`)."""

    rho: float = 0.5
    jobs: int = 50_000
    warmup: float | str = "mser-5"
    cooldown: float = 0.1

    def __post_init__(self):
        check_real("rho", self.rho, low=0.0, high=1.0, low_open=True, high_open=True)
        check_int("jobs", self.jobs, low=10)
        check_real("cooldown", self.cooldown, low=0.0, high=0.5, high_open=True)
        if isinstance(self.warmup, str):
            check_choice("warmup", self.warmup, WARMUP_RULES)
        else:
            check_real("warmup", self.warmup, low=0.0, high=1.0, high_open=True)
            if self.warmup + self.cooldown >= 1.0:
                raise ValidationError(f"warmup + cooldown must be < 1 (some jobs kept), got warmup={self.warmup!r} "
                                      f"and cooldown={self.cooldown!r}")


@functools.lru_cache(maxsize=64)
def _theory(discipline: str, rho: float) -> float:
    return mean_response_time(discipline, rho)


def run(params: Cell, rng: np.random.Generator) -> list[dict]:
    """One replication at load ``params.rho``: simulated and theoretical E[T] per discipline, and the warm-up cut."""
    n = params.jobs
    release = np.cumsum(rng.exponential(1.0 / params.rho, n))
    jobs = JobSet(release, rng.exponential(1.0, n))
    end = n - int(params.cooldown * n)
    rows = []
    for name, make in DISCIPLINES:
        response = simulate(jobs, make()).response
        if isinstance(params.warmup, str):
            cut = mser(response[:end])     # the emptying end would look like a second transient
        else:
            _, cut = truncate(response, params.warmup)     # a fraction of all the jobs
        rule = {"discipline": name, "warmup_rule": cut.rule}
        rows.append({"discipline": name, "metric": "mean_response_time",
                     "value": float(response[cut.index:end].mean())})
        rows.append({"discipline": name, "metric": "theory_response_time",
                     "value": _theory(name, params.rho)})
        rows.append({**rule, "metric": "warmup_truncated", "value": float(cut.index)})
        rows.append({**rule, "metric": "warmup_reliable", "value": float(cut.reliable)})
    return rows


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Simulated E[T] (interval inside E[T] > 0) next to theory, one panel per load, the relative error, the cuts."""
    rhos = results.unique("rho")
    fig, axes = new_figure(1, len(rhos) + 1, width=5.0 * (len(rhos) + 1), height=4.6)
    axes = np.atleast_1d(axes)
    names = [d for d, _ in DISCIPLINES]
    x = np.arange(len(names))
    rel_ax = axes[-1]
    notes = []
    for j, rho in enumerate(rhos):
        ax = axes[j]
        cell = results.filter(rho=rho)
        found = {s.group["discipline"]: s for s in cell.summary(x="rho", metric="mean_response_time",
                                                                 by="discipline")}
        summaries = [found[d] for d in names]
        theory = np.array([cell.filter(discipline=d).values("theory_response_time")[0] for d in names])
        offset = (j - (len(rhos) - 1) / 2) * 0.15
        for i, (d, s) in enumerate(zip(names, summaries)):
            c = color(ROLES[d])
            mean, lo, hi = s.mean[0], s.lo[0], s.hi[0]
            rel = np.array([mean, lo, hi]) / theory[i] - 1.0   # theory is exact: the interval maps over
            if s.has_band:
                ax.errorbar([x[i]], [mean], yerr=[[mean - lo], [hi - mean]], marker="o", color=c, capsize=4,
                            linestyle="none")
                rel_ax.errorbar([x[i] + offset], [100 * rel[0]], yerr=[[100 * (rel[0] - rel[1])],
                                                                        [100 * (rel[2] - rel[0])]],
                                marker="os^v"[j % 4], color=c, capsize=4, linestyle="none")
            else:  # too few replications for an interval: each replication's value
                ax.plot(np.full(s.values[0].size, x[i]), s.values[0], marker=".", color=c, linestyle="none")
                rel_ax.plot(np.full(s.values[0].size, x[i] + offset), 100 * (s.values[0] / theory[i] - 1.0),
                            marker="os^v"[j % 4], color=c, linestyle="none", alpha=0.7)
        ax.plot(x, theory, marker="_", markersize=22, markeredgewidth=2, linestyle="none", color=color("bound"),
                label="theory")
        for i in range(len(names)):
            ax.annotate(f"{theory[i]:.4f}", (x[i], theory[i]), textcoords="offset points", xytext=(12, -3),
                        fontsize=8)
        ax.plot([], [], marker="o", color="0.4", linestyle="none", label="simulated (colour: discipline)")
        ax.set_xticks(x, [LABELS[d] for d in names])
        ax.set_xlim(-0.5, len(names) - 0.2)
        ax.set(xlabel="discipline", ylabel=r"mean response time $E[T]$ (mean service times)",
               title=rf"M/M/1, $\rho = {rho:g}$")
        # theory falls from FCFS/PS to PSJF to SRPT: the middle of the right side is free
        ax.legend(title=interval_note(summaries), title_fontsize=7, fontsize=8, loc="center right")
        rel_ax.plot([], [], marker="os^v"[j % 4], color="0.4", linestyle="none", label=rf"$\rho = {rho:g}$")
        notes.append(_warmup_note(cell, rho))
    rel_ax.axhline(0.0, color=color("bound"), linewidth=1)
    rel_ax.set_xticks(x, [LABELS[d] for d in names])
    rel_ax.set_xlim(-0.5, len(names) - 0.5)
    rel_ax.set(xlabel="discipline", ylabel="simulated / theory - 1 (%)", title="Relative error")
    bottom, top = rel_ax.get_ylim()
    rel_ax.set_ylim(bottom, top + 0.3 * (top - bottom))  # headroom: the legend never covers an error bar
    rel_ax.legend(title=interval_note(results.summary(x="rho", metric="mean_response_time", by="discipline")),
                  title_fontsize=7, fontsize=8, loc="upper center", ncols=len(rhos))
    fig.supxlabel("; ".join(notes), fontsize=8)
    return save_figure(fig, out_dir, "queueing_check_mm1")


_RULE_NAMES = {"mser-5": "MSER-5", "fraction": "fixed fraction"}


def _warmup_note(cell: Results, rho: float) -> str:
    """The caption of load ``rho``'s warm-up: the rule, how many jobs it dropped, how often it was reliable."""
    cuts = cell.filter(metric="warmup_truncated")
    if not cuts.rows:  # a results folder written before the cut was reported
        return rf"$\rho = {rho:g}$: warm-up not reported"
    dropped = cuts.values()
    reliable = cell.values("warmup_reliable")
    rules = " / ".join(sorted({_RULE_NAMES.get(r, r) for r in cuts.column("warmup_rule")}))
    return (rf"warm-up at $\rho = {rho:g}$ ({rules}): {dropped.min():.0f}-{dropped.max():.0f} jobs dropped "
            f"(mean {dropped.mean():.0f}), reliable in {int(reliable.sum())} of {reliable.size} series")


SCENARIO = Scenario(
    name="queueing_check",
    description="Event-driven server vs M/M/1 theory under FCFS, PS, SRPT and PSJF, with CIs.",
    params=Params,
    studies=(Study("mm1", cell=Cell, run=run, plot=plot, grid=lambda p: [{"rho": r} for r in p.rhos],
                   sweeps={"rho": "rhos"}, description="Four disciplines against M/M/1 theory.",
                   metrics={"mean_response_time": "nonnegative", "theory_response_time": "nonnegative",
                            "warmup_truncated": "nonnegative", "warmup_reliable": "share"},
                   headline=("mean_response_time",)),),
    quick={"jobs": 15_000},
    replications=20,
    quick_replications=5,
)
SCENARIO.run_if_main(__name__)
