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

from collections.abc import Callable

import numpy as np

from sim.errors import ValidationError
from sim.random import make_rng
from sim.validate import check_array, check_callable, check_real

__all__ = [
    "AdversarialPredictor",
    "ExactPredictor",
    "GaussianNoisePredictor",
    "LearnedPredictor",
    "MultiplicativeNoisePredictor",
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


class Predictor:
    """Base class: ``predict`` corrupts or estimates; ``update`` learns from finished instances."""

    def predict(self, x, rng=None, *, features=None):
        """Prediction(s) for true value(s) ``x`` (a float for a scalar ``x``)."""
        arr = _truth(x)
        y = np.asarray(self._predict(arr, rng, features), dtype=float)
        if y.shape != arr.shape:
            y = np.broadcast_to(y, arr.shape)
        if y.size and (not np.all(np.isfinite(y)) or np.any(y < 0)):
            raise ValidationError(f"{self!r} produced an invalid prediction (must be finite, >= 0)")
        return _out(y, x)

    def update(self, x, *, features=None) -> None:
        """Learn from finished instance(s) whose true value was ``x``."""
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

    def _predict(self, x, rng, features):
        return x


class GaussianNoisePredictor(Predictor):
    """``y = max(0, x + sigma Z)`` with ``Z`` standard normal.

    Parameters
    ----------
    sigma : float
        Noise standard deviation, ``>= 0``.

    Examples
    --------
    >>> y = GaussianNoisePredictor(5.0).predict(100.0, rng=1)
    >>> 80.0 < y < 120.0
    True
    """

    def __init__(self, sigma: float = 1.0):
        self.sigma = check_real("sigma", sigma, low=0.0)

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

    def __init__(self, sigma: float = 0.5):
        self.sigma = check_real("sigma", sigma, low=0.0)

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

    def __init__(self, score: Callable, candidates: Callable, *, elementwise: bool = True):
        self.score = check_callable("score", score)
        self.candidates = check_callable("candidates", candidates)
        self.elementwise = bool(elementwise)

    @classmethod
    def for_ski(cls, policy, *, b: int) -> AdversarialPredictor:
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
        from .ski import decision_classes, expected_ratio

        reps = [lo for lo, _, _ in decision_classes(policy, b)]

        def score(y, x):
            return expected_ratio(policy, x, y, b=b)

        return cls(score, lambda x: reps, elementwise=True)

    @classmethod
    def for_scheduling(cls, policy) -> AdversarialPredictor:
        """Predictions that maximise ``policy``'s total completion time on a batch.

        Candidates: the truth, the sizes in reversed rank order (the shortest job
        predicted longest), and all-equal predictions.

        Examples
        --------
        >>> from agents.online.scheduling import SPJF
        >>> AdversarialPredictor.for_scheduling(SPJF()).predict([1.0, 2.0, 3.0]).tolist()
        [3.0, 2.0, 1.0]
        """
        from .jobs import JobSet
        from .server import simulate

        def score(y, x):
            return simulate(JobSet.batch(x, predictions=y), policy).total_completion_time

        def candidates(x):
            order = np.argsort(x, kind="stable")
            reverse = np.empty_like(x)
            reverse[order] = x[order[::-1]]
            return [x, reverse, np.full_like(x, float(np.mean(x)))]

        return cls(score, candidates, elementwise=False)

    def _predict(self, x, rng, features):
        if not self.elementwise:
            cands = [np.asarray(c, dtype=float) for c in self.candidates(x)]
            scores = [float(self.score(c, x)) for c in cands]
            return cands[int(np.argmax(scores))]
        cands = [np.broadcast_to(np.asarray(c, dtype=float), x.shape) for c in self.candidates(x)]
        scores = np.stack([np.asarray(self.score(c, x), dtype=float) for c in cands])
        best = np.argmax(scores, axis=0)
        return np.choose(best, cands) if cands else x


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

    def __init__(self, prior: float = 0.0, alpha: float = 1e-3):
        self.prior = check_real("prior", prior, low=0.0)
        self.alpha = check_real("alpha", alpha, low=0.0, low_open=True)
        self._reset()

    @property
    def n_seen(self) -> int:
        """Number of finished instances learned from."""
        return self._n

    def _design(self, n, features):
        if features is None:
            return np.ones((n, 1))
        f = check_array("features", features, finite=True)
        f = f.reshape(n, -1) if n else f.reshape(0, -1)
        return np.hstack([np.ones((f.shape[0], 1)), f])

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
