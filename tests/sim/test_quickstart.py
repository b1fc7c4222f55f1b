"""The quickstart draws each scenario's figures in a worker while the next scenario runs."""

from __future__ import annotations

import pytest

from sim.cli import main
from sim.errors import InputTypeError
from sim.registry import scenarios
from sim.runner import plot_folder, run_scenario


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and (p.suffix == ".png" or p.name == "summary.csv")}


@pytest.mark.slow
def test_quickstart_figures_equal_a_redraw_in_this_process_and_reports_keep_scenario_order(tmp_path, monkeypatch,
                                                                                          capsys):
    names = ["queueing_check", "mm1"]
    monkeypatch.setattr(scenarios, "names", lambda: names)
    assert main(["run", "quickstart", "--out", str(tmp_path / "q"), "--no-progress", "--backend", "serial"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if " tasks run " in ln]
    assert [ln.split(":")[0] for ln in lines] == names
    for name, line in zip(names, lines):
        drawn = _files(tmp_path / "q" / name)
        assert any(p.suffix == ".png" for p in drawn) and any(p.name == "summary.csv" for p in drawn)
        assert f"{sum(p.suffix == '.png' for p in drawn)} figure files" in line
        plot_folder(tmp_path / "q" / name)  # the same figures, drawn here
        assert _files(tmp_path / "q" / name) == drawn


def test_run_scenario_without_plot_stops_at_results(tmp_path):
    out = tmp_path / "mm1"
    summary = run_scenario("mm1", out, quick=True, replications=2, backend="serial", plot=False)
    assert summary.figures == []
    assert (out / "results.csv").exists()
    assert not (out / "summary.csv").exists() and not list(out.rglob("*.png"))
    assert plot_folder(out) and (out / "summary.csv").exists()


def test_plot_must_be_a_bool(tmp_path):
    with pytest.raises(InputTypeError, match="plot must be True or False, got 'no'"):
        run_scenario("mm1", tmp_path / "x", quick=True, plot="no")
    assert not (tmp_path / "x").exists()
