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

Wei & Zhang's ski rental lower bounds are statements about large ``b``: a
deterministic ``(1 + lam)``-consistent rule is at best ``(1 + 1/lam)``-robust,
a randomized ``r``-robust rule at best ``r ln(1 + 1/(r - 1))``-consistent, in
the limit ``b -> inf``. At a finite price ``b`` every rule is held to a lower
frontier that lies *below* these curves (so exact points at ``b = 100`` can sit
under them: Purohit's deterministic rule at ``lam = 0.1`` is 1.09-consistent and
10.99-robust, under ``1 + 1/(c - 1) = 12.1`` at ``c = 1.09``) and tends to them as
``b`` grows:

- :func:`deterministic_ski_frontier`, in closed form. A rule with consistency
  ``c`` must, on a prediction of a long season, buy by day
  ``D = floor(1 + (c - 1) b)`` (else a season as long as predicted costs more
  than ``c b``), and the season that ends on the buy day then costs
  ``(d - 1 + b) / d`` times OPT. So the least robustness is
  ``1 + (b - 1) / min(D, b)``, attained by "buy on day ``min(D, b)`` if
  ``y >= b``, else on day ``b``". The corners are
  ``(1 + (d - 1)/b, 1 + (b - 1)/d)``, ``d = 1..b``; with ``d = lam b`` they tend to
  ``(1 + lam, 1 + 1/lam)``.
- :func:`randomized_ski_frontier`, by a linear program: the least expected
  cost ``E[D - 1 + b] / b`` on a long season (``x >= 2b``, the prediction being
  right) over buy-day distributions that are ``r``-robust, ``E cost(x) <= r min(x, b)``
  for every ``x``. Moving the mass of every day after ``b`` to day ``b`` leaves
  the cost of each season ``x < b`` as it was (every day after ``x`` costs ``x``)
  and lowers the long season's, so over days ``1..b`` with the seasons
  ``x < b`` the program is a relaxation; its optimum is at most the classical
  optimum ``<= r`` (Karlin's rule is feasible), so the seasons ``x >= b``, whose
  cost is then at most the objective, hold too. It has ``b`` variables and ``b``
  constraints and is solved exactly up to the LP solver's tolerance (about
  ``1e-9``). It bounds every ``r``-robust rule's
  consistency from below; that the long season is the binding prediction (so
  the bound is the frontier) is checked against an LP over every prediction
  for small ``b`` in the tests, not proved here.

>>> from agents.online.frontier import deterministic_ski_frontier, randomized_ski_frontier
>>> float(deterministic_ski_frontier(1.09, b=100))     # D = 10: 1 + 99/10
10.9
>>> round(float(randomized_ski_frontier(1.6, b=2)), 9)   # buy on day 1 w.p. 0.6: (2 * 0.6 + 3 * 0.4) / 2
1.2
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
from .ski import ClassicalRandomized, SkiRentalPolicy, consistency, robustness, worst_case_ratio

__all__ = ["deterministic_ski_frontier", "randomized_ski_frontier", "scheduling_worst_ratio", "ski_frontier"]


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


def deterministic_ski_frontier(consistency: ArrayLike, *, b: int) -> NDArray[np.float64] | np.float64:
    """Least robustness at price ``b`` of a deterministic ski rule with consistency at most ``consistency``.

    ``1 + (b - 1) / min(floor(1 + (c - 1) b), b)`` (see the module docstring), a
    staircase below Wei & Zhang's ``1 + 1/(c - 1)`` that tends to it as ``b``
    grows. ``consistency`` is read to a relative ``1e-12``, so the corner values
    ``1 + (d - 1)/b`` computed in floating point fall on their own step.

    Parameters
    ----------
    consistency : array_like
        Consistency levels ``c >= 1``.
    b : int
        Buy price.

    Examples
    --------
    >>> deterministic_ski_frontier([1.0, 1.5, 1.99, 3.0], b=100).tolist()   # days 1, 51, 100, 100
    [100.0, 2.9411764705882355, 1.99, 1.99]
    """
    b = check_price(b)
    c = check_array("consistency", consistency)
    if np.any(c < 1):
        raise ValidationError(f"consistency must be >= 1, got {float(c[c < 1].ravel()[0])!r}")
    day = np.minimum(np.floor(1 + (c - 1) * b * (1 + 1e-12)), b)
    out = 1 + (b - 1) / day
    return out if out.ndim else out[()]


def randomized_ski_frontier(robustness: ArrayLike, *, b: int) -> NDArray[np.float64] | np.float64:
    """Least consistency at price ``b`` of a randomized ski rule with robustness at most ``robustness``.

    The linear program of the module docstring, one per value: a lower bound
    on every ``r``-robust rule's consistency at this ``b``, below Wei & Zhang's
    ``r ln(1 + 1/(r - 1))`` and tending to it as ``b`` grows.

    Parameters
    ----------
    robustness : array_like
        Robustness levels, each at least the classical optimum
        ``1 / (1 - (1 - 1/b)^b)`` (no rule is more robust).
    b : int
        Buy price; the program is ``b x b``.

    Examples
    --------
    >>> randomized_ski_frontier([4 / 3, 1.5, 2.0], b=2).round(9).tolist()   # (3 - min(1, r - 1)) / 2
    [1.333333333, 1.25, 1.0]
    >>> randomized_ski_frontier(1.2, b=2)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: robustness must be >= 1.33333 (the classical randomized optimum at b=2), got 1.2
    """
    b = check_price(b)
    r = check_array("robustness", robustness)
    check_memory("b", b, 3 * 8 * b * b + 4096, what="its linear program")
    floor = worst_case_ratio(ClassicalRandomized(), b)
    if np.any(r < floor * (1 - 1e-12)):
        raise ValidationError(f"robustness must be >= {floor:g} (the classical randomized optimum at b={b}), "
                              f"got {float(r[r < floor * (1 - 1e-12)].ravel()[0])!r}")
    days = np.arange(1, b + 1, dtype=float)
    seasons = days[:, None]
    # E cost(x) = sum_d p_d (d - 1 + b if x >= d else x), for the seasons x = 1..b (OPT = x there)
    cost = np.where(seasons >= days[None, :], days[None, :] - 1 + b, seasons) / seasons
    objective = (days - 1 + b) / b
    out = np.empty(r.shape)
    for i, level in np.ndenumerate(r):
        res = optimize.linprog(objective, A_ub=cost, b_ub=np.full(b, max(float(level), floor)),
                               A_eq=np.ones((1, b)), b_eq=[1.0], bounds=(0, None), method="highs")
        if res.status != 0:   # cannot happen above the classical optimum; never return a wrong number
            raise ValidationError(f"robustness={float(level)!r}: the linear program at b={b} failed: {res.message}")
        out[i] = res.fun
    return out if out.ndim else out[()]


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
