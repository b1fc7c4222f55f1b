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
from collections.abc import Sequence

import numpy as np

from .errors import InputTypeError, ValidationError

__all__ = [
    "RandomStreams",
    "RngLike",
    "as_seed_sequence",
    "make_rng",
    "make_seed_sequence",
    "spawn",
    "task_seed_sequence",
]


#: What every ``rng=`` argument accepts: anything :func:`numpy.random.default_rng`
#: accepts (None, an int >= 0, a sequence of them, a SeedSequence, a BitGenerator,
#: a Generator). A type alias for annotations.
RngLike = None | int | Sequence[int] | np.random.SeedSequence | np.random.BitGenerator | np.random.Generator


def as_seed_sequence(rng: RngLike) -> np.random.SeedSequence:
    """The :class:`~numpy.random.SeedSequence` behind ``rng``.

    Parameters
    ----------
    rng : int, sequence of int, SeedSequence, Generator or None
        Anything :func:`numpy.random.default_rng` accepts. An int (>= 0) or a
        sequence of them seeds a new SeedSequence; a SeedSequence passes
        through; a Generator gives a child spawned from its own SeedSequence
        (``SeedSequence.spawn``, so repeated calls give independent children);
        ``None`` draws fresh entropy from the operating system.

    Examples
    --------
    >>> as_seed_sequence(7).entropy
    7
    >>> as_seed_sequence(-1)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: rng must be >= 0, got -1
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if rng is None:
        return np.random.SeedSequence()
    if isinstance(rng, np.random.Generator):
        seq = getattr(rng.bit_generator, "seed_seq", None)
        if not isinstance(seq, np.random.SeedSequence):
            raise InputTypeError(f"rng must be a Generator built from a SeedSequence, got {rng!r}")
        return seq.spawn(1)[0]
    if isinstance(rng, (bool, np.bool_)):
        raise InputTypeError(f"rng must be a Generator, a SeedSequence or a non-negative int, got {rng!r}")
    if isinstance(rng, (int, np.integer)):
        if rng < 0:
            raise ValidationError(f"rng must be >= 0, got {rng}")
        return np.random.SeedSequence(int(rng))
    if isinstance(rng, (list, tuple, np.ndarray)):
        try:
            values = np.asarray(rng)
        except (ValueError, TypeError):  # ragged nesting
            raise ValidationError(f"rng as a sequence must hold non-negative ints, got {rng!r}") from None
        if values.ndim != 1 or values.dtype.kind not in "iu" or (values.size and values.min() < 0):
            raise ValidationError(f"rng as a sequence must hold non-negative ints, got {rng!r}")
        return np.random.SeedSequence([int(v) for v in values])
    raise InputTypeError(f"rng must be a Generator, a SeedSequence or a non-negative int, got {rng!r}")


#: Former name of :func:`as_seed_sequence`.
make_seed_sequence = as_seed_sequence


def make_rng(rng: RngLike) -> np.random.Generator:
    """Return a :class:`~numpy.random.Generator` for ``rng``.

    A Generator passes through unchanged (so callers can share one); anything
    else :func:`as_seed_sequence` accepts seeds a fresh PCG64 generator.

    Examples
    --------
    >>> bool(make_rng(7).integers(100) == make_rng(7).integers(100))
    True
    >>> g = make_rng(1)
    >>> make_rng(g) is g
    True
    """
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(as_seed_sequence(rng))


def spawn(rng: RngLike, n: int) -> list[np.random.Generator]:
    """``n`` independent child generators of ``rng`` (by ``SeedSequence.spawn``).

    This is the one way stratsim derives child streams (never by drawing a
    seed from a generator). Spawning from a Generator does not consume its
    random numbers, and the k-th call gives the same children for the same seed.

    Examples
    --------
    >>> a, b = spawn(3, 2)
    >>> c, d = spawn(3, 2)
    >>> bool(a.random() == c.random()), bool(b.random() == d.random())
    (True, True)
    """
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 0:
        raise ValidationError(f"n must be a non-negative int, got {n!r}")
    if isinstance(rng, np.random.Generator):
        return list(rng.spawn(int(n)))
    return [np.random.default_rng(s) for s in as_seed_sequence(rng).spawn(int(n))]


def task_seed_sequence(entropy: int | np.random.SeedSequence, cell: int, rep: int) -> np.random.SeedSequence:
    """The seed of sweep task ``(cell, rep)``: ``SeedSequence(entropy, spawn_key=(cell, rep))``.

    ``entropy`` is the root entropy (an int) or the sweep's root SeedSequence,
    whose spawn key then prefixes ``(cell, rep)`` (for a root built from an int
    the two are the same seed).
    """
    if isinstance(entropy, np.random.SeedSequence):
        return np.random.SeedSequence(entropy.entropy, spawn_key=(*entropy.spawn_key, int(cell), int(rep)),
                                      pool_size=entropy.pool_size)
    return np.random.SeedSequence(int(entropy), spawn_key=(int(cell), int(rep)))


def _name_key(name: str) -> int:
    # crc32 is stable across processes and Python versions (unlike hash()).
    return zlib.crc32(name.encode("utf-8"))


class RandomStreams:
    """Independent random generators derived by name from one root seed.

    Parameters
    ----------
    rng : int, SeedSequence or Generator
        The root (see :func:`as_seed_sequence`).

    Examples
    --------
    >>> streams = RandomStreams(0)
    >>> streams["service"] is streams["service"]
    True
    >>> float(streams["service"].random()) != float(RandomStreams(0)["arrivals"].random())
    True
    """

    def __init__(self, rng: RngLike = 0) -> None:
        self.root = as_seed_sequence(rng)
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

    def __repr__(self) -> str:
        return f"RandomStreams(entropy={self.root.entropy}, spawn_key={self.root.spawn_key})"
