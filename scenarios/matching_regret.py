r"""Learning a stable matching with transfers: regret against T, market size and structure.

Model (Jagadeesan et al. 2021; REFERENCE section 1). A platform repeatedly
matches customers and providers whose pair utilities in [-1, 1] it does not
know, sets zero-sum transfers, and observes each matched agent's utility plus
Gaussian noise (scale ``sigma``). Its regret after :math:`T` rounds is
:math:`R_T = \sum_t I(X_t, \tau_t; u)`, the Subset Instability of the played
outcomes on the true utilities; the welfare regret
:math:`\sum_t \max_X W(X) - W(X_t)` is a lower bound. MatchUCB's regret is
:math:`O(|A|^{3/2}\sqrt{T \log(|A| T)})`, so on log-log axes its slope against
:math:`T` is about 1/2; explore-then-commit and epsilon-greedy tuned the
classical way grow like :math:`T^{2/3}`.

Three studies (the ``study`` column):

* ``horizon``: every learner in ``learners`` at each ``T`` in ``horizons`` on the
  default ``size`` x ``size`` unstructured market (each run knows its horizon,
  as the algorithms require);
* ``size``: MatchUCB and explore-then-commit at ``T = size_horizon`` for each
  market size in ``sizes`` (:math:`|A| = 2 \times` size);
* ``structure``: on ``structure_size`` x ``structure_size`` markets with
  unstructured, typed (``types`` types per side) and separable linear
  (``dim``-dimensional features) preferences, MatchUCB against the variant that
  uses the structure.

Markets are fixed instances (``random_market`` seeded by ``market_seed``; with
the defaults the ``horizon`` study runs on ``random_market()``, the package's
default market), so
replications differ only in the feedback noise and the learners' own
randomness. Defaults: ``sigma = 0.5`` and MatchUCB's ``c = 1.0``, a valid
Hoeffding width for that noise level (the paper's worst-case ``c = 8`` only
scales MatchUCB's regret up; see :mod:`agents.matching.learners`).

Run it with ``stratsim run matching_regret`` or ``python -m scenarios.matching_regret``.

Examples
--------
>>> import numpy as np
>>> rows = run(Params(learner="ucb", T=50), np.random.default_rng(0))
>>> sorted({r["metric"] for r in rows})
['customer_payoff', 'final_instability', 'provider_payoff', 'regret', 'welfare_regret']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter

from agents.matching import random_market, run_bandit
from agents.matching.loop import log_grid
from sim.plotting import band, new_figure, save_figure
from sim.registry import load_policy
from sim.scenario import Scenario
from sim.validate import check_choice, check_int, check_real

__all__ = ["Params", "run", "plot", "SCENARIO", "LEARNERS", "fit_slope"]

#: learner name -> registry name
LEARNERS = {
    "ucb": "match.ucb",
    "etc": "match.etc",
    "eps_greedy": "match.eps_greedy",
    "thompson": "match.thompson",
    "ucb_typed": "match.ucb_typed",
    "ucb_linear": "match.ucb_linear",
}
_STRUCTURED = {"unstructured": "ucb", "typed": "ucb_typed", "linear": "ucb_linear"}
_LABELS = {"ucb": "MatchUCB", "etc": "explore-then-commit", "eps_greedy": "epsilon-greedy",
           "thompson": "Thompson sampling", "ucb_typed": "typed MatchUCB", "ucb_linear": "linear MatchUCB"}


@dataclass(frozen=True)
class Params:
    """Parameters of the regret study.

    Attributes
    ----------
    learners : tuple of str
        Learners of the ``horizon`` study (keys of :data:`LEARNERS`).
    horizons : tuple of int
        Horizons :math:`T` of the ``horizon`` study.
    sizes : tuple of int
        Market sizes (customers = providers) of the ``size`` study.
    size_horizon : int
        :math:`T` of the ``size`` and ``structure`` studies.
    structures : tuple of str
        Preference structures of the ``structure`` study.
    structure_size : int
        Market size of the ``structure`` study.
    size : int
        Default market size (customers = providers).
    sigma : float
        Gaussian feedback noise (> 0).
    c : float
        Confidence constant of the UCB learners (> 0).
    types, dim : int
        Types per side (typed markets) and feature dimension (linear markets).
    market_seed : int
        Seed of the market instances.
    trajectory_points : int
        Points of the log grid on which the regret trajectory of the longest
        run is reported.
    study, learner, T, structure : str, str, int, str
        One cell (set by the grid).
    """

    learners: tuple[str, ...] = ("ucb", "etc", "eps_greedy", "thompson")
    horizons: tuple[int, ...] = (500, 1000, 2000, 4000, 8000)
    sizes: tuple[int, ...] = (3, 5, 8, 12)
    size_horizon: int = 2000
    structures: tuple[str, ...] = ("unstructured", "typed", "linear")
    structure_size: int = 12
    size: int = 5
    sigma: float = 0.5
    c: float = 1.0
    types: int = 3
    dim: int = 3
    market_seed: int = 0
    trajectory_points: int = 25
    study: str = "horizon"
    learner: str = "ucb"
    T: int = 2000
    structure: str = "unstructured"

    def __post_init__(self):
        for name in self.learners + (self.learner,):
            check_choice("learner", name, tuple(LEARNERS))
        for T in self.horizons + (self.T, self.size_horizon):
            check_int("T", T, low=1)
        for s in self.sizes + (self.size, self.structure_size):
            check_int("size", s, low=1)
        for s in self.structures + (self.structure,):
            check_choice("structure", s, tuple(_STRUCTURED))
        check_choice("study", self.study, ("horizon", "size", "structure"))
        check_real("sigma", self.sigma, low=0.0, low_open=True)
        check_real("c", self.c, low=0.0, low_open=True)
        check_int("types", self.types, low=1)
        check_int("dim", self.dim, low=1)
        check_int("market_seed", self.market_seed, low=0)
        check_int("trajectory_points", self.trajectory_points, low=2)


def make_learner(name, market, T, params, rng):
    """Build learner ``name`` for ``market`` and horizon ``T`` (through the policy registry)."""
    m, n = market.shape
    if name == "ucb_typed":
        kw = dict(customer_types=market.customer_types, provider_types=market.provider_types, c=params.c)
    elif name == "ucb_linear":
        kw = dict(customer_features=market.customer_features, provider_features=market.provider_features,
                  c=params.c)
    else:
        kw = dict(customers=m, providers=n)
        if name == "ucb":
            kw["c"] = params.c
        elif name == "thompson":
            kw.update(sigma=params.sigma, rng=rng)
        elif name == "eps_greedy":
            kw["rng"] = rng
    return load_policy(LEARNERS[name], horizon=T, **kw)


def _market(params, size, structure):
    return random_market(size, size, structure=structure, rng=params.market_seed, types=params.types,
                         dim=params.dim, sigma=params.sigma)


def run(params: Params, rng) -> list[dict]:
    """One replication of one cell: final regrets and payoffs (plus a log-grid trajectory for the longest run)."""
    size = params.size if params.study == "horizon" else (
        params.structure_size if params.study == "structure" else params.size)
    market = _market(params, size, params.structure)
    learner_rng = np.random.default_rng(rng.integers(2**63))
    learner = make_learner(params.learner, market, params.T, params, learner_rng)
    tr = run_bandit(market, learner, params.T, rng)
    T = params.T
    base = {"agents": 2 * size}
    rows = [
        {**base, "metric": "regret", "value": float(tr.instability.sum())},
        {**base, "metric": "welfare_regret", "value": float(tr.welfare_regret.sum())},
        {**base, "metric": "customer_payoff", "value": float(tr.customer_payoff.mean())},
        {**base, "metric": "provider_payoff", "value": float(tr.provider_payoff.mean())},
        {**base, "metric": "final_instability", "value": float(tr.instability[-max(1, T // 10):].mean())},
    ]
    if params.study == "horizon" and T == max(params.horizons):
        cum = tr.regret()
        for t in log_grid(T, params.trajectory_points):
            rows.append({**base, "t": int(t), "metric": "regret_t", "value": float(cum[t - 1])})
    return rows


def fit_slope(x, y):
    """Least-squares slope of log y against log x (positive entries only); nan if under two points.

    Examples
    --------
    >>> fit_slope([10, 100, 1000], [3, 30, 300])
    1.0
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    ok = (x > 0) & (y > 0) & np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return round(float(np.polyfit(np.log(x[ok]), np.log(y[ok]), 1)[0]), 6)


def _log_ticks(ax, xs, logy=True):
    """Log x axis labelled at the data's x values (minor labels would collide)."""
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator(sorted(xs)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def _loglog_panel(ax, summaries, ylabel, title):
    xs = set()
    for s in summaries:
        slope = fit_slope(s.x, s.mean)
        band(ax, s.x, s.mean, np.maximum(s.lo, 1e-9), s.hi,
             label=f"{_LABELS.get(s.label, s.label)} (slope {slope:.2f})")
        xs.update(s.x.tolist())
    _log_ticks(ax, xs)
    ax.set(xlabel="horizon T (rounds)", ylabel=ylabel, title=title)
    ax.legend(fontsize="small")


def plot(results, out_dir) -> list:
    """Regret vs T (log-log, fitted slopes), each side's payoffs, the regret trajectory, regret vs |A|, structure."""
    paths = []
    hz = results.filter(study="horizon")
    if hz.rows:
        fig, axes = new_figure(1, 2)
        _loglog_panel(axes[0], hz.summary(x="T", metric="regret", by="learner"),
                      "cumulative Subset Instability R_T (utility units)", "Regret (Subset Instability)")
        _loglog_panel(axes[1], hz.summary(x="T", metric="welfare_regret", by="learner"),
                      "cumulative welfare regret (utility units)", "Welfare regret")
        fig.suptitle("Learning a stable matching with transfers: mean and 95% CI over replications")
        paths += save_figure(fig, out_dir, "matching_regret_vs_T")
        fig, axes = new_figure(1, 2)
        fig.set_layout_engine("constrained")
        for ax, metric, side in ((axes[0], "customer_payoff", "customers"), (axes[1], "provider_payoff", "providers")):
            xs = set()
            for s in hz.summary(x="T", metric=metric, by="learner"):
                band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label))
                xs.update(s.x.tolist())
            _log_ticks(ax, xs, logy=False)
            ax.set(xlabel="horizon T (rounds)", ylabel=f"true payoff of all {side} per round (utility units)",
                   title=f"What the {side} get (utility + transfers)")
            ax.legend(fontsize="small")
        fig.suptitle("Each side's realised payoff, averaged over the run (mean, 95% CI)")
        paths += save_figure(fig, out_dir, "matching_regret_payoffs")
        traj = hz.filter(metric="regret_t")
        if traj.rows:
            fig, ax = new_figure()
            for s in traj.summary(x="t", metric="regret_t", by="learner"):
                band(ax, s.x, s.mean, s.lo, s.hi, label=_LABELS.get(s.label, s.label), marker=None)
            ax.set(xlabel="round t", ylabel="cumulative Subset Instability R_t (utility units)",
                   title=f"Regret over one run of T = {int(max(traj.unique('T')))} rounds (mean, 95% CI)")
            ax.legend()
            paths += save_figure(fig, out_dir, "matching_regret_trajectory")
    sz = results.filter(study="size")
    if sz.rows:
        fig, ax = new_figure()
        xs = set()
        for s in sz.summary(x="agents", metric="regret", by="learner"):
            slope = fit_slope(s.x, s.mean)
            band(ax, s.x, s.mean, np.maximum(s.lo, 1e-9), s.hi,
                 label=f"{_LABELS.get(s.label, s.label)} (slope {slope:.2f})")
            xs.update(s.x.tolist())
        _log_ticks(ax, xs)
        T = int(sz.unique("T")[0])
        ax.set(xlabel="number of agents |A| (customers + providers)",
               ylabel="cumulative Subset Instability R_T (utility units)",
               title=f"Regret against market size at T = {T} (theory: |A|^1.5 for MatchUCB)")
        ax.legend()
        paths += save_figure(fig, out_dir, "matching_regret_vs_size")
    st = results.filter(study="structure")
    if st.rows:
        fig, ax = new_figure()
        structures = [s for s in ("unstructured", "typed", "linear") if s in st.unique("structure")]
        learners = [lr for lr in ("ucb", "ucb_typed", "ucb_linear") if lr in st.unique("learner")]
        width = 0.8 / max(len(learners), 1)
        for k, lr in enumerate(learners):
            xs, means, errs = [], [], []
            for i, s in enumerate(structures):
                sub = st.filter(structure=s, learner=lr)
                if not sub.rows:
                    continue
                summ = sub.summary(x="T", metric="regret")[0]
                xs.append(i + (k - (len(learners) - 1) / 2) * width)
                means.append(summ.mean[0])
                errs.append(summ.hi[0] - summ.mean[0])
            ax.bar(xs, means, width=width, yerr=errs, capsize=3, label=_LABELS[lr])
        ax.set_xticks(range(len(structures)), structures)
        T = int(st.unique("T")[0])
        ax.set(xlabel="preference structure of the market", ylabel="cumulative Subset Instability R_T (utility units)",
               title=f"Using the structure: regret at T = {T} (mean, 95% CI)")
        ax.legend()
        paths += save_figure(fig, out_dir, "matching_regret_structure")
    return paths


def _grid(p: Params) -> list[dict]:
    cells = [{"study": "horizon", "learner": lr, "T": T, "structure": "unstructured"}
             for lr in p.learners for T in p.horizons]
    cells += [{"study": "size", "learner": lr, "T": p.size_horizon, "structure": "unstructured", "size": s}
              for lr in ("ucb", "etc") for s in p.sizes]
    for s in p.structures:
        for lr in dict.fromkeys(("ucb", _STRUCTURED[s])):
            cells.append({"study": "structure", "learner": lr, "T": p.size_horizon, "structure": s})
    return cells


SCENARIO = Scenario(
    name="matching_regret",
    description="Bandit learning of stable matchings with transfers: Subset Instability regret vs T, |A|, structure.",
    params=Params,
    run=run,
    plot=plot,
    grid=_grid,
    quick={"horizons": (100, 200, 400), "sizes": (3, 5), "size_horizon": 200, "structure_size": 6,
           "trajectory_points": 10},
    replications=10,
    quick_replications=2,
)

if __name__ == "__main__":
    from sim.cli import main

    raise SystemExit(main(["run", "matching_regret", *__import__("sys").argv[1:]]))
