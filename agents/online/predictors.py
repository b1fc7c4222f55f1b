"""Predictors: where a learning-augmented policy's prediction comes from.

A predictor maps the true quantity ``x`` of an instance (a season length, a
job size; scalar or array) to a prediction ``y >= 0``. Synthetic predictors
read the truth and corrupt it; the learned predictor never reads it before the
instance is over and instead fits past instances online.

- :class:`ExactPredictor`: ``y = x``.
- :class:`GaussianNoisePredictor`: ``y = max(0, x + sigma Z)``, ``Z ~ N(0, 1)``
  (Purohit et al.'s experiments; clipped because lengths and sizes are
  non-negative, which can only shrink the error ``|y - x|``).
- :class:`MultiplicativeNoisePredictor`: ``y = x exp(sigma Z)`` (log-normal error,
  scale-free).
- :class:`AdversarialPredictor`: among candidate predictions, the one that
  maximises a score, e.g. the policy's exact ratio (:meth:`~AdversarialPredictor.for_ski`)
  or its simulated total completion time (:meth:`~AdversarialPredictor.for_scheduling`).
- :class:`LearnedPredictor`: ridge regression of ``x`` on instance features,
  updated with each finished instance (``update``); before any data it predicts
  its ``prior``. In a simulation its error falls as instances finish.

Every predictor has ``predict(x, rng=None, *, features=None)``, ``update(x, *,
features=None)`` (a no-op except for learners) and ``reset()``.

Predictors are registered policies of the domain ``"prediction"``: the
decision problem "announce a prediction for this instance, then learn its
truth". Its observation is a :class:`PredictionQuery` (the instance's true
value, which synthetic predictors corrupt and learned ones never read, and its
features), the decision is the prediction ``y`` and the feedback, once the
instance is over, is the query itself (``update`` learns ``x`` from it). The
example environment :class:`PredictionTask` draws seasons and features from a
:class:`~agents.online.ski_sim.SeasonModel`-like law and reports
``abs_error = |y - x|`` per step; its context carries the buy price ``b`` for
predictors that target a ski rule (``predict.adversarial_ski``). Registered:
``predict.exact``, ``predict.gaussian``, ``predict.multiplicative``,
``predict.learned``, ``predict.adversarial_ski``.

Examples
--------
>>> import numpy as np
>>> from agents.online.predictors import GaussianNoisePredictor, LearnedPredictor
>>> GaussianNoisePredictor(sigma=0.0).predict([3.0, 5.0], rng=0).tolist()
[3.0, 5.0]
>>> learner = LearnedPredictor(prior=10.0)
>>> learner.predict(7.0, features=[1.0])          # no data yet: the prior
10.0
>>> for z in (1.0, 2.0, 3.0):
...     learner.update(2 * z + 1, features=[z])
>>> round(learner.predict(0.0, features=[4.0]), 2)  # close to 2 * 4 + 1
8.99
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sim.environment import Environment, Step
from sim.errors import InputTypeError, PolicyError, ValidationError
from sim.policy import Policy, PolicySpec
from sim.random import RngLike, make_rng
from sim.registry import register_environment, register_policy
from sim.validate import check_array, check_callable, check_real

from .checks import MAX_DAYS, PolicyLike, check_count, check_flag, check_price, check_season_law
from .ski import SkiRentalPolicy

__all__ = [
    "AdversarialPredictor",
    "AdversarialSkiPredictor",
    "ExactPredictor",
    "GaussianNoisePredictor",
    "LearnedPredictor",
    "MultiplicativeNoisePredictor",
    "PredictionQuery",
    "PredictionTask",
    "Predictor",
]


def _truth(x):
    arr = check_array("x", x, finite=True)
    if arr.size and np.any(arr < 0):
        raise ValidationError(f"x must be >= 0, got {float(arr[arr < 0].ravel()[0])!r}")
    return arr


def _out(y, like):
    y = np.asarray(y, dtype=float)
    return float(y) if np.ndim(like) == 0 else y


class PredictionQuery:
    """One instance to predict: its true value ``x`` and its ``features`` (see the module docstring).

    Examples
    --------
    >>> PredictionQuery(12.0, [0.5])
    PredictionQuery(x=12.0, features=[0.5])
    >>> PredictionQuery(-1.0)
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: x must be >= 0, got -1.0
    """

    __slots__ = ("features", "x")

    def __init__(self, x: ArrayLike, features: ArrayLike | None = None) -> None:
        self.x = _truth(x)
        self.features = None if features is None else check_array("features", features, finite=True)

    def __repr__(self):
        x = float(self.x) if self.x.ndim == 0 else self.x.tolist()
        f = None if self.features is None else self.features.tolist()
        return f"PredictionQuery(x={x}, features={f})"


class Predictor(Policy):
    """Base class: ``predict`` corrupts or estimates; ``update`` learns from finished instances.

    As a policy (domain ``"prediction"``), ``decide(PredictionQuery)`` returns
    ``predict(query.x, rng, features=query.features)`` with the predictor's own
    ``rng`` (stochastic predictors take one at construction).
    """

    spec = PolicySpec("prediction", label="predictor")
    _rng = None

    @classmethod
    def example_observation(cls, rng: RngLike) -> PredictionQuery:
        """A valid random query (for conformance tests)."""
        rng = make_rng(rng)
        return PredictionQuery(float(rng.integers(1, 400)), [float(rng.random())])

    def _check_observation(self, observation):
        if not isinstance(observation, PredictionQuery):
            raise InputTypeError(f"observation must be a PredictionQuery ({type(self).__name__}.decide), "
                                 f"got {type(observation).__name__}")

    def _decide(self, observation):
        return self.predict(observation.x, self._rng, features=observation.features)

    def predict(self, x: ArrayLike, rng: RngLike = None, *,
                features: ArrayLike | None = None) -> float | NDArray[np.float64]:
        """Prediction(s) for true value(s) ``x`` (a float for a scalar ``x``).

        ``rng`` (a Generator or anything :func:`numpy.random.default_rng`
        accepts) feeds a stochastic predictor; by default its own ``rng``.
        """
        arr = _truth(x)
        if rng is None:
            rng = self._rng
        with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
            y = np.asarray(self._predict(arr, rng, features), dtype=float)
        if y.shape != arr.shape:
            y = np.broadcast_to(y, arr.shape)
        if y.size and (not np.all(np.isfinite(y)) or np.any(y < 0)):
            bad = y[~(np.isfinite(y) & (y >= 0))].ravel()[0]
            raise ValidationError(f"{self!r} produced an invalid prediction {bad!r} (must be finite, >= 0) for "
                                  f"x up to {float(np.max(arr))!r}")
        return _out(y, x)

    def update(self, x: ArrayLike | PredictionQuery, *, features: ArrayLike | None = None) -> None:
        """Learn from finished instance(s) whose true value was ``x`` (or from a :class:`PredictionQuery`)."""
        if isinstance(x, PredictionQuery):
            x, features = x.x, x.features
        self._update(_truth(x), features)

    def reset(self) -> None:
        """Forget everything learned."""
        self._reset()

    def _predict(self, x, rng, features):
        raise NotImplementedError

    def _update(self, x, features):
        return None

    def _reset(self):
        return None

    def __repr__(self):
        shown = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                          if not k.startswith("_") and isinstance(v, (int, float, str)))
        return f"{type(self).__name__}({shown})"


class ExactPredictor(Predictor):
    """The perfect prediction ``y = x``.

    Examples
    --------
    >>> ExactPredictor().predict(4)
    4.0
    """

    spec = PolicySpec("prediction", label="exact predictor")

    def _predict(self, x, rng, features):
        return x


class GaussianNoisePredictor(Predictor):
    """``y = max(0, x + sigma Z)`` with ``Z`` standard normal.

    Parameters
    ----------
    sigma : float
        Noise standard deviation, ``>= 0``.
    rng : numpy.random.Generator or int, optional
        The noise used when ``predict`` is given no ``rng`` (and by ``decide``).

    Examples
    --------
    >>> y = GaussianNoisePredictor(5.0).predict(100.0, rng=1)
    >>> 80.0 < y < 120.0
    True
    """

    spec = PolicySpec("prediction", label="Gaussian noise predictor", stochastic=True)

    def __init__(self, sigma: float = 1.0, rng: RngLike = None) -> None:
        self.sigma = check_real("sigma", sigma, low=0.0)
        self._rng = None if rng is None else make_rng(rng)

    def _predict(self, x, rng, features):
        if self.sigma == 0:
            return x
        return np.maximum(x + self.sigma * make_rng(rng).standard_normal(x.shape), 0.0)


class MultiplicativeNoisePredictor(Predictor):
    """``y = x exp(sigma Z)``: a log-normal relative error.

    Examples
    --------
    >>> y = MultiplicativeNoisePredictor(0.1).predict([10.0, 20.0], rng=0)
    >>> bool(np.all(np.abs(np.log(y / [10.0, 20.0])) < 0.5))
    True
    """

    spec = PolicySpec("prediction", label="log-normal noise predictor", stochastic=True)

    def __init__(self, sigma: float = 0.5, rng: RngLike = None) -> None:
        self.sigma = check_real("sigma", sigma, low=0.0)
        self._rng = None if rng is None else make_rng(rng)

    def _predict(self, x, rng, features):
        if self.sigma == 0:
            return x
        return x * np.exp(self.sigma * make_rng(rng).standard_normal(x.shape))


class AdversarialPredictor(Predictor):
    """The worst prediction for a policy among candidates.

    For each instance, ``candidates(x)`` lists possible predictions and
    ``score(y, x)`` is what the adversary maximises (e.g. the policy's ratio);
    ties go to the first candidate.

    Parameters
    ----------
    score : callable
        ``score(y, x) -> float``.
    candidates : callable
        ``candidates(x) -> list of predictions`` (each shaped like one instance).
    elementwise : bool
        Whether ``x`` is a batch of independent scalar instances (ski rental)
        or one instance (a job set, scored as a whole).
    """

    spec = PolicySpec("prediction", label="adversarial predictor")

    def __init__(self, score: Callable[[NDArray[np.float64], NDArray[np.float64]], ArrayLike],
                 candidates: Callable[[NDArray[np.float64]], Iterable[ArrayLike]], *,
                 elementwise: bool = True) -> None:
        self.score = check_callable("score", score)
        self.candidates = check_callable("candidates", candidates)
        self.elementwise = check_flag("elementwise", elementwise)

    @classmethod
    def for_ski(cls, policy: PolicyLike, *, b: int) -> AdversarialPredictor:
        """The prediction that maximises ``policy``'s exact expected ratio on each season.

        The candidates are one prediction per decision interval of the policy
        (see :func:`~agents.online.ski.decision_classes`), which covers every
        decision the policy can make, so the choice is the exact worst case.

        Examples
        --------
        >>> from agents.online.ski import PurohitDeterministic
        >>> adv = AdversarialPredictor.for_ski(PurohitDeterministic(0.5), b=100)
        >>> adv.predict([50.0, 400.0]).tolist()   # short season: claim it is long, and vice versa
        [100.0, 0.0]
        """
        from .checks import check_policy
        from .ski import decision_classes, expected_ratio

        policy = check_policy("policy", policy, "ski_rental")
        b = check_price(b)
        reps = [lo for lo, _, _ in decision_classes(policy, b)]

        def score(y, x):
            return expected_ratio(policy, x, y, b=b)

        return cls(score, lambda x: reps, elementwise=True)

    @classmethod
    def for_scheduling(cls, policy: PolicyLike) -> AdversarialPredictor:
        """Predictions that maximise ``policy``'s total completion time on a batch.

        Candidates: the truth, the sizes in reversed rank order (the shortest job
        predicted longest), and all-equal predictions.

        Examples
        --------
        >>> from agents.online.scheduling import SPJF
        >>> AdversarialPredictor.for_scheduling(SPJF()).predict([1.0, 2.0, 3.0]).tolist()
        [3.0, 2.0, 1.0]
        """
        from .checks import check_policy
        from .jobs import JobSet
        from .server import simulate

        policy = check_policy("policy", policy, "scheduling")

        def score(y, x):
            return simulate(JobSet.batch(x, predictions=y), policy).total_completion_time

        def candidates(x):
            order = np.argsort(x, kind="stable")
            reverse = np.empty_like(x)
            reverse[order] = x[order[::-1]]
            return [x, reverse, np.full_like(x, float(np.mean(x)))]

        return cls(score, candidates, elementwise=False)

    def _user(self, name, *args):
        """Call the user's ``score`` or ``candidates``; a failure is a PolicyError naming it."""
        try:
            return getattr(self, name)(*args)
        except Exception as exc:
            raise PolicyError(f"{name} of {self!r} raised {type(exc).__name__}: {exc}") from exc

    def _values(self, name, value, shape):
        try:
            arr = np.asarray(value, dtype=float)
            return arr if shape is None else np.broadcast_to(arr, shape)
        except (TypeError, ValueError):
            want = "numbers" if shape is None else f"numbers shaped like x {shape}"
            raise PolicyError(f"{name} of {self!r} returned {value!r}, not {want}") from None

    def _predict(self, x, rng, features):
        cands = self._user("candidates", x)
        if isinstance(cands, (str, bytes)) or not hasattr(cands, "__iter__"):
            raise PolicyError(f"candidates of {self!r} returned {cands!r}, not a list of predictions")
        cands = [self._values("candidates", c, None if not self.elementwise else x.shape) for c in cands]
        if not self.elementwise:
            scores = [float(self._values("score", self._user("score", c, x), ())) for c in cands]
            return cands[int(np.argmax(scores))] if cands else x
        if not cands:
            return x
        scores = np.stack([self._values("score", self._user("score", c, x), x.shape) for c in cands])
        best = np.argmax(scores, axis=0)
        return np.choose(best, cands)


class LearnedPredictor(Predictor):
    """Ridge regression of the truth on features, fitted online from finished instances.

    The model is ``y = w . (1, features)``; ``w`` minimises
    ``sum_i (x_i - w . phi_i)^2 + alpha ||w - w0||^2`` with ``w0 = (prior, 0, ..., 0)``,
    so with no data it predicts ``prior`` and with many it is least squares.
    Without features it learns the mean of the finished instances.

    Parameters
    ----------
    prior : float
        Prediction before any data (``>= 0``).
    alpha : float
        Ridge strength (``> 0``), in units of squared features: small values let
        a few finished instances override the prior.

    Examples
    --------
    >>> p = LearnedPredictor(prior=0.0, alpha=1e-9)
    >>> p.update([4.0, 6.0])
    >>> round(p.predict(100.0), 6)       # ignores the truth it is handed
    5.0
    """

    spec = PolicySpec("prediction", label="learned predictor")

    def __init__(self, prior: float = 0.0, alpha: float = 1e-3) -> None:
        self.prior = check_real("prior", prior, low=0.0)
        self.alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        self._reset()

    @property
    def n_seen(self) -> int:
        """Number of finished instances learned from."""
        return self._n

    #: Largest feature or truth magnitude learned from: its square, summed, must stay far from float64's limit.
    MAX_VALUE = 1e100

    def _design(self, n, features):
        if features is None:
            return np.ones((n, 1))
        f = check_array("features", features, finite=True)
        if n == 0:
            if f.ndim != 2 or f.size:
                raise ValidationError(f"features must have one row per instance of x (0), got shape {f.shape}")
            return np.ones((0, f.shape[1] + 1))
        if f.size % n or (f.ndim >= 2 and f.shape[0] != n):
            raise ValidationError(f"features must have one row per instance of x ({n}), got shape {f.shape}")
        if f.size and np.abs(f).max() > self.MAX_VALUE:
            raise ValidationError(f"features must be at most {self.MAX_VALUE:g} in magnitude, got "
                                  f"{float(np.abs(f).max())!r}")
        f = f.reshape(n, -1)
        return np.hstack([np.ones((n, 1)), f])

    def _ensure(self, d):
        if self._xtx is None:
            self._xtx = np.zeros((d, d))
            self._xty = np.zeros(d)
        elif self._xtx.shape[0] != d:
            raise ValidationError(f"features must have {self._xtx.shape[0] - 1} columns, got {d - 1}")

    def _predict(self, x, rng, features):
        phi = self._design(x.size, features)
        self._ensure(phi.shape[1])
        if self._w is None:
            d = phi.shape[1]
            w0 = np.zeros(d)
            w0[0] = self.prior
            self._w = np.linalg.solve(self._xtx + self.alpha * np.eye(d), self._xty + self.alpha * w0)
        return np.maximum(phi @ self._w, 0.0).reshape(x.shape)

    def _update(self, x, features):
        if x.size and x.max() > self.MAX_VALUE:
            raise ValidationError(f"x must be at most {self.MAX_VALUE:g} to be learned from, got {float(x.max())!r}")
        phi = self._design(x.size, features)
        self._ensure(phi.shape[1])
        self._xtx += phi.T @ phi
        self._xty += phi.T @ x.ravel()
        self._n += x.size
        self._w = None

    def _reset(self):
        self._xtx = None
        self._xty = None
        self._w = None
        self._n = 0


class AdversarialSkiPredictor(AdversarialPredictor):
    """The worst prediction for a ski rental rule at buy price ``b`` (:meth:`AdversarialPredictor.for_ski`).

    Parameters
    ----------
    rule : str or SkiRentalPolicy
        The ski rule attacked (a registered name of domain ``"ski_rental"`` or an instance).
    b : int
        Buy price.

    Examples
    --------
    >>> AdversarialSkiPredictor("ski.purohit_deterministic", b=100).predict([50.0, 400.0]).tolist()
    [100.0, 0.0]
    """

    spec = PolicySpec("prediction", label="adversarial predictor (ski)")

    def __init__(self, rule: SkiRentalPolicy | str = "ski.purohit_deterministic", b: int = 100) -> None:
        from .checks import check_policy

        rule = check_policy("rule", rule, "ski_rental")
        if not isinstance(rule, SkiRentalPolicy):
            raise InputTypeError(f"rule must be a ski rental policy or its registered name, got {rule!r}")
        self.rule = rule
        self.b = check_price(b)
        adv = AdversarialPredictor.for_ski(rule, b=self.b)
        super().__init__(adv.score, adv.candidates, elementwise=True)

    def __repr__(self):
        return f"AdversarialSkiPredictor(rule={self.rule!r}, b={self.b})"


for _name, _cls in (("predict.exact", ExactPredictor), ("predict.gaussian", GaussianNoisePredictor),
                    ("predict.multiplicative", MultiplicativeNoisePredictor),
                    ("predict.learned", LearnedPredictor), ("predict.adversarial_ski", AdversarialSkiPredictor)):
    register_policy(_name, _cls)


class PredictionTask(Environment):
    """Instances to predict one after another (the ``"prediction"`` domain's environment).

    Step ``i`` draws a feature ``z ~ U(0, 1)`` and a truth
    ``x = max(1, round(low + (high - low) z + N(0, noise)))``; the observation
    is ``PredictionQuery(x, [z])``, the decision the prediction ``y``, the
    feedback the same query (the truth, after the fact) and the metrics ``x``,
    ``y`` and ``abs_error = |y - x|``.

    Parameters
    ----------
    n : int
        Instances (steps) per episode.
    low, high, noise : float
        The law of the truths (as :class:`~agents.online.ski_sim.SeasonModel`).
    b : int
        Buy price, in the context for predictors that attack a ski rule.

    Examples
    --------
    >>> from sim.environment import rollout
    >>> out = rollout(PredictionTask(n=200, noise=0.0), LearnedPredictor(), rng=0)
    >>> bool(out.abs_error[-50:].mean() < out.abs_error[:5].mean())    # it learns the law
    True
    """

    domain = "prediction"
    provides = frozenset({"features"})

    def __init__(self, n: int = 50, *, low: float = 1.0, high: float = 400.0, noise: float = 25.0,
                 b: int = 100) -> None:
        self.n = check_count("n", n, bytes_each=48)
        self.low, self.high, self.noise = check_season_law(low, high, noise)
        self.b = check_price(b)
        self._i = None

    def context(self) -> dict[str, Any]:
        return {"b": self.b, "horizon": self.n}

    def reset(self, rng: RngLike) -> None:
        rng = make_rng(rng)
        z = rng.random(self.n)
        x = np.round(self.low + (self.high - self.low) * z + self.noise * rng.standard_normal(self.n))
        self._x, self._z = np.clip(x, 1.0, float(MAX_DAYS)), z
        self._i = 0

    def observe(self) -> PredictionQuery:
        i = self._i
        if i is None:
            raise PolicyError("PredictionTask: call reset before observe or step")
        if i >= self.n:
            raise PolicyError(f"PredictionTask: the episode of {self.n} instances is over; call reset")
        return PredictionQuery(float(self._x[i]), self._z[i:i + 1])

    def step(self, decision: float) -> Step:
        query = self.observe()
        y = check_real("decision (the prediction)", decision, low=0.0)
        self._i += 1
        x = float(query.x)
        return Step(query, {"x": x, "y": y, "abs_error": abs(y - x)}, self._i >= self.n)

    def __repr__(self):
        return f"PredictionTask(n={self.n}, low={self.low}, high={self.high}, noise={self.noise}, b={self.b})"


register_environment("prediction", lambda rng=0, **params: PredictionTask(**{"n": 20, "b": 20, **params}),
                     description="20 season lengths with a feature, predicted one after another.")
