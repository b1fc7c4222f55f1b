"""The online server against queueing theory: confidence intervals from replications."""

import numpy as np
import pytest
from scipy import stats

from agents.online.jobs import JobSet
from agents.online.queueing import mean_response_time
from agents.online.scheduling import FCFS, SPT, SRPT, RoundRobin
from agents.online.server import simulate
from sim.errors import ValidationError
from sim.results import mean_ci

# REFERENCE.md section 2, M/M/1 with mu = 1.
REFERENCE = {("srpt", 0.5): 1.4254, ("srpt", 0.8): 2.3528, ("psjf", 0.5): 1.5314, ("psjf", 0.8): 2.6589}


@pytest.mark.parametrize("key,value", sorted(REFERENCE.items()))
def test_srpt_and_psjf_formulas_match_the_reference_values(key, value):
    assert round(mean_response_time(key[0], key[1]), 4) == value


@pytest.mark.parametrize("rho", [0.3, 0.5, 0.8, 0.95])
def test_fcfs_and_ps_formulas_are_one_over_mu_minus_lambda(rho):
    assert mean_response_time("fcfs", rho) == pytest.approx(1 / (1 - rho), rel=1e-12)
    assert mean_response_time("ps", rho) == pytest.approx(1 / (1 - rho), rel=1e-12)
    assert mean_response_time("srpt", rho) < mean_response_time("psjf", rho) < 1 / (1 - rho)


def test_formulas_refuse_an_unstable_load():
    with pytest.raises(ValidationError, match="rho"):
        mean_response_time("ps", 1.2)


def replicate(policy, rho, n, reps, sizes=None, seed=0):
    """Mean response time of the middle 80% of jobs, one value per replication (sizes have mean 1)."""
    out = []
    for rep in range(reps):
        rng = np.random.default_rng([seed, rep])
        release = np.cumsum(rng.exponential(1 / rho, n))
        x = rng.exponential(1.0, n) if sizes is None else sizes(rng, n)
        resp = simulate(JobSet(release, x), policy).response
        out.append(resp[n // 10: 9 * n // 10].mean())
    return np.array(out)


def assert_in_ci(values, theory, level=0.99):
    mean, lo, hi = mean_ci(values, level)
    assert lo <= theory <= hi, f"theory {theory} outside {level:.0%} CI [{lo:.4f}, {hi:.4f}] (mean {mean:.4f})"
    assert hi - lo < 0.1 * theory     # the interval is tight enough to catch a wrong server


@pytest.mark.parametrize("rho,n", [(0.5, 4000), (0.8, 12000)])
@pytest.mark.parametrize("policy", [FCFS(), RoundRobin()], ids=["fcfs", "ps"])
def test_online_server_matches_mm1_response_time(policy, rho, n):
    assert_in_ci(replicate(policy, rho, n, reps=20), 1 / (1 - rho))


@pytest.mark.parametrize("policy,name", [(SRPT(), "srpt"), (SPT(), "psjf")], ids=["srpt", "psjf"])
def test_online_server_matches_srpt_and_psjf_reference_values(policy, name):
    assert_in_ci(replicate(policy, 0.8, 12000, reps=20), REFERENCE[(name, 0.8)])


def test_processor_sharing_is_insensitive_and_fcfs_follows_pollaczek_khinchine():
    sizes = stats.uniform(0, 2)                     # mean 1, E[S^2] = 4/3
    draw = lambda rng, n: rng.uniform(0, 2, n)
    ps = replicate(RoundRobin(), 0.5, 4000, reps=20, sizes=draw, seed=1)
    fcfs = replicate(FCFS(), 0.5, 4000, reps=20, sizes=draw, seed=1)
    assert_in_ci(ps, 1 / (1 - 0.5))
    assert_in_ci(fcfs, 1 + 0.5 * (4 / 3) / (2 * (1 - 0.5)))
    assert mean_response_time("fcfs", 0.5, sizes) == pytest.approx(1 + 0.5 * (4 / 3) / (2 * 0.5))
