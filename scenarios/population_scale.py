"""Population scale: what strategization does in aggregate as the population grows, and what it costs.

Model: the batch-retraining population (:mod:`agents.strategic.batch`). Each
replication draws a catalog of ``n_items`` items; ``n_users`` users of the
default mainstream and minority types share ``profiles`` preference profiles
(segments). A type-aware platform (``platform``, a registered recommender read
with weight ``alpha``) starts from the types' sincere profiles, serves every
user ``steps_per_period`` recommendations per period against a frozen
snapshot of its population profiles and retrains them from the period's
engagement (``learn``, prior weight ``pseudo_count``), for ``periods``
periods. In the *mixed* population a share ``strategic_share`` of the users
plans ``horizon`` steps ahead with the correct belief; the *naive* population
is the same users (same seed) all engaging sincerely.

Measured per population size, each a mean over the run's periods unless said:

- ``profile_error``: the platform's estimation error at the end, mean over
  types and items of ``|m_hat - m*|`` against the population's true mean
  sincere signal;
- ``sincere_engagement`` (what the recommendations earned: natural engagement
  of the items shown) and ``signal_engagement`` (what the platform read), per
  user kind (naive, strategic; ``all``);
- ``estimation_error``: per user, recorded mean signal against the sincere one
  over the items shown, at the end, per kind;
- ``absorbed_share``: of the distortion strategic users put into the
  platform's data, the share its learned profiles carry at the end (the rest
  is held back by the prior; see :mod:`agents.strategic.batch`);
- ``cost_per_user_step``: wall time of the run per user-step, in microseconds
  (a measurement on the machine that ran it, not a seeded quantity).

Figures (written to ``out_dir``):

- ``population_scale_effects``: paired effects of strategization (mixed minus
  all-naive population, same users and seed) against the population size: on
  the platform's profile error, on sincere engagement per user kind, and the
  absorbed share. Measured (full run, 5 replications): the absorbed share
  rises from about 0.6 at 10^2 users to 1 from 10^4 on (a fixed prior weight
  is swamped by data, so at scale the learned profiles carry the strategic
  users' distortion entirely); the change in profile error stays within its
  interval of 0 at every size (this setting does not show strategization
  corrupting the population profiles measurably); sincere engagement rises
  under strategization, for strategic users and, through the shared
  profiles, for naive ones, by a few hundredths at 10^2-10^3 users and less
  as the population grows (about 0.01 for strategic users, 0 for naive ones,
  at 10^6).
- ``population_scale_cost``: the cost per user-step against the population
  size (wall time, serial, on the machine that ran it): naive users cost a
  few microseconds per step, strategic-heavy populations about ten times
  more at scale and far more in small ones: strategic users are planned for
  once per distinct situation (profile, item, state), so the planning cost is
  amortised over the users of a profile as the population grows.

Bands are 95% intervals over replications inside each metric's support
(engagement in [-1, 1], shares in [0, 1], errors and costs non-negative;
:mod:`sim.intervals`); the legends state n. The ``--quick`` run uses 10^2 to
10^4 users; the full run 10^2 to 10^6.

One study, ``scale`` (a cell per population size).

Run it with ``stratsim run population_scale`` or ``python -m scenarios.population_scale``.

Examples
--------
>>> import numpy as np
>>> p = SCENARIO.make_params({"sizes": (100,), "periods": 2}, quick=True)
>>> cell = SCALE.make_cell(p, {"n_users": 100})
>>> rows = run(cell, np.random.default_rng(0))
>>> sorted({r["population"] for r in rows})
['mixed', 'naive']
>>> SCENARIO.make_params({"sizes": (0,)})
Traceback (most recent call last):
...
sim.errors.ValidationError: sizes must be >= 1, got 0
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from agents.strategic import EngagementModel, default_types, make_catalog, make_platform, type_profiles
from agents.strategic.batch import KINDS, BatchPopulation, simulate_batch
from sim.errors import ValidationError
from sim.plotting import color, interval_note, new_figure, plot_summaries, save_figure
from sim.registry import check_policy_name
from sim.results import Results
from sim.scenario import Scenario, Study
from sim.validate import check_int, check_probability, check_real

__all__ = ["SCALE", "SCENARIO", "Cell", "Params", "plot", "run"]


def _check_common(p) -> None:
    check_int("n_items", p.n_items, low=2)
    check_int("periods", p.periods, low=1)
    check_int("steps_per_period", p.steps_per_period, low=1)
    check_probability("strategic_share", p.strategic_share)
    check_int("horizon", p.horizon, low=0)
    check_probability("gamma", p.gamma)
    check_probability("alpha", p.alpha)
    check_int("profiles", p.profiles, low=2)
    check_real("pseudo_count", p.pseudo_count, low=0.0, low_open=True)
    check_real("like_at", p.like_at)
    check_int("shard_size", p.shard_size, low=1)
    check_policy_name("platform", p.platform, "recommender")


@dataclass(frozen=True)
class Params:
    """Parameters of the ``population_scale`` scenario.

    Parameters
    ----------
    sizes : tuple of int
        Population sizes compared (the grid).
    n_items : int
        Catalog size.
    periods, steps_per_period : int
        Retraining periods, and recommendations per user in each.
    strategic_share : float
        Share of strategic users in the mixed population, in [0, 1].
    horizon : int
        Their planning horizon ``H``.
    gamma : float
        Their discount factor.
    alpha : float
        The platform's weight of likes in the signal it reads.
    profiles : int
        Preference profiles (segments) the users share (>= 2).
    pseudo_count : float
        Weight of the platform's initial profiles when it retrains (> 0).
    like_at : float
        Natural like threshold (higher: likes are rarer when sincere).
    shard_size : int
        Users per shard.
    platform : str
        A registered recommender (domain ``"recommender"``).
    """

    sizes: tuple[int, ...] = (100, 1_000, 10_000, 100_000, 1_000_000)
    n_items: int = 10
    periods: int = 4
    steps_per_period: int = 5
    strategic_share: float = 0.5
    horizon: int = 2
    gamma: float = 0.9
    alpha: float = 0.5
    profiles: int = 200
    pseudo_count: float = 50.0
    like_at: float = 1.2
    shard_size: int = 32768
    platform: str = "rec.greedy"

    def __post_init__(self):
        _check_common(self)
        if not self.sizes:
            raise ValidationError("sizes must list at least one population size, got ()")
        for n in self.sizes:
            check_int("sizes", n, low=1)


@dataclass(frozen=True)
class Cell:
    """One population size: the fields of :class:`Params` with ``n_users`` in place of ``sizes``."""

    n_users: int = 1000
    n_items: int = 10
    periods: int = 4
    steps_per_period: int = 5
    strategic_share: float = 0.5
    horizon: int = 2
    gamma: float = 0.9
    alpha: float = 0.5
    profiles: int = 200
    pseudo_count: float = 50.0
    like_at: float = 1.2
    shard_size: int = 32768
    platform: str = "rec.greedy"

    def __post_init__(self):
        _check_common(self)
        check_int("n_users", self.n_users, low=1)


def _rows(res, population, seconds, steps):
    last = res.periods - 1
    out = [{"metric": "cost_per_user_step", "value": 1e6 * seconds / steps, "population": population,
            "user_kind": "all"}]
    for metric, arr in (("profile_error", res.profile_error), ("absorbed_share", res.absorbed_share)):
        if np.isfinite(arr[last]):
            out.append({"metric": metric, "value": float(arr[last]), "population": population, "user_kind": "all"})
    for kind in ("all", *KINDS):
        for metric in ("sincere_engagement", "signal_engagement", "utility"):
            v = res.mean(metric, kind)
            if np.isfinite(v).all():
                out.append({"metric": metric, "value": float(v.mean()), "population": population,
                            "user_kind": kind})
        v = res.mean("estimation_error", kind)[last]
        if np.isfinite(v):
            out.append({"metric": "estimation_error", "value": float(v), "population": population,
                        "user_kind": kind})
    return out


def _changes(mixed, naive):
    """Paired effects of strategization: mixed minus naive population, same users and seed."""
    get = {(r["metric"], r["user_kind"]): r["value"] for r in naive}
    out = []
    for r in mixed:
        key = (r["metric"], r["user_kind"])
        name = {"profile_error": "profile_error_change", "sincere_engagement": "sincere_change"}.get(r["metric"])
        if name is not None and key in get:
            out.append({"metric": name, "value": r["value"] - get[key], "population": "mixed",
                        "user_kind": r["user_kind"]})
    return out


def run(params: Cell, rng: np.random.Generator) -> list[dict]:
    """One replication at one population size: the mixed and the all-naive population on the same users."""
    catalog = make_catalog(params.n_items, rng=rng)
    types = default_types()
    engagement = EngagementModel(like_at=params.like_at)
    profiles, shares = type_profiles(catalog, types, alpha=params.alpha, engagement=engagement)
    platform = make_platform(params.platform, profiles, type_prior=shares, learn=True,
                             pseudo_count=params.pseudo_count, options={"alpha": params.alpha})
    seed = int(rng.integers(2**63))
    runs = {}
    # the naive population is the same users with planning off (H = 0): its "strategic" users are the same
    # people engaging sincerely, so every kind's change is paired user for user
    for population, horizon in (("mixed", params.horizon), ("naive", 0)):
        users = BatchPopulation.sample(catalog, types, params.n_users, strategic_share=params.strategic_share,
                                       profiles=params.profiles, engagement=engagement, horizon=horizon,
                                       gamma=params.gamma)
        start = time.perf_counter()
        res = simulate_batch(platform, users, periods=params.periods, steps_per_period=params.steps_per_period,
                             rng=seed, shard_size=params.shard_size)
        seconds = time.perf_counter() - start
        runs[population] = _rows(res, population, seconds, params.n_users * params.periods * params.steps_per_period)
    return runs["mixed"] + runs["naive"] + _changes(runs["mixed"], runs["naive"])


_SIZE_LABEL = "population size $N$ (users)"
_STYLE = {"mixed": "-", "naive": "--"}


def _curves(ax, results, metric, groups, ylabel):
    """``metric`` against the population size, one curve per ``(population, user_kind)`` in ``groups``."""
    summaries = []
    for population, kind, label in groups:
        sub = results.filter(metric=metric, population=population, user_kind=kind)
        if not sub.rows:
            continue
        (s,) = sub.summary(x="n_users", metric=metric)
        role = kind if kind in KINDS else ("naive" if population == "naive" else "mixed population")
        plot_summaries(ax, [s], colors={s.label: color(role)}, labels={s.label: label},
                       linestyle=_STYLE[population], marker="o" if population == "mixed" else "s")
        summaries.append(s)
    ax.set(xlabel=_SIZE_LABEL, ylabel=ylabel, xscale="log")
    ax.legend(fontsize=8, title=interval_note(summaries), title_fontsize=8)
    return summaries


def plot(results: Results, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Draw the two figures described in the module docstring."""
    paths = []
    fig, (ax1, ax2, ax3) = new_figure(1, 3)
    _curves(ax1, results, "profile_error_change", [("mixed", "all", "mixed minus all-naive population")],
            r"change in profile error $|\hat m - m^*|$")
    ax1.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
    ax1.set_title("Platform estimation error: effect of strategization")
    _curves(ax2, results, "sincere_change",
            [("mixed", "strategic", "strategic users"), ("mixed", "naive", "naive users"),
             ("mixed", "all", "all users")],
            "change in sincere engagement")
    ax2.axhline(0.0, color="black", linewidth=0.8, linestyle=":")
    ax2.set_title("What the recommendations earned: effect")
    _curves(ax3, results, "absorbed_share", [("mixed", "all", "mixed population")],
            "share of distortion in learned profiles")
    ax3.set_ylim(0.0, 1.05)
    ax3.set_title("Distortion absorbed by the platform")
    paths += save_figure(fig, out_dir, "population_scale_effects")

    fig, ax = new_figure(1, 1)
    _curves(ax, results, "cost_per_user_step",
            [("mixed", "all", "mixed population (strategic users plan)"), ("naive", "all", "all-naive population")],
            r"wall time per user-step ($\mu$s)")
    ax.set_yscale("log")
    ax.set_title("Cost per user-step (batch mode, serial)")
    paths += save_figure(fig, out_dir, "population_scale_cost")
    return paths


#: Engagement is a signal in [-1, 1] (so a change of it lies in [-2, 2]); the absorbed share is a share; errors
#: and costs are non-negative; utility and the change of an error are not bounded.
_SUPPORTS = {"sincere_engagement": (-1, 1), "signal_engagement": (-1, 1), "absorbed_share": "share",
             "profile_error": "nonnegative", "estimation_error": "nonnegative",
             "cost_per_user_step": "nonnegative", "utility": "unbounded",
             "profile_error_change": "unbounded", "sincere_change": (-2, 2)}

#: The study: one cell per population size.
SCALE = Study("scale", cell=Cell, run=run, grid=lambda p: [{"n_users": n} for n in p.sizes], plot=plot,
              sweeps={"n_users": "sizes"}, metrics=_SUPPORTS, headline=("profile_error", "sincere_engagement"),
              description="Mixed and all-naive batch populations at each population size.")

SCENARIO = Scenario(
    name="population_scale",
    description="Batch-retraining populations of 10^2 to 10^6 users: estimation error, sincere engagement "
                "and absorbed distortion against population size; cost per user-step.",
    params=Params,
    studies=(SCALE,),
    quick={"sizes": (100, 1_000, 10_000), "periods": 3},
    replications=5,
    quick_replications=4,
)

SCENARIO.run_if_main(__name__)
