"""Learners declare capabilities and kernels as data; shared pieces exist once; sizes that cannot fit are refused."""

import numpy as np
import pytest

from agents.matching import (
    EpsilonGreedy,
    ExploreThenCommit,
    LinearMatchUCB,
    MatchUCB,
    NTUExploreThenCommit,
    ThompsonSampling,
    TypedMatchUCB,
    random_market,
)
from agents.matching import explore_commit as ec
from agents.matching.environment import noisy_rewards, present
from agents.matching.types import MatchingObservation, NTUObservation
from sim.errors import ValidationError
from sim.registry import load_policy

LABELS = {MatchUCB: "MatchUCB", TypedMatchUCB: "typed MatchUCB", LinearMatchUCB: "linear MatchUCB",
          ExploreThenCommit: "explore-then-commit", EpsilonGreedy: "epsilon-greedy",
          ThompsonSampling: "Thompson sampling"}
NAMES = {"match.ucb": MatchUCB, "match.ucb_typed": TypedMatchUCB, "match.ucb_linear": LinearMatchUCB,
         "match.etc": ExploreThenCommit, "match.eps_greedy": EpsilonGreedy, "match.thompson": ThompsonSampling}


@pytest.mark.parametrize("cls", list(LABELS))
def test_each_learner_declares_its_spec_and_kernels(cls):
    spec = cls.spec
    assert spec.domain == "matching" and spec.label == LABELS[cls]
    assert spec.needs == {TypedMatchUCB: {"types"}, LinearMatchUCB: {"features"}}.get(cls, set())
    assert spec.stochastic == (cls in (EpsilonGreedy, ThompsonSampling))
    assert cls.kernels is not None and "kernels" in vars(cls)


def test_registry_names_are_kept():
    for name, cls in NAMES.items():
        assert type(load_policy(name)) is cls


def test_market_kernels_equal_numpy():
    rng = np.random.default_rng(0)
    u = rng.random(50)
    assert np.array_equal(present(u, 0.3), np.flatnonzero(u < 0.3))
    true = rng.uniform(-1, 1, (2, 9))
    z = rng.standard_normal((2, 9))
    assert np.array_equal(np.stack(noisy_rewards(true[0], true[1], 1, 0.5, z)), true + 0.5 * z)
    b = rng.random((2, 9))
    assert np.array_equal(np.stack(noisy_rewards(true[0], true[1], 2, 1.0, b)),
                          np.where(b < 0.5 * (1.0 + true), 1.0, -1.0))


def test_both_explore_then_commit_learners_follow_the_one_schedule():
    T, explore = 9, 4
    etc = ExploreThenCommit(3, 3, horizon=T, explore=explore)
    ntu = NTUExploreThenCommit(arm_prefs=[[0, 1, 2], [1, 2, 0], [2, 0, 1]], horizon=T, explore=explore)
    full = MatchingObservation.full(3, 3)
    for s in range(T):
        d = etc.decide(full)
        a = ntu.decide(NTUObservation(3, 3))
        expected = ec.round_robin(np.arange(3), s, 3)
        if ec.phase(s, explore, s > explore) == ec.EXPLORE:
            assert d.matching[:, 1].tolist() == expected.tolist() == a.tolist()
        else:
            assert etc.last_utilities is not None
    assert [int(ec.phase(s, explore, s > explore)) for s in range(6)] == [0, 0, 0, 0, 1, 2]


@pytest.mark.parametrize("build", [
    lambda: random_market(10**9, 10**9),
    lambda: random_market(10**6, 10**7),
    lambda: MatchUCB(10**9, 10**9),
    lambda: ExploreThenCommit(10**8, 10**8),
    lambda: TypedMatchUCB([0, 10**9], [0, 10**9]),
])
def test_sizes_that_cannot_fit_are_refused_before_allocating(build):
    with pytest.raises(ValidationError, match=r"would need [0-9.,]+ [KMGT]iB of working memory"):
        build()


def test_the_refusal_names_the_arguments():
    with pytest.raises(ValidationError, match=r"^m, n = \(1000000000, 1000000000\)"):
        random_market(10**9, 10**9)
    with pytest.raises(ValidationError, match=r"^customers, providers"):
        MatchUCB(10**9, 10**9)
