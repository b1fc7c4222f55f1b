"""RL user: a tabular learner learns to strategize against a recommender, next to the exact planner.

Model. Each replication draws a catalog of ``n_items`` items and one user of
the default two types (the world of ``stratsim/StrategicUser-v0``,
:mod:`agents.envs.strategic`), facing a platform running ``platform``
(default ``rec.greedy``) that reads likes only (``alpha = 1``) for ``steps``
rounds. Three users play it:

- the naive user (``user.naive``), engaging naturally;
- the exact planner (``user.strategic`` with the correct belief, planning to
  the end of the game: the best response, :func:`agents.strategic.strategization_gap`);
- a tabular Q-learner (:class:`agents.envs.TabularQLearner`, plain numpy), who
  knows nothing of the model: it sees only what the environment shows (the
  item recommended, the rounds left, its own history) and its utility, and
  trains for ``episodes`` episodes with epsilon-greedy exploration decaying
  from 1 to ``epsilon_min`` over the first ``explore_share`` of training
  (step size ``learning_rate``; the default 1 is the exact backup against a
  deterministic platform).

Measured at ``checkpoints`` points of training: the utility per round of the
learner's greedy policy (an evaluation episode), of its training episodes
(exploring), and of the naive user and the planner; and at the end whether the
greedy learner earns the best response's utility (``reaches_best``).

Figure ``rl_user_learning``: utility per round over training episodes (mean
and 95% CI over replications, i.e. over users), and the gain over naive play
with the strategization gap (planner minus naive) as the target.

How close it gets (seed 0, measured): with the full settings (10 users, 6000
episodes) the greedy learner earns 0.644 per round against the planner's 0.654
and the naive user's 0.546: it falls short of the best response by 0.010 per
round on average (at most 0.020: one or two needless 0.05 dwell distortions in
a 5-round game, in states its greedy path rarely visited), closes 98% of the
strategization gap of the 4 users who have one (94% to 100%), and equals the
best response for 3 of the 10 users. At ``--quick`` scale (3 users, 800
episodes) it is 0.017 per round short and closes 93% of the one gap drawn.
The numbers are the ``final_utility``, ``gap_closed`` and ``reaches_best``
rows of ``results.csv``.

Needs the optional extra ``rl`` (``pip install "stratsim[rl]"``); the module
imports it only when a replication runs.

Run it with ``stratsim run rl_user`` or ``python -m scenarios.rl_user``.

Examples
--------
>>> import numpy as np
>>> p = SCENARIO.make_params({"episodes": 60, "checkpoints": 3, "steps": 3}, quick=True)
>>> rows = run(LEARNING.make_cell(p, {}), np.random.default_rng(0))
>>> sorted({r["policy"] for r in rows if r["metric"] == "utility"})
['exact planner', 'learner (greedy)', 'learner (training)', 'naive']
>>> SCENARIO.make_params({"platform": "user.naive"})
Traceback (most recent call last):
...
sim.errors.ValidationError: platform: policy 'user.naive' is of domain 'engagement', not 'recommender'; ...
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from sim.plotting import band, new_figure, save_figure
from sim.random import spawn
from sim.registry import check_policy_name
from sim.results import Results, mean_ci
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_probability, check_real

__all__ = ["LEARNING", "SCENARIO", "Cell", "Params", "plot", "run"]

#: Legend order and colours of the four curves.
CURVES = (("exact planner", "tab:green"), ("learner (greedy)", "tab:blue"), ("learner (training)", "tab:cyan"),
          ("naive", "tab:gray"))


@dataclass(frozen=True)
class Params:
    """Settings of the rl_user scenario.

    Attributes
    ----------
    n_items : int
        Catalog size (2..64).
    steps : int
        Rounds of a game (>= 2).
    platform : str
        The recommender the user faces (a registered policy of domain ``"recommender"``).
    alpha : float
        The platform's weight on explicit signals (1: likes only).
    episodes : int
        Training episodes of the learner (>= 2).
    checkpoints : int
        Evaluation points over training (>= 2).
    epsilon_min : float
        Final exploration probability, in [0, 1].
    explore_share : float
        Share of training over which exploration decays to ``epsilon_min``, in (0, 1].
    learning_rate : float
        Q-learning step size, in (0, 1].
    """

    n_items: int = 3
    steps: int = 5
    platform: str = "rec.greedy"
    alpha: float = 1.0
    episodes: int = 6000
    checkpoints: int = 20
    epsilon_min: float = 0.02
    explore_share: float = 0.7
    learning_rate: float = 1.0

    def __post_init__(self):
        _check(self)


def _check(p) -> None:
    check_int("n_items", p.n_items, low=2, high=64)
    check_int("steps", p.steps, low=2, high=50)
    check_policy_name("platform", p.platform, "recommender")
    check_probability("alpha", p.alpha)
    check_int("episodes", p.episodes, low=2, high=10**7)
    check_int("checkpoints", p.checkpoints, low=2, high=p.episodes)
    check_probability("epsilon_min", p.epsilon_min)
    check_real("explore_share", p.explore_share, low=0.0, high=1.0, low_open=True)
    check_real("learning_rate", p.learning_rate, low=0.0, high=1.0, low_open=True)


@dataclass(frozen=True)
class Cell(Params):
    """One run of the ``learning`` study (the scenario's settings; the study has one cell)."""


def _episode(env, act, learner=None) -> float:
    """One episode's total utility; ``learner`` learns from it when given."""
    obs, _ = env.reset()
    total, done = 0.0, False
    while not done:
        a = act(obs)
        nxt, reward, terminated, truncated, _ = env.step(a)
        if learner is not None:
            learner.learn(obs, a, reward, nxt, terminated)
        total += reward
        obs, done = nxt, terminated or truncated
    return total


def run(params: Cell, rng: np.random.Generator) -> list[dict]:
    """One replication: one user, the learner's training curve, the naive user and the planner."""
    import gymnasium as gym

    from agents.envs import PolicyAgent, TabularQLearner

    world, episodes_rng, learner_rng = spawn(rng, 3)
    env = gym.make("stratsim/StrategicUser-v0", n_items=params.n_items, steps=params.steps,
                   platform=params.platform, alpha=params.alpha, rng=world, planner_info=False)
    # episodes draw from a child stream (a stochastic platform's draws), never from a seed drawn here
    env.unwrapped.np_random = episodes_rng
    T = params.steps
    naive_agent = PolicyAgent.from_name("user.naive", env)
    planner_agent = PolicyAgent.from_name("user.strategic", env, horizon=T - 1, gamma=1.0, method="exact")
    # epsilon reaches epsilon_min (or 1e-3 if that is 0) after explore_share of the episodes
    floor = max(params.epsilon_min, 1e-3)
    decay = floor ** (1.0 / max(1.0, params.explore_share * params.episodes))
    learner = TabularQLearner(9, epsilon=1.0, epsilon_min=params.epsilon_min, decay=decay,
                              learning_rate=params.learning_rate, rng=learner_rng)
    marks = np.unique(np.linspace(0, params.episodes, params.checkpoints + 1).round().astype(int))[1:]
    rows = []
    training: list[float] = []
    for mark in marks:
        start = len(training)
        while len(training) < mark:
            training.append(_episode(env, learner.act, learner))
            learner.end_episode()
        greedy = _episode(env, lambda o: learner.act(o, greedy=True))
        naive = _episode(env, naive_agent)
        best = _episode(env, planner_agent)
        block = float(np.mean(training[start:]))
        for policy, value in (("learner (greedy)", greedy), ("learner (training)", block), ("naive", naive),
                              ("exact planner", best)):
            rows.append({"episode": int(mark), "policy": policy, "metric": "utility", "value": value / T})
            if policy != "exact planner":
                # paired on the same user: what each falls short of the best response, per round
                rows.append({"episode": int(mark), "policy": policy, "metric": "shortfall",
                             "value": (value - best) / T})
        if best - naive > 1e-9 * max(1.0, abs(best)):
            rows.append({"episode": int(mark), "policy": "learner (greedy)", "metric": "gap_closed",
                         "value": (greedy - naive) / (best - naive)})
    final = {"episode": int(marks[-1])}
    rows += [
        {**final, "policy": "learner (greedy)", "metric": "final_utility", "value": greedy / T},
        {**final, "policy": "exact planner", "metric": "final_utility", "value": best / T},
        {**final, "policy": "naive", "metric": "final_utility", "value": naive / T},
        {**final, "policy": "learner (greedy)", "metric": "reaches_best",
         "value": float(greedy >= best - 1e-9 * max(1.0, abs(best)))},
        {**final, "policy": "learner (greedy)", "metric": "states_seen", "value": float(learner.states)},
    ]
    return rows


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list:
    """Draw ``rl_user_learning`` (see the module docstring)."""
    fig, (ax1, ax2) = new_figure(1, 2)
    reps = len(results.filter(metric="reaches_best"))
    summaries = {s.label: s for s in results.summary(x="episode", metric="shortfall", by="policy")}
    for name, color in CURVES:
        s = summaries.get(name)
        if s is not None:
            label = {"naive": "naive user"}.get(name, name)
            band(ax1, s.x, s.mean, s.lo, s.hi, label=label, color=color, marker=None,
                 linestyle="--" if name != "learner (greedy)" else "-")
    ax1.axhline(0.0, color="tab:green", linewidth=1.5, label="exact planner (best response)")
    ax1.set(xlabel="training episodes of the learner", ylabel="utility per round minus the best response's",
            title="Tabular Q-learning user vs greedy likes-reading platform")
    ax1.legend(fontsize=8, loc="lower right", title=f"mean and 95% CI over n = {reps} users", title_fontsize=8)
    gap = results.filter(metric="gap_closed")
    if len(gap):
        (s,) = gap.summary(x="episode", metric="gap_closed")
        users = int(s.n.max())
        band(ax2, s.x, s.mean, s.lo, s.hi, label=f"learner (greedy), n = {users} of {reps} users", color="tab:blue",
             marker=None)
    else:
        ax2.text(0.5, 0.5, f"no user of the {reps} has a strategization gap", transform=ax2.transAxes,
                 ha="center", va="center")
    ax2.axhline(1.0, color="tab:green", linewidth=1.5, label="exact planner (all of the gap)")
    ax2.axhline(0.0, color="tab:gray", linewidth=1.5, linestyle="--", label="naive user (none of it)")
    share = results.filter(metric="reaches_best").values()
    m = mean_ci(share)[0] if share.size else math.nan
    ax2.set(xlabel="training episodes of the learner",
            ylabel="share of the strategization gap closed\n(learner - naive) / (best response - naive)",
            title="How much of the gap learning closes (users with a gap)")
    ax2.legend(fontsize=8, loc="lower right",
               title=f"mean and 95% CI; at the end the learner equals\nthe best response for {m:.0%} of all users",
               title_fontsize=8)
    return save_figure(fig, out_dir, "rl_user_learning")


#: The study: one cell (the scenario's settings).
LEARNING = Study("learning", cell=Cell, run=run, plot=plot,
                 description="A tabular Q-learner's utility over training vs the naive user and the exact planner.")

SCENARIO = Scenario(
    name="rl_user",
    description="A tabular RL user learns to strategize against a greedy likes-reading platform "
                "(StrategicUser-v0), next to the naive user and the exact planner.",
    params=Params,
    studies=(LEARNING,),
    quick={"episodes": 800, "checkpoints": 10},
    replications=10,
    quick_replications=3,
)

SCENARIO.run_if_main(__name__)
