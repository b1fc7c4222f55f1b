"""The registered-policy contract, for every policy of agents.strategic (rec.* and user.*)."""

import inspect

import numpy as np
import pytest

import agents  # noqa: F401  registers every policy
from sim.errors import StratsimError
from sim.policy import Policy
from sim.registry import load_policy, policies

NAMES = [n for n in policies.names() if n.startswith(("rec.", "user."))]


def test_all_strategic_policies_are_registered():
    assert set(NAMES) >= {"rec.greedy", "rec.epsilon_greedy", "rec.softmax", "rec.ucb", "rec.trustworthy",
                          "user.naive", "user.strategic", "user.learning"}


def _build(name, seed):
    cls = policies.get(name)
    kwargs = {"rng": seed} if "rng" in inspect.signature(cls).parameters else {}
    return load_policy(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_conformance(name):
    policy = load_policy(name)  # sensible defaults
    assert isinstance(policy, Policy)
    assert policy.domain in ("recommender", "engagement")
    with pytest.raises(StratsimError):
        policy.decide(object())
    for seed in range(5):
        obs = type(policy).example_observation(np.random.default_rng(seed))
        a = _build(name, 3).decide(obs)
        b = _build(name, 3).decide(obs)
        assert repr(a) == repr(b)
