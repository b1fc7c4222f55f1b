"""stratsim run --precision: replications added until the headline metrics are precise enough.

The half-widths are checked against an independent computation from results.csv: mm1's headline metric
(mean_response_time) is non-negative, so summary.csv's interval is the log-scale t interval
``m / f .. m * f`` with ``f = exp(t_{0.975, n-1} s / (m sqrt(n)))`` (delta method), whose relative
half-width is ``(f - 1/f) / 2``.
"""

import csv
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim.cli import main
from sim.errors import ValidationError
from sim.runner import next_replications, run_scenario

HEADLINE = "mean_response_time"
SMALL = {"rhos": "(0.3, 0.6)", "customers": "300"}
EPS = 0.08


def _values(out):
    """{cell: [mean_response_time of rep 0, 1, ...]} from results.csv, read with the csv module."""
    by_cell = defaultdict(dict)
    with open(out / "results.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["metric"] == HEADLINE:
                by_cell[int(row["cell"])][int(row["rep"])] = float(row["value"])
    out = {}
    for cell, reps in by_cell.items():
        assert sorted(reps) == list(range(len(reps))), "replications 0..n-1, none missing"
        out[cell] = [reps[r] for r in range(len(reps))]
    return out


def _log_t_relative_half_width(values):
    n = len(values)
    m = sum(values) / n
    s = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    f = math.exp(stats.t.ppf(0.975, n - 1) * s / (m * math.sqrt(n)))
    return (f - 1 / f) / 2


def _manifest(out):
    return json.loads((out / "manifest.json").read_text())


def _summary_rows(out):
    with open(out / "summary.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["metric"] == HEADLINE]


@pytest.fixture(scope="module")
def precise(tmp_path_factory):
    out = tmp_path_factory.mktemp("precise") / "run"
    summary = run_scenario("mm1", out, quick=True, backend="serial", precision=EPS, max_replications=400,
                           overrides=SMALL)
    return out, summary


def test_every_cell_meets_the_target_by_the_independent_half_width(precise):
    out, _ = precise
    values = _values(out)
    assert len(values) == 2
    for cell, vals in values.items():
        assert _log_t_relative_half_width(vals) <= EPS, cell


def test_replications_were_added_because_the_start_was_not_precise_enough(precise):
    out, _ = precise
    start = _manifest(out)["precision"]["start_replications"]
    assert start >= 3
    for vals in _values(out).values():
        assert len(vals) > start
        assert _log_t_relative_half_width(vals[:start]) > EPS, "the start was already precise: nothing to test"


def test_cells_get_their_own_replications(precise):
    # The mean response time is far noisier at load 0.6 than at 0.3: a fixed count for all cells would
    # waste replications on the quiet one.
    out, _ = precise
    values = _values(out)
    assert len(values[0]) < len(values[1])


def test_the_manifest_records_precision_reached_and_reason_per_cell(precise):
    out, summary = precise
    manifest = _manifest(out)
    record = manifest["precision"]
    values = _values(out)
    assert record["target"] == EPS and record["max_replications"] == 400 and record["status"] == "finished"
    assert record["reached"] is True
    assert manifest["cell_replications"] == [len(values[c]) for c in sorted(values)]
    assert manifest["replications"] == max(manifest["cell_replications"])
    for entry in record["cells"]:
        vals = values[entry["cell"]]
        assert entry["reason"] == "target met"
        assert entry["replications"] == len(vals)
        assert entry["relative_half_width"] == pytest.approx(_log_t_relative_half_width(vals), rel=1e-9)
        assert entry["worst"]["metric"] == HEADLINE
    assert summary.precision == record
    assert summary.tasks == sum(manifest["cell_replications"]) and summary.ran == summary.tasks


def test_the_half_width_is_the_one_summary_csv_reports(precise):
    out, _ = precise
    cells = {e["cell"]: e for e in _manifest(out)["precision"]["cells"]}
    rows = _summary_rows(out)
    assert len(rows) == len(cells)
    for row in rows:
        lo, hi, mean = float(row["lo"]), float(row["hi"]), float(row["mean"])
        assert row["method"] == "log-t"
        assert cells[int(row["cell"])]["relative_half_width"] == pytest.approx((hi - lo) / 2 / mean, rel=1e-12)
        assert int(row["n"]) == cells[int(row["cell"])]["replications"]


def test_rerunning_the_same_command_runs_nothing_and_keeps_the_bytes(precise, tmp_path):
    out, _ = precise
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    before = (copy / "results.csv").read_bytes()
    again = run_scenario("mm1", copy, quick=True, backend="serial", precision=EPS, max_replications=400,
                         overrides=SMALL)
    assert again.ran == 0
    assert (copy / "results.csv").read_bytes() == before


def test_stopping_at_max_reps_is_recorded(tmp_path):
    out = tmp_path / "capped"
    summary = run_scenario("mm1", out, quick=True, backend="serial", precision=0.001, max_replications=8,
                           overrides=SMALL)
    values = _values(out)
    record = _manifest(out)["precision"]
    assert [len(v) for v in values.values()] == [8, 8]
    assert record["reached"] is False
    for entry in record["cells"]:
        assert entry["reason"] == "max replications reached"
        assert entry["replications"] == 8
        assert entry["relative_half_width"] == pytest.approx(
            _log_t_relative_half_width(values[entry["cell"]]), rel=1e-9)
        assert entry["relative_half_width"] > 0.001
    assert summary.precision["reached"] is False


def test_a_folder_holding_more_replications_than_needed_keeps_them_all(tmp_path):
    out = tmp_path / "extend"
    run_scenario("mm1", out, quick=True, backend="serial", replications=30, overrides=SMALL)
    plain = _values(out)
    summary = run_scenario("mm1", out, quick=True, backend="serial", precision=0.2, overrides=SMALL)
    values = _values(out)
    for cell, vals in values.items():
        assert len(vals) >= 30
        assert vals[:30] == plain[cell], "finished replications are kept as they were"
    for entry in summary.precision["cells"]:
        # judged on all the replications the folder holds (30 > what 0.2 needs)
        assert entry["relative_half_width"] == pytest.approx(
            _log_t_relative_half_width(values[entry["cell"]]), rel=1e-9)


def _journal_lines(out):
    return (out / "tasks.jsonl").read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("keep", [1, 10, 13, 45])
def test_an_interrupted_run_resumes_to_the_same_bytes(precise, tmp_path, keep):
    # A run killed after `keep` finished tasks leaves a journal with its header and those tasks (in the
    # order they finished) and no results.csv: rebuild that from the finished run, then resume.
    out, _ = precise
    cut = tmp_path / "cut"
    cut.mkdir()
    shutil.copy(out / "manifest.json", cut / "manifest.json")
    lines = _journal_lines(out)
    assert len(lines) - 1 > keep
    (cut / "tasks.jsonl").write_bytes(b"".join(lines[: 1 + keep]))
    resumed = run_scenario("mm1", cut, quick=True, backend="serial", precision=EPS, max_replications=400,
                           overrides=SMALL)
    assert resumed.ran == resumed.tasks - keep
    assert (cut / "results.csv").read_bytes() == (out / "results.csv").read_bytes()
    assert (cut / "summary.csv").read_bytes() == (out / "summary.csv").read_bytes()
    assert _manifest(cut)["precision"]["cells"] == _manifest(out)["precision"]["cells"]


@given(n=st.integers(3, 10_000), relative=st.floats(0.0, 1e6) | st.just(math.inf),
       eps=st.floats(1e-4, 1.0), extra=st.integers(0, 10_000))
def test_next_replications_grows_within_its_bounds(n, relative, eps, extra):
    cap = n + extra
    nxt = next_replications(n, relative, eps, cap)
    assert nxt <= cap
    if cap > n:
        assert n < nxt <= max(4 * n, n + 1)
        assert nxt >= min(cap, math.ceil(1.25 * n))


# --- input checks --------------------------------------------------------------------------------------------

BAD = [
    (["--precision", "0"], "precision must be > 0"),
    (["--precision", "-0.1"], "precision must be > 0"),
    (["--precision", "nan"], "precision must be finite"),
    (["--precision", "inf"], "precision must be finite"),
    (["--precision", "tight"], "invalid float value"),
    (["--max-reps", "10"], "max_reps needs a precision target"),
    (["--precision", "0.1", "--max-reps", "2"], "max_reps must be >= 5"),
    (["--precision", "0.1", "--reps", "20", "--max-reps", "19"], "max_reps must be >= 20"),
    (["--precision", "0.1", "--max-reps", "ten"], "invalid int value"),
]


@pytest.mark.parametrize("extra, message", BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_precision_input_is_one_line_exit_2_nothing_written(tmp_path, capsys, extra, message):
    out = tmp_path / "never"
    argv = ["run", "mm1", "--quick", "--set", "customers=300", "--backend", "serial", "--out", str(out), *extra]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors (a value that is not a number)
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_quickstart_refuses_precision(tmp_path, capsys):
    assert main(["run", "quickstart", "--precision", "0.1", "--out", str(tmp_path / "q")]) == 2
    assert "not accepted by quickstart" in capsys.readouterr().err
    assert not (tmp_path / "q").exists()


def test_a_scenario_without_headline_metrics_is_refused(tmp_path, monkeypatch):
    import dataclasses

    import sim.runner
    from sim.registry import get_scenario

    plain = dataclasses.replace(get_scenario("mm1"), studies=tuple(
        dataclasses.replace(s, headline=()) for s in get_scenario("mm1").studies))
    monkeypatch.setattr(sim.runner, "get_scenario", lambda name: plain)
    with pytest.raises(ValidationError, match="declares no headline metrics"):
        run_scenario("mm1", tmp_path / "never", quick=True, backend="serial", precision=0.1)
    assert not (tmp_path / "never").exists()


def test_the_cli_prints_the_precision_reached(tmp_path, capsys):
    out = tmp_path / "cli"
    assert main(["run", "mm1", "--quick", "--set", "customers=300", "--set", "rhos=0.3,0.6", "--backend", "serial",
                 "--no-progress", "--precision", "0.001", "--max-reps", "6", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "precision 0.001: not met in 2 of 2 cells at 6 replications" in text


# --- a real interruption, and every backend --------------------------------------------------------------------

KILL_ARGS = ["run", "mm1", "--quick", "--set", "customers=1000", "--set", "rhos=0.3,0.6", "--precision", "0.03",
             "--max-reps", "200", "--no-progress"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference") / "run"
    assert main([*KILL_ARGS, "--backend", "serial", "--out", str(out)]) == 0
    return out


@pytest.mark.slow
def test_a_killed_precision_run_resumes_to_the_same_bytes(reference, tmp_path):
    out = tmp_path / "killed"
    start_tasks = 2 * _manifest(reference)["precision"]["start_replications"]
    proc = subprocess.Popen([sys.executable, "-m", "sim", *KILL_ARGS, "--backend", "processes", "--jobs", "2",
                             "--out", str(out)], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    journal = out / "tasks.jsonl"
    deadline = time.monotonic() + 120
    try:
        # kill it in the second round, after the first round's tasks and a few more have finished
        while time.monotonic() < deadline and proc.poll() is None:
            if journal.exists() and len(journal.read_bytes().splitlines()) > 1 + start_tasks + 3:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be interrupted"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finished = len(journal.read_bytes().splitlines()) - 1
    total = sum(_manifest(reference)["cell_replications"])
    assert start_tasks < finished < total
    assert not (out / "results.csv").exists()
    assert main([*KILL_ARGS, "--backend", "serial", "--out", str(out)]) == 0
    assert (out / "results.csv").read_bytes() == (reference / "results.csv").read_bytes()
    assert (out / "summary.csv").read_bytes() == (reference / "summary.csv").read_bytes()
    assert _manifest(out)["precision"]["cells"] == _manifest(reference)["precision"]["cells"]


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_every_backend_gives_the_same_bytes(reference, tmp_path, backend):
    if backend == "dask":
        pytest.importorskip("distributed")
    out = tmp_path / backend
    assert main([*KILL_ARGS, "--backend", backend, "--jobs", "2", "--out", str(out)]) == 0
    assert (out / "results.csv").read_bytes() == (reference / "results.csv").read_bytes()
    assert (out / "summary.csv").read_bytes() == (reference / "summary.csv").read_bytes()
    assert _manifest(out)["cell_replications"] == _manifest(reference)["cell_replications"]
    assert _manifest(out)["precision"]["cells"] == _manifest(reference)["precision"]["cells"]
