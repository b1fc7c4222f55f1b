"""The strategic scenarios: contract, quick runs, figures, and the findings that hold exactly."""

import dataclasses

import numpy as np
import pytest

from scenarios import cold_start, strategization, trust
from sim.errors import StratsimError, ValidationError
from sim.results import Results

MODULES = [strategization, trust, cold_start]


def _quick_results(module, reps=1, **overrides):
    spec = module.SCENARIO
    params = spec.make_params(overrides, quick=True)
    rows = []
    for c, cell in enumerate(spec.cells(params)):
        for rep in range(reps):
            for row in spec.run_cell(params, cell, np.random.default_rng([c, rep])):
                rows.append({"scenario": spec.name, "cell": c, **cell, "rep": rep, **row})
    return Results(rows)


@pytest.fixture(scope="module")
def quick():
    return {m.SCENARIO.name: _quick_results(m, reps=2) for m in MODULES}


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.SCENARIO.name)
def test_quick_run_gives_tidy_rows_and_named_figures(module, quick, tmp_path):
    res = quick[module.SCENARIO.name]
    assert len(res) > 0
    for row in res.rows:
        assert isinstance(row["metric"], str) and np.isfinite(row["value"])
    paths = module.plot(res, tmp_path)
    pngs = [p for p in paths if str(p).endswith(".png")]
    assert len(pngs) >= 3
    for p in pngs:
        assert p.name.startswith(module.SCENARIO.name) and p.stat().st_size > 10_000


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.SCENARIO.name)
def test_params_are_frozen_defaulted_and_validated(module):
    p = module.Params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.n_items = 3
    with pytest.raises(ValidationError, match="n_items"):
        module.Params(n_items=0)
    with pytest.raises(StratsimError, match="gamma"):
        module.SCENARIO.make_params({"gamma": "1.5"})


def test_strategization_exact_findings(quick):
    res = quick["strategization"].filter(study="conditions", user_type="all", metric="explicit_usage")
    for rep in (0, 1):
        naive = {r["condition"]: r["value"] for r in res.filter(user="naive", rep=rep).rows}
        strat = {r["condition"]: r["value"] for r in res.filter(user="strategic", rep=rep).rows}
        assert len(set(naive.values())) == 1  # naive usage does not depend on what users are told
        assert strat["static"] == naive["static"]  # believing engagement is not used = naive
    sat = quick["strategization"].filter(study="satiation", user="naive", metric="withheld_like_rate")
    assert set(sat.values()) == {0.0}


def test_trust_trustworthy_platform_is_exactly_trustworthy(quick):
    res = quick["trust"].filter(platform="rec.trustworthy", user_type="all")
    assert set(res.filter(metric="strategization_gap").values()) == {0.0}
    assert set(res.filter(metric="estimation_error").values()) == {0.0}
    assert set(res.filter(metric="counterfactual_error").values()) == {0.0}
    assert set(res.filter(metric="utility_gain").values()) == {0.0}
    for platform in ("rec.greedy", "rec.ucb"):
        gaps = quick["trust"].filter(platform=platform, metric="strategization_gap").values()
        assert np.all(gaps >= -1e-12)
        naive_err = quick["trust"].filter(platform=platform, horizon=0, metric="estimation_error").values()
        assert set(naive_err) == {0.0}  # sincere data, no satiation: the platform learns exactly


def test_cold_start_naive_users_do_not_exaggerate(quick):
    res = quick["cold_start"].filter(study="horizon", horizon=0)
    assert set(res.filter(metric="exaggeration").values()) == {0.0}
    assert set(res.filter(metric="mainstream_distortion").values()) == {0.0}
    assert set(res.unique("behaviour")) == {"naive"}
