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
    TwoStageOverrun,
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
            TwoStage(0.3), TwoStageOverrun(0.05), TwoStageOverrun(0.3)]


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


# ------------------------------------------------------------------ two-stage schedules by hand
# Three jobs, predictions y = (1, 2, 3), lam = 0.1 throughout: OPT(y) = 3*1 + 2*2 + 1*3 = 10 and the stage-1
# budget is T = lam n OPT(y) / C(n, 2) = 0.1 * 3 * 10 / 3 = 1, so round robin gives each job 1/3 by t = 1
# (unless one finishes before). Stage 2 then serves jobs in predicted order 0, 1, 2.
Y3 = [1.0, 2.0, 3.0]

HAND_SCHEDULES = {
    # exact: x = y. Job 0 needs 1 - 1/3 = 2/3 -> 5/3; job 1 needs 2 - 1/3 -> 5/3 + 5/3 = 10/3;
    # job 2 needs 3 - 1/3 = 8/3 -> 18/3 = 6. Total 11 = (1 + lam) OPT with OPT = 10.
    "exact": ([1.0, 2.0, 3.0], [5 / 3, 10 / 3, 6.0], [5 / 3, 10 / 3, 6.0]),
    # longer: job 1 is 3, predicted 2. Job 0 done at 5/3; job 1 alone reaches its prediction 2 at
    # 5/3 + 5/3 = 10/3 still alive -> round robin on jobs 1 (1 left) and 2 (8/3 left): job 1 at 10/3 + 2 = 16/3,
    # job 2 then has 5/3 left -> 7. Both variants see this kind.
    "longer": ([1.0, 3.0, 3.0], [5 / 3, 16 / 3, 7.0], [5 / 3, 16 / 3, 7.0]),
    # shorter, in stage 2: job 0 is 1/2, predicted 1. It finishes at 1 + (1/2 - 1/3) = 7/6 with 1/2 < 1 served.
    # Two-stage: round robin on jobs 1 (5/3 left) and 2 (8/3 left): job 1 at 7/6 + 2 * 5/3 = 27/6 = 9/2,
    #   job 2 then has 1 left -> 11/2.
    # Overrun only: predicted order goes on: job 1 at 7/6 + 5/3 = 17/6, job 2 at 17/6 + 8/3 = 33/6 = 11/2.
    "shorter": ([0.5, 2.0, 3.0], [7 / 6, 9 / 2, 11 / 2], [7 / 6, 17 / 6, 11 / 2]),
    # shorter, in stage 1: job 0 is 1/4; under round robin of 3 it finishes at 3 * 1/4 = 3/4 < T = 1.
    # Two-stage: round robin for good; jobs 1 (7/4 left) and 2 (11/4 left): job 1 at 3/4 + 2 * 7/4 = 17/4,
    #   job 2 then has 1 left -> 21/4.
    # Overrun only: stage 1 goes on to t = 1 (jobs 1, 2 get 1/8 more each: 3/8 served), then job 1 alone:
    #   1 + (2 - 3/8) = 21/8, job 2: 21/8 + (3 - 3/8) = 42/8 = 21/4.
    "shorter in stage 1": ([0.25, 2.0, 3.0], [3 / 4, 17 / 4, 21 / 4], [3 / 4, 21 / 8, 21 / 4]),
    # mixed, shorter first: x = (1/2, 3, 3). Job 0 finishes early at 7/6 (as above).
    # Two-stage: round robin on jobs 1 and 2, 8/3 left each: both finish at 7/6 + 2 * 8/3 = 39/6 = 13/2.
    # Overrun only: job 1 alone to its prediction 2 at 7/6 + 5/3 = 17/6, alive (longer) -> round robin:
    #   job 1 (1 left) at 17/6 + 2 = 29/6, job 2 (8/3 - 1 = 5/3 left) at 29/6 + 5/3 = 39/6 = 13/2.
    "mixed, shorter first": ([0.5, 3.0, 3.0], [7 / 6, 13 / 2, 13 / 2], [7 / 6, 29 / 6, 13 / 2]),
    # mixed, longer first: x = (2, 1, 3). Job 0 alone reaches its prediction 1 at 1 + 2/3 = 5/3, alive ->
    # round robin on all three (1, 2/3, 8/3 left): job 1 at 5/3 + 3 * 2/3 = 11/3; then jobs 0 (1/3 left) and
    # 2 (2 left): job 0 at 11/3 + 2/3 = 13/3; job 2 (5/3 left) at 13/3 + 5/3 = 6. Both variants alike.
    "mixed, longer first": ([2.0, 1.0, 3.0], [13 / 3, 11 / 3, 6.0], [13 / 3, 11 / 3, 6.0]),
}


@pytest.mark.parametrize("kind", sorted(HAND_SCHEDULES))
def test_two_stage_schedules_match_hand_computation(kind):
    x, two_stage, overrun_only = HAND_SCHEDULES[kind]
    jobs = JobSet.batch(x, predictions=Y3)
    np.testing.assert_allclose(simulate(jobs, TwoStage(0.1)).completion, two_stage, rtol=1e-12)
    np.testing.assert_allclose(simulate(jobs, TwoStageOverrun(0.1)).completion, overrun_only, rtol=1e-12)


def test_two_stage_budget_by_hand():
    assert TwoStage(0.1).budget(Y3) == pytest.approx(1.0, rel=1e-15)      # 0.1 * 3 * 10 / C(3, 2)
    assert TwoStage(0.5).budget([2.0, 1.0]) == pytest.approx(4.0)          # 0.5 * 2 * (2*1 + 1*2) / 1
    assert TwoStage(0.5).budget([7.0]) == 0.0                              # one job: no stage 1
    with pytest.raises(ValidationError, match="predictions"):
        TwoStage(0.1).budget([])


def test_two_stage_is_non_clairvoyant():
    # Two instances that agree on everything the policy can observe up to t = 7/6 (the completion of job 0 with
    # 1/2 served) get the same rates up to then, whatever the sizes of the jobs still alive.
    assert not TwoStage(0.1).clairvoyant and not TwoStageOverrun(0.1).clairvoyant
    for policy in (TwoStage(0.1), TwoStageOverrun(0.1)):
        a = simulate(JobSet.batch([0.5, 2.0, 3.0], predictions=Y3), policy).rollout
        b = simulate(JobSet.batch([0.5, 2.5, 9.0], predictions=Y3), policy).rollout
        # the events up to job 0's completion: the end of stage 1 (t = 1), then the completion (t = 7/6)
        np.testing.assert_array_equal(a.times[:2], b.times[:2])
        np.testing.assert_allclose(a.times[:2], [1.0, 7 / 6], rtol=1e-12)
        np.testing.assert_array_equal(a["served"][:2], b["served"][:2])


@given(job_sets(max_n=6))
def test_two_stage_variants_agree_unless_a_job_finishes_early(jobs):
    # The variants differ only in reacting to a job shorter than predicted, so with no such job (x_j >= y_j for
    # every j) they give the same schedule, and with two jobs they always do (the job left is served alone).
    a = simulate(jobs, TwoStage(0.2)).completion
    b = simulate(jobs, TwoStageOverrun(0.2)).completion
    if jobs.n <= 2 or np.all(jobs.sizes >= jobs.predictions):
        np.testing.assert_allclose(a, b, rtol=1e-9)


@given(job_sets(max_n=7), st.floats(0.01, 1.0))
def test_two_stage_is_work_conserving(jobs, lam):
    # Every decision gives the whole server to alive jobs (round robin or one job), so a batch ends exactly
    # when its total work is done.
    for policy in (TwoStage(lam), TwoStageOverrun(lam)):
        out = simulate(jobs, policy)
        assert out.makespan == pytest.approx(float(jobs.sizes.sum()), rel=1e-9)


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
