"""The matching markets as environments: context wiring, the one rollout, the example environments."""

import inspect

import numpy as np
import pytest

from agents.matching import BanditEnv, MatchUCB, NTUEnv, TypedMatchUCB, liu_market, random_market, run_bandit
from agents.matching.envs import METRICS
from sim.environment import Rollout, rollout
from sim.registry import example_environment, make_policy, policies


def test_run_bandit_is_the_rollout_of_a_bandit_env():
    mk = random_market(4, 3, rng=2, arrival=0.7)  # absences: the round-by-round path
    a = run_bandit(mk, MatchUCB(4, 3, horizon=60), 60, rng=5)
    b = rollout(BanditEnv(mk), MatchUCB(4, 3, horizon=60), 60, rng=5)
    assert isinstance(a, Rollout) and a.metric_names == list(METRICS)
    for name in METRICS:
        assert np.array_equal(a[name], b[name]), name
    assert np.array_equal(a.times, np.arange(1, 61))


def test_per_round_metrics_are_those_of_the_market():
    # the environment's numbers, recomputed round by round from the market's own methods
    mk = random_market(3, 3, rng=4, arrival=0.6)
    env = BanditEnv(mk)
    env.reset(np.random.default_rng(0))
    learner = MatchUCB(3, 3, horizon=30)
    for _ in range(30):
        obs = env.observe()
        d = learner.decide(obs)
        fb, metrics, done = env.step(d)
        learner.update(fb)
        assert not done
        assert metrics["instability"] == pytest.approx(mk.instability(obs, d), abs=1e-9)
        assert metrics["welfare_regret"] == pytest.approx(mk.optimal_welfare(obs) - metrics["welfare"], abs=1e-12)
        assert metrics["welfare_regret"] >= -1e-9
        assert metrics["instability"] >= metrics["welfare_regret"] - 1e-9  # welfare regret bounds I from below


@pytest.mark.parametrize("structure, provides", [("unstructured", set()), ("typed", {"types"}),
                                                 ("linear", {"features"})])
def test_context_names_are_learner_parameters(structure, provides):
    env = BanditEnv(random_market(3, 4, structure=structure, rng=0, types=2, dim=2), horizon=20)
    assert set(env.provides) == provides
    ctx = env.context()
    assert (ctx["customers"], ctx["providers"], ctx["horizon"]) == (3, 4, 20)
    params = set()
    for name in policies.names("matching"):
        params |= set(inspect.signature(policies.get(name)).parameters)
    assert set(ctx) <= params  # every context entry reaches some learner's constructor by name


def test_a_horizon_ends_the_episode_and_builds_the_learner():
    env = BanditEnv(random_market(3, 3, structure="typed", types=2, rng=1), horizon=25)
    learner = make_policy("match.ucb_typed", env)
    assert isinstance(learner, TypedMatchUCB) and learner.horizon == 25
    assert learner.customer_types.tolist() == env.market.customer_types.tolist()
    out = rollout(env, learner, rng=0)
    assert out.steps == 25
    assert rollout(env, make_policy("match.ucb", env), 100, rng=0).steps == 25  # the episode ends first


def test_example_environments_are_small_and_provide_what_learners_need():
    env = example_environment("matching", rng=0)
    assert isinstance(env, BanditEnv) and env.market.shape == (4, 4) and env.horizon == 50
    for name in policies.names("matching"):
        assert policies.get(name).spec.needs <= env.provides, name
    ntu = example_environment("matching_ntu", rng=0)
    assert isinstance(ntu, NTUEnv) and ntu.market.shape == (4, 4)
    a, b = example_environment("matching", rng=3), example_environment("matching", rng=3)
    assert np.array_equal(a.market.surplus, b.market.surplus)


def test_ntu_env_rollout_uses_the_market_benchmarks():
    mk = liu_market(3, 3, rng=0, sigma=1e-9)
    env = NTUEnv(mk, horizon=10)
    opt = mk.player_optimal

    class PlayOptimal(type(make_policy("match_ntu.ucb", env))):
        def _decide(self, observation):
            return opt.copy()

    out = rollout(env, PlayOptimal(arm_prefs=mk.arm_prefs, horizon=10), rng=0)
    assert np.all(out["optimal_regret"] == 0.0) and np.all(out["blocking_pairs"] == 0)
    assert np.all(out["pessimal_regret"] <= 0.0)  # the optimal matching is weakly better for every player
