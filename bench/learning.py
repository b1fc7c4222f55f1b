"""Learning-loop speed: MatchUCB with per-round Subset Instability vs bare assignment loops.

MatchUCB runs on a 20 x 20 market for T = 2000 rounds through
``agents.matching.run_bandit``: each round the primal-dual step (matching and
core payoffs on the UCB surplus), semi-bandit feedback, the update, and the
Subset Instability of the played outcome on the true utilities (one more
assignment solve). ``run_bandit`` runs this as its compiled loop
(``agents.matching._fused``, bit-identical to the round-by-round Policy loop);
the one-off compilation (about 2 s per process) happens in an untimed warm-up.
It is compared in one run with

* the headline baseline: a bare loop that only calls
  ``scipy.optimize.linear_sum_assignment`` each round, on the very matrices
  MatchUCB solves (the UCB surpluses of each round, recorded in an untimed
  pre-run with the same seed);
* the same bare loop on one fixed matrix (the true surplus) every round;
* a loop that solves each round's primal LP (P) as a cvxpy ``Parameter``
  problem with HiGHS (timed on 100 rounds spread over the run, the first
  compile included; rounds per second are compared).

The rarely-switching variant ``MatchUCB(refresh="doubling")`` is timed too
(``ratio_doubling``, against the bare loop on its own per-round matrices).

Targets: MatchUCB >= 0.5 x the bare loop's rounds per second; >= 100 x the
cvxpy loop's. Times are medians over interleaved repeats.

    python bench/learning.py [--quick]

The last line printed is one JSON object with ``ratio`` and ``baseline``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import _repo_path  # noqa: F401  (the repository's packages first: see bench/_repo_path.py)
import numpy as np
from scipy.optimize import linear_sum_assignment

from agents.matching import MatchUCB, random_market, run_bandit


def record_matrices(market, T, seed, refresh="every"):
    """The UCB surplus matrix MatchUCB decides on in each round (untimed)."""
    seen = []
    learner = MatchUCB(*market.shape, horizon=T, refresh=refresh)
    decide = learner.decide

    def spy(obs):
        d = decide(obs)
        seen.append(learner._w.copy())
        return d

    learner.decide = spy
    run_bandit(market, learner, T, rng=seed)
    return seen


def matchucb_loop(market, T, seed, refresh="every"):
    run_bandit(market, MatchUCB(*market.shape, horizon=T, refresh=refresh), T, rng=seed)


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


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args(argv)
    size, T, repeats, cvx_rounds = (20, 300, 3, 10) if args.quick else (20, 2000, 5, 100)
    market = random_market(size, size, rng=0)
    mats = record_matrices(market, T, 1)
    fixed = [market.surplus] * T
    mats_dbl = record_matrices(market, T, 1, "doubling")
    matchucb_loop(market, 10, 1)  # compile the loop (once per process) outside the timings
    ucb, dbl, bare, bare_dbl, bare_fixed = [], [], [], [], []
    for _ in range(repeats):  # interleaved, so drifts in machine load hit every loop
        ucb.append(timed(matchucb_loop, market, T, 1))
        bare.append(timed(bare_loop, mats))
        dbl.append(timed(matchucb_loop, market, T, 1, "doubling"))
        bare_dbl.append(timed(bare_loop, mats_dbl))
        bare_fixed.append(timed(bare_loop, fixed))
    cvx_rounds = min(cvx_rounds, T)
    cvx = timed(cvxpy_loop, mats[::max(1, T // cvx_rounds)][:cvx_rounds])  # rounds spread over the run
    u, d, b, bd, bf = (T / statistics.median(x) for x in (ucb, dbl, bare, bare_dbl, bare_fixed))
    c = cvx_rounds / cvx
    print(f"MatchUCB {size} x {size}, T = {T}, per-round Subset Instability included; median of {repeats}")
    print(f"{'loop':<58}{'rounds/s':>12}{'us/round':>10}")
    print(f"{'MatchUCB (run_bandit, instability each round)':<58}{u:12.0f}{1e6 / u:10.1f}")
    print(f"{'bare linear_sum_assignment on the same UCB matrices':<58}{b:12.0f}{1e6 / b:10.1f}")
    print(f"{'bare linear_sum_assignment on one fixed matrix':<58}{bf:12.0f}{1e6 / bf:10.1f}")
    print(f"{'MatchUCB refresh=doubling (rarely switching variant)':<58}{d:12.0f}{1e6 / d:10.1f}")
    print(f"{'bare linear_sum_assignment on its per-round matrices':<58}{bd:12.0f}{1e6 / bd:10.1f}")
    print(f"{f'cvxpy Parameter LP + HiGHS ({cvx_rounds} rounds)':<58}{c:12.1f}{1e6 / c:10.1f}")
    print(f"{'ratio MatchUCB / bare LSA (same matrices)':<58}{u / b:12.3f}   (target >= 0.5)")
    print(f"{'ratio MatchUCB / bare LSA (fixed matrix)':<58}{u / bf:12.3f}")
    print(f"{'ratio MatchUCB doubling / bare LSA (its matrices)':<58}{d / bd:12.3f}")
    print(f"{'speed-up MatchUCB / cvxpy loop':<58}{u / c:12.1f}   (target >= 100)")
    result = {
        "benchmark": "learning",
        "ratio": round(u / b, 4),
        "baseline": "bare loop calling scipy.optimize.linear_sum_assignment (on MatchUCB's per-round UCB matrices)",
        "target": ">= 0.5",
        "ratio_fixed_matrix": round(u / bf, 4),
        "ratio_doubling": round(d / bd, 4),
        "cvxpy_speedup": round(u / c, 1),
        "cvxpy_target": ">= 100",
        "T": T,
        "size": size,
        "matchucb_rounds_per_s": round(u, 1),
        "matchucb_doubling_rounds_per_s": round(d, 1),
        "bare_lsa_rounds_per_s": round(b, 1),
        "bare_lsa_fixed_rounds_per_s": round(bf, 1),
        "cvxpy_rounds_per_s": round(c, 2),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
