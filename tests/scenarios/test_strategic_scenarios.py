"""The strategic scenarios: contract, quick runs, figures, and the findings that hold exactly."""

import dataclasses

import matplotlib.colors
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from matplotlib.figure import Figure

from scenarios import cold_start, rl_user, strategization, trust
from sim.errors import StratsimError, ValidationError
from sim.plotting import color
from sim.registry import policies
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


# --- report-ready figures (issue 13) ---------------------------------------------------------------


@given(st.lists(st.tuples(st.floats(0.0, 1.0), st.floats(0.01, 1.0)), min_size=3, max_size=15))
def test_strategization_ratio_interval_contains_its_estimate(pairs):
    num = {r: a for r, (a, _) in enumerate(pairs)}
    den = {r: b for r, (_, b) in enumerate(pairs)}
    ratio, lo, hi, n = strategization._ratio_ci(num, den)
    assert n == len(pairs)
    assert ratio == pytest.approx(np.mean([a for a, _ in pairs]) / np.mean([b for _, b in pairs]))
    assert 0.0 <= lo <= ratio <= hi


def test_strategization_ratio_interval_is_the_bootstrap_of_the_same_estimator():
    # numerator = 2.5 x denominator in every replication: every resample's ratio of means is 2.5
    den = {r: v for r, v in enumerate([0.1, 0.4, 0.25, 0.3])}
    num = {r: 2.5 * v for r, v in den.items()}
    ratio, lo, hi, _ = strategization._ratio_ci(num, den)
    assert (ratio, lo, hi) == pytest.approx((2.5, 2.5, 2.5))
    # fewer than 3 replications: the ratio, no interval (the old 2-replication "CI" ended at the estimate)
    ratio, lo, hi, n = strategization._ratio_ci({0: 0.5, 1: 0.3}, {0: 0.1, 1: 0.2})
    assert ratio == pytest.approx(0.8 / 0.3) and np.isnan(lo) and np.isnan(hi) and n == 2


def _legend_colours(module, results, tmp_path):
    """(legend text, colour) of every legend entry of every figure ``module.plot`` saves."""
    seen = []
    original = Figure.savefig

    def spy(fig, fname, *args, **kwargs):
        if str(fname).endswith(".png"):
            for ax in fig.axes:
                legend = ax.get_legend()
                if legend is None:
                    continue
                for handle, text in zip(legend.legend_handles, legend.get_texts()):
                    c = handle.get_color() if hasattr(handle, "get_color") else handle.get_facecolor()
                    seen.append((text.get_text(), matplotlib.colors.to_hex(c)))
        return original(fig, fname, *args, **kwargs)

    Figure.savefig = spy
    try:
        module.plot(results, tmp_path)
    finally:
        Figure.savefig = original
    return seen


@pytest.mark.parametrize("module", [strategization, cold_start], ids=lambda m: m.SCENARIO.name)
def test_naive_and_strategic_users_have_their_colours_in_every_figure(module, quick, tmp_path):
    entries = _legend_colours(module, quick[module.SCENARIO.name], tmp_path)
    kinds = {"naive": 0, "strategic": 0}
    for text, c in entries:
        for kind in kinds:
            # "minority, naive", "naive users", "strategic, told likes", "mainstream users" (strategic, against H)
            if kind in text.split(",")[-1] or text.startswith(kind):
                assert c == color(kind).lower(), (text, c)
                kinds[kind] += 1
    assert all(kinds.values()), kinds


def test_trust_platforms_have_their_registry_colours(quick, tmp_path):
    entries = _legend_colours(trust, quick["trust"], tmp_path)
    labels = {policies.get(p).spec.label: p for p in trust.PLATFORMS}
    checked = 0
    for text, c in entries:
        name = text.removesuffix(" platform")
        if name in labels:
            assert c == color(labels[name]).lower(), (text, c)
            checked += 1
    assert checked >= 3 * len(trust.PLATFORMS)


def test_rl_user_shortfalls_are_the_planners_utility_minus_the_users(tmp_path):
    pytest.importorskip("gymnasium")
    p = rl_user.SCENARIO.make_params({"episodes": 200, "checkpoints": 4}, quick=True)
    cell = rl_user.LEARNING.make_cell(p, {})
    rows = []
    for seed in range(4):
        rows += [dict(r, rep=seed) for r in rl_user.run(cell, np.random.default_rng(seed))]
    res = Results(rows)
    gaps = 0
    for seed in range(4):
        for episode in res.unique("episode"):
            at = res.filter(rep=seed, episode=episode)
            utility = {r["policy"]: r["value"] for r in at.filter(metric="utility").rows}
            short = {r["policy"]: r["value"] for r in at.filter(metric="shortfall").rows}
            for policy, value in short.items():
                assert value >= 0.0
                assert value == pytest.approx(utility["exact planner"] - utility[policy], abs=1e-9)
            left = at.filter(metric="gap_left").values()
            if short["naive"] > 1e-9:
                gaps += 1
                assert left == pytest.approx([short["learner (greedy)"] / short["naive"]])
            else:
                assert left.size == 0
    assert gaps > 0
    paths = rl_user.plot(res, tmp_path)
    assert [p.name for p in paths] == ["rl_user_learning.png", "rl_user_learning.pdf"]
