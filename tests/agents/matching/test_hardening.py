"""Regression tests for what tests/agents/matching/test_fuzz.py found (issue 12): each case raised a raw error,
warned, hung or allocated without bound before its fix; now it is refused with the package's error naming the
argument, before anything large is allocated."""

import warnings

import numpy as np
import pytest

import agents.matching as am
from agents.matching.envs import example_bandit_env
from agents.matching.learners import default_explore
from agents.matching.live import LiveMarketEnv
from agents.matching.types import NTUFeedback, NTUObservation
from markets.validation import memory_limit
from sim.errors import InputTypeError, ValidationError


def _market(**kw):
    return am.BanditMarket([[0.5, -0.2], [0.1, 0.3]], [[0.2, 0.0], [-0.4, 0.6]], **kw)


def _decision(matching, transfers):
    k = len(matching)
    return am.MatchingDecision(np.asarray(matching), np.asarray(transfers, dtype=float), np.zeros(k), np.zeros(k))


@pytest.mark.parametrize("build, name", [
    (lambda: _market(noise=np.zeros(3)), "noise"),
    (lambda: _market(structure=["typed"]), "structure"),
    (lambda: am.MatchUCB(refresh=np.array(["every", "doubling"])), "refresh"),
])
def test_options_that_are_not_strings_are_refused(build, name):
    # an array made `value in choices` raise numpy's "truth value of an array is ambiguous"
    with pytest.raises(InputTypeError, match=name):
        build()


@pytest.mark.parametrize("build, name", [
    (lambda: am.random_market(1000, 1000), "m, n"),
    (lambda: am.random_market(2, 2, structure="typed", types=10**5), "types"),
    (lambda: am.random_market(2, 2, structure="linear", dim=10**7), "dim"),
    (lambda: am.MatchUCB(1000, 1000), "customers, providers"),
    (lambda: am.run_bandit(_market(), am.MatchUCB(2, 2), 10**5, rng=0), "T"),
    (lambda: am.liu_market(1000, 1000), "players, arms"),
    (lambda: example_bandit_env(customers=10**4, providers=10**4), "customers, providers"),
])
def test_size_guards_follow_the_toolkit_memory_limit(build, name):
    # one limit for the toolkit: markets.validation.memory_limit also bounds the matching markets and learners
    with memory_limit(2**20), pytest.raises(ValidationError, match=name):
        build()


def test_full_observation_sizes_are_checked():
    with pytest.raises(ValidationError, match="m must be >= 0"):
        am.MatchingObservation.full(-1, 2)
    with pytest.raises(ValidationError, match="m, n"):
        am.MatchingObservation.full(10**9, 10**9)
    with pytest.raises(InputTypeError, match="n must be an integer"):
        am.MatchingObservation.full(2, 2.5)


@pytest.mark.parametrize("build, name", [
    (lambda: am.ThompsonSampling(sigma=1e-200), "sigma"),       # sigma ** 2 == 0: a ZeroDivisionError in the kernel
    (lambda: am.ThompsonSampling(prior_scale=1e200), "prior_scale"),
    (lambda: am.LinearMatchUCB(ridge=1e-320), "ridge"),         # eye / ridge == inf
    (lambda: _market(sigma=1e300), "sigma"),                    # rewards u + sigma * eps overflow to inf
    (lambda: am.liu_market(sigma=1e300), "sigma"),
    (lambda: am.simulate_live(am.TypedMatchUCB(), sigma=1e-300), "sigma"),
])
def test_scales_whose_squares_leave_float64_are_refused(build, name):
    with pytest.raises(ValidationError, match=rf"{name} must be in \[1e-50, 1e\+50\]"):
        build()


@pytest.mark.parametrize("feedback, name", [
    (lambda o: am.MatchingFeedback(o, np.array([[0, 0]]), np.zeros(2), np.zeros(1)), "feedback.customer_rewards"),
    (lambda o: am.MatchingFeedback(o, np.array([[0.0, 0.0]]), np.zeros(1), np.zeros(1)), "feedback.matching"),
    (lambda o: am.MatchingFeedback(o, np.array([[0, 5]]), np.zeros(1), np.zeros(1)), "feedback.matching"),
    (lambda o: am.MatchingFeedback(o, np.array([[0, 0], [0, 1]]), np.zeros(2), np.zeros(2)), "feedback.matching"),
    (lambda o: am.MatchingFeedback(o, "x", np.zeros(1), np.zeros(1)), "feedback.matching"),
    (lambda o: am.MatchingFeedback(None, np.array([[0, 0]]), np.zeros(1), np.zeros(1)), "feedback.observation"),
    (lambda o: am.MatchingFeedback(am.MatchingObservation([7], [0]), np.array([[0, 0]]), np.zeros(1),
                                   np.zeros(1)), "feedback.observation"),
    (lambda o: am.MatchingFeedback(o, np.array([[0, 0]]), np.array([1e300]), np.zeros(1)),
     "feedback.customer_rewards"),
    (lambda o: 3.0, "feedback"),
])
@pytest.mark.parametrize("kind", [am.MatchUCB, am.ExploreThenCommit, am.ThompsonSampling])
def test_update_checks_the_feedback(kind, feedback, name):
    learner = kind(2, 2, horizon=5)
    obs = am.MatchingObservation.full(2, 2)
    learner.decide(obs)
    with pytest.raises((ValidationError, InputTypeError), match=name.replace(".", r"\.")):
        learner.update(feedback(obs))


@pytest.mark.parametrize("decision, name", [
    (lambda: _decision([[0, 2]], [0.0]), "decision.matching"),
    (lambda: _decision([[0, 0], [0, 1]], [0.0, 0.0]), "decision.matching"),
    (lambda: _decision([[-1, 0]], [0.0]), "decision.matching"),
    (lambda: _decision([[0, 0]], [np.nan]), "decision.transfers"),
    (lambda: _decision([[0, 0]], [0.0, 1.0]), "decision.transfers"),
    (lambda: _decision([[0, 0]], [1e308]), "decision.transfers"),
    (lambda: None, "decision"),
    (lambda: (np.zeros((1, 2), int), np.zeros(1)), "decision"),
])
def test_markets_check_the_decision_they_play(decision, name):
    mk = _market()
    obs = am.MatchingObservation.full(2, 2)
    pattern = name.replace(".", r"\.")
    with pytest.raises((ValidationError, InputTypeError), match=pattern):
        mk.play(obs, decision(), np.random.default_rng(0))
    with pytest.raises((ValidationError, InputTypeError), match=pattern):
        mk.instability(obs, decision())
    env = am.BanditEnv(mk)
    env.reset(np.random.default_rng(0))
    env.observe()
    with pytest.raises((ValidationError, InputTypeError), match=pattern):
        env.step(decision())


def test_markets_check_observations_and_generators():
    mk = _market()
    with pytest.raises(ValidationError, match="observation names agent ids up to"):
        mk.optimal_welfare(am.MatchingObservation([0, 5], [1]))
    with pytest.raises(InputTypeError, match="observation must be a MatchingObservation"):
        mk.play([0, 1], _decision([[0, 0]], [0.0]), np.random.default_rng(0))
    for call in (lambda: mk.observe(None), lambda: am.BanditEnv(mk).reset(0),
                 lambda: am.NTUEnv(am.liu_market(2, 2)).reset("x")):
        with pytest.raises(InputTypeError, match="rng must be a numpy.random.Generator"):
            call()


def test_ntu_matchings_are_checked_where_they_enter():
    mk = am.liu_market(3, 3, rng=0)
    for bad, what in [([0, 0, 1], "at most one player"), ([0, 1, 3], r"in \[-1, 3\)"), ([0, 1], "shape"),
                      ([0.0, 1.0, 2.0], "integer array"), ([[0], [1]], "shape")]:
        with pytest.raises((ValidationError, InputTypeError), match=f"matching.*{what}"):
            mk.blocking_pairs(bad)
        env = am.NTUEnv(mk)
        env.reset(np.random.default_rng(0))
        with pytest.raises((ValidationError, InputTypeError), match=f"decision.*{what}"):
            env.step(np.array(bad))
        learner = am.CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=5)
        with pytest.raises((ValidationError, InputTypeError), match=f"feedback.matching.*{what}"):
            learner.update(NTUFeedback(np.array(bad), np.zeros(3)))
    learner = am.CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=5)
    with pytest.raises(ValidationError, match="feedback.rewards"):
        learner.update(NTUFeedback(np.array([0, 1, 2]), np.zeros(2)))
    with pytest.raises(ValidationError, match="observation has"):
        learner.decide(NTUObservation(np.array([3, 3]), 3))


def test_ntu_inputs_that_were_silently_accepted_or_warned():
    with pytest.raises(InputTypeError, match="arm_prefs"):
        am.CentralizedUCB(arm_prefs=[[0.5, 1.2], [1.0, 0.0]])   # cast silently to the ranking [0, 1]
    with pytest.raises(ValidationError, match="player_means"):
        am.NTUMarket([[1e308, 0.0]], [[0]])
    with pytest.raises(ValidationError, match="top"):
        am.liu_market(2, 2, top=1e308)
    mk = am.liu_market(2, 2, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # horizon 1 made log(T) / n a 0 / 0 for unseen arms
        am.run_ntu(mk, am.CentralizedUCB(arm_prefs=mk.arm_prefs, horizon=1), 3, rng=0)


def test_live_market_refuses_runs_that_cannot_end_or_fit():
    learner = am.TypedMatchUCB()
    with memory_limit(2**24):
        with pytest.raises(ValidationError, match="horizon, interval"):
            am.simulate_live(learner, interval=1e-300)
        with pytest.raises(ValidationError, match="customer_rate, provider_rate, horizon"):
            am.simulate_live(learner, customer_rate=1e300)
    uc = np.zeros((5, 5))
    with pytest.raises(ValidationError, match="provider_utils must have shape"):
        am.simulate_live(learner, customer_utils=uc, provider_utils=np.zeros((5, 4)))


def test_live_market_checks_arrivals_and_decisions():
    env = LiveMarketEnv(np.zeros((2, 3)), np.zeros((3, 2)))
    env.reset(np.random.default_rng(0))
    with pytest.raises(ValidationError, match="agent_type must be in"):
        env.arrive(0, 0, 2)
    with pytest.raises(InputTypeError, match="agent_type must be an integer"):
        env.arrive(1, 0, float("nan"))
    env.arrive(0, 0, 1)
    env.arrive(1, 1, 2)
    env.observe()
    with pytest.raises(ValidationError, match="decision.matching"):
        env.step(_decision([[0, 1]], [0.0]))


def test_cross_argument_shape_errors_name_both_arguments():
    with pytest.raises(ValidationError, match=r"provider_utils must have shape \(1, 2\) \(set by customer_utils\)"):
        am.BanditMarket([[0.1, 0.2]], [[0.0]])


def test_default_explore_checks_its_arguments():
    with pytest.raises(InputTypeError, match="big"):
        default_explore(float("nan"), 10)
    with pytest.raises(ValidationError, match="horizon"):
        default_explore(3, 0)


def test_log_grid_ends_at_t_or_refuses_it():
    # np.log10 of a Python int beyond int64 was an object-dtype TypeError
    assert am.log_grid(2**53, 5)[-1] == 2**53
    assert am.log_grid(10**15 + 1, 7)[-1] == 10**15 + 1
    with pytest.raises(ValidationError, match=r"T must be in \[1, 9007199254740992\]"):
        am.log_grid(2**63)
    with memory_limit(2**20), pytest.raises(ValidationError, match="points"):
        am.log_grid(10, 10**9)


def test_ntu_shape_mismatch_names_both_arguments():
    with pytest.raises(ValidationError, match=r"arm_prefs must have shape \(2, 1\) \(set by player_means"):
        am.NTUMarket([[0.9, 0.1]], [[0]])


def test_run_ntu_refuses_a_horizon_that_cannot_fit():
    # T = 10**9 used to run (and record) a billion rounds
    mk = am.liu_market(3, 3, rng=0)
    with pytest.raises(ValidationError, match="T = 1000000000 would need"):
        am.run_ntu(mk, am.CentralizedUCB(arm_prefs=mk.arm_prefs), 10**9, rng=0)


def test_random_type_utilities_refuses_tables_that_cannot_fit():
    # 10**9 x 3 tables were drawn (24 GB) before anything was checked
    from agents.matching.live import random_type_utilities
    with pytest.raises(ValidationError, match="customer_types, provider_types"):
        random_type_utilities(10**9, 10**3)
