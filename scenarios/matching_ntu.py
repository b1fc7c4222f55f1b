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
when its exploration is long enough for the gaps and ``sigma``.

The market is one fixed instance (``market_seed``); replications differ in the
reward noise. Default ``sigma = 1.0`` (1-subgaussian rewards, as in the
REFERENCE's bandit protocol).

Run it with ``stratsim run matching_ntu``.

Examples
--------
>>> import numpy as np
>>> rows = run(Params(T=60, points=3), np.random.default_rng(0))
>>> sorted({r["metric"] for r in rows})
['blocking_pairs', 'optimal_regret', 'pessimal_regret', 'player_optimal_regret', 'player_pessimal_regret']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.matching import liu_market, run_ntu
from sim.plotting import band, new_figure, save_figure
from sim.registry import load_policy
from sim.scenario import Scenario
from sim.validate import check_choice, check_int, check_real

__all__ = ["Params", "run", "plot", "SCENARIO"]

_LEARNERS = {"ucb": "match_ntu.ucb", "etc": "match_ntu.etc"}
_LABELS = {"ucb": "centralized UCB", "etc": "explore-then-commit"}


@dataclass(frozen=True)
class Params:
    """Parameters of the NTU reproduction.

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
        Exploration rounds of ETC (0 = the default ``L ceil((T/L)^(2/3))``).
    learners : tuple of str
        ``"ucb"``, ``"etc"``.
    points : int
        Points of the regret trajectory reported (linear grid).
    market_seed : int
        Seed of the market instance.
    learner : str
        One cell (set by the grid).
    """

    players: int = 10
    arms: int = 10
    T: int = 4000
    sigma: float = 1.0
    c: float = 1.0
    explore: int = 0
    learners: tuple[str, ...] = ("ucb", "etc")
    points: int = 40
    market_seed: int = 0
    learner: str = "ucb"

    def __post_init__(self):
        check_int("players", self.players, low=1)
        check_int("arms", self.arms, low=1)
        check_int("T", self.T, low=1)
        check_real("sigma", self.sigma, low=0.0, low_open=True)
        check_real("c", self.c, low=0.0, low_open=True)
        check_int("explore", self.explore, low=0)
        for lr in self.learners + (self.learner,):
            check_choice("learner", lr, tuple(_LEARNERS))
        check_int("points", self.points, low=2)
        check_int("market_seed", self.market_seed, low=0)


def run(params: Params, rng) -> list[dict]:
    """One replication of one learner: regret trajectories, blocking pairs and per-player regret."""
    market = liu_market(params.players, params.arms, rng=params.market_seed, sigma=params.sigma)
    kw = {"arm_prefs": market.arm_prefs, "horizon": params.T}
    if params.learner == "ucb":
        kw["c"] = params.c
    elif params.explore:
        kw["explore"] = params.explore
    tr = run_ntu(market, load_policy(_LEARNERS[params.learner], **kw), params.T, rng)
    grid = np.unique(np.linspace(1, params.T, params.points).round().astype(np.int64))
    opt, pes = np.cumsum(tr.optimal_regret), np.cumsum(tr.pessimal_regret)
    rows = []
    for t in grid:
        window = tr.blocking_pairs[max(0, t - max(1, params.T // params.points)):t]
        rows += [{"t": int(t), "metric": "optimal_regret", "value": float(opt[t - 1])},
                 {"t": int(t), "metric": "pessimal_regret", "value": float(pes[t - 1])},
                 {"t": int(t), "metric": "blocking_pairs", "value": float(window.mean())}]
    for i in range(params.players):
        rows += [{"player": i, "metric": "player_optimal_regret", "value": float(tr.player_optimal_regret[i])},
                 {"player": i, "metric": "player_pessimal_regret", "value": float(tr.player_pessimal_regret[i])}]
    return rows


def plot(results, out_dir) -> list:
    """Cumulative player-optimal and player-pessimal stable regret, per-player regret, blocking pairs."""
    paths = []
    fig, axes = new_figure(1, 2)
    fig.set_layout_engine("constrained")
    for ax, metric, title in ((axes[0], "optimal_regret", "against the player-optimal stable matching"),
                              (axes[1], "pessimal_regret", "against the player-pessimal stable matching")):
        for s in results.summary(x="t", metric=metric, by="learner"):
            band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label), marker=None)
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set(xlabel="round t", ylabel="cumulative regret, all players (reward units)",
               title=title)
        ax.legend()
    fig.suptitle("Competing bandits (Liu et al. 2020): mean and 95% CI over replications")
    paths += save_figure(fig, out_dir, "matching_ntu_regret")

    fig, axes = new_figure(1, 2)
    fig.set_layout_engine("constrained")
    for ax, metric, title in ((axes[0], "player_optimal_regret", "player-optimal regret at T"),
                              (axes[1], "player_pessimal_regret", "player-pessimal regret at T")):
        for s in results.summary(x="player", metric=metric, by="learner"):
            band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label))
        ax.axhline(0.0, color="grey", linewidth=0.8)
        ax.set(xlabel="player index", ylabel="cumulative regret at T (reward units)", title=title)
        ax.legend()
    fig.suptitle("Per-player stable regret at the horizon (mean, 95% CI)")
    paths += save_figure(fig, out_dir, "matching_ntu_players")

    fig, ax = new_figure()
    for s in results.summary(x="t", metric="blocking_pairs", by="learner"):
        band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label), marker=None)
    ax.set(xlabel="round t", ylabel="blocking pairs of the played matching (window mean)",
           title="Stability of the played matching under the true preferences")
    ax.legend()
    paths += save_figure(fig, out_dir, "matching_ntu_blocking")
    return paths


SCENARIO = Scenario(
    name="matching_ntu",
    description="NTU competing bandits (Liu, Mania, Jordan 2020): centralized UCB and ETC, stable regret.",
    params=Params,
    run=run,
    plot=plot,
    grid=lambda p: [{"learner": lr} for lr in p.learners],
    quick={"T": 600, "points": 12},
    replications=10,
    quick_replications=2,
)

if __name__ == "__main__":
    from sim.cli import main

    raise SystemExit(main(["run", "matching_ntu", *__import__("sys").argv[1:]]))
