import numpy as np
import pytest
import simpy
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from sim import Simulation
from sim.errors import UnknownNameError, ValidationError
from sim.recorder import Recorder


@given(
    steps=st.lists(st.tuples(st.floats(0.01, 5.0), st.integers(0, 20)), min_size=1, max_size=30),
    extra=st.floats(0.0, 5.0),
)
def test_time_average_matches_a_fine_grid(steps, extra):
    # Independent reference: integrate the step function on a fine grid of exact breakpoints.
    times = np.cumsum([0.0] + [d for d, _ in steps[:-1]])
    values = [v for _, v in steps]
    rec = Recorder()
    for t, v in zip(times, values):
        rec.record("n", v, time=float(t))
    until = float(times[-1] + extra + 0.5)
    area = sum(v * (min(t_next, until) - t)
               for t, t_next, v in zip(times, list(times[1:]) + [until], values))
    assert rec.time_average("n", until) == pytest.approx(area / (until - times[0]), rel=1e-9)


def test_unknown_metric_is_named():
    with pytest.raises(UnknownNameError, match="'nope'"):
        Recorder().series("nope")


def _mm1_mean_response(seed, lam=0.5, mu=1.0, customers=3000, warmup=300):
    # Nearly unbiased: a fixed number of customers (a random count would correlate with
    # congestion), the transient of the first `warmup` customers dropped, and every
    # admitted customer served to completion.
    sim = Simulation(seed)
    server = simpy.Resource(sim.env, 1)

    def customer(k):
        t0 = sim.now
        with server.request() as req:
            yield req
            yield sim.timeout(sim.rng("s").exponential(1 / mu))
        if k >= warmup:
            sim.record("T", sim.now - t0)

    def source():
        for k in range(customers):
            yield sim.timeout(sim.rng("a").exponential(1 / lam))
            sim.process(customer(k))

    sim.process(source())
    sim.run()
    return sim.recorder.values("T")


def test_same_seed_same_trajectory():
    np.testing.assert_array_equal(_mm1_mean_response(11), _mm1_mean_response(11))
    assert not np.array_equal(_mm1_mean_response(11), _mm1_mean_response(12))


def test_engine_reproduces_mm1_mean_response_time():
    # E[T] = 1/(mu - lambda) = 2 must lie in a 99% CI over independent replications.
    means = [_mm1_mean_response(seed).mean() for seed in range(30)]
    lo, hi = stats.t.interval(0.99, len(means) - 1, loc=np.mean(means), scale=stats.sem(means))
    assert lo <= 2.0 <= hi


def test_run_until_must_be_in_the_future():
    sim = Simulation(0)
    with pytest.raises(ValidationError, match="until"):
        sim.run(until=0.0)
    with pytest.raises(ValueError, match="Negative delay"):
        sim.timeout(-1.0)


def test_engine_matches_the_lindley_recursion_exactly():
    # FCFS single server: T_k = W_k + S_k with W_{k+1} = max(0, W_k + S_k - A_{k+1}).
    rng = np.random.default_rng(4)
    n = 400
    gaps, sizes = rng.exponential(2.0, n), rng.exponential(1.0, n)
    sim = Simulation(0)
    server = simpy.Resource(sim.env, 1)
    response = np.empty(n)

    def customer(k):
        t0 = sim.now
        with server.request() as req:
            yield req
            yield sim.timeout(sizes[k])
        response[k] = sim.now - t0

    def source():
        for k in range(n):
            yield sim.timeout(gaps[k])
            sim.process(customer(k))

    sim.process(source())
    sim.run()
    wait, expected = 0.0, np.empty(n)
    for k in range(n):
        if k:
            wait = max(0.0, wait + sizes[k - 1] - gaps[k])
        expected[k] = wait + sizes[k]
    np.testing.assert_allclose(response, expected, rtol=0, atol=1e-9)
