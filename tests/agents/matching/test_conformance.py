"""The registered-policy contract, run over this package's learners."""

import inspect

import numpy as np
import pytest

import agents.matching  # noqa: F401  registers the learners
from sim.errors import StratsimError
from sim.policy import Policy
from sim.registry import load_policy, policies

NAMES = [n for n in policies.names() if n.startswith(("match.", "match_ntu."))]


def test_every_learner_is_registered():
    assert set(NAMES) == {"match.ucb", "match.ucb_typed", "match.ucb_linear", "match.etc", "match.eps_greedy",
                          "match.thompson", "match_ntu.ucb", "match_ntu.etc"}


def _build(name, seed):
    cls = policies.get(name)
    kwargs = {"rng": seed} if "rng" in inspect.signature(cls).parameters else {}
    return load_policy(name, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_contract(name):
    policy = load_policy(name)
    assert isinstance(policy, Policy)
    assert policy.domain in ("matching", "matching_ntu")
    with pytest.raises(StratsimError):
        policy.decide(object())
    with pytest.raises(StratsimError):
        policy.update(object())
    obs = type(policy).example_observation(np.random.default_rng(1))
    a = _build(name, 3).decide(obs)
    b = _build(name, 3).decide(obs)
    assert repr(a) == repr(b)
