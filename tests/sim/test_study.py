"""Scenarios made of studies: each study's own cell parameters, grid, run and figures."""

from dataclasses import dataclass

import numpy as np
import pytest

from sim.errors import InputTypeError, StratsimError, UnknownNameError, ValidationError
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_real


@dataclass(frozen=True)
class Settings:
    n: int = 20
    rates: tuple[float, ...] = (0.5, 2.0)
    sizes: tuple[int, ...] = (1, 3)


@dataclass(frozen=True)
class RateCell:
    n: int = 20
    rate: float = 1.0

    def __post_init__(self):
        check_real("rate", self.rate, low=0.0, low_open=True)


@dataclass(frozen=True)
class SizeCell:
    size: int = 1
    label: str = "default"


def run_rate(cell, rng):
    return [{"metric": "mean", "value": float(rng.exponential(1 / cell.rate, cell.n).mean())}]


def run_size(cell, rng):
    return [{"metric": "size", "value": cell.size}, {"metric": "label_len", "value": len(cell.label)}]


drawn = []


def plot_rate(results, out_dir):
    drawn.append(("rate", sorted({r["study"] for r in results.rows})))
    return ["rate.png"]


RATE = Study("rates", cell=RateCell, run=run_rate, plot=plot_rate,
             grid=lambda p: [{"rate": r} for r in p.rates], sweeps={"rate": "rates"})
SIZE = Study("sizes", cell=SizeCell, run=run_size, grid=lambda p: [{"size": s} for s in p.sizes])
DEMO = Scenario("demo_studies", "Two studies.", params=Settings, studies=(RATE, SIZE), quick={"n": 5})


def test_cells_carry_the_study_and_only_its_fields():
    p = DEMO.make_params({})
    assert DEMO.cells(p) == [{"study": "rates", "rate": 0.5}, {"study": "rates", "rate": 2.0},
                             {"study": "sizes", "size": 1}, {"study": "sizes", "size": 3}]


def test_a_cell_takes_grid_values_then_scenario_parameters_then_defaults():
    p = DEMO.make_params({"n": "7"}, quick=True)
    assert DEMO.cell_params(p, {"study": "rates", "rate": 2.0}) == RateCell(n=7, rate=2.0)
    assert DEMO.cell_params(p, {"study": "sizes", "size": 3}) == SizeCell(size=3, label="default")


def test_run_cell_dispatches_to_the_study_without_a_switch():
    p = DEMO.make_params({})
    rows = DEMO.run_cell(p, {"study": "sizes", "size": 3}, np.random.default_rng(0))
    assert rows == [{"metric": "size", "value": 3.0}, {"metric": "label_len", "value": 7.0}]
    a = DEMO.run_cell(p, {"study": "rates", "rate": 2.0}, np.random.default_rng(1))
    b = run_rate(RateCell(n=20, rate=2.0), np.random.default_rng(1))
    assert a == b


def test_setting_a_field_the_grid_sets_names_the_sweep_parameter():
    with pytest.raises(ValidationError, match="rate is set per cell by the grid of study 'rates'; set rates"):
        DEMO.make_params({"rate": "0.9"})
    with pytest.raises(ValidationError, match="size is a cell parameter of study 'sizes'"):
        DEMO.make_params({"size": "2"})
    with pytest.raises(UnknownNameError, match="no parameter 'bogus'"):
        DEMO.make_params({"bogus": "1"})


def test_an_invalid_cell_is_a_package_error_naming_the_field():
    p = DEMO.make_params({"rates": "0.5,-1"})
    with pytest.raises(ValidationError, match="rate"):
        DEMO.cell_params(p, DEMO.cells(p)[1])


def test_figures_are_drawn_per_study_from_its_own_rows(tmp_path):
    rows = [{"scenario": "demo_studies", "cell": 0, "study": "rates", "rate": 0.5, "rep": 0, "metric": "mean",
             "value": 1.0},
            {"scenario": "demo_studies", "cell": 2, "study": "sizes", "size": 1, "rep": 0, "metric": "size",
             "value": 1.0}]
    drawn.clear()
    assert DEMO.has_figures
    assert DEMO.make_figures(Results(rows), tmp_path) == ["rate.png"]
    assert drawn == [("rate", ["rates"])]


def test_bad_declarations_are_refused():
    with pytest.raises(InputTypeError, match="identifier"):
        Study("two words", cell=RateCell, run=run_rate)
    with pytest.raises(ValidationError, match="not a field"):
        Study("s", cell=RateCell, run=run_rate, sweeps={"size": "sizes"})
    with pytest.raises(InputTypeError, match="distinct"):
        Scenario("x", "d", params=Settings, studies=(RATE, RATE))
    with pytest.raises(InputTypeError, match="not both"):
        Scenario("x", "d", params=Settings, studies=(RATE,), run=run_rate)
    with pytest.raises(UnknownNameError, match="quick sets 'm'"):
        Scenario("x", "d", params=Settings, studies=(RATE,), quick={"m": 1})
    bad_grid = Study("g", cell=SizeCell, run=run_size, grid=lambda p: [{"rate": 1.0}])
    with pytest.raises(StratsimError, match="sets 'rate'"):
        Scenario("x", "d", params=Settings, studies=(bad_grid,)).cells(Settings())


def test_run_if_main_does_nothing_on_import():
    assert DEMO.run_if_main("scenarios.demo") is None
