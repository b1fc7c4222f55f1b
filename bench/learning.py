"""Learning-loop speed: every matching learner, Subset Instability each round, vs a bare assignment loop.

Each learner runs for T = 2000 rounds through ``agents.matching.run_bandit``
on a 20 x 20 market (typed MatchUCB on a typed market, linear MatchUCB on a
linear one, the others on an unstructured one): each round its decision (for
most, the primal-dual step: matching and core payoffs on its index), the
semi-bandit feedback, its update, and the Subset Instability of the played
outcome on the true utilities (one more assignment solve). ``run_bandit`` runs
these as the compiled loop (``agents.matching.compiled``, composed of the
learners' own kernels and bit-identical to the round-by-round Policy loop);
compilation happens in an untimed warm-up. Also timed: MatchUCB on a 20 x 20
market where each agent is present with probability 0.8 (a different subset
every round, and the round's optimal welfare on it), MatchUCB with
``refresh="doubling"``, and MatchUCB on a 100 x 100 market.

Baseline (the denominator of every ratio): a bare loop that only calls
``scipy.optimize.linear_sum_assignment`` once per round on random matrices of
the same size (drawn in advance, untimed). For reference, a loop solving each
round's primal LP as a cvxpy ``Parameter`` problem with HiGHS is timed on a few
rounds (its first compile included).

Compile once per installation: after the warm-up has filled numba's disk cache,
fresh interpreters (``--fresh`` of them) each time their first and second
certified ``markets.stable_outcome`` on a 20 x 20 market and their first and
second ``run_bandit`` of MatchUCB (the compiled loop, T rounds); the extra cost
of each first call (first minus second, median over the processes) is
reported.

Targets: every ratio >= 0.5; MatchUCB >= 100 x the cvxpy loop; each first call
within 0.5 s of the second in a fresh process. Times are medians over
interleaved repeats.

    python bench/learning.py [--quick]

The last line printed is one JSON object with ``ratio`` (the smallest of the
ratios) and ``baseline``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

import _repo_path  # noqa: F401  (the repository's packages first: see bench/_repo_path.py)
import numpy as np
from scipy.optimize import linear_sum_assignment

from agents.matching import (
    EpsilonGreedy,
    ExploreThenCommit,
    LinearMatchUCB,
    MatchUCB,
    ThompsonSampling,
    TypedMatchUCB,
    compiled,
    random_market,
    run_bandit,
)


def cases(size: int, T: int):
    """(label, market, learner factory) of every timed learner."""
    plain = random_market(size, size, rng=0)
    typed = random_market(size, size, structure="typed", types=3, rng=0)
    linear = random_market(size, size, structure="linear", dim=3, rng=0)
    absent = random_market(size, size, rng=0, arrival=0.8)
    return [
        ("MatchUCB", plain, lambda: MatchUCB(size, size, horizon=T)),
        ("MatchUCB refresh=doubling", plain, lambda: MatchUCB(size, size, horizon=T, refresh="doubling")),
        ("typed MatchUCB", typed, lambda: TypedMatchUCB(typed.customer_types, typed.provider_types, horizon=T)),
        ("linear MatchUCB", linear,
         lambda: LinearMatchUCB(linear.customer_features, linear.provider_features, horizon=T)),
        ("explore-then-commit", plain, lambda: ExploreThenCommit(size, size, horizon=T)),
        ("epsilon-greedy", plain, lambda: EpsilonGreedy(size, size, horizon=T, rng=2)),
        ("Thompson sampling", plain, lambda: ThompsonSampling(size, size, horizon=T, rng=2)),
        ("MatchUCB, arrival 0.8", absent, lambda: MatchUCB(size, size, horizon=T)),
    ]


def learner_loop(market, make, T):
    learner = make()
    assert compiled.supports(market, learner), "the benchmark times the compiled loop"
    run_bandit(market, learner, T, rng=1)


def bare_loop(matrices):
    for w in matrices:
        linear_sum_assignment(w, maximize=True)


def cvxpy_loop(matrices):
    import cvxpy as cp

    m, n = matrices[0].shape
    W = cp.Parameter((m, n))
    Z = cp.Variable((m, n), nonneg=True)
    prob = cp.Problem(cp.Maximize(cp.sum(cp.multiply(W, Z))), [cp.sum(Z, axis=1) <= 1, cp.sum(Z, axis=0) <= 1])
    for w in matrices:
        W.value = np.maximum(w, 0.0)
        prob.solve(solver=cp.HIGHS)


# Run in a fresh interpreter: first and second call of the certified solve and of the compiled bandit loop.
_FRESH = """
import time
import _repo_path
import numpy as np
from agents.matching import MatchUCB, random_market, run_bandit
from markets import stable_outcome
w = np.random.default_rng(0).uniform(-1.0, 1.0, ({size}, {size}))
mk = random_market({size}, {size}, rng=0)
out = []
for f in (lambda: stable_outcome(w), lambda: run_bandit(mk, MatchUCB({size}, {size}, horizon={T}), {T}, rng=1)):
    for _ in range(2):
        t = time.perf_counter()
        f()
        out.append(time.perf_counter() - t)
print(*out)
"""


def fresh_process_extra(size: int, T: int, processes: int) -> dict:
    """Median extra time of the first call over the second in fresh processes (seconds)."""
    code = _FRESH.format(size=size, T=T)
    solve, loop = [], []
    for _ in range(processes):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                             cwd=os.path.dirname(os.path.abspath(__file__)))
        s1, s2, l1, l2 = map(float, res.stdout.split())
        solve.append(s1 - s2)
        loop.append(l1 - l2)
    return {"stable_outcome": statistics.median(solve), "run_bandit": statistics.median(loop)}


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--fresh", type=int, default=None, help="fresh processes timed (default 3; quick 1)")
    args = parser.parse_args(argv)
    quick = args.quick
    size, big, T, T_big, repeats, cvx_rounds = (20, 100, 300, 100, 3, 10) if quick else (20, 100, 2000, 2000, 5, 100)
    rng = np.random.default_rng(0)
    mats = list(rng.uniform(-2.0, 2.0, (T, size, size)))       # surplus-like random matrices
    mats_big = list(rng.uniform(-2.0, 2.0, (T_big, big, big)))
    runs = cases(size, T)
    big_market = random_market(big, big, rng=0)
    runs.append((f"MatchUCB {big} x {big}", big_market, lambda: MatchUCB(big, big, horizon=T_big)))
    for _, market, make in runs:  # compile every loop outside the timings
        learner_loop(market, make, 5)
    times = {label: [] for label, _, _ in runs}
    bare, bare_big = [], []
    for _ in range(repeats):  # interleaved, so drifts in machine load hit every loop
        bare.append(timed(bare_loop, mats))
        for label, market, make in runs:
            times[label].append(timed(learner_loop, market, make, T_big if market is big_market else T))
        bare_big.append(timed(bare_loop, mats_big))
    fresh = fresh_process_extra(size, T, args.fresh or (1 if quick else 3))
    cvx_rounds = min(cvx_rounds, T)
    cvx = cvx_rounds / timed(cvxpy_loop, mats[:cvx_rounds])
    b = T / statistics.median(bare)
    bb = T_big / statistics.median(bare_big)
    rate = {label: (T_big if market is big_market else T) / statistics.median(times[label])
            for label, market, _ in runs}
    ratio = {label: rate[label] / (bb if market is big_market else b) for label, market, _ in runs}
    print(f"Matching learners, {size} x {size} (and {big} x {big}), T = {T}, per-round Subset Instability "
          f"included; median of {repeats}")
    print(f"{'loop':<48}{'rounds/s':>12}{'us/round':>10}{'ratio':>8}")
    print(f"{f'bare linear_sum_assignment, random {size} x {size}':<48}{b:12.0f}{1e6 / b:10.1f}")
    print(f"{f'bare linear_sum_assignment, random {big} x {big}':<48}{bb:12.0f}{1e6 / bb:10.1f}")
    for label, _, _ in runs:
        print(f"{label:<48}{rate[label]:12.0f}{1e6 / rate[label]:10.1f}{ratio[label]:8.3f}")
    print(f"{f'cvxpy Parameter LP + HiGHS ({cvx_rounds} rounds)':<48}{cvx:12.1f}{1e6 / cvx:10.1f}")
    worst = min(ratio, key=ratio.get)
    print(f"smallest ratio: {ratio[worst]:.3f} ({worst})   (target >= 0.5 each)")
    print(f"speed-up MatchUCB / cvxpy loop: {rate['MatchUCB'] / cvx:.1f}   (target >= 100)")
    print(f"fresh process, first call minus second: certified stable_outcome {fresh['stable_outcome']:.3f} s, "
          f"run_bandit (MatchUCB) {fresh['run_bandit']:.3f} s   (target <= 0.5 s each)")
    result = {
        "benchmark": "learning",
        "ratio": round(ratio[worst], 4),
        "ratio_of": worst,
        "baseline": "bare loop calling scipy.optimize.linear_sum_assignment once per round on random matrices "
                    "of the same size",
        "target": ">= 0.5 for every learner",
        "ratios": {label: round(r, 4) for label, r in ratio.items()},
        "rounds_per_s": {label: round(r, 1) for label, r in rate.items()},
        "bare_lsa_rounds_per_s": round(b, 1),
        f"bare_lsa_{big}_rounds_per_s": round(bb, 1),
        "cvxpy_speedup": round(rate["MatchUCB"] / cvx, 1),
        "cvxpy_target": ">= 100",
        "fresh_process_first_call_extra_s": {k: round(v, 3) for k, v in fresh.items()},
        "fresh_process_target_s": "<= 0.5",
        "T": T,
        "size": size,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
