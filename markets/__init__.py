"""The economics: markets with transfers, certified stable outcomes, instability, NTU matching.

Public API (see each module's docstring for the mathematics):

* :func:`stable_outcome`, :class:`Outcome`, :func:`outcome_from_transfers`,
  :func:`outcome_from_payoffs`, :func:`as_market`, :class:`Market`
* :func:`is_stable`, :func:`blocking_pairs`
* :func:`subset_instability`
* :func:`core_extremes`, :func:`marginal_contributions`
* :func:`verify_outcome`, :func:`check_certificate` (independent checker)
* :func:`deferred_acceptance`, :func:`ntu_blocking_pairs`, :func:`ntu_is_stable`
* :mod:`markets.lp` (cvxpy formulations), :mod:`markets.strategies` (hypothesis
  strategies), :mod:`markets.io` (OR-Library reader),
  :func:`markets.assignment.solve_assignment` (lean, unvalidated hot-loop solver)
"""

from .assignment import available_backends, solve_assignment
from .certificate import check_certificate, verify_outcome
from .core import CoreExtremes, core_extremes, marginal_contributions
from .market import Market, as_market
from .outcome import Outcome, outcome_from_payoffs, outcome_from_transfers
from .instability import InstabilityCertificate, subset_instability
from .solve import stable_outcome
from .stability import blocking_pairs, irrational_agents, is_stable

__all__ = [
    "stable_outcome",
    "is_stable",
    "blocking_pairs",
    "irrational_agents",
    "subset_instability",
    "InstabilityCertificate",
    "Outcome",
    "outcome_from_transfers",
    "outcome_from_payoffs",
    "Market",
    "as_market",
    "core_extremes",
    "CoreExtremes",
    "marginal_contributions",
    "verify_outcome",
    "check_certificate",
    "solve_assignment",
    "available_backends",
]
