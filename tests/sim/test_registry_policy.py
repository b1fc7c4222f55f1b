import inspect

import numpy as np
import pytest

import agents  # noqa: F401  registers every policy
from sim.environment import rollout
from sim.errors import PolicyError, StratsimError, UnknownNameError, ValidationError
from sim.policy import Policy, PolicySpec, as_policy
from sim.registry import Registry, environments, example_environment, make_policy, policies


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
STEPS = 12


def _env(name, seed=0):
    return example_environment(policies.get(name).spec.domain, rng=seed)


def _build(name, env, seed):
    return make_policy(name, env, horizon=STEPS, rng=seed)


def test_some_policies_are_registered_and_every_domain_has_an_example_environment():
    # The issues ship policies in every domain; an empty registry means `import agents` broke.
    assert POLICY_NAMES, "import agents registered no policy"
    assert set(policies.domains()) <= set(environments.names())


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_registered_policy_conformance(name):
    cls = policies.get(name)
    spec = cls.spec
    assert isinstance(spec, PolicySpec) and spec.domain not in ("", "generic") and spec.label
    assert policies.describe(name), f"policy {name} has no one-line description"
    env = _env(name)
    policy = _build(name, env, 3)
    assert isinstance(policy, cls) and policy.domain == spec.domain
    # runs through the one rollout, deterministically for a fixed rng (policy's and environment's)
    a = rollout(_env(name), _build(name, _env(name), 3), STEPS, rng=1)
    b = rollout(_env(name), _build(name, _env(name), 3), STEPS, rng=1)
    assert a.steps == b.steps >= 1 and a.metric_names == b.metric_names and a.metric_names
    for metric in a.metric_names:
        np.testing.assert_array_equal(a[metric], b[metric], err_msg=f"{name}: metric {metric} differs")
    # garbage observations are refused with the package's errors
    for bad in (object(), None):
        with pytest.raises(StratsimError):
            _build(name, _env(name), 3).decide(bad)


@pytest.mark.parametrize("name", POLICY_NAMES)
def test_registered_policy_rejects_bad_parameters(name):
    env = _env(name)
    with pytest.raises(UnknownNameError, match="no parameter"):
        make_policy(name, env, horizon=STEPS, rng=0, no_such_parameter=1)
    signature = inspect.signature(policies.get(name))
    numeric = [p for p in signature.parameters.values()
               if isinstance(p.default, (int, float)) and not isinstance(p.default, bool)]
    for p in numeric:
        for bad in (float("nan"), "many"):
            kwargs = {"horizon": STEPS, "rng": 0, p.name: bad}
            with pytest.raises(StratsimError):
                make_policy(name, env, **kwargs)


def test_a_policy_of_another_domain_is_refused_by_name():
    env = example_environment("matching")
    other = next(n for n in POLICY_NAMES if policies.get(n).spec.domain != "matching")
    with pytest.raises(ValidationError, match="not 'matching'"):
        make_policy(other, env)
