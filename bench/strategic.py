"""Strategic planners: cost per decision against the horizon, and the population slowdown.

1. Decisions per second of the exact planner for H = 1..6 on a platform with
   small state (cluster pooling over two genres, 10 items, alpha = 0.5, so 7
   distinct signals per step; a greedy rule). Decision points come from a
   naive user's trajectory; every decision uses a fresh planner (no memo
   carried over), so the time is that of a full best-response search. The
   growth is fitted as a polynomial degree (slope of log time against log H)
   and as a geometric rate (slope of log time against H); successive ratios
   t(H+1)/t(H) that fall towards 1 are the signature of polynomial growth
   (an exponential keeps them constant; enumerating 9^H sequences would make
   them 9). The same is reported, for information, for the per-item platform,
   whose state grows with every item the user touches.
2. A 1000-user population run (the cold-start configuration: two user types,
   a type-aware greedy platform learning across users, 3 sessions of 5
   recommendations) with H = 3 planners against the same run with naive
   users (same seeds). ``ratio`` = strategic time / naive time; target <= 20.

3. ``--batch`` (only this section): the batch-retraining population mode
   (:mod:`agents.strategic.batch`) against the Poisson DES in the same run,
   in user-steps per second (``ratio`` = batch / DES, naive users, same
   platform setting, 15 recommendations per user): 10^6 naive users serially
   (target <= 60 s) with the peak resident memory of a fresh process; the
   same study on the processes backend with 2 workers (target >= 1.6 x
   serial on an idle machine); 10^5 H = 3 strategic users over 1000 profiles
   (target <= 120 s).

    python bench/strategic.py [--quick] [--batch]

The last line printed is one JSON object with ``ratio`` and ``baseline``.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time

import _repo_path  # noqa: F401  (the repository's packages first: see bench/_repo_path.py)
import numpy as np

from agents.strategic import (
    EngagementModel,
    GreedyRecommender,
    NaiveUser,
    Planner,
    Platform,
    PlatformBelief,
    StrategicUser,
    UserModel,
    default_types,
    make_catalog,
    play,
    sample_users,
    simulate_population,
    type_profiles,
)

HORIZONS = (1, 2, 3, 4, 5, 6)


def decision_points(rule, prior, model, steps):
    """(item, believed state, recent) at each step of a naive user's game."""
    platform = Platform(rule, prior)
    traj = play(NaiveUser(model), platform, steps)
    state = rule.initial_state(len(prior))
    points = []
    for item, e, d in zip(traj.items, traj.explicit, traj.dwell):
        points.append((int(item), state))
        state = rule.advance(state, int(item), int(e), round(float(d) * 2))
    return points


def planner_speed(rule, prior, models, points_per_model, horizons):
    out = {}
    view_prior = Platform(rule, prior).base_view
    cases = [(m, pt) for m in models for pt in decision_points(rule, prior, m, points_per_model)]
    for h in horizons:
        nodes = 0
        start = time.perf_counter()
        for model, (item, state) in cases:
            planner = Planner(model.values, model.engagement, rule, view_prior, gamma=0.9)
            nodes += planner.plan(item, state, (), h).nodes
        seconds = time.perf_counter() - start
        out[h] = {"decisions_per_second": len(cases) / seconds, "seconds_per_decision": seconds / len(cases),
                  "nodes_per_decision": nodes / len(cases)}
    return out


def fit_growth(speed, key="seconds_per_decision"):
    hs = np.array(sorted(speed), dtype=float)
    t = np.array([speed[int(h)][key] for h in hs])
    degree = float(np.polyfit(np.log(hs), np.log(t), 1)[0])
    rate = float(math.exp(np.polyfit(hs, np.log(t), 1)[0]))
    ratios = [float(t[i + 1] / t[i]) for i in range(len(t) - 1)]
    return degree, rate, ratios


def population(n_users, strategic, seed=0, catalog_noise=0.3):
    rng = np.random.default_rng(seed)
    catalog = make_catalog(10, noise=catalog_noise, rng=rng)
    types = default_types()
    _, thetas = sample_users(types, n_users, rng=rng)
    eng = EngagementModel(like_at=1.2)
    profiles, shares = type_profiles(catalog, types, alpha=0.5, engagement=eng)
    platform = Platform(GreedyRecommender(alpha=0.5, noise=0.4), profiles, type_prior=shares, learn=True, rng=1)
    users = []
    for th in thetas:
        m = UserModel.from_preferences(catalog, th, engagement=eng)
        users.append(StrategicUser(m, PlatformBelief.of(platform), horizon=3, gamma=0.9) if strategic
                     else NaiveUser(m))
    start = time.perf_counter()
    log = simulate_population(users, platform, sessions=3, session_length=5, rng=seed)
    return time.perf_counter() - start, len(log)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run (seconds)")
    parser.add_argument("--batch", action="store_true",
                        help="the batch-retraining population mode only (against the Poisson DES)")
    args = parser.parse_args(argv)
    if args.batch:
        return batch_main(args.quick)
    n_models, n_points = (2, 3) if args.quick else (8, 8)
    n_users, repeats = (100, 1) if args.quick else (1000, 2)

    rng = np.random.default_rng(0)
    catalog = make_catalog(10, rng=rng)
    types = default_types()
    _, thetas = sample_users(types, n_models, rng=rng)
    models = [UserModel.from_preferences(catalog, th) for th in thetas]
    profiles, shares = type_profiles(catalog, types, alpha=0.5)
    prior = shares @ profiles

    small = GreedyRecommender(alpha=0.5, clusters=catalog.genres)
    per_item = GreedyRecommender(alpha=0.5)
    speed_small = planner_speed(small, prior, models, n_points, HORIZONS)
    speed_item = planner_speed(per_item, prior, models, n_points, HORIZONS[:5] if args.quick else HORIZONS)
    degree, rate, ratios = fit_growth(speed_small)
    degree_item, rate_item, ratios_item = fit_growth(speed_item)
    degree_nodes, rate_nodes, ratios_nodes = fit_growth(speed_small, "nodes_per_decision")

    print("Exact planner, small-state platform (2-genre cluster pooling, 10 items, alpha = 0.5)")
    print(f"{'H':>3} {'decisions/s':>12} {'ms/decision':>12} {'nodes/decision':>15} {'9^H':>10}")
    for h, s in speed_small.items():
        print(f"{h:>3} {s['decisions_per_second']:>12.1f} {1e3 * s['seconds_per_decision']:>12.3f} "
              f"{s['nodes_per_decision']:>15.1f} {9 ** h:>10}")
    print(f"time: fitted polynomial degree {degree:.2f}; geometric rate {rate:.2f}; "
          f"successive ratios {', '.join(f'{r:.2f}' for r in ratios)}")
    print(f"nodes: fitted polynomial degree {degree_nodes:.2f}; geometric rate {rate_nodes:.2f}; "
          f"successive ratios {', '.join(f'{r:.2f}' for r in ratios_nodes)}")
    print("Exact planner, per-item platform (state grows with each item touched), for information")
    for h, s in speed_item.items():
        print(f"{h:>3} {s['decisions_per_second']:>12.1f} {1e3 * s['seconds_per_decision']:>12.3f} "
              f"{s['nodes_per_decision']:>15.1f}")
    print(f"fitted polynomial degree {degree_item:.2f}; geometric rate {rate_item:.2f}; "
          f"successive ratios {', '.join(f'{r:.2f}' for r in ratios_item)}")

    naive_t, strat_t = [], []
    for rep in range(repeats):  # interleaved, so machine load hits both alike
        t, rows = population(n_users, strategic=False, seed=rep)
        naive_t.append(t)
        t, rows = population(n_users, strategic=True, seed=rep)
        strat_t.append(t)
    naive_s, strat_s = statistics.median(naive_t), statistics.median(strat_t)
    ratio = strat_s / naive_s
    print(f"Population run, {n_users} users x 15 recommendations ({rows} steps): naive {naive_s:.2f} s, "
          f"H = 3 planners {strat_s:.2f} s, slowdown {ratio:.1f}x (target <= 20)")
    # a harder variant for information: noisier catalog, so more users have reasons to steer
    naive_v, _ = population(n_users, strategic=False, catalog_noise=0.5)
    strat_v, _ = population(n_users, strategic=True, catalog_noise=0.5)
    print(f"Variant with catalog noise 0.5: naive {naive_v:.2f} s, H = 3 planners {strat_v:.2f} s, "
          f"slowdown {strat_v / naive_v:.1f}x")
    result = {
        "ratio": round(ratio, 3),
        "baseline": f"naive users, same {n_users}-user population run (cold-start setting, same seeds)",
        "population_users": n_users,
        "naive_seconds": round(naive_s, 3),
        "strategic_seconds": round(strat_s, 3),
        "decisions_per_second": {str(h): round(s["decisions_per_second"], 1) for h, s in speed_small.items()},
        "nodes_per_decision": {str(h): round(s["nodes_per_decision"], 1) for h, s in speed_small.items()},
        "fitted_degree": round(degree, 3),
        "geometric_rate": round(rate, 3),
        "growth_ratios": [round(r, 3) for r in ratios],
        "fitted_degree_nodes": round(degree_nodes, 3),
        "growth_ratios_nodes": [round(r, 3) for r in ratios_nodes],
        "per_item_decisions_per_second": {str(h): round(s["decisions_per_second"], 1)
                                          for h, s in speed_item.items()},
        "per_item_fitted_degree": round(degree_item, 3),
        "per_item_growth_ratios": [round(r, 3) for r in ratios_item],
        "ratio_noisy_catalog": round(strat_v / naive_v, 3),
        "quick": bool(args.quick),
    }
    print(json.dumps(result))


# --- batch-retraining populations (agents.strategic.batch) against the Poisson DES ---------------------------

def batch_world(catalog_noise=0.3):
    """The cold-start setting of :func:`population`: 10 items, two types, a type-aware greedy platform learning."""
    catalog = make_catalog(10, noise=catalog_noise, rng=np.random.default_rng(0))
    types = default_types()
    eng = EngagementModel(like_at=1.2)
    profiles, shares = type_profiles(catalog, types, alpha=0.5, engagement=eng)
    platform = Platform(GreedyRecommender(alpha=0.5, noise=0.4), profiles, type_prior=shares, learn=True, rng=1)
    return catalog, types, eng, platform


def batch_run(n_users, *, strategic_share=0.0, profiles=None, horizon=3, backend="serial", pool=None, seed=0):
    """Seconds and user-steps of a batch run: 3 periods x 5 steps (15 recommendations per user, as the DES)."""
    from agents.strategic.batch import BatchPopulation, simulate_batch

    catalog, types, eng, platform = batch_world()
    users = BatchPopulation.sample(catalog, types, n_users, strategic_share=strategic_share, profiles=profiles,
                                   engagement=eng, horizon=horizon, gamma=0.9)
    start = time.perf_counter()
    res = simulate_batch(platform, users, periods=3, steps_per_period=5, rng=seed, backend=backend, pool=pool)
    return time.perf_counter() - start, int(res.mean("user_steps").sum())


def _peak_child(n_users, out):
    import resource

    seconds, steps = batch_run(n_users)
    out.put((seconds, steps, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))


def batch_peak(n_users):
    """(seconds, user-steps, peak resident MB) of a naive batch run in a fresh forked process."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(n_users, out))
    proc.start()
    seconds, steps, peak_kb = out.get()
    proc.join()
    return seconds, steps, peak_kb / 1024


def batch_main(quick=False):
    from sim.shards import ShardPool

    n_naive, n_strat, n_des, n_des_strat, repeats = ((10**5, 10**4, 300, 100, 1) if quick
                                                      else (10**6, 10**5, 2000, 300, 2))
    # the baseline: the Poisson-arrival DES, naive and H = 3 users, same setting and 15 recommendations each
    des_t, des_rows = population(n_des, strategic=False)
    des_rate = des_rows / des_t
    des_st, des_srows = population(n_des_strat, strategic=True)
    des_srate = des_srows / des_st
    peak_s, steps, peak_mb = batch_peak(n_naive)
    serial_t, proc_t = [peak_s], []
    with ShardPool("processes", jobs=2) as pool:
        pool.map(abs, [0, 0])  # workers started outside the timing
        for rep in range(repeats):  # interleaved, so machine load hits both alike
            proc_t.append(batch_run(n_naive, pool=pool)[0])
            if rep + 1 < repeats:
                serial_t.append(batch_run(n_naive)[0])
    naive_s, proc_s = statistics.median(serial_t), statistics.median(proc_t)
    n_profiles = 200 if quick else 1000
    strat_s, strat_steps = batch_run(n_strat, strategic_share=1.0, profiles=n_profiles)
    rate = steps / naive_s
    print(f"Poisson DES (simulate_population), cold-start setting, 15 recommendations per user: naive "
          f"{des_rate:,.0f} user-steps/s ({n_des} users), H = 3 planners {des_srate:,.0f} user-steps/s "
          f"({n_des_strat} users)")
    print(f"Batch mode, {n_naive:,} naive users x 15 steps, serial: {naive_s:.1f} s (target <= 60 s), "
          f"{rate:,.0f} user-steps/s = {rate / des_rate:.1f} x the DES; peak resident {peak_mb:,.0f} MB")
    print(f"Batch mode, same study on the processes backend, 2 workers: {proc_s:.1f} s, "
          f"{naive_s / proc_s:.2f} x serial (target >= 1.6 on an idle machine; measured under load)")
    print(f"Batch mode, {n_strat:,} H = 3 strategic users ({n_profiles} profiles) x 15 steps, serial: {strat_s:.1f} s "
          f"(target <= 120 s), {strat_steps / strat_s:,.0f} user-steps/s = {strat_steps / strat_s / des_srate:.1f} "
          f"x the DES's planners")
    result = {
        "ratio": round(rate / des_rate, 3),
        "baseline": "Poisson-arrival DES (simulate_population), naive users, same platform and 15 steps per user",
        "naive_users": n_naive,
        "naive_seconds": round(naive_s, 3),
        "naive_user_steps_per_second": round(rate, 1),
        "des_user_steps_per_second": round(des_rate, 1),
        "peak_resident_mb": round(peak_mb, 1),
        "processes_2_seconds": round(proc_s, 3),
        "processes_speedup": round(naive_s / proc_s, 3),
        "strategic_users": n_strat,
        "strategic_seconds": round(strat_s, 3),
        "strategic_ratio_vs_des": round(strat_steps / strat_s / des_srate, 3),
        "des_strategic_user_steps_per_second": round(des_srate, 1),
        "quick": bool(quick),
    }
    print(json.dumps(result))

if __name__ == "__main__":
    main()
