"""A learner from an outside package, found by its ``stratsim.policies`` entry point, runs in a shipped scenario.

The package is built in a temporary directory and put on the path of a
subprocess together with a hand-written ``*.dist-info`` (``METADATA`` and
``entry_points.txt``), which is all :mod:`importlib.metadata` needs to find the
entry point: nothing is installed into the environment.
"""

import csv
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sim.errors import StratsimError, ValidationError
from sim.registry import get_scenario

MODULE = '''
"""A greedy outside learner: pairs the k-th present customer with the k-th present provider, no transfers."""
import numpy as np

from agents.matching import MatchingDecision
from sim.policy import Policy, PolicySpec


class MyLearner(Policy):
    """Greedy by position (knows nothing, learns nothing)."""

    spec = PolicySpec("matching", label="my greedy learner")

    def __init__(self, customers=5, providers=5, horizon=1000):
        self.customers, self.providers, self.horizon = customers, providers, horizon

    def _decide(self, observation):
        m, n = observation.shape
        k = min(m, n)
        pairs = np.stack([np.arange(k), np.arange(k)], axis=1).astype(np.int64)
        return MatchingDecision(pairs, np.zeros(k), np.zeros(m), np.zeros(n))
'''


def _outside_package(root: Path) -> Path:
    (root / "mylearner.py").write_text(textwrap.dedent(MODULE))
    (root / "setup.cfg").write_text(textwrap.dedent("""\
        [metadata]
        name = mylearner
        version = 0.1

        [options]
        py_modules = mylearner

        [options.entry_points]
        stratsim.policies =
            my_learner = mylearner:MyLearner
        """))
    info = root / "mylearner-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mylearner\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[stratsim.policies]\nmy_learner = mylearner:MyLearner\n")
    return root


@pytest.mark.slow
def test_an_outside_learner_runs_in_the_shipped_regret_scenario_by_name(tmp_path):
    (tmp_path / "pkg").mkdir()
    pkg = _outside_package(tmp_path / "pkg")
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(pkg), *filter(None, [os.environ.get("PYTHONPATH")])]))
    cmd = [sys.executable, "-m", "sim.cli", "run", "matching_regret", "--quick", "--reps", "1", "--backend",
           "serial", "--no-progress", "--out", str(out),
           "--set", "learners=match.ucb,my_learner", "--set", "horizons=30,60", "--set", "size_learners=my_learner",
           "--set", "sizes=3", "--set", "structures=unstructured", "--set", "size_horizon=30"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    with open(out / "results.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    mine = [r for r in rows if r["learner"] == "my_learner"]
    assert {r["study"] for r in mine} == {"horizon", "size"}
    assert {int(r["T"]) for r in mine if r["study"] == "horizon"} == {30, 60}
    assert any(r["learner"] == "match.ucb" for r in rows)
    regret = [float(r["value"]) for r in mine if r["metric"] == "regret"]
    assert regret and all(v >= 0 for v in regret)


def test_an_unknown_or_wrong_domain_learner_is_refused_in_one_line_naming_the_domain():
    spec = get_scenario("matching_regret")
    with pytest.raises(StratsimError) as unknown:
        spec.make_params({"learners": "match.ucb,not_installed_learner"})
    message = str(unknown.value)
    assert "\n" not in message and "not_installed_learner" in message and "domain 'matching'" in message
    with pytest.raises(ValidationError) as other:
        spec.make_params({"learners": "match_ntu.etc"})
    message = str(other.value)
    assert "\n" not in message and "'matching_ntu'" in message and "not 'matching'" in message
