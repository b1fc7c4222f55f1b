"""Figures: same data, same bytes; log axes stay on the curves and bands keep their shape."""

import numpy as np

from sim.plotting import _fit_log_axes, band, new_figure, save_figure


def _figure(lo):
    fig, ax = new_figure()
    x = np.array([1.0, 2.0, 3.0])
    band(ax, x, np.array([1.0, 2.0, 3.0]), lo, np.array([2.0, 3.0, 4.0]), label="curve")
    ax.set(xlabel="x (units)", ylabel="y (units)", yscale="log")
    ax.legend()
    return fig, ax


def test_same_figure_gives_the_same_bytes(tmp_path):
    paths = [save_figure(_figure(np.array([0.5, 1.0, 2.0]))[0], tmp_path / name, "f") for name in "ab"]
    for a, b in zip(*paths):
        assert a.read_bytes() == b.read_bytes()


def test_band_below_zero_on_a_log_axis_is_pinned_to_the_view():
    # two replications give t-intervals whose lower end is often negative
    fig, ax = _figure(np.array([0.5, -1.0, 2.0]))
    _fit_log_axes(fig)  # what save_figure does before writing
    bottom = ax.get_ylim()[0]
    assert 0 < bottom <= 0.5  # the view keeps the curve, not matplotlib's log floor
    ys = np.concatenate([p.vertices[:, 1] for c in ax.collections for p in c.get_paths()])
    assert np.all(ys > 0) and np.isclose(ys.min(), bottom)
