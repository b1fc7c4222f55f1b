"""The matching scenarios: parameter checks, determinism, tidy rows, figures."""

import dataclasses

import numpy as np
import pytest

from sim.errors import ValidationError
from sim.registry import get_scenario
from sim.results import Results

NAMES = ("matching_regret", "matching_ntu", "matching_live")


@pytest.mark.parametrize("name, bad", [
    ("matching_regret", {"learner": "oracle"}),
    ("matching_regret", {"learners": "match_ntu.ucb"}),
    ("matching_regret", {"sigma": "0"}),
    ("matching_regret", {"c": "-1"}),
    ("matching_regret", {"T": "0"}),
    ("matching_regret", {"structures": "('unstructured', 'graph')"}),
    ("matching_ntu", {"T": "0"}),
    ("matching_ntu", {"sigma": "0"}),
    ("matching_live", {"patience": "0"}),
    ("matching_live", {"interval": "5", "horizon": "2"}),
])
def test_bad_parameters_are_refused(name, bad):
    with pytest.raises(ValidationError):
        get_scenario(name).make_params(bad)


def _rows(spec, params, seed):
    out = []
    for cell in spec.cells(params):
        out += [dict(r, **cell) for r in spec.run_cell(params, cell, np.random.default_rng(seed))]
    return out


@pytest.mark.parametrize("name", NAMES)
def test_quick_cells_are_deterministic_and_plot(name, tmp_path):
    spec = get_scenario(name)
    params = spec.make_params(quick=True)
    if name == "matching_regret":  # keep the test small: one learner per study
        params = dataclasses.replace(params, learners=("match.ucb",), sizes=(3,), size_learners=("match.ucb",),
                                     structures=("typed",))
    a = _rows(spec, params, 7)
    b = _rows(spec, params, 7)
    assert a == b
    assert all(isinstance(r["metric"], str) and np.isfinite(r["value"]) for r in a)
    res = Results([dict(r, rep=k) for k in range(2) for r in a])
    paths = spec.make_figures(res, tmp_path)
    assert paths and all(p.name.startswith(name) and p.exists() for p in paths)


def test_regret_grid_covers_the_three_studies():
    spec = get_scenario("matching_regret")
    p = spec.make_params()
    cells = spec.cells(p)
    studies = {c["study"] for c in cells}
    assert studies == {"horizon", "size", "structure"}
    assert {c["learner"] for c in cells if c["study"] == "horizon"} == set(p.learners)
    # capabilities as data: per structure, MatchUCB and the learners whose needs the market provides
    assert {(c["structure"], c["learner"]) for c in cells if c["study"] == "structure"} == {
        ("unstructured", "match.ucb"), ("typed", "match.ucb"), ("typed", "match.ucb_typed"),
        ("linear", "match.ucb"), ("linear", "match.ucb_linear")}
    # only the longest horizon of the horizon study reports a trajectory
    longest = max(p.horizons)
    assert all((c["trajectory"] > 0) == (c["T"] == longest) for c in cells if c["study"] == "horizon")


def test_regret_rows_instability_dominates_welfare_regret():
    spec = get_scenario("matching_regret")
    p = spec.make_params()
    for lr in ("match.ucb", "match.etc", "match.thompson"):
        rows = spec.run_cell(p, {"study": "horizon", "learner": lr, "T": 300}, np.random.default_rng(0))
        val = {r["metric"]: r["value"] for r in rows if "t" not in r}
        assert val["regret"] >= val["welfare_regret"] - 1e-6 >= -1e-6


def test_fit_slope_recovers_a_power_law():
    from scenarios.matching_regret import fit_slope

    x = np.array([1.0, 10.0, 100.0])
    assert fit_slope(x, 3 * x**0.5) == pytest.approx(0.5)
    assert np.isnan(fit_slope([1.0], [2.0]))


def test_an_unknown_or_wrong_domain_learner_is_refused_naming_the_domain():
    from sim.errors import StratsimError

    spec = get_scenario("matching_regret")
    with pytest.raises(StratsimError, match=r"learners: unknown policy 'my_learner'.*domain 'matching'"):
        spec.make_params({"learners": "match.ucb,my_learner"})
    with pytest.raises(ValidationError, match=r"learners: policy 'match_ntu.ucb' is of domain 'matching_ntu', "
                                              r"not 'matching'"):
        spec.make_params({"learners": "match_ntu.ucb"})
