"""Sweeps: identical bytes on every backend, resume after a kill, journal integrity."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.errors import ResultsMismatchError, ValidationError
from sim.runner import run_scenario
from sim.sweep import run_sweep

SMALL = {"rhos": "(0.4, 0.7)", "customers": "400"}


def _csv(out: Path) -> bytes:
    return (out / "results.csv").read_bytes()


@pytest.fixture(scope="module")
def serial_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    run_scenario("mm1", out, overrides=SMALL, rng=9, replications=3, backend="serial")
    return out


def test_processes_backend_gives_identical_bytes(serial_run, tmp_path):
    run_scenario("mm1", tmp_path, overrides=SMALL, rng=9, replications=3, backend="processes", jobs=2)
    assert _csv(tmp_path) == _csv(serial_run)


def test_dask_local_cluster_gives_identical_bytes(serial_run, tmp_path):
    pytest.importorskip("distributed")
    run_scenario("mm1", tmp_path, overrides=SMALL, rng=9, replications=3, backend="dask", jobs=2)
    assert _csv(tmp_path) == _csv(serial_run)


def test_another_seed_gives_other_results(serial_run, tmp_path):
    run_scenario("mm1", tmp_path, overrides=SMALL, rng=10, replications=3, backend="serial")
    assert _csv(tmp_path) != _csv(serial_run)


def test_figures_have_deterministic_bytes(serial_run, tmp_path):
    run_scenario("mm1", tmp_path, overrides=SMALL, rng=9, replications=3, backend="serial")
    for name in ("mm1_response_time.png", "mm1_response_time.pdf"):
        assert (tmp_path / "figures" / name).read_bytes() == (serial_run / "figures" / name).read_bytes()


def _slow_task(cell, rng):
    time.sleep(cell["sleep"])
    return [{"metric": "draw", "value": float(rng.random())}]


def _journal_tasks(path: Path):
    lines = path.read_text().splitlines()[1:]
    return [(e["cell"], e["rep"]) for e in map(json.loads, lines)]


@pytest.mark.parametrize("backend", ["serial", "processes"])
def test_killed_sweep_resumes_without_loss_or_repeat(tmp_path, backend):
    journal = tmp_path / "tasks.jsonl"
    grid = [{"sleep": 0.15, "k": k} for k in range(4)]
    # The subprocess imports the task under the module name pytest gave it: the
    # journal's fingerprint names the function's module.
    script = (
        f"import sys, importlib; sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})\n"
        f"_slow_task = importlib.import_module({_slow_task.__module__!r})._slow_task\n"
        "from sim.sweep import run_sweep\n"
        f"run_sweep(_slow_task, {grid!r}, 3, rng=5, backend={backend!r}, jobs=2, journal={str(journal)!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        if journal.exists() and len(_journal_tasks(journal)) >= 3:
            break
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers die mid-run
    proc.wait()
    before = _journal_tasks(journal)
    assert 3 <= len(before) < 12, "the kill should land mid-sweep"

    result = run_sweep(_slow_task, grid, 3, rng=5, backend="serial", journal=journal)
    after = _journal_tasks(journal)
    assert sorted(after) == sorted(set(after)), "a finished task was repeated"
    assert sorted(after) == [(c, r) for c in range(4) for r in range(3)]
    assert result.resumed == len(before) and result.ran == 12 - len(before)
    fresh = run_sweep(_slow_task, [{"sleep": 0.0, "k": k} for k in range(4)], 3, rng=5, backend="serial")
    assert [r["value"] for r in result.rows] == [r["value"] for r in fresh.rows]


def test_torn_last_line_is_discarded(tmp_path):
    journal = tmp_path / "tasks.jsonl"
    grid = [{"sleep": 0.0}]
    run_sweep(_slow_task, grid, 2, rng=1, backend="serial", journal=journal)
    with open(journal, "ab") as fh:
        fh.write(b'{"cell": 0, "rep": 2, "rows": [{"met')  # a crash mid-write
    result = run_sweep(_slow_task, grid, 3, rng=1, backend="serial", journal=journal)
    assert result.resumed == 2 and result.ran == 1
    assert sorted(_journal_tasks(journal)) == [(0, 0), (0, 1), (0, 2)]


def test_journal_of_another_sweep_is_refused(tmp_path):
    journal = tmp_path / "tasks.jsonl"
    run_sweep(_slow_task, [{"sleep": 0.0}], 1, rng=1, backend="serial", journal=journal)
    with pytest.raises(ResultsMismatchError, match="another sweep"):
        run_sweep(_slow_task, [{"sleep": 0.0}], 1, rng=2, backend="serial", journal=journal)


def test_results_folder_of_other_parameters_is_refused(serial_run):
    with pytest.raises(ResultsMismatchError, match="other"):
        run_scenario("mm1", serial_run, overrides={**SMALL, "mu": "2.0"}, rng=9, backend="serial")


def test_more_replications_extend_a_finished_run(tmp_path):
    run_scenario("mm1", tmp_path, overrides=SMALL, rng=3, replications=2, backend="serial")
    summary = run_scenario("mm1", tmp_path, overrides=SMALL, rng=3, replications=3, backend="serial")
    assert (summary.resumed, summary.ran) == (4, 2)


@pytest.mark.parametrize("kwargs, match", [
    ({"replications": 0}, "replications"),
    ({"backend": "gpu"}, "backend"),
    ({"jobs": 0}, "jobs"),
    ({"rng": -1}, "rng"),
])
def test_sweep_arguments_are_validated(kwargs, match):
    args = {"replications": 1, **kwargs}
    with pytest.raises((ValidationError, TypeError), match=match):
        run_sweep(_slow_task, [{"sleep": 0.0}], **args)


def test_sweep_rng_is_the_task_seed():
    res = run_sweep(_slow_task, [{"sleep": 0.0}, {"sleep": 0.0}], 2, rng=77, backend="serial")
    for row in res.rows:
        expect = np.random.default_rng(np.random.SeedSequence(77, spawn_key=(row["cell"], row["rep"])))
        assert row["value"] == expect.random()
