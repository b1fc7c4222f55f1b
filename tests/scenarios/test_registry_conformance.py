"""Every registered scenario runs with --quick and produces tidy results and figures."""

import csv

import pytest

from sim.cli import main
from sim.manifest import read_manifest
from sim.registry import scenarios
from sim.scenario import Scenario

NAMES = scenarios.names()


def test_scenarios_are_registered():
    assert "mm1" in NAMES


@pytest.mark.parametrize("name", NAMES)
def test_scenario_runs_quick_and_writes_tidy_results(name, tmp_path):
    spec = scenarios.get(name)
    assert isinstance(spec, Scenario) and spec.description
    out = tmp_path / name
    assert main(["run", name, "--quick", "--reps", "2", "--out", str(out), "--backend", "serial",
                 "--no-progress"]) == 0
    with open(out / "results.csv", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = reader.fieldnames
    assert header[:2] == ["scenario", "cell"] and header[-2:] == ["metric", "value"] and "rep" in header
    assert rows and {r["scenario"] for r in rows} == {name}
    assert {r["rep"] for r in rows} == {"0", "1"}
    manifest = read_manifest(out)
    assert manifest["scenario"] == name and manifest["seed"] == 0 and manifest["versions"]["numpy"]
    pngs = sorted((out / "figures").glob("*.png"))
    assert pngs, f"scenario {name} drew no figure"
    for png in pngs:  # a --quick run is a look: PNG only
        assert png.name.startswith(name) and not png.with_suffix(".pdf").exists()
    # PDF on request (and by default for a full run): the same figures
    assert main(["plot", str(out), "--formats", "png,pdf"]) == 0
    assert sorted(p.stem for p in (out / "figures").glob("*.pdf")) == sorted(p.stem for p in pngs)
