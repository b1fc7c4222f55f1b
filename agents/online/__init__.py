"""Learning-augmented online algorithms: ski rental and non-clairvoyant scheduling.

Policies consult a (possibly wrong) prediction; they are near-optimal when it
is right (consistency) and still bounded when it is wrong (robustness).
Definitions and bounds: Purohit, Svitkina, Kumar (NeurIPS 2018); Wei & Zhang
(NeurIPS 2020).

Modules:

- :mod:`~agents.online.ski`: ski rental policies, exact expected costs, exact
  worst-case ratio, consistency and robustness.
- :mod:`~agents.online.ski_sim`: the rent-or-buy discrete-event simulation (SimPy)
  with a predictor that learns from finished seasons.
- :mod:`~agents.online.predictors`: exact, Gaussian, multiplicative, adversarial
  and learned predictors.
- :mod:`~agents.online.jobs`, :mod:`~agents.online.scheduling`,
  :mod:`~agents.online.server`: job instances, scheduling policies, and the
  event-driven preemptive server.
- :mod:`~agents.online.queueing`: M/G/1 mean response times (FCFS, PS, SRPT, PSJF).
- :mod:`~agents.online.bounds`, :mod:`~agents.online.frontier`: theorem bounds
  and consistency-robustness frontiers.
- :mod:`~agents.online.checks`: input checks shared by the entry points (size guard
  with :func:`~agents.online.checks.memory_limit`, buy price, policy of a domain).
- :mod:`~agents.online.strategies`: hypothesis strategies for ski and job
  instances (imported on demand; needs hypothesis).

Registered policies: ``ski.break_even``, ``ski.classical_randomized``,
``ski.purohit_deterministic``, ``ski.purohit_randomized`` (domain
``"ski_rental"``); ``sched.fcfs``, ``sched.rr``, ``sched.spjf``, ``sched.prr``,
``sched.two_stage``, ``sched.two_stage_overrun``, ``sched.srpt``, ``sched.spt`` (``"scheduling"``);
``predict.exact``, ``predict.gaussian``, ``predict.multiplicative``,
``predict.learned``, ``predict.adversarial_ski`` (``"prediction"``).
Environments (:mod:`sim.environment`), one example registered per domain:
:class:`SkiSeasons` (one ski season per step), :class:`SchedulingServer` (event
to event) and :class:`PredictionTask` (one instance to predict per step).

Examples
--------
>>> from agents.online import PRR, JobSet, simulate, opt_batch_cost
>>> jobs = JobSet.batch([1.0, 4.0], predictions=[4.0, 1.0])     # predictions swapped
>>> simulate(jobs, PRR(0.5)).total_completion_time / opt_batch_cost(jobs.sizes)   # 9 / 6
1.5
"""

from . import bounds
from .frontier import scheduling_worst_ratio, ski_frontier
from .jobs import JobSet, opt_batch_cost, pareto_sizes, poisson_jobs
from .predictors import (
    AdversarialPredictor,
    ExactPredictor,
    GaussianNoisePredictor,
    LearnedPredictor,
    MultiplicativeNoisePredictor,
    PredictionQuery,
    PredictionTask,
    Predictor,
)
from .queueing import mean_response_time
from .scheduling import (
    FCFS,
    PRR,
    SPJF,
    SPT,
    SRPT,
    Allocation,
    RoundRobin,
    SchedObservation,
    SchedulingPolicy,
    ShareRule,
    TwoStage,
    TwoStageOverrun,
    check_allocation,
)
from .server import Schedule, SchedulingServer, simulate
from .ski import (
    BreakEven,
    BuyDays,
    ClassicalRandomized,
    PurohitDeterministic,
    PurohitRandomized,
    SkiObservation,
    SkiRentalPolicy,
    as_buy_days,
    consistency,
    decision_classes,
    expected_cost,
    expected_ratio,
    opt_cost,
    robustness,
    ski_cost,
    worst_case_ratio,
)
from .ski_sim import SeasonModel, SeasonOutcome, SkiRentalRun, SkiSeasons, simulate_ski_rental

__all__ = [
    "FCFS",
    "PRR",
    "SPJF",
    "SPT",
    "SRPT",
    "AdversarialPredictor",
    "Allocation",
    "BreakEven",
    "BuyDays",
    "ClassicalRandomized",
    "ExactPredictor",
    "GaussianNoisePredictor",
    "JobSet",
    "LearnedPredictor",
    "MultiplicativeNoisePredictor",
    "PredictionQuery",
    "PredictionTask",
    "Predictor",
    "PurohitDeterministic",
    "PurohitRandomized",
    "RoundRobin",
    "SchedObservation",
    "Schedule",
    "SchedulingPolicy",
    "SchedulingServer",
    "SeasonOutcome",
    "SeasonModel",
    "ShareRule",
    "SkiObservation",
    "SkiRentalPolicy",
    "SkiRentalRun",
    "SkiSeasons",
    "TwoStage",
    "TwoStageOverrun",
    "as_buy_days",
    "bounds",
    "check_allocation",
    "consistency",
    "decision_classes",
    "expected_cost",
    "expected_ratio",
    "mean_response_time",
    "opt_batch_cost",
    "opt_cost",
    "pareto_sizes",
    "poisson_jobs",
    "robustness",
    "scheduling_worst_ratio",
    "simulate",
    "simulate_ski_rental",
    "ski_cost",
    "ski_frontier",
    "worst_case_ratio",
]
