"""Theorem bounds for ski rental and non-clairvoyant scheduling with predictions.

Consistency is the competitive ratio when predictions are perfect; robustness
the worst ratio over all predictions. ``eta`` is the prediction error
(``|y - x|`` for ski rental, ``sum_j |y_j - x_j|`` for scheduling).

Ski rental (buy price ``b``, ``OPT = min(x, b)``):

- Purohit deterministic, ``lam in (0, 1]``:
  ``ratio <= min{1 + 1/lam, (1 + lam) + eta / ((1 - lam) OPT)}``.
- Purohit randomized, ``lam in (1/b, 1)``:
  ``ratio <= min{(1 + 1/b) / (1 - e^-(lam - 1/b)), lam / (1 - e^-lam) (1 + eta / OPT)}``;
  as ``b -> inf`` its (consistency, robustness) tends to
  ``(lam / (1 - e^-lam), 1 / (1 - e^-lam))``.
- Wei & Zhang lower bounds: a deterministic ``(1 + lam)``-consistent rule is at
  best ``(1 + 1/lam)``-robust; a randomized ``r``-robust rule is at best
  ``r ln(1 + 1/(r - 1))``-consistent (continuous limit). Purohit's limit curve
  meets it exactly, since ``r / (r - 1) = e^lam`` there. At finite ``b`` the
  discrete rule sits slightly *below* the continuous curve (by less than
  ``4/b``; the bound is a large-``b`` statement).

Scheduling (batch of ``n`` jobs):

- RR: ``2n / (n + 1)``. SPJF: ``cost <= OPT + (n - 1) eta``.
- PRR(``lam``): ``cost <= min{(OPT + (n - 1) eta) / lam, 2n OPT / ((n + 1)(1 - lam))}``;
  with sizes ``>= 1`` this implies Purohit et al.'s
  ``ratio <= min{(1/lam)(1 + 2 eta / n), 2 / (1 - lam)}``, the form in the
  paper, which is *not* scale-free and fails without ``x_j >= 1``.
- For ``n = 2``, PRR(``lam``) has exactly consistency ``2(2 + lam) / (3(1 + lam))``
  and robustness ``4 / (3 - lam)``, which lies *on* the Wei-Zhang curve below.
- Wei & Zhang: a ``(1 + lam)``-consistent algorithm has robustness at least
  ``(n + n(n+1) lam) / (1 + lam (n+1)(n+2)/2)``; for ``n = 2``, ``1 + 1/(1 + 6 lam)``.

Examples
--------
>>> from agents.online import bounds
>>> c, r = bounds.purohit_randomized_limit(0.5)
>>> round(float(c - bounds.wei_zhang_randomized_consistency(r)), 12)
0.0
>>> float(bounds.wei_zhang_scheduling_robustness(0.5, n=2))
1.25
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "prr_bound",
    "prr_two_job_curve",
    "purohit_deterministic_bound",
    "purohit_randomized_bound",
    "purohit_randomized_limit",
    "wei_zhang_deterministic_robustness",
    "wei_zhang_randomized_consistency",
    "wei_zhang_scheduling_robustness",
]


def purohit_deterministic_bound(lam, eta, opt):
    """``min{1 + 1/lam, (1 + lam) + eta / ((1 - lam) OPT)}`` (``lam = 1``: ``2``)."""
    lam, eta, opt = (np.asarray(v, dtype=float) for v in (lam, eta, opt))
    with np.errstate(divide="ignore", invalid="ignore"):
        second = np.where(lam < 1, (1 + lam) + eta / ((1 - lam) * opt), np.inf)
    return np.minimum(1 + 1 / lam, second)


def purohit_randomized_bound(lam, b, eta, opt):
    """``min{(1 + 1/b) / (1 - e^-(lam - 1/b)), lam / (1 - e^-lam) (1 + eta / OPT)}``."""
    lam, b, eta, opt = (np.asarray(v, dtype=float) for v in (lam, b, eta, opt))
    return np.minimum((1 + 1 / b) / -np.expm1(-(lam - 1 / b)),
                      lam / -np.expm1(-lam) * (1 + eta / opt))


def purohit_randomized_limit(lam):
    """``(lam / (1 - e^-lam), 1 / (1 - e^-lam))``: the large-``b`` (consistency, robustness)."""
    lam = np.asarray(lam, dtype=float)
    r = 1 / -np.expm1(-lam)
    return lam * r, r


def wei_zhang_deterministic_robustness(consistency):
    """Least robustness of a deterministic ski rule with the given consistency ``1 + lam``: ``1 + 1/lam``."""
    return 1 + 1 / (np.asarray(consistency, dtype=float) - 1)


def wei_zhang_randomized_consistency(robustness):
    """Least consistency of a randomized ski rule with the given robustness ``r > 1``: ``r ln(1 + 1/(r - 1))``."""
    r = np.asarray(robustness, dtype=float)
    return r * np.log1p(1 / (r - 1))


def prr_bound(lam, n, eta, opt):
    """PRR's total cost bound ``min{(OPT + (n - 1) eta) / lam, 2n OPT / ((n + 1)(1 - lam))}``."""
    lam, n, eta, opt = (np.asarray(v, dtype=float) for v in (lam, n, eta, opt))
    return np.minimum((opt + (n - 1) * eta) / lam, 2 * n * opt / ((n + 1) * (1 - lam)))


def prr_two_job_curve(lam):
    """Exact (consistency, robustness) of PRR(``lam``) on two jobs: ``(2(2+lam)/(3(1+lam)), 4/(3-lam))``."""
    lam = np.asarray(lam, dtype=float)
    return 2 * (2 + lam) / (3 * (1 + lam)), 4 / (3 - lam)


def wei_zhang_scheduling_robustness(lam, n):
    """Least robustness of a ``(1 + lam)``-consistent algorithm on ``n`` jobs released at 0."""
    lam = np.asarray(lam, dtype=float)
    return (n + n * (n + 1) * lam) / (1 + lam * (n + 1) * (n + 2) / 2)
