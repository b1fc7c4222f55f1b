"""Figures in one style: mean curves with confidence bands, saved as PNG and PDF.

Uses matplotlib's object API only (no pyplot state), so figures are safe to
build in worker processes and are always closed. Saved files have fixed
metadata, so the same data gives the same bytes.

Examples
--------
>>> import tempfile, numpy as np
>>> from sim.plotting import new_figure, band, save_figure
>>> fig, ax = new_figure()
>>> x = np.arange(5.0)
>>> band(ax, x, x, x - 0.5, x + 0.5, label="demo")
>>> _ = ax.set(xlabel="x (units)", ylabel="y (units)")
>>> paths = save_figure(fig, tempfile.mkdtemp(), "demo")
>>> [p.suffix for p in paths]
['.png', '.pdf']
"""

from __future__ import annotations

import contextlib
import os
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .errors import ValidationError
from .intervals import REAL, Support, as_support
from .results import Results, Summary

__all__ = ["FORMATS", "ROLE_COLORS", "STYLE", "band", "band_gid", "check_formats", "color", "error_bars",
           "figure_formats", "interval_note", "new_figure", "plot_parts", "plot_summaries", "save_figure"]

#: Path of the shipped matplotlib style sheet.
STYLE = Path(__file__).with_name("stratsim.mplstyle")

# Fixed metadata: no creation dates, no version strings, so bytes are stable.
_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}


#: One colour per role across every figure of the toolkit: the users' kinds, every shipped
#: policy (by registry name) and the reference curves. Within a domain no two roles share a
#: colour; :func:`color` gives other names (third-party policies) a stable colour of their own.
ROLE_COLORS: dict[str, str] = {
    # users
    "naive": "#0072B2", "strategic": "#D55E00", "user.naive": "#0072B2", "user.strategic": "#D55E00",
    "user.learning": "#009E73", "learner": "#882255",
    # references: the optimum, exact planners and bounds in black, baselines in grey
    "optimum": "#000000", "planner": "#000000", "bound": "#000000", "baseline": "#7F7F7F",
    # recommenders
    "rec.greedy": "#CC79A7", "rec.epsilon_greedy": "#E69F00", "rec.softmax": "#56B4E9",
    "rec.trustworthy": "#117733", "rec.ucb": "#999933",
    # matching learners (with transfers; NTU)
    "match.ucb": "#0072B2", "match.etc": "#E69F00", "match.eps_greedy": "#CC79A7", "match.thompson": "#009E73",
    "match.ucb_typed": "#56B4E9", "match.ucb_linear": "#D55E00",
    "match_ntu.ucb": "#0072B2", "match_ntu.etc": "#E69F00",
    # scheduling rules
    "sched.rr": "#0072B2", "sched.spjf": "#D55E00", "sched.prr": "#009E73", "sched.two_stage": "#CC79A7",
    "sched.spt": "#56B4E9", "sched.fcfs": "#E69F00", "sched.srpt": "#000000",
    # ski rental rules
    "ski.break_even": "#0072B2", "ski.classical_randomized": "#E69F00", "ski.purohit_deterministic": "#D55E00",
    "ski.purohit_randomized": "#009E73",
    # predictors
    "predict.exact": "#000000", "predict.gaussian": "#0072B2", "predict.multiplicative": "#E69F00",
    "predict.learned": "#009E73", "predict.adversarial_ski": "#D55E00",
}

#: Colours handed to roles without an entry in :data:`ROLE_COLORS`.
_SPARE = ("#332288", "#88CCEE", "#44AA99", "#AA4499", "#DDCC77", "#661100", "#6699CC", "#AA4466")


def color(role: str) -> str:
    """The colour of ``role`` (a user kind, a policy's registry name, ``"optimum"``, ...) in every figure.

    Examples
    --------
    >>> color("strategic"), color("match.ucb")
    ('#D55E00', '#0072B2')
    >>> color("my_learner") == color("my_learner")    # an unknown role: stable, from a spare palette
    True
    """
    if role in ROLE_COLORS:
        return ROLE_COLORS[role]
    return _SPARE[zlib.crc32(str(role).encode()) % len(_SPARE)]


_METHOD_NAMES = {"t": "Student-t", "log-t": "log-scale t", "wilson": "Wilson", "bca": "BCa bootstrap",
                 "percentile": "percentile bootstrap"}


def interval_note(summaries: Iterable[Summary], *, unit: str = "replications") -> str:
    """What the bands of ``summaries`` are, for a legend title or caption: n and the interval's meaning.

    Examples
    --------
    >>> import numpy as np
    >>> from sim.results import Results
    >>> rows = [{"rep": r, "x": 1, "metric": "y", "value": v} for r, v in enumerate([1.0, 2.0, 4.0])]
    >>> interval_note(Results(rows).summary(x="x", metric="y", support="nonnegative"))
    'mean and 95% log-scale t interval, n = 3 replications'
    >>> interval_note(Results(rows[:2]).summary(x="x", metric="y"))
    'mean of n = 2 replications (dots: each one; too few for an interval)'
    """
    summaries = list(summaries)
    ns = sorted({int(v) for s in summaries for v in s.n})
    n_text = (f"n = {ns[0]}" if len(ns) == 1 else f"n = {ns[0]}-{ns[-1]}") if ns else "n = 0"
    if not summaries or not all(s.has_band for s in summaries):
        if ns and ns[-1] >= 3:
            return f"mean and 95% interval, {n_text} {unit} (dots: points with too few for an interval)"
        return f"mean of {n_text} {unit} (dots: each one; too few for an interval)"
    methods = sorted({_METHOD_NAMES.get(str(m), str(m)) for s in summaries for m in s.method})
    level = summaries[0].level
    return f"mean and {level:.0%} {' / '.join(methods)} interval, {n_text} {unit}"


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float | None = None,
               height: float | None = None, **subplot_kw: Any) -> tuple[Figure, Axes | np.ndarray]:
    """A new styled :class:`~matplotlib.figure.Figure` and its axes.

    Returns ``(fig, ax)`` for one panel, else ``(fig, axes_array)``.
    """
    with matplotlib.style.context(STYLE):
        base_w, base_h = matplotlib.rcParams["figure.figsize"]
        # constrained layout: titles, suptitles and legends outside the axes are never clipped
        fig = Figure(figsize=(width or base_w * ncols, height or base_h * nrows), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    fig._stratsim_style = True
    return fig, axes


def band_gid(support: Support) -> str:
    """The ``gid`` of a band drawn inside ``support``: figures can be checked for bands outside it.

    Examples
    --------
    >>> from sim.intervals import SHARE
    >>> band_gid(SHARE)
    'band:0.0:1.0'
    """
    return f"band:{support.lower!r}:{support.upper!r}"


def band(ax: Axes, x: ArrayLike, mean: ArrayLike, lo: ArrayLike | None, hi: ArrayLike | None, *,
         label: str | None = None, color: str | tuple[float, ...] | None = None, marker: str | None = "o",
         alpha: float = 0.2, linestyle: str = "-", support: Support | str | tuple[float, float] = REAL) -> None:
    """Draw a mean line with a shaded confidence band between ``lo`` and ``hi``.

    ``support`` is what the quantity can be: the band is tagged with it
    (:func:`band_gid`) and must lie inside it.
    """
    sup = as_support(support)
    if lo is not None and hi is not None and not (sup.contains(lo) and sup.contains(hi)):
        raise ValidationError(f"band {label or ''!r} leaves the {sup.name} support [{sup.lower:g}, {sup.upper:g}]")
    with matplotlib.style.context(STYLE):
        (line,) = ax.plot(x, mean, marker=marker, label=label, color=color, linestyle=linestyle)
        if lo is not None and hi is not None and np.any(np.asarray(hi) > np.asarray(lo)):
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=alpha, linewidth=0, gid=band_gid(sup))


def plot_summaries(ax: Axes, summaries: Iterable[Summary], *, marker: str | None = "o",
                   colors: Mapping[str, str] | Callable[[str], str] | None = None,
                   labels: Mapping[str, str] | None = None, linestyle: str = "-") -> None:
    """Draw each :class:`~sim.results.Summary` as its mean line with its band (inside the metric's support).

    Where a point has fewer than 3 values there is no interval: its values
    are drawn as dots instead of a band (say so with :func:`interval_note`).

    Parameters
    ----------
    colors : mapping or callable, optional
        Summary label -> colour (e.g. :func:`color` when labels are roles).
    labels : mapping, optional
        Summary label -> legend text.
    """
    for s in summaries:
        c = None if colors is None else (colors(s.label) if callable(colors) else colors.get(s.label))
        text = s.label if labels is None else labels.get(s.label, s.label)
        with_band = s.n >= 3
        lo = np.where(with_band, s.lo, np.nan)
        hi = np.where(with_band, s.hi, np.nan)
        with matplotlib.style.context(STYLE):
            (line,) = ax.plot(s.x, s.mean, marker=marker, label=text, color=c, linestyle=linestyle)
            if with_band.any():
                ax.fill_between(s.x, lo, hi, color=line.get_color(), alpha=0.2, linewidth=0,
                                gid=band_gid(s.support))
            if not with_band.all():
                xs = np.concatenate([np.full(v.size, x) for x, v, b in zip(s.x, s.values, with_band) if not b])
                ys = np.concatenate([v for v, b in zip(s.values, with_band) if not b])
                ax.plot(xs, ys, linestyle="none", marker=".", color=line.get_color(), alpha=0.7)


def error_bars(ax: Axes, x: ArrayLike, summary: Summary, *, color: str = "black") -> None:
    """Intervals of ``summary`` as error bars at positions ``x`` (e.g. over bars); dots where < 3 values.

    The categorical counterpart of :func:`plot_summaries`: where a point has
    too few values for an interval, its values are drawn instead.
    """
    x = np.asarray(x, dtype=float)
    ok = summary.n >= 3
    with matplotlib.style.context(STYLE):
        if ok.any():
            ax.errorbar(x[ok], summary.mean[ok], yerr=[summary.mean[ok] - summary.lo[ok],
                                                       summary.hi[ok] - summary.mean[ok]],
                        fmt="none", ecolor=color, elinewidth=1, capsize=3)
        for xi, v, o in zip(x, summary.values, ok):
            if not o:
                ax.plot(np.full(v.size, xi), v, linestyle="none", marker=".", color=color)


def plot_parts(results: Results, out_dir: str | os.PathLike[str],
               plotters: Mapping[str, Callable[[Results, str | os.PathLike[str]], list[Path]]], *,
               column: str = "part") -> list[Path]:
    """Figures of a scenario whose grid mixes studies, one plotter per study.

    Many scenarios run several studies in one sweep, telling their cells apart
    by a grid column (``part`` or ``study``). Each plotter is called as
    ``plotter(rows, out_dir)`` on the rows of its study and returns the paths it
    saved; studies with no rows (a ``--set`` that ran only some) are skipped.

    Parameters
    ----------
    results : sim.results.Results
        The scenario's rows.
    out_dir : path-like
        Folder for the figures.
    plotters : dict
        Study name -> plotter, called in this order.
    column : str
        The grid column naming the study.

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> from sim.results import Results
    >>> rows = Results([{"part": "a", "value": 1.0}, {"part": "a", "value": 2.0}])
    >>> plot_parts(rows, ".", {"a": lambda r, out: [len(r)], "b": lambda r, out: ["never"]})
    [2]
    """
    present = set(results.unique(column))
    paths = []
    for name, plotter in plotters.items():
        if name in present:
            paths += plotter(results.filter(**{column: name}), out_dir)
    return paths


def _fit_log_axes(fig: Figure) -> None:
    """On log-scaled y axes, keep the view on the curves.

    A confidence band whose lower end is at or below zero (few replications,
    a noisy metric) cannot be drawn on a log axis; matplotlib would stretch the
    axis down to its floor and flatten every curve. The band is then cut at the
    bottom of the view, a third of the smallest positive value a line shows,
    and band vertices at or below zero are drawn at that bottom.
    """
    for ax in fig.axes:
        if ax.get_yscale() != "log":
            continue
        ys = [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]
        ys = np.concatenate([y[np.isfinite(y) & (y > 0)] for y in ys]) if ys else np.empty(0)
        if ys.size and ax.get_ylim()[0] < ys.min() / 30:
            ax.set_ylim(bottom=ys.min() / 3)
        # A band vertex at or below 0 has no place on a log axis: matplotlib drops it and
        # leaves a wedge-shaped hole in the band. Pin such vertices to the bottom of the view.
        bottom = ax.get_ylim()[0]
        for coll in ax.collections:
            for path in coll.get_paths():
                v = path.vertices
                low = ~(v[:, 1] > 0)
                if low.any():
                    v = v.copy()
                    v[low, 1] = bottom
                    path.vertices = v


#: File formats a figure can be saved in.
FORMATS = ("png", "pdf")
_formats: ContextVar[tuple[str, ...]] = ContextVar("stratsim_figure_formats", default=FORMATS)


def check_formats(formats: Iterable[str] | str, *, name: str = "formats") -> tuple[str, ...]:
    """``formats`` (an iterable or a comma-separated string) as a tuple of known formats.

    Examples
    --------
    >>> check_formats("png,pdf")
    ('png', 'pdf')
    >>> check_formats(["svg"])
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: formats must be among 'png', 'pdf', got 'svg'
    """
    if not isinstance(formats, (str, Iterable)):
        raise ValidationError(f"{name} must be among {', '.join(map(repr, FORMATS))}, got {formats!r}")
    items = [f.strip() for f in formats.split(",")] if isinstance(formats, str) else list(formats)
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise ValidationError(f"{name} must be among {', '.join(map(repr, FORMATS))}, got "
                              f"{bad[0] if bad else formats!r}")
    return tuple(dict.fromkeys(items))


@contextlib.contextmanager
def figure_formats(formats: Iterable[str] | str) -> Iterator[tuple[str, ...]]:
    """Within the block, :func:`save_figure` writes ``formats`` unless told otherwise.

    The runner uses it so that a ``--quick`` run writes PNG only (a look, not
    a report; PDF is about half the drawing time) and a full run PNG and PDF.

    Examples
    --------
    >>> with figure_formats("png") as fmts:
    ...     fmts
    ('png',)
    """
    token = _formats.set(check_formats(formats))
    try:
        yield _formats.get()
    finally:
        _formats.reset(token)


def save_figure(fig: Figure, out_dir: str | os.PathLike[str], name: str, *,
                formats: Iterable[str] | None = None) -> list[Path]:
    """Save ``fig`` as ``out_dir/name.{png,pdf}`` with fixed metadata; close it.

    ``formats`` defaults to PNG and PDF, or to what an enclosing
    :func:`figure_formats` block says. Log-scaled y axes are fitted to the
    drawn curves (see :func:`_fit_log_axes`).
    """
    formats = _formats.get() if formats is None else check_formats(formats)
    _fit_log_axes(fig)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    with matplotlib.style.context(STYLE):
        for fmt in formats:
            path = out_dir / f"{name}.{fmt}"
            fig.savefig(path, format=fmt, metadata=_METADATA.get(fmt))
            paths.append(path)
    fig.clear()
    return paths
