"""Bad input is refused at the public entry points with an error naming the argument."""

import numpy as np
import pytest

from agents.matching import (
    BanditMarket,
    CentralizedUCB,
    LinearMatchUCB,
    MatchingObservation,
    MatchUCB,
    NTUMarket,
    ThompsonSampling,
    TypedMatchUCB,
    liu_market,
    random_market,
    run_bandit,
    run_ntu,
    simulate_live,
)
from sim.errors import InputTypeError, ValidationError


@pytest.mark.parametrize("kw, arg", [
    (dict(customer_utils=[[1.5]], provider_utils=[[0.0]]), "customer_utils"),
    (dict(customer_utils=[[0.5]], provider_utils=[[-1.01]]), "provider_utils"),
    (dict(customer_utils=[[0.5]], provider_utils=[[0.0]], sigma=0.0), "sigma"),
    (dict(customer_utils=[[0.5]], provider_utils=[[0.0]], sigma=-1.0), "sigma"),
    (dict(customer_utils=[[0.5]], provider_utils=[[0.0]], arrival=0.0), "arrival"),
    (dict(customer_utils=[[0.5]], provider_utils=[[0.0]], noise="cauchy"), "noise"),
    (dict(customer_utils=[[0.5]], provider_utils=[[0.0, 0.1]]), "provider_utils"),
    (dict(customer_utils=[[0.5]], provider_utils=[[0.0]], customer_features=np.ones((1, 2)),
          provider_features=np.ones((1, 3))), "provider_features"),
])
def test_bandit_market_refuses(kw, arg):
    with pytest.raises(ValidationError, match=arg):
        BanditMarket(**kw)


def test_utilities_must_be_finite_numbers():
    with pytest.raises(ValidationError, match="customer_utils"):
        BanditMarket([[np.nan]], [[0.0]])
    with pytest.raises(InputTypeError, match="customer_utils"):
        BanditMarket([["a"]], [[0.0]])


@pytest.mark.parametrize("build", [
    lambda c: MatchUCB(c=c),
    lambda c: TypedMatchUCB(c=c),
    lambda c: LinearMatchUCB(c=c),
    lambda c: CentralizedUCB(c=c),
])
@pytest.mark.parametrize("c", [0.0, -1.0])
def test_confidence_constants_must_be_positive(build, c):
    with pytest.raises(ValidationError, match="c must be > 0"):
        build(c)


def test_noise_scales_must_be_positive():
    with pytest.raises(ValidationError, match="sigma"):
        ThompsonSampling(sigma=0.0)
    with pytest.raises(ValidationError, match="sigma"):
        liu_market(sigma=0.0)
    with pytest.raises(ValidationError, match="sigma"):
        simulate_live(TypedMatchUCB(), sigma=-0.5)


def test_horizons_must_be_at_least_one():
    mk = random_market(2, 2)
    with pytest.raises(ValidationError, match="T must be >= 1"):
        run_bandit(mk, MatchUCB(2, 2), 0, rng=0)
    with pytest.raises(ValidationError, match="horizon"):
        MatchUCB(2, 2, horizon=0)
    ntu = liu_market(3, 3)
    with pytest.raises(ValidationError, match="T must be >= 1"):
        run_ntu(ntu, CentralizedUCB(arm_prefs=ntu.arm_prefs), 0, rng=0)
    with pytest.raises(InputTypeError, match="T must be an integer"):
        run_bandit(mk, MatchUCB(2, 2), 2.5, rng=0)


def test_feature_dimensions_must_match():
    with pytest.raises(ValidationError, match="provider_features"):
        LinearMatchUCB(np.ones((3, 2)), np.ones((3, 4)))
    with pytest.raises(ValidationError, match="customer_features"):
        LinearMatchUCB(np.ones(3), np.ones((3, 1)))


def test_observations_and_learners_must_fit():
    with pytest.raises(ValidationError, match="customers"):
        MatchingObservation([-1], [0])
    with pytest.raises(InputTypeError, match="customers"):
        MatchingObservation([0.5], [0])
    with pytest.raises(ValidationError, match="ids up to"):
        MatchUCB(2, 2).decide(MatchingObservation([0, 5], [0]))
    with pytest.raises(ValidationError, match="repeat"):
        MatchUCB(2, 2).decide(MatchingObservation([0, 0], [0]))
    with pytest.raises(ValidationError, match="sized"):
        run_bandit(random_market(3, 3), MatchUCB(2, 2), 5, rng=0)
    with pytest.raises(InputTypeError, match="MatchingFeedback"):
        MatchUCB(2, 2).update("feedback")


def test_ntu_market_checks_preferences():
    with pytest.raises(ValidationError, match="arm_prefs"):
        NTUMarket([[0.5, 0.1]], [[0], [1]])  # 2 arms rank 1 player: [[0], [0]] needed
    with pytest.raises(ValidationError, match="player_means"):
        NTUMarket([[0.5, 0.5]], [[0], [0]])
    with pytest.raises(ValidationError, match="arm_prefs"):
        CentralizedUCB(arm_prefs=[[0, 0], [1, 0]])


def test_live_market_needs_a_typed_learner_and_positive_rates():
    with pytest.raises(ValidationError, match="typed"):
        simulate_live(MatchUCB())
    with pytest.raises(ValidationError, match="customer_rate"):
        simulate_live(TypedMatchUCB(), customer_rate=0.0)
    with pytest.raises(ValidationError, match="customer_utils"):
        simulate_live(TypedMatchUCB(range(2), range(2)), customer_utils=[[2.0, 0.0], [0.0, 0.0]],
                      provider_utils=[[0.0, 0.0], [0.0, 0.0]])


def test_a_run_that_cannot_fit_in_memory_is_refused_before_allocating(monkeypatch):
    import tracemalloc

    mk = random_market(2, 2)
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError, match=r"T = 1000000000000 would need .* of working memory"):
            run_bandit(mk, MatchUCB(2, 2), 10**12, rng=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10**7  # nothing of the run's size was allocated


def test_environments_refuse_other_markets_and_bad_horizons():
    from agents.matching import BanditEnv, NTUEnv

    with pytest.raises(InputTypeError, match="BanditMarket"):
        BanditEnv(liu_market(2, 2))
    with pytest.raises(InputTypeError, match="NTUMarket"):
        NTUEnv(random_market(2, 2))
    with pytest.raises(ValidationError, match="horizon"):
        BanditEnv(random_market(2, 2), horizon=0)
    with pytest.raises(ValidationError, match="horizon"):
        NTUEnv(liu_market(2, 2), horizon=-3)


def test_live_market_takes_rng_not_seed():
    with pytest.raises(TypeError, match="seed"):
        simulate_live(TypedMatchUCB(), seed=1)
    with pytest.raises(ValidationError, match="rng"):
        simulate_live(TypedMatchUCB(), horizon=5.0, rng=-1)


def test_a_ragged_id_list_is_a_type_error_naming_the_argument():
    # found by the fuzz test: numpy's "inhomogeneous shape" ValueError escaped raw
    from agents.matching import MatchingObservation
    from sim.errors import InputTypeError

    with pytest.raises(InputTypeError, match="customers"):
        MatchingObservation(customers=[[0], [0, 1]], providers=[])
