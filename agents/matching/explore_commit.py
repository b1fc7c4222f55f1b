r"""Explore-then-commit's schedule, once for every learner that uses it.

An explore-then-commit learner spends its first ``explore`` rounds on
round-robin exploration: in round :math:`s` (counted from 0), agent :math:`i`
of the proposing side meets partner :math:`(i + s) \bmod N`, where :math:`N`
is the larger side's size, so after every :math:`N` rounds each pair has met
once. From round ``explore`` on it plays the outcome computed, once, from its
estimates at the end of exploration (the *commitment*), and keeps playing it.

Used by :class:`agents.matching.ExploreThenCommit` (with transfers; its
compiled decision kernel calls these kernels) and
:class:`agents.matching.NTUExploreThenCommit` (deferred acceptance).

Examples
--------
>>> import numpy as np
>>> [int(phase(s, 2, s > 2)) for s in range(5)]
[0, 0, 1, 2, 2]
>>> round_robin(np.arange(3), 1, 4).tolist()
[1, 2, 3]
"""

from __future__ import annotations

import numpy as np

from markets.jit import jit

__all__ = ["COMMIT", "COMMITTED", "EXPLORE", "phase", "round_robin"]

#: phases returned by :func:`phase`
EXPLORE, COMMIT, COMMITTED = 0, 1, 2


@jit
def phase(step, explore, committed):
    """The phase of round ``step`` (0-based) of ``explore`` exploration rounds.

    Returns
    -------
    int
        :data:`EXPLORE` (play :func:`round_robin` with shift ``step``),
        :data:`COMMIT` (compute the commitment now and keep it) or
        :data:`COMMITTED` (play the kept commitment), given whether one is kept.
    """
    if step < explore:
        return EXPLORE
    return COMMITTED if committed else COMMIT


@jit
def round_robin(ids, shift, size):
    """The partner ids ``(ids + shift) mod size`` of exploration round ``shift``."""
    out = np.empty(ids.size, np.int64)
    for a in range(ids.size):
        out[a] = (ids[a] + shift) % size
    return out
