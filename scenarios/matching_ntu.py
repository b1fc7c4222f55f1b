r"""Competing bandits in an NTU matching market: the Liu, Mania, Jordan (2020) reproduction.

Model (REFERENCE section 1; :mod:`agents.matching.ntu`). ``players`` players
learn their unknown mean rewards for ``arms`` arms whose preferences over
players are known; a central platform matches them each round by deferred
acceptance on the players' estimated rankings and each matched player observes
its mean reward plus Gaussian noise (scale ``sigma``). Regret is measured
against the two extreme stable matchings of the true preferences: the
player-optimal :math:`\bar m` and the player-pessimal :math:`\underline m`
(summed over players, pseudo-regret). The reproduction setting: 10 x 10,
:math:`T = 4000`, each player's means are ``linspace(0.9, 0, 10)`` over the arms
in a random order, arms rank players at random. Centralized UCB has
:math:`O(\log T)` player-pessimal regret (its player-optimal regret may grow
linearly); explore-then-commit has :math:`O(\log T)` player-optimal regret
when its exploration is long enough for the gaps and ``sigma``: by default it
is told the market's smallest gap and explores for the theory's length
(:func:`agents.matching.ntu.theory_explore`), for which that bound holds.

Learners (``learners``) are registry names of domain ``"matching_ntu"``, each
built by :func:`sim.registry.make_policy` for the run's
:class:`~agents.matching.ntu.NTUEnv` (the arms' preferences and the horizon
from the environment; ``c`` and ``explore`` where the learner takes them).

The market is one fixed instance (``market_seed``); replications differ in the
reward noise. Default ``sigma = 1.0`` (1-subgaussian rewards, as in the
REFERENCE's bandit protocol).

Figures: each learner in its colour (:func:`sim.plotting.color`), mean and
95% interval over the replications (Student-t for the regrets, which are
negative when the played, unstable, matching gives the players more than the
stable matching; log-scale t for the blocking-pair counts), n in each legend;
per-player regret as one point per player and learner. Both the quick figures
(``T = 600``, 5 replications) and the full ones show: centralized UCB's
player-pessimal regret is negative and falls, its player-optimal regret grows
more slowly than linearly. With the defaults (``sigma = 1``, gaps of 0.1, 10 x
10) the theory's exploration is :math:`h = 2764` samples of every pair, about
27,600 rounds: longer than ``T``, so ETC is still exploring at the horizon and
its regret there is linear (the price of the guarantee at this gap and noise);
its :math:`O(\log T)` regret shows only for horizons beyond the exploration.
A shorter ``explore`` (e.g. the classical :math:`T^{2/3}` length, 1600 rounds
at ``T = 4000``) commits early and, at this gap and noise, usually to an
unstable matching (linear regret after the commit).

Run it with ``stratsim run matching_ntu``.

Examples
--------
>>> import numpy as np
>>> rows = run_cell(Cell(T=60, points=3), np.random.default_rng(0))
>>> sorted({r["metric"] for r in rows})
['blocking_pairs', 'optimal_regret', 'pessimal_regret', 'player_optimal_regret', 'player_pessimal_regret']
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.matching import NTUEnv, liu_market
from sim.environment import rollout
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.random import RngLike, spawn
from sim.registry import check_policy_name, make_policy, policies
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_real

__all__ = ["market_gap", "Params", "Cell", "run_cell", "plot", "SCENARIO"]

DOMAIN = "matching_ntu"


@dataclass(frozen=True)
class Params:
    """Settings of the NTU reproduction.

    Attributes
    ----------
    players, arms : int
        Market size (Liu et al.: 10 x 10).
    T : int
        Horizon (Liu et al.: 4000).
    sigma : float
        Reward noise (> 0).
    c : float
        UCB confidence constant (> 0).
    explore : int
        Exploration rounds of ETC (0 = the theory's length for the market's
        smallest preference gap and ``sigma``,
        :func:`agents.matching.ntu.theory_explore`).
    learners : tuple of str
        Registered learners of domain ``"matching_ntu"``.
    points : int
        Points of the regret trajectory reported (linear grid).
    market_seed : int
        Seed of the market instance.
    """

    players: int = 10
    arms: int = 10
    T: int = 4000
    sigma: float = 1.0
    c: float = 1.0
    explore: int = 0
    learners: tuple[str, ...] = ("match_ntu.ucb", "match_ntu.etc")
    points: int = 40
    market_seed: int = 0

    def __post_init__(self):
        check_int("players", self.players, low=1)
        check_int("arms", self.arms, low=1)
        check_int("T", self.T, low=1)
        check_real("sigma", self.sigma, low=0.0, low_open=True)
        check_real("c", self.c, low=0.0, low_open=True)
        check_int("explore", self.explore, low=0)
        for lr in self.learners:
            check_policy_name("learners", lr, DOMAIN)
        check_int("points", self.points, low=2)
        check_int("market_seed", self.market_seed, low=0)


@dataclass(frozen=True)
class Cell:
    """One run: one learner on the market (other fields as in :class:`Params`)."""

    learner: str = "match_ntu.ucb"
    players: int = 10
    arms: int = 10
    T: int = 4000
    sigma: float = 1.0
    c: float = 1.0
    explore: int = 0
    points: int = 40
    market_seed: int = 0

    def __post_init__(self):
        check_policy_name("learner", self.learner, DOMAIN)


def market_gap(market: object) -> float:
    """The players' smallest gap between two arms' means (what a gap-tuned learner is told).

    Examples
    --------
    >>> round(market_gap(liu_market(3, 3, rng=0)), 6)
    0.45
    """
    means = np.sort(np.asarray(market.player_means, dtype=float), axis=1)
    return float(np.diff(means, axis=1).min()) if means.shape[1] > 1 else 1.0


def label(name: str) -> str:
    """Legend label of a learner: its ``spec.label``."""
    return policies.get(name).spec.label if name in policies else name


def run_cell(cell: Cell, rng: RngLike) -> list[dict]:
    """One replication of one learner: regret trajectories, blocking pairs and per-player regret."""
    market = liu_market(cell.players, cell.arms, rng=cell.market_seed, sigma=cell.sigma)
    env = NTUEnv(market, horizon=cell.T)
    (child,) = spawn(rng, 1)
    learner = make_policy(cell.learner, env, horizon=cell.T, rng=child,
                          options={"c": cell.c, "explore": cell.explore or None, "gap": market_gap(market)})
    tr = rollout(env, learner, cell.T, rng=rng)
    grid = np.unique(np.linspace(1, cell.T, cell.points).round().astype(np.int64))
    opt, pes = tr.cumulative("optimal_regret"), tr.cumulative("pessimal_regret")
    per_opt = tr.cumulative("player_optimal_regret")[-1]
    per_pes = tr.cumulative("player_pessimal_regret")[-1]
    rows = []
    for t in grid:
        window = tr.blocking_pairs[max(0, t - max(1, cell.T // cell.points)):t]
        rows += [{"t": int(t), "metric": "optimal_regret", "value": float(opt[t - 1])},
                 {"t": int(t), "metric": "pessimal_regret", "value": float(pes[t - 1])},
                 {"t": int(t), "metric": "blocking_pairs", "value": float(window.mean())}]
    for i in range(cell.players):
        rows += [{"player": i, "metric": "player_optimal_regret", "value": float(per_opt[i])},
                 {"player": i, "metric": "player_pessimal_regret", "value": float(per_pes[i])}]
    return rows


def _learner_summaries(results: Results, x: str, metric: str) -> list:
    return results.summary(x=x, metric=metric, by="learner")


def _labels(summaries) -> dict:
    return {s.label: label(s.label) for s in summaries}


def _player_panel(ax, summaries) -> None:
    """Per-player regret as categories: one point (mean, interval whisker) per learner at each player, no line."""
    width = 0.7 / max(len(summaries), 1)
    players = sorted({int(x) for s in summaries for x in s.x})
    for k, s in enumerate(summaries):
        pos = s.x + (k - (len(summaries) - 1) / 2) * width
        c = color(s.label)
        if s.has_band:
            ax.errorbar(pos, s.mean, yerr=[s.mean - s.lo, s.hi - s.mean], linestyle="none", marker="o", color=c,
                        capsize=2, label=label(s.label))
        else:  # too few replications for an interval: the mean and each replication
            ax.plot(pos, s.mean, linestyle="none", marker="o", color=c, label=label(s.label))
            for p, v in zip(pos, s.values):
                ax.plot(np.full(v.size, p), v, linestyle="none", marker=".", color=c, alpha=0.6)
    ax.set_xticks(players, [str(i) for i in players])
    ax.set_xlim(min(players) - 0.5, max(players) + 0.5)
    ax.grid(False, axis="x")


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Cumulative player-optimal and player-pessimal stable regret, per-player regret, blocking pairs."""
    paths = []
    fig, axes = new_figure(1, 2)
    for ax, metric, title in ((axes[0], "optimal_regret", r"against the player-optimal stable matching $\bar m$"),
                              (axes[1], "pessimal_regret",
                               r"against the player-pessimal stable matching $\underline{m}$")):
        summaries = _learner_summaries(results, "t", metric)
        ax.axhline(0.0, color=color("baseline"), linewidth=0.8)
        plot_summaries(ax, summaries, marker=None, colors=color, labels=_labels(summaries))
        ax.set(xlabel=r"round $t$", ylabel="cumulative regret, all players (reward units)", title=title)
        ax.legend(fontsize="small", title=interval_note(summaries), title_fontsize="small")
    fig.suptitle("Competing bandits (Liu et al. 2020): stable regret (below 0: the players get more than that "
                 "stable matching gives them)", fontsize="medium")
    paths += save_figure(fig, out_dir, "matching_ntu_regret")

    fig, axes = new_figure(1, 2, height=5.0)
    for ax, metric, title in ((axes[0], "player_optimal_regret", r"player-optimal regret at $T$"),
                              (axes[1], "player_pessimal_regret", r"player-pessimal regret at $T$")):
        summaries = _learner_summaries(results, "player", metric)
        ax.axhline(0.0, color=color("baseline"), linewidth=0.8)
        _player_panel(ax, summaries)
        ax.set(xlabel="player (index)", ylabel=r"cumulative regret at $T$ (reward units)", title=title)
        # below the axes: the points spread over the whole panel
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, fontsize="small",
                  title="points and whiskers: " + interval_note(summaries), title_fontsize="small")
    fig.suptitle("Per-player stable regret at the horizon")
    paths += save_figure(fig, out_dir, "matching_ntu_players")

    fig, ax = new_figure()
    summaries = _learner_summaries(results, "t", "blocking_pairs")
    plot_summaries(ax, summaries, marker=None, colors=color, labels=_labels(summaries))
    ax.set(xlabel=r"round $t$", ylabel="blocking pairs of the played matching (window mean)",
           title="Stability of the played matching under the true preferences")
    ax.set_ylim(bottom=0.0)
    ax.legend(fontsize="small", title=interval_note(summaries), title_fontsize="small")
    paths += save_figure(fig, out_dir, "matching_ntu_blocking")
    return paths


# Regret against a stable matching is negative when the played (unstable) matching gives the players more;
# blocking pairs are counts.
_SUPPORTS = {"optimal_regret": "unbounded", "pessimal_regret": "unbounded", "player_optimal_regret": "unbounded",
             "player_pessimal_regret": "unbounded", "blocking_pairs": "nonnegative"}

REGRET = Study("regret", cell=Cell, run=run_cell, grid=lambda p: [{"learner": lr} for lr in p.learners],
               plot=plot, sweeps={"learner": "learners"},
               description="Stable regret, per-player regret and blocking pairs of each learner.",
               metrics=_SUPPORTS, headline=("optimal_regret", "pessimal_regret"))

SCENARIO = Scenario(
    name="matching_ntu",
    description="NTU competing bandits (Liu, Mania, Jordan 2020): centralized UCB and ETC, stable regret.",
    params=Params,
    studies=(REGRET,),
    quick={"T": 600, "points": 20},
    replications=10,
    quick_replications=5,
)

SCENARIO.run_if_main(__name__)
