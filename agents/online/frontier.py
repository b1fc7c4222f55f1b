"""Consistency-robustness frontiers of policy families.

For ski rental both numbers are exact (:func:`agents.online.ski.consistency`,
:func:`~agents.online.ski.robustness`). For scheduling the supremum over
instances has no general formula, so :func:`scheduling_worst_ratio` searches:
log-uniform random instances, then Nelder-Mead from the best few, each
evaluated by the event-driven server. The result is a lower estimate of the
supremum (attained by the returned instance), exact up to the search's reach.

Examples
--------
>>> from agents.online.frontier import ski_frontier
>>> from agents.online.ski import PurohitDeterministic
>>> c, r = ski_frontier(PurohitDeterministic, [0.5, 1.0], b=100)
>>> c.tolist(), r.tolist()
([1.49, 1.99], [2.99, 1.99])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from sim.errors import InputTypeError, StratsimError, ValidationError
from sim.random import RngLike, make_rng
from sim.validate import check_array, check_callable, check_int, check_real

from .checks import PolicyLike, check_flag, check_memory, check_policy, check_price
from .jobs import JobSet, opt_batch_cost
from .server import simulate
from .ski import SkiRentalPolicy, consistency, robustness

__all__ = ["scheduling_worst_ratio", "ski_frontier"]


def ski_frontier(family: Callable[[float], SkiRentalPolicy], lams: ArrayLike, *,
                 b: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Exact (consistency, robustness) of ``family(lam)`` for each ``lam``, at price ``b``.

    Returns two arrays.
    """
    family = check_callable("family", family)
    b = check_price(b)
    lams = check_array("lams", lams, ndim=1)
    policies = []
    for lam in lams:
        name = getattr(family, "__name__", repr(family))
        try:
            policies.append(family(float(lam)))
        except StratsimError as exc:
            raise type(exc)(f"lams: family {name}({float(lam)!r}) refused it: {exc}") from None
        except Exception as exc:  # not a family of one parameter
            raise InputTypeError(f"family must build a ski rental policy from one lam, but {name}({float(lam)!r}) "
                                 f"raised {type(exc).__name__}: {exc}") from exc
    for p in policies:
        if not isinstance(p, SkiRentalPolicy):
            raise InputTypeError(f"family must build ski rental policies from lam, got {p!r}")
    return (np.array([consistency(p, b) for p in policies]),
            np.array([robustness(p, b) for p in policies]))


def scheduling_worst_ratio(policy: PolicyLike, n: int = 2, *, consistent: bool, rng: RngLike, n_random: int = 200,
                           n_starts: int = 3, max_evals: int = 200, log_range: float = 4.0,
                           seeds: Iterable[JobSet] = ()) -> tuple[float, JobSet]:
    """Search for the batch instance of ``n`` jobs that maximises ``cost / OPT``.

    Parameters
    ----------
    policy : SchedulingPolicy or str
        The rule (reset before every run by the server).
    n : int
        Number of jobs.
    consistent : bool
        ``True``: predictions equal sizes (the search gives consistency);
        ``False``: predictions are free (robustness).
    rng : numpy.random.Generator or int
        Randomness of the search.
    n_random, n_starts, max_evals : int
        Random instances, Nelder-Mead restarts from the best of them, and
        evaluations per restart.
    log_range : float
        Sizes and predictions start log-uniform in ``[e^-log_range, e^log_range]``.
    seeds : sequence of JobSet
        Known hard instances of ``n`` jobs to try as well (and to start from);
        useful where the supremum sits at a discontinuity random search rarely hits.

    Returns
    -------
    ratio : float
        The largest ratio found.
    jobs : JobSet
        An instance attaining it.

    Examples
    --------
    >>> from agents.online.scheduling import RoundRobin
    >>> ratio, jobs = scheduling_worst_ratio(RoundRobin(), 2, consistent=True, rng=0)
    >>> round(ratio, 4)     # 2n/(n+1), at equal sizes
    1.3333
    """
    policy = check_policy("policy", policy, "scheduling")
    n = check_int("n", n, low=1)
    consistent = check_flag("consistent", consistent)
    n_random = check_int("n_random", n_random, low=1)
    check_memory("n, n_random", (n, n_random), 16 * n_random * 2 * n + 4096 * n)
    n_starts = check_int("n_starts", n_starts, low=0)
    max_evals = check_int("max_evals", max_evals, low=1)
    log_range = check_real("log_range", log_range, low=0.0, high=50.0, low_open=True)  # sizes are clipped to e^±50
    rng = make_rng(rng)
    dim = n if consistent else 2 * n

    def instance(z):
        x = np.exp(np.clip(z[:n], -50, 50))
        y = x if consistent else np.exp(np.clip(z[n:], -50, 50))
        return JobSet.batch(x, predictions=y)

    def ratio(z):
        jobs = instance(z)
        return simulate(jobs, policy).total_completion_time / opt_batch_cost(jobs.sizes)

    starts = rng.uniform(-log_range, log_range, size=(n_random, dim))
    extra = []
    if isinstance(seeds, (str, bytes, np.ndarray, JobSet)) or not hasattr(seeds, "__iter__"):
        raise InputTypeError(f"seeds must be a sequence of JobSets, got {type(seeds).__name__}")
    for jobs in seeds:
        if not isinstance(jobs, JobSet) or jobs.n != n or jobs.predictions is None:
            raise ValidationError(f"seeds must be JobSets of {n} jobs with predictions, got {jobs!r}")
        if np.any(jobs.predictions <= 0):
            raise ValidationError("seed predictions must be > 0 (the search works in log space)")
        extra.append(np.log(jobs.sizes) if consistent else np.log(np.concatenate([jobs.sizes, jobs.predictions])))
    if extra:
        starts = np.vstack([np.array(extra), starts])
    values = np.array([ratio(z) for z in starts])
    best_z, best = starts[int(np.argmax(values))], float(values.max())
    for z0 in starts[np.argsort(-values)[:n_starts]]:
        res = optimize.minimize(lambda z: -ratio(z), z0, method="Nelder-Mead",
                                options={"maxfev": max_evals, "xatol": 1e-9, "fatol": 1e-12})
        if -res.fun > best:
            best, best_z = float(-res.fun), res.x
    return best, instance(best_z)
