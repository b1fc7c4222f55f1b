"""Quickstart wall time now vs a baseline revision, and the share of it spent drawing figures.

Runs ``stratsim run quickstart`` (every scenario at quick scale, serial backend
defaults as a new user gets them) from this tree and from a baseline revision
checked out into a temporary git worktree, interleaved: one untimed warm-up
each (numba caches), then ``--repeats`` timed runs each; medians are reported.
Then it redraws every scenario folder of this tree's last run with
``sim.runner.plot_folder`` (figures and summary.csv) and reports that time as a
share of this tree's median quickstart (the CPU time spent drawing), and times
the quickstart's runs alone (``plot=False``, interleaved with the others):
the difference is what drawing adds to the wall time (the quickstart draws
each scenario's figures in a worker while the next one runs).

Baseline (the denominator): the quickstart of revision ``--baseline`` (default
``077c4c1``, the toolkit before the report-ready work). Targets (issue
report-ready): ratio <= 1.5; plotting <= 20% of the quickstart. Scenarios added
since the baseline are run too (they are part of today's quickstart); their
times are listed, and ``ratio_same_scenarios`` compares only the scenarios both
revisions have.

    python bench/quickstart.py [--quick] [--baseline REV] [--repeats N]

The last line printed is one JSON object with ``ratio`` and ``baseline``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LINE = re.compile(r"^(\w+): .* in ([0-9.]+) s ->", re.M)


def quickstart(tree: Path, out: Path) -> tuple[float, dict[str, float]]:
    """Wall time of one quickstart run from ``tree`` into ``out`` and each scenario's reported time."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "sim", "run", "quickstart", "--out", str(out), "--no-progress"],
                          cwd=tree, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"quickstart failed in {tree}:\n{done.stdout}\n{done.stderr}")
    return wall, {m.group(1): float(m.group(2)) for m in LINE.finditer(done.stdout)}


def quickstart_without_figures(tree: Path, out: Path) -> float:
    """Wall time of the quickstart's runs alone (every scenario, quick, ``plot=False``): what drawing adds to."""
    code = ("import sys, pathlib\n"
            "from sim.registry import scenarios\n"
            "from sim.runner import run_scenario\n"
            "root = pathlib.Path(sys.argv[1])\n"
            "for n in scenarios.names():\n"
            "    if not scenarios.get(n).missing_extras():\n"
            "        run_scenario(n, root / n, quick=True, plot=False, progress=False)\n")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, str(out)], cwd=tree, env=env, capture_output=True, text=True,
                   check=True)
    return time.perf_counter() - start


def plot_time(tree: Path, root: Path) -> float:
    """Seconds to redraw every scenario folder under ``root`` (one fresh interpreter, imports untimed)."""
    code = ("import sys, time, pathlib\n"
            "from sim.runner import plot_folder\n"
            "from sim.registry import scenarios\n"
            "[scenarios.get(n) for n in scenarios.names()]  # imports and discovery: not drawing\n"
            "folders = sorted(p for p in pathlib.Path(sys.argv[1]).iterdir() if (p / 'results.csv').exists())\n"
            "t = time.perf_counter()\n"
            "for f in folders: plot_folder(f)\n"
            "print(time.perf_counter() - t)\n")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run([sys.executable, "-c", code, str(root)], cwd=tree, env=env, capture_output=True, text=True,
                          check=True)
    return float(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one timed run each, no warm-up")
    parser.add_argument("--baseline", default="077c4c1", help="git revision to compare with")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else args.repeats
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        base = tmp / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.baseline], cwd=REPO, check=True,
                       capture_output=True)
        try:
            trees = {"baseline": base, "now": REPO}
            if not args.quick:
                for label, tree in trees.items():
                    quickstart(tree, tmp / f"warm_{label}")
            walls = {label: [] for label in trees}
            per = {label: {} for label in trees}
            bare = []
            for r in range(repeats):  # interleaved, so drifts in machine load hit both
                for label, tree in trees.items():
                    wall, each = quickstart(tree, tmp / f"{label}_{r}")
                    walls[label].append(wall)
                    per[label] = each
                bare.append(quickstart_without_figures(REPO, tmp / f"bare_{r}"))
            plotting = plot_time(REPO, tmp / f"now_{repeats - 1}")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, capture_output=True)
    med = {label: statistics.median(v) for label, v in walls.items()}
    common = sorted(set(per["baseline"]) & set(per["now"]))
    same = sum(per["now"][n] for n in common) / sum(per["baseline"][n] for n in common)
    print(f"stratsim run quickstart, median of {repeats} (interleaved), serial defaults")
    print(f"{'scenario':<22}{'baseline s':>12}{'now s':>10}")
    for name in sorted(set(per["baseline"]) | set(per["now"])):
        b = per["baseline"].get(name)
        n = per["now"].get(name)
        print(f"{name:<22}{'' if b is None else f'{b:.1f}':>12}{'' if n is None else f'{n:.1f}':>10}")
    print(f"{'wall (whole command)':<22}{med['baseline']:12.1f}{med['now']:10.1f}")
    ratio = med["now"] / med["baseline"]
    share = plotting / med["now"]
    bare_s = statistics.median(bare)
    added = max(med["now"] - bare_s, 0.0) / med["now"]
    print(f"ratio now / baseline: {ratio:.2f} (target <= 1.5); same scenarios only: {same:.2f} (the baseline's "
          f"per-scenario times include drawing; today's do not, as the quickstart draws in a worker)")
    print(f"redrawing every figure and summary.csv in one process: {plotting:.1f} s = {share:.0%} of the "
          f"quickstart's wall time (CPU spent drawing)")
    print(f"the quickstart without drawing: {bare_s:.1f} s; drawing adds {med['now'] - bare_s:.1f} s = {added:.0%} "
          f"of its wall time (target <= 20%)")
    result = {
        "benchmark": "quickstart",
        "ratio": round(ratio, 3),
        "baseline": f"stratsim run quickstart at revision {args.baseline}",
        "target": "<= 1.5; plotting <= 0.2 of the quickstart",
        "ratio_same_scenarios": round(same, 3),
        "wall_s": {k: round(v, 1) for k, v in med.items()},
        "plot_s": round(plotting, 1),
        "plot_share": round(share, 3),
        "wall_without_figures_s": round(bare_s, 1),
        "plot_wall_share": round(added, 3),
        "repeats": repeats,
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
