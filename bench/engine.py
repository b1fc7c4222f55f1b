"""Engine overhead: one M/M/1 model on stratsim's Simulation + Recorder vs bare SimPy.

Both versions simulate the same customers with the same random numbers; the
ratio is (toolkit time) / (bare SimPy time), median over interleaved repeats.
Target: <= 1.15.

    python bench/engine.py [--quick]

The last line printed is one JSON object with ``ratio`` and ``baseline``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import _repo_path  # noqa: F401  (the repository's packages first: see bench/_repo_path.py)
import numpy as np
import simpy

from sim import Simulation


def bare_simpy(customers: int, seed: int) -> float:
    env = simpy.Environment()
    server = simpy.Resource(env, capacity=1)
    ss = np.random.SeedSequence(seed)
    arrivals, services = (np.random.default_rng(s) for s in ss.spawn(2))
    response = []

    def customer():
        arrived = env.now
        with server.request() as req:
            yield req
            yield env.timeout(services.exponential(1.0))
        response.append(env.now - arrived)

    def source():
        for _ in range(customers):
            yield env.timeout(arrivals.exponential(1.0 / 0.8))
            env.process(customer())

    env.process(source())
    env.run()
    return sum(response) / len(response)


def toolkit(customers: int, seed: int) -> float:
    sim = Simulation(seed)
    server = simpy.Resource(sim.env, capacity=1)
    arrivals, services = sim.rng("arrivals"), sim.rng("services")

    def customer():
        arrived = sim.now
        with server.request() as req:
            yield req
            yield sim.timeout(services.exponential(1.0))
        sim.record("response_time", sim.now - arrived)

    def source():
        for _ in range(customers):
            yield sim.timeout(arrivals.exponential(1.0 / 0.8))
            sim.process(customer())

    sim.process(source())
    sim.run()
    return sim.recorder.mean("response_time")


def timed(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    args = parser.parse_args(argv)
    customers, repeats = (5_000, 3) if args.quick else (100_000, 7)
    bare, tool = [], []
    for r in range(repeats):  # interleaved, so drifts in machine load hit both sides
        bare.append(timed(bare_simpy, customers, r))
        tool.append(timed(toolkit, customers, r))
    b, t = statistics.median(bare), statistics.median(tool)
    print(f"M/M/1 rho=0.8, {customers} customers, median of {repeats}")
    print(f"{'bare SimPy':<28}{b:8.3f} s")
    print(f"{'stratsim Simulation+Recorder':<28}{t:8.3f} s")
    print(f"{'overhead ratio':<28}{t / b:8.3f}   (target <= 1.15)")
    result = {"benchmark": "engine", "ratio": round(t / b, 4), "baseline": "bare SimPy M/M/1",
              "target": "<= 1.15", "customers": customers, "toolkit_s": round(t, 4),
              "baseline_s": round(b, 4)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
