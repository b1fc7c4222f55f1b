"""The stratsim command: happy paths and every documented error path."""

import subprocess
import sys

import pytest

from sim.cli import main


def _run(*argv):
    """Run the real command in a subprocess: exit code, stdout, stderr."""
    proc = subprocess.run([sys.executable, "-m", "sim", *argv], capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_list_names_every_scenario_with_a_description():
    code, out, _ = _run("list")
    assert code == 0
    lines = dict(line.split(None, 1) for line in out.strip().splitlines())
    assert "mm1" in lines and "M/M/1" in lines["mm1"]


def test_run_and_plot_round_trip(tmp_path):
    out = tmp_path / "r"
    code, stdout, err = _run("run", "mm1", "--quick", "--out", str(out), "--reps", "2",
                             "--set", "customers=300", "--backend", "serial")
    assert code == 0, err
    assert (out / "results.csv").exists() and (out / "manifest.json").exists()
    png = (out / "figures" / "mm1_response_time.png").read_bytes()
    (out / "figures" / "mm1_response_time.png").unlink()
    code, _, err = _run("plot", str(out))
    assert code == 0, err
    assert (out / "figures" / "mm1_response_time.png").read_bytes() == png


BAD = [
    (["run", "nosuch"], "unknown scenario 'nosuch'"),
    (["run", "mm1", "--set", "nope=1"], "has no parameter 'nope'"),
    (["run", "mm1", "--set", "mu=fast"], "parameter mu must be float"),
    (["run", "mm1", "--set", "mu=-1"], "mu must be > 0"),
    (["run", "mm1", "--set", "mu"], "--set expects KEY=VALUE"),
    (["run", "mm1", "--reps", "0"], "reps must be >= 1"),
    (["run", "mm1", "--reps", "two"], "invalid int value"),
    (["run", "mm1", "--jobs", "0"], "jobs must be >= 1"),
    (["run", "mm1", "--seed", "-3"], "seed must be >= 0"),
    (["run", "mm1", "--backend", "gpu"], "invalid choice"),
    (["run", "quickstart", "--set", "mu=2"], "--set is not accepted by quickstart"),
    (["plot", "/nonexistent/folder"], "is not a results folder"),
]


@pytest.mark.parametrize("argv, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_is_one_line_exit_2_nothing_written(tmp_path, argv, message):
    out = tmp_path / "never"
    if argv[0] == "run":
        argv = [*argv, "--out", str(out)]
    code, stdout, err = _run(*argv)
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists(), "nothing may be written on bad input"


def test_unwritable_out_is_refused(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    for out in (blocker, blocker / "sub"):
        code, _, err = _run("run", "mm1", "--quick", "--out", str(out))
        assert code == 2 and "--out" in err and "Traceback" not in err


def test_unreachable_scheduler_is_refused(tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "never"
    code, _, err = _run("run", "mm1", "--quick", "--scheduler", "tcp://127.0.0.1:9", "--out", str(out))
    assert code == 2 and "could not reach the Dask scheduler" in err
    assert "Traceback" not in err and not out.exists()


def test_folder_of_another_run_is_refused(tmp_path):
    out = tmp_path / "r"
    assert main(["run", "mm1", "--quick", "--reps", "1", "--set", "customers=200", "--out", str(out),
                 "--backend", "serial", "--no-progress"]) == 0
    before = (out / "results.csv").read_bytes()
    code, _, err = _run("run", "mm1", "--quick", "--reps", "1", "--set", "customers=300",
                        "--out", str(out), "--backend", "serial")
    assert code == 2 and "other parameters" in err
    assert (out / "results.csv").read_bytes() == before


def test_python_dash_m_scenario_module_runs(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "scenarios.mm1", "--quick", "--reps", "1", "--set",
                           "customers=200", "--out", str(tmp_path / "m"), "--backend", "serial"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "m" / "results.csv").exists()


def test_ctrl_c_saves_finished_tasks_and_the_same_command_resumes(tmp_path):
    import json
    import os
    import signal
    import time

    out = tmp_path / "r"
    # tasks long enough (about half a second each) that the run is still going when Ctrl-C comes
    argv = [sys.executable, "-m", "sim", "run", "mm1", "--out", str(out), "--reps", "4",
            "--set", "customers=60000", "--backend", "serial"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    journal = out / "tasks.jsonl"

    def wait_for(lines):
        deadline = time.time() + 60
        while time.time() < deadline and not (journal.exists() and len(journal.read_text().splitlines()) >= lines):
            time.sleep(0.02)

    wait_for(1)
    # A second run on the same folder while the first is alive is refused, not mixed.
    code, _, err = _run(*argv[3:])
    assert code == 2 and "in use by another run" in err
    wait_for(3)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "re-run the same command to resume" in err
    saved = len(journal.read_text().splitlines()) - 1
    assert 2 <= saved < 16
    code, stdout, err = _run(*argv[3:])
    assert code == 0, err
    assert f"{saved} resumed" in stdout
    tasks = [(e["cell"], e["rep"]) for e in map(json.loads, journal.read_text().splitlines()[1:])]
    assert sorted(tasks) == [(c, r) for c in range(4) for r in range(4)]


def test_plot_formats_are_chosen_and_checked(tmp_path):
    from sim.runner import run_scenario

    run_scenario("mm1", tmp_path, quick=True, replications=3, backend="serial",
                 overrides={"rhos": "(0.5,)", "customers": "300"})
    figures = tmp_path / "figures"
    assert list(figures.glob("*.png")) and not list(figures.glob("*.pdf"))  # a quick run: PNG only
    code, _, err = _run("plot", str(tmp_path), "--formats", "svg")
    assert code == 2 and "formats must be among 'png', 'pdf', got 'svg'" in err and "Traceback" not in err
    code, _, _ = _run("plot", str(tmp_path), "--formats", "pdf")
    assert code == 0 and sorted(p.stem for p in figures.glob("*.pdf")) == sorted(p.stem for p in figures.glob("*.png"))
