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


def test_regret_grid_covers_the_four_studies():
    spec = get_scenario("matching_regret")
    p = spec.make_params()
    cells = spec.cells(p)
    studies = {c["study"] for c in cells}
    assert studies == {"horizon", "size", "structure", "point"}
    # every point learner at every core point; the other studies at the default point
    assert {(c["learner"], c["point"]) for c in cells if c["study"] == "point"} == {
        (lr, pt) for lr in p.point_learners for pt in ("solver", "customer", "provider", "midpoint")}
    assert {c["point"] for c in cells if c["study"] != "point"} == {"midpoint"}
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


# --- report-ready figures (issue 13) ---------------------------------------------------------------------------

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def test_fit_slope_needs_three_points_and_its_interval_contains_it():
    from scenarios.matching_regret import fit_slope, fit_slope_ci

    assert np.isnan(fit_slope([3.0, 5.0], [10.0, 20.0]))  # two points always lie on a line
    assert np.isnan(fit_slope_ci([3.0, 3.0, 5.0], [10.0, 11.0, 20.0]).slope)  # two distinct x values
    x = np.array([6.0, 10.0, 16.0, 24.0])
    fit = fit_slope_ci(x, 2 * x**1.5 * np.array([1.1, 0.9, 1.05, 0.95]))
    assert fit.points == 4 and fit.lo < 1.5 < fit.hi and fit.lo < fit.slope < fit.hi


@given(st.lists(st.floats(0.1, 1e4), min_size=3, max_size=8, unique=True),
       st.lists(st.floats(1e-3, 1e4), min_size=8, max_size=8))
def test_fitted_slope_lies_inside_its_interval(xs, ys):
    from scenarios.matching_regret import fit_slope_ci

    fit = fit_slope_ci(xs, ys[: len(xs)])
    if np.unique(np.log(xs)).size >= 3:
        assert fit.lo <= fit.slope <= fit.hi
        assert fit.hi - fit.lo >= 0
    else:
        assert np.isnan(fit.slope)


def test_quick_regret_scale_fits_slopes_on_three_or_more_points():
    p = get_scenario("matching_regret").make_params(quick=True)
    assert len(set(p.sizes)) >= 3 and len(set(p.horizons)) >= 3
    assert get_scenario("matching_regret").quick_replications >= 3


def _read_back(ax):
    legend = ax.get_legend()
    return {"bar_centres": sorted(round(b.get_x() + b.get_width() / 2, 6) for b in ax.patches),
            "xticklabels": [t.get_text() for t in ax.get_xticklabels()],
            "legend": [t.get_text() for t in legend.get_texts()] if legend else [],
            "lines": [(np.asarray(ln.get_xdata(), float), np.asarray(ln.get_ydata(), float), ln.get_linestyle())
                      for ln in ax.get_lines()]}


def _saved_axes(monkeypatch):
    """What the axes of every saved figure showed when it was saved (by file stem; figures are cleared after)."""
    saved = {}
    original = Figure.savefig

    def spy(fig, fname, *args, **kwargs):
        saved.setdefault(str(fname).rsplit("/", 1)[-1].rsplit(".", 1)[0], [_read_back(ax) for ax in fig.axes])
        return original(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", spy)
    return saved


def _fake_rows(**cells):
    """Regret rows of three replications for each cell (values are not what is tested)."""
    return [dict(cell, rep=r, metric="regret", value=100.0 + 10 * k + r)
            for k, cell in enumerate(cells["cells"]) for r in range(3)]


def test_structure_bars_leave_no_empty_slot(tmp_path, monkeypatch):
    from scenarios.matching_regret import plot_structure

    cells = [{"study": "structure", "T": 50, "agents": 12, "structure": s, "learner": lr}
             for s, lr in (("unstructured", "match.ucb"), ("typed", "match.ucb"), ("typed", "match.ucb_typed"),
                           ("linear", "match.ucb"), ("linear", "match.ucb_linear"))]
    saved = _saved_axes(monkeypatch)
    plot_structure(Results(_fake_rows(cells=cells)), tmp_path)
    (ax,) = saved["matching_regret_structure"]
    centres = ax["bar_centres"]
    assert len(centres) == len(cells)
    # the lone unstructured bar sits on its category; the pairs sit symmetrically around theirs
    assert centres[0] == 0.0
    assert centres[1] + centres[2] == pytest.approx(2.0) and centres[3] + centres[4] == pytest.approx(4.0)
    assert ax["xticklabels"] == ["unstructured", "typed", "linear"]


@pytest.mark.parametrize("sizes, fitted", [((3, 5), False), ((3, 5, 8), True)])
def test_size_slope_is_shown_only_on_three_sizes_with_its_interval(sizes, fitted, tmp_path, monkeypatch):
    from scenarios.matching_regret import plot_size

    cells = [{"study": "size", "T": 50, "agents": 2 * s, "size": s, "learner": "match.ucb"} for s in sizes]
    saved = _saved_axes(monkeypatch)
    plot_size(Results(_fake_rows(cells=cells)), tmp_path)
    (ax,) = saved["matching_regret_vs_size"]
    texts = ax["legend"]
    assert any("slope" in t and "CI" in t for t in texts) == fitted
    assert fitted or not any("slope" in t for t in texts)


def test_ntu_players_are_categories_not_a_line(tmp_path, monkeypatch):
    spec = get_scenario("matching_ntu")
    params = spec.make_params({"T": "40", "points": "3", "players": "4", "arms": "4"})
    rows = [dict(r, **cell, rep=k) for k in range(3) for cell in spec.cells(params)
            for r in spec.run_cell(params, cell, np.random.default_rng(k))]
    saved = _saved_axes(monkeypatch)
    spec.make_figures(Results(rows), tmp_path)
    for ax in saved["matching_ntu_players"]:
        # lines through several players (the zero reference line is horizontal: one y value)
        multi = [(x, style) for x, y, style in ax["lines"] if np.unique(x).size > 1 and np.unique(y).size > 1]
        assert multi and all(style == "None" for _, style in multi)  # no line joins two players
        assert ax["xticklabels"] == ["0", "1", "2", "3"]


def test_live_welfare_regret_per_batch_is_never_negative():
    # one batch per bin: rounding between two optimal matchings of equal welfare used to give -1e-16
    spec = get_scenario("matching_live")
    params = spec.make_params({"horizon": "150", "bins": "150"})
    rows = spec.run_cell(params, {"study": "live", "variant": "near-greedy"}, np.random.default_rng(0))
    regret = [r["value"] for r in rows if r["metric"] == "welfare_regret"]
    assert len(regret) > 100 and min(regret) >= 0.0
