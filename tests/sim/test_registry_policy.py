import numpy as np
import pytest

import agents  # noqa: F401  registers every policy
from sim.errors import PolicyError, StratsimError, UnknownNameError, ValidationError
from sim.policy import Policy, as_policy
from sim.registry import Registry, load_policy, policies


def test_unknown_names_suggest_close_matches():
    reg = Registry("thing")
    reg.register("alpha", object())
    with pytest.raises(UnknownNameError, match="did you mean alpha"):
        reg.get("alpah")


def test_duplicate_registration_is_refused():
    reg = Registry("thing")
    reg.register("x", 1)
    with pytest.raises(ValidationError, match="already registered"):
        reg.register("x", 2)


def test_policy_hooks_are_called_through_the_public_methods():
    class Checked(Policy):
        def _check_observation(self, observation):
            if observation < 0:
                raise ValidationError(f"observation must be >= 0, got {observation}")

        def _decide(self, observation):
            return -1 if observation > 10 else observation

        def _check_decision(self, observation, decision):
            if decision < 0:
                raise self._invalid(f"returned {decision} for {observation}")

    p = Checked()
    assert p.decide(3) == 3
    with pytest.raises(ValidationError, match="observation"):
        p.decide(-1)
    with pytest.raises(PolicyError, match="Checked"):
        p.decide(11)


def test_plain_functions_become_policies():
    assert as_policy(abs).decide(-2) == 2
    with pytest.raises(TypeError):
        as_policy(3)


# ---- conformance over every registered policy (OpenSpiel-style) ---------------------------
POLICY_NAMES = policies.names()


def _build(name, seed):
    cls = policies.get(name)
    import inspect

    kwargs = {"rng": seed} if "rng" in inspect.signature(cls).parameters else {}
    return load_policy(name, **kwargs)


@pytest.mark.skipif(not POLICY_NAMES, reason="no policy registered yet")
@pytest.mark.parametrize("name", POLICY_NAMES or ["-"])
def test_registered_policy_conformance(name):
    policy = _build(name, 0)
    assert isinstance(policy, Policy)
    assert isinstance(policy.domain, str) and policy.domain and policy.domain != "generic"
    for bad in (object(), None):
        with pytest.raises(StratsimError):
            policy.decide(bad)
    for seed in range(5):  # several example observations: same seed, same decision
        obs = type(policy).example_observation(np.random.default_rng(seed))
        a = _build(name, 3).decide(obs)
        b = _build(name, 3).decide(obs)
        assert repr(a) == repr(b)


def test_some_policies_are_registered():
    # The issues ship policies in every domain; an empty registry means `import agents` broke.
    assert POLICY_NAMES, "import agents registered no policy"
