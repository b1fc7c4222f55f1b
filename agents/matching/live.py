r"""A live matching market as a discrete-event simulation, cleared in batches.

Model. Customers and providers arrive as independent Poisson processes (rates
``customer_rate`` and ``provider_rate``), each with a type drawn uniformly from
``customer_types`` / ``provider_types`` types, and stay for an exponential time
of mean ``patience`` unless matched first (then they leave unmatched: an
abandonment). Utilities depend on types only:
:math:`u_i(j) = U^C_{\mathrm{type}(i), \mathrm{type}(j)}`,
:math:`u_j(i) = U^P_{\mathrm{type}(j), \mathrm{type}(i)}` in :math:`[-1, 1]`,
unknown to the platform. Every ``interval`` time units the platform clears the
market: it shows a typed learner the types of the waiting agents (ids are
types, so repeats are allowed), plays the learner's outcome (matching and
zero-sum transfers), the matched agents leave, and each observes its utility
plus Gaussian noise of scale ``sigma``, from which the learner learns across
batches.

Per batch we record the Subset Instability of the played outcome on the true
utilities of the agents present, the welfare and the welfare regret against the
best matching of those agents, the mean payment on matched pairs, the number
matched and the number waiting; per matched agent, the waiting time from
arrival to match.

The simulation runs on :class:`sim.engine.Simulation` (SimPy) with named random
streams, so a seed fixes the whole run.

Examples
--------
>>> from agents.matching import TypedMatchUCB, simulate_live
>>> res = simulate_live(TypedMatchUCB(range(3), range(3), horizon=50), horizon=50.0, seed=1)
>>> len(res.time) == 50, bool(res.instability.min() >= 0)
(True, True)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linear_sum_assignment

from sim.engine import Simulation
from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy
from sim.validate import check_int, check_real

from ._lean import instability_value
from .environment import _check_utils
from .types import MatchingFeedback, MatchingObservation

__all__ = ["simulate_live", "LiveMarketResult", "random_type_utilities"]


class LiveMarketResult(NamedTuple):
    """Per-batch series (arrays of length = number of batches) and per-agent outcomes."""

    time: np.ndarray
    instability: np.ndarray
    welfare: np.ndarray
    welfare_regret: np.ndarray
    mean_transfer: np.ndarray
    matched: np.ndarray
    waiting: np.ndarray
    mean_wait: np.ndarray          # mean arrival-to-match time of the agents matched in the batch (nan if none)
    waiting_times: np.ndarray      # arrival-to-match time of every matched agent
    abandoned: int                 # agents who left unmatched


def random_type_utilities(customer_types=3, provider_types=3, rng=None):
    """Random type utility tables ``(U_C [ct, pt], U_P [pt, ct])``, uniform on [-1, 1].

    Examples
    --------
    >>> uc, up = random_type_utilities(2, 3, rng=0)
    >>> uc.shape, up.shape
    ((2, 3), (3, 2))
    """
    from sim.random import make_rng

    rng = make_rng(0 if rng is None else rng)
    ct = check_int("customer_types", customer_types, low=1)
    pt = check_int("provider_types", provider_types, low=1)
    return rng.uniform(-1, 1, (ct, pt)), rng.uniform(-1, 1, (pt, ct))


def simulate_live(learner, *, customer_utils=None, provider_utils=None, customer_rate=2.0, provider_rate=2.0,
                  patience=3.0, interval=1.0, horizon=200.0, sigma=0.5, seed=0):
    """Simulate the live market with ``learner`` clearing it every ``interval``.

    Parameters
    ----------
    learner : Policy
        A matching learner whose ids are types (e.g.
        ``TypedMatchUCB(range(C), range(P))``); it must accept repeated ids.
    customer_utils : array_like, shape (C, P), optional
        :math:`U^C[\\text{customer type}, \\text{provider type}]` in [-1, 1].
        Default: :func:`random_type_utilities` with the learner's type counts,
        drawn from the ``"utilities"`` stream.
    provider_utils : array_like, shape (P, C), optional
        :math:`U^P[\\text{provider type}, \\text{customer type}]` in [-1, 1].
    customer_rate, provider_rate : float
        Poisson arrival rates (> 0).
    patience : float
        Mean stay of an unmatched agent (> 0).
    interval : float
        Time between clearings (> 0).
    horizon : float
        Simulated time (> 0); the market is cleared at ``interval, 2 interval, ...``.
    sigma : float
        Gaussian feedback noise scale (> 0).
    seed : int or numpy.random.SeedSequence
        Root seed of the simulation's streams.

    Returns
    -------
    LiveMarketResult
    """
    if not isinstance(learner, Policy) or getattr(learner, "domain", None) != "matching":
        raise InputTypeError(f"learner must be a matching Policy, got {learner!r}")
    if not getattr(learner, "allows_repeats", False):
        raise ValidationError(f"learner {learner!r} tracks individual agents; the live market needs a typed "
                              f"learner whose ids are types (allows_repeats)")
    customer_rate = check_real("customer_rate", customer_rate, low=0.0, low_open=True)
    provider_rate = check_real("provider_rate", provider_rate, low=0.0, low_open=True)
    patience = check_real("patience", patience, low=0.0, low_open=True)
    interval = check_real("interval", interval, low=0.0, low_open=True)
    horizon = check_real("horizon", horizon, low=0.0, low_open=True)
    sigma = check_real("sigma", sigma, low=0.0, low_open=True)
    n_ct, n_pt = learner._id_space
    sim = Simulation(seed)
    if customer_utils is None and provider_utils is None:
        customer_utils, provider_utils = random_type_utilities(n_ct, n_pt, sim.rng("utilities"))
    elif customer_utils is None or provider_utils is None:
        raise ValidationError("give both customer_utils and provider_utils, or neither")
    uc = _check_utils("customer_utils", customer_utils, shape=(n_ct, n_pt))
    up = _check_utils("provider_utils", provider_utils, shape=(n_pt, n_ct))
    upt = up.T  # indexed [customer type, provider type] like uc
    waiting = {0: {}, 1: {}}      # side -> agent serial -> (type, arrival time)
    serial = [0]
    abandoned = [0]
    wait_times = []
    rows = []
    noise = sim.rng("noise")

    def leave_later(side, k, stay):
        yield sim.timeout(stay)
        if waiting[side].pop(k, None) is not None:
            abandoned[0] += 1

    def arrivals(side, rate, n_types, name):
        gaps, types, stays = sim.rng(f"{name}_arrivals"), sim.rng(f"{name}_types"), sim.rng(f"{name}_stays")
        while True:
            yield sim.timeout(gaps.exponential(1.0 / rate))
            k = serial[0]
            serial[0] += 1
            waiting[side][k] = (int(types.integers(n_types)), sim.now)
            sim.process(leave_later(side, k, stays.exponential(patience)))

    def clear():
        while True:
            yield sim.timeout(interval)
            cs = list(waiting[0].items())
            ps = list(waiting[1].items())
            ct = np.array([v[0] for _, v in cs], dtype=np.int64)
            pt = np.array([v[0] for _, v in ps], dtype=np.int64)
            record = {"time": sim.now, "instability": 0.0, "welfare": 0.0, "welfare_regret": 0.0,
                      "mean_transfer": 0.0, "matched": 0.0, "waiting": float(len(cs) + len(ps)), "mean_wait": float("nan")}
            if len(cs) and len(ps):
                obs = MatchingObservation(ct, pt)
                d = learner.decide(obs)
                mt = d.matching
                r, c = mt[:, 0], mt[:, 1]
                a, b = ct[r], pt[c]
                true_c, true_p = uc[a, b], upt[a, b]
                w = uc[ct][:, pt] + upt[ct][:, pt]
                p = np.zeros(len(ct))
                q = np.zeros(len(pt))
                p[r] = true_c - d.transfers
                q[c] = true_p + d.transfers
                wp = np.maximum(w, 0.0)
                i, j = linear_sum_assignment(wp, maximize=True)
                welfare = float(true_c.sum() + true_p.sum())
                record.update(instability=instability_value(w, p, q, 1e-9 * max(float(np.abs(w).max()), 1e-300)),
                              welfare=welfare, welfare_regret=float(wp[i, j].sum()) - welfare,
                              mean_transfer=float(d.transfers.mean()) if len(mt) else 0.0,
                              matched=float(len(mt)))
                waits = [sim.now - waiting[0].pop(cs[x][0])[1] for x in r]
                waits += [sim.now - waiting[1].pop(ps[x][0])[1] for x in c]
                wait_times.extend(waits)
                if waits:
                    record["mean_wait"] = float(np.mean(waits))
                if len(mt):
                    learner.update(MatchingFeedback(obs, mt, true_c + sigma * noise.standard_normal(len(mt)),
                                                    true_p + sigma * noise.standard_normal(len(mt))))
            rows.append(record)

    sim.process(arrivals(0, customer_rate, n_ct, "customer"))
    sim.process(arrivals(1, provider_rate, n_pt, "provider"))
    sim.process(clear())
    # clearings at interval, 2 interval, ... <= horizon (a hair past the last one so it runs)
    sim.run(until=interval * np.floor(horizon / interval + 1e-9) + 1e-9 * interval)
    cols = {k: np.array([r[k] for r in rows]) for k in rows[0]} if rows else {
        k: np.zeros(0) for k in ("time", "instability", "welfare", "welfare_regret", "mean_transfer", "matched",
                                 "waiting", "mean_wait")}
    return LiveMarketResult(cols["time"], cols["instability"], cols["welfare"], cols["welfare_regret"],
                            cols["mean_transfer"], cols["matched"], cols["waiting"], cols["mean_wait"],
                            np.array(wait_times),
                            abandoned[0])
