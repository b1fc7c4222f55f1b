"""stratsim's engine: event loop, seeded randomness, recording, sweeps, plotting, CLI.

This package imports nothing from ``markets``, ``agents`` or ``scenarios``.

Examples
--------
>>> from sim import Simulation
>>> sim = Simulation(rng=3)
>>> def ticker():
...     while True:
...         sim.record("tick", sim.now)
...         yield sim.timeout(1.0)
>>> _ = sim.process(ticker())
>>> sim.run(until=3.5)
>>> sim.recorder.values("tick").tolist()
[0.0, 1.0, 2.0, 3.0]
"""

from typing import Any

from ._version import __version__
from .engine import Simulation
from .environment import Environment, Rollout, Step, rollout
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
from .policy import FunctionPolicy, Policy, PolicySpec, as_policy
from .random import RandomStreams, RngLike, as_seed_sequence, make_rng, spawn, task_seed_sequence
from .recorder import Recorder
from .registry import (
    check_policy_name,
    get_scenario,
    load_policy,
    make_policy,
    policies,
    register_policy,
    scenarios,
)
from .results import Results, mean_ci
from .scenario import Scenario, Study

_FRAMES = ("load_results", "load_summary")


def __getattr__(name: str) -> Any:
    # sim.frames imports pandas (about half a second): load it on first use, not with `import sim`
    if name in _FRAMES:
        from . import frames

        return getattr(frames, name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_FRAMES})


__all__ = [
    "BackendError",
    "CertificateError",
    "Environment",
    "FunctionPolicy",
    "InputTypeError",
    "Policy",
    "PolicyError",
    "PolicySpec",
    "RandomStreams",
    "RngLike",
    "Recorder",
    "Results",
    "ResultsMismatchError",
    "Rollout",
    "Scenario",
    "Simulation",
    "Step",
    "StratsimError",
    "Study",
    "UnknownNameError",
    "ValidationError",
    "__version__",
    "as_policy",
    "as_seed_sequence",
    "check_policy_name",
    "get_scenario",
    "load_policy",
    "load_results",
    "load_summary",
    "make_policy",
    "make_rng",
    "mean_ci",
    "policies",
    "register_policy",
    "rollout",
    "scenarios",
    "spawn",
    "task_seed_sequence",
]
