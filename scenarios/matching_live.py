r"""A live matching market: agents arrive and leave, the platform clears in batches and learns.

Model (:mod:`agents.matching.live`). Customers and providers arrive as Poisson
processes (rates ``customer_rate``, ``provider_rate``) with uniformly random
types (``types`` per side) and stay an exponential time of mean ``patience``
unless matched. Utilities depend on the two types and lie in [-1, 1]; the
platform does not know them. Every ``interval`` time units it clears the
market with a typed learner, sets zero-sum transfers, and learns from the
matched agents' noisy utilities (Gaussian, ``sigma``) across batches.

Compared learners: each registered matching learner in ``learners`` whose ids
may be types (``allows_repeats``; default typed MatchUCB, ``match.ucb_typed``),
built by :func:`sim.registry.make_policy` for the run's
:class:`~agents.matching.live.LiveMarketEnv`, once with confidence constant ``c``
(optimistic) and once with ``greedy_c`` (a tiny constant: nearly greedy on the
empirical means); the ``variant`` column says which. Metrics over time, averaged
in ``bins`` windows: the Subset Instability of each batch's outcome on the
true utilities, welfare and welfare regret per batch, mean payment per matched
pair, number of agents waiting, and the mean waiting time (arrival to match) of
the agents matched.

The type utilities are one fixed instance (``market_seed``); replications differ
in arrivals, stays and noise.

Stability is measured per batch (myopic): each clearing's Subset Instability is
over the agents waiting at that clearing only; blocking pairs across batches
and agents' incentives to wait or leave are not counted (see
:mod:`agents.matching.live`), so a low instability here does not mean the
market is stable over time.

One figure, every panel a metric over time, each learner in its colour
(:func:`sim.plotting.color`), the near-greedy variant dashed with a hatched
band; mean and 95% interval over the replications inside what the metric can
be, n in the legend. Both the quick (``horizon = 250``, 8 replications) and
the full figure show the near-greedy variant clearing with lower instability
and welfare regret but leaving more agents waiting, and waiting longer, than
the optimistic one.

Run it with ``stratsim run matching_live``.

Examples
--------
>>> import numpy as np
>>> rows = run_cell(Cell(horizon=20.0, bins=2), np.random.default_rng(0))
>>> {"instability", "welfare_regret", "mean_transfer", "mean_wait", "abandoned"} <= {r["metric"] for r in rows}
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.matching.live import LiveMarketEnv, random_type_utilities, simulate_live
from sim.errors import ValidationError
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.random import RngLike, spawn
from sim.registry import check_policy_name, make_policy, policies
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_choice, check_int, check_real

__all__ = ["Params", "Cell", "run_cell", "plot", "SCENARIO"]

DOMAIN = "matching"
_VARIANTS = ("optimistic", "near-greedy")
_METRICS = ("instability", "welfare", "welfare_regret", "mean_transfer", "matched", "waiting", "mean_wait")
_ROUNDOFF = 1e-9
# Instability, welfare regret, counts and times cannot be negative; welfare (utilities in [-1, 1]) and the
# payments (either direction) can.
_SUPPORTS = {"instability": "nonnegative", "welfare_regret": "nonnegative", "matched": "nonnegative",
             "waiting": "nonnegative", "mean_wait": "nonnegative", "total_instability": "nonnegative",
             "abandoned": "nonnegative", "mean_waiting_time": "nonnegative", "match_rate": "share",
             "welfare": "unbounded", "mean_transfer": "unbounded"}


def _check_live_learner(argument: str, name: str) -> None:
    check_policy_name(argument, name, DOMAIN)
    if not getattr(policies.get(name), "allows_repeats", False):
        raise ValidationError(f"{argument}: policy {name!r} tracks individual agents; the live market needs a "
                              f"learner whose ids are types (allows_repeats), e.g. 'match.ucb_typed'")


@dataclass(frozen=True)
class Params:
    """Settings of the live market.

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
        Confidence constants of the optimistic and the near-greedy variant (> 0).
    bins : int
        Time windows the per-batch series are averaged in.
    market_seed : int
        Seed of the type utilities.
    learners : tuple of str
        Registered matching learners whose ids may be types.
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
    learners: tuple[str, ...] = ("match.ucb_typed",)

    def __post_init__(self):
        for name in ("horizon", "interval", "customer_rate", "provider_rate", "patience", "sigma", "c", "greedy_c"):
            check_real(name, getattr(self, name), low=0.0, low_open=True)
        check_int("types", self.types, low=1)
        check_int("bins", self.bins, low=1)
        check_int("market_seed", self.market_seed, low=0)
        for lr in self.learners:
            _check_live_learner("learners", lr)
        if self.interval > self.horizon:
            raise ValidationError(f"interval must be <= horizon ({self.horizon}), got {self.interval}")


@dataclass(frozen=True)
class Cell:
    """One run: one learner (``variant`` picks ``c`` or ``greedy_c``); other fields as in :class:`Params`."""

    learner: str = "match.ucb_typed"
    variant: str = "optimistic"
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

    def __post_init__(self):
        _check_live_learner("learner", self.learner)
        check_choice("variant", self.variant, _VARIANTS)


def run_cell(cell: Cell, rng: RngLike) -> list[dict]:
    """One replication of one learner: binned per-batch metrics, waiting and abandonment totals."""
    uc, up = random_type_utilities(cell.types, cell.types, rng=cell.market_seed)
    batches = int(np.floor(cell.horizon / cell.interval + 1e-9))
    env = LiveMarketEnv(uc, up, sigma=cell.sigma, horizon=max(batches, 1))
    sim_rng, learner_rng = spawn(rng, 2)
    c = cell.c if cell.variant == "optimistic" else cell.greedy_c
    learner = make_policy(cell.learner, env, horizon=max(batches, 1), rng=learner_rng, options={"c": c})
    res = simulate_live(learner, customer_utils=uc, provider_utils=up, customer_rate=cell.customer_rate,
                        provider_rate=cell.provider_rate, patience=cell.patience, interval=cell.interval,
                        horizon=cell.horizon, sigma=cell.sigma, rng=sim_rng)
    rows = []
    if len(res.time):
        edges = np.linspace(0.0, cell.horizon, cell.bins + 1)
        which = np.clip(np.searchsorted(edges, res.time, side="left") - 1, 0, cell.bins - 1)
        for b in range(cell.bins):
            sel = which == b
            if not sel.any():
                continue
            mid = float(0.5 * (edges[b] + edges[b + 1]))
            for metric in _METRICS:
                vals = res.rollout[metric][sel]
                vals = vals[np.isfinite(vals)]
                if metric == "welfare_regret":
                    # max welfare minus the played welfare is >= 0; with ties between type pairs the two sums
                    # can differ by rounding (about 1e-16) when the played matching is optimal
                    vals = np.where(np.abs(vals) <= _ROUNDOFF, 0.0, vals)
                if vals.size:
                    rows.append({"time": mid, "metric": metric, "value": float(vals.mean())})
    arrived = res.waiting_times.size + res.abandoned
    rows += [
        {"metric": "total_instability", "value": float(res.instability.sum())},
        {"metric": "abandoned", "value": float(res.abandoned)},
        {"metric": "match_rate", "value": float(res.waiting_times.size / arrived) if arrived else 0.0},
        {"metric": "mean_waiting_time", "value": float(res.waiting_times.mean()) if res.waiting_times.size else 0.0},
    ]
    label = f"{policies.get(cell.learner).spec.label}" + (" (near-greedy, tiny c)" if cell.variant != "optimistic"
                                                            else "")
    return [dict(r, policy=label) for r in rows]


def _draw(ax, results: Results, metric: str) -> list:
    """One line per learner and variant in the learner's colour; the near-greedy variant dashed, its band hatched."""
    summaries = []
    for s in results.summary(x="time", metric=metric, by=("learner", "variant")):
        lr, variant = s.group["learner"], s.group["variant"]
        greedy = variant != "optimistic"
        text = _learner_label(lr) + (" (near-greedy, tiny c)" if greedy else "")
        before = len(ax.collections)
        plot_summaries(ax, [s], marker=None, colors={s.label: color(lr)}, labels={s.label: text},
                       linestyle="--" if greedy else "-")
        if greedy:  # same learner, same colour: a hatched band keeps the two variants' bands apart
            for coll in ax.collections[before:]:
                coll.set_facecolor("none")
                coll.set_edgecolor(color(lr))
                coll.set_hatch("////")
                coll.set_alpha(0.45)
        summaries.append(s)
    return summaries


def _learner_label(name: str) -> str:
    """Legend label of a learner: its ``spec.label``."""
    return policies.get(name).spec.label if name in policies else name


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Instability, welfare regret, transfers, waiting time and market thickness over time: one figure."""
    fig, axes = new_figure(3, 2, height=10.0)
    panels = (
        ("instability", "Subset Instability per batch (utility units)", "Instability of each clearing"),
        ("welfare_regret", "welfare regret per batch (utility units)", "Welfare lost against the best matching"),
        ("mean_transfer", "mean payment customer \u2192 provider (utility units)", "Transfers set by the platform"),
        ("mean_wait", "mean wait of matched agents (time units)", "Waiting time from arrival to match"),
        ("waiting", "agents waiting at a clearing", "Market thickness at each clearing"),
    )
    summaries = []
    for ax, (metric, ylabel, title) in zip(axes.ravel(), panels):
        summaries += _draw(ax, results, metric)
        ax.set(xlabel="simulated time (time units)", ylabel=ylabel, title=title)
    # every panel draws the same learners and variants: one legend, in the sixth slot
    handles, texts = axes[0, 0].get_legend_handles_labels()
    axes[2, 1].axis("off")
    axes[2, 1].legend(handles, texts, loc="center", title=interval_note(summaries) + "\neach point: mean over a "
                      "time window", title_fontsize="small", fontsize="small")
    fig.suptitle("Live market cleared in batches")
    return save_figure(fig, out_dir, "matching_live_over_time")


LIVE = Study("live", cell=Cell, run=run_cell, plot=plot,
             grid=lambda p: [{"learner": lr, "variant": v} for lr in p.learners for v in _VARIANTS],
             sweeps={"learner": "learners"},
             description="Each learner, optimistic and near-greedy, clearing the live market.",
             metrics=_SUPPORTS, headline=("total_instability", "mean_waiting_time"))

SCENARIO = Scenario(
    name="matching_live",
    description="Live matching market (DES): Poisson arrivals, batch clearing, typed MatchUCB learning across batches.",
    params=Params,
    studies=(LIVE,),
    quick={"horizon": 250.0, "bins": 10},
    replications=10,
    quick_replications=8,
)

SCENARIO.run_if_main(__name__)
