"""sim.load_results / sim.load_summary: results folders as pandas DataFrames."""

import math
import subprocess
import sys

import pandas as pd
import pytest

from sim import load_results, load_summary
from sim.errors import InputTypeError, ValidationError
from sim.results import read_csv, write_csv
from sim.runner import run_scenario


def _is_string(series):
    return pd.api.types.is_string_dtype(series) or pd.api.types.is_object_dtype(series)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("frames") / "mm1"
    run_scenario("mm1", out, quick=True, replications=3, backend="serial",
                 overrides={"rhos": "(0.3, 0.6)", "customers": "300"})
    return out


def _same(frame, rows):
    """The frame holds exactly the rows sim.results.read_csv reads (None <-> NaN), in the same order."""
    assert frame.columns.tolist() == list(rows[0])
    assert len(frame) == len(rows)
    for column in frame.columns:
        got = frame[column].tolist()
        want = [r[column] for r in rows]
        for g, w in zip(got, want):
            if w is None or (isinstance(w, float) and math.isnan(w)):
                assert pd.isna(g), (column, g, w)
            else:
                assert g == w and isinstance(g, str) == isinstance(w, str), (column, g, w)


def test_load_results_has_numeric_columns_as_numbers(run):
    frame = load_results(run)
    assert frame["cell"].dtype == "int64" and frame["rep"].dtype == "int64"
    assert frame["value"].dtype == "float64" and frame["rho"].dtype == "float64"
    for column in ("scenario", "study", "metric"):
        assert _is_string(frame[column]), column
    _same(frame, read_csv(run / "results.csv"))


def test_load_results_is_ready_for_analysis(run):
    frame = load_results(run)
    means = frame[frame.metric == "mean_response_time"].groupby("rho")["value"].agg(["count", "mean"])
    assert means["count"].tolist() == [3, 3]
    raw = [r for r in read_csv(run / "results.csv") if r["metric"] == "mean_response_time" and r["rho"] == 0.6]
    assert means.loc[0.6, "mean"] == pytest.approx(sum(r["value"] for r in raw) / 3, rel=1e-15)


def test_load_summary_has_numeric_columns_as_numbers(run):
    frame = load_summary(run)
    assert frame["n"].dtype == "int64"
    for column in ("mean", "lo", "hi", "level", "rho"):
        assert frame[column].dtype == "float64", column
    for column in ("metric", "method", "support"):
        assert _is_string(frame[column]), column
    assert (frame["n"] == 3).all()
    _same(frame, read_csv(run / "summary.csv"))


def test_level_is_nan_where_the_summary_is_a_range(tmp_path):
    out = tmp_path / "two"
    run_scenario("mm1", out, quick=True, replications=2, backend="serial",
                 overrides={"rhos": "(0.5,)", "customers": "300"})
    frame = load_summary(out)
    assert (frame["method"] == "range").all()
    assert frame["level"].dtype == "float64" and frame["level"].isna().all()


def test_mixed_and_missing_columns(tmp_path):
    # what multi-study scenarios write: a cell field only some rows have, string keys such as policy names
    # (one of which looks like a missing-value marker), extra keys, nan and inf values
    rows = [
        {"scenario": "s", "cell": 0, "study": "a", "k": 3, "flag": True, "rep": 0, "policy": "NA", "t": 1,
         "metric": "m", "value": 0.1},
        {"scenario": "s", "cell": 1, "study": "b", "k": None, "flag": False, "rep": 0, "policy": "match.ucb",
         "t": None, "metric": "m", "value": float("nan")},
        {"scenario": "s", "cell": 1, "study": "b", "k": None, "flag": False, "rep": 1, "policy": None, "t": None,
         "metric": "m", "value": float("inf")},
    ]
    write_csv(tmp_path / "results.csv", rows, list(rows[0]))
    frame = load_results(tmp_path)
    assert frame["k"].dtype == "float64" and frame["k"].tolist()[0] == 3.0 and frame["k"].isna().tolist() == [
        False, True, True]
    assert frame["t"].dtype == "float64"
    assert frame["flag"].dtype == "bool" and frame["flag"].tolist() == [True, False, False]
    assert frame["policy"].tolist()[:2] == ["NA", "match.ucb"] and pd.isna(frame["policy"].tolist()[2])
    assert math.isnan(frame["value"][1]) and frame["value"][2] == math.inf


def test_floats_come_back_to_the_bit(tmp_path):
    values = [0.1, 1 / 3, 2.0 ** -1074, 1.7976931348623157e308, -1e-300, 123456789.12345679]
    rows = [{"rep": k, "metric": "m", "value": v} for k, v in enumerate(values)]
    write_csv(tmp_path / "results.csv", rows, ["rep", "metric", "value"])
    assert load_results(tmp_path)["value"].tolist() == values


def _bad(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    return tmp_path


BAD_FOLDERS = {
    "missing": lambda p: p / "nope",
    "a file": lambda p: _bad(p, "x.txt", "x\n") / "x.txt",
    "no results.csv": lambda p: p,
    "empty": lambda p: _bad(p, "results.csv", ""),
    "truncated": lambda p: _bad(p, "results.csv", "rep,metric,value\n0,m,1.5\n1,m,2."),
    "short row": lambda p: _bad(p, "results.csv", "rep,metric,value\n0,m,1.5\n1,m\n"),
    "long row": lambda p: _bad(p, "results.csv", "rep,metric,value\n0,m,1.5,9\n"),
    "not a results table": lambda p: _bad(p, "results.csv", "a,b\n1,2\n"),
    "bad header": lambda p: _bad(p, "results.csv", "metric,,value\nm,1,2\n"),
}
MESSAGES = {
    "missing": "is not a results folder: it does not exist",
    "a file": "is not a results folder: it is a file",
    "no results.csv": "is not a results folder: it has no results.csv",
    "empty": "is empty",
    "truncated": "is truncated",
    "short row": "row 3 has 2 fields, the header 3",
    "long row": "row 2 has 4 fields, the header 3",
    "not a results table": "is not a results.csv table (no column metric, value)",
    "bad header": "invalid header row",
}


@pytest.mark.parametrize("case", list(BAD_FOLDERS))
def test_a_folder_that_is_not_a_results_folder_is_a_clear_error(tmp_path, case):
    folder = BAD_FOLDERS[case](tmp_path)
    with pytest.raises(ValidationError, match=MESSAGES[case].replace("(", r"\(").replace(")", r"\)")):
        load_results(folder)


def test_a_results_folder_without_summary_is_named(run, tmp_path):
    (tmp_path / "results.csv").write_bytes((run / "results.csv").read_bytes())
    with pytest.raises(ValidationError, match="has no summary.csv"):
        load_summary(tmp_path)
    with pytest.raises(ValidationError, match="not a summary.csv table"):
        load_summary(_bad(tmp_path, "summary.csv", "metric,value\nm,1\n"))


@pytest.mark.parametrize("folder", [None, 3, ["a"], True])
def test_a_folder_that_is_not_a_path_is_a_type_error(folder):
    with pytest.raises(InputTypeError, match="folder must be a path"):
        load_results(folder)
    with pytest.raises(InputTypeError, match="folder must be a path"):
        load_summary(folder)


@pytest.mark.slow
def test_importing_sim_does_not_import_pandas():
    code = "import sys, sim; print('pandas' in sys.modules, callable(sim.load_results))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "True"]
