"""The economics: markets with transfers, certified stable outcomes, instability, NTU matching.

Public API (each module's docstring states the mathematics):

* :func:`stable_outcome`, :class:`Outcome`, :func:`outcome_from_transfers`,
  :func:`outcome_from_payoffs`, :func:`as_market`, :class:`Market`,
  :class:`SparseMarket` (scipy.sparse and networkx input: edges only)
* :func:`is_stable`, :func:`blocking_pairs`, :func:`irrational_agents`
* :func:`subset_instability`
* :func:`core_extremes`, :func:`marginal_contributions`
* :func:`verify_outcome`, :func:`check_certificate` (the independent checker)
* :func:`deferred_acceptance`, :func:`ntu_blocking_pairs`, :func:`ntu_is_stable`
* :func:`read_orlib_assignment`
* :mod:`markets.lp` (cvxpy formulations), :mod:`markets.strategies`
  (hypothesis strategies; needs hypothesis), :mod:`markets.validation` (the
  shared checks: tolerances, float64 headroom, the memory guard and
  :func:`markets.validation.memory_limit`), and :func:`solve_assignment`
  (lean solver for hot loops: checks type and finiteness, converts nothing).
"""

from .assignment import available_backends, solve_assignment
from .certificate import check_certificate, verify_outcome
from .core import CoreExtremes, core_extremes, marginal_contributions
from .instability import InstabilityCertificate, subset_instability
from .io import read_orlib_assignment
from .market import Market, SparseMarket, as_market
from .ntu import deferred_acceptance, ntu_blocking_pairs, ntu_is_stable
from .outcome import Outcome, outcome_from_payoffs, outcome_from_transfers
from .solve import stable_outcome
from .stability import blocking_pairs, irrational_agents, is_stable

__all__ = [
    "stable_outcome",
    "Outcome",
    "outcome_from_transfers",
    "outcome_from_payoffs",
    "Market",
    "SparseMarket",
    "as_market",
    "is_stable",
    "blocking_pairs",
    "irrational_agents",
    "subset_instability",
    "InstabilityCertificate",
    "core_extremes",
    "CoreExtremes",
    "marginal_contributions",
    "verify_outcome",
    "check_certificate",
    "deferred_acceptance",
    "ntu_blocking_pairs",
    "ntu_is_stable",
    "read_orlib_assignment",
    "solve_assignment",
    "available_backends",
]
