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
(exploring), and of the naive user and the planner; each one's ``shortfall``
(the planner's utility per round minus its own, paired on the same user: never
negative), and ``gap_left`` for users with a strategization gap; and at the
end whether the greedy learner earns the best response's utility
(``reaches_best``). At every checkpoint, for each of the four, the
engagement every strategic study reports
(:mod:`agents.strategic.metrics`), as a mean over the episode's rounds (the
training rows: averaged over the block's episodes): ``signal_engagement``,
the signal the platform read, and ``sincere_engagement``, the sincere signal
``alpha natural_explicit + (1 - alpha) natural_dwell`` of the recommended
items (:func:`~agents.strategic.game.sincere_signal`, the platform's alpha;
what the user would naturally give them: the platform's real objective). Both
lie in [-1, 1]; for the naive user they are equal.

Figure ``rl_user_learning``: how far the learner's utility per round falls
short of the best response's over training (the greedy learner with its 95%
log-scale t interval over replications, i.e. over users, which stays above 0;
its training episodes and the naive user as mean lines: the naive user does
not learn, so its shortfall is the strategization gap at every checkpoint, and
a band over a few users' very different gaps would say nothing about
learning), and the share of the strategization gap the learner leaves open,
``(best response - learner) / (best response - naive)``, over the users who
have a gap (1: naive play, 0: the best response), with how many users it
equals the best response for at the end (Wilson interval: one 0/1 outcome per
user). Legends state n.

How close it gets (seed 0, measured): with the full settings (10 users, 6000
episodes) the greedy learner earns 0.644 per round against the planner's 0.654
and the naive user's 0.546: it falls short of the best response by 0.010 per
round on average (at most 0.020: one or two needless 0.05 dwell distortions in
a 5-round game, in states its greedy path rarely visited), leaves 2% of the
strategization gap open for the 4 users who have one (0% to 6%), and equals
the best response for 3 of the 10 users. At ``--quick`` scale (8 users, 400
episodes) it is 0.029 per round short (at most 0.05; 0.620 against 0.649 and
0.536), leaves 11% of the gap open for the 3 users with one (7% to 15%), and
equals the best response for 1 of the 8. The numbers
are the ``final_utility``, ``shortfall``, ``gap_left`` and ``reaches_best``
rows of ``results.csv``.

Engagement (seed 0, measured, the last checkpoint). At ``--quick`` scale the
recommendations earn the same sincere engagement, 0.225 per round on average,
whoever plays, and for each of the 8 users it is the same for the naive user,
the planner and the greedy learner: against this likes-only platform,
strategizing changes the user's utility and what the platform reads, not the
natural engagement its recommendations earn. What it reads differs:
``signal_engagement`` is 0.225 for the naive user, 0.150 for the planner (below
sincere for 3 of the 8 users, by 0.2 per round: one dislike's worth in 5
rounds; above it for none) and 0.125 for the greedy learner (different for 4
users, above sincere for one of them). With the full settings (10 users)
sincere engagement is 0.280 for all three, the signal read 0.280, 0.200 (the
planner's differs from sincere for 4 users) and 0.220 (the learner's for 5).
The numbers are the ``sincere_engagement`` and ``signal_engagement`` rows.

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
>>> naive = {r["metric"]: r["value"] for r in rows if r["policy"] == "naive" and r["episode"] == 60}
>>> naive["signal_engagement"] == naive["sincere_engagement"]  # the naive user's signal is sincere
True
>>> SCENARIO.make_params({"platform": "user.naive"})
Traceback (most recent call last):
...
sim.errors.ValidationError: platform: policy 'user.naive' is of domain 'engagement', not 'recommender'; ...
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from agents.strategic.game import sincere_signal
from agents.strategic.metrics import signal_engagement, sincere_engagement
from sim.intervals import interval
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.random import spawn
from sim.registry import check_policy_name
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_probability, check_real

__all__ = ["LEARNING", "SCENARIO", "Cell", "EpisodeLog", "Params", "play_episode", "plot", "run"]

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


class EpisodeLog:
    """One episode's engagement, step by step, as the environment's ``info`` reported it.

    A log the toolkit's engagement metrics read
    (:func:`agents.strategic.metrics.sincere_engagement`,
    :func:`agents.strategic.metrics.signal_engagement`).

    Attributes
    ----------
    utility : float
        The episode's total utility.
    items : ndarray of int
        The item recommended at each step.
    natural_explicit, natural_dwell : ndarray
        The user's natural engagement with it (at its current value).
    signal : ndarray of float
        The signal the platform read.
    alpha : float
        The platform's weight of explicit signals.
    """

    __slots__ = ("alpha", "items", "natural_dwell", "natural_explicit", "signal", "utility")

    def __init__(self, utility: float, infos: list[dict], alpha: float) -> None:
        self.utility = float(utility)
        self.items = np.array([i["item"] for i in infos], dtype=np.int64)
        self.natural_explicit = np.array([i["natural_explicit"] for i in infos], dtype=np.int64)
        self.natural_dwell = np.array([i["natural_dwell"] for i in infos], dtype=float)
        self.signal = np.array([i["signal"] for i in infos], dtype=float)
        self.alpha = float(alpha)

    @property
    def sincere_signal(self) -> np.ndarray:
        """The sincere signal of each step (:func:`agents.strategic.sincere_signal`, the platform's alpha)."""
        return sincere_signal(self.natural_explicit, self.natural_dwell, self.alpha)

    def __len__(self) -> int:
        return int(self.signal.size)

    def __repr__(self) -> str:
        return f"EpisodeLog(steps={len(self)}, utility={self.utility})"


def play_episode(env: Any, act: Callable[[Any], Any], learner: Any | None = None) -> EpisodeLog:
    """One episode of ``stratsim/StrategicUser-v0`` played by ``act`` (observation -> action).

    ``env`` is a Gymnasium env of that id and ``learner`` (a
    :class:`agents.envs.TabularQLearner`) learns from it when given; both are
    typed ``Any`` so that this module imports without the ``rl`` extra.

    Examples
    --------
    >>> import gymnasium as gym
    >>> from agents.envs import PolicyAgent
    >>> env = gym.make("stratsim/StrategicUser-v0", values=[0.85, 1.2, 0.0], steps=4, planner_info=False)
    >>> log = play_episode(env, PolicyAgent.from_name("user.strategic", env, horizon=3, gamma=1.0))
    >>> log.items.tolist(), log.signal.tolist(), log.sincere_signal.tolist()
    ([0, 1, 1, 1], [-1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0])
    """
    obs, _ = env.reset()
    total, done, infos = 0.0, False, []
    while not done:
        a = act(obs)
        nxt, reward, terminated, truncated, info = env.step(a)
        if learner is not None:
            learner.learn(obs, a, reward, nxt, terminated)
        total += reward
        infos.append(info)
        obs, done = nxt, terminated or truncated
    return EpisodeLog(total, infos, env.unwrapped.platform.alpha)


def _below(best: float, value: float, tol: float) -> float:
    """``best - value``; a value above the best response by at most ``tol`` (rounding) gives 0."""
    return 0.0 if 0.0 < value - best <= tol else best - value


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
    training: list[EpisodeLog] = []
    for mark in marks:
        start = len(training)
        while len(training) < mark:
            training.append(play_episode(env, learner.act, learner))
            learner.end_episode()
        logs = {"learner (greedy)": play_episode(env, lambda o: learner.act(o, greedy=True)),
                "naive": play_episode(env, naive_agent), "exact planner": play_episode(env, planner_agent)}
        greedy, naive, best = (logs[k].utility for k in ("learner (greedy)", "naive", "exact planner"))
        block = float(np.mean([log.utility for log in training[start:]]))
        tol = 1e-9 * max(1.0, abs(best))
        for policy, value in (("learner (greedy)", greedy), ("learner (training)", block), ("naive", naive),
                              ("exact planner", best)):
            rows.append({"episode": int(mark), "policy": policy, "metric": "utility", "value": value / T})
            # what the platform read and what the recommendations really earned (each episode's step mean;
            # the training rows average the block's episodes)
            played = logs.get(policy)
            block_logs = [played] if played is not None else training[start:]
            for metric, mean in (("sincere_engagement", sincere_engagement), ("signal_engagement", signal_engagement)):
                rows.append({"episode": int(mark), "policy": policy, "metric": metric,
                             "value": float(np.mean([mean(log) for log in block_logs]))})
            if policy != "exact planner":
                # paired on the same user: how far short of the best response it falls, per round (>= 0:
                # nothing beats the best response)
                rows.append({"episode": int(mark), "policy": policy, "metric": "shortfall",
                             "value": _below(best, value, tol) / T})
        if best - naive > tol:
            rows.append({"episode": int(mark), "policy": "learner (greedy)", "metric": "gap_left",
                         "value": _below(best, greedy, tol) / (best - naive)})
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
    learner = color("learner")
    # The band goes on the greedy learner, the curve the figure is about. The naive user does not learn
    # (its shortfall is its strategization gap at every checkpoint, and the gaps of a few users differ
    # wildly) and the training curve mixes in exploration: their means are drawn as lines.
    greedy = summaries.get("learner (greedy)")
    if greedy is not None:
        plot_summaries(ax1, [greedy], colors={greedy.label: learner}, marker=None)
    if "learner (training)" in summaries:
        s = summaries["learner (training)"]
        ax1.plot(s.x, s.mean, color=learner, linestyle="--", label="learner (training episodes; mean)")
    if "naive" in summaries:
        s = summaries["naive"]
        ax1.plot(s.x, s.mean, color=color("naive"), linestyle="--", label="naive user (mean)")
    ax1.axhline(0.0, color=color("planner"), linewidth=1.5, label="exact planner (best response)")
    ax1.set_ylim(bottom=-0.005)
    ax1.set(xlabel="training episodes of the learner", ylabel="utility per round below the best response's",
            title="Tabular Q-learning user vs greedy likes-reading platform")
    note = _users(interval_note([greedy])) if greedy is not None else f"n = {reps} users"
    ax1.legend(fontsize=8, loc="upper right", title=f"{note}\n(band: the greedy learner)", title_fontsize=8)
    gap = results.filter(metric="gap_left")
    if len(gap):
        (s,) = gap.summary(x="episode", metric="gap_left")
        users = int(s.n.max())
        plot_summaries(ax2, [s], colors={s.label: learner}, marker=None,
                       labels={s.label: f"learner (greedy): the {users} of {reps} users with a gap"})
        note = _users(interval_note([s]))
    else:
        ax2.text(0.5, 0.5, f"no user of the {reps} has a strategization gap", transform=ax2.transAxes,
                 ha="center", va="center")
        note = f"n = {reps} users, none with a gap"
    ax2.axhline(1.0, color=color("naive"), linewidth=1.5, linestyle="--", label="naive user (all of it)")
    ax2.axhline(0.0, color=color("planner"), linewidth=1.5, label="exact planner (none of it)")
    ax2.set_ylim(bottom=-0.02)
    ax2.set(xlabel="training episodes of the learner",
            ylabel="share of the strategization gap left open\n(best response - learner) / (best response - naive)",
            title="How much of the gap learning leaves (users with a gap)")
    reached = results.filter(metric="reaches_best").values()
    end = f"at the end the learner equals the best response for {int(reached.sum())} of {reached.size} users"
    if reached.size >= 3:
        iv = interval(reached, "share")  # one 0/1 outcome per user: a Wilson interval
        end += f"\n({iv.mean:.0%}, 95% Wilson interval {iv.lo:.0%}-{iv.hi:.0%})"
    ax2.legend(fontsize=8, loc="upper right", bbox_to_anchor=(1.0, 0.93), title=f"{note}\n{end}", title_fontsize=8)
    return save_figure(fig, out_dir, "rl_user_learning")


def _users(note: str) -> str:
    """An interval note counting users (each replication is one user)."""
    return note.replace("replications", "users")


#: The study: one cell (the scenario's settings).
#: What each metric can be: shortfalls below the best response and the share of its gap left open are
#: non-negative (nothing beats the best response); reaching it is a 0/1 outcome per user.
#: Engagement (a mean signal, like or dislike weighted by alpha plus dwell in [0, 1]) lies in [-1, 1].
_SUPPORTS = {"utility": "unbounded", "final_utility": "unbounded", "shortfall": "nonnegative",
             "gap_left": "nonnegative", "reaches_best": "share", "states_seen": "nonnegative",
             "sincere_engagement": (-1, 1), "signal_engagement": (-1, 1)}

LEARNING = Study("learning", cell=Cell, run=run, plot=plot, metrics=_SUPPORTS, headline=("final_utility",),
                 description="A tabular Q-learner's utility over training vs the naive user and the exact planner.")

SCENARIO = Scenario(
    name="rl_user",
    description="A tabular RL user learns to strategize against a greedy likes-reading platform "
                "(StrategicUser-v0), next to the naive user and the exact planner.",
    params=Params,
    studies=(LEARNING,),
    # 8 users (3 of them with a strategization gap, so the right panel has a band) of 400 episodes each:
    # about 1.5x the time of the former 3 users of 800 episodes
    quick={"episodes": 400, "checkpoints": 10},
    replications=10,
    quick_replications=8,
    requires={"gymnasium": "rl", "pettingzoo": "rl"},
)

SCENARIO.run_if_main(__name__)
