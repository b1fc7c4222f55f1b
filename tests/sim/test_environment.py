"""The environment protocol, rollout, policy specs and the generic policy construction."""

import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.environment import Environment, Rollout, Step, rollout
from sim.errors import InputTypeError, PolicyError, UnknownNameError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.recorder import Recorder
from sim.registry import PolicyRegistry


class Coin(Environment):
    """A biased coin guessed each step; the episode ends after ``length`` steps."""

    domain = "test_coin"
    provides = frozenset({"bias"})

    def __init__(self, p=0.7, length=None):
        self.p, self.length = p, length

    def context(self):
        return {"p_hint": self.p, "horizon": 99}

    def reset(self, rng):
        self.rng, self.t = rng, 0

    def observe(self):
        return self.t

    def step(self, decision):
        self.t += 1
        heads = bool(self.rng.random() < self.p)
        done = self.length is not None and self.t >= self.length
        return Step(heads, {"correct": float(heads == decision), "guess": float(decision)}, done)


class Learner(Policy):
    spec = PolicySpec("test_coin", label="counting learner", needs={"bias"})

    def __init__(self, horizon=10, p_hint=0.5, prior=1):
        self.horizon, self.p_hint, self.prior = horizon, p_hint, prior
        self.heads = self.tails = prior

    def _decide(self, observation):
        return self.heads >= self.tails

    def _update(self, feedback):
        if feedback:
            self.heads += 1
        else:
            self.tails += 1


class Explorer(Learner):
    spec = PolicySpec("test_coin", label="explorer", stochastic=True)

    def __init__(self, horizon=10, rng=None):
        super().__init__(horizon)
        self.rng = np.random.default_rng(rng)

    def _decide(self, observation):
        return bool(self.rng.random() < 0.5)


def test_rollout_records_every_step_metric_in_order():
    out = rollout(Coin(), Learner(), 50, rng=3)
    assert isinstance(out, Rollout) and out.steps == 50
    assert out.metric_names == ["correct", "guess"]
    assert out.times.tolist() == list(range(1, 51))
    assert out["correct"].shape == (50,) and set(np.unique(out.correct)) <= {0.0, 1.0}
    assert out.cumulative("correct")[-1] == out.total("correct") == out["correct"].sum()
    t, v = out.recorder.series("correct")
    np.testing.assert_array_equal(v, out["correct"])
    np.testing.assert_array_equal(t, out.times)


@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 60))
def test_same_rng_same_rollout_and_the_learner_learns_from_feedback(seed, steps):
    a = rollout(Coin(), Learner(), steps, rng=seed)
    b = rollout(Coin(), Learner(), steps, rng=np.random.default_rng(seed))
    np.testing.assert_array_equal(a["correct"], b["correct"])
    # the counting learner's guess after t steps is the majority of the first t outcomes
    g, c = a["guess"], a["correct"]
    heads = np.cumsum(c * g + (1 - c) * (1 - g))  # the coin came up heads iff the guess and the outcome agree
    tails = np.arange(1, steps + 1) - heads
    assert g[0] == 1.0  # equal priors: heads
    np.testing.assert_array_equal(g[1:], (heads[:-1] >= tails[:-1]).astype(float))


def test_rollout_until_done_and_the_cap_for_endless_episodes():
    assert rollout(Coin(length=7), Learner(), rng=0).steps == 7
    with pytest.raises(ValidationError, match="max_steps=20"):
        rollout(Coin(), Learner(), rng=0, max_steps=20)


def test_rollout_refuses_a_policy_of_another_domain_and_bad_arguments():
    class Other(Policy):
        domain = "test_other"

        def _decide(self, observation):
            return True

    with pytest.raises(InputTypeError, match="domain 'test_coin'"):
        rollout(Coin(), Other(), 5, rng=0)
    with pytest.raises(InputTypeError, match="env"):
        rollout(object(), Learner(), 5, rng=0)
    with pytest.raises(ValidationError, match="steps"):
        rollout(Coin(), Learner(), 0, rng=0)
    with pytest.raises(InputTypeError, match="recorder"):
        rollout(Coin(), Learner(), 5, rng=0, recorder={})


def test_plain_functions_run_as_policies_of_the_env_domain():
    out = rollout(Coin(), lambda obs: True, 20, rng=1)
    assert out["guess"].tolist() == [1.0] * 20


def test_a_compiled_path_is_used_and_recorded_like_the_loop():
    class Fast(Coin):
        def compiled_rollout(self, policy, steps):
            return {"correct": np.ones(steps), "guess": np.ones(steps)}

    out = rollout(Fast(), Learner(), 4, rng=0)
    assert out["correct"].tolist() == [1.0] * 4 and out.times.tolist() == [1, 2, 3, 4]
    assert out.recorder.values("guess").tolist() == [1.0] * 4

    class Broken(Coin):
        def compiled_rollout(self, policy, steps):
            return {"correct": np.ones(steps), "guess": np.ones(steps + 1)}

    with pytest.raises(PolicyError, match="different lengths"):
        rollout(Broken(), Learner(), 4, rng=0)


def test_event_driven_clock_times_the_records():
    class Clocked(Coin):
        @property
        def now(self):
            return 0.5 * self.t

    rec = Recorder()
    out = rollout(Clocked(), Learner(), 4, rng=0, recorder=rec)
    assert out.times.tolist() == [0.5, 1.0, 1.5, 2.0] and out.recorder is rec


def test_from_env_fills_parameters_by_name_in_order_of_precedence():
    env = Coin()
    p = Learner.from_env(env)
    assert (p.horizon, p.p_hint, p.prior) == (99, 0.7, 1)  # horizon and p_hint from the context
    p = Learner.from_env(env, horizon=5, options={"prior": 3, "c": 8.0})  # c is not Learner's: ignored
    assert (p.horizon, p.prior) == (5, 3)
    p = Learner.from_env(env, horizon=5, p_hint=0.1, options={"p_hint": 0.2})
    assert p.p_hint == 0.1  # explicit beats options beats context
    with pytest.raises(UnknownNameError, match="no parameter 'c'"):
        Learner.from_env(env, c=1.0)


def test_from_env_passes_rng_only_to_stochastic_constructors_and_is_deterministic():
    a = Explorer.from_env(Coin(), rng=4)
    b = Explorer.from_env(Coin(), rng=4)
    assert [a.decide(0) for _ in range(20)] == [b.decide(0) for _ in range(20)]
    assert not hasattr(Learner.from_env(Coin(), rng=4), "rng")


def test_from_env_checks_domain_and_needs():
    class Blind(Coin):
        provides = frozenset()

    with pytest.raises(ValidationError, match="needs bias"):
        Learner.from_env(Blind())

    class Other(Environment):
        domain = "test_other"

    with pytest.raises(ValidationError, match="domain 'test_coin'"):
        Learner.from_env(Other())


def test_spec_is_data_and_subclasses_inherit_it():
    assert Learner.spec == PolicySpec("test_coin", label="counting learner", needs=frozenset({"bias"}))
    assert Learner.domain == "test_coin"

    class Sub(Learner):
        pass

    assert Sub.spec.domain == "test_coin" and Sub.spec.needs == {"bias"} and Sub.spec.label == "Sub"

    class Short(Policy):
        domain = "test_short"

    assert Short.spec == PolicySpec("test_short", label="Short")
    with pytest.raises(InputTypeError, match="spec must be a PolicySpec"):
        type("Bad", (Policy,), {"spec": "matching"})
    with pytest.raises(InputTypeError, match="needs"):
        PolicySpec("x", needs={1})
    with pytest.raises(InputTypeError, match="stochastic"):
        PolicySpec("x", stochastic="yes")


def _write_plugin(root, group="stratsim.policies", value="coinplug:Plugged"):
    (root / "coinplug.py").write_text(textwrap.dedent(f"""
        from sim.policy import Policy, PolicySpec

        class Plugged(Policy):
            '''A third-party coin policy.'''
            spec = PolicySpec("{Coin.domain}", label="plugged")

            def _decide(self, observation):
                return True
    """))
    info = root / "coinplug-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: coinplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\nplugged = {value}\n")


def test_policies_of_the_entry_point_group_are_discovered(tmp_path, monkeypatch):
    _write_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = PolicyRegistry()
    assert "plugged" in reg.names("test_coin")
    assert reg.describe("plugged") == "A third-party coin policy."
    cls = reg.get("plugged", "test_coin")
    assert rollout(Coin(), cls.from_env(Coin()), 3, rng=0)["guess"].tolist() == [1.0] * 3
    with pytest.raises(ValidationError, match="of domain 'test_coin', not 'matching'"):
        reg.get("plugged", "matching")
    sys.modules.pop("coinplug", None)


def test_a_broken_entry_point_is_a_clear_error(tmp_path, monkeypatch):
    _write_plugin(tmp_path, value="coinplug:Missing")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(Exception, match="entry point 'plugged'.*failed to load"):
        PolicyRegistry().names()
    sys.modules.pop("coinplug", None)


def test_the_policy_registry_refuses_objects_without_a_spec():
    with pytest.raises(InputTypeError, match="PolicySpec"):
        PolicyRegistry().register("thing", object())
