"""Mean response times of the M/G/1 queue under FCFS, PS, SRPT and preemptive SJF.

Jobs arrive as a Poisson process of rate ``lam``; sizes ``S`` are i.i.d. with
density ``f`` and distribution ``F``; the load is ``rho = lam E[S] < 1``. With
the partial load ``rho(x) = lam int_0^x t f(t) dt`` and partial second moment
``m2(x) = int_0^x t^2 f(t) dt``:

- FCFS (Pollaczek-Khinchine): ``E[T] = E[S] + lam E[S^2] / (2 (1 - rho))``.
- Processor sharing: ``E[T | S = x] = x / (1 - rho)``, so ``E[T] = E[S] / (1 - rho)``.
- SRPT (Schrage & Miller 1966):
  ``E[T | x] = lam (m2(x) + x^2 (1 - F(x))) / (2 (1 - rho(x))^2) + int_0^x dt / (1 - rho(t))``.
- Preemptive shortest job first:
  ``E[T | x] = lam m2(x) / (2 (1 - rho(x))^2) + x / (1 - rho(x))``.

For M/M/1 (``mu = 1``) these give FCFS = PS = ``1/(1 - lam)``, and SRPT 1.4254 /
2.3528, PSJF 1.5314 / 2.6589 at ``rho`` = 0.5 / 0.8.

The SRPT and PSJF integrals are evaluated on a grid that is uniform in
``-log(1 - F(x))`` up to the ``1 - 1e-12`` quantile (uniform in ``x`` for the
exponential, geometric for Pareto), by the trapezoidal rule.

Examples
--------
>>> from agents.online.queueing import mean_response_time
>>> round(mean_response_time("srpt", 0.5), 4), round(mean_response_time("psjf", 0.8), 4)
(1.4254, 2.6589)
>>> mean_response_time("fcfs", 0.8)
5.000000000000001
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import integrate, stats

from sim.errors import InputTypeError, ValidationError
from sim.validate import check_choice, check_real

from .checks import check_count

__all__ = ["DISCIPLINES", "mean_response_time"]

#: The disciplines with a formula here.
DISCIPLINES = ("fcfs", "ps", "srpt", "psjf")


def mean_response_time(discipline: str, lam: float, sizes: Any = None, *, grid: int = 200_001) -> float:
    """Steady-state mean response time ``E[T]`` of the M/G/1 queue.

    Parameters
    ----------
    discipline : {"fcfs", "ps", "srpt", "psjf"}
        Service discipline.
    lam : float
        Arrival rate (``> 0``, with ``lam E[S] < 1``).
    sizes : scipy.stats frozen distribution, optional
        Job size distribution (non-negative); default exponential with mean 1.
    grid : int
        Number of grid points for the SRPT/PSJF integrals.

    Examples
    --------
    >>> from scipy import stats
    >>> round(mean_response_time("ps", 0.5, stats.uniform(0, 2)), 6)   # E[S] / (1 - rho)
    2.0
    """
    discipline = check_choice("discipline", discipline, DISCIPLINES)
    lam = check_real("lam", lam, low=0.0, low_open=True)
    grid = check_count("grid", grid, bytes_each=96, low=101)
    sizes = stats.expon() if sizes is None else sizes
    if not all(callable(getattr(sizes, m, None)) for m in ("mean", "moment", "pdf", "sf", "isf", "ppf")):
        raise InputTypeError(f"sizes must be a frozen scipy.stats distribution (with mean, moment, pdf, sf, isf, "
                             f"ppf), got {type(sizes).__name__}")
    with np.errstate(all="ignore"):
        mean, second, bottom = float(sizes.mean()), float(sizes.moment(2)), float(sizes.ppf(0.0))
    if not (bottom >= 0.0):
        raise ValidationError(f"sizes must be a distribution on [0, inf), got one whose support starts at {bottom}")
    if not (np.isfinite(mean) and np.isfinite(second)):
        raise ValidationError(f"sizes must have a finite mean and second moment, got {mean} and {second}")
    with np.errstate(over="ignore"):
        load = lam * mean
    rho = check_real("the load rho = lam * sizes.mean()", load, low=0.0, high=1.0, high_open=True)
    if discipline == "fcfs":
        return mean + lam * second / (2.0 * (1.0 - rho))
    if discipline == "ps":
        return mean / (1.0 - rho)
    s = np.linspace(0.0, -np.log(1e-12), grid)
    x = sizes.isf(np.exp(-s))
    x[0] = max(float(sizes.ppf(0.0)), 0.0)
    f = sizes.pdf(x)
    load = lam * integrate.cumulative_trapezoid(x * f, x, initial=0.0)
    m2 = integrate.cumulative_trapezoid(x * x * f, x, initial=0.0)
    if discipline == "psjf":
        t_x = lam * m2 / (2.0 * (1.0 - load) ** 2) + x / (1.0 - load)
    else:
        tail = sizes.sf(x)
        residence = integrate.cumulative_trapezoid(1.0 / (1.0 - load), x, initial=0.0)
        t_x = lam * (m2 + x * x * tail) / (2.0 * (1.0 - load) ** 2) + residence
    return float(integrate.trapezoid(t_x * f, x))
