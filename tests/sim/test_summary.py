"""summary.csv (sim.summary): one row per cell x metric x extra keys, intervals inside the support."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.errors import UnknownNameError
from sim.intervals import SHARE, interval
from sim.results import Results, read_csv
from sim.summary import SUMMARY_COLUMNS, summarize, write_summary


def _rows(values_by_key):
    rows = []
    for (cell, t, metric), values in values_by_key.items():
        for rep, v in enumerate(values):
            rows.append({"scenario": "s", "cell": cell, "rho": 0.5 + cell, "rep": rep, "t": t, "metric": metric,
                         "value": v})
    return rows


def test_one_row_per_cell_metric_and_extra_key_with_the_interval_of_its_replications():
    data = {(0, 1, "share"): [0.1, 0.2, 0.6], (0, 2, "share"): [0.5, 0.5, 0.9], (1, 1, "wait"): [1.0, 3.0, 2.0, 8.0]}
    out = summarize(Results(_rows(data)), {"share": "share", "wait": "nonnegative"})
    assert [(r["cell"], r["t"], r["metric"]) for r in out] == list(data)
    assert list(out[0]) == ["scenario", "cell", "rho", "t", "metric", *SUMMARY_COLUMNS]
    for row, ((_, _, metric), values) in zip(out, data.items()):
        iv = interval(values, "share" if metric == "share" else "nonnegative")
        assert (row["n"], row["mean"], row["lo"], row["hi"], row["method"]) == (iv.n, iv.mean, iv.lo, iv.hi,
                                                                                 iv.method)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12), min_size=1, max_size=8))
def test_every_summary_interval_lies_inside_the_declared_support(samples):
    data = {(c, 0, "share"): values for c, values in enumerate(samples)}
    for row in summarize(Results(_rows(data)), {"share": "share"}):
        assert 0.0 <= row["lo"] <= row["mean"] <= row["hi"] <= 1.0
        assert (row["level"] is None) == (row["n"] < 3)


def test_an_undeclared_metric_is_an_error_naming_it():
    with pytest.raises(UnknownNameError, match="'regret'"):
        summarize(Results(_rows({(0, 0, "regret"): [1.0, 2.0, 3.0]})), {"share": "share"})


def test_a_support_per_study():
    rows = [{"study": s, "rep": r, "metric": "x", "value": v} for s in ("a", "b") for r, v in enumerate([0.2, 2.0, 3.0])
            if not (s == "a" and v > 1)]
    out = summarize(Results(rows), lambda metric, study: SHARE if study == "a" else "nonnegative")
    assert [r["support"] for r in out] == ["share", "nonnegative"]


def test_write_summary_round_trips_and_is_deterministic(tmp_path):
    data = {(0, 1, "share"): list(np.random.default_rng(0).uniform(0, 1, 7)), (1, 1, "share"): [0.3, 0.4]}
    first = write_summary(tmp_path / "a.csv", Results(_rows(data)), {"share": "share"})
    second = write_summary(tmp_path / "b.csv", Results(_rows(data)), {"share": "share"})
    assert first.read_bytes() == second.read_bytes()
    back = read_csv(first)
    assert back[1]["method"] == "range" and back[1]["level"] is None
    assert math.isclose(back[0]["mean"], float(np.mean(data[(0, 1, "share")])))
