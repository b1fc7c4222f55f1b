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

Stability here is per batch (myopic): the instability of a clearing is that of
its outcome among the agents waiting at that moment. It does not count blocking
pairs across batches (an agent matched now with someone who would rather have
waited for a later arrival), nor agents' incentives to wait, leave or time their
arrival; a run of per-batch stable outcomes need not be stable for the
market over time (a dynamic notion this model does not measure).

The simulation runs on :class:`sim.engine.Simulation` (SimPy) with named random
streams, so ``rng`` fixes the whole run. The market the learner meets is a
:class:`LiveMarketEnv` (an :class:`sim.environment.Environment` of domain
``"matching"`` whose clock is the simulated time): at each clearing the SimPy
process calls ``observe`` / ``decide`` / ``step`` / ``update`` exactly as
:func:`sim.environment.rollout` does, and the per-batch metrics form a
:class:`~sim.environment.Rollout` (times = clearing times).

Examples
--------
>>> from agents.matching import TypedMatchUCB, simulate_live
>>> res = simulate_live(TypedMatchUCB(range(3), range(3), horizon=50), horizon=50.0, rng=1)
>>> len(res.time) == 50, bool(res.instability.min() >= 0)
(True, True)
>>> res.rollout.metric_names[:3]
['instability', 'welfare', 'welfare_regret']
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from sim.engine import Simulation
from sim.environment import Environment, Rollout, Step
from sim.errors import InputTypeError, ValidationError
from sim.policy import Policy
from sim.random import RngLike, make_rng
from sim.recorder import Recorder
from sim.validate import check_int, check_real

from .checks import check_decision, check_generator, check_memory, check_scale, check_utils, pair_array_bytes
from .lean import instability_value
from .types import MatchingDecision, MatchingFeedback, MatchingObservation

__all__ = ["simulate_live", "LiveMarketEnv", "LiveMarketResult", "LIVE_METRICS", "CLEARING_BYTES", "ARRIVAL_BYTES",
           "random_type_utilities"]

#: Per-batch metrics, in recording order.
LIVE_METRICS = ("instability", "welfare", "welfare_regret", "mean_transfer", "matched", "waiting", "mean_wait")
#: Memory one clearing holds until :func:`simulate_live` returns (its time and metrics), rounded up.
CLEARING_BYTES = 1024
#: Memory one arrival may hold until the run ends (its process, waiting-room entry and waiting time), rounded up.
ARRIVAL_BYTES = 2048


class LiveMarketResult:
    """The outcome of :func:`simulate_live`: the per-batch :class:`~sim.environment.Rollout` and per-agent data.

    Attributes
    ----------
    rollout : sim.environment.Rollout
        One step per clearing, at the clearing's time (``rollout.times``), with
        the metrics :data:`LIVE_METRICS`: ``instability``, ``welfare``,
        ``welfare_regret``, ``mean_transfer`` (mean payment on matched pairs),
        ``matched`` (pairs), ``waiting`` (agents present at the clearing) and
        ``mean_wait`` (mean arrival-to-match time of the agents matched; nan if none).
    waiting_times : numpy.ndarray
        Arrival-to-match time of every matched agent.
    abandoned : int
        Agents who left unmatched.

    The rollout's metrics are also attributes (``res.instability``), and
    ``res.time`` is ``res.rollout.times``.
    """

    __slots__ = ("rollout", "waiting_times", "abandoned")

    def __init__(self, rollout: Rollout, waiting_times: np.ndarray, abandoned: int) -> None:
        self.rollout = rollout
        self.waiting_times = waiting_times
        self.abandoned = abandoned

    @property
    def time(self) -> np.ndarray:
        """Clearing times."""
        return self.rollout.times

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in LiveMarketResult.__slots__:
            raise AttributeError(name)
        return getattr(self.rollout, name)

    def __repr__(self):
        return (f"LiveMarketResult(batches={self.rollout.steps}, matched_agents={self.waiting_times.size}, "
                f"abandoned={self.abandoned})")


def random_type_utilities(customer_types: int = 3, provider_types: int = 3,
                          rng: RngLike = None) -> tuple[np.ndarray, np.ndarray]:
    """Random type utility tables ``(U_C [ct, pt], U_P [pt, ct])``, uniform on [-1, 1].

    Examples
    --------
    >>> uc, up = random_type_utilities(2, 3, rng=0)
    >>> uc.shape, up.shape
    ((2, 3), (3, 2))
    """
    ct = check_int("customer_types", customer_types, low=1)
    pt = check_int("provider_types", provider_types, low=1)
    check_memory("customer_types, provider_types", (ct, pt), pair_array_bytes(ct, pt, 2))
    rng = make_rng(0 if rng is None else rng)
    return rng.uniform(-1, 1, (ct, pt)), rng.uniform(-1, 1, (pt, ct))


class LiveMarketEnv(Environment):
    """The waiting room of the live market, as the clearing learner sees it.

    Ids are types: :meth:`observe` lists the types of the waiting customers
    and providers (``None`` when one side is empty: nothing to clear);
    :meth:`step` plays an outcome on them, removes the matched agents, draws
    their noisy utilities from ``noise`` and returns the batch's metrics.
    :func:`simulate_live` runs one inside its SimPy processes; its clock
    (:attr:`now`) is the simulation's time.

    Parameters
    ----------
    customer_utils : array_like, shape (C, P)
        :math:`U^C[\text{customer type}, \text{provider type}]` in [-1, 1].
    provider_utils : array_like, shape (P, C)
        :math:`U^P[\text{provider type}, \text{customer type}]` in [-1, 1].
    sigma : float
        Gaussian feedback noise scale (> 0).
    horizon : int, optional
        Number of clearings (passed to learners built by
        :meth:`sim.policy.Policy.from_env` as their ``horizon``).
    """

    domain = "matching"
    provides = frozenset({"types"})

    def __init__(self, customer_utils: ArrayLike, provider_utils: ArrayLike, *, sigma: float = 0.5,
                 horizon: int | None = None) -> None:
        uc = check_utils("customer_utils", customer_utils)
        n_ct, n_pt = uc.shape
        up = check_utils("provider_utils", provider_utils, shape=(n_pt, n_ct), against="customer_utils transposed")
        self.customer_utils = uc
        self.provider_utils = up
        self._upt = up.T  # indexed [customer type, provider type] like uc
        self.sigma = check_scale("sigma", sigma)
        self.horizon = None if horizon is None else check_int("horizon", horizon, low=1)
        self.waiting: dict[int, dict[int, tuple[int, float]]] = {0: {}, 1: {}}  # side -> serial -> (type, arrival)
        self.wait_times: list[float] = []
        self.clock = lambda: 0.0
        self.noise = None
        self._batch = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(customer types, provider types)``."""
        return self.customer_utils.shape

    def context(self) -> dict[str, Any]:
        """Types as ids (``customer_types = range(C)``, ...), ``sigma`` and, if set, ``horizon``."""
        n_ct, n_pt = self.shape
        ctx: dict[str, Any] = {"customer_types": np.arange(n_ct), "provider_types": np.arange(n_pt),
                               "customers": n_ct, "providers": n_pt, "sigma": self.sigma}
        if self.horizon is not None:
            ctx["horizon"] = self.horizon
        return ctx

    def reset(self, rng: np.random.Generator) -> None:
        """Empty the waiting room; feedback noise comes from ``rng``."""
        check_generator("rng", rng)
        self.noise = rng
        self.waiting = {0: {}, 1: {}}
        self.wait_times = []
        self._batch = None

    @property
    def now(self) -> float:
        return self.clock()

    def arrive(self, side: int, serial: int, agent_type: int) -> None:
        """An agent of ``agent_type`` joins ``side`` (0 customers, 1 providers) now."""
        side = check_int("side", side, low=0, high=1)
        agent_type = check_int("agent_type", agent_type, low=0, high=self.shape[side] - 1)
        self.waiting[side][serial] = (agent_type, self.now)

    def leave(self, side: int, serial: int) -> bool:
        """The agent leaves unmatched if still waiting; return whether it was."""
        return self.waiting[side].pop(serial, None) is not None

    def observe(self) -> MatchingObservation | None:
        """The waiting agents' types, or ``None`` if one side is empty."""
        cs = list(self.waiting[0].items())
        ps = list(self.waiting[1].items())
        ct = np.array([v[0] for _, v in cs], dtype=np.int64)
        pt = np.array([v[0] for _, v in ps], dtype=np.int64)
        self._batch = (cs, ps, ct, pt)
        if not (len(cs) and len(ps)):
            return None
        return MatchingObservation(ct, pt)

    def empty_metrics(self) -> dict[str, float]:
        """The metrics of a clearing with nothing to match."""
        cs, ps = self._batch[0], self._batch[1]
        return {"instability": 0.0, "welfare": 0.0, "welfare_regret": 0.0, "mean_transfer": 0.0, "matched": 0.0,
                "waiting": float(len(cs) + len(ps)), "mean_wait": float("nan")}

    def step(self, decision: MatchingDecision) -> Step:
        """Clear the batch observed last with ``decision``: feedback and the batch's metrics."""
        cs, ps, ct, pt = self._batch
        record = self.empty_metrics()
        obs = MatchingObservation(ct, pt)
        mt, transfers = check_decision("decision", decision, obs)
        r, c = mt[:, 0], mt[:, 1]
        a, b = ct[r], pt[c]
        uc, upt = self.customer_utils, self._upt
        true_c, true_p = uc[a, b], upt[a, b]
        w = uc[ct][:, pt] + upt[ct][:, pt]
        p = np.zeros(len(ct))
        q = np.zeros(len(pt))
        p[r] = true_c - transfers
        q[c] = true_p + transfers
        wp = np.maximum(w, 0.0)
        i, j = linear_sum_assignment(wp, maximize=True)
        welfare = float(true_c.sum() + true_p.sum())
        record.update(instability=instability_value(w, p, q, 1e-9 * max(float(np.abs(w).max()), 1e-300)),
                      welfare=welfare, welfare_regret=float(wp[i, j].sum()) - welfare,
                      mean_transfer=float(transfers.mean()) if len(mt) else 0.0,
                      matched=float(len(mt)))
        now = self.now
        waits = [now - self.waiting[0].pop(cs[x][0])[1] for x in r]
        waits += [now - self.waiting[1].pop(ps[x][0])[1] for x in c]
        self.wait_times.extend(waits)
        if waits:
            record["mean_wait"] = float(np.mean(waits))
        if len(mt):  # no draw for an empty outcome, so the noise stream advances only with matches
            rc = true_c + self.sigma * self.noise.standard_normal(len(mt))
            rp = true_p + self.sigma * self.noise.standard_normal(len(mt))
        else:
            rc = rp = np.zeros(0)
        return Step(MatchingFeedback(obs, mt, rc, rp), record, False)

    def __repr__(self):
        return f"LiveMarketEnv(types={self.shape}, sigma={self.sigma}, horizon={self.horizon})"


def simulate_live(learner: Policy, *, customer_utils: ArrayLike | None = None, provider_utils: ArrayLike | None = None,
                  customer_rate: float = 2.0, provider_rate: float = 2.0, patience: float = 3.0, interval: float = 1.0,
                  horizon: float = 200.0, sigma: float = 0.5, rng: RngLike = 0) -> LiveMarketResult:
    """Simulate the live market with ``learner`` clearing it every ``interval``.

    Parameters
    ----------
    learner : Policy
        A matching learner whose ids are types (e.g.
        ``TypedMatchUCB(range(C), range(P))``); it must accept repeated ids.
    customer_utils : array_like, shape (C, P), optional
        :math:`U^C[\text{customer type}, \text{provider type}]` in [-1, 1].
        Default: :func:`random_type_utilities` with the learner's type counts,
        drawn from the ``"utilities"`` stream.
    provider_utils : array_like, shape (P, C), optional
        :math:`U^P[\text{provider type}, \text{customer type}]` in [-1, 1].
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
    rng : int, numpy.random.SeedSequence or numpy.random.Generator
        Root of the simulation's named streams (:class:`sim.engine.Simulation`).

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
    sigma = check_scale("sigma", sigma)
    # every clearing is recorded and every arrival is a process and a waiting-room entry until the end
    clearings = horizon / interval
    check_memory("horizon, interval (clearings)", (horizon, interval), clearings * CLEARING_BYTES)
    check_memory("customer_rate, provider_rate, horizon (expected arrivals)", (customer_rate, provider_rate, horizon),
                 (customer_rate + provider_rate) * horizon * ARRIVAL_BYTES)
    n_ct, n_pt = size = (getattr(learner, "customers", None), getattr(learner, "providers", None))
    if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 1 for x in size):
        raise InputTypeError(f"learner must know its numbers of customer and provider types (customers, "
                             f"providers), got {size}")
    sim = Simulation(rng=rng)
    if customer_utils is None and provider_utils is None:
        customer_utils, provider_utils = random_type_utilities(n_ct, n_pt, sim.rng("utilities"))
    elif customer_utils is None or provider_utils is None:
        raise ValidationError("give both customer_utils and provider_utils, or neither")
    check_utils("customer_utils", customer_utils, shape=(n_ct, n_pt), against="the learner's types")
    check_utils("provider_utils", provider_utils, shape=(n_pt, n_ct), against="the learner's types")
    env = LiveMarketEnv(customer_utils, provider_utils, sigma=sigma)
    env.reset(sim.rng("noise"))
    env.clock = lambda: sim.now
    serial = [0]
    abandoned = [0]
    recorder = Recorder()
    channels = {name: recorder.channel(name) for name in LIVE_METRICS}
    times: list[float] = []

    def leave_later(side, k, stay):
        yield sim.timeout(stay)
        if env.leave(side, k):
            abandoned[0] += 1

    def arrivals(side, rate, n_types, name):
        gaps, types, stays = sim.rng(f"{name}_arrivals"), sim.rng(f"{name}_types"), sim.rng(f"{name}_stays")
        while True:
            yield sim.timeout(gaps.exponential(1.0 / rate))
            k = serial[0]
            serial[0] += 1
            env.arrive(side, k, int(types.integers(n_types)))
            sim.process(leave_later(side, k, stays.exponential(patience)))

    def clear():
        # one step of sim.environment.rollout per clearing: observe, decide, step, update
        while True:
            yield sim.timeout(interval)
            obs = env.observe()
            if obs is None:
                metrics = env.empty_metrics()
            else:
                feedback, metrics, _ = env.step(learner.decide(obs))
                learner.update(feedback)
            now = env.now
            times.append(now)
            for name in LIVE_METRICS:
                channels[name](metrics[name], now)

    sim.process(arrivals(0, customer_rate, n_ct, "customer"))
    sim.process(arrivals(1, provider_rate, n_pt, "provider"))
    sim.process(clear())
    # clearings at interval, 2 interval, ... <= horizon (a hair past the last one so it runs)
    sim.run(until=interval * np.floor(horizon / interval + 1e-9) + 1e-9 * interval)
    out = Rollout(len(times), np.asarray(times, dtype=float),
                  {name: recorder.values(name) if times else np.zeros(0) for name in LIVE_METRICS}, recorder)
    return LiveMarketResult(out, np.array(env.wait_times), abandoned[0])
