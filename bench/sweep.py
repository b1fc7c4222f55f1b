"""Sweep speed-up: 16 CPU-bound tasks on the processes backend (2 workers) vs serial.

The ratio is (serial time) / (processes time); target >= 1.8 on a 2-core machine.
Both runs must produce identical rows (checked).

    python bench/sweep.py [--quick] [--jobs 2]

The last line printed is one JSON object with ``ratio`` and ``baseline``.
"""

from __future__ import annotations

import argparse
import json
import time

import _repo_path  # noqa: F401  (the repository's packages first: see bench/_repo_path.py)

from sim.sweep import run_sweep


def cpu_task(cell, rng):
    """Pure-Python work (no GIL release, no I/O): a random walk of `steps` steps."""
    x, steps = 0.0, cell["steps"]
    u = rng.random(1024).tolist()
    for i in range(steps):
        x += u[i & 1023] - 0.5
    return [{"metric": "endpoint", "value": x}]


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    steps = 2_000_000 if args.quick else 12_000_000
    grid = [{"steps": steps, "k": k} for k in range(16)]
    t0 = time.perf_counter()
    serial = run_sweep(cpu_task, grid, 1, rng=1, backend="serial", progress=False)
    t_serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    procs = run_sweep(cpu_task, grid, 1, rng=1, backend="processes", jobs=args.jobs, progress=False)
    t_procs = time.perf_counter() - t0
    assert serial.rows == procs.rows, "backends disagree"
    ratio = t_serial / t_procs
    print(f"16 CPU-bound tasks of {steps} steps")
    print(f"{'serial':<24}{t_serial:8.2f} s")
    print(f"{f'processes ({args.jobs} workers)':<24}{t_procs:8.2f} s")
    print(f"{'speed-up':<24}{ratio:8.2f}   (target >= 1.8 with 2 workers on 2 cores)")
    result = {"benchmark": "sweep", "ratio": round(ratio, 3), "baseline": "serial backend, same sweep",
              "target": ">= 1.8", "jobs": args.jobs, "serial_s": round(t_serial, 3),
              "processes_s": round(t_procs, 3)}
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
