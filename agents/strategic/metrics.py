"""What strategization does to both sides: engagement, utility, estimation, counterfactuals.

Definitions (this toolkit's; every scenario reports these)
----------------------------------------------------------
For a :class:`~agents.strategic.game.GameRollout` of ``T`` steps
(:func:`engagement_metrics`):

- ``explicit_usage``: share of steps with a like or a dislike;
  ``like_rate`` / ``dislike_rate`` separately.
- ``withheld_like_rate``: among steps where the user naturally liked the item
  (it enjoyed it), the share where it did not like it.
- ``explicit_distortion`` and ``dwell_distortion``: mean ``|explicit - natural|``
  and mean ``|dwell - natural dwell|``.
- ``utility``: mean utility per step; ``value``: mean current value consumed.
- ``signal_engagement`` (:func:`signal_engagement`): mean signal the platform
  read, ``s_t = alpha explicit_t + (1 - alpha) dwell_t``: what it sees and
  maximises, which strategic users inflate or deflate themselves.
- ``sincere_engagement`` (:func:`sincere_engagement`): mean *sincere* signal,
  ``s*_t = alpha explicit_nat_t + (1 - alpha) dwell_nat_t``, what natural
  engagement with the same recommended items (at their current, satiated
  values) would have given (:func:`~agents.strategic.game.sincere_signal`):
  how much the user really engages with what it is shown, the platform's real
  objective. Equal to ``signal_engagement`` for a naive user.

For the platform's knowledge of one user:

- :func:`estimation_error`: mean over the items shown to the user of
  ``|s_hat_k - s*_k|``, where ``s_hat_k`` is the user's mean signal for item
  ``k`` as the platform recorded it and ``s*_k`` the *sincere* signal, the one
  natural engagement at the unsatiated value gives. It is the signal-space
  version of ``|theta_hat - theta*|``: zero for a naive user without satiation.
- :func:`counterfactual`: the platform's answer to "what engagement would the
  alternative policy ``pi`` get from this user?", for a fixed distribution
  ``pi`` over items (default: uniform over the items it has shown the user, the
  ones it has data on). Predicted: ``sum_k pi_k s_hat_k`` from its records
  (the personalised estimate ``mu_k`` for items never shown). True: the
  engagement the user gives under ``pi``. ``pi`` does not react to engagement,
  so sincere engagement is the user's best response to it (as under an
  insulated platform) and the truth is the exact expectation
  ``sum_k pi_k E[s_nat(v_k - satiation * M_k)]`` with ``M_k ~ Binomial(window, pi_k)``
  the item's count among the last ``window`` i.i.d. draws. The counterfactual
  error is predicted minus true: zero for a naive user without satiation,
  whatever the platform.

Examples
--------
>>> from agents.strategic.platforms import Platform, GreedyRecommender
>>> from agents.strategic.users import UserModel, NaiveUser
>>> from agents.strategic.game import play
>>> model = UserModel([0.9, -0.9])
>>> platform = Platform(GreedyRecommender(alpha=1.0, warmup=True), prior=[0.0, 0.0])
>>> traj = play(NaiveUser(model), platform, 4)
>>> m = engagement_metrics(traj)
>>> m["explicit_usage"], m["signal_engagement"], m["sincere_engagement"]
(1.0, 0.5, 0.5)
>>> estimation_error(platform, 0, model)
0.0
>>> pred, true = counterfactual(platform, 0, model)
>>> round(true, 3), round(pred, 3)
(0.0, 0.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from sim.errors import InputTypeError, ValidationError
from sim.validate import check_array

from .engagement import read_signal
from .game import GameRollout, sincere_signal
from .platforms import Platform
from .population import PopulationLog
from .users import UserModel

__all__ = [
    "counterfactual",
    "engagement_metrics",
    "estimation_error",
    "metric_rows",
    "signal_engagement",
    "sincere_engagement",
    "sincere_signal",
]


def _check_log(traj) -> None:
    # duck-typed: any log with the per-step columns (a game, a population log, a batch of them)
    if not all(hasattr(traj, name) for name in ("__len__", "signal", "sincere_signal", "natural_explicit")):
        raise InputTypeError(f"traj must be a GameRollout or a PopulationLog, got {type(traj).__name__}")
    if len(traj) == 0:
        raise ValidationError("traj must have at least one step, got an empty trajectory")


def sincere_engagement(traj: GameRollout | PopulationLog) -> float:
    """Mean sincere signal: what natural engagement with the recommended items would have given.

    ``mean_t alpha explicit_nat_t + (1 - alpha) dwell_nat_t`` over the steps of
    ``traj`` (see :func:`~agents.strategic.game.sincere_signal`), with the
    platform's ``alpha``.

    Examples
    --------
    >>> from agents.strategic.platforms import Platform, GreedyRecommender
    >>> from agents.strategic.users import UserModel, StrategicUser, PlatformBelief
    >>> from agents.strategic.game import play
    >>> model = UserModel([0.85, 1.2, 0.0])
    >>> p = Platform(GreedyRecommender(alpha=1.0), prior=[0.0, 0.0, 0.0])
    >>> traj = play(StrategicUser(model, PlatformBelief.of(p), horizon=3, gamma=1.0), p, 4)
    >>> traj.explicit.tolist(), traj.natural_explicit.tolist()  # dislikes item 0 it naturally likes
    ([-1, 1, 1, 1], [1, 1, 1, 1])
    >>> signal_engagement(traj), sincere_engagement(traj)
    (0.5, 1.0)
    """
    _check_log(traj)
    return float(np.mean(traj.sincere_signal))


def signal_engagement(traj: GameRollout | PopulationLog) -> float:
    """Mean signal the platform read, ``mean_t alpha explicit_t + (1 - alpha) dwell_t``."""
    _check_log(traj)
    return float(np.mean(traj.signal))


def engagement_metrics(traj: GameRollout | PopulationLog) -> dict[str, float]:
    """Per-trajectory behaviour and welfare metrics (see the module docstring)."""
    _check_log(traj)
    explicit = traj.explicit
    nat_like = traj.natural_explicit == 1
    withheld = float(np.mean(explicit[nat_like] < 1)) if nat_like.any() else 0.0
    return {
        "explicit_usage": float(np.mean(explicit != 0)),
        "like_rate": float(np.mean(explicit == 1)),
        "dislike_rate": float(np.mean(explicit == -1)),
        "withheld_like_rate": withheld,
        "explicit_distortion": float(np.mean(np.abs(explicit - traj.natural_explicit))),
        "dwell_distortion": float(np.mean(np.abs(traj.dwell - traj.natural_dwell))),
        "utility": float(np.mean(traj.utility)),
        "value": float(np.mean(traj.value)),
        "signal_engagement": signal_engagement(traj),
        "sincere_engagement": sincere_engagement(traj),
    }


def estimation_error(platform: Platform, uid: int, model: UserModel) -> float:
    """Mean ``|s_hat_k - s*_k|`` over the items the platform has shown user ``uid``."""
    raw = platform.raw_means(uid)
    sincere = model.natural_signals(platform.alpha)
    shown = np.isfinite(raw)
    if not shown.any():
        return math.nan
    return float(np.mean(np.abs(raw[shown] - sincere[shown])))


def _true_engagement(model: UserModel, alpha: float, pi: np.ndarray) -> float:
    total = 0.0
    W, sat = model.window, model.satiation
    for k, p in enumerate(pi):
        if p == 0.0:
            continue
        if W == 0 or sat == 0.0:
            total += p * read_signal(model.engagement.natural(model.values[k]), alpha)
            continue
        for m in range(W + 1):
            prob = math.comb(W, m) * p**m * (1.0 - p) ** (W - m)
            total += p * prob * read_signal(model.engagement.natural(model.values[k] - sat * m), alpha)
    return total


def counterfactual(platform: Platform, uid: int, model: UserModel,
                   policy: ArrayLike | None = None) -> tuple[float, float]:
    """``(predicted, true)`` engagement of the i.i.d. policy ``policy`` for user ``uid``.

    Parameters
    ----------
    platform : Platform
        The platform after learning.
    uid : int
        The user.
    model : UserModel
        The user's true model.
    policy : array_like, shape (K,), optional
        Probabilities of recommending each item (default: uniform over the
        items shown to the user, or over the catalog if none was).
    """
    K = platform.n_items
    raw = platform.raw_means(uid)
    shown = np.isfinite(raw)
    if policy is None:
        pi = shown.astype(float) if shown.any() else np.ones(K)
        pi = pi / pi.sum()
    else:
        pi = check_array("policy", policy, ndim=1, shape=(K,))
        if np.any(pi < 0) or not np.isclose(pi.sum(), 1.0):
            raise ValidationError(f"policy must be a probability vector, got {pi.tolist()}")
    s_hat = np.where(shown, raw, np.asarray(platform.estimates(uid), dtype=float))
    predicted = float(pi @ s_hat)
    return predicted, float(_true_engagement(model, platform.alpha, pi))


def metric_rows(per_user: Iterable[Mapping[str, float]], type_names: Iterable[str],
                **columns: Any) -> list[dict[str, Any]]:
    """Tidy rows of per-user metrics averaged over all users and over each user type.

    Parameters
    ----------
    per_user : list of dict
        One ``{metric: value}`` dict per user (NaN values are skipped).
    type_names : list of str
        The type of each user.
    **columns
        Extra columns copied into every row (``condition="likes"``, ...).

    Returns
    -------
    list of dict
        ``{"metric", "value", "user_type", **columns}`` rows; ``user_type`` is
        ``"all"`` or a type name.

    Examples
    --------
    >>> rows = metric_rows([{"u": 1.0}, {"u": 3.0}], ["a", "b"], condition="x")
    >>> [(r["user_type"], r["value"]) for r in rows]
    [('all', 2.0), ('a', 1.0), ('b', 3.0)]
    """
    per_user = list(per_user)
    type_names = list(type_names)
    if len(per_user) != len(type_names):
        raise ValidationError(
            f"type_names must name the type of each of the {len(per_user)} users, got {len(type_names)}")
    if not per_user:
        return []
    groups = [("all", list(range(len(per_user))))]
    for name in dict.fromkeys(type_names):
        groups.append((name, [i for i, t in enumerate(type_names) if t == name]))
    rows = []
    for label, idx in groups:
        for metric in per_user[0]:
            vals = np.array([per_user[i][metric] for i in idx], dtype=float)
            vals = vals[np.isfinite(vals)]
            if vals.size:
                rows.append({"metric": metric, "value": float(vals.mean()), "user_type": label, **columns})
    return rows
