"""This package's learners are all registered, in their domains, and refuse foreign feedback.

The generic registered-policy contract runs over them in tests/sim/test_registry_policy.py.
"""

import pytest

import agents.matching  # noqa: F401  registers the learners
from sim.errors import StratsimError
from sim.registry import load_policy, policies

NAMES = [n for n in policies.names() if n.startswith(("match.", "match_ntu."))]


def test_every_learner_is_registered():
    assert set(NAMES) == {"match.ucb", "match.ucb_typed", "match.ucb_linear", "match.etc", "match.eps_greedy",
                          "match.thompson", "match_ntu.ucb", "match_ntu.etc"}


@pytest.mark.parametrize("name", NAMES)
def test_learners_refuse_foreign_feedback(name):
    # the generic contract (tests/sim/test_registry_policy.py) covers decide; learners also learn
    policy = load_policy(name)
    assert policy.domain in ("matching", "matching_ntu")
    with pytest.raises(StratsimError):
        policy.update(object())
