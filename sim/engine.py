"""The discrete-event engine: a thin, strict layer over SimPy.

A :class:`Simulation` owns a :class:`simpy.Environment`, a set of named random
streams derived from one seed (:class:`~sim.random.RandomStreams`) and a
:class:`~sim.recorder.Recorder` stamped with the simulation clock. Models are
ordinary SimPy processes (generator functions that ``yield`` events).

Examples
--------
An M/M/1 queue in a few lines:

>>> import simpy
>>> from sim.engine import Simulation
>>> sim = Simulation(rng=1)
>>> server = simpy.Resource(sim.env, capacity=1)
>>> def customer():
...     arrived = sim.now
...     with server.request() as req:
...         yield req
...         yield sim.timeout(sim.rng("service").exponential(1.0))
...     sim.record("response_time", sim.now - arrived)
>>> def arrivals():
...     while True:
...         yield sim.timeout(sim.rng("arrivals").exponential(2.0))
...         sim.process(customer())
>>> _ = sim.process(arrivals())
>>> sim.run(until=2000.0)
>>> 1.0 < sim.recorder.mean("response_time") < 3.0
True
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
import simpy
from numpy.typing import ArrayLike

from .errors import ValidationError
from .random import RandomStreams, RngLike
from .recorder import Recorder
from .validate import check_real

__all__ = ["Simulation"]


class Simulation:
    """A seeded discrete-event simulation with metric recording.

    Parameters
    ----------
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
        Root of every random stream of this simulation (see
        :func:`sim.random.as_seed_sequence`).
    initial_time : float
        Start time of the clock.
    """

    def __init__(self, rng: RngLike = 0, *, initial_time: float = 0.0) -> None:
        initial_time = check_real("initial_time", initial_time)
        streams = RandomStreams(rng)  # validates rng before anything is built
        self.env = simpy.Environment(initial_time)
        self.streams = streams
        self.recorder = Recorder(clock=lambda: self.env.now)

    @property
    def now(self) -> float:
        """The current simulation time."""
        return self.env.now

    def rng(self, name: str) -> np.random.Generator:
        """The random generator of stream ``name`` (created on first use)."""
        return self.streams[name]

    def process(self, generator: Generator[simpy.Event, Any, Any]) -> simpy.Process:
        """Start a SimPy process from a generator; returns the :class:`simpy.Process`."""
        return self.env.process(generator)

    def timeout(self, delay: float, value: Any = None) -> simpy.Timeout:
        """An event that fires ``delay`` time units from now (SimPy refuses negative delays)."""
        return self.env.timeout(delay, value)

    def event(self) -> simpy.Event:
        """A new untriggered SimPy event."""
        return self.env.event()

    def record(self, metric: str, value: ArrayLike) -> None:
        """Record ``value`` for ``metric`` at the current simulation time."""
        self.recorder.record(metric, value)

    def run(self, until: float | simpy.Event | None = None) -> None:
        """Run until the time ``until``, an event, or (``None``) no events remain."""
        if until is not None and not isinstance(until, simpy.Event):
            until = check_real("until", until)
            if until <= self.env.now:
                raise ValidationError(f"until must be after the current time {self.env.now}, got {until}")
        self.env.run(until=until)

    def __repr__(self) -> str:
        return f"Simulation(now={self.now}, streams={self.streams!r})"
