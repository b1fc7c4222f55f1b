"""The ``stratsim`` command (also ``python -m sim``).

Commands::

    stratsim list                       every registered scenario and what it does
    stratsim list --policies            every registered policy, by domain
    stratsim run NAME [options]         run a scenario's sweep into a results folder
    stratsim run NAME --precision EPS   add replications until the headline metrics are that precise
    stratsim run quickstart             every scenario at a small scale, under results/
    stratsim params NAME                a scenario's parameters, defaults, quick values, grids, metrics
    stratsim plot DIR                   redraw a results folder's figures
    stratsim --version                  the stratsim version

Errors (unknown names, bad values, unwritable folders, unreachable schedulers,
a missing ``distributed`` extra, mismatched or damaged results folders) print
one line ``stratsim: error: ...`` and exit with status 2, before anything is
written. Ctrl-C (exit 130) and SIGTERM (exit 143, what ``timeout``, Slurm and
``docker stop`` send) stop the run and its workers with one line; finished
tasks are kept and the same command resumes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import threading
import time
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ._version import __version__
from .errors import StratsimError, ValidationError
from .validate import check_int

__all__ = ["Terminated", "build_parser", "describe_parameters", "main"]

QUICKSTART = "quickstart"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (no usage dump) and exit status 2."""

    def error(self, message):
        self.exit(2, f"stratsim: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``stratsim``."""
    parser = _Parser(prog="stratsim", description="Simulate strategic users and learning markets.")
    parser.add_argument("--version", action="version", version=f"stratsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    listing = sub.add_parser("list", help="list the registered scenarios (or policies)")
    listing.add_argument("--policies", action="store_true",
                         help="list the registered policies with their domains instead")
    run = sub.add_parser("run", help="run a scenario (or 'quickstart': all of them, small)")
    run.add_argument("name", help="scenario name (see 'stratsim list') or 'quickstart'")
    run.add_argument("--out", help="results folder (default results/NAME, or results/ for quickstart)")
    run.add_argument("--seed", type=int, default=0, help="root seed (default 0)")
    run.add_argument("--reps", type=int, help="replications per cell (default: the scenario's)")
    run.add_argument("--jobs", type=int, help="worker processes (default: the number of cores)")
    run.add_argument("--backend", choices=("serial", "processes", "dask"),
                     help="execution backend (default: processes on a multi-core machine)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="Dask scheduler address, e.g. tcp://10.0.0.1:8786 (implies --backend dask)")
    run.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                     help="override a parameter (repeatable), e.g. --set horizon=5000")
    run.add_argument("--quick", action="store_true", help="small, fast version of the study")
    run.add_argument("--precision", type=float, metavar="EPS",
                     help="add replications until every cell's headline metrics have a relative half-width "
                          "<= EPS (e.g. 0.05; starting from --reps)")
    run.add_argument("--max-reps", dest="max_reps", type=int, metavar="N",
                     help="with --precision: at most N replications per cell (default 10 x the starting ones)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    params = sub.add_parser("params", help="a scenario's parameters: defaults, types, quick values, grids, metrics")
    params.add_argument("name", help="scenario name (see 'stratsim list')")
    plot = sub.add_parser("plot", help="redraw the figures of a results folder")
    plot.add_argument("folder", help="a folder written by 'stratsim run'")
    plot.add_argument("--formats", help="figure formats, comma-separated: png,pdf (default: png for a --quick "
                                        "run, png,pdf for a full run)")
    return parser


def _parse_sets(items) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ValidationError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = value.strip()
    return out


def _cmd_list(args) -> int:
    if args.policies:
        return _list_policies()
    from .registry import scenarios

    names = scenarios.names()
    width = max((len(n) for n in names), default=0)
    for name in names:
        print(f"{name:<{width}}  {scenarios.describe(name)}")
    return 0


def _list_policies() -> int:
    # One line per policy, grouped by domain: "domain  name  description".
    from .registry import policies

    rows = [(domain, name, policies.describe(name) or policies.get(name).spec.label)
            for domain in policies.domains() for name in policies.names(domain)]
    wd = max((len(r[0]) for r in rows), default=0)
    wn = max((len(r[1]) for r in rows), default=0)
    for domain, name, text in rows:
        print(f"{domain:<{wd}}  {name:<{wn}}  {text}")
    return 0


def _cmd_run(args, argv) -> int:
    from .registry import scenarios
    from .runner import run_scenario

    sets = _parse_sets(args.sets)
    progress = False if args.no_progress else None
    seed = check_int("seed", args.seed, low=0)
    common = dict(rng=seed, replications=args.reps, backend=args.backend, jobs=args.jobs,
                  scheduler=args.scheduler, progress=progress, argv=argv)
    if args.name == QUICKSTART:
        if sets:
            raise ValidationError("--set is not accepted by quickstart (it runs every scenario)")
        if args.precision is not None or args.max_reps is not None:
            raise ValidationError("--precision and --max-reps are not accepted by quickstart (it runs every "
                                  "scenario once, quick)")
        root = Path(args.out or "results")
        start = time.perf_counter()
        ran = _quickstart(scenarios, root, common)
        print(f"quickstart: {ran} scenarios in {time.perf_counter() - start:.0f} s; "
              f"results and figures under {root}/")
        return 0
    scenarios.get(args.name)  # unknown names fail before anything else
    out = Path(args.out or Path("results") / args.name)
    began = time.perf_counter()
    summary = run_scenario(args.name, out, overrides=sets, quick=args.quick, precision=args.precision,
                           max_replications=args.max_reps, **common)
    _report(summary, time.perf_counter() - began)
    return 0


def _quickstart(registry, root: Path, common: dict) -> int:
    """Every scenario at quick scale; each one's figures are drawn in a worker while the next one runs.

    The runs leave cores idle (small sweeps, serial studies) that drawing can use; one worker draws, in
    scenario order, so each report line is printed once its figures exist. Returns the scenarios run.
    """
    from .runner import plot_folder, run_scenario
    from .sweep import process_pool, stop_process_pool

    drawer = process_pool(1)
    pending: list = []  # (summary, seconds, future of its figures), in scenario order

    def report_finished(wait: bool) -> None:
        while pending and (wait or pending[0][2].done()):
            summary, seconds, future = pending.pop(0)
            summary.figures = future.result()
            _report(summary, seconds)

    ran = 0
    try:
        for name in registry.names():
            missing = registry.get(name).missing_extras()
            if missing:  # an optional extra's scenario: say how to get it, run the rest
                report_finished(wait=True)
                print(f"{name}: skipped: needs the optional extra {missing[0]!r} "
                      f"(pip install \"stratsim[{missing[0]}]\")")
                continue
            began = time.perf_counter()
            summary = run_scenario(name, root / name, quick=True, plot=False, **common)
            pending.append((summary, time.perf_counter() - began, drawer.submit(plot_folder, summary.out)))
            ran += 1
            report_finished(wait=False)
        report_finished(wait=True)
    except BaseException:
        stop_process_pool(drawer)
        raise
    drawer.shutdown(wait=True)
    return ran


def _report(summary, seconds: float) -> None:
    resumed = f", {summary.resumed} resumed" if summary.resumed else ""
    print(f"{summary.scenario}: {summary.ran} of {summary.tasks} tasks run{resumed} in {seconds:.1f} s "
          f"-> {summary.out}/results.csv, {len(summary.figures)} figure files in {summary.out}/figures")
    if summary.precision is not None:
        print(_precision_line(summary.precision))


def _precision_line(record: dict) -> str:
    """One line on a precision run: target, rounds, replications per cell, cells short of the target."""
    cells = record["cells"]
    reps = [c["replications"] for c in cells]
    span = str(reps[0]) if min(reps) == max(reps) else f"{min(reps)} to {max(reps)}"
    rels = [c["relative_half_width"] for c in cells if c["reason"] != "no headline metrics"]
    worst = max((float("inf") if r is None else r for r in rels), default=0.0)
    short = [c for c in cells if c["reason"] == "max replications reached"]
    head = f"precision {record['target']:g}: "
    if short:
        head += (f"not met in {len(short)} of {len(cells)} cells at {record['max_replications']} replications "
                 f"(--max-reps)")
    else:
        head += "met in every cell"
    return (f"{head}; worst relative half-width {worst:.3g}; {span} replications per cell, {record['rounds']} "
            f"round{'s' if record['rounds'] != 1 else ''} (manifest.json: precision)")


def _cmd_params(args) -> int:
    from .registry import scenarios

    print(describe_parameters(scenarios.get(args.name)), end="")
    return 0


def _type_text(hint: Any) -> str:
    if isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("typing.", "")


def _columns(rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    return [(indent + "  ".join(v.ljust(w) for v, w in zip(r, widths))).rstrip() for r in rows]


def _support_text(support: Any) -> str:
    from .intervals import as_support

    sup = as_support(support)
    return sup.name if sup.name in ("share", "nonnegative", "ratio", "unbounded") else (
        f"{sup.name} [{sup.lower:g}, {sup.upper:g}]" if not sup.name.startswith("[") else sup.name)


def describe_parameters(scenario: Any) -> str:
    """The text of ``stratsim params NAME`` for ``scenario`` (a :class:`~sim.scenario.Scenario`).

    Every parameter with its type, default, ``--quick`` value (``-``: the
    default) and the study cell fields its values set (``-``: none); then, per
    study, its cells (default and quick), which cell fields the grid sets (and
    from which parameter), which ones take the parameter of the same name and
    which keep the cell's own default, the declared metric supports and the
    headline metrics (what ``--precision`` controls).

    Examples
    --------
    >>> from sim.registry import get_scenario
    >>> text = describe_parameters(get_scenario("mm1"))
    >>> text.startswith("mm1: ")
    True
    >>> "response.rho" in next(line for line in text.splitlines() if line.lstrip().startswith("rhos "))
    True
    """
    params_type = scenario.params
    hints = typing.get_type_hints(params_type)
    defaults = scenario.make_params({})
    quick = scenario.make_params({}, quick=True)
    studies = scenario.studies or (None,)
    swept: dict[str, list[str]] = {}
    for study in scenario.studies:
        for cell_field, param in study.sweeps.items():
            swept.setdefault(param, []).append(f"{study.name}.{cell_field}")
    lines = [f"{scenario.name}: {scenario.description}",
             f"replications: {scenario.replications} (--quick: {scenario.quick_replications}); "
             f"cells: {len(scenario.cells(defaults))} (--quick: {len(scenario.cells(quick))})",
             "",
             "parameters (--set KEY=VALUE; --quick sets the quick column, '-' keeps the default):"]
    rows = [["name", "type", "default", "quick", "sets (study.cell field)"]]
    for f in dataclasses.fields(params_type):
        q = repr(getattr(quick, f.name)) if f.name in scenario.quick else "-"
        rows.append([f.name, _type_text(hints.get(f.name, f.type)), repr(getattr(defaults, f.name)), q,
                     ", ".join(swept.get(f.name, [])) or "-"])
    lines += _columns(rows)
    for study in studies:
        lines += [""] + _study_lines(scenario, study, defaults, quick)
    return "\n".join(lines) + "\n"


def _study_lines(scenario: Any, study: Any, defaults: Any, quick: Any) -> list[str]:
    if study is None:  # the single-function form: one implicit study on the parameters themselves
        cells_default = scenario.cells(defaults)
        cells_quick = scenario.cells(quick)
        out = [f"study (the scenario itself): {len(cells_default)} cells (--quick: {len(cells_quick)})"]
        grid_keys = list(dict.fromkeys(k for c in cells_default + cells_quick for k in c))
        out.append("  grid sets: " + (", ".join(grid_keys) or "nothing (one cell of the parameters)"))
        metrics, headline = scenario.metrics, scenario.headline
    else:
        cells_default = study.cells(defaults)
        cells_quick = study.cells(quick)
        title = f"study {study.name}" + (f": {study.description}" if study.description else "")
        out = [title, f"  cells: {len(cells_default)} (--quick: {len(cells_quick)})"]
        grid_keys = list(dict.fromkeys(k for c in cells_default + cells_quick for k in c))
        params_fields = {f.name for f in dataclasses.fields(scenario.params)}
        sets = [f"{k} (from {study.sweeps[k]})" if k in study.sweeps else f"{k} (computed by the grid)"
                for k in grid_keys]
        out.append("  grid sets: " + (", ".join(sets) or "nothing (one cell)"))
        shared = [n for n in study.field_names if n not in grid_keys and n in params_fields]
        own = [n for n in study.field_names if n not in grid_keys and n not in params_fields]
        if shared:
            out.append("  from the parameter of the same name: " + ", ".join(shared))
        if own:
            cell_defaults = study.make_cell(None, {})
            out.append("  cell defaults (not parameters): "
                       + ", ".join(f"{n}={getattr(cell_defaults, n)!r}" for n in own))
        metrics, headline = study.metrics, study.headline
    if metrics:
        out.append("  metrics (support; * headline: what --precision controls):")
        out += _columns([[m, _support_text(k), "*" if m in headline else ""] for m, k in metrics.items()],
                        indent="    ")
    else:
        out.append("  metrics: none declared (intervals are unbounded)")
    out.append("  headline metrics: " + (", ".join(headline) or "none (--precision does not apply)"))
    return out


def _cmd_plot(args) -> int:
    from .runner import plot_folder

    paths = plot_folder(args.folder, formats=args.formats)
    print(f"{len(paths)} figure files written to {Path(args.folder) / 'figures'}")
    return 0


class Terminated(KeyboardInterrupt):
    """Raised in the driver by SIGTERM, so that it unwinds exactly like Ctrl-C
    (workers stopped, journal closed) instead of dying on the spot."""


def _raise_terminated(signum, frame):
    raise Terminated()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``stratsim``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        with _sigterm_as_interrupt():
            if args.command == "list":
                return _cmd_list(args)
            if args.command == "run":
                return _cmd_run(args, ["stratsim", *argv])
            if args.command == "params":
                return _cmd_params(args)
            return _cmd_plot(args)
    except StratsimError as exc:
        print(f"stratsim: error: {exc}", file=sys.stderr)
        return 2
    except Terminated:
        print("stratsim: terminated (SIGTERM); finished tasks are saved: re-run the same command to resume",
              file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print("stratsim: interrupted; finished tasks are saved: re-run the same command to resume",
              file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`stratsim list | head`): not an error; silence the
        # interpreter's final flush of stdout, which would fail the same way.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
