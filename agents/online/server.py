"""The event-driven preemptive single server.

Between events the policy's rates are constant, so every alive job's remaining
size falls linearly and the next event time is known exactly: the next
arrival, the first completion ``min_j remaining_j / rate_j``, or a re-decision
time the policy asked for. The server jumps from event to event; there is no
time slicing and no discretisation error.

The server is an environment (:class:`SchedulingServer`, a
:class:`sim.environment.Environment` of domain ``"scheduling"``): a step goes
from one event to the next. Its observation is the alive jobs' state as the
policy may see it (a :class:`~agents.online.scheduling.SchedObservation`:
predictions if the jobs have them, true sizes only for a clairvoyant policy),
the decision is the rates (or an :class:`~agents.online.scheduling.Allocation`),
and each step's metrics are ``time`` (the clock after the step), ``served``
(work delivered), ``completed`` (jobs finished at the step's end),
``completion_time`` and ``flow_time`` (sums of ``C_j`` and ``C_j - r_j`` over
them) and ``alive`` (jobs left). :func:`sim.environment.rollout` drives it.

:func:`simulate` has two implementations that produce the same schedule:

- ``method="generic"`` runs the policy on the environment with
  :func:`~sim.environment.rollout` (any
  :class:`~agents.online.scheduling.SchedulingPolicy` or plain function
  ``observation -> rates``), validating each decision; ``O(k)`` per event.
- ``method="share"`` serves rate rules (policies whose
  :meth:`~agents.online.scheduling.SchedulingPolicy.share_structure` is a
  :class:`~agents.online.scheduling.ShareRule`: ``alpha/k`` to every alive job
  plus ``1 - alpha`` to the least priority; FCFS, RR, SPJF, PRR, SRPT, SPT) in
  closed form, ``O(log n)`` per event, from the same rule the policy's
  ``decide`` is derived from. It agrees with the generic path up to rounding
  (it computes event times from a virtual clock), so it is a separate
  method, not the environment's bit-identical ``compiled_rollout``. Under it every
  alive job accrues the same *virtual* service ``V(t) = int alpha/k dt``, so a job
  that is not prioritised finishes exactly when ``V`` reaches its key
  ``x_j + V(r_j) - (extra service received while prioritised)``; two heaps give
  the next completion and the prioritised job.

``method="auto"`` (the default) picks ``"share"`` when the policy allows it.

Examples
--------
>>> from agents.online.jobs import JobSet
>>> from agents.online.server import simulate
>>> jobs = JobSet.batch([1.0, 2.0, 3.0])
>>> simulate(jobs, "sched.rr").completion.tolist()      # 3*1, then 1 + 2*2, then 3 + 3
[3.0, 5.0, 6.0]
>>> simulate(jobs, "sched.spt").total_completion_time  # 1 + 3 + 6
10.0

The same run as an environment, event by event:

>>> from sim.environment import rollout
>>> from agents.online.scheduling import RoundRobin
>>> out = rollout(SchedulingServer(jobs), RoundRobin(), rng=0)
>>> out.times.tolist(), out.completed.tolist(), out.total("completion_time")
([3.0, 5.0, 6.0], [1.0, 1.0, 1.0], 14.0)
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.environment import Environment, Rollout, Step, rollout
from sim.errors import InputTypeError, PolicyError, ValidationError
from sim.random import RngLike, make_rng
from sim.registry import register_environment
from sim.validate import check_choice, check_int

from .checks import PolicyLike, check_flag, check_policy
from .jobs import JobSet, pareto_sizes
from .scheduling import Allocation, SchedObservation, SchedulingPolicy, check_allocation

__all__ = ["Schedule", "SchedulingServer", "simulate"]

_DONE_TOL = 1e-10


@dataclass(frozen=True)
class Schedule:
    """The outcome of serving a :class:`~agents.online.jobs.JobSet`.

    Attributes
    ----------
    jobs : JobSet
        The instance.
    completion : numpy.ndarray
        Completion time of each job (job order).
    work : float
        Total service delivered, summed event by event (equals the total size
        when work is conserved).
    n_events : int
        Number of events processed.
    method : str
        ``"generic"`` or ``"share"``.
    rollout : sim.environment.Rollout or None
        The per-event metrics of a ``"generic"`` run (see :class:`SchedulingServer`);
        ``None`` for the closed-form ``"share"`` method.
    """

    jobs: JobSet
    completion: np.ndarray
    work: float
    n_events: int
    method: str
    rollout: Rollout | None = None

    @property
    def response(self) -> np.ndarray:
        """Response (flow, sojourn) times ``C_j - r_j``."""
        return self.completion - self.jobs.release

    @property
    def total_completion_time(self) -> float:
        """``sum_j C_j`` (the objective on a batch)."""
        return float(np.sum(self.completion))

    @property
    def total_flow_time(self) -> float:
        """``sum_j (C_j - r_j)``."""
        return float(np.sum(self.response))

    @property
    def mean_response_time(self) -> float:
        """Mean of ``C_j - r_j``."""
        return float(np.mean(self.response))

    @property
    def makespan(self) -> float:
        """The last completion time."""
        return float(np.max(self.completion))


def _as_sched_policy(policy):
    return check_policy("policy", policy, "scheduling")


def simulate(jobs: JobSet, policy: PolicyLike, *, method: str = "auto", max_events: int | None = None) -> Schedule:
    """Serve ``jobs`` with ``policy`` on one preemptive unit-speed server.

    Parameters
    ----------
    jobs : JobSet
        The instance.
    policy : SchedulingPolicy, callable or str
        The rule; a plain function receives a
        :class:`~agents.online.scheduling.SchedObservation` and returns rates; a
        string is a registered policy name.
    method : {"auto", "generic", "share"}
        Implementation (see the module docstring).
    max_events : int, optional
        Safety limit on decisions (default ``1000 n + 10^6``); a policy that
        keeps asking for re-decisions without progress raises ``PolicyError``.

    Returns
    -------
    Schedule

    Examples
    --------
    >>> jobs = JobSet.batch([2.0, 1.0])
    >>> simulate(jobs, lambda obs: [0.9] * obs.k)
    Traceback (most recent call last):
    ...
    sim.errors.PolicyError: policy FunctionPolicy('<lambda>') returned rates summing to 1.8 > 1 at time 0.0
    """
    if not isinstance(jobs, JobSet):
        raise InputTypeError(f"jobs must be a JobSet, got {type(jobs).__name__}")
    policy = _as_sched_policy(policy)
    method = check_choice("method", method, ("auto", "generic", "share"))
    if max_events is None:
        max_events = 1000 * jobs.n + 10**6
    max_events = check_int("max_events", max_events, low=1)
    spec = policy.share_structure() if isinstance(policy, SchedulingPolicy) else None
    if isinstance(policy, SchedulingPolicy):
        if policy.needs_predictions and jobs.predictions is None:
            raise ValidationError(f"policy {policy!r} needs predictions: jobs.predictions is None")
        if policy.batch_only and not np.all(jobs.release == jobs.release[0]):
            raise ValidationError(f"policy {policy!r} is defined for batch instances "
                                  "(all jobs released together)")
    if method == "share" and spec is None:
        raise ValidationError(f"method='share' needs a policy with a share structure; {policy!r} has none")
    if method == "generic" or spec is None:
        return _simulate_generic(jobs, policy, max_events)
    if spec[0] == 1.0:
        return _simulate_ps(jobs)
    return _simulate_share(jobs, *spec)


class SchedulingServer(Environment):
    """One preemptive unit-speed server serving ``jobs``, event to event (see the module docstring).

    Parameters
    ----------
    jobs : JobSet
        The instance.
    reveal_sizes : bool
        Whether observations carry the true remaining and original sizes (for
        clairvoyant policies; then ``"sizes"`` is in :attr:`provides`).
    max_events : int, optional
        Safety limit on decisions (default ``1000 n + 10^6``): a policy that keeps
        asking for re-decisions without progress raises
        :class:`~sim.errors.PolicyError`.

    Attributes
    ----------
    provides : frozenset
        ``"predictions"`` if the jobs carry predictions, ``"batch"`` if they are
        all released together, ``"sizes"`` if ``reveal_sizes``.

    Examples
    --------
    >>> env = SchedulingServer(JobSet.batch([1.0, 2.0], predictions=[1.0, 2.0]))
    >>> sorted(env.provides), env.context()
    (['batch', 'predictions'], {'n_jobs': 2})
    """

    domain = "scheduling"

    def __init__(self, jobs: JobSet, *, reveal_sizes: bool = False, max_events: int | None = None) -> None:
        if not isinstance(jobs, JobSet):
            raise InputTypeError(f"jobs must be a JobSet, got {type(jobs).__name__}")
        self.jobs = jobs
        self.reveal_sizes = check_flag("reveal_sizes", reveal_sizes)
        self.max_events = check_int("max_events", 1000 * jobs.n + 10**6 if max_events is None else max_events,
                                    low=1)
        caps = {"sizes"} if self.reveal_sizes else set()
        if jobs.predictions is not None:
            caps.add("predictions")
        if np.all(jobs.release == jobs.release[0]):
            caps.add("batch")
        self.provides = frozenset(caps)
        self._order = np.argsort(jobs.release, kind="stable")
        self.reset(None)

    def context(self) -> dict[str, Any]:
        return {"n_jobs": self.jobs.n}

    def reset(self, rng: RngLike = None) -> None:
        """Start from time 0 with no job served (the server itself draws no randomness)."""
        if rng is not None:
            make_rng(rng)  # refuse what could not seed a generator, as every environment does
        self.completion = np.empty(self.jobs.n)
        self.work = 0.0
        self.events = 0
        self._ids = np.empty(0, dtype=np.int64)
        self._remaining = np.empty(0)
        self._attained = np.empty(0)
        self._i = 0
        self._t = float(self.jobs.release[self._order[0]])
        self._admit()

    @property
    def now(self) -> float:
        return self._t

    @property
    def done(self) -> bool:
        """Whether every job has finished."""
        return self._i >= self.jobs.n and not self._ids.size

    def _admit(self) -> None:
        """Jump over an idle period and admit every job released by now."""
        release, order, n = self.jobs.release, self._order, self.jobs.n
        i = self._i
        if i < n and not self._ids.size and release[order[i]] > self._t:
            self._t = float(release[order[i]])
        start = i
        while i < n and release[order[i]] <= self._t:
            i += 1
        if i > start:
            new = order[start:i]
            self._ids = np.concatenate([self._ids, new])
            self._remaining = np.concatenate([self._remaining, self.jobs.sizes[new]])
            self._attained = np.concatenate([self._attained, np.zeros(new.size)])
        self._i = i

    def observe(self) -> SchedObservation:
        jobs, ids = self.jobs, self._ids
        preds = jobs.predictions
        reveal = self.reveal_sizes
        return SchedObservation(self._t, ids, jobs.release[ids], self._attained,
                                None if preds is None else preds[ids],
                                self._remaining if reveal else None, jobs.sizes[ids] if reveal else None)

    def step(self, decision: ArrayLike | Allocation) -> Step:
        """Serve at ``decision``'s rates until the next arrival, completion or requested re-decision."""
        if self.done:
            raise PolicyError("the schedule is over: every job has finished")
        self.events += 1
        if self.events > self.max_events:
            raise PolicyError(f"policy {self._policy!r} needed more than max_events={self.max_events} decisions")
        ids, t = self._ids, self._t
        rates, recheck = check_allocation(decision, ids.size, t, self._policy)
        remaining = self._remaining
        with np.errstate(divide="ignore", invalid="ignore"):
            to_finish = np.where(rates > 0, remaining / rates, np.inf)
        j = int(np.argmin(to_finish))
        dt_done = float(to_finish[j])
        n, release, order = self.jobs.n, self.jobs.release, self._order
        next_arrival = float(release[order[self._i]]) if self._i < n else math.inf
        dt = min(dt_done, next_arrival - t, recheck - t)
        if math.isinf(dt):
            raise PolicyError(f"policy {self._policy!r} gave no service to {ids.size} alive jobs at time {t} "
                              "and asked for no re-decision: the schedule would never end")
        served = rates * dt
        step_work = float(served.sum())
        self.work += step_work
        remaining = remaining - served
        self._attained = self._attained + served
        if dt == dt_done:
            t += dt
            remaining[j] = 0.0
        elif dt == next_arrival - t:
            t = next_arrival
        else:
            t = recheck
        self._t = t
        finished = remaining <= _DONE_TOL * self.jobs.sizes[ids]
        completed = np.empty(0, dtype=np.int64)
        if finished.any():
            completed = ids[finished]
            self.completion[completed] = t
            keep = ~finished
            ids, remaining, self._attained = ids[keep], remaining[keep], self._attained[keep]
        self._ids, self._remaining = ids, remaining
        self._admit()
        k = completed.size
        metrics = {"time": t, "served": step_work, "completed": float(k),
                   "completion_time": t * k, "flow_time": float(np.sum(t - release[completed])),
                   "alive": float(self._ids.size)}
        return Step(completed, metrics, self.done)

    #: The policy named in error messages (set by :func:`simulate`; ``None`` otherwise).
    _policy = None

    def __repr__(self):
        return f"SchedulingServer({self.jobs!r})"


def _example_server(rng=0, n_jobs: int = 5, batch: bool = True, reveal_sizes: bool = True) -> SchedulingServer:
    """A small batch of Pareto jobs with noisy predictions (the domain's example environment)."""
    rng = make_rng(rng)
    x = pareto_sizes(check_int("n_jobs", n_jobs, low=1), rng, alpha=1.5)
    release = np.zeros(n_jobs) if batch else np.cumsum(rng.exponential(1.0, n_jobs))
    return SchedulingServer(JobSet(release, x, x * rng.uniform(0.5, 1.5, n_jobs)), reveal_sizes=reveal_sizes)


register_environment("scheduling", _example_server,
                     description="A batch of 5 Pareto jobs with noisy predictions; sizes revealed.")


def _simulate_generic(jobs: JobSet, policy, max_events: int) -> Schedule:
    clairvoyant = bool(getattr(policy, "clairvoyant", False))
    env = SchedulingServer(jobs, reveal_sizes=clairvoyant, max_events=max_events)
    env._policy = policy
    policy.reset()
    out = rollout(env, policy, rng=0, max_steps=max_events + 1)
    return Schedule(jobs, env.completion, env.work, env.events, "generic", out)


def _simulate_ps(jobs: JobSet) -> Schedule:
    """Processor sharing (``alpha = 1``): the share loop without a prioritised job."""
    n = jobs.n
    order = np.argsort(jobs.release, kind="stable")
    rel = jobs.release[order].tolist()
    size = jobs.sizes[order].tolist()
    push, pop = heapq.heappush, heapq.heappop
    completion = [0.0] * n                # in release order
    fin: list = []                        # (finish key x_j + V(r_j), position)
    V = t = work = 0.0
    k = i = done = events = 0
    while done < n:
        if k == 0:
            t = rel[i]
            V = 0.0
        while i < n and rel[i] <= t:
            push(fin, (size[i] + V, i))
            i += 1
            k += 1
        events += 1
        key = fin[0][0]
        dt = (key - V) * k
        if i < n and t + dt > rel[i]:
            dt = rel[i] - t
            work += dt
            V += dt / k
            t = rel[i]
            continue
        work += dt
        t += dt
        V = key
        tol = _DONE_TOL * (abs(V) + 1.0)
        while fin and fin[0][0] <= V + tol:
            completion[pop(fin)[1]] = t
            k -= 1
            done += 1
    out = np.empty(n)
    out[order] = completion
    return Schedule(jobs, out, work, events, "share")


def _simulate_share(jobs: JobSet, alpha: float, key) -> Schedule:
    """``alpha/k`` to every alive job, ``1 - alpha`` to the least ``(priority, id)``."""
    n = jobs.n
    order = np.argsort(jobs.release, kind="stable").tolist()
    rel = jobs.release.tolist()
    size = jobs.sizes.tolist()
    if key == "release":
        prio = rel
    elif key == "prediction":
        prio = jobs.predictions.tolist()
    elif key == "size":
        prio = size
    else:
        prio = None                       # "remaining": the priority is the finish key
    dynamic = key == "remaining"
    shared = alpha > 0.0
    focused = alpha < 1.0
    boost = 1.0 - alpha
    push, pop = heapq.heappush, heapq.heappop
    inf = math.inf

    completion = [0.0] * n
    finish_key = [0.0] * n                # x_j + V(r_j) - extra service; valid for non-chosen jobs
    version = [0] * n                     # heap entries with an older version are stale
    fin: list = []                        # (finish key, id, version) of non-chosen alive jobs
    pri: list = []                        # (priority, id, version) of non-chosen alive jobs
    chosen, chosen_key, chosen_prio = -1, 0.0, 0.0
    V = 0.0
    t = 0.0
    k = 0
    i = 0
    done = 0
    events = 0
    work = 0.0
    while done < n:
        if k == 0:
            t = rel[order[i]]
            V = 0.0                       # re-base the virtual clock on every busy period
        while i < n and rel[order[i]] <= t:
            j = order[i]
            i += 1
            kj = size[j] + V
            finish_key[j] = kj
            if shared:
                push(fin, (kj, j, version[j]))
            if focused:
                push(pri, (kj if dynamic else prio[j], j, version[j]))
            k += 1
        if focused:
            while pri and pri[0][2] != version[pri[0][1]]:
                pop(pri)
            current = chosen_key if dynamic else chosen_prio
            if pri and (chosen < 0 or (pri[0][0], pri[0][1]) < (current, chosen)):
                p_new, j_new, _ = pop(pri)
                if chosen >= 0:           # preempted: back into both heaps at its current key
                    version[chosen] += 1
                    finish_key[chosen] = chosen_key
                    if shared:
                        push(fin, (chosen_key, chosen, version[chosen]))
                    push(pri, (chosen_key if dynamic else chosen_prio, chosen, version[chosen]))
                chosen = j_new
                version[chosen] += 1      # its entry in ``fin`` is now stale
                chosen_key, chosen_prio = finish_key[chosen], p_new
        events += 1
        share = alpha / k
        dt_arrival = rel[order[i]] - t if i < n else inf
        dt_chosen = (chosen_key - V) / (share + boost) if chosen >= 0 else inf
        dt_other = inf
        if shared:
            while fin and fin[0][2] != version[fin[0][1]]:
                pop(fin)
            if fin:
                dt_other = (fin[0][0] - V) * k / alpha
        busy = alpha if chosen < 0 else 1.0
        if dt_other <= dt_chosen and dt_other <= dt_arrival:
            work += dt_other * busy
            t += dt_other
            V = fin[0][0]
            if chosen >= 0:
                chosen_key -= dt_other * boost
        elif dt_chosen <= dt_arrival:
            work += dt_chosen * busy
            t += dt_chosen
            V += dt_chosen * share
            completion[chosen] = t
            version[chosen] += 1
            chosen = -1
            k -= 1
            done += 1
        else:
            work += dt_arrival * busy
            t = rel[order[i]]
            V += dt_arrival * share
            chosen_key -= dt_arrival * boost
            continue
        tol = _DONE_TOL * (abs(V) + 1.0)
        while fin and (fin[0][2] != version[fin[0][1]] or fin[0][0] <= V + tol):
            _, j, ver = pop(fin)
            if ver == version[j]:
                completion[j] = t
                version[j] += 1
                k -= 1
                done += 1
        if chosen >= 0 and chosen_key <= V + tol:
            completion[chosen] = t
            version[chosen] += 1
            chosen = -1
            k -= 1
            done += 1
    return Schedule(jobs, np.array(completion), work, events, "share")
