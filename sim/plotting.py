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

import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import matplotlib
import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from .results import Results, Summary

__all__ = ["STYLE", "band", "new_figure", "plot_parts", "plot_summaries", "save_figure"]

#: Path of the shipped matplotlib style sheet.
STYLE = Path(__file__).with_name("stratsim.mplstyle")

# Fixed metadata: no creation dates, no version strings, so bytes are stable.
_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None, "ModDate": None},
}


def new_figure(nrows: int = 1, ncols: int = 1, *, width: float | None = None,
               height: float | None = None, **subplot_kw: Any) -> tuple[Figure, Axes | np.ndarray]:
    """A new styled :class:`~matplotlib.figure.Figure` and its axes.

    Returns ``(fig, ax)`` for one panel, else ``(fig, axes_array)``.
    """
    with matplotlib.style.context(STYLE):
        base_w, base_h = matplotlib.rcParams["figure.figsize"]
        fig = Figure(figsize=(width or base_w * ncols, height or base_h * nrows))
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    fig._stratsim_style = True
    return fig, axes


def band(ax: Axes, x: ArrayLike, mean: ArrayLike, lo: ArrayLike | None, hi: ArrayLike | None, *,
         label: str | None = None, color: str | tuple[float, ...] | None = None, marker: str | None = "o",
         alpha: float = 0.2, linestyle: str = "-") -> None:
    """Draw a mean line with a shaded confidence band between ``lo`` and ``hi``."""
    with matplotlib.style.context(STYLE):
        (line,) = ax.plot(x, mean, marker=marker, label=label, color=color, linestyle=linestyle)
        if lo is not None and hi is not None and np.any(np.asarray(hi) > np.asarray(lo)):
            ax.fill_between(x, lo, hi, color=line.get_color(), alpha=alpha, linewidth=0)


def plot_summaries(ax: Axes, summaries: Iterable[Summary], *, marker: str | None = "o") -> None:
    """Draw each :class:`~sim.results.Summary` as a mean line with its 95% band."""
    for s in summaries:
        band(ax, s.x, s.mean, s.lo, s.hi, label=s.label, marker=marker)


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


def save_figure(fig: Figure, out_dir: str | os.PathLike[str], name: str, *,
                formats: Iterable[str] = ("png", "pdf")) -> list[Path]:
    """Save ``fig`` as ``out_dir/name.{png,pdf}`` with fixed metadata; close it.

    Log-scaled y axes are fitted to the drawn curves (see :func:`_fit_log_axes`).
    """
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
