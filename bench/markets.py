"""Benchmark the markets solvers against scipy's linear_sum_assignment, in one run.

Dense uniform [0, 1) surplus matrices; each side gets the same inputs; times are
medians over repeats (the two sides interleaved so machine load hits both).

    python bench/markets.py          # full run (n up to 2000)
    python bench/markets.py --quick  # smoke run

The last line printed is one JSON object: ``ratio`` is the headline
(stable_outcome with its verified certificate / linear_sum_assignment alone, at
n = 2000, or at the largest n of a --quick run), ``baseline`` names the baseline,
the other keys are the remaining ratios.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import _repo_path  # noqa: F401  (the repository's packages first: see bench/_repo_path.py)
import numpy as np
from scipy.optimize import linear_sum_assignment

import markets
from markets import outcome_from_payoffs, stable_outcome, subset_instability


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    fn(*args, **kwargs)
    return time.perf_counter() - t


def paired(a, b, repeats):
    """Median times of two zero-argument callables, interleaved."""
    ta, tb = [], []
    for _ in range(repeats):
        ta.append(timed(a))
        tb.append(timed(b))
    return statistics.median(ta), statistics.median(tb)


def lsa(w):
    return linear_sum_assignment(w, maximize=True)


def judged_outcome(w, rng):
    """An unstable outcome: the stable outcome of a noisy estimate, judged on the truth."""
    est = stable_outcome(w + rng.normal(0.0, 0.05, w.shape))
    rows, cols = est.matching[:, 0], est.matching[:, 1]
    p = np.zeros(w.shape[0])
    q = np.zeros(w.shape[1])
    p[rows] = est.customer_payoffs[rows]
    q[cols] = w[rows, cols] - p[rows]
    return outcome_from_payoffs(w, est.matching, p, q)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes, few repeats")
    ap.add_argument("--seed", type=int, default=12345)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    sizes = [100, 200] if args.quick else [200, 500, 1000, 2000]
    inst_n = 200 if args.quick else 500
    lp_n = 50 if args.quick else 200
    out = {"baseline": "scipy.optimize.linear_sum_assignment", "backend": markets.assignment.DEFAULT_BACKEND}

    print(f"markets benchmark (backend {out['backend']}, {'quick' if args.quick else 'full'} run)")
    print(f"{'what':44s} {'n':>5s} {'ours [s]':>10s} {'LSA [s]':>10s} {'ratio':>7s}")
    for n in sizes:
        w = rng.random((n, n))
        reps = 3 if n >= 2000 else 5 if n >= 1000 else 9
        stable_outcome(w)  # warm-up (imports, allocator)
        ours, base = paired(lambda w=w: stable_outcome(w), lambda w=w: lsa(w), 1 if args.quick and n > 200 else reps)
        out[f"ratio_n{n}"] = ours / base
        print(f"{'stable_outcome (certified) / LSA':44s} {n:5d} {ours:10.4f} {base:10.4f} {ours / base:7.3f}")
    out["ratio"] = out[f"ratio_n{sizes[-1]}"]
    out["ratio_n"] = sizes[-1]

    # the pure numpy/scipy fallback, for information
    n = 500 if not args.quick else 200
    w = rng.random((n, n))
    ours, base = paired(lambda: stable_outcome(w, backend="scipy"), lambda: lsa(w), 5)
    out[f"fallback_scipy_ratio_n{n}"] = ours / base
    print(f"{'stable_outcome backend=scipy / LSA':44s} {n:5d} {ours:10.4f} {base:10.4f} {ours / base:7.3f}")

    w = rng.random((inst_n, inst_n))
    o = judged_outcome(w, rng)
    ours, base = paired(lambda: subset_instability(w, o), lambda: lsa(w), 9)
    out[f"subset_instability_ratio_n{inst_n}"] = ours / base
    print(f"{'subset_instability / LSA':44s} {inst_n:5d} {ours:10.4f} {base:10.4f} {ours / base:7.3f}"
          f"   (I = {subset_instability(w, o):.4f})")

    w = rng.random((lp_n, lp_n))
    fast = statistics.median(timed(stable_outcome, w) for _ in range(9))
    slow = statistics.median(timed(stable_outcome, w, method="lp") for _ in range(1 if args.quick else 2))
    out[f"lp_speedup_n{lp_n}"] = slow / fast
    print(f"{'cvxpy+HiGHS LP / stable_outcome (speed-up)':44s} {lp_n:5d} {fast:10.4f} {slow:10.4f} "
          f"{slow / fast:7.1f}x")

    # per-call cost on the small markets a bandit loop solves every round
    w = rng.random((20, 20))
    o = judged_outcome(w, rng)
    k = 2000
    t_so = statistics.median(timed(stable_outcome, w) for _ in range(k))
    t_si = statistics.median(timed(subset_instability, w, o) for _ in range(k))
    t_sa = statistics.median(timed(markets.solve_assignment, w) for _ in range(k))
    t_ls = statistics.median(timed(lsa, w) for _ in range(k))
    out["us_per_call_20x20"] = {"stable_outcome": t_so * 1e6, "subset_instability": t_si * 1e6,
                                "solve_assignment": t_sa * 1e6, "linear_sum_assignment": t_ls * 1e6}
    print(f"20 x 20 per call [us]: stable_outcome {t_so * 1e6:.1f}, subset_instability {t_si * 1e6:.1f}, "
          f"solve_assignment (lean) {t_sa * 1e6:.1f}, LSA {t_ls * 1e6:.1f}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
