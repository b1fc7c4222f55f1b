"""A scenario that needs an optional extra: a clear error when run alone, skipped by the quickstart."""

from __future__ import annotations

import importlib.util

import pytest

from sim.cli import main
from sim.errors import MissingExtraError
from sim.registry import scenarios
from sim.runner import run_scenario

_real_find_spec = importlib.util.find_spec


@pytest.fixture
def no_gymnasium(monkeypatch):
    """Pretend gymnasium is not installed (as after ``pip install -e .`` without the rl extra)."""
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "gymnasium" else _real_find_spec(name, *a))


def test_rl_user_declares_the_rl_extra():
    assert scenarios.get("rl_user").requires["gymnasium"] == "rl"
    assert scenarios.get("mm1").missing_extras() == []


def test_running_a_scenario_without_its_extra_names_the_install_command(no_gymnasium, tmp_path):
    with pytest.raises(MissingExtraError, match=r'pip install "stratsim\[rl\]"'):
        run_scenario("rl_user", tmp_path / "rl", quick=True, backend="serial")
    assert not (tmp_path / "rl").exists()  # refused before anything is written


def test_quickstart_skips_a_scenario_whose_extra_is_missing(no_gymnasium, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(scenarios, "names", lambda: ["rl_user"])
    assert main(["run", "quickstart", "--out", str(tmp_path), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert 'rl_user: skipped: needs the optional extra \'rl\' (pip install "stratsim[rl]")' in out
    assert "quickstart: 0 scenarios" in out
    assert not (tmp_path / "rl_user").exists()
