r"""The bandit matching market: unknown pair utilities, noisy semi-bandit feedback.

Model (Jagadeesan et al. 2021; see REFERENCE section 1). Customers
:math:`i = 0..m-1` and providers :math:`j = 0..n-1` have pair utilities
:math:`u_i(j), u_j(i) \in [-1, 1]`, unknown to the platform; the surplus is
:math:`w_{ij} = u_i(j) + u_j(i)`. Each round a random subset of agents arrives
(each independently with probability ``arrival``), the platform plays an outcome
:math:`(X_t, \tau_t)` on them, and each matched agent observes its utility
plus noise:

* ``noise="gaussian"``: :math:`u + \sigma \varepsilon`, :math:`\varepsilon \sim N(0, 1)`;
* ``noise="bernoulli"``: :math:`\pm 1` with :math:`P(+1) = (1 + u) / 2`
  (mean :math:`u`, 1-subgaussian);
* ``noise="none"``: the exact utility (noise 0).

The round's loss is the Subset Instability of the played outcome on the *true*
utilities of the present agents: with true payoffs
:math:`p_a = u_a(\mu(a)) + \tau_a`, the least total subsidy making
:math:`(X_t, \tau_t)` stable (computed by one assignment solve, the reduction
of :func:`markets.subset_instability`). The welfare regret is
:math:`\max_X W(X) - W(X_t)` over the present agents, a lower bound on it.

Preference structures (how the random utilities are drawn, and what a
structured learner may know):

* ``"unstructured"``: every utility i.i.d. uniform on ``[-1, 1]``;
* ``"typed"``: agents have known types, and agents of a type share utilities:
  :math:`u_i(j) = U^C_{\mathrm{type}(i), \mathrm{type}(j)}`,
  :math:`u_j(i) = U^P_{\mathrm{type}(j), \mathrm{type}(i)}`;
* ``"linear"`` (separable linear): agents have known feature vectors
  :math:`x_a \in \mathbb{R}^d` and unknown preference vectors
  :math:`\theta_a`, with :math:`u_a(b) = \langle \theta_a, x_b \rangle`
  (:math:`\|\theta_a\|, \|x_b\| \le 1`).

Examples
--------
>>> import numpy as np
>>> mk = random_market(3, 3, rng=0)
>>> mk.shape, mk.noise, mk.sigma
((3, 3), 'gaussian', 0.5)
>>> bool(np.abs(mk.customer_utils).max() <= 1.0)
True
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import linear_sum_assignment

from markets.jit import jit
from markets.kernels import max_weight
from sim.random import RngLike, make_rng
from sim.validate import check_int, check_real

from .checks import (
    check_decision,
    check_features,
    check_generator,
    check_memory,
    check_observation,
    check_option,
    check_scale,
    check_types,
    check_utils,
    pair_array_bytes,
)
from .lean import instability_value, outcome_metrics
from .types import MatchingDecision, MatchingFeedback, MatchingObservation

__all__ = ["BanditMarket", "MarketArrays", "NOISES", "NOISE_CODES", "STRUCTURES", "noisy_rewards", "present",
           "random_market"]

#: Preference structures :func:`random_market` can draw.
STRUCTURES = ("unstructured", "typed", "linear")
#: Noise models of the feedback.
NOISES = ("gaussian", "bernoulli", "none")


#: Integer codes of the noise models in compiled kernels (``NOISE_CODES[market.noise]``).
NOISE_CODES = {"none": 0, "gaussian": 1, "bernoulli": 2}
_GAUSSIAN, _BERNOULLI = NOISE_CODES["gaussian"], NOISE_CODES["bernoulli"]


@jit
def present(draws, arrival):
    """Positions whose uniform draw is below ``arrival``: the agents who arrive this round.

    Examples
    --------
    >>> import numpy as np
    >>> present(np.array([0.1, 0.9, 0.3]), 0.5).tolist()
    [0, 2]
    """
    return np.flatnonzero(draws < arrival)


@jit
def noisy_rewards(true_c, true_p, noise, sigma, draws):
    r"""The feedback on matched pairs with true utilities ``true_c``, ``true_p`` (shape ``(k,)``).

    ``draws`` (shape ``(2, k)``: customers' row, then providers') are standard
    normals for Gaussian noise (:math:`u + \sigma \varepsilon`), uniforms for
    Bernoulli noise (:math:`+1` if below :math:`(1 + u)/2`, else :math:`-1`),
    unused for ``noise == 0`` (exact utilities).

    Examples
    --------
    >>> import numpy as np
    >>> rc, rp = noisy_rewards(np.array([0.5]), np.array([-0.5]), 2, 1.0, np.array([[0.7], [0.3]]))
    >>> rc.tolist(), rp.tolist()
    ([1.0], [-1.0])
    """
    k = true_c.size
    rc = np.empty(k)
    rp = np.empty(k)
    for a in range(k):
        if noise == _GAUSSIAN:
            rc[a] = true_c[a] + sigma * draws[0, a]
            rp[a] = true_p[a] + sigma * draws[1, a]
        elif noise == _BERNOULLI:
            rc[a] = 1.0 if draws[0, a] < 0.5 * (1.0 + true_c[a]) else -1.0
            rp[a] = 1.0 if draws[1, a] < 0.5 * (1.0 + true_p[a]) else -1.0
        else:
            rc[a] = true_c[a]
            rp[a] = true_p[a]
    return rc, rp


class MarketArrays(NamedTuple):
    """A :class:`BanditMarket` as the arrays and numbers its compiled kernels take."""

    surplus: np.ndarray
    customer_utils: np.ndarray
    provider_utils: np.ndarray
    atol: float
    optimal_welfare: float
    noise: int
    sigma: float
    arrival: float


class BanditMarket:
    """A market with unknown utilities and noisy feedback.

    Parameters
    ----------
    customer_utils, provider_utils : array_like, shape (m, n)
        True :math:`u_i(j)` and :math:`u_j(i)` (both indexed ``[customer,
        provider]``), in ``[-1, 1]``.
    noise : {"gaussian", "bernoulli", "none"}
        Feedback noise model.
    sigma : float
        Gaussian noise scale (> 0). Ignored otherwise: ``sigma`` then reports
        the subgaussian scale, 1 for Bernoulli and 0 for ``"none"``.
    arrival : float
        Probability in (0, 1] that each agent is present in a round.
    structure : str
        Label of the preference structure (``"unstructured"``, ``"typed"``,
        ``"linear"``); structured markets carry what a learner may know:
    customer_types, provider_types : array_like of int, optional
        Types of the agents (typed markets).
    customer_features, provider_features : array_like, shape (m, d) and (n, d), optional
        Known features (linear markets).

    Examples
    --------
    >>> import numpy as np
    >>> mk = BanditMarket([[0.5, -0.5]], [[0.5, 0.2]], sigma=0.1)
    >>> mk.optimal_welfare()
    1.0
    >>> BanditMarket([[1.5]], [[0.0]])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: customer_utils must lie in the declared range [-1, 1], got 1.5 at index (0, 0)
    """

    def __init__(self, customer_utils: ArrayLike, provider_utils: ArrayLike, *, noise: str = "gaussian",
                 sigma: float = 0.5, arrival: float = 1.0, structure: str = "unstructured",
                 customer_types: ArrayLike | None = None, provider_types: ArrayLike | None = None,
                 customer_features: ArrayLike | None = None, provider_features: ArrayLike | None = None) -> None:
        cu = check_utils("customer_utils", customer_utils)
        pu = check_utils("provider_utils", provider_utils, shape=cu.shape, against="customer_utils")
        self.noise = check_option("noise", noise, NOISES)
        # a scale is required (and must be positive) only for Gaussian noise
        self.sigma = check_scale("sigma", sigma) if noise == "gaussian" else (
            1.0 if noise == "bernoulli" else 0.0)
        self.arrival = check_real("arrival", arrival, low=0.0, high=1.0, low_open=True)
        self.structure = check_option("structure", structure, STRUCTURES)
        m, n = cu.shape
        self.customer_utils = cu
        self.provider_utils = pu
        self.surplus = cu + pu
        self.customer_types = None if customer_types is None else check_types("customer_types", customer_types, m)
        self.provider_types = None if provider_types is None else check_types("provider_types", provider_types, n)
        if customer_features is not None or provider_features is not None:
            self.customer_features, self.provider_features = check_features(
                customer_features, provider_features, m, n)
        else:
            self.customer_features = self.provider_features = None
        self._flat = np.stack([cu.ravel(), pu.ravel()])
        self._atol = 1e-9 * max(float(np.abs(self.surplus).max()) if self.surplus.size else 1.0, 1e-300)
        self._full = MatchingObservation.full(m, n)
        self._opt = None
        self._last = None  # (decision, observation, true utilities, metrics) of the last play

    @property
    def shape(self) -> tuple[int, int]:
        """``(m, n)``: customers by providers."""
        return self.surplus.shape

    def optimal_welfare(self, observation: MatchingObservation | None = None) -> float:
        """:math:`\\max_X W(X)` over the present agents (everyone by default)."""
        if observation is not None:
            check_observation("observation", observation, self.shape)
        if observation is None or observation.dense and observation.shape == self.shape:
            if self._opt is None:
                self._opt = _max_weight(self.surplus)
            return self._opt
        # a subset, every round: the compiled kernel (the compiled loop calls the same one)
        return float(max_weight(np.ascontiguousarray(self.surplus[np.ix_(observation.customers,
                                                                           observation.providers)])))

    def observe(self, rng: np.random.Generator) -> MatchingObservation:
        """The agents present this round (everyone when ``arrival == 1``)."""
        check_generator("rng", rng)
        if self.arrival >= 1.0:
            return self._full
        m, n = self.shape
        c = present(rng.random(m), self.arrival)
        p = present(rng.random(n), self.arrival)
        return MatchingObservation(c, p)

    def _noisy(self, true, rng):
        # the draws are the generator's; the arithmetic is the kernel the compiled loop calls
        if self.noise == "gaussian":
            draws = rng.standard_normal(true.shape)
        elif self.noise == "bernoulli":
            draws = rng.random(true.shape)
        else:
            draws = true
        return np.stack(noisy_rewards(np.ascontiguousarray(true[0]), np.ascontiguousarray(true[1]),
                                      NOISE_CODES[self.noise], float(self.sigma), draws))

    def kernel_inputs(self) -> MarketArrays:
        """The market as :class:`MarketArrays`, for compiled loops (:mod:`agents.matching.compiled`).

        Examples
        --------
        >>> mk = BanditMarket([[0.5, -0.5]], [[0.5, 0.2]], noise="bernoulli")
        >>> a = mk.kernel_inputs()
        >>> a.surplus.tolist(), a.noise, a.optimal_welfare
        ([[1.0, -0.3]], 2, 1.0)
        """
        return MarketArrays(np.ascontiguousarray(self.surplus), np.ascontiguousarray(self.customer_utils),
                            np.ascontiguousarray(self.provider_utils), float(self._atol),
                            float(self.optimal_welfare()), NOISE_CODES[self.noise], float(self.sigma),
                            float(self.arrival))

    def play(self, observation: MatchingObservation, decision: MatchingDecision,
             rng: np.random.Generator) -> tuple[MatchingFeedback, tuple[float, float, float, float]]:
        """Play ``decision``: feedback for the learner and the round's true metrics.

        Parameters
        ----------
        observation : MatchingObservation
            The round's present agents (ids are agent indices of this market).
        decision : MatchingDecision
            The learner's outcome on them.
        rng : numpy.random.Generator
            Source of the feedback noise.

        Returns
        -------
        feedback : MatchingFeedback
        metrics : tuple of float
            ``(instability, welfare, customer_payoff_sum, provider_payoff_sum)``
            on the true utilities.

        Notes
        -----
        When the same decision object is played again on the same observation
        object (a learner replaying its outcome), the metrics of the previous
        play are reused and only fresh noise is drawn; learners must therefore
        not modify a returned decision's arrays in place.
        """
        last = self._last
        replay = last is not None and last[0] is decision and last[1] is observation
        check_generator("rng", rng)
        if replay:  # checked when first played
            mt, t = decision.matching, decision.transfers
        else:
            check_observation("observation", observation, self.shape)
            mt, t = check_decision("decision", decision, observation)
        if observation.dense:
            ci, pj = mt[:, 0], mt[:, 1]
        else:
            ci = observation.customers[mt[:, 0]]
            pj = observation.providers[mt[:, 1]]
        if replay:
            # the same outcome replayed on the same agents: only the noise is new
            true, metrics = last[2], last[3]
        else:
            kc, kp = observation.shape
            if observation.dense:
                w = self.surplus if (kc, kp) == self.shape else self.surplus[:kc, :kp]
            else:
                w = self.surplus[np.ix_(observation.customers, observation.providers)]
            true = self._flat[:, ci * self.shape[1] + pj]
            metrics = outcome_metrics(w, true[0], true[1], mt[:, 0], mt[:, 1], t, self._atol)
            self._last = (decision, observation, true, metrics)
        obs = self._noisy(true, rng)
        return MatchingFeedback(observation, mt, obs[0], obs[1]), metrics

    def instability(self, observation: MatchingObservation, decision: MatchingDecision) -> float:
        """Subset Instability of ``decision`` on the true utilities (no feedback drawn)."""
        check_observation("observation", observation, self.shape)
        mt, transfers = check_decision("decision", decision, observation)
        ci = observation.customers[mt[:, 0]]
        pj = observation.providers[mt[:, 1]]
        w = self.surplus[np.ix_(observation.customers, observation.providers)]
        p = np.zeros(len(observation.customers))
        q = np.zeros(len(observation.providers))
        p[mt[:, 0]] = self.customer_utils[ci, pj] - transfers
        q[mt[:, 1]] = self.provider_utils[ci, pj] + transfers
        return instability_value(w, p, q, self._atol)

    def __repr__(self):
        return (f"BanditMarket(shape={self.shape}, structure={self.structure!r}, noise={self.noise!r}, "
                f"sigma={self.sigma}, arrival={self.arrival})")


def _max_weight(w):
    if w.size == 0:
        return 0.0
    wp = np.maximum(w, 0.0)
    r, c = linear_sum_assignment(wp, maximize=True)
    return float(wp[r, c].sum())


def _unit_rows(x):
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1.0)


def random_market(m: int = 5, n: int = 5, *, structure: str = "unstructured", rng: RngLike = None, types: int = 3,
                  dim: int = 3, noise: str = "gaussian", sigma: float = 0.5, arrival: float = 1.0) -> BanditMarket:
    """Draw a random bandit market.

    Parameters
    ----------
    m, n : int
        Customers and providers (>= 1).
    structure : {"unstructured", "typed", "linear"}
        See the module docstring. Typed markets get ``types`` types per side
        (assigned round-robin, so every type is present); linear markets get
        ``dim``-dimensional features and preference vectors drawn uniformly
        from :math:`[-1, 1]^d` and shrunk into the unit ball (so utilities lie
        in [-1, 1]).
    rng : numpy.random.Generator or int
        Source of the draw.
    types, dim : int
        Number of types per side; feature dimension.
    noise, sigma, arrival
        Passed to :class:`BanditMarket`.

    Examples
    --------
    >>> mk = random_market(4, 6, structure="typed", types=2, rng=1)
    >>> mk.customer_types.tolist()
    [0, 1, 0, 1]
    >>> bool((mk.customer_utils[0] == mk.customer_utils[2]).all())
    True
    """
    m = check_int("m", m, low=1)
    n = check_int("n", n, low=1)
    # utilities, surplus and their flat copy, before anything is drawn
    check_memory("m, n", (m, n), pair_array_bytes(m, n, 6))
    check_option("structure", structure, STRUCTURES)
    types = check_int("types", types, low=1)
    dim = check_int("dim", dim, low=1)
    if structure == "typed":
        check_memory("types", types, pair_array_bytes(types, types, 2))
    if structure == "linear":
        check_memory("m, n, dim", (m, n, dim), pair_array_bytes(m + n, dim, 2))
    rng = make_rng(0 if rng is None else rng)
    kw = dict(noise=noise, sigma=sigma, arrival=arrival, structure=structure)
    if structure == "unstructured":
        return BanditMarket(rng.uniform(-1, 1, (m, n)), rng.uniform(-1, 1, (m, n)), **kw)
    if structure == "typed":
        ct = np.arange(m) % types
        pt = np.arange(n) % types
        uc = rng.uniform(-1, 1, (types, types))  # [customer type, provider type]
        up = rng.uniform(-1, 1, (types, types))  # [provider type, customer type]
        return BanditMarket(uc[ct][:, pt], up[pt][:, ct].T, customer_types=ct, provider_types=pt, **kw)
    f = _unit_rows(rng.uniform(-1, 1, (m, dim)))
    g = _unit_rows(rng.uniform(-1, 1, (n, dim)))
    theta_c = _unit_rows(rng.uniform(-1, 1, (m, dim)))
    theta_p = _unit_rows(rng.uniform(-1, 1, (n, dim)))
    cu = np.clip(theta_c @ g.T, -1.0, 1.0)
    pu = np.clip(f @ theta_p.T, -1.0, 1.0)
    return BanditMarket(cu, pu, customer_features=f, provider_features=g, **kw)
