"""The Gymnasium adapters of agents.envs: conformance, seeding, rewards against the toolkit, bad input."""

import math
import warnings

import numpy as np
import pytest

gym = pytest.importorskip("gymnasium")
envs = pytest.importorskip("agents.envs")

from gymnasium.utils.env_checker import check_env  # noqa: E402

import markets  # noqa: E402
from agents.envs import ENV_IDS, InvalidActionError, PolicyAgent, ResetNeededError  # noqa: E402
from agents.matching import MatchUCB, random_market, run_bandit  # noqa: E402
from agents.online import RoundRobin, simulate  # noqa: E402
from agents.online.jobs import JobSet, opt_batch_cost, pareto_sizes  # noqa: E402
from agents.online.predictors import GaussianNoisePredictor  # noqa: E402
from agents.online.ski import PurohitDeterministic, ski_cost  # noqa: E402
from agents.online.ski_sim import SeasonModel, SkiSeasons  # noqa: E402
from agents.strategic import (  # noqa: E402
    ACTIONS,
    GreedyRecommender,
    NaiveUser,
    Platform,
    PlatformBelief,
    StrategicUser,
    UserModel,
    make_platform,
    play,
    strategization_gap,
)
from sim.environment import rollout  # noqa: E402
from sim.errors import InputTypeError, UnknownNameError, ValidationError  # noqa: E402

IDS = sorted(ENV_IDS)

#: Keyword arguments under which each id's episode is random given the actions (seeds must then differ).
RANDOM_KWARGS = {
    "stratsim/MatchingMarket-v0": {},
    "stratsim/Recommender-v0": {},
    "stratsim/StrategicUser-v0": {"platform": "rec.softmax"},
    "stratsim/SkiRental-v0": {},
    "stratsim/Scheduling-v0": {},
}


def episode(env, seed, action_seed=7, steps=None):
    """Reset with ``seed`` and play actions sampled from the action space seeded by ``action_seed``."""
    env.action_space.seed(action_seed)
    obs, info = env.reset(seed=seed)
    out = [(obs, info)]
    done, n = False, 0
    while not done and (steps is None or n < steps):
        obs, reward, terminated, truncated, info = env.step(env.action_space.sample())
        out.append((obs, reward, terminated, truncated, info))
        done, n = terminated or truncated, n + 1
    return out


def same(a, b):
    from gymnasium.utils.env_checker import data_equivalence

    return data_equivalence(a, b, exact=True)


@pytest.mark.parametrize("env_id", IDS)
def test_check_env_on_every_registered_id(env_id):
    env = gym.make(env_id)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infinity.*")  # unbounded noise and sizes are unbounded
        check_env(env.unwrapped)


@pytest.mark.parametrize("env_id, kwargs", [
    ("stratsim/MatchingMarket-v0", {"customers": 3, "providers": 5, "arrival": 0.6, "noise": "bernoulli"}),
    ("stratsim/StrategicUser-v0", {"platform": "rec.ucb", "alpha": 0.5, "n_items": 4}),
    ("stratsim/Recommender-v0", {"n_naive": 1, "n_strategic": 0, "reward": "signal"}),
])
def test_check_env_on_other_settings(env_id, kwargs):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*infinity.*")
        check_env(gym.make(env_id, **kwargs).unwrapped)


@pytest.mark.parametrize("env_id", IDS)
def test_same_seed_same_rollout_and_different_seeds_differ(env_id):
    kwargs = RANDOM_KWARGS[env_id]
    a = episode(gym.make(env_id, **kwargs), seed=3)
    b = episode(gym.make(env_id, **kwargs), seed=3)
    c = episode(gym.make(env_id, **kwargs), seed=4)
    assert len(a) > 2 and same(a, b)
    assert not same(a, c)


def test_a_second_reset_without_seed_continues_the_stream():
    env = gym.make("stratsim/SkiRental-v0")
    first = episode(env, seed=5)
    env.action_space.seed(7)
    second = [env.reset()]
    assert not same(first[0], second[0])


# --- the reward is the toolkit's own metric ---------------------------------------------------


def test_matching_reward_is_minus_subset_instability_on_the_true_utilities():
    env = gym.make("stratsim/MatchingMarket-v0", customers=3, providers=4, arrival=0.7, horizon=40).unwrapped
    env.action_space.seed(1)
    obs, _ = env.reset(seed=2)
    mk = env.market
    checked = 0
    for _ in range(40):
        action = env.action_space.sample()
        present = env.toolkit_observation()
        cust, prov = present.customers, present.providers
        obs, reward, terminated, truncated, info = env.step(action)
        # rebuild the outcome from the action alone: customers in order take their provider if free and present
        pairs, p, q = [], np.zeros(len(cust)), np.zeros(len(prov))
        taken = set()
        for r, i in enumerate(cust):
            j = int(action["partner"][i])
            if j in prov and j not in taken:
                c = int(np.flatnonzero(prov == j)[0])
                taken.add(j)
                pairs.append([r, c])
                t = float(action["transfer"][i])
                p[r] = mk.customer_utils[i, j] - t
                q[c] = mk.provider_utils[i, j] + t
        w = mk.surplus[np.ix_(cust, prov)]
        if len(cust) and len(prov):
            outcome = markets.outcome_from_payoffs(w, np.array(pairs, dtype=int).reshape(-1, 2), p, q)
            expected = markets.subset_instability(w, outcome)
            assert reward == pytest.approx(-expected, abs=1e-9)
            checked += 1
        assert info["instability"] == -reward
        assert info["customer_payoff"] == pytest.approx(p.sum()) and info["provider_payoff"] == pytest.approx(q.sum())
        # the observation reports this round's matching and who is present next
        assert [int(x) for x in obs["partner"][cust[[r for r, _ in pairs]]]] == [int(prov[c]) for _, c in pairs]
        if truncated:
            break
    assert truncated and checked > 20


@pytest.mark.parametrize("arrival", [1.0, 0.7])
def test_match_ucb_through_the_adapter_reproduces_run_bandit(arrival):
    T, seed = 150, 11
    market = random_market(4, 4, rng=5, arrival=arrival)
    expected = run_bandit(market, MatchUCB(4, 4, horizon=T), T, rng=seed)
    env = gym.make("stratsim/MatchingMarket-v0", market=market, horizon=T)
    agent = PolicyAgent(MatchUCB(4, 4, horizon=T), env)
    obs, info = env.reset(seed=seed)
    rewards, regret = [], []
    done = False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent(obs))
        rewards.append(reward)
        regret.append(info["welfare_regret"])
        done = terminated or truncated
    assert len(rewards) == T
    np.testing.assert_array_equal(-np.array(rewards), expected.instability)
    np.testing.assert_array_equal(regret, expected.welfare_regret)


def test_ski_reward_is_minus_the_ski_cost_and_a_rule_matches_the_toolkit_rollout():
    b, n, seed = 12, 25, 8
    env = gym.make("stratsim/SkiRental-v0", b=b, n_seasons=n, sigma=3.0)
    env.action_space.seed(0)
    env.reset(seed=seed)
    done = False
    while not done:
        day = env.action_space.sample()
        _, reward, done, _, info = env.step(day)
        assert reward == -float(ski_cost(day, info["x"], b=b))
        assert info["opt"] == min(info["x"], b)
    # Purohit's deterministic rule acting through the adapter pays what the toolkit's rollout says
    rule = PurohitDeterministic(0.5)
    agent = PolicyAgent(rule, env)
    obs, _ = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        obs, reward, done, _, info = env.step(agent(obs))
        total += reward
    from agents.online.predictors import GaussianNoisePredictor as G

    toolkit = rollout(SkiSeasons(b, G(3.0), n_seasons=n, seasons=SeasonModel(1.0, 4.0 * b, 2.0)),
                      PurohitDeterministic(0.5), rng=seed)
    assert -total == toolkit.total("cost")


def test_scheduling_return_is_minus_the_total_completion_time_of_the_toolkit_schedule():
    n, seed = 6, 4
    env = gym.make("stratsim/Scheduling-v0", n_jobs=n, sigma=0.5)
    agent = PolicyAgent(RoundRobin(), env)
    obs, info = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        obs, reward, done, _, info = env.step(agent(obs))
        total += reward
    # the same instance, drawn as the environment draws it, scheduled by the toolkit
    rng = np.random.default_rng(seed)
    x = pareto_sizes(n, rng, alpha=1.1, minimum=1.0)
    y = np.maximum(GaussianNoisePredictor(0.5).predict(x, rng), 0.0)
    jobs = JobSet.batch(x, predictions=y)
    assert info["opt"] == opt_batch_cost(x)
    assert -total == pytest.approx(simulate(jobs, RoundRobin(), method="generic").total_completion_time, rel=1e-12)
    assert -total >= info["opt"] * (1 - 1e-12)


def _play(env, agent, seed=0):
    obs, info = env.reset(seed=seed)
    rewards, done = [], False
    while not done:
        obs, reward, terminated, truncated, info = env.step(agent(obs))
        rewards.append(reward)
        done = terminated or truncated
    return rewards


def test_user_reward_is_the_utility_of_the_toolkit_model_and_toolkit_users_earn_their_game_utility():
    values, steps = [0.85, 1.2, 0.0, -0.3], 5
    env = gym.make("stratsim/StrategicUser-v0", values=values, steps=steps)
    model = UserModel(values)
    # random engagements: every step's reward is the model's utility of the item shown and the engagement
    env.action_space.seed(3)
    obs, info = env.reset(seed=0)
    done = False
    while not done:
        a = env.action_space.sample()
        item = int(obs["item"])
        obs, reward, done, _, info = env.step(a)
        assert info["item"] == item
        assert reward == pytest.approx(model.utility(item, ACTIONS[a]), abs=1e-12)
    # the exact planner and the naive user, acting through the adapter, earn the toolkit's best and naive utility
    base = env.unwrapped
    best, naive, gap = strategization_gap(model, lambda: base.make_platform(0), steps)
    assert gap > 0
    planner = StrategicUser(model, PlatformBelief.of(base.make_platform(0)), horizon=steps - 1, gamma=1.0)
    assert sum(_play(env, PolicyAgent(planner, env))) == pytest.approx(best, abs=1e-12)
    assert sum(_play(env, PolicyAgent(NaiveUser(model), env))) == pytest.approx(naive, abs=1e-12)
    # and a registered user policy built for the environment by name
    assert sum(_play(env, PolicyAgent.from_name("user.naive", env))) == pytest.approx(naive, abs=1e-12)


def _natural_by_hand(engagement_model, value):
    """Natural (explicit, dwell) written out from the model's documented thresholds."""
    explicit = 1 if value >= engagement_model.like_at else (-1 if value <= engagement_model.dislike_at else 0)
    lo, hi = engagement_model.dwell_cutoffs
    dwell = 1.0 if value >= hi else (0.5 if value >= lo else 0.0)
    return explicit, dwell


@pytest.mark.parametrize("alpha", [1.0, 0.5, 0.0])
def test_user_info_reports_the_natural_engagement_and_sincere_signal_of_the_item_shown(alpha):
    values, steps = [0.85, 1.2, 0.0, -0.3], 8
    env = gym.make("stratsim/StrategicUser-v0", values=values, steps=steps, alpha=alpha, planner_info=False)
    model = env.unwrapped.model
    assert model.satiation == 0.0  # a value-given user: an item's value does not move
    env.action_space.seed(5)
    obs, info = env.reset(seed=0)
    done, natural_play = False, 0
    while not done:
        # random engagements and, now and then, the natural one
        a = info["natural_action"] if env.action_space.sample() % 3 == 0 else env.action_space.sample()
        obs, _, done, _, info_step = env.step(a)
        ex, dw = _natural_by_hand(model.engagement, values[info_step["item"]])
        assert (info_step["natural_explicit"], info_step["natural_dwell"]) == (ex, dw)
        assert info_step["sincere"] == pytest.approx(alpha * ex + (1 - alpha) * dw, abs=1e-12)
        chosen = ACTIONS[a]
        assert info_step["signal"] == pytest.approx(alpha * chosen[0] + (1 - alpha) * chosen[1], abs=1e-12)
        if (chosen[0], chosen[1]) == (ex, dw):
            natural_play += 1
            assert info_step["signal"] == info_step["sincere"]  # natural engagement: the platform reads it
        info = info_step
    assert natural_play > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_following_the_planner_info_from_any_state_earns_its_planner_value(seed):
    env = gym.make("stratsim/StrategicUser-v0", n_items=3, steps=5, rng=seed)
    rng = np.random.default_rng(seed)
    for switch in range(5):
        env.action_space.seed(seed + switch)
        obs, info = env.reset(seed=0)
        t, promised, earned, done = 0, None, 0.0, False
        while not done:
            if t < switch:
                a = int(rng.integers(9))
            else:
                if promised is None:
                    promised = info["planner_value"]
                a = info["planner_action"]
            obs, reward, done, _, info = env.step(a)
            if t >= switch:
                earned += reward
            t += 1
        assert earned == pytest.approx(promised, abs=1e-9)


def test_recommender_rewards_are_the_sincere_engagement_of_the_toolkit_game():
    steps, seed = 6, 9
    for n_naive, n_strategic in ((1, 0), (0, 1)):
        env = gym.make("stratsim/Recommender-v0", n_naive=n_naive, n_strategic=n_strategic, steps=steps,
                       alpha=0.5, horizon=2, gamma=0.9)
        agent = PolicyAgent(GreedyRecommender(alpha=0.5), env)
        rewards = _play(env, agent, seed=seed)
        # the same world, drawn as the environment draws it, played by the toolkit
        _, models, profiles, shares = envs.strategic.draw_world(np.random.default_rng(seed), 4, 1, alpha=0.5)
        platform = Platform(GreedyRecommender(alpha=0.5), profiles, type_prior=shares, learn=True)
        if n_strategic:
            belief = PlatformBelief.of(make_platform("rec.greedy", profiles, type_prior=shares,
                                                     options={"alpha": 0.5}))
            user = StrategicUser(models[0], belief, horizon=2, gamma=0.9)
        else:
            user = NaiveUser(models[0])
        game = play(user, platform, steps)
        sincere = 0.5 * game.natural_explicit + 0.5 * game.natural_dwell
        np.testing.assert_allclose(rewards, sincere, rtol=0, atol=1e-12)


def test_the_tabular_learner_learns_to_strategize_on_a_small_game():
    values, steps = [0.85, 1.2, 0.0], 4
    env = gym.make("stratsim/StrategicUser-v0", values=values, steps=steps, planner_info=False)
    learner = envs.TabularQLearner(9, epsilon=1.0, decay=0.995, learning_rate=1.0, rng=0)
    for _ in range(1000):
        obs, _ = env.reset()
        done = False
        while not done:
            a = learner.act(obs)
            nxt, r, done, _, _ = env.step(a)
            learner.learn(obs, a, r, nxt, done)
            obs = nxt
        learner.end_episode()
    greedy = sum(_play(env, lambda o: learner.act(o, greedy=True)))
    best, naive, gap = strategization_gap(UserModel(values), lambda: env.unwrapped.make_platform(0), steps)
    # no policy beats the best response; the learner, knowing nothing of the model, closes most of the gap
    assert greedy <= best + 1e-12
    assert greedy >= naive + 0.8 * gap


# --- bad input ----------------------------------------------------------------------------------


def test_unknown_ids_and_keyword_arguments_are_refused():
    with pytest.raises(gym.error.NameNotFound):
        gym.make("stratsim/Nope-v0")
    with pytest.raises(gym.error.VersionNotFound):
        gym.make("stratsim/SkiRental-v9")
    for env_id in IDS:
        with pytest.raises(UnknownNameError, match=f"{env_id}.*no keyword argument 'bogus'"):
            gym.make(env_id, bogus=1)


@pytest.mark.parametrize("env_id, kwargs, error, match", [
    ("stratsim/MatchingMarket-v0", {"customers": 0}, ValidationError, "customers"),
    ("stratsim/MatchingMarket-v0", {"horizon": 1}, ValidationError, "horizon"),
    ("stratsim/MatchingMarket-v0", {"market": "big"}, InputTypeError, "market"),
    ("stratsim/MatchingMarket-v0", {"noise": "loud"}, ValidationError, "noise"),
    ("stratsim/StrategicUser-v0", {"platform": "user.naive"}, ValidationError, "platform"),
    ("stratsim/StrategicUser-v0", {"platform": "rec.nope"}, UnknownNameError, "rec.nope"),
    ("stratsim/StrategicUser-v0", {"values": [1.0]}, ValidationError, "values"),
    ("stratsim/StrategicUser-v0", {"alpha": 1.5}, ValidationError, "alpha"),
    ("stratsim/Recommender-v0", {"n_naive": 0, "n_strategic": 0}, ValidationError, "n_naive"),
    ("stratsim/Recommender-v0", {"reward": "clicks"}, ValidationError, "reward"),
    ("stratsim/SkiRental-v0", {"b": 0}, ValidationError, "b"),
    ("stratsim/SkiRental-v0", {"sigma": -1.0}, ValidationError, "sigma"),
    ("stratsim/Scheduling-v0", {"n_jobs": 1}, ValidationError, "n_jobs"),
    ("stratsim/Scheduling-v0", {"alpha": 0.0}, ValidationError, "alpha"),
])
def test_bad_keyword_values_raise_the_package_errors_naming_the_argument(env_id, kwargs, error, match):
    with pytest.raises(error, match=match):
        gym.make(env_id, **kwargs)


@pytest.mark.parametrize("env_id, bad", [
    ("stratsim/MatchingMarket-v0", {"partner": np.array([9, 0, 0, 0]), "transfer": np.zeros(4)}),
    ("stratsim/MatchingMarket-v0", {"partner": np.zeros(4, dtype=np.int64), "transfer": np.full(4, 2.0)}),
    ("stratsim/MatchingMarket-v0", {"partner": np.zeros(4, dtype=np.int64)}),
    ("stratsim/Recommender-v0", 4),
    ("stratsim/StrategicUser-v0", 9),
    ("stratsim/StrategicUser-v0", -1),
    ("stratsim/StrategicUser-v0", "like"),
    ("stratsim/SkiRental-v0", 0),
    ("stratsim/SkiRental-v0", 81),
    ("stratsim/Scheduling-v0", np.full(5, -0.5)),
    ("stratsim/Scheduling-v0", np.ones(4)),
])
def test_actions_outside_the_space_are_refused(env_id, bad):
    env = gym.make(env_id).unwrapped
    env.reset(seed=0)
    with pytest.raises(InvalidActionError, match="outside the action space") as err:
        env.step(bad)
    assert isinstance(err.value, gym.error.InvalidAction) and isinstance(err.value, ValidationError)
    env.step(env.action_space.sample())  # the episode is still usable


@pytest.mark.parametrize("env_id", IDS)
def test_step_before_reset_and_after_the_end_need_a_reset(env_id):
    env = gym.make(env_id).unwrapped
    with pytest.raises(ResetNeededError, match="call reset"):
        env.step(env.action_space.sample())
    steps = episode(env, seed=0)
    assert steps[-1][2] or steps[-1][3]
    with pytest.raises(ResetNeededError, match="episode has ended") as err:
        env.step(env.action_space.sample())
    assert isinstance(err.value, gym.error.ResetNeeded)
    env.reset(seed=1)
    env.step(env.action_space.sample())


def test_policy_agent_refuses_other_domains_and_envs_and_needs_an_episode():
    env = gym.make("stratsim/SkiRental-v0")
    with pytest.raises(ValidationError, match="domain 'ski_rental'"):
        PolicyAgent(MatchUCB(4, 4), env)
    with pytest.raises(InputTypeError, match="stratsim Gymnasium environment"):
        PolicyAgent(RoundRobin(), gym.make("CartPole-v1"))
    agent = PolicyAgent(PurohitDeterministic(0.5), env)
    with pytest.raises(ResetNeededError):
        agent(None)


def test_a_randomized_rule_acts_through_the_adapter_with_the_agents_own_stream():
    env = gym.make("stratsim/SkiRental-v0", b=10)
    runs = []
    for _ in range(2):
        agent = PolicyAgent.from_name("ski.purohit_randomized", env, rng=4)
        runs.append(_play(env, agent, seed=1))
    assert runs[0] == runs[1] and all(math.isfinite(r) and r <= -1 for r in runs[0])


def test_policy_agent_starts_each_episode_afresh_unless_told_to_carry_on():
    values, steps = [0.85, 1.2, 0.0], 4
    env = gym.make("stratsim/StrategicUser-v0", values=values, steps=steps)
    best, naive, _ = strategization_gap(UserModel(values), lambda: env.unwrapped.make_platform(0), steps)
    agent = PolicyAgent.from_name("user.strategic", env, horizon=steps - 1, gamma=1.0)
    assert [sum(_play(env, agent, seed=s)) for s in range(3)] == pytest.approx([best] * 3, abs=1e-12)
    # a planner that keeps its believed state from the last episode no longer best-responds
    stale = PolicyAgent.from_name("user.strategic", env, horizon=steps - 1, gamma=1.0, reset_each_episode=False)
    first, second = sum(_play(env, stale, seed=0)), sum(_play(env, stale, seed=1))
    assert first == pytest.approx(best, abs=1e-12) and second < best - 1e-6
    # a bandit learner may carry on learning across episodes
    market = random_market(3, 3, rng=1)
    env = gym.make("stratsim/MatchingMarket-v0", market=market, horizon=20)
    learner = MatchUCB(3, 3, horizon=60)
    carry = PolicyAgent(learner, env, reset_each_episode=False)
    for s in range(3):
        _play(env, carry, seed=s)
    carry.learn()
    assert learner.rounds == 60 and learner.counts().sum() > 20
