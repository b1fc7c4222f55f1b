"""No process of a local Dask cluster outlives its driver (issue 12), whether the driver is stopped by SIGTERM
or killed by SIGKILL, and even while a task holds the GIL.

``--backend dask`` without ``--scheduler`` starts a ``distributed.LocalCluster``: its nannies run in the driver,
its worker processes (and multiprocessing's resource tracker) are the driver's children. Every process below the
driver is recorded by pid before the signal, and each must be gone within ``GRACE`` seconds.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("distributed")

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")]

GRACE = 20.0  # seconds a process of the cluster may take to go after its driver
STARTUP = 300.0  # generous: the machine may be loaded


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state first), or None if there is no such process."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _descendants(pid: int) -> list[int]:
    parent = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parent[int(entry.name)] = int(fields[1])
    out, frontier = [], [pid]
    while frontier:
        kids = [p for p, pp in parent.items() if pp == frontier[-1]]
        frontier.pop()
        out += kids
        frontier += kids
    return out


def _workers(pid: int) -> list[int]:
    """The driver's Dask worker processes (multiprocessing spawns them)."""
    out = []
    for p in _descendants(pid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes():
                out.append(p)
    return out


def _alive(pid: int) -> bool:
    """Running (a zombie has exited: only its parent has not collected it yet)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _wait_gone(pids, seconds=GRACE) -> list[int]:
    deadline = time.time() + seconds
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def _start(argv, tmp_path: Path, ready, env=None):
    """Start the driver in a session of its own (the test's signals reach it only, as `kill PID` would) with its
    output in files (a pipe would be held open by any orphan); wait for ``ready()`` and two workers; return the
    process and the pids of everything below it."""
    out, err = open(tmp_path / "stdout", "w"), open(tmp_path / "stderr", "w")
    proc = subprocess.Popen([sys.executable, *argv], stdout=out, stderr=err, text=True, start_new_session=True,
                            env=env)
    out.close()
    err.close()
    deadline = time.time() + STARTUP
    while time.time() < deadline and proc.poll() is None:
        if len(_workers(proc.pid)) >= 2 and ready():
            break
        time.sleep(0.1)
    assert proc.poll() is None, f"the run ended before the test could signal it: {_read(tmp_path / 'stderr')}"
    pids = _descendants(proc.pid)
    assert len(_workers(proc.pid)) >= 2, f"expected 2 Dask worker processes below the driver, found {pids}"
    return proc, pids


def _read(path: Path) -> str:
    return path.read_text() if path.exists() else ""


def _finished_tasks(journal: Path) -> int:
    return max(len(journal.read_text().splitlines()) - 1, 0) if journal.exists() else 0


def _journal_is_intact(journal: Path) -> list[tuple[int, int]]:
    assert journal.read_bytes().endswith(b"\n")
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    assert "fingerprint" in entries[0]
    return [(e["cell"], e["rep"]) for e in entries[1:]]


def _cleanup(proc, pids):
    """Whatever the outcome, leave nothing running (the session, and any pid recorded that escaped it)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    for p in pids:
        if _alive(p):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _cli_run(out: Path) -> list[str]:
    # mm1 with 30000 customers: tasks of a few seconds, so the run is mid-way when signalled
    return ["-m", "sim", "run", "mm1", "--out", str(out), "--reps", "6", "--set", "customers=30000",
            "--backend", "dask", "--jobs", "2", "--no-progress"]


def test_sigterm_to_the_driver_stops_the_local_cluster(tmp_path):
    out = tmp_path / "r"
    journal = out / "tasks.jsonl"
    argv = _cli_run(out)
    proc, pids = _start(argv, tmp_path, lambda: _finished_tasks(journal) >= 1)
    try:
        signalled = time.time()
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        exited = time.time() - signalled
        left = _wait_gone(pids)
    finally:
        _cleanup(proc, pids)
    err = _read(tmp_path / "stderr")
    assert proc.returncode == 143, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err  # nothing logged by distributed
    assert "re-run the same command to resume" in err
    assert left == [], f"processes {left} of the cluster (of {pids}) outlived the driver by {GRACE} s"
    assert exited < 30, f"the driver took {exited:.1f} s to stop"
    saved = _journal_is_intact(journal)
    assert saved
    rerun = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"{len(saved)} resumed" in rerun.stdout


def test_sigkill_of_the_driver_leaves_no_process_of_the_local_cluster(tmp_path):
    out = tmp_path / "r"
    journal = out / "tasks.jsonl"
    proc, pids = _start(_cli_run(out), tmp_path, lambda: _finished_tasks(journal) >= 1)
    try:
        os.kill(proc.pid, signal.SIGKILL)  # the driver only; the cluster must follow it
        proc.wait(timeout=60)
        left = _wait_gone(pids)
    finally:
        _cleanup(proc, pids)
    assert left == [], f"processes {left} of the cluster (of {pids}) outlived the killed driver by {GRACE} s"
    _journal_is_intact(journal)


def test_sigkill_of_the_driver_kills_a_worker_whose_task_holds_the_gil(tmp_path):
    # distributed's own watch on the driver is a Python thread: it cannot run while a task holds the GIL in one
    # long C call (here a sum over a range, about half an hour), and such a worker outlived its killed driver
    (tmp_path / "gil_task.py").write_text(textwrap.dedent("""
        from pathlib import Path


        def hold_the_gil(cell, rng):
            Path(cell["started"]).joinpath(str(rng.integers(10**9))).touch()
            return [{"metric": "sum", "value": float(sum(range(cell["n"])))}]
    """))
    started = tmp_path / "started"
    started.mkdir()
    driver = textwrap.dedent(f"""
        from gil_task import hold_the_gil
        from sim.sweep import run_sweep

        run_sweep(hold_the_gil, [{{"n": 10**11, "started": {str(started)!r}}}], 2, rng=1, backend="dask", jobs=2,
                  progress=False)
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")])}
    proc, pids = _start(["-c", driver], tmp_path, lambda: len(list(started.iterdir())) >= 2, env=env)
    try:
        time.sleep(0.5)  # inside the sum
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        left = _wait_gone(pids)
    finally:
        _cleanup(proc, pids)
    assert left == [], f"processes {left} of the cluster (of {pids}) outlived the killed driver by {GRACE} s"
