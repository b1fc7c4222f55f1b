"""rl_user reports sincere and signal engagement like the other strategic studies (issue 16)."""

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")

from agents.envs import ACTIONS, PolicyAgent  # noqa: E402
from agents.strategic.metrics import signal_engagement, sincere_engagement  # noqa: E402
from scenarios import rl_user  # noqa: E402
from sim.random import spawn  # noqa: E402
from sim.results import Results  # noqa: E402

ENGAGEMENT = ("sincere_engagement", "signal_engagement")


def _natural_by_hand(engagement_model, value):
    """Natural (explicit, dwell) written out from the engagement model's documented thresholds."""
    explicit = 1 if value >= engagement_model.like_at else (-1 if value <= engagement_model.dislike_at else 0)
    lo, hi = engagement_model.dwell_cutoffs
    dwell = 1.0 if value >= hi else (0.5 if value >= lo else 0.0)
    return explicit, dwell


def _sincere_by_hand(model, items, alpha):
    """Mean sincere signal of the items shown, from the user's values (no satiation) and natural model."""
    assert model.satiation == 0.0 or model.window == 0
    per_step = []
    for k in items:
        ex, dw = _natural_by_hand(model.engagement, model.values[k])
        per_step.append(alpha * ex + (1 - alpha) * dw)
    return float(np.mean(per_step))


def _recording(act):
    """``act`` that also records the actions it takes."""
    taken = []

    def wrapped(obs):
        a = act(obs)
        taken.append(int(a))
        return a

    return wrapped, taken


@pytest.mark.parametrize("alpha", [1.0, 0.5])
@pytest.mark.parametrize("who", ["naive", "planner", "random"])
def test_an_episodes_sincere_engagement_is_the_natural_engagement_of_the_items_it_was_shown(alpha, who):
    values, steps = [0.85, 1.2, 0.0, -0.3], 6
    env = gym.make("stratsim/StrategicUser-v0", values=values, steps=steps, alpha=alpha, planner_info=False)
    model = env.unwrapped.model
    rng = np.random.default_rng(11)
    act = {"naive": PolicyAgent.from_name("user.naive", env),
           "planner": PolicyAgent.from_name("user.strategic", env, horizon=steps - 1, gamma=1.0, method="exact"),
           "random": lambda obs: int(rng.integers(len(ACTIONS)))}[who]
    act, taken = _recording(act)
    log = rl_user.play_episode(env, act)
    assert len(log) == steps == len(taken)
    assert sincere_engagement(log) == pytest.approx(_sincere_by_hand(model, log.items, alpha), abs=1e-12)
    read = np.mean([alpha * ACTIONS[a][0] + (1 - alpha) * ACTIONS[a][1] for a in taken])
    assert signal_engagement(log) == pytest.approx(read, abs=1e-12)
    if who == "naive":
        assert signal_engagement(log) == sincere_engagement(log)


def test_the_planner_signals_differently_from_what_it_sincerely_earns_on_a_game_with_a_gap():
    # the game of agents.envs.strategic's example: the planner dislikes item 0, which it naturally likes
    env = gym.make("stratsim/StrategicUser-v0", values=[0.85, 1.2, 0.0], steps=4, planner_info=False)
    log = rl_user.play_episode(env, PolicyAgent.from_name("user.strategic", env, horizon=3, gamma=1.0))
    assert signal_engagement(log) < sincere_engagement(log)
    assert sincere_engagement(log) == pytest.approx(_sincere_by_hand(env.unwrapped.model, log.items, 1.0))


def _run(seeds, **settings):
    p = rl_user.SCENARIO.make_params({"episodes": 60, "checkpoints": 3, **settings}, quick=True)
    cell = rl_user.LEARNING.make_cell(p, {})
    rows = []
    for seed in seeds:
        rows += [dict(r, rep=seed) for r in rl_user.run(cell, np.random.default_rng(seed))]
    return p, Results(rows)


def test_run_reports_both_engagements_for_every_policy_at_every_checkpoint_inside_their_support():
    _, res = _run(range(2))
    for metric in ENGAGEMENT:
        assert rl_user.LEARNING.metrics[metric] == (-1, 1)
        at = res.filter(metric=metric)
        assert set(at.unique("policy")) == {"naive", "exact planner", "learner (greedy)", "learner (training)"}
        assert len(at) == 2 * 3 * 4  # users x checkpoints x policies
        assert np.all(np.abs(at.values()) <= 1.0)


def test_run_rows_of_the_naive_user_and_the_planner_are_the_natural_engagement_of_what_they_were_shown():
    # the user of a replication is drawn from the first of the three streams run spawns; the greedy
    # likes-reading platform is deterministic, so each checkpoint's naive and planner episodes repeat
    p, res = _run(range(4))
    differs = 0
    for seed in range(4):
        world, _, _ = spawn(np.random.default_rng(seed), 3)
        env = gym.make("stratsim/StrategicUser-v0", n_items=p.n_items, steps=p.steps, platform=p.platform,
                       alpha=p.alpha, rng=world, planner_info=False)
        model = env.unwrapped.model
        agents = {"naive": PolicyAgent.from_name("user.naive", env),
                  "exact planner": PolicyAgent.from_name("user.strategic", env, horizon=p.steps - 1, gamma=1.0,
                                                         method="exact")}
        for policy, agent in agents.items():
            items, read = [], []
            obs, _ = env.reset(seed=0)
            done = False
            while not done:
                a = agent(obs)
                obs, _, done, _, info = env.step(a)
                items.append(info["item"])
                read.append(p.alpha * ACTIONS[a][0] + (1 - p.alpha) * ACTIONS[a][1])
            rows = res.filter(rep=seed, policy=policy)
            sincere = rows.filter(metric="sincere_engagement").values()
            signal = rows.filter(metric="signal_engagement").values()
            np.testing.assert_allclose(sincere, _sincere_by_hand(model, items, p.alpha), rtol=0, atol=1e-12)
            np.testing.assert_allclose(signal, np.mean(read), rtol=0, atol=1e-12)
            if policy == "naive":
                np.testing.assert_array_equal(signal, sincere)  # exactly: the naive user's signal is sincere
            else:
                differs += int(np.any(signal != sincere))
    assert differs > 0  # some planner's signal is not what its recommendations sincerely earn


def test_with_dwell_read_too_the_naive_users_signal_is_still_exactly_sincere():
    # alpha = 0.5: the platform reads dwell too; the learner's rows still lie in the support and the
    # naive user's signal is still exactly sincere
    _, res = _run(range(2), alpha=0.5)
    naive = res.filter(policy="naive")
    np.testing.assert_array_equal(naive.filter(metric="signal_engagement").values(),
                                  naive.filter(metric="sincere_engagement").values())
    for metric in ENGAGEMENT:
        assert np.all(np.abs(res.filter(metric=metric).values()) <= 1.0)
