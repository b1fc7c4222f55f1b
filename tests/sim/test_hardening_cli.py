"""Hardening of the command line and the sweep engine (issue 12).

Every fault ends in one line ``stratsim: error: ...`` with exit status 2 and no
traceback; nothing is written before a run is known to start; nothing finished
is dropped; no worker outlives its driver.
"""

import contextlib
import importlib.util
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sim
from sim.errors import ResultsMismatchError, ValidationError
from sim.manifest import read_manifest
from sim.registry import policies
from sim.runner import run_scenario
from sim.sweep import plan_sweep, run_sweep

SMALL = ["--set", "rhos=0.5", "--set", "customers=300"]
SMALL_OVERRIDES = {"rhos": "(0.5,)", "customers": "300"}


def _run(*argv, cwd=None, preexec_fn=None, python_args=()):
    """Run the real command in a subprocess: exit code, stdout, stderr."""
    proc = subprocess.run([sys.executable, *python_args, "-m", "sim", *argv], capture_output=True,
                          text=True, timeout=180, cwd=cwd, preexec_fn=preexec_fn)
    return proc.returncode, proc.stdout, proc.stderr


def _assert_one_line_error(code, err, *fragments):
    assert code == 2, err
    assert "Traceback" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stratsim: error: "), err
    for fragment in fragments:
        assert fragment in err, err


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A finished results folder (mm1, one cell, 3 replications)."""
    out = tmp_path_factory.mktemp("finished") / "r"
    run_scenario("mm1", out, overrides=SMALL_OVERRIDES, replications=3, backend="serial", rng=4,
                 progress=False)
    return out


def _copy(folder: Path, dest: Path) -> Path:
    shutil.copytree(folder, dest)
    return dest


# --- stratsim plot on a damaged folder -----------------------------------------------------------

def _damage_manifest_not_json(out):
    (out / "manifest.json").write_text("{")


def _damage_manifest_no_keys(out):
    (out / "manifest.json").write_text("{}")


def _damage_manifest_not_object(out):
    (out / "manifest.json").write_text("[1, 2]")


def _damage_results_cut_mid_row(out):
    data = (out / "results.csv").read_bytes()
    last_row_start = data.rstrip(b"\n").rfind(b"\n") + 1
    cut = last_row_start + data[last_row_start:].index(b",") + 1  # after the first field
    (out / "results.csv").write_bytes(data[:cut])


def _damage_results_short_row(out):
    with open(out / "results.csv", "a") as fh:
        fh.write("mm1,0\n")  # a complete line with too few fields


DAMAGE = {
    "manifest-not-json": (_damage_manifest_not_json, "manifest.json' is not valid JSON"),
    "manifest-without-keys": (_damage_manifest_no_keys, "lacks 'scenario', 'fingerprint'"),
    "manifest-not-an-object": (_damage_manifest_not_object, "is not a stratsim manifest"),
    "results-cut-mid-row": (_damage_results_cut_mid_row, "results.csv' is truncated"),
    "results-short-row": (_damage_results_short_row, "fields, the header"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(DAMAGE))
def test_plot_of_a_damaged_folder_is_one_line_exit_2(finished, tmp_path, case):
    damage, message = DAMAGE[case]
    out = _copy(finished, tmp_path / "r")
    damage(out)
    code, _, err = _run("plot", str(out))
    _assert_one_line_error(code, err, message)


def test_a_damaged_manifest_refuses_a_run_into_the_folder(finished, tmp_path):
    out = _copy(finished, tmp_path / "r")
    _damage_manifest_not_json(out)
    before = (out / "results.csv").read_bytes()
    with pytest.raises(ValidationError, match="not valid JSON"):
        run_scenario("mm1", out, overrides=SMALL_OVERRIDES, replications=3, backend="serial", rng=4)
    assert (out / "results.csv").read_bytes() == before


# --- --out that cannot be created ----------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("out", ["/proc/stratsim-test-x", "/sys/stratsim-test-x", "/proc/self/nope/x"])
def test_out_on_a_virtual_file_system_is_one_line_exit_2(out):
    if not Path("/" + out.split("/")[1]).is_dir():
        pytest.skip("no such file system here")
    code, _, err = _run("run", "mm1", "--quick", "--backend", "serial", "--out", out, *SMALL)
    _assert_one_line_error(code, err, "--out", out)
    assert not Path(out).exists()


# --- backend dask without the distributed extra ----------------------------------------------------

BLOCK_DISTRIBUTED = """
import sys

class _NoDistributed:
    # Simulates an environment without the `distributed` extra.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("distributed", "dask"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, _NoDistributed())
from sim.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--scheduler", "tcp://127.0.0.1:1"]], ids=["local", "scheduler"])
def test_dask_without_distributed_names_the_extra_and_writes_nothing(tmp_path, extra):
    out = tmp_path / "never"
    proc = subprocess.run([sys.executable, "-c", BLOCK_DISTRIBUTED, "run", "mm1", "--quick", "--backend",
                           "dask", *extra, "--out", str(out), *SMALL],
                          capture_output=True, text=True, timeout=180)
    _assert_one_line_error(proc.returncode, proc.stderr, 'pip install -e ".[distributed]"')
    assert not out.exists()


@pytest.mark.slow
def test_importing_the_sweep_module_does_not_import_dask():
    code = ("import sys, sim.sweep, sim.runner, sim.cli\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


# --- a refused run leaves no debris; an unfinished folder is reusable -----------------------------

@pytest.mark.slow
def test_scheduler_with_another_backend_is_refused_before_writing(tmp_path):
    out = tmp_path / "D"
    code, _, err = _run("run", "mm1", "--backend", "serial", "--scheduler", "tcp://127.0.0.1:1",
                        "--out", str(out))
    _assert_one_line_error(code, err, "scheduler")
    assert not out.exists()
    code, _, err = _run("run", "mm1", "--quick", "--backend", "serial", "--out", str(out), *SMALL)
    assert code == 0, err


@pytest.mark.slow
def test_unreachable_scheduler_leaves_an_existing_folder_untouched(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "D"
    out.mkdir()
    code, _, err = _run("run", "mm1", "--quick", "--scheduler", "tcp://127.0.0.1:1", "--out", str(out))
    _assert_one_line_error(code, err, "could not reach the Dask scheduler")
    assert sorted(p.name for p in out.iterdir()) == []


def test_folder_with_a_manifest_and_no_finished_task_is_reusable(finished, tmp_path):
    out = _copy(finished, tmp_path / "r")
    journal = out / "tasks.jsonl"
    journal.write_text(journal.read_text().splitlines()[0] + "\n")  # the header only: nothing finished
    (out / "results.csv").unlink()
    shutil.rmtree(out / "figures")
    # other parameters and another seed: nothing finished there, so nothing to refuse
    summary = run_scenario("mm1", out, overrides={**SMALL_OVERRIDES, "customers": "200"}, replications=2,
                           backend="serial", rng=5)
    assert (summary.ran, summary.resumed) == (2, 0)
    manifest = read_manifest(out)
    assert manifest["params"]["customers"] == 200 and manifest["seed"] == 5
    assert "first_utc_time" not in manifest


def test_folder_with_finished_tasks_of_other_parameters_is_still_refused(finished, tmp_path):
    out = _copy(finished, tmp_path / "r")
    (out / "results.csv").unlink()  # the journal alone holds finished work
    before = (out / "manifest.json").read_bytes()
    with pytest.raises(ResultsMismatchError, match="other parameters or seed"):
        run_scenario("mm1", out, overrides={**SMALL_OVERRIDES, "customers": "200"}, replications=3,
                     backend="serial", rng=4)
    assert (out / "manifest.json").read_bytes() == before


# --- SIGTERM and SIGKILL of the driver of a processes run -----------------------------------------

def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Running (a zombie has exited: only its parent has not collected it yet)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids, seconds=5.0) -> list[int]:
    deadline = time.time() + seconds
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    return [p for p in pids if _alive(p)]


def _start_processes_run(out: Path):
    argv = ["run", "mm1", "--out", str(out), "--reps", "6", "--set", "customers=30000", "--backend",
            "processes", "--jobs", "2", "--no-progress"]
    # A session of its own: the signals of this test reach the driver only, as `kill PID` would.
    proc = subprocess.Popen([sys.executable, "-m", "sim", *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    journal = out / "tasks.jsonl"
    deadline = time.time() + 300  # generous: the machine may be loaded
    workers = []
    while time.time() < deadline:
        workers = _children(proc.pid)
        if len(workers) >= 2 and journal.exists() and len(journal.read_text().splitlines()) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before the test could signal it"
    assert len(workers) >= 2, f"expected 2 worker processes, found {workers}"
    return proc, argv, workers


def _journal_is_intact(journal: Path):
    lines = journal.read_text().splitlines()
    assert journal.read_bytes().endswith(b"\n")
    entries = [json.loads(line) for line in lines]
    assert "fingerprint" in entries[0]
    return [(e["cell"], e["rep"]) for e in entries[1:]]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigterm_to_the_driver_is_handled_like_ctrl_c(tmp_path):
    out = tmp_path / "r"
    proc, argv, workers = _start_processes_run(out)
    try:
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        left = _wait_gone(workers)
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of the run's session
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 143, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "re-run the same command to resume" in err
    assert left == [], "worker processes outlived the driver"
    saved = _journal_is_intact(out / "tasks.jsonl")
    assert saved and len(saved) < 6 * 4
    code, stdout, err = _run(*argv)
    assert code == 0, err
    assert f"{len(saved)} resumed" in stdout


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_sigkill_of_the_driver_leaves_no_orphan_worker(tmp_path):
    out = tmp_path / "r"
    proc, _, workers = _start_processes_run(out)
    os.kill(proc.pid, signal.SIGKILL)  # the driver only; its workers must follow it
    proc.communicate(timeout=60)
    left = _wait_gone(workers)
    with contextlib.suppress(ProcessLookupError):  # do not leave them running whatever the outcome
        os.killpg(proc.pid, signal.SIGKILL)
    assert left == [], f"orphaned workers {left} still running after the driver was killed"
    _journal_is_intact(out / "tasks.jsonl")


# --- file modes --------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o027, 0o640)])
def test_result_files_get_the_mode_of_the_umask(tmp_path, umask, mode):
    out = tmp_path / "r"
    code, _, err = _run("run", "mm1", "--quick", "--reps", "1", "--backend", "serial", "--out", str(out),
                        *SMALL, preexec_fn=lambda: os.umask(umask))
    assert code == 0, err
    for name in ("results.csv", "manifest.json", "tasks.jsonl"):
        assert stat.S_IMODE((out / name).stat().st_mode) == mode, name
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


# --- fewer replications than finished ---------------------------------------------------------------

@pytest.mark.slow
def test_fewer_reps_than_finished_is_refused_and_nothing_changes(tmp_path):
    out = tmp_path / "r"
    argv = ["run", "mm1", "--quick", "--backend", "serial", "--out", str(out), *SMALL]
    code, _, err = _run(*argv, "--reps", "5")
    assert code == 0, err
    before = {n: (out / n).read_bytes() for n in ("results.csv", "manifest.json", "tasks.jsonl")}
    code, _, err = _run(*argv, "--reps", "2")
    _assert_one_line_error(code, err, "holds finished replications up to 5", "ask for 5 or more")
    assert {n: (out / n).read_bytes() for n in before} == before
    code, stdout, err = _run(*argv, "--reps", "5")
    assert code == 0 and "5 resumed" in stdout, err


def test_run_sweep_refuses_fewer_replications_than_its_journal_holds(tmp_path):
    journal = tmp_path / "tasks.jsonl"
    run_sweep(_draw, [{"a": 1}], 4, rng=1, backend="serial", journal=journal)
    before = journal.read_bytes()
    with pytest.raises(ResultsMismatchError, match="up to 4 per cell"):
        run_sweep(_draw, [{"a": 1}], 2, rng=1, backend="serial", journal=journal)
    assert journal.read_bytes() == before


# --- fingerprints: function module and version ------------------------------------------------------

def _draw(cell, rng):
    return [{"metric": "u", "value": float(rng.random())}]


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_two_module_level_run_functions_do_not_share_a_journal(tmp_path):
    (tmp_path / "study_a.py").write_text("def run(cell, rng):\n    return [{'metric': 'm', 'value': 1.0}]\n")
    (tmp_path / "study_b.py").write_text("def run(cell, rng):\n    return [{'metric': 'm', 'value': 2.0}]\n")
    a = _load_module(tmp_path / "study_a.py", "study_a")
    b = _load_module(tmp_path / "study_b.py", "study_b")
    journal = tmp_path / "tasks.jsonl"
    assert run_sweep(a.run, [{}], 1, rng=0, backend="serial", journal=journal).rows[0]["value"] == 1.0
    with pytest.raises(ResultsMismatchError, match="belongs to another sweep"):
        run_sweep(b.run, [{}], 1, rng=0, backend="serial", journal=journal)


def test_a_journal_of_another_stratsim_version_is_refused(tmp_path, monkeypatch):
    import sim.sweep

    journal = tmp_path / "tasks.jsonl"
    run_sweep(_draw, [{"a": 1}], 1, rng=0, backend="serial", journal=journal)
    monkeypatch.setattr(sim.sweep, "__version__", "99.0.0")
    with pytest.raises(ResultsMismatchError, match="stratsim version"):
        run_sweep(_draw, [{"a": 1}], 1, rng=0, backend="serial", journal=journal)


def test_a_results_folder_of_another_stratsim_version_is_refused_naming_both(finished, tmp_path):
    out = _copy(finished, tmp_path / "r")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["fingerprint"] = "0" * 64
    manifest["stratsim_version"] = "0.0.1"
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ResultsMismatchError, match=rf"stratsim 0\.0\.1 \(this is {sim.__version__}\)"):
        run_scenario("mm1", out, overrides=SMALL_OVERRIDES, replications=3, backend="serial", rng=4)


def test_an_unfinished_journal_of_another_sweep_is_reused(tmp_path):
    journal = tmp_path / "tasks.jsonl"
    journal.write_text(json.dumps({"fingerprint": "another sweep"}) + "\n")
    res = run_sweep(_draw, [{"a": 1}], 2, rng=0, backend="serial", journal=journal)
    assert res.ran == 2
    assert json.loads(journal.read_text().splitlines()[0])["fingerprint"] != "another sweep"


# --- --version and list --policies ------------------------------------------------------------------

@pytest.mark.slow
def test_version_is_printed_and_is_the_one_version(finished):
    from importlib import metadata

    code, stdout, err = _run("--version")
    assert code == 0, err
    assert stdout.strip() == f"stratsim {sim.__version__}"
    assert metadata.version("stratsim") == sim.__version__
    manifest = read_manifest(finished)
    assert manifest["stratsim_version"] == sim.__version__ == manifest["versions"]["stratsim"]


@pytest.mark.slow
def test_list_policies_prints_every_policy_with_its_domain_by_domain():
    code, stdout, err = _run("list", "--policies")
    assert code == 0, err
    lines = [line.split(None, 2) for line in stdout.strip().splitlines()]
    listed = {name: domain for domain, name, _ in lines}
    assert listed == {name: policies.get(name).spec.domain for name in policies.names()}
    domains = [domain for domain, _, _ in lines]
    assert domains == sorted(domains)
    for _, name, text in lines:
        assert text.strip() == (policies.describe(name) or policies.get(name).spec.label)


@pytest.mark.slow
def test_a_closed_pipe_on_stdout_is_not_a_traceback():
    proc = subprocess.Popen([sys.executable, "-m", "sim", "list", "--policies"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.close()  # the reader is gone before anything is written (`stratsim list | head -0`)
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == 128 + signal.SIGPIPE


# --- the randomness convention: rng, not seed -------------------------------------------------------

def test_run_sweep_takes_rng_and_an_int_seed_keeps_its_results():
    grid = [{"a": 1}, {"a": 2}]
    res = run_sweep(_draw, grid, 2, rng=77, backend="serial")
    for row in res.rows:
        expect = np.random.default_rng(np.random.SeedSequence(77, spawn_key=(row["cell"], row["rep"])))
        assert row["value"] == expect.random()
    assert run_sweep(_draw, grid, 2, np.random.SeedSequence(77), backend="serial").rows == res.rows
    with pytest.raises(TypeError):
        run_sweep(_draw, grid, 2, seed=77, backend="serial")


def test_a_spawned_root_gives_its_own_streams():
    parent = np.random.SeedSequence(5)
    a, b = parent.spawn(2)
    grid = [{"a": 1}]
    ra = run_sweep(_draw, grid, 3, rng=a, backend="serial").rows
    rb = run_sweep(_draw, grid, 3, rng=b, backend="serial").rows
    r0 = run_sweep(_draw, grid, 3, rng=5, backend="serial").rows
    assert ra != rb and ra != r0
    assert ra == run_sweep(_draw, grid, 3, rng=np.random.SeedSequence(5, spawn_key=(0,)), backend="serial").rows
    gen = np.random.default_rng(5)
    g1 = plan_sweep(_draw, grid, 1, rng=gen, backend="serial").root
    g2 = plan_sweep(_draw, grid, 1, rng=gen, backend="serial").root
    assert g1.entropy == g2.entropy == 5 and g1.spawn_key != g2.spawn_key


def test_run_scenario_records_the_root_entropy_and_matches_an_int_seed(finished, tmp_path):
    summary = run_scenario("mm1", tmp_path / "s", overrides=SMALL_OVERRIDES, replications=3,
                           backend="serial", rng=np.random.SeedSequence(4))
    assert summary.ran == 3
    assert (tmp_path / "s" / "results.csv").read_bytes() == (finished / "results.csv").read_bytes()
    manifest = read_manifest(tmp_path / "s")
    assert manifest["seed"] == 4 and manifest["spawn_key"] == []
    spawned = np.random.SeedSequence(4).spawn(1)[0]
    run_scenario("mm1", tmp_path / "t", overrides=SMALL_OVERRIDES, replications=3, backend="serial",
                 rng=spawned)
    assert read_manifest(tmp_path / "t")["spawn_key"] == [0]
    assert (tmp_path / "t" / "results.csv").read_bytes() != (finished / "results.csv").read_bytes()


@pytest.mark.parametrize("rng", [-1, 1.5, "x"])
def test_bad_rng_is_refused_naming_rng(rng):
    with pytest.raises((ValidationError, TypeError), match="rng must"):
        run_sweep(_draw, [{"a": 1}], 1, rng=rng, backend="serial")
