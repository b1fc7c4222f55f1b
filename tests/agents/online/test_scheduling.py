"""Scheduling: the event-driven server against closed forms and theorem bounds."""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.online.frontier import scheduling_worst_ratio
from agents.online.jobs import JobSet, poisson_jobs
from agents.online.scheduling import (
    FCFS,
    PRR,
    SPJF,
    SPT,
    SRPT,
    Allocation,
    RoundRobin,
    SchedObservation,
    TwoStage,
)
from agents.online.server import simulate
from agents.online.strategies import job_sets
from sim.errors import InputTypeError, PolicyError, StratsimError, ValidationError

TOL = 1e-9


def spt_total(x):
    """OPT on a batch: sum_i (n - i + 1) x_(i)."""
    x = np.sort(x)
    return float(sum((len(x) - i) * xi for i, xi in enumerate(x)))


def brute_opt(x):
    """OPT by trying every order (the optimum is non-preemptive on a batch)."""
    return min(float(np.sum(np.cumsum(np.asarray(x)[list(p)]))) for p in itertools.permutations(range(len(x))))


def all_policies():
    return [FCFS(), RoundRobin(), SPJF(), PRR(0.1), PRR(0.5), PRR(0.9), SRPT(), SPT(), TwoStage(0.05),
            TwoStage(0.3)]


# ------------------------------------------------------------------ OPT and the closed forms
@given(job_sets(max_n=6))
def test_opt_is_below_every_policy(jobs):
    opt = brute_opt(jobs.sizes)
    assert spt_total(jobs.sizes) == pytest.approx(opt, rel=1e-12)
    for policy in all_policies():
        assert simulate(jobs, policy).total_completion_time >= opt * (1 - TOL)


@given(job_sets(max_n=12, integer_sizes=True, predictions=False, max_size=10**6))
def test_batch_completion_times_equal_closed_forms_exactly(jobs):
    x = np.sort(jobs.sizes)
    n = x.size
    spt = np.cumsum(x)                                               # C_(i) = x_(1) + ... + x_(i)
    rr = np.array([x[:i].sum() + (n - i) * x[i] for i in range(n)])  # sum_{j<i} x_j + (n-i+1) x_i
    for policy, want in ((SPT(), spt), (SRPT(), spt), (RoundRobin(), rr)):
        schedule = simulate(jobs, policy)
        assert np.array_equal(np.sort(schedule.completion), want), policy
        # each job's own completion time: sizes map to completion times monotonically
        assert np.array_equal(np.argsort(jobs.sizes, kind="stable"),
                              np.argsort(schedule.completion, kind="stable")) or len(set(x)) < n
    assert simulate(jobs, RoundRobin()).total_completion_time == float(np.sum((2 * (n - np.arange(1, n + 1)) + 1) * x))


@given(job_sets(max_n=10, predictions=False))
def test_batch_closed_forms_hold_for_real_sizes(jobs):
    x = np.sort(jobs.sizes)
    n = x.size
    rr = np.array([x[:i].sum() + (n - i) * x[i] for i in range(n)])
    np.testing.assert_allclose(np.sort(simulate(jobs, RoundRobin()).completion), rr, rtol=1e-12)
    np.testing.assert_allclose(np.sort(simulate(jobs, SPT()).completion), np.cumsum(x), rtol=1e-12)


# ------------------------------------------------------------------ theorem bounds
@given(job_sets(max_n=10, predictions=False))
def test_round_robin_within_2n_over_n_plus_1(jobs):
    n = jobs.n
    assert simulate(jobs, RoundRobin()).total_completion_time <= 2 * n / (n + 1) * spt_total(jobs.sizes) * (1 + TOL)


@given(job_sets(max_n=10))
def test_spjf_within_opt_plus_n_minus_1_eta(jobs):
    n, eta = jobs.n, float(np.abs(jobs.predictions - jobs.sizes).sum())
    opt = spt_total(jobs.sizes)
    assert simulate(jobs, SPJF()).total_completion_time <= opt + (n - 1) * eta + TOL * opt


@given(job_sets(max_n=10), st.floats(0.01, 0.99))
def test_prr_within_its_bound(jobs, lam):
    n, eta = jobs.n, float(np.abs(jobs.predictions - jobs.sizes).sum())
    opt = spt_total(jobs.sizes)
    prr = simulate(jobs, PRR(lam)).total_completion_time
    # Scale-free form: speed-lam SPJF and speed-(1-lam) RR each finish every job no earlier.
    assert prr <= min((opt + (n - 1) * eta) / lam, 2 * n / ((n + 1) * (1 - lam)) * opt) * (1 + TOL)
    # Purohit et al.'s form, which needs sizes >= 1 (then OPT >= n(n+1)/2).
    if jobs.sizes.min() >= 1:
        assert prr / opt <= min((1 + 2 * eta / n) / lam, 2 / (1 - lam)) * (1 + TOL)


def test_prr_reference_form_needs_sizes_at_least_one():
    # Two tiny jobs, predictions swapped: eta is tiny in absolute terms, the ratio is not.
    lam, eps = 0.9, 1e-3
    x = np.array([eps, 19 * eps])
    jobs = JobSet.batch(x, predictions=x[::-1])
    ratio = simulate(jobs, PRR(lam)).total_completion_time / spt_total(x)
    eta, n = float(np.abs(x - x[::-1]).sum()), 2
    assert ratio > min((1 + 2 * eta / n) / lam, 2 / (1 - lam))       # the paper's form is violated
    assert ratio <= 4 / (3 - lam) + TOL                              # the exact two-job robustness holds


@given(job_sets(min_n=2, max_n=2), st.floats(0.01, 0.99))
def test_prr_two_jobs_within_exact_consistency_and_robustness(jobs, lam):
    ratio = simulate(jobs, PRR(lam)).total_completion_time / spt_total(jobs.sizes)
    consistency, robustness = 2 * (2 + lam) / (3 * (1 + lam)), 4 / (3 - lam)
    assert ratio <= robustness + TOL
    if np.array_equal(jobs.predictions, jobs.sizes):
        assert ratio <= consistency + TOL


@pytest.mark.parametrize("lam", [0.2, 0.5, 0.8])
def test_prr_two_job_curve_is_attained_and_on_the_wei_zhang_bound(lam):
    c, _ = scheduling_worst_ratio(PRR(lam), 2, consistent=True, rng=1, n_random=50, max_evals=150)
    r, _ = scheduling_worst_ratio(PRR(lam), 2, consistent=False, rng=1, n_random=100, max_evals=200)
    assert c == pytest.approx(2 * (2 + lam) / (3 * (1 + lam)), rel=1e-6)
    assert r == pytest.approx(4 / (3 - lam), rel=1e-6)
    mu = c - 1
    assert r == pytest.approx(1 + 1 / (1 + 6 * mu), rel=1e-6)


@given(job_sets(min_n=2, max_n=2), st.floats(0.01, 1.0))
def test_two_stage_two_jobs_consistency_and_robustness(jobs, lam):
    ratio = simulate(jobs, TwoStage(lam)).total_completion_time / spt_total(jobs.sizes)
    assert ratio <= 1 + 1 / (1 + 6 * min(lam, 1 / 3)) + TOL
    if np.array_equal(jobs.predictions, jobs.sizes):
        assert ratio <= 1 + min(lam, 1 / 3) + TOL


@given(job_sets(max_n=7), st.floats(0.01, 1.0))
def test_two_stage_is_1_plus_lam_consistent(jobs, lam):
    exact = jobs.with_predictions(jobs.sizes)
    assert simulate(exact, TwoStage(lam)).total_completion_time <= (1 + lam) * spt_total(jobs.sizes) * (1 + TOL)


@pytest.mark.parametrize("lam", [0.05, 0.1, 0.2, 0.3])
def test_two_stage_hard_instance_approaches_wei_zhang_bound(lam):
    bound = 1 + 1 / (1 + 6 * lam)
    ratios = []
    for eps in (1e-2, 1e-4, 1e-6):
        jobs = TwoStage(lam).two_job_hard_instance(eps)
        ratios.append(simulate(jobs, TwoStage(lam)).total_completion_time / spt_total(jobs.sizes))
    assert all(r <= bound + TOL for r in ratios)
    assert ratios == sorted(ratios) and bound - ratios[-1] < 1e-5


# ------------------------------------------------------------------ the server itself
@given(job_sets(max_n=8, batch=False))
def test_share_and_generic_servers_agree(jobs):
    for policy in (FCFS(), RoundRobin(), SPJF(), PRR(0.3), PRR(0.7), SRPT(), SPT()):
        a = simulate(jobs, policy, method="generic")
        b = simulate(jobs, policy, method="share")
        np.testing.assert_allclose(a.completion, b.completion, rtol=1e-9, atol=1e-9)


def lindley_makespan(release, sizes):
    """Last completion of any work-conserving server: the workload recursion."""
    end = 0.0
    for r, x in sorted(zip(release, sizes)):
        end = max(end, r) + x
    return end


@given(job_sets(max_n=10, batch=False))
def test_work_is_conserved(jobs):
    makespan = lindley_makespan(jobs.release, jobs.sizes)
    for policy in all_policies()[:8]:
        for method in ("generic", "share"):
            s = simulate(jobs, policy, method=method)
            assert s.work == pytest.approx(jobs.sizes.sum(), rel=1e-9)
            assert s.makespan == pytest.approx(makespan, rel=1e-9)
            assert np.all(s.completion >= jobs.release + jobs.sizes * (1 - 1e-9))


@given(job_sets(max_n=10, batch=False))
def test_srpt_minimises_total_flow_time(jobs):
    best = simulate(jobs, SRPT()).total_flow_time
    for policy in (FCFS(), RoundRobin(), SPJF(), PRR(0.5), SPT()):
        assert simulate(jobs, policy).total_flow_time >= best * (1 - TOL)


def test_same_instance_same_schedule():
    jobs = poisson_jobs(300, 0.8, rng=5).with_predictions(np.full(300, 1.0))
    for policy in all_policies()[:8]:
        assert np.array_equal(simulate(jobs, policy).completion, simulate(jobs, policy).completion)


def test_subclass_overriding_decide_is_not_short_cut():
    class Reversed(SPJF):
        def _decide(self, obs):  # largest prediction first
            return self._one_hot(obs.k, int(np.argmax(obs.predictions)))

    jobs = JobSet.batch([1.0, 2.0], predictions=[1.0, 2.0])
    assert Reversed().share_structure() is None
    assert simulate(jobs, Reversed()).completion.tolist() == [3.0, 2.0]


def test_user_policy_with_recheck_is_consulted_on_time():
    seen = []

    def half_then_all(obs):
        seen.append(obs.time)
        if obs.time < 1.0:
            return Allocation(np.full(obs.k, 0.5 / obs.k), recheck=1.0)
        return np.full(obs.k, 1.0 / obs.k)

    s = simulate(JobSet.batch([1.0]), half_then_all)
    assert seen == [0.0, 1.0] and s.completion.tolist() == [1.5]


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize("sizes,match", [
    ([1.0, -2.0], r"^sizes must be > 0, got -2.0 at index 1"),
    ([1.0, float("nan")], r"^sizes must be finite"),
    ([0.0], r"^sizes must be > 0"),
    ([], r"^sizes must not be empty"),
])
def test_bad_sizes_are_refused_naming_them(sizes, match):
    with pytest.raises(ValidationError, match=match):
        JobSet.batch(sizes)


@pytest.mark.parametrize("pred,match", [
    ([1.0, -1.0], r"^predictions must be >= 0"),
    ([float("nan"), 1.0], r"^predictions must be finite"),
    ([1.0], r"^predictions must have shape"),
])
def test_bad_predictions_are_refused_naming_them(pred, match):
    with pytest.raises(ValidationError, match=match):
        JobSet.batch([1.0, 2.0], predictions=pred)


def test_bad_release_times_are_refused():
    with pytest.raises(ValidationError, match=r"^release must be >= 0"):
        JobSet([-1.0], [1.0])
    with pytest.raises(InputTypeError, match="sizes must be a numeric array"):
        JobSet.batch(["a", "b"])


@pytest.mark.parametrize("lam", [0.0, 1.0, -0.5, 2.0, float("nan")])
def test_prr_lambda_out_of_range(lam):
    with pytest.raises(ValidationError, match=r"^lam must"):
        PRR(lam)


def test_two_stage_lambda_must_be_positive():
    with pytest.raises(ValidationError, match=r"^lam must be > 0"):
        TwoStage(0.0)


def test_rates_above_one_from_a_user_policy_name_the_policy():
    def greedy(obs):
        return np.ones(obs.k)

    jobs = JobSet.batch([1.0, 2.0])
    with pytest.raises(PolicyError, match=r"policy FunctionPolicy\('greedy'\) returned rates summing to 2 > 1"):
        simulate(jobs, greedy)


@pytest.mark.parametrize("rates,match", [
    (lambda k: -np.ones(k) / k, "finite and >= 0"),
    (lambda k: np.full(k, np.nan), "finite and >= 0"),
    (lambda k: np.ones(k + 1) / (k + 1), "shape"),
    (lambda k: np.zeros(k), "never end"),
    (lambda k: Allocation(np.zeros(k), recheck=-1.0), "recheck"),
])
def test_invalid_allocations_are_policy_errors(rates, match):
    def broken(obs):
        return rates(obs.k)

    with pytest.raises(PolicyError, match=match):
        simulate(JobSet.batch([1.0, 2.0]), broken)


def test_policy_needing_predictions_says_so():
    with pytest.raises(ValidationError, match="needs predictions"):
        simulate(JobSet.batch([1.0, 2.0]), SPJF())


def test_two_stage_refuses_online_instances():
    with pytest.raises(ValidationError, match="batch"):
        simulate(JobSet([0.0, 1.0], [1.0, 1.0], [1.0, 1.0]), TwoStage(0.1))


def test_decide_on_a_foreign_observation_is_a_stratsim_error():
    for policy in all_policies():
        with pytest.raises(StratsimError):
            policy.decide(object())
    with pytest.raises(ValidationError, match="no alive job"):
        RoundRobin().decide(SchedObservation(0.0, [], [], []))


def test_server_needs_a_job_set_and_an_instance():
    with pytest.raises(InputTypeError, match="JobSet"):
        simulate([1.0, 2.0], RoundRobin())
    with pytest.raises(InputTypeError, match="call it"):
        simulate(JobSet.batch([1.0]), RoundRobin)
    with pytest.raises(ValidationError, match="method"):
        simulate(JobSet.batch([1.0]), RoundRobin(), method="sliced")
    with pytest.raises(ValidationError, match="share structure"):
        simulate(JobSet.batch([1.0], [1.0]), TwoStage(), method="share")


def test_makespan_of_an_idle_gap_is_right():
    jobs = JobSet([0.0, 10.0], [1.0, 1.0])
    assert simulate(jobs, RoundRobin()).completion.tolist() == [1.0, 11.0]
    assert math.isclose(simulate(jobs, FCFS(), method="generic").makespan, 11.0)
