"""Every online policy of the registry obeys the registered-policy contract."""

import inspect

import numpy as np
import pytest

import agents  # noqa: F401  (registers the policies)
from agents.online.scheduling import SchedulingPolicy, check_allocation
from agents.online.ski import BuyDays, SkiRentalPolicy
from sim.errors import StratsimError
from sim.registry import load_policy, policies

NAMES = [n for n in policies.names() if n.startswith(("ski.", "sched."))]
PREDICTORS = policies.names("prediction")


def build(name, seed):
    kwargs = {"rng": seed} if "rng" in inspect.signature(policies.get(name)).parameters else {}
    return load_policy(name, **kwargs)


def test_all_online_policies_are_registered():
    assert set(NAMES) == {
        "ski.break_even", "ski.classical_randomized", "ski.purohit_deterministic", "ski.purohit_randomized",
        "sched.fcfs", "sched.rr", "sched.spjf", "sched.prr", "sched.two_stage", "sched.two_stage_overrun", "sched.srpt",
        "sched.spt"}
    assert set(PREDICTORS) == {"predict.exact", "predict.gaussian", "predict.multiplicative", "predict.learned",
                               "predict.adversarial_ski"}


@pytest.mark.parametrize("name", NAMES)
def test_registered_online_policy_conformance(name):
    policy = load_policy(name)
    assert policy.domain in ("ski_rental", "scheduling")
    assert isinstance(policy, SkiRentalPolicy if name.startswith("ski.") else SchedulingPolicy)
    for bad in (object(), None, 3.0):
        with pytest.raises(StratsimError):
            policy.decide(bad)
    for seed in range(5):
        obs = type(policy).example_observation(np.random.default_rng(seed))
        a, b = build(name, 3).decide(obs), build(name, 3).decide(obs)
        if name.startswith("ski."):
            assert isinstance(a, BuyDays) and a == b
        else:
            rates_a, recheck_a = check_allocation(a, obs.k, obs.time)
            rates_b, recheck_b = check_allocation(b, obs.k, obs.time)
            assert np.array_equal(rates_a, rates_b) and recheck_a == recheck_b
