"""Report-ready output of every shipped scenario at quick scale (issue: report-ready results).

Each scenario runs as the quickstart runs it (``--quick``, its quick replications). Then:
- every metric it writes has a declared support, and ``summary.csv`` has one row per cell x metric x
  extra keys whose interval lies inside that support and around the mean;
- every band in its figures is drawn through the toolkit (tagged with its support) and its vertices,
  read back from the axes, lie inside that support;
- every figure states n (in a legend, title or text);
- nothing a figure draws (titles, legends below the axes) reaches past its canvas, which is saved as it is
  (``savefig.bbox: standard``): no clipped titles.
"""

import re

import numpy as np
import pytest
from matplotlib.collections import FillBetweenPolyCollection
from matplotlib.figure import Figure

from sim.cli import main
from sim.registry import scenarios
from sim.results import read_csv

NAMES = scenarios.names()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """``runs[name]``: run scenario ``name`` once (quick), keeping what each saved figure showed."""

    class Runs(dict):
        def __missing__(self, name):
            folder = tmp_path_factory.mktemp(name)
            saved = []
            original = Figure.savefig

            def spy(fig, fname, *args, **kwargs):
                if str(fname).endswith(".png"):
                    saved.append((str(fname), _read_back(fig)))
                return original(fig, fname, *args, **kwargs)

            Figure.savefig = spy
            try:
                code = main(["run", name, "--quick", "--out", str(folder), "--backend", "serial", "--no-progress"])
            finally:
                Figure.savefig = original
            assert code == 0
            self[name] = (folder, saved)
            return self[name]

    return Runs()


def _read_back(fig):
    bands, texts = [], []
    for ax in fig.axes:
        for coll in ax.collections:
            if isinstance(coll, FillBetweenPolyCollection):
                ys = np.concatenate([p.vertices[:, 1] for p in coll.get_paths()]) if coll.get_paths() else []
                bands.append((coll.get_gid(), np.asarray(ys, float), ax.get_yscale(), ax.get_ylim()))
        legend = ax.get_legend()
        if legend is not None:
            texts += [legend.get_title().get_text(), *(t.get_text() for t in legend.get_texts())]
        texts += [ax.get_title(), *(t.get_text() for t in ax.texts)]
    texts += [t.get_text() for t in fig.texts]
    if fig._suptitle is not None:
        texts.append(fig._suptitle.get_text())
    # how far drawn content reaches past the canvas (inches; the style saves the canvas as it is)
    fig.canvas.draw()
    box = fig.get_tightbbox(fig.canvas.get_renderer())
    width, height = fig.get_size_inches()
    overflow = max(-box.x0, -box.y0, box.x1 - width, box.y1 - height)
    return bands, texts, overflow


@pytest.mark.parametrize("name", NAMES)
def test_every_metric_has_a_declared_support(name, runs):
    folder, _ = runs[name]
    spec = scenarios.get(name)
    assert spec.declares_metrics, f"{name} declares no metric supports"
    for row in read_csv(folder / "results.csv"):
        spec.support(row["metric"], row.get("study"))  # raises for an undeclared metric


@pytest.mark.parametrize("name", NAMES)
def test_summary_intervals_lie_inside_the_support(name, runs):
    folder, _ = runs[name]
    spec = scenarios.get(name)
    results = read_csv(folder / "results.csv")
    summary = read_csv(folder / "summary.csv")
    keys = {tuple(v for k, v in r.items() if k not in ("rep", "value")) for r in results}
    assert len(summary) == len(keys)
    for row in summary:
        sup = spec.support(row["metric"], row.get("study"))
        assert row["support"] == sup.name
        if row["n"] == 0:
            continue
        assert sup.lower <= row["lo"] <= row["mean"] <= row["hi"] <= sup.upper, row
        assert (row["method"] == "range") == (row["n"] < 3)


@pytest.mark.parametrize("name", NAMES)
def test_figure_bands_lie_inside_the_support(name, runs):
    _, figures = runs[name]
    assert figures, f"{name} saved no figure"
    for path, (bands, _, _) in figures:
        for gid, ys, scale, (bottom, _) in bands:
            assert gid and gid.startswith("band:"), f"{path}: a band drawn without its support"
            lower, upper = (float(v) for v in gid.split(":")[1:])
            if scale == "log":  # vertices at or below 0 are pinned to the bottom of a log view
                lower = min(max(lower, 0.0), bottom) if lower <= 0 else lower
            finite = ys[np.isfinite(ys)]
            assert np.all(finite >= lower - 1e-9 * max(1.0, abs(lower))), f"{path}: band below {lower}"
            assert np.all(finite <= upper + 1e-9 * max(1.0, abs(upper))), f"{path}: band above {upper}"


@pytest.mark.parametrize("name", NAMES)
def test_every_figure_states_n(name, runs):
    _, figures = runs[name]
    for path, (_, texts, _) in figures:
        assert any(re.search(r"\bn\s*=\s*\d", t) for t in texts), f"{path} does not state n"


@pytest.mark.parametrize("name", NAMES)
def test_no_figure_draws_past_its_canvas(name, runs):
    _, figures = runs[name]
    for path, (_, _, overflow) in figures:
        assert overflow <= 0.01, f"{path}: content reaches {overflow:.2f} in past the canvas (clipped)"
