"""The rent-or-buy discrete-event simulation."""

import numpy as np
import pytest

from agents.online.predictors import ExactPredictor, GaussianNoisePredictor, LearnedPredictor, Predictor
from agents.online.ski import BreakEven, ClassicalRandomized, PurohitDeterministic, PurohitRandomized
from agents.online.ski_sim import SeasonModel, simulate_ski_rental
from sim.errors import ValidationError


def test_every_agent_pays_what_its_buy_day_costs():
    run = simulate_ski_rental(PurohitRandomized(0.5), GaussianNoisePredictor(30.0), b=40, n_agents=300, rng=1)
    want = np.where(run.x < run.buy_day, run.x, run.buy_day - 1 + run.b)
    assert np.array_equal(run.cost, want)
    assert np.all(run.cost >= run.opt) and np.array_equal(run.opt, np.minimum(run.x, 40))
    assert np.all(np.diff(run.arrival) > 0)


def test_realised_costs_average_to_the_exact_expected_costs():
    run = simulate_ski_rental(ClassicalRandomized(), None, b=50, n_agents=2000, rng=2,
                              seasons=SeasonModel(1, 200, 0))
    diff = run.cost - run.expected_cost
    assert abs(diff.mean()) < 4 * diff.std() / np.sqrt(diff.size)


def test_deterministic_policies_pay_exactly_their_expected_cost():
    run = simulate_ski_rental(PurohitDeterministic(0.5), ExactPredictor(), b=30, n_agents=200, rng=3)
    assert np.array_equal(run.cost, run.expected_cost)
    assert np.all(run.cost / run.opt <= 1.5 + 1e-12)       # consistency 1 + lam with y = x


class CountingPredictor(Predictor):
    """Predicts 0; records how many seasons it had learned from at each prediction."""

    def __init__(self):
        self.seen_at_predict = []
        self.updates = 0

    def _predict(self, x, rng, features):
        self.seen_at_predict.append(self.updates)
        return np.zeros_like(x)

    def _update(self, x, features):
        self.updates += 1


def test_the_predictor_learns_only_from_seasons_finished_before_each_arrival():
    spy = CountingPredictor()
    run = simulate_ski_rental(BreakEven(), spy, b=10, n_agents=400, rng=4, arrival_rate=1.0,
                              seasons=SeasonModel(1, 60, 5))
    ends = run.arrival + run.x
    want = [int(np.sum(ends < a)) for a in run.arrival]
    assert spy.seen_at_predict == want and spy.updates == 400


def test_learned_predictions_improve_as_seasons_finish():
    run = simulate_ski_rental(PurohitRandomized(0.5), LearnedPredictor(prior=0.0), b=100, n_agents=400,
                              rng=5, arrival_rate=0.5, seasons=SeasonModel(1, 400, 0))
    err = run.error
    assert err[0] == run.x[0]                        # the prior: nothing learned yet
    assert err[-80:].max() <= 1.0                    # noiseless seasons: only rounding is left
    assert run.ratio[-80:].mean() < run.ratio[:40].mean()


def test_same_seed_same_run():
    def run(seed, policy=None):
        return simulate_ski_rental(policy or PurohitRandomized(0.5), LearnedPredictor(), b=20, n_agents=100,
                                   rng=seed)

    for seed in (9, lambda: np.random.default_rng(9)):
        a, b = (run(seed() if callable(seed) else seed) for _ in range(2))
        for field in ("arrival", "x", "y", "buy_day", "cost"):
            assert np.array_equal(getattr(a, field), getattr(b, field))
    assert not np.array_equal(run(9).x, run(10).x)
    # named streams: the seasons and arrivals do not depend on the policy
    other = run(9, BreakEven())
    assert np.array_equal(run(9).x, other.x) and np.array_equal(run(9).arrival, other.arrival)


def test_bad_input_is_refused():
    with pytest.raises(ValidationError, match="^b must be >= 1"):
        simulate_ski_rental(BreakEven(), None, b=0, n_agents=10, rng=0)
    with pytest.raises(ValidationError, match="^n_agents must be >= 1"):
        simulate_ski_rental(BreakEven(), None, b=5, n_agents=0, rng=0)
    with pytest.raises(ValidationError, match="needs a prediction"):
        simulate_ski_rental(PurohitDeterministic(), None, b=5, n_agents=3, rng=0)
    with pytest.raises(ValidationError, match="^noise must be >= 0"):
        SeasonModel(noise=-1)


@pytest.mark.timeout(60)
def test_billion_day_seasons_take_a_few_events_not_a_billion():
    # The agents' processes jump from renting to buying to the season's end (was one SimPy event per day).
    from agents.online.ski import ski_cost

    run = simulate_ski_rental(BreakEven(), None, b=10**9, n_agents=20, rng=0,
                              seasons=SeasonModel(10**9 - 5, 10**9 + 5, 0.0))
    assert np.array_equal(run.cost, ski_cost(run.buy_day, run.x, b=10**9) * np.ones(run.n))
    assert np.array_equal(run.buy_day, np.full(run.n, 10**9))
