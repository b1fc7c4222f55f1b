r"""A small tabular learner in plain numpy: Q-learning with decaying epsilon-greedy exploration.

For environments with discrete observations (``Discrete``, ``MultiDiscrete``
or a ``Dict`` of them) and a ``Discrete`` action space. The table is keyed by
the observation itself (a ``Dict`` in sorted key order), so a state is exactly
what the agent sees; nothing about the environment is built in.

Update, after ``(s, a, r, s')``::

    Q(s, a) <- Q(s, a) + (r + gamma * max_b Q(s', b) [0 if terminal] - Q(s, a)) / n(s, a)

(step size ``1 / n(s, a)``, the sample average, unless ``learning_rate`` is
given). Acting: with probability ``epsilon`` a uniformly random action, else
a greedy one (ties broken uniformly at random); ``epsilon`` is multiplied by
``decay`` after each episode, down to ``epsilon_min``. Unvisited actions start
at ``initial`` (optimism, when above the returns, makes the greedy choice try
them).

This module does not import gymnasium.

Examples
--------
A two-step chain where action 1 pays 1 at each step:

>>> learner = TabularQLearner(2, epsilon=0.5, rng=0)
>>> for episode in range(200):
...     for t in range(2):
...         a = learner.act({"t": t})
...         learner.learn({"t": t}, a, float(a == 1), {"t": t + 1}, done=t == 1)
...     learner.end_episode()
>>> learner.act({"t": 0}, greedy=True), learner.act({"t": 1}, greedy=True)
(1, 1)
>>> round(float(learner.q({"t": 0})[1]), 6)
2.0
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.errors import InputTypeError, ValidationError
from sim.random import RngLike, make_rng
from sim.validate import check_int, check_probability, check_real

__all__ = ["TabularQLearner", "state_key"]


def state_key(obs: Any) -> tuple:
    """A hashable key of a discrete observation (a ``Dict`` in sorted key order).

    Examples
    --------
    >>> state_key({"b": np.array([1, 2]), "a": 3})
    (3, 1, 2)
    >>> state_key({"x": np.array([0.5])})
    Traceback (most recent call last):
    ...
    sim.errors.InputTypeError: a tabular learner needs discrete observations, got dtype float64
    """
    parts: list = []
    _extend(parts, obs)
    return tuple(parts)


def _extend(parts: list, obs: Any) -> None:
    if isinstance(obs, Mapping):
        for name in sorted(obs):
            _extend(parts, obs[name])
        return
    if isinstance(obs, (int, np.integer)) and not isinstance(obs, bool):
        parts.append(int(obs))
        return
    arr = np.asarray(obs)
    if arr.dtype.kind not in "iub":
        raise InputTypeError(f"a tabular learner needs discrete observations, got dtype {arr.dtype}")
    parts.extend(arr.ravel().tolist())


class TabularQLearner:
    """Tabular Q-learning (see the module docstring).

    Parameters
    ----------
    n_actions : int
        Size of the ``Discrete`` action space (actions ``0..n_actions-1``).
    epsilon, epsilon_min : float
        Initial and smallest exploration probability, in [0, 1].
    decay : float
        Factor applied to ``epsilon`` after each episode, in (0, 1].
    gamma : float
        Discount, in [0, 1].
    learning_rate : float, optional
        Constant step size in (0, 1]; default ``1 / n(s, a)``.
    initial : float
        Value of untried actions.
    rng : numpy.random.Generator or int
        Exploration randomness.
    """

    def __init__(self, n_actions: int, *, epsilon: float = 1.0, epsilon_min: float = 0.02, decay: float = 0.995,
                 gamma: float = 1.0, learning_rate: float | None = None, initial: float = 0.0,
                 rng: RngLike = 0) -> None:
        self.n_actions = check_int("n_actions", n_actions, low=1, high=10**6)
        self.epsilon = check_probability("epsilon", epsilon)
        self.epsilon_min = check_probability("epsilon_min", epsilon_min)
        if self.epsilon_min > self.epsilon:
            raise ValidationError(f"epsilon_min must be <= epsilon={self.epsilon}, got {self.epsilon_min}")
        self.decay = check_real("decay", decay, low=0.0, high=1.0, low_open=True)
        self.gamma = check_probability("gamma", gamma)
        self.learning_rate = (None if learning_rate is None else
                              check_real("learning_rate", learning_rate, low=0.0, high=1.0, low_open=True))
        self.initial = check_real("initial", initial)
        self.rng = make_rng(rng)
        self._q: dict[tuple, np.ndarray] = {}
        self._n: dict[tuple, np.ndarray] = {}
        self.episodes = 0

    @property
    def states(self) -> int:
        """Number of states seen."""
        return len(self._q)

    def q(self, obs: Any) -> np.ndarray:
        """The action values at observation ``obs`` (a copy)."""
        return self._row(state_key(obs))[0].copy()

    def _row(self, key: tuple):
        q = self._q.get(key)
        if q is None:
            q = self._q[key] = np.full(self.n_actions, self.initial)
            self._n[key] = np.zeros(self.n_actions)
        return q, self._n[key]

    def act(self, obs: Any, *, greedy: bool = False) -> int:
        """An action at ``obs``: epsilon-greedy, or greedy (ties at random) with ``greedy=True``."""
        q, _ = self._row(state_key(obs))
        if not greedy and self.rng.random() < self.epsilon:
            return int(self.rng.integers(self.n_actions))
        best = np.flatnonzero(q == q.max())
        return int(best[0] if best.size == 1 else best[self.rng.integers(best.size)])

    def learn(self, obs: Any, action: int, reward: float, next_obs: Any, done: bool) -> None:
        """Update ``Q(obs, action)`` from one transition."""
        action = check_int("action", action, low=0, high=self.n_actions - 1)
        reward = check_real("reward", reward)
        q, n = self._row(state_key(obs))
        target = reward
        if not done:
            target += self.gamma * float(self._row(state_key(next_obs))[0].max())
        n[action] += 1
        step = self.learning_rate if self.learning_rate is not None else 1.0 / n[action]
        q[action] += step * (target - q[action])

    def end_episode(self) -> None:
        """Decay the exploration probability (call after each episode)."""
        self.episodes += 1
        self.epsilon = max(self.epsilon_min, self.epsilon * self.decay)

    def __repr__(self) -> str:
        return f"TabularQLearner(n_actions={self.n_actions}, epsilon={self.epsilon:.3g}, states={self.states})"
