r"""A live matching market: agents arrive and leave, the platform clears in batches and learns.

Model (:mod:`agents.matching.live`). Customers and providers arrive as Poisson
processes (rates ``customer_rate``, ``provider_rate``) with uniformly random
types (``types`` per side) and stay an exponential time of mean ``patience``
unless matched. Utilities depend on the two types and lie in [-1, 1]; the
platform does not know them. Every ``interval`` time units it clears the
market with a typed learner, sets zero-sum transfers, and learns from the
matched agents' noisy utilities (Gaussian, ``sigma``) across batches.

Compared learners (the ``learner`` column): typed MatchUCB with confidence
constant ``c`` (optimistic), and the same algorithm with ``greedy_c`` (a tiny
constant: nearly greedy on the empirical means). Metrics over time, averaged
in ``bins`` windows: the Subset Instability of each batch's outcome on the
true utilities, welfare and welfare regret per batch, mean payment per matched
pair, number of agents waiting, and the mean waiting time (arrival to match) of
the agents matched.

The type utilities are one fixed instance (``market_seed``); replications differ
in arrivals, stays and noise.

Run it with ``stratsim run matching_live``.

Examples
--------
>>> import numpy as np
>>> rows = run(Params(horizon=20.0, bins=2), np.random.default_rng(0))
>>> {"instability", "welfare_regret", "mean_transfer", "mean_wait", "abandoned"} <= {r["metric"] for r in rows}
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.matching import TypedMatchUCB, simulate_live
from agents.matching.live import random_type_utilities
from sim.plotting import band, new_figure, save_figure
from sim.errors import ValidationError
from sim.scenario import Scenario
from sim.validate import check_choice, check_int, check_real

__all__ = ["Params", "run", "plot", "SCENARIO"]

_LABELS = {"ucb_typed": "typed MatchUCB", "greedy": "near-greedy (tiny c)"}
_METRICS = ("instability", "welfare", "welfare_regret", "mean_transfer", "matched", "waiting", "mean_wait")


@dataclass(frozen=True)
class Params:
    """Parameters of the live market.

    Attributes
    ----------
    horizon : float
        Simulated time (time units).
    interval : float
        Time between clearings.
    customer_rate, provider_rate : float
        Poisson arrival rates (agents per time unit).
    patience : float
        Mean stay of an unmatched agent.
    types : int
        Types per side.
    sigma : float
        Feedback noise (> 0).
    c, greedy_c : float
        Confidence constants of the two learners (> 0).
    bins : int
        Time windows the per-batch series are averaged in.
    market_seed : int
        Seed of the type utilities.
    learners : tuple of str
        ``"ucb_typed"``, ``"greedy"``.
    learner : str
        One cell (set by the grid).
    """

    horizon: float = 600.0
    interval: float = 1.0
    customer_rate: float = 3.0
    provider_rate: float = 3.0
    patience: float = 3.0
    types: int = 4
    sigma: float = 0.5
    c: float = 1.0
    greedy_c: float = 0.01
    bins: int = 30
    market_seed: int = 0
    learners: tuple[str, ...] = ("ucb_typed", "greedy")
    learner: str = "ucb_typed"

    def __post_init__(self):
        for name in ("horizon", "interval", "customer_rate", "provider_rate", "patience", "sigma", "c", "greedy_c"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        check_int("types", self.types, low=1)
        check_int("bins", self.bins, low=1)
        check_int("market_seed", self.market_seed, low=0)
        for lr in self.learners + (self.learner,):
            check_choice("learner", lr, tuple(_LABELS))
        if self.interval > self.horizon:
            raise ValidationError(f"interval must be <= horizon ({self.horizon}), got {self.interval}")


def run(params: Params, rng) -> list[dict]:
    """One replication of one learner: binned per-batch metrics, waiting and abandonment totals."""
    uc, up = random_type_utilities(params.types, params.types, rng=params.market_seed)
    batches = int(np.floor(params.horizon / params.interval + 1e-9))
    c = params.c if params.learner == "ucb_typed" else params.greedy_c
    learner = TypedMatchUCB(range(params.types), range(params.types), horizon=max(batches, 1), c=c,
                            agents=2 * params.types)
    res = simulate_live(learner, customer_utils=uc, provider_utils=up, customer_rate=params.customer_rate,
                        provider_rate=params.provider_rate, patience=params.patience, interval=params.interval,
                        horizon=params.horizon, sigma=params.sigma, seed=int(rng.integers(2**63)))
    rows = []
    if len(res.time):
        edges = np.linspace(0.0, params.horizon, params.bins + 1)
        which = np.clip(np.searchsorted(edges, res.time, side="left") - 1, 0, params.bins - 1)
        for b in range(params.bins):
            sel = which == b
            if not sel.any():
                continue
            mid = float(0.5 * (edges[b] + edges[b + 1]))
            for metric in _METRICS:
                vals = getattr(res, metric)[sel]
                vals = vals[np.isfinite(vals)]
                if vals.size:
                    rows.append({"time": mid, "metric": metric, "value": float(vals.mean())})
    arrived = res.waiting_times.size + res.abandoned
    rows += [
        {"metric": "total_instability", "value": float(res.instability.sum())},
        {"metric": "abandoned", "value": float(res.abandoned)},
        {"metric": "match_rate", "value": float(res.waiting_times.size / arrived) if arrived else 0.0},
        {"metric": "mean_waiting_time", "value": float(res.waiting_times.mean()) if res.waiting_times.size else 0.0},
    ]
    return rows


def plot(results, out_dir) -> list:
    """Instability, welfare regret, transfers and waiting over time; one figure of four panels."""
    fig, axes = new_figure(2, 2)
    fig.set_layout_engine("constrained")
    panels = (
        ("instability", "Subset Instability per batch (utility units)", "Instability of each clearing"),
        ("welfare_regret", "welfare regret per batch (utility units)", "Welfare lost against the best matching"),
        ("mean_transfer", "mean payment customer -> provider (utility units)", "Transfers set by the platform"),
        ("mean_wait", "mean wait of matched agents (time units)", "Waiting time from arrival to match"),
    )
    for ax, (metric, ylabel, title) in zip(axes.ravel(), panels):
        for s in results.summary(x="time", metric=metric, by="learner"):
            band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label), marker=None)
        ax.set(xlabel="simulated time (time units)", ylabel=ylabel, title=title)
        ax.legend(fontsize="small")
    fig.suptitle("Live market cleared in batches (mean and 95% CI over replications)")
    paths = save_figure(fig, out_dir, "matching_live_over_time")
    fig, ax = new_figure()
    for s in results.summary(x="time", metric="waiting", by="learner"):
        band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label), marker=None)
    ax.set(xlabel="simulated time (time units)", ylabel="agents waiting at a clearing",
           title="Market thickness at each clearing (mean, 95% CI)")
    ax.legend()
    paths += save_figure(fig, out_dir, "matching_live_waiting")
    return paths


SCENARIO = Scenario(
    name="matching_live",
    description="Live matching market (DES): Poisson arrivals, batch clearing, typed MatchUCB learning across batches.",
    params=Params,
    run=run,
    plot=plot,
    grid=lambda p: [{"learner": lr} for lr in p.learners],
    quick={"horizon": 100.0, "bins": 10},
    replications=10,
    quick_replications=2,
)

if __name__ == "__main__":
    from sim.cli import main

    raise SystemExit(main(["run", "matching_live", *__import__("sys").argv[1:]]))
