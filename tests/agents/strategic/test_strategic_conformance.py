"""Every policy of agents.strategic (rec.* and user.*) is registered, in its domain.

The generic registered-policy contract runs over them in tests/sim/test_registry_policy.py.
"""

import pytest

import agents  # noqa: F401  registers every policy
from sim.registry import load_policy, policies

NAMES = [n for n in policies.names() if n.startswith(("rec.", "user."))]


def test_all_strategic_policies_are_registered():
    assert set(NAMES) >= {"rec.greedy", "rec.epsilon_greedy", "rec.softmax", "rec.ucb", "rec.trustworthy",
                          "user.naive", "user.strategic", "user.learning"}


@pytest.mark.parametrize("name", NAMES)
def test_domains(name):
    # the generic registered-policy contract (tests/sim/test_registry_policy.py) covers the rest
    assert load_policy(name).domain in ("recommender", "engagement")
