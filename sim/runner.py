"""Run a registered scenario into a results folder (the engine behind ``stratsim run``).

A run checks everything first (scenario, parameters, replications, seed,
backend and scheduler reachability, the output folder and what it already
holds) and writes nothing until the run is known to start. Then it creates the
folder, writes ``manifest.json``, streams finished tasks into ``tasks.jsonl``,
and at the end writes ``results.csv`` (tidy long format), ``summary.csv``
(mean and interval per cell x metric, :mod:`sim.summary`) and
``figures/*.png|pdf``. Re-running the same call resumes. A folder holding
finished work of another scenario, other parameters, another seed or another
stratsim version is refused, and so is asking for fewer replications than the
folder has finished; a folder with no finished task is reusable by any run.
With ``precision=`` (``stratsim run NAME --precision EPS``) a run adds
replications, cell by cell and in rounds, until the scenario's headline
metrics are that precise (see :func:`run_scenario`).

Examples
--------
>>> import tempfile
>>> from sim.runner import run_scenario
>>> out = tempfile.mkdtemp()
>>> summary = run_scenario("mm1", out, quick=True, replications=2, backend="serial",
...                        overrides={"rhos": "(0.5,)", "customers": "300"})
>>> summary.tasks, summary.ran, summary.resumed
(2, 2, 0)
>>> run_scenario("mm1", out, quick=True, replications=2, backend="serial",
...              overrides={"rhos": "(0.5,)", "customers": "300"}).ran
0
"""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import math
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent runs are not detected
    fcntl = None

from ._version import __version__
from .errors import InputTypeError, MissingExtraError, ResultsMismatchError, ValidationError
from .intervals import MIN_N
from .manifest import build_manifest, read_manifest, write_manifest
from .plotting import FORMATS, check_formats, figure_formats
from .random import RngLike, as_seed_sequence
from .registry import get_scenario
from .results import Results, write_csv
from .summary import SUMMARY, summarize, write_summary
from .sweep import Journal, SweepPlan, SweepResult, plan_sweep, resolve_backend, sweep_fingerprint
from .validate import check_int, check_real

__all__ = ["PRECISION_GROWTH", "RunSummary", "check_output_folder", "folder_lock", "make_output_folder",
           "next_replications", "plot_folder", "relative_half_width", "run_scenario"]

RESULTS, MANIFEST, JOURNAL, FIGURES, LOCK = (
    "results.csv", "manifest.json", "tasks.jsonl", "figures", ".lock")
#: The table a precision round is evaluated from (removed after each round).
ROUND_TABLE = ".precision-round.csv"
#: Bounds on the growth of a cell's replications between precision rounds: at least x1.25 (and +1),
#: at most x4 (the prediction from a few replications is rough).
PRECISION_GROWTH = (1.25, 4.0)
#: Default ``max_replications`` of a precision run, as a multiple of the starting replications.
DEFAULT_MAX_FACTOR = 10
#: Reasons a precision run stopped adding replications to a cell.
TARGET_MET, MAX_REACHED, NO_HEADLINE = "target met", "max replications reached", "no headline metrics"


@dataclass
class RunSummary:
    """What a run did: where, how many tasks, how many ran now and were resumed, figures.

    ``precision`` is the precision record of a run with ``precision=`` (also in
    ``manifest.json``, see :func:`run_scenario`), else None.
    """

    scenario: str
    out: Path
    tasks: int
    ran: int
    resumed: int
    figures: list
    precision: dict | None = field(default=None)


def _scenario_task(name: str, params, cell: dict, rng):
    # Module-level so worker processes can unpickle it; the worker finds the
    # scenario through the registry exactly as the parent did.
    return get_scenario(name).run_cell(params, cell, rng)


@contextlib.contextmanager
def folder_lock(out: Path) -> Iterator[None]:
    """Hold an exclusive lock on results folder ``out`` (two runs must never share one)."""
    if fcntl is None:
        yield
        return
    path = out / LOCK
    try:
        fh = open(path, "a+")
    except OSError as exc:
        raise ValidationError(f"--out {str(out)!r} is not writable ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another process"
            raise ResultsMismatchError(
                f"--out {str(out)!r} is in use by another run ({holder}); wait for it or choose "
                "another folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}")
        fh.flush()
        yield
    finally:
        fh.close()


def check_output_folder(out: str | os.PathLike[str]) -> Path:
    """Refuse an output path that is a file or sits in a folder that cannot be written;
    return it as a Path. Nothing is created: :func:`make_output_folder` does that
    (and reports what this check cannot see, e.g. ``/proc`` or ``/sys`` as root)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out {str(out)!r} exists and is not a folder")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ValidationError(f"--out {str(out)!r} is not writable ({str(probe)!r} is not a writable folder)")
    return out


def make_output_folder(out: str | os.PathLike[str]) -> list[Path]:
    """Create folder ``out`` and its missing parents; return the folders created, deepest first.

    The one reliable writability check is trying: an OSError (a read-only or
    virtual file system such as ``/proc`` or ``/sys``, a permission) becomes a
    :class:`~sim.errors.ValidationError` naming ``--out``.

    Examples
    --------
    >>> make_output_folder("/proc/stratsim-doctest")
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: --out '/proc/stratsim-doctest' cannot be created (...)
    """
    out = Path(out)
    created = []
    probe = out
    while not probe.exists() and probe != probe.parent:
        created.append(probe)
        probe = probe.parent
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _remove_folders(created)
        raise ValidationError(f"--out {str(out)!r} cannot be created ({exc.strerror or exc})") from None
    return created


def _remove_folders(folders) -> None:
    for folder in folders:  # deepest first
        with contextlib.suppress(OSError):
            folder.rmdir()


def _holds_finished_work(out: Path) -> bool:
    return (out / RESULTS).exists() or Journal(out / JOURNAL, "").holds_finished_tasks()


def _check_folder(out: Path, manifest: dict) -> dict | None:
    """The manifest already in ``out`` if this run may resume it; None for a fresh or
    reusable folder (no finished work); refuse a folder holding another run's work."""
    if not out.exists():
        return None
    old = read_manifest(out)
    if old is not None and old["fingerprint"] == manifest["fingerprint"]:
        return old
    if not _holds_finished_work(out):
        return None  # nothing finished there: nothing to lose by starting afresh
    if old is None:
        raise ResultsMismatchError(f"--out {str(out)!r} holds results without a manifest; refusing to mix")
    versions = old.get("versions") if isinstance(old.get("versions"), dict) else {}
    version = old.get("stratsim_version", versions.get("stratsim"))
    if old.get("scenario") == manifest["scenario"] and version != __version__:
        raise ResultsMismatchError(
            f"--out {str(out)!r} holds results of scenario {old['scenario']!r} written by stratsim "
            f"{version or 'of another version'} (this is {__version__}); choose another folder or delete it")
    raise ResultsMismatchError(
        f"--out {str(out)!r} holds results of scenario {old.get('scenario')!r} with other "
        "parameters or seed; choose another folder or delete it")


def run_scenario(name: str, out: str | os.PathLike[str], *, overrides: Mapping[str, Any] | None = None,
                 quick: bool = False, rng: RngLike = 0,
                 replications: int | None = None, backend: str | None = None,
                 jobs: int | None = None, scheduler: str | None = None,
                 progress: bool | None = None, argv: Sequence[str] | None = None,
                 precision: float | None = None, max_replications: int | None = None,
                 plot: bool = True) -> RunSummary:
    """Run scenario ``name`` into folder ``out``; see the module docstring.

    Parameters
    ----------
    name : str
        A registered scenario (``stratsim list``).
    out : path-like
        Results folder.
    overrides : mapping, optional
        Parameter overrides (strings are converted to the field's type).
    quick : bool
        Apply the scenario's ``quick`` overrides and replications.
    rng : int or SeedSequence
        Root seed of the sweep (see :func:`sim.sweep.run_sweep`); its entropy and
        spawn key are recorded in the manifest. A Generator is accepted too but
        gives a new root (a child of it) at every call.
    replications : int, optional
        Default: the scenario's (quick) replications. With ``precision``, the
        starting replications of every cell (at least 3).
    backend, jobs, scheduler : see :func:`sim.sweep.run_sweep`.
    precision : float, optional
        Add replications until every cell's headline metrics
        (:meth:`~sim.scenario.Scenario.headline_metrics`) have a relative
        half-width of at most ``precision`` (> 0, finite), or the cell has
        ``max_replications``. See "Precision-driven replications" below.
    max_replications : int, optional
        Most replications a cell gets with ``precision`` (at least the starting
        replications; default 10 times them).
    plot : bool
        Draw the figures and write ``summary.csv`` (default). With False the
        run ends at ``results.csv`` (``figures`` is empty); :func:`plot_folder`
        draws them later, in this process or another.

    Returns
    -------
    RunSummary
        ``ran`` counts the tasks run by this call, ``resumed`` the finished
        tasks found in the folder's journal; ``precision`` is the precision
        record (or None).

    Notes
    -----
    **Precision-driven replications.** The half-width of a cell x metric (x
    extra keys) is half the width of the interval ``summary.csv`` reports for
    it (:mod:`sim.summary`, inside the metric's support), ``(hi - lo) / 2``;
    its relative half-width divides by ``|mean|`` (0 when both are 0, infinite
    when only the mean is, and infinite for a ``"range"`` row: fewer than 3
    values give no confidence interval). A cell's precision is the largest
    relative half-width over all its headline rows: every row of a headline
    metric counts, one per extra key (``t``, ``policy``, ...). Every cell
    starts with ``replications`` (at least 3); then, in rounds, each cell short
    of the target gets the replications its half-width predicts (half-widths
    shrink as ``1 / sqrt(n)``; :func:`next_replications`), until every cell
    meets the target or has ``max_replications``. Cells are extended
    separately: a cell that meets the target gets no more replications (unless
    a later round finds it short again: its interval is re-evaluated on the
    final data), so ``results.csv`` may hold a different number of
    replications per cell. Cells of a study that declares no headline metric
    keep the starting replications.

    Each round runs through the journal, so an interrupted precision run
    resumes with the same command, and the replications chosen depend only on
    the results, which depend only on the seed: the same seed gives the same
    ``results.csv`` bytes on every backend, interrupted or not. Finished work
    is never dropped: a cell that already holds more replications in the
    folder (from an earlier ``--reps`` or a tighter target) keeps them, and its
    precision is judged on all of them.

    ``manifest.json`` gets ``cell_replications`` (one count per cell) and
    ``precision``: the target, ``max_replications``, the starting
    replications, the number of rounds, ``reached`` (every cell met the target)
    and per cell its replications, ``relative_half_width``, the headline row
    where it is largest and ``reason`` (``"target met"``, ``"max replications
    reached"`` or ``"no headline metrics"``).

    Examples
    --------
    >>> import tempfile
    >>> out = tempfile.mkdtemp()
    >>> s = run_scenario("mm1", out, quick=True, backend="serial", precision=0.1,
    ...                  overrides={"rhos": "(0.3, 0.5)", "customers": "300"})
    >>> s.precision["reached"], [c["reason"] for c in s.precision["cells"]]
    (True, ['target met', 'target met'])
    >>> all(c["relative_half_width"] <= 0.1 for c in s.precision["cells"])
    True
    >>> run_scenario("mm1", out, quick=True, backend="serial", precision=0.1,   # done: nothing to run
    ...              overrides={"rhos": "(0.3, 0.5)", "customers": "300"}).ran
    0
    """
    if not isinstance(plot, bool):
        raise InputTypeError(f"plot must be True or False, got {plot!r}")
    scenario = get_scenario(name)
    missing = scenario.missing_extras()
    if missing:
        raise MissingExtraError(f"scenario {name!r} needs the optional extra {missing[0]!r}, which is not installed: "
                                f"pip install \"stratsim[{missing[0]}]\"")
    root = as_seed_sequence(rng)
    params = scenario.make_params(overrides or {}, quick=quick)
    cells = scenario.cells(params)
    reps = scenario.quick_replications if quick else scenario.replications
    reps = check_int("reps", replications if replications is not None else reps, low=1)
    target = _check_precision(name, scenario, cells, precision, max_replications, reps)
    backend, jobs = resolve_backend(backend, scheduler, jobs)
    out = check_output_folder(out)
    params_dict = dataclasses.asdict(params)
    manifest = build_manifest(scenario=name, description=scenario.description, params=params_dict,
                              cells=cells, rng=root, replications=reps if target is None else target["start"],
                              quick=quick, backend=backend, jobs=jobs, argv=argv,
                              precision=None if target is None else {**_precision_header(target),
                                                                     "status": "running"})
    _check_folder(out, manifest)
    task = functools.partial(_scenario_task, name, params)
    counts: int | list[int] = reps
    if target is not None:
        # Start every cell at the starting replications, or at what the folder already holds (never fewer).
        extent = _journal_extent(out / JOURNAL, task, cells, root)
        counts = [max(target["start"], e) for e in extent]
    # Every remaining check (backend and scheduler, the journal's sweep and its
    # finished replications) before anything is written.
    plan = plan_sweep(task, cells, counts, root, backend=backend, jobs=jobs, scheduler=scheduler,
                      journal=out / JOURNAL)

    created = make_output_folder(out)
    record = None
    try:
        with folder_lock(out):
            old = _check_folder(out, manifest)  # again, now that no other run can write here
            if old is not None:
                manifest["first_utc_time"] = old.get("first_utc_time", old.get("utc_time"))
            write_manifest(out, manifest)
            if target is None:
                sweep = plan.run(progress=progress, description=name)
                ran, tasks = sweep.ran, plan.tasks
            else:
                sweep, record, ran = _run_to_precision(plan, scenario, name, out, target, progress)
                tasks = sum(record["cell_replications"])
                manifest["replications"] = max(record["cell_replications"])
                manifest["cell_replications"] = record.pop("cell_replications")
                manifest["precision"] = record
                write_manifest(out, manifest)
            _write_results(out / RESULTS, name, sweep)
            figures = plot_folder(out) if plot else []
    except BaseException:
        with contextlib.suppress(OSError):
            (out / ROUND_TABLE).unlink()
        if created and not (out / MANIFEST).exists():  # refused before starting: leave no trace
            with contextlib.suppress(OSError):
                (out / LOCK).unlink()
            _remove_folders(created)
        raise
    return RunSummary(scenario=name, out=out, tasks=tasks, ran=ran, resumed=tasks - ran, figures=figures,
                      precision=record)


def _write_results(path: Path, name: str, sweep: SweepResult) -> None:
    rows = [{"scenario": name, **row} for row in sweep.rows]
    fixed = ["scenario", "cell", *sweep.cell_columns, "rep"]
    extra = [k for k in dict.fromkeys(k for r in rows for k in r) if k not in fixed + ["metric", "value"]]
    write_csv(path, rows, fixed + extra + ["metric", "value"])


def _check_precision(name: str, scenario: Any, cells: list[dict], precision: float | None,
                     max_replications: int | None, reps: int) -> dict | None:
    """The precision target ``{"eps", "start", "max", "headline"}`` (headline metrics per cell), or None."""
    if precision is None:
        if max_replications is not None:
            raise ValidationError(f"max_reps needs a precision target (--precision), got max_reps={max_replications!r} "
                                  "without one")
        return None
    eps = check_real("precision", precision, low=0.0, low_open=True)
    start = max(reps, MIN_N)  # fewer values give no confidence interval, so no half-width
    top = check_int("max_reps", max_replications if max_replications is not None else DEFAULT_MAX_FACTOR * start)
    if top < start:
        raise ValidationError(f"max_reps must be >= {start} (the starting replications: --reps or the scenario's, "
                              f"at least {MIN_N}), got {top}")
    headline = [scenario.headline_metrics(c.get("study")) if scenario.studies else scenario.headline_metrics()
                for c in cells]
    if not any(headline):
        raise ValidationError(f"scenario {name!r} declares no headline metrics, so --precision has nothing to "
                              f"control (see 'stratsim params {name}')")
    return {"eps": eps, "start": start, "max": top, "headline": headline}


def _precision_header(target: dict) -> dict:
    return {"target": target["eps"], "max_replications": target["max"], "start_replications": target["start"],
            "half_width": "relative: (hi - lo) / (2 |mean|) of the summary.csv interval, largest over the cell's "
                          "headline rows"}


def _journal_extent(path: Path, task: Any, cells: list[dict], root: Any) -> list[int]:
    """Per cell, one more than the highest replication the journal has finished (0 for none)."""
    extent = [0] * len(cells)
    if path.exists():
        for c, r in Journal(path, sweep_fingerprint(task, cells, root)).read():
            extent[c] = max(extent[c], r + 1)
    return extent


def relative_half_width(mean: float, lo: float, hi: float, method: str = "") -> float:
    """``(hi - lo) / (2 |mean|)``: the relative half-width ``--precision`` compares with its target.

    0 when the interval and the mean are both 0; infinite when only the mean is,
    when a value is not finite, and for a ``"range"`` row (fewer than 3 values:
    no confidence interval).

    Examples
    --------
    >>> relative_half_width(2.0, 1.8, 2.4)
    0.15
    >>> relative_half_width(0.0, 0.0, 0.0), relative_half_width(1.0, 0.5, 1.5, "range")
    (0.0, inf)
    """
    if method == "range" or not all(math.isfinite(v) for v in (mean, lo, hi)):
        return math.inf
    half = (hi - lo) / 2.0
    if mean == 0.0:
        return 0.0 if half == 0.0 else math.inf
    return half / abs(mean)


def next_replications(n: int, relative: float, eps: float, cap: int) -> int:
    """Replications a cell short of target ``eps`` gets in the next precision round.

    Half-widths shrink as ``1 / sqrt(n)``: relative half-width ``relative`` at
    ``n`` replications predicts ``n (relative / eps)^2`` (with a 10% margin),
    taken within :data:`PRECISION_GROWTH` of ``n`` and at most ``cap``.

    Examples
    --------
    >>> next_replications(10, 0.1, 0.05, 1000)    # predicted 44, capped at 4 x 10
    40
    >>> next_replications(10, 0.051, 0.05, 1000)  # just short: at least 1.25 x 10
    13
    >>> next_replications(10, float("inf"), 0.05, 25)
    25
    """
    low, high = PRECISION_GROWTH
    floor = max(n + 1, math.ceil(low * n))
    ceiling = math.ceil(high * n)
    ratio = relative / eps
    wanted = ceiling if not math.isfinite(ratio) else math.ceil(1.1 * n * ratio * ratio)
    return min(cap, max(floor, min(ceiling, wanted)))


def _run_to_precision(plan: SweepPlan, scenario: Any, name: str, out: Path, target: dict,
                      progress: bool | None) -> tuple[SweepResult, dict, int]:
    """Run rounds of ``plan`` until every cell meets ``target``; return the last round's sweep (its rows are
    the results), the precision record and the number of tasks run."""
    eps, start, top, headline = target["eps"], target["start"], target["max"], target["headline"]
    held = list(plan.cell_replications)  # what the folder holds already, or the start (see run_scenario)
    # The schedule is evaluated on its own replications only, so that the counts it chooses depend on the
    # results alone: a resumed run replays the interrupted one's rounds exactly, whatever the journal holds.
    schedule = [start] * len(headline)
    ran, rounds = 0, 0
    while True:
        rounds += 1
        counts = [max(s, h) for s, h in zip(schedule, held)]
        rplan = dataclasses.replace(plan, replications=max(counts), cell_replications=counts)
        sweep = rplan.run(progress=progress, description=f"{name} (precision round {rounds})")
        ran += sweep.ran
        used = dataclasses.replace(sweep, rows=[r for r in sweep.rows if r["rep"] < schedule[r["cell"]]])
        worst = _cell_precision(out, name, used, scenario, headline)
        grown = False
        for c, (rel, _) in enumerate(worst):
            if headline[c] and rel > eps and schedule[c] < top:
                schedule[c] = next_replications(schedule[c], rel, eps, top)
                grown = True
        if grown:
            continue
        # Replications the folder held beyond the schedule are kept: judge those cells on all of them.
        behind = [c for c in range(len(schedule)) if held[c] > schedule[c]]
        if not behind:
            break
        for c in behind:
            schedule[c] = held[c]
    cells = []
    for c, (rel, where) in enumerate(worst):
        reason = NO_HEADLINE if not headline[c] else TARGET_MET if rel <= eps else MAX_REACHED
        entry = {"cell": c, **({"study": plan.grid[c]["study"]} if "study" in plan.grid[c] else {}),
                 "replications": schedule[c], "relative_half_width": rel if math.isfinite(rel) else None,
                 "reason": reason}
        if where:
            entry["worst"] = where
        cells.append(entry)
    record = {**_precision_header(target), "status": "finished", "rounds": rounds,
              "reached": all(e["reason"] != MAX_REACHED for e in cells), "cells": cells,
              "cell_replications": list(schedule)}
    return used, record, ran


def _cell_precision(out: Path, name: str, sweep: SweepResult, scenario: Any,
                    headline: list[tuple]) -> list[tuple[float, dict]]:
    """Per cell, the largest relative half-width over its headline rows of ``summary.csv`` (as
    :func:`plot_folder` would write it for these rows) and that row's key and interval."""
    path = out / ROUND_TABLE
    # Through the file, as summary.csv will be: the same parsed values, the same groups, the same intervals.
    _write_results(path, name, sweep)
    try:
        results = Results.read_csv(path)
    finally:
        with contextlib.suppress(OSError):
            path.unlink()
    summary = summarize(results, scenario.support)
    worst: list[tuple[float, dict]] = [(0.0, {}) for _ in headline]
    seen = [False] * len(headline)
    for row in summary:
        c = row["cell"]
        if not any(fnmatch.fnmatchcase(str(row["metric"]), m) for m in headline[c]):
            continue
        rel = relative_half_width(row["mean"], row["lo"], row["hi"], row["method"])
        if not seen[c] or rel > worst[c][0]:
            keys = {k: v for k, v in row.items() if k not in ("scenario", "cell", "study", "n", "mean", "lo", "hi",
                                                               "level", "method", "support")
                    and k not in sweep.cell_columns and v is not None}
            worst[c] = (rel, {**keys, "n": row["n"], "mean": row["mean"], "lo": row["lo"], "hi": row["hi"],
                              "method": row["method"]})
        seen[c] = True
    missing = [c for c in range(len(headline)) if headline[c] and not seen[c]]
    if missing:
        c = missing[0]
        raise ValidationError(f"scenario {name!r}: cell {c} wrote none of its headline metrics "
                              f"{', '.join(headline[c])}: the scenario declares a headline metric it does not write")
    return worst


def plot_folder(out: str | os.PathLike[str], *, formats: Iterable[str] | str | None = None) -> list[Path]:
    """Redraw the figures of results folder ``out`` from its saved ``results.csv``; rewrite ``summary.csv``.

    ``formats``: the figures' file formats (``"png"``, ``"pdf"``); by default PNG
    only for a ``--quick`` run (a look, not a report: PDF is about half the
    drawing time) and PNG and PDF for a full run.

    ``summary.csv`` (:mod:`sim.summary`) gives the numbers behind the figures:
    one row per cell x metric (x extra keys) with its interval inside the
    metric's declared support. A folder that is not a complete results folder (no or a damaged
    ``manifest.json``, a damaged or truncated ``results.csv``) raises
    :class:`~sim.errors.ValidationError` naming the file.
    """
    out = Path(out)
    manifest = read_manifest(out) if out.is_dir() else None
    if manifest is None or not (out / RESULTS).exists():
        raise ValidationError(f"{str(out)!r} is not a results folder (no {MANIFEST} and {RESULTS})")
    scenario = get_scenario(manifest["scenario"])
    results = Results.read_csv(out / RESULTS)
    missing = [c for c in ("metric", "value") if results.rows and c not in results.rows[0]]
    if missing:
        raise ValidationError(f"{str(out / RESULTS)!r} is not a results table (no column "
                              f"{', '.join(missing)})")
    formats = check_formats(formats) if formats is not None else (("png",) if manifest.get("quick") else FORMATS)
    write_summary(out / SUMMARY, results, scenario.support)
    if not scenario.has_figures:
        return []
    with figure_formats(formats):
        return [Path(p) for p in scenario.make_figures(results, out / FIGURES)]
