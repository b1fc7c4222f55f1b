r"""What a matching platform sees, decides and learns from in one round.

A round of the bandit matching protocol (Jagadeesan et al. 2021):

1. the platform observes which agents are present (:class:`MatchingObservation`:
   the ids of the customers and of the providers who arrived);
2. it decides an outcome :math:`(X_t, \tau_t)` (:class:`MatchingDecision`): a
   matching of present agents and, on each matched pair, a payment from the
   customer to the provider (transfers are zero-sum by construction);
3. every matched agent observes its utility for its partner plus noise
   (:class:`MatchingFeedback`), and the platform learns from it.

Positions, not ids, index a decision: ``matching[k] = (r, c)`` pairs
``observation.customers[r]`` with ``observation.providers[c]``, so the same
decision format serves learners whose ids are individual agents and learners
whose ids are agent *types* (several present agents may share a type).

Examples
--------
>>> obs = MatchingObservation([0, 2], [1])
>>> obs.customers.tolist(), obs.providers.tolist(), obs.shape
([0, 2], [1], (2, 1))
>>> MatchingObservation([0, 0], [1]).unique
False
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from markets.validation import check_memory
from sim.errors import InputTypeError, ValidationError
from sim.validate import check_int

__all__ = ["MatchingObservation", "MatchingDecision", "MatchingFeedback", "NTUObservation", "NTUFeedback"]


def _ids(name, value):
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError):  # ragged or otherwise not an array
        raise InputTypeError(f"{name} must be a 1-D array of integer agent ids, got {value!r:.80}") from None
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    if arr.dtype == object or arr.dtype.kind not in "iu":
        raise InputTypeError(f"{name} must be a 1-D array of integer agent ids, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValidationError(f"{name} must be 1-dimensional, got shape {arr.shape}")
    if arr.min() < 0:
        raise ValidationError(f"{name} must hold non-negative ids, got {int(arr.min())}")
    return arr.astype(np.int64, copy=False)


class MatchingObservation:
    """The agents present in a round.

    Parameters
    ----------
    customers, providers : array_like of int
        Ids of the present customers and providers (in the learner's id space).

    Attributes
    ----------
    unique : bool
        No id repeats (required by learners that track individual agents).
    dense : bool
        ``customers == arange(len(customers))`` and likewise for providers: the
        whole population is present in order (the learners' fast path).
    """

    __slots__ = ("customers", "providers", "unique", "dense", "max_ids")

    def __init__(self, customers: ArrayLike, providers: ArrayLike) -> None:
        c = _ids("customers", customers)
        p = _ids("providers", providers)
        self._set(c, p)

    def _set(self, c, p):
        self.customers = c
        self.providers = p
        self.unique = len(np.unique(c)) == len(c) and len(np.unique(p)) == len(p)
        self.dense = bool(np.array_equal(c, np.arange(len(c))) and np.array_equal(p, np.arange(len(p))))
        self.max_ids = (int(c.max()) if len(c) else -1, int(p.max()) if len(p) else -1)

    @classmethod
    def full(cls, m: int, n: int) -> MatchingObservation:
        """Everyone present: customers ``0..m-1``, providers ``0..n-1``."""
        m = check_int("m", m, low=0)
        n = check_int("n", n, low=0)
        # the ids, and the arrays the uniqueness and density checks build from them
        check_memory("m, n", (m, n), 8 * (m + n) * 4, what="the observation's ids")
        self = object.__new__(cls)
        self._set(np.arange(m, dtype=np.int64), np.arange(n, dtype=np.int64))
        return self

    @property
    def shape(self) -> tuple[int, int]:
        """``(present customers, present providers)``."""
        return (len(self.customers), len(self.providers))

    def __repr__(self):
        return f"MatchingObservation(customers={self.customers.tolist()}, providers={self.providers.tolist()})"


class MatchingDecision(NamedTuple):
    """An outcome :math:`(X, \\tau)` on the present agents, with the learner's own payoffs.

    Attributes
    ----------
    matching : ndarray of int64, shape (k, 2)
        ``(r, c)`` positions into the observation's customers and providers.
    transfers : ndarray, shape (k,)
        Payment from the customer to the provider of each pair
        (:math:`\\tau_j = t_k = -\\tau_i`: zero-sum on every pair).
    customer_payoffs, provider_payoffs : ndarray
        The payoffs the learner *predicts* under the utilities it decided on
        (for MatchUCB, the optimistic ones), one per present agent.
    """

    matching: np.ndarray
    transfers: np.ndarray
    customer_payoffs: np.ndarray
    provider_payoffs: np.ndarray


class MatchingFeedback(NamedTuple):
    """Semi-bandit feedback: each matched agent's noisy utility for its partner.

    Attributes
    ----------
    observation : MatchingObservation
        The round's observation (to map positions back to ids).
    matching : ndarray of int64, shape (k, 2)
        The played matching (positions).
    customer_rewards, provider_rewards : ndarray, shape (k,)
        :math:`u_i(j) + \\varepsilon` and :math:`u_j(i) + \\varepsilon'` on each pair.
    """

    observation: MatchingObservation
    matching: np.ndarray
    customer_rewards: np.ndarray
    provider_rewards: np.ndarray


class NTUObservation(NamedTuple):
    """A round of the NTU market: the number of players and arms (all present)."""

    players: int
    arms: int


class NTUFeedback(NamedTuple):
    """Players' noisy rewards in an NTU round.

    Attributes
    ----------
    matching : ndarray of int64, shape (players,)
        Arm of each player, ``-1`` if unmatched.
    rewards : ndarray, shape (players,)
        Reward of each matched player (``nan`` for unmatched players).
    """

    matching: np.ndarray
    rewards: np.ndarray
