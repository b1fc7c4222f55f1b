"""The ``stratsim`` command (also ``python -m sim``).

Commands::

    stratsim list                       every registered scenario and what it does
    stratsim list --policies            every registered policy, by domain
    stratsim run NAME [options]         run a scenario's sweep into a results folder
    stratsim run quickstart             every scenario at a small scale, under results/
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
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .errors import StratsimError, ValidationError
from .validate import check_int

__all__ = ["Terminated", "build_parser", "main"]

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
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    plot = sub.add_parser("plot", help="redraw the figures of a results folder")
    plot.add_argument("folder", help="a folder written by 'stratsim run'")
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
        root = Path(args.out or "results")
        names = scenarios.names()
        start = time.perf_counter()
        for name in names:
            began = time.perf_counter()
            summary = run_scenario(name, root / name, quick=True, **common)
            _report(summary, time.perf_counter() - began)
        print(f"quickstart: {len(names)} scenarios in {time.perf_counter() - start:.0f} s; "
              f"results and figures under {root}/")
        return 0
    scenarios.get(args.name)  # unknown names fail before anything else
    out = Path(args.out or Path("results") / args.name)
    began = time.perf_counter()
    summary = run_scenario(args.name, out, overrides=sets, quick=args.quick, **common)
    _report(summary, time.perf_counter() - began)
    return 0


def _report(summary, seconds: float) -> None:
    resumed = f", {summary.resumed} resumed" if summary.resumed else ""
    print(f"{summary.scenario}: {summary.ran} of {summary.tasks} tasks run{resumed} in {seconds:.1f} s "
          f"-> {summary.out}/results.csv, {len(summary.figures)} figure files in {summary.out}/figures")


def _cmd_plot(args) -> int:
    from .runner import plot_folder

    paths = plot_folder(args.folder)
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
