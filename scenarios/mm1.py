"""M/M/1 queue: the engine checked end to end against queueing theory.

Model. Customers arrive as a Poisson process of rate :math:`\\lambda` (``lam``)
and are served first-come-first-served by one server with exponential service
of rate :math:`\\mu` (``mu``; load :math:`\\rho = \\lambda / \\mu < 1`). In
steady state the mean response (sojourn) time is
:math:`E[T] = 1 / (\\mu - \\lambda)` and, by Little's law, the mean number in
the system is :math:`E[N] = \\lambda E[T] = \\rho / (1 - \\rho)`.

Each replication admits a fixed number of ``customers`` (a random count would
correlate with congestion and bias the mean), serves every one of them to
completion (so long sojourns at the end are not censored), drops a warm-up
(the transient from an empty start) and reports the mean response time and the
time-average number in system while the kept customers arrive, next to the
theory. The warm-up is found by MSER-5 (:func:`sim.warmup.mser`) on the
response times in arrival order (``warmup="mser-5"``, the default) or is a
fixed fraction of the customers (``warmup=0.1``, say). Each replication
reports where it cut (``warmup_truncated``, customers dropped) and whether
MSER-5 found the cut reliable (``warmup_reliable``, 0 or 1; a fixed fraction
counts as reliable); the figure shows both beside the response times.

Run it with ``stratsim run mm1`` or ``python -m scenarios.mm1``.

Examples
--------
>>> import numpy as np
>>> rows = run(Cell(rho=0.5, customers=2000), np.random.default_rng(0))
>>> {r["metric"] for r in rows} >= {"mean_response_time", "theory_response_time", "warmup_truncated"}
True
>>> fixed = run(Cell(rho=0.5, customers=2000, warmup=0.1), np.random.default_rng(0))
>>> next(r["value"] for r in fixed if r["metric"] == "warmup_truncated")
200.0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

from sim import Simulation
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.random import RngLike
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_choice, check_int, check_real
from sim.warmup import truncate

__all__ = ["SCENARIO", "Cell", "Params", "plot", "run"]

#: The warm-up rules by name (a number is a fixed fraction).
WARMUP_RULES = ("mser-5",)


def _check_warmup(value: float | str) -> None:
    if isinstance(value, str):
        check_choice("warmup", value, WARMUP_RULES)
    else:
        check_real("warmup", value, low=0.0, high=1.0, high_open=True)


@dataclass(frozen=True)
class Params:
    """Parameters of the M/M/1 check.

    Attributes
    ----------
    mu : float
        Service rate (> 0).
    rhos : tuple of float
        Loads swept (one cell each), each in (0, 1).
    customers : int
        Customers simulated per replication.
    warmup : "mser-5" or float
        The warm-up rule: ``"mser-5"`` (the MSER-5 truncation point of each
        replication's response times) or a fixed fraction of the customers
        discarded as transient, in [0, 1).
    """

    mu: float = 1.0
    rhos: tuple[float, ...] = (0.3, 0.5, 0.7, 0.8)
    customers: int = 20000
    warmup: float | str = "mser-5"

    def __post_init__(self):
        for r in self.rhos:
            check_real("rhos", r, low=0.0, high=1.0, low_open=True, high_open=True)
        Cell(mu=self.mu, customers=self.customers, warmup=self.warmup)  # the shared fields' checks


@dataclass(frozen=True)
class Cell:
    """One run: an M/M/1 queue at load ``rho`` (the other fields as in :class:`Params`)."""

    mu: float = 1.0
    rho: float = 0.5
    customers: int = 20000
    warmup: float | str = "mser-5"

    def __post_init__(self):
        check_real("mu", self.mu, low=0.0, low_open=True)
        check_real("rho", self.rho, low=0.0, high=1.0, low_open=True, high_open=True)
        check_int("customers", self.customers, low=10)
        _check_warmup(self.warmup)


def run(params: Cell, rng: RngLike) -> list[dict]:
    """One replication at load ``params.rho``: simulated and theoretical E[T] and E[N], and the warm-up cut."""
    lam = params.rho * params.mu
    sim = Simulation(rng)
    server = simpy.Resource(sim.env, capacity=1)
    response = sim.recorder.channel("response_time")
    in_system = sim.recorder.channel("in_system")
    count = [0]
    arrived_at = np.empty(params.customers)
    arrivals, services = sim.rng("arrivals"), sim.rng("services")

    def customer():
        arrived = sim.now
        count[0] += 1
        in_system(count[0])
        with server.request() as req:
            yield req
            yield sim.timeout(services.exponential(1.0 / params.mu))
        count[0] -= 1
        in_system(count[0])
        response(sim.now - arrived)

    def source():
        for k in range(params.customers):
            yield sim.timeout(arrivals.exponential(1.0 / lam))
            arrived_at[k] = sim.now
            sim.process(customer())

    sim.process(source())
    sim.run()
    # One FCFS server completes customers in arrival order, so the channel is the series in arrival order.
    t_resp, cut = truncate(sim.recorder.values("response_time"), params.warmup)
    mean_n = sim.recorder.time_average("in_system", arrived_at[-1], since=arrived_at[cut.index])
    theory_t = 1.0 / (params.mu - lam)
    return [
        {"metric": "mean_response_time", "value": float(t_resp.mean())},
        {"metric": "theory_response_time", "value": theory_t},
        {"metric": "mean_in_system", "value": mean_n},
        {"metric": "theory_in_system", "value": lam * theory_t},
        {"metric": "customers", "value": float(t_resp.size)},
        {"metric": "warmup_truncated", "warmup_rule": cut.rule, "value": float(cut.index)},
        {"metric": "warmup_reliable", "warmup_rule": cut.rule, "value": float(cut.reliable)},
    ]


_RULE_NAMES = {"mser-5": "MSER-5", "fraction": "fixed fraction"}


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Mean response time against load, simulation (band) and theory 1/(mu - lambda); the warm-up cut."""
    fig, (ax, ax_w) = new_figure(1, 2, width=9.6, height=4.4, gridspec_kw={"width_ratios": [2.3, 1.0]})
    summaries = results.summary(x="rho", metric="mean_response_time")
    plot_summaries(ax, summaries, colors=lambda _: color("sched.fcfs"), labels={"mean_response_time": "simulated"})
    s = summaries[0]
    mu = results.rows[0].get("mu") or _default_mu(results)
    rho = np.linspace(s.x.min(), s.x.max(), 200)
    ax.plot(rho, 1.0 / (mu * (1.0 - rho)), linestyle="--", color=color("bound"),
            label=r"theory $E[T] = 1/(\mu - \lambda)$")
    ax.set(xlabel=r"load $\rho = \lambda / \mu$", ylabel=r"mean response time $E[T]$ (time units)",
           title="M/M/1 FCFS: simulation against theory")
    ax.legend(title=interval_note(summaries), title_fontsize=8, loc="upper left")

    # The cut is a per-replication diagnostic: show every replication's cut (no band) and their mean.
    cuts = results.filter(metric="warmup_truncated")
    if not cuts.rows:  # a results folder written before the cut was reported
        ax_w.set_axis_off()
        return save_figure(fig, out_dir, "mm1_response_time")
    rhos = np.array(cuts.column("rho"), dtype=float)
    dropped = cuts.values()
    spread = 0.02 * (np.ptp(s.x) or 1.0)
    reps = np.array(cuts.column("rep"), dtype=float)
    jitter = spread * (reps - reps.mean()) / (np.ptp(reps) or 1.0)
    ax_w.plot(rhos + jitter, dropped, linestyle="none", marker=".", color=color("sched.fcfs"), alpha=0.7,
              label="one replication")
    means = [dropped[rhos == r].mean() for r in s.x]
    ax_w.plot(s.x, means, linestyle="none", marker="_", markersize=16, markeredgewidth=2, color=color("bound"),
              label="mean")
    rules = sorted({_RULE_NAMES.get(r, r) for r in cuts.column("warmup_rule")})
    reliable = results.values("warmup_reliable")
    total = dropped + results.values("customers")
    top = max(1.0, 1.6 * dropped.max())  # headroom for the legend
    ax_w.set_ylim(bottom=-0.03 * top, top=top)  # cuts of 0 stay visible above the axis line
    ax_w.set(xlabel=r"load $\rho = \lambda / \mu$", ylabel="customers dropped as warm-up",
             title=f"Warm-up cut ({' / '.join(rules)})")
    ax_w.legend(title=f"n = {int(np.max(s.n))} replications of {int(total.max()):d} customers;\n"
                      f"cut judged reliable in {int(reliable.sum())} of {reliable.size}",
                title_fontsize=7, fontsize=7, loc="upper center", ncols=2)
    return save_figure(fig, out_dir, "mm1_response_time")


def _default_mu(results) -> float:
    # E[T] theory rows carry 1/(mu - lam) = 1/(mu (1 - rho)): recover mu from any of them.
    row = next(r for r in results.rows if r["metric"] == "theory_response_time")
    return 1.0 / (row["value"] * (1.0 - row["rho"]))


SCENARIO = Scenario(
    name="mm1",
    description="M/M/1 queue simulated on the engine and checked against E[T] = 1/(mu - lambda).",
    params=Params,
    studies=(Study("response", cell=Cell, run=run, plot=plot, grid=lambda p: [{"rho": r} for r in p.rhos],
                   sweeps={"rho": "rhos"}, description="Mean response time against load, with theory.",
                   metrics={"mean_response_time": "nonnegative", "theory_response_time": "nonnegative",
                            "mean_in_system": "nonnegative", "theory_in_system": "nonnegative",
                            "customers": "nonnegative", "warmup_truncated": "nonnegative",
                            "warmup_reliable": "share"},
                   headline=("mean_response_time",)),),
    quick={"customers": 5000, "rhos": (0.3, 0.5, 0.7)},
    replications=10,
    quick_replications=5,
)
SCENARIO.run_if_main(__name__)
