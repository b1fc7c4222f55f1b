"""stratsim params NAME: every parameter, its type, default and quick value, the grids, metrics, headline."""

import dataclasses
import typing

import pytest

from sim import __version__
from sim.cli import describe_parameters, main
from sim.registry import get_scenario
from sim.scenario import Scenario, Study


def _params_output(capsys, name):
    assert main(["params", name]) == 0
    return capsys.readouterr().out


def _line(text, first_word, indent=2):
    """The one line of ``text`` indented by ``indent`` spaces (2: a parameter, 4: a metric) that starts with
    ``first_word``."""
    lines = [line for line in text.splitlines()
             if line.startswith(" " * indent) and not line.startswith(" " * (indent + 1))
             and line.split()[:1] == [first_word]]
    assert len(lines) == 1, (first_word, lines)
    return lines[0]


def test_mm1_every_parameter_with_type_default_and_quick_value(capsys):
    text = _params_output(capsys, "mm1")
    scenario = get_scenario("mm1")
    hints = typing.get_type_hints(scenario.params)
    for f in dataclasses.fields(scenario.params):
        line = _line(text, f.name)
        columns = line.split("  ")
        columns = [c.strip() for c in columns if c.strip()]
        assert columns[0] == f.name
        assert columns[1] == (hints[f.name].__name__ if isinstance(hints[f.name], type) else
                              str(hints[f.name]).replace("typing.", ""))
        assert columns[2] == repr(f.default)
        assert columns[3] == (repr(scenario.quick[f.name]) if f.name in scenario.quick else "-")


def test_mm1_names_what_the_grid_sweeps_and_the_cell_field_it_sets(capsys):
    text = _params_output(capsys, "mm1")
    assert _line(text, "rhos").rstrip().endswith("response.rho")
    assert _line(text, "mu").rstrip().endswith("-")
    assert "  grid sets: rho (from rhos)" in text.splitlines()
    scenario = get_scenario("mm1")
    full, quick = scenario.cells(scenario.make_params({})), scenario.cells(scenario.make_params({}, quick=True))
    assert f"  cells: {len(full)} (--quick: {len(quick)})" in text.splitlines()
    assert (f"replications: {scenario.replications} (--quick: {scenario.quick_replications}); "
            f"cells: {len(full)} (--quick: {len(quick)})") in text


def test_mm1_metric_supports_and_headline(capsys):
    text = _params_output(capsys, "mm1")
    study = get_scenario("mm1").studies[0]
    assert study.headline == ("mean_response_time",)
    for metric, support in study.metrics.items():
        words = _line(text, metric, indent=4).split()
        assert words[1] == support
        assert (words[2:] == ["*"]) == (metric in study.headline)
    assert "  headline metrics: mean_response_time" in text.splitlines()


@dataclasses.dataclass(frozen=True)
class Settings:
    n: int = 100
    rates: tuple[float, ...] = (0.5, 0.8)
    label: str = "x"


@dataclasses.dataclass(frozen=True)
class Cell:
    n: int = 100
    rate: float = 0.5
    scale: float = 2.0
    seed_shift: int = 7


def _run(cell, rng):
    return [{"metric": "share", "value": 0.5}]


DEMO = Scenario(
    name="demo", description="A demo.", params=Settings, quick={"n": 10, "rates": (1.0,)},
    replications=4, quick_replications=2,
    studies=(Study("means", cell=Cell, run=_run, grid=lambda p: [{"rate": r, "scale": 2 * r} for r in p.rates],
                   sweeps={"rate": "rates"}, description="Means.", metrics={"share": "share", "gap_*": (0, 5)},
                   headline=("share",)),
             Study("plain", cell=Cell, run=_run)))


def test_a_scenario_with_computed_grid_fields_and_cell_only_fields():
    text = describe_parameters(DEMO)
    lines = text.splitlines()
    assert lines[0] == "demo: A demo."
    assert lines[1] == "replications: 4 (--quick: 2); cells: 3 (--quick: 2)"
    assert _line(text, "n").split() == ["n", "int", "100", "10", "-"]
    assert _line(text, "rates").split() == ["rates", "tuple[float,", "...]", "(0.5,", "0.8)", "(1.0,)", "means.rate"]
    assert _line(text, "label").split() == ["label", "str", "'x'", "-", "-"]
    means = lines[lines.index("study means: Means."):lines.index("study plain")]
    assert "  cells: 2 (--quick: 1)" in means
    assert "  grid sets: rate (from rates), scale (computed by the grid)" in means
    assert "  from the parameter of the same name: n" in means
    assert "  cell defaults (not parameters): seed_shift=7" in means
    assert [line.split() for line in means if line.startswith("    ")] == [["share", "share", "*"],
                                                                         ["gap_*", "[0,", "5]"]]
    plain = lines[lines.index("study plain"):]
    assert "  grid sets: nothing (one cell)" in plain
    assert "  cell defaults (not parameters): rate=0.5, scale=2.0, seed_shift=7" in plain
    assert "  metrics: none declared (intervals are unbounded)" in plain
    assert "  headline metrics: none (--precision does not apply)" in plain


def test_unknown_scenario_is_one_line_exit_2(capsys):
    assert main(["params", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown scenario 'nosuch'" in err and len(err.strip().splitlines()) == 1


def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"stratsim {__version__}"
