"""The online-algorithm scenarios: contract, content checked against closed forms, figures, bad input."""

import math

import numpy as np
import pytest

from sim.errors import UnknownNameError, ValidationError
from sim.registry import get_scenario
from sim.results import Results

NAMES = ["ski_rental", "scheduling", "queueing_check"]

# Smaller than --quick, to keep the suite fast; the CLI conformance test runs --quick itself.
TINY = {
    "ski_rental": {"instances": 300, "sigmas": (0.0, 100.0), "lams": (0.5,), "frontier_lams": 3,
                   "agents": 60, "bins": 3},
    "scheduling": {"n_jobs": 12, "instances": 3, "sigmas": (0.0, 5.0), "frontier_points": 2,
                   "search_random": 10, "search_evals": 20},
    "queueing_check": {"jobs": 1500},
}


def run_all(name, reps=2, overrides=None):
    spec = get_scenario(name)
    params = spec.make_params({**TINY[name], **(overrides or {})}, quick=True)
    rows = []
    for c, cell in enumerate(spec.cells(params)):
        for rep in range(reps):
            for row in spec.run_cell(params, cell, np.random.default_rng([c, rep])):
                rows.append({"scenario": name, "cell": c, **cell, "rep": rep, **row})
    return params, Results(rows)


@pytest.mark.parametrize("name", NAMES)
def test_scenario_runs_plots_and_is_reproducible(name, tmp_path):
    spec = get_scenario(name)
    assert spec.name == name and spec.description and spec.quick
    _, results = run_all(name)
    assert len(results) and all(isinstance(r["metric"], str) for r in results.rows)
    assert all(math.isfinite(r["value"]) for r in results.rows)
    _, again = run_all(name)
    assert [r["value"] for r in again.rows] == [r["value"] for r in results.rows]
    paths = spec.make_figures(results, tmp_path)
    pngs = [p for p in paths if str(p).endswith(".png")]
    assert pngs and all(p.name.startswith(name) and p.exists() and p.with_suffix(".pdf").exists() for p in pngs)


def test_ski_rental_rows_match_closed_forms():
    params, results = run_all("ski_rental", reps=1)
    b = params.b
    at0 = results.filter(study="ratio", sigma=0.0, metric="mean_ratio")
    ratio = {r["policy"]: r["value"] for r in at0.rows}
    # Karlin et al.'s rule has the same ratio on every season.
    assert ratio["classical randomized"] == pytest.approx(1 / (1 - (1 - 1 / b) ** b), rel=1e-12)
    # With perfect predictions no rule exceeds its consistency, and break-even is 1 then 2 - 1/b.
    assert ratio["deterministic lam=0.5"] <= 1 + (math.ceil(0.5 * b) - 1) / b
    assert ratio["randomized lam=0.5"] <= 0.5 / (1 - math.exp(-0.5))
    assert 1 < ratio["break-even"] < 2 - 1 / b
    front = results.filter(study="frontier", family="deterministic")
    for row in front.filter(metric="consistency").rows:
        assert row["value"] == pytest.approx(1 + (math.ceil(row["lam"] * b - 1e-9) - 1) / b, rel=1e-12)
    learn = results.filter(study="learning", metric="des_error", arm="exact predictor")
    assert np.all(learn.values() == 0)


def test_scheduling_rows_respect_the_bounds():
    params, results = run_all("scheduling", reps=1)
    n = params.n_jobs
    ratios = results.filter(study="ratio", metric="mean_ratio")
    assert np.all(ratios.values() >= 1 - 1e-12)
    assert np.all(ratios.filter(policy="RR").values() <= 2 * n / (n + 1) + 1e-12)
    assert ratios.filter(policy="SPJF", sigma=0.0).values()[0] == pytest.approx(1.0, rel=1e-12)
    front = results.filter(study="frontier", family="PRR")
    for row in front.rows:
        lam = row["lam"]
        exact = 2 * (2 + lam) / (3 * (1 + lam)) if row["metric"] == "consistency" else 4 / (3 - lam)
        assert row["value"] <= exact + 1e-9


def test_queueing_check_theory_matches_the_reference_values():
    _, results = run_all("queueing_check", reps=1)
    want = {("srpt", 0.5): 1.4254, ("srpt", 0.8): 2.3528, ("psjf", 0.5): 1.5314, ("psjf", 0.8): 2.6589,
            ("fcfs", 0.5): 2.0, ("ps", 0.8): 5.0}
    for (d, rho), value in want.items():
        theory = results.filter(discipline=d, rho=rho, metric="theory_response_time").values()[0]
        assert round(theory, 4) == value


@pytest.mark.parametrize("name,overrides,match", [
    ("ski_rental", {"b": "0"}, "^b must be >= 2"),
    ("ski_rental", {"lams": "(0.5, 1.0)"}, "^lam must be in"),
    ("ski_rental", {"sigmas": "(-1.0,)"}, "^sigma must be >= 0"),
    ("scheduling", {"prr_lam": "1.0"}, "^prr_lam must be in"),
    ("scheduling", {"n_jobs": "0"}, "^n_jobs must be >= 1"),
    ("queueing_check", {"rhos": "(0.5, 1.0)"}, "^rhos must be in"),
    ("queueing_check", {"warmup": "mser-10"}, "^warmup must be one of"),
    ("queueing_check", {"warmup": "1.0"}, r"^warmup must be in \[0.0, 1.0\)"),
    ("queueing_check", {"cooldown": "0.5"}, r"^cooldown must be in \[0.0, 0.5\)"),
    ("queueing_check", {"warmup": "0.6", "cooldown": "0.45"}, r"^warmup \+ cooldown must be < 1"),
    ("mm1", {"warmup": "mser"}, "^warmup must be one of"),
    ("mm1", {"warmup": "-0.1"}, r"^warmup must be in \[0.0, 1.0\)"),
])
def test_bad_parameters_are_refused_naming_them(name, overrides, match):
    with pytest.raises(ValidationError, match=match):
        get_scenario(name).make_params(overrides)


@pytest.mark.parametrize("name,overrides,match", [
    ("ski_rental", {"rules": "(ski.break_even,ski.nope)"}, "^rules: unknown policy 'ski.nope'"),
    ("ski_rental", {"predictors": "(predict.learned,sched.rr)"}, "^predictors: policy 'sched.rr' is of domain"),
    ("ski_rental", {"baseline": "predict.exact"}, "^baseline: policy 'predict.exact' is of domain"),
    ("scheduling", {"policies": "(sched.rr,ski.break_even)"}, "^policies: policy 'ski.break_even' is of domain"),
])
def test_policy_lists_take_registered_names_of_their_domain_only(name, overrides, match):
    with pytest.raises((UnknownNameError, ValidationError), match=match):
        get_scenario(name).make_params(overrides)


@pytest.mark.parametrize("name", ["ski_rental", "scheduling"])
def test_studies_replace_the_part_switch(name):
    with pytest.raises(UnknownNameError, match="part"):
        get_scenario(name).make_params({"part": "ratio"})
    assert [s.name for s in get_scenario(name).studies][:2] == ["ratio", "frontier"]


def test_any_registered_policy_runs_in_the_ratio_studies():
    # Rules the default lists do not hold, by registry name only.
    _, ski = run_all("ski_rental", reps=1, overrides={"rules": ("ski.purohit_randomized",)})
    labels = {r["policy"] for r in ski.filter(study="ratio", metric="mean_ratio").rows}
    assert labels == {"randomized lam=0.5"}
    _, sched = run_all("scheduling", reps=1, overrides={"policies": ("sched.fcfs", "sched.srpt")})
    ratios = sched.filter(study="ratio", metric="mean_ratio")
    assert {r["policy"] for r in ratios.rows} == {"FCFS", "SRPT"}
    # SRPT is optimal on a batch (equal to SPT), so its ratio is 1.
    assert np.allclose(ratios.filter(policy="SRPT").values(), 1.0, rtol=1e-12)


def _cuts(rows):
    return [(r.get("discipline"), r["value"]) for r in rows if r["metric"] == "warmup_truncated"]


@pytest.mark.parametrize("text,want", [("0.25", 0.25), ("mser-5", "mser-5")])
def test_warmup_takes_a_rule_or_a_fraction_from_the_command_line(text, want):
    for name in ("mm1", "queueing_check"):
        assert get_scenario(name).make_params({"warmup": text}).warmup == want
        assert get_scenario(name).make_params().warmup == "mser-5"


def test_mm1_reports_its_warmup_cut():
    spec = get_scenario("mm1")
    n = 3000
    for warmup in (0.25, "mser-5"):
        params = spec.make_params({"customers": n, "warmup": warmup})
        rows = spec.run_cell(params, {"study": "response", "rho": 0.7}, np.random.default_rng(3))
        value = {r["metric"]: r["value"] for r in rows}
        (_, cut), = _cuts(rows)
        if warmup == 0.25:
            assert cut == 750 and value["warmup_reliable"] == 1.0
        else:  # MSER-5 cuts at a batch boundary, at most half way
            assert cut % 5 == 0 and 0 <= cut <= n / 2 and value["warmup_reliable"] in (0.0, 1.0)
        assert value["customers"] + cut == n
        assert {r["warmup_rule"] for r in rows if r["metric"].startswith("warmup_")} == {
            "fraction" if warmup == 0.25 else "mser-5"}


def test_queueing_check_cuts_each_discipline_and_leaves_the_end_out():
    spec = get_scenario("queueing_check")
    n = 4000
    for warmup in (0.2, "mser-5"):
        params = spec.make_params({"jobs": n, "warmup": warmup, "cooldown": 0.25})
        rows = spec.run_cell(params, {"study": "mm1", "rho": 0.8}, np.random.default_rng(4))
        cuts = dict(_cuts(rows))
        assert sorted(cuts) == ["fcfs", "ps", "psjf", "srpt"]
        for cut in cuts.values():
            if warmup == 0.2:
                assert cut == 800
            else:  # searched over the jobs before the cooldown only, at most half way
                assert cut % 5 == 0 and 0 <= cut <= (n - 1000) / 2
