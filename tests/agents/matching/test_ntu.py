"""NTU competing bandits: the learners' deferred acceptance, the benchmarks, the environment and the learners."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.matching import CentralizedUCB, NTUEnv, NTUExploreThenCommit, NTUMarket, liu_market, run_ntu
from markets import ntu_blocking_pairs, ntu_is_stable
from sim.environment import rollout
from sim.registry import make_policy


@st.composite
def complete_profiles(draw, max_players=6, max_arms=6):
    n = draw(st.integers(1, max_players))
    k = draw(st.integers(1, max_arms))
    players = [draw(st.permutations(range(k))) for _ in range(n)]
    arms = [draw(st.permutations(range(n))) for _ in range(k)]
    return players, arms


@given(complete_profiles(), st.integers(0, 2**16))
def test_the_learners_deferred_acceptance_is_stable_for_their_index(profile, seed):
    # the matching a learner plays each round is stable for its index rankings and the arms' lists
    # (checked by the independent blocking-pair count of markets.ntu)
    players, arms = profile
    ucb = CentralizedUCB(arm_prefs=arms, horizon=10)
    index = np.random.default_rng(seed).random((len(players), len(arms)))
    got = ucb._da(index)
    prefs = {i: np.argsort(-index[i], kind="stable").tolist() for i in range(len(players))}
    mt = {i: (None if a < 0 else int(a)) for i, a in enumerate(got)}
    assert ntu_is_stable(prefs, dict(enumerate(arms)), mt)
    assert sum(a >= 0 for a in got) == min(len(players), len(arms))


@settings(max_examples=25)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 6), k=st.integers(1, 6))
def test_benchmarks_are_the_extreme_stable_matchings_and_blocking_counts_agree(seed, n, k):
    mk = liu_market(n, k, rng=seed)
    players = {i: mk.player_prefs[i].tolist() for i in range(n)}
    arms = {a: mk.arm_prefs[a].tolist() for a in range(k)}
    opt = {i: (None if a < 0 else int(a)) for i, a in enumerate(mk.player_optimal)}
    pes = {i: (None if a < 0 else int(a)) for i, a in enumerate(mk.player_pessimal)}
    assert ntu_is_stable(players, arms, opt) and ntu_is_stable(players, arms, pes)
    # every player weakly prefers the player-optimal to the player-pessimal partner
    for i in range(n):
        r_opt = mk.player_rank[i, opt[i]] if opt[i] is not None else k
        r_pes = mk.player_rank[i, pes[i]] if pes[i] is not None else k
        assert r_opt <= r_pes
    rng = np.random.default_rng(seed)
    mt = np.full(n, -1)
    chosen = rng.permutation(k)[:min(n, k)]
    mt[rng.permutation(n)[:len(chosen)]] = chosen
    m_dict = {i: (None if a < 0 else int(a)) for i, a in enumerate(mt)}
    assert mk.blocking_pairs(mt) == len(ntu_blocking_pairs(players, arms, m_dict))


def test_noise_free_etc_commits_to_the_player_optimal_matching():
    mk = liu_market(rng=3, sigma=1e-9)
    etc = NTUExploreThenCommit(arm_prefs=mk.arm_prefs, horizon=300, explore=mk.shape[1])
    tr = run_ntu(mk, etc, 300, rng=0)
    assert np.all(tr.optimal_regret[mk.shape[1]:] == 0.0)
    assert np.all(tr.blocking_pairs[mk.shape[1]:] == 0)


def test_centralized_ucb_becomes_stable_and_beats_the_pessimal_benchmark():
    mk = liu_market(rng=0, sigma=0.1)
    tr = run_ntu(mk, CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=3000, c=0.3), 3000, rng=0)
    # Liu et al.: the UCB platform's player-pessimal stable regret is O(log T)
    late = tr.pessimal_regret[-1000:]
    assert late.mean() <= 1e-9
    assert tr.blocking_pairs[-1000:].mean() < 0.05


def test_same_seed_same_ntu_trajectory():
    mk = liu_market(4, 4, rng=2)
    a = run_ntu(mk, CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=200), 200, rng=5)
    b = run_ntu(mk, CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=200), 200, rng=5)
    assert a.metric_names == b.metric_names
    for name in a.metrics:
        assert np.array_equal(a[name], b[name]), name


def test_regret_is_measured_against_the_means():
    mk = NTUMarket([[0.9, 0.2], [0.5, 0.4]], [[1, 0], [0, 1]], sigma=0.5)
    # player-optimal: DA with players proposing; both want arm 0, arm 0 prefers player 1
    assert mk.player_optimal.tolist() == [1, 0]
    etc = NTUExploreThenCommit(arm_prefs=mk.arm_prefs, horizon=2, explore=2)
    tr = run_ntu(mk, etc, 2, rng=0)
    # round-robin: round 1 plays [0, 1] (player 0 gains 0.7, player 1 loses 0.1), round 2 plays [1, 0]
    assert np.allclose(tr.optimal_regret, [-0.7 + 0.1, 0.0])


def test_run_ntu_is_a_rollout_of_the_environment_and_totals_are_per_player_sums():
    mk = liu_market(4, 3, rng=1)
    a = run_ntu(mk, CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=80), 80, rng=3)
    env = NTUEnv(mk, horizon=80)
    b = rollout(env, make_policy("match_ntu.ucb", env), rng=3)  # arm_prefs and horizon from the context
    for name in a.metrics:
        assert np.array_equal(a[name], b[name]), name
    # the per-round total is the sum of the per-player increments
    assert np.allclose(a["optimal_regret"], a["player_optimal_regret"].sum(axis=1))
    assert np.allclose(a["pessimal_regret"], a["player_pessimal_regret"].sum(axis=1))
    assert a.player_pessimal_regret.shape == (80, 4)
