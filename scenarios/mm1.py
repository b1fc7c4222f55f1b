"""M/M/1 queue: the engine checked end to end against queueing theory.

Model. Customers arrive as a Poisson process of rate ``lam`` and are served
first-come-first-served by one server with exponential service of rate ``mu``
(load ``rho = lam / mu < 1``). In steady state the mean response (sojourn) time
is ``E[T] = 1 / (mu - lam)`` and, by Little's law, the mean number in the
system is ``E[N] = lam E[T] = rho / (1 - rho)``.

Each replication admits a fixed number of ``customers`` (a random count would
correlate with congestion and bias the mean), serves every one of them to
completion (so long sojourns at the end are not censored), discards the first
``warmup`` fraction (the transient from an empty start), and reports the mean
response time and the time-average number in system while the kept customers
arrive, next to the theory.

Run it with ``stratsim run mm1`` or ``python -m scenarios.mm1``.

Examples
--------
>>> import numpy as np
>>> rows = run(Cell(rho=0.5, customers=2000), np.random.default_rng(0))
>>> {r["metric"] for r in rows} >= {"mean_response_time", "theory_response_time"}
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import simpy

from sim import Simulation
from sim.plotting import band, new_figure, save_figure
from sim.random import RngLike
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_real

__all__ = ["SCENARIO", "Cell", "Params", "plot", "run"]


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
    warmup : float
        Fraction of the customers discarded as transient, in [0, 1).
    """

    mu: float = 1.0
    rhos: tuple[float, ...] = (0.3, 0.5, 0.7, 0.8)
    customers: int = 20000
    warmup: float = 0.1

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
    warmup: float = 0.1

    def __post_init__(self):
        check_real("mu", self.mu, low=0.0, low_open=True)
        check_real("rho", self.rho, low=0.0, high=1.0, low_open=True, high_open=True)
        check_int("customers", self.customers, low=10)
        check_real("warmup", self.warmup, low=0.0, high=1.0, high_open=True)


def run(params: Cell, rng: RngLike) -> list[dict]:
    """One replication at load ``params.rho``: simulated and theoretical E[T] and E[N]."""
    lam = params.rho * params.mu
    sim = Simulation(rng)
    server = simpy.Resource(sim.env, capacity=1)
    first_kept = int(params.warmup * params.customers)
    response = sim.recorder.channel("response_time")
    in_system = sim.recorder.channel("in_system")
    count = [0]
    window = [0.0, 0.0]  # arrival times of the first and last kept customers
    arrivals, services = sim.rng("arrivals"), sim.rng("services")

    def customer(k):
        arrived = sim.now
        count[0] += 1
        in_system(count[0])
        with server.request() as req:
            yield req
            yield sim.timeout(services.exponential(1.0 / params.mu))
        count[0] -= 1
        in_system(count[0])
        if k >= first_kept:
            response(sim.now - arrived)

    def source():
        for k in range(params.customers):
            yield sim.timeout(arrivals.exponential(1.0 / lam))
            if k == first_kept:
                window[0] = sim.now
            window[1] = sim.now
            sim.process(customer(k))

    sim.process(source())
    sim.run()
    t_resp = sim.recorder.values("response_time")
    mean_n = sim.recorder.time_average("in_system", window[1], since=window[0])
    theory_t = 1.0 / (params.mu - lam)
    return [
        {"metric": "mean_response_time", "value": float(t_resp.mean())},
        {"metric": "theory_response_time", "value": theory_t},
        {"metric": "mean_in_system", "value": mean_n},
        {"metric": "theory_in_system", "value": lam * theory_t},
        {"metric": "customers", "value": float(t_resp.size)},
    ]


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Mean response time against load, simulation (95% CI) and theory 1/(mu - lambda)."""
    fig, ax = new_figure()
    s = results.summary(x="rho", metric="mean_response_time")[0]
    band(ax, s.x, s.mean, s.lo, s.hi, label=f"simulated (mean, 95% CI, n={int(s.n.min())} reps)")
    mu = results.rows[0].get("mu") or _default_mu(results)
    rho = np.linspace(s.x.min(), s.x.max(), 200)
    ax.plot(rho, 1.0 / (mu * (1.0 - rho)), linestyle="--", color="black", label="theory 1/(mu - lambda)")
    ax.set(xlabel="load rho = lambda / mu", ylabel="mean response time E[T] (time units)",
           title="M/M/1 FCFS: simulation against theory")
    ax.legend()
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
                   sweeps={"rho": "rhos"}, description="Mean response time against load, with theory."),),
    quick={"customers": 2000, "rhos": (0.3, 0.5, 0.7)},
    replications=10,
    quick_replications=3,
)
SCENARIO.run_if_main(__name__)
