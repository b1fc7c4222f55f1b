"""stratsim's engine: event loop, seeded randomness, recording, sweeps, plotting, CLI.

This package imports nothing from ``markets``, ``agents`` or ``scenarios``.

Examples
--------
>>> from sim import Simulation
>>> sim = Simulation(seed=3)
>>> def ticker():
...     while True:
...         sim.record("tick", sim.now)
...         yield sim.timeout(1.0)
>>> _ = sim.process(ticker())
>>> sim.run(until=3.5)
>>> sim.recorder.values("tick").tolist()
[0.0, 1.0, 2.0, 3.0]
"""

from .engine import Simulation
from .errors import (
    BackendError,
    CertificateError,
    InputTypeError,
    PolicyError,
    ResultsMismatchError,
    StratsimError,
    UnknownNameError,
    ValidationError,
)
from .policy import FunctionPolicy, Policy, as_policy
from .random import RandomStreams, make_rng, task_seed_sequence
from .recorder import Recorder
from .registry import get_scenario, load_policy, policies, register_policy, scenarios
from .results import Results, mean_ci
from .scenario import Scenario

__version__ = "0.1.0"

__all__ = [
    "BackendError",
    "CertificateError",
    "FunctionPolicy",
    "InputTypeError",
    "Policy",
    "PolicyError",
    "RandomStreams",
    "Recorder",
    "Results",
    "ResultsMismatchError",
    "Scenario",
    "Simulation",
    "StratsimError",
    "UnknownNameError",
    "ValidationError",
    "__version__",
    "as_policy",
    "get_scenario",
    "load_policy",
    "make_rng",
    "mean_ci",
    "policies",
    "register_policy",
    "scenarios",
    "task_seed_sequence",
]
