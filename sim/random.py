"""Seeded randomness: one root :class:`numpy.random.SeedSequence`, named streams.

No stratsim code touches numpy's or Python's global random state. A simulation
derives every stream it needs from one root seed by *name*, so adding a new
stream never shifts the numbers an existing stream produces.

A sweep task ``(cell, rep)`` gets ``SeedSequence(entropy, spawn_key=(cell, rep))``,
which depends on nothing but the root entropy and the task's coordinates: results
are identical whatever the backend, the worker count or the completion order.

Examples
--------
>>> from sim.random import RandomStreams, make_rng
>>> streams = RandomStreams(42)
>>> a = streams["arrivals"].random()
>>> bool(a == RandomStreams(42)["arrivals"].random())
True
>>> bool(make_rng(7).integers(100) == make_rng(7).integers(100))
True
"""

from __future__ import annotations

import zlib

import numpy as np

from .errors import InputTypeError, ValidationError

__all__ = ["RandomStreams", "make_rng", "make_seed_sequence", "task_seed_sequence"]


def make_seed_sequence(seed) -> np.random.SeedSequence:
    """Return a :class:`~numpy.random.SeedSequence` from an int or a SeedSequence."""
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise InputTypeError(
            f"seed must be a non-negative integer or a numpy SeedSequence, got {seed!r}"
        )
    if seed < 0:
        raise ValidationError(f"seed must be >= 0, got {seed}")
    return np.random.SeedSequence(int(seed))


def make_rng(seed) -> np.random.Generator:
    """Return a :class:`~numpy.random.Generator`.

    A Generator passes through unchanged (so callers can share one); an int or a
    SeedSequence seeds a fresh PCG64 generator.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(make_seed_sequence(seed))


def task_seed_sequence(entropy: int, cell: int, rep: int) -> np.random.SeedSequence:
    """The seed of sweep task ``(cell, rep)``: ``SeedSequence(entropy, spawn_key=(cell, rep))``."""
    return np.random.SeedSequence(int(entropy), spawn_key=(int(cell), int(rep)))


def _name_key(name: str) -> int:
    # crc32 is stable across processes and Python versions (unlike hash()).
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Independent random generators derived by name from one root seed.

    Parameters
    ----------
    seed : int or numpy.random.SeedSequence
        The root seed.

    Examples
    --------
    >>> streams = RandomStreams(0)
    >>> streams["service"] is streams["service"]
    True
    >>> float(streams["service"].random()) != float(RandomStreams(0)["arrivals"].random())
    True
    """

    def __init__(self, seed):
        self.root = make_seed_sequence(seed)
        self._streams: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The SeedSequence of stream ``name`` (a child of the root)."""
        if not isinstance(name, str) or not name:
            raise InputTypeError(f"stream name must be a non-empty string, got {name!r}")
        return np.random.SeedSequence(
            self.root.entropy, spawn_key=tuple(self.root.spawn_key) + (_name_key(name),)
        )

    def __getitem__(self, name: str) -> np.random.Generator:
        try:
            return self._streams[name]
        except KeyError:
            gen = self._streams[name] = np.random.default_rng(self.seed_sequence(name))
            return gen

    def __repr__(self):
        return f"RandomStreams(entropy={self.root.entropy}, spawn_key={self.root.spawn_key})"
