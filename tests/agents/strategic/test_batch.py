"""Batch-retraining populations: kernels against the scalar rules, against the single-user game,
aggregates against full histories, determinism across backends, memory."""

import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.strategic import (
    EngagementModel,
    EpsilonGreedyRecommender,
    GreedyRecommender,
    NaiveUser,
    Platform,
    PlatformBelief,
    PopulationView,
    RecObservation,
    RecState,
    StrategicUser,
    UCBRecommender,
    UserModel,
    default_types,
    make_catalog,
    play,
    type_profiles,
)
from agents.strategic.batch import (
    KINDS,
    STEP_METRICS,
    BatchPopulation,
    batch_estimates,
    batch_posterior,
    batch_probabilities,
    simulate_batch,
)
from agents.strategic.strategies import engagement_models, item_values, priors, recommenders
from sim.errors import InputTypeError, ValidationError

KINDS_DET = ("greedy", "ucb", "trustworthy")


@st.composite
def rule_view_states(draw, kinds=("greedy", "ucb", "epsilon_greedy", "softmax", "trustworthy")):
    K = draw(st.integers(1, 5))
    rule = draw(recommenders(K, kinds=kinds, clusters=False))
    means, shares = draw(priors(K, max_types=3))
    n = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**16))
    g = np.random.default_rng(seed)
    counts = g.integers(0, 4, size=(n, K))
    explicit = np.array([[g.integers(-c, c + 1) for c in row] for row in counts]).reshape(n, K)
    dwell = np.array([[g.integers(0, 2 * c + 1) for c in row] for row in counts]).reshape(n, K)
    return rule, PopulationView(means, shares), counts, explicit, dwell


def _state(counts, explicit, dwell, u):
    return RecState(tuple(int(x) for x in counts[u]), tuple(int(x) for x in explicit[u]),
                    tuple(int(x) for x in dwell[u]))


@given(rule_view_states())
def test_kernels_equal_the_scalar_rule_bit_for_bit(case):
    rule, view, counts, explicit, dwell = case
    probs = batch_probabilities(rule, counts, explicit, dwell, view)
    mu = batch_estimates(rule, counts, explicit, dwell, view)
    post = batch_posterior(rule, counts, explicit, dwell, view)
    for u in range(counts.shape[0]):
        state = _state(counts, explicit, dwell, u)
        want = rule.probabilities(RecObservation(state, view))
        assert probs[u].tolist() == want.tolist()
        assert mu[u].tolist() == list(rule.estimates(state, view))
        assert post[u].tolist() == list(rule.type_posterior(state, view))


@st.composite
def one_user_games(draw):
    K = draw(st.integers(1, 4))
    values = draw(item_values(K))
    # the default costs (0.05) and a flat prior make distortion pay often; drawn ones cover the rest
    eng = draw(st.one_of(st.just(EngagementModel()), engagement_models()))
    rule = draw(recommenders(K, kinds=KINDS_DET, clusters=False, stochastic=False))
    means, shares = draw(st.one_of(st.just(([0.0] * K, None)), priors(K, max_types=2)))
    strategic = draw(st.sampled_from([True, True, False]))
    horizon = draw(st.sampled_from([0, 1, 2, 2, 3, 3]))
    gamma = draw(st.sampled_from([0.0, 0.5, 0.9, 1.0, 1.0]))
    steps = draw(st.integers(1, 8))
    learn = draw(st.booleans())
    return UserModel(values, eng), rule, means, shares, strategic, horizon, gamma, steps, learn


def _same_game(case):
    model, rule, means, shares, strategic, horizon, gamma, steps, learn = case
    snapshot = Platform(rule, means, type_prior=shares)  # the frozen view: no population learning in a period
    if strategic:
        user = StrategicUser(model, PlatformBelief.of(snapshot), horizon=horizon, gamma=gamma)
    else:
        user = NaiveUser(model)
    game = play(user, snapshot, steps, know_end=False)
    template = Platform(rule, means, type_prior=shares, learn=learn)
    pop = BatchPopulation([model.values], strategic=[strategic], engagement=model.engagement, horizon=horizon,
                          gamma=gamma)
    res = simulate_batch(template, pop, periods=1, steps_per_period=steps, rng=3, keep_histories=True)
    h = res.history
    assert h.item.tolist() == game.items.tolist()
    assert h.explicit.tolist() == game.explicit.tolist()
    assert h.dwell.tolist() == game.dwell.tolist()
    assert h.utility.tolist() == game.utility.tolist()
    assert h.signal.tolist() == game.signal.tolist()
    assert h.value.tolist() == game.value.tolist()
    assert h.natural_explicit.tolist() == game.natural_explicit.tolist()
    return bool((game.explicit != game.natural_explicit).any() or (game.dwell != game.natural_dwell).any())


@settings(max_examples=60)
@given(one_user_games())
def test_one_period_with_one_user_is_the_single_user_game(case):
    _same_game(case)


def test_random_games_where_planners_distort_are_the_single_user_game():
    # hypothesis's games sit at the value bounds, where distortion rarely pays: these random ones steer often
    g = np.random.default_rng(2)
    distorted = 0
    for _ in range(40):
        K = int(g.integers(2, 5))
        alpha = float(g.choice([0.0, 0.5, 1.0]))
        rule = (GreedyRecommender(alpha=alpha, warmup=bool(g.integers(2))) if g.random() < 0.5
                else UCBRecommender(alpha=alpha, c=float(g.uniform(0, 0.5))))
        two = g.random() < 0.5
        means = g.uniform(-0.5, 0.5, size=(2, K)).round(2) if two else np.zeros(K)
        case = (UserModel(g.uniform(-1.0, 1.5, size=K)), rule, means, [0.7, 0.3] if two else None, True,
                int(g.integers(1, 4)), 0.9, 6, False)
        distorted += _same_game(case)
    assert distorted >= 8  # the comparison covered planners that steer


@pytest.mark.parametrize("rule", [GreedyRecommender(alpha=1.0), UCBRecommender(alpha=1.0, c=0.2)])
def test_one_user_who_distorts_plays_the_single_user_game(rule):
    # shown item 0 (worth 0.85, naturally liked), a planner dislikes it to be moved to item 1 (worth 1.2)
    model = UserModel([0.85, 1.2, 0.0])
    assert _same_game((model, rule, [0.0, 0.0, 0.0], None, True, 3, 1.0, 6, False))


def _world(n_items=5, learn=True, rule=None):
    cat = make_catalog(n_items, rng=0)
    prof, shares = type_profiles(cat, default_types())
    rule = rule or EpsilonGreedyRecommender(epsilon=0.3, alpha=0.5)
    return cat, Platform(rule, prof, type_prior=shares, learn=learn, pseudo_count=4.0)


def _recompute(platform, pop_values, pop_types, h, periods, steps):
    """Every aggregate of a run, recomputed from its full history with the scalar rule (independently)."""
    rule, base = platform.policy, platform.base_view
    G, K = base.n_types, base.n_items
    eng = EngagementModel()
    out = {"means": {}, "estimation": {}, "type_means": [np.asarray(base.means)], "absorbed": [], "profile": []}
    for p in range(periods):
        rows = h.period == p
        for kind, flag in zip(KINDS, (False, True)):
            sel = rows & (h.strategic == flag)
            cost = eng.explicit_cost * np.abs(h.explicit - h.natural_explicit) + \
                eng.dwell_cost * np.abs(h.dwell - h.natural_dwell) / 0.5
            cols = {"utility": h.value - cost, "value": h.value, "sincere_engagement": h.sincere_signal,
                    "signal_engagement": h.signal, "explicit_usage": (h.explicit != 0).astype(float),
                    "explicit_distortion": np.abs(h.explicit - h.natural_explicit).astype(float),
                    "dwell_distortion": np.abs(h.dwell - h.natural_dwell)}
            for m in STEP_METRICS:
                out["means"][(p, kind, m)] = cols[m][sel].mean() if sel.any() else math.nan
    # the platform's learning, signal by signal, with the scalar type posterior of the state after it
    S, N, Sstar = np.zeros((G, K)), np.zeros((G, K)), np.zeros((G, K))
    states = {}
    means = base.means
    c0 = platform.pseudo_count
    m0 = np.asarray(base.means)
    for p in range(periods):
        view = PopulationView(means, base.prior)
        for step in range(steps):
            sel = np.flatnonzero((h.period == p) & (h.step == step))
            for i in sel:
                u, k = int(h.user[i]), int(h.item[i])
                st_ = states.get(u, rule.initial_state(K))
                st_ = states[u] = rule.advance(st_, k, int(h.explicit[i]), round(float(h.dwell[i]) * 2))
                post = rule.type_posterior(st_, view)
                for g in range(G):
                    S[g, k] += post[g] * h.signal[i]
                    N[g, k] += post[g]
                    Sstar[g, k] += post[g] * h.sincere_signal[i]
        new = (c0 * m0 + S) / (c0 + N)
        means = tuple(tuple(float(x) for x in row) for row in new)
        out["type_means"].append(new)
        delta = np.abs(S - Sstar)
        out["absorbed"].append((delta * N / (c0 + N)).sum() / delta.sum() if delta.sum() > 0 else math.nan)
        # per-user estimation error from the history so far (mean signal per item vs its sincere signal)
        upto = h.period <= p
        for kind, flag in zip(KINDS, (False, True)):
            errs = []
            for u in np.unique(h.user[upto & (h.strategic == flag)]):
                mine = upto & (h.user == u)
                per_item = [abs(h.signal[mine & (h.item == k)].mean() - h.sincere_signal[mine & (h.item == k)][0])
                            for k in np.unique(h.item[mine])]
                errs.append(np.mean(per_item))
            out["estimation"][(p, kind)] = np.mean(errs) if errs else math.nan
        truth = np.stack([np.array([[_sincere(v, platform.alpha) for v in row]
                                    for row in pop_values[pop_types == g]]).mean(axis=0) for g in range(G)])
        out["profile"].append(np.mean(np.abs(new - truth)))
    return out


def _sincere(v, alpha):
    nat = EngagementModel().natural(float(v))
    return alpha * nat[0] + (1 - alpha) * nat[1]


@pytest.mark.parametrize("shard_size", [3, 64])
def test_aggregates_equal_those_recomputed_from_full_histories(shard_size):
    cat, platform = _world()
    g = np.random.default_rng(5)
    n = 14
    types = g.integers(0, 2, size=n)
    cents = np.array([t.centroid for t in default_types()])
    values = (cents[types] + 0.2 * g.standard_normal((n, 2))) @ cat.features.T
    strategic = np.arange(n) % 2 == 1
    pop = BatchPopulation(values, strategic=strategic, user_type=types, horizon=2, gamma=0.9)
    periods, steps = 3, 4
    res = simulate_batch(platform, pop, periods=periods, steps_per_period=steps, rng=11, keep_histories=True,
                         shard_size=shard_size)
    h = res.history
    assert len(h) == n * periods * steps
    # the history itself, from the user model: value, natural engagement, sincere and read signal of each step
    a = platform.alpha
    assert h.value.tolist() == values[h.user, h.item].tolist()
    assert h.sincere_signal.tolist() == [_sincere(v, a) for v in h.value]
    assert [EngagementModel().natural(float(v)) for v in h.value] == list(zip(h.natural_explicit.tolist(),
                                                                             h.natural_dwell.tolist()))
    assert np.allclose(h.signal, a * h.explicit + (1 - a) * h.dwell, rtol=0, atol=1e-15)
    assert (h.explicit[~h.strategic] == h.natural_explicit[~h.strategic]).all()
    want = _recompute(platform, values, types, res.history, periods, steps)
    for (p, kind, m), v in want["means"].items():
        assert res.mean(m, kind)[p] == pytest.approx(v, rel=1e-12, abs=1e-12), (p, kind, m)
    for (p, kind), v in want["estimation"].items():
        assert res.mean("estimation_error", kind)[p] == pytest.approx(v, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(res.type_means, np.stack(want["type_means"]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.absorbed_share, want["absorbed"], rtol=1e-12)
    np.testing.assert_allclose(res.profile_error, want["profile"], rtol=1e-12)
    assert res.users.tolist() == [7, 7]
    assert res.mean("user_steps", "strategic").tolist() == [7.0 * steps] * periods


def test_naive_users_report_sincere_engagement_as_the_signal_and_no_absorbed_distortion():
    cat, platform = _world()
    pop = BatchPopulation.sample(cat, default_types(), 300, profiles=10)
    res = simulate_batch(platform, pop, periods=2, steps_per_period=3, rng=0, shard_size=100)
    assert res.mean("sincere_engagement").tolist() == res.mean("signal_engagement").tolist()
    assert res.mean("explicit_distortion", "naive").tolist() == [0.0, 0.0]
    assert np.isnan(res.absorbed_share).all()  # no distortion at all
    assert np.isnan(res.mean("utility", "strategic")).all()
    assert res.mean("estimation_error", "naive").tolist() == [0.0, 0.0]


def test_strategic_share_is_exact_and_sampled_users_repeat():
    cat, platform = _world()
    pop = BatchPopulation.sample(cat, default_types(), 1000, strategic_share=0.3, profiles=12, horizon=1)
    a = simulate_batch(platform, pop, periods=2, steps_per_period=2, rng=4, shard_size=128)
    b = simulate_batch(platform, pop, periods=2, steps_per_period=2, rng=4, shard_size=128)
    assert a.users.tolist() == [700, 300]
    assert a.to_bytes() == b.to_bytes()
    c = simulate_batch(platform, pop, periods=2, steps_per_period=2, rng=5, shard_size=128)
    assert a.to_bytes() != c.to_bytes()


def test_bad_input_is_refused_naming_the_argument():
    cat, platform = _world()
    pop = BatchPopulation.sample(cat, default_types(), 10)
    with pytest.raises(ValidationError, match="periods must be >= 1, got 0"):
        simulate_batch(platform, pop, periods=0)
    with pytest.raises(InputTypeError, match="population must be a BatchPopulation"):
        simulate_batch(platform, [[0.1] * 5])
    with pytest.raises(ValidationError, match="per-item recommenders only"):
        simulate_batch(Platform(GreedyRecommender(clusters=[0, 0, 1, 1, 1]), np.zeros(5)), pop)
    with pytest.raises(ValidationError, match="population values 3 items but the platform has 5"):
        simulate_batch(platform, BatchPopulation(np.zeros((2, 3))))
    with pytest.raises(ValidationError, match="strategic_share must be in"):
        BatchPopulation.sample(cat, default_types(), 10, strategic_share=1.5)
    with pytest.raises(ValidationError, match="would need"):
        simulate_batch(platform, BatchPopulation.sample(cat, default_types(), 10**12))
    used = Platform(UCBRecommender(), np.zeros(5))
    used.add_user()
    with pytest.raises(ValidationError, match="must have no users yet"):
        simulate_batch(used, pop)
    with pytest.raises(ValidationError, match="backend must be one of"):
        simulate_batch(platform, pop, backend="threads")


def _study(backend, jobs=None):
    cat, platform = _world(6)
    pop = BatchPopulation.sample(cat, default_types(), 700, strategic_share=0.25, profiles=15, horizon=2)
    return simulate_batch(platform, pop, periods=3, steps_per_period=3, rng=21, backend=backend, jobs=jobs,
                          shard_size=100).to_bytes()


@pytest.mark.slow
def test_same_seed_same_bytes_serial_and_processes():
    serial = _study("serial")
    assert _study("processes", jobs=2) == serial
    assert _study("processes", jobs=1) == serial


@pytest.mark.slow
def test_same_seed_same_bytes_on_dask():
    pytest.importorskip("distributed")
    assert _study("dask", jobs=2) == _study("serial")


@pytest.mark.slow
def test_same_seed_same_bytes_on_a_running_scheduler():
    """``scheduler=ADDRESS``: the shards run on a cluster started elsewhere (here a LocalCluster)."""
    distributed = pytest.importorskip("distributed")
    cat, platform = _world(6)
    pop = BatchPopulation.sample(cat, default_types(), 700, strategic_share=0.25, profiles=15, horizon=2)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        remote = simulate_batch(platform, pop, periods=3, steps_per_period=3, rng=21, scheduler=c.scheduler_address,
                                shard_size=100).to_bytes()
    assert remote == _study("serial")


_MEMORY_PROBE = textwrap.dedent("""
    import resource, sys
    cap = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from agents.strategic import Platform, GreedyRecommender, make_catalog, default_types, type_profiles
    from agents.strategic.batch import BatchPopulation, simulate_batch
    cat = make_catalog(10, rng=0)
    prof, shares = type_profiles(cat, default_types())
    platform = Platform(GreedyRecommender(), prof, type_prior=shares, learn=True)
    res = simulate_batch(platform, BatchPopulation.sample(cat, default_types(), 10**6), periods=3,
                         steps_per_period=5, rng=0)
    print(int(res.mean("user_steps").sum()), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
""")


@pytest.mark.slow
def test_a_million_naive_users_run_under_a_two_gigabyte_cap():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", _MEMORY_PROBE, str(2 * 1024**3)], capture_output=True, text=True,
                         env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-2000:]
    steps, peak_kb = map(int, out.stdout.split())
    assert steps == 15 * 10**6
    assert peak_kb * 1024 < 2 * 1024**3
