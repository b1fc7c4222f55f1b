"""Bad input: a clear error from the package's hierarchy that names the argument."""

import numpy as np
import pytest

from agents.strategic import (
    Catalog,
    GreedyRecommender,
    LearningUser,
    NaiveUser,
    Planner,
    Platform,
    PlatformBelief,
    PopulationView,
    RecObservation,
    StrategicUser,
    UCBRecommender,
    UserModel,
    UserObservation,
    UserType,
    make_catalog,
    play,
    simulate_population,
    strategization_gap,
)
from agents.strategic.engagement import EngagementModel, check_engagement
from sim.errors import InputTypeError, StratsimError, ValidationError


def _one_user_platform():
    platform = Platform(GreedyRecommender(), [0.0] * 4)
    platform.add_user()
    return platform


CASES = [
    # empty catalogs
    ("features", lambda: Catalog(np.zeros((0, 2)))),
    ("n_items", lambda: make_catalog(0)),
    ("type_means", lambda: PopulationView([])),
    # the Platform's argument is "prior" (issue 12: the message used to say "type_means")
    ("prior", lambda: Platform(GreedyRecommender(), [])),
    ("prior", lambda: Platform(GreedyRecommender(), [[0.1, float("nan")]])),
    # type shares that do not sum to 1 (issue 12: accepted silently)
    ("type_prior", lambda: Platform(GreedyRecommender(), [[0.0, 1.0], [1.0, 0.0]], type_prior=[0.3, 0.3])),
    ("type_prior", lambda: PopulationView([[0.0, 1.0], [1.0, 0.0]], [0.6, 0.6])),
    ("values", lambda: UserModel([])),
    # preference vectors of the wrong length
    ("theta", lambda: make_catalog(4, n_genres=2).values([1.0, 0.0, 0.0])),
    ("theta", lambda: UserModel.from_preferences(make_catalog(4), [1.0])),
    ("type_prior", lambda: PopulationView([[0.0, 1.0]], [0.5, 0.5])),
    ("view", lambda: Planner([0.1, 0.2], EngagementModel(), GreedyRecommender(), PopulationView([0.0]), 0.9)),
    ("clusters", lambda: Platform(GreedyRecommender(clusters=[0, 1]), [0.0, 0.1, 0.2])),
    ("clusters", lambda: GreedyRecommender(clusters=[0, 2])),
    # alpha outside [0, 1]
    ("alpha", lambda: GreedyRecommender(alpha=1.5)),
    ("alpha", lambda: UCBRecommender(alpha=-0.1)),
    ("alpha", lambda: PlatformBelief(alpha=2.0)),
    ("alpha", lambda: GreedyRecommender().with_alpha(float("nan"))),
    ("candidates", lambda: LearningUser(candidates=(0.0, 1.2))),
    # gamma outside [0, 1]
    ("gamma", lambda: StrategicUser(gamma=1.01)),
    ("gamma", lambda: LearningUser(gamma=-0.5)),
    ("gamma", lambda: Planner([0.1], EngagementModel(), GreedyRecommender(), PopulationView([0.0]), 1.5)),
    # negative horizons
    ("horizon", lambda: StrategicUser(horizon=-1)),
    ("horizon", lambda: LearningUser(horizon=-3)),
    ("horizon", lambda: Planner([0.1], EngagementModel(), GreedyRecommender(), PopulationView([0.0]), 0.9)
     .plan(0, GreedyRecommender().initial_state(1), (), -1)),
    ("horizon", lambda: StrategicUser(horizon=2.5)),
    # other ranges and types
    ("prior_weight", lambda: GreedyRecommender(prior_weight=0.0)),
    ("noise", lambda: GreedyRecommender(noise=-1.0)),
    ("epsilon", lambda: __import__("agents").strategic.EpsilonGreedyRecommender(epsilon=1.5)),
    ("temperature", lambda: __import__("agents").strategic.SoftmaxRecommender(temperature=0.0)),
    ("satiation", lambda: UserModel([0.1], satiation=-0.1)),
    ("window", lambda: UserModel([0.1], window=-1)),
    ("dislike_at", lambda: EngagementModel(like_at=0.0, dislike_at=0.5)),
    ("dwell_cutoffs", lambda: EngagementModel(dwell_cutoffs=(0.5, 0.1))),
    ("explicit_cost", lambda: EngagementModel(explicit_cost=-0.1)),
    ("engagement", lambda: check_engagement("engagement", (2, 1.0))),
    ("engagement", lambda: check_engagement("engagement", (1, 0.7))),
    ("share", lambda: UserType("x", (1.0,), share=0.0)),
    ("steps", lambda: play(NaiveUser(), Platform(GreedyRecommender(), [0.0] * 4), -1)),
    # user ids, everywhere they enter (issue 12: -1 raised IndexError or updated the last user)
    ("uid", lambda: play(NaiveUser(), Platform(GreedyRecommender(), [0.0] * 4), 3, uid=-1)),
    ("uid", lambda: play(NaiveUser(), Platform(GreedyRecommender(), [0.0] * 4), 3, uid=0)),
    ("uid", lambda: play(NaiveUser(), Platform(GreedyRecommender(), [0.0] * 4), 3, uid=1.5)),
    ("uid", lambda: _one_user_platform().observe(-1, 0, (1, 1.0))),
    ("uid", lambda: _one_user_platform().observe(1, 0, (1, 1.0))),
    ("uid", lambda: _one_user_platform().recommend(-1)),
    ("uid", lambda: _one_user_platform().view(5)),
    ("uid", lambda: _one_user_platform().raw_means(-1)),
    ("uid", lambda: _one_user_platform().estimates(True)),
    # rng errors name rng
    ("rng", lambda: StrategicUser(rng=-1)),
    ("rng", lambda: Platform(GreedyRecommender(), [0.0], rng="x")),
    ("rng", lambda: simulate_population([NaiveUser()], Platform(GreedyRecommender(), [0.0] * 4), rng=-3)),
    ("session_length", lambda: simulate_population([NaiveUser()], Platform(GreedyRecommender(), [0.0] * 4),
                                                   session_length=0)),
    ("arrival_rate", lambda: simulate_population([NaiveUser()], Platform(GreedyRecommender(), [0.0] * 4),
                                                 arrival_rate=0.0)),
    ("make_platform", lambda: strategization_gap(UserModel(), 3, 2)),
    ("model", lambda: NaiveUser(model=[0.1, 0.2])),
    ("belief", lambda: StrategicUser(belief=0.5)),
    ("policy", lambda: Platform("greedy", [0.0])),
]


@pytest.mark.parametrize("name, call", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_bad_input_raises_a_clear_error_naming_the_argument(name, call):
    with pytest.raises((ValidationError, InputTypeError)) as info:
        call()
    assert name in str(info.value)


def test_bad_observations_are_refused_by_the_policies():
    user = StrategicUser()
    with pytest.raises(InputTypeError, match="UserObservation"):
        user.decide(object())
    with pytest.raises(ValidationError, match="observation.item"):
        user.decide(UserObservation(9))
    with pytest.raises(ValidationError, match="observation.remaining"):
        user.decide(UserObservation(0, remaining=-2))
    with pytest.raises(InputTypeError, match="feedback"):
        user.update((0, (1, 1.0)))
    rule = GreedyRecommender()
    with pytest.raises(InputTypeError, match="RecObservation"):
        rule.decide(object())
    bad_state = GreedyRecommender().initial_state(3)
    with pytest.raises(ValidationError, match="observation.state.counts"):
        rule.decide(RecObservation(bad_state, PopulationView([0.0, 0.1])))


def test_a_bad_user_id_changes_nothing():
    platform = _one_user_platform()
    before = platform.state(0)
    with pytest.raises(ValidationError, match="uid"):
        platform.observe(-1, 0, (1, 1.0))
    assert platform.state(0) == before


def test_mismatched_sizes_between_user_and_platform():
    with pytest.raises(StratsimError, match="items"):
        play(NaiveUser(UserModel([0.1, 0.2])), Platform(GreedyRecommender(), [0.0, 0.0, 0.0]), 3)
    with pytest.raises(ValidationError, match="users\\[0\\]"):
        simulate_population([NaiveUser(UserModel([0.1]))], Platform(GreedyRecommender(), [0.0, 0.0]))
