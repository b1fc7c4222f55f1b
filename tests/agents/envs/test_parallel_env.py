"""The PettingZoo user-platform game: API conformance, the toolkit's step, bad input."""

import numpy as np
import pytest

pytest.importorskip("pettingzoo")
envs = pytest.importorskip("agents.envs")

from pettingzoo.test import parallel_api_test, parallel_seed_test  # noqa: E402

from agents.envs import InvalidActionError, ResetNeededError, action_index, user_platform_parallel_env  # noqa: E402
from agents.strategic import ACTIONS, GreedyRecommender, NaiveUser, Platform, UserModel, play  # noqa: E402
from sim.errors import UnknownNameError, ValidationError  # noqa: E402


@pytest.mark.parametrize("kwargs", [{}, {"n_items": 4, "steps": 3, "alpha": 1.0, "platform_reward": "signal"},
                                    {"values": [0.85, 1.2, 0.0], "steps": 1}])
def test_parallel_api_test_passes(kwargs):
    parallel_api_test(user_platform_parallel_env(**kwargs), num_cycles=50)


def test_parallel_seed_test_passes():
    parallel_seed_test(lambda: user_platform_parallel_env(steps=5), num_cycles=20)


def test_a_naive_user_against_the_greedy_rule_replays_the_toolkit_game():
    values, steps, alpha = [0.85, 1.2, 0.0, -0.4], 6, 0.5
    env = user_platform_parallel_env(values=values, steps=steps, alpha=alpha)
    model = UserModel(values)
    natural = np.array([action_index(model.natural(k)) for k in range(len(values))])
    rule = GreedyRecommender(alpha=alpha)
    obs, _ = env.reset(seed=0)
    items, user_rewards, platform_rewards = [], [], []
    while env.agents:
        rec = env.platform.state(env.uid)
        item = rule.decide(rec)
        obs, rewards, terms, truncs, infos = env.step({"user": natural, "platform": item})
        items.append(item)
        user_rewards.append(rewards["user"])
        platform_rewards.append(rewards["platform"])
    game = play(NaiveUser(model), Platform(GreedyRecommender(alpha=alpha), np.zeros(len(values))), steps)
    assert items == game.items.tolist()
    np.testing.assert_allclose(user_rewards, game.utility, rtol=0, atol=1e-12)
    # naive engagement is sincere: the platform's reward is the signal it reads
    np.testing.assert_allclose(platform_rewards, game.signal, rtol=0, atol=1e-12)
    assert obs["user"]["counts"].sum() == steps and int(obs["user"]["remaining"]) == 0


def test_the_user_plays_its_response_to_the_item_shown():
    env = user_platform_parallel_env(values=[0.85, 1.2, 0.0], steps=2)
    env.reset()
    plan = np.array([0, 4, 8])  # a different engagement for each item
    obs, rewards, *_ = env.step({"user": plan, "platform": 2})
    assert int(obs["platform"]["last_item"]) == 2
    assert ACTIONS[8] == (int(obs["platform"]["explicit"]), obs["platform"]["dwell"] / 2)
    assert obs["user"]["explicit"].tolist() == [0, 0, 1] and obs["user"]["dwell"].tolist() == [0, 0, 2]


def test_bad_input_to_the_parallel_env():
    with pytest.raises(UnknownNameError, match="no keyword argument 'players'"):
        user_platform_parallel_env(players=3)
    with pytest.raises(ValidationError, match="platform_reward"):
        user_platform_parallel_env(platform_reward="clicks")
    env = user_platform_parallel_env(steps=1)
    with pytest.raises(ResetNeededError, match="call reset"):
        env.step({"user": np.zeros(3, dtype=np.int64), "platform": 0})
    env.reset(seed=1)
    with pytest.raises(InvalidActionError, match="one action for each"):
        env.step({"platform": 0})
    with pytest.raises(InvalidActionError, match="agent 'platform'"):
        env.step({"user": np.zeros(3, dtype=np.int64), "platform": 3})
    with pytest.raises(InvalidActionError, match="agent 'user'"):
        env.step({"user": np.full(3, 9), "platform": 0})
    with pytest.raises(UnknownNameError, match="agent must be one of"):
        env.action_space("referee")
    env.step({"user": np.zeros(3, dtype=np.int64), "platform": 0})
    assert env.agents == []
    with pytest.raises(ResetNeededError, match="episode has ended"):
        env.step({"user": np.zeros(3, dtype=np.int64), "platform": 0})
