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
import functools
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent runs are not detected
    fcntl = None

from ._version import __version__
from .errors import ResultsMismatchError, ValidationError
from .manifest import build_manifest, read_manifest, write_manifest
from .random import RngLike, as_seed_sequence
from .registry import get_scenario
from .results import Results, write_csv
from .summary import SUMMARY, write_summary
from .sweep import Journal, plan_sweep, resolve_backend
from .validate import check_int

__all__ = ["RunSummary", "check_output_folder", "folder_lock", "make_output_folder", "plot_folder",
           "run_scenario"]

RESULTS, MANIFEST, JOURNAL, FIGURES, LOCK = (
    "results.csv", "manifest.json", "tasks.jsonl", "figures", ".lock")


@dataclass
class RunSummary:
    """What a run did: where, how many tasks, how many ran now and were resumed, figures."""

    scenario: str
    out: Path
    tasks: int
    ran: int
    resumed: int
    figures: list


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
                 progress: bool | None = None, argv: Sequence[str] | None = None) -> RunSummary:
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
        Default: the scenario's (quick) replications.
    backend, jobs, scheduler : see :func:`sim.sweep.run_sweep`.
    """
    scenario = get_scenario(name)
    root = as_seed_sequence(rng)
    params = scenario.make_params(overrides or {}, quick=quick)
    cells = scenario.cells(params)
    reps = scenario.quick_replications if quick else scenario.replications
    reps = check_int("reps", replications if replications is not None else reps, low=1)
    backend, jobs = resolve_backend(backend, scheduler, jobs)
    out = check_output_folder(out)
    params_dict = dataclasses.asdict(params)
    manifest = build_manifest(scenario=name, description=scenario.description, params=params_dict,
                              cells=cells, rng=root, replications=reps, quick=quick,
                              backend=backend, jobs=jobs, argv=argv)
    _check_folder(out, manifest)
    task = functools.partial(_scenario_task, name, params)
    # Every remaining check (backend and scheduler, the journal's sweep and its
    # finished replications) before anything is written.
    plan = plan_sweep(task, cells, reps, root, backend=backend, jobs=jobs, scheduler=scheduler,
                      journal=out / JOURNAL)

    created = make_output_folder(out)
    try:
        with folder_lock(out):
            old = _check_folder(out, manifest)  # again, now that no other run can write here
            if old is not None:
                manifest["first_utc_time"] = old.get("first_utc_time", old.get("utc_time"))
            write_manifest(out, manifest)
            sweep = plan.run(progress=progress, description=name)
            rows = [{"scenario": name, **row} for row in sweep.rows]
            fixed = ["scenario", "cell", *sweep.cell_columns, "rep"]
            extra = [k for k in dict.fromkeys(k for r in rows for k in r)
                     if k not in fixed + ["metric", "value"]]
            write_csv(out / RESULTS, rows, fixed + extra + ["metric", "value"])
            figures = plot_folder(out)
    except BaseException:
        if created and not (out / MANIFEST).exists():  # refused before starting: leave no trace
            with contextlib.suppress(OSError):
                (out / LOCK).unlink()
            _remove_folders(created)
        raise
    return RunSummary(scenario=name, out=out, tasks=plan.tasks, ran=sweep.ran,
                      resumed=sweep.resumed, figures=figures)


def plot_folder(out: str | os.PathLike[str]) -> list[Path]:
    """Redraw the figures of results folder ``out`` from its saved ``results.csv``; rewrite ``summary.csv``.

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
    write_summary(out / SUMMARY, results, scenario.support)
    if not scenario.has_figures:
        return []
    return [Path(p) for p in scenario.make_figures(results, out / FIGURES)]
