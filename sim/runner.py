"""Run a registered scenario into a results folder (the engine behind ``stratsim run``).

A run validates everything first (scenario, parameters, replications, backend,
output folder, scheduler), then writes ``manifest.json``, streams finished
tasks into ``tasks.jsonl``, and at the end writes ``results.csv`` (tidy long
format) and ``figures/*.png|pdf``. Re-running the same call resumes; a folder
holding another scenario's or other parameters' results is refused.

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
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; concurrent runs are not detected
    fcntl = None

from .errors import ResultsMismatchError, ValidationError
from .manifest import build_manifest, read_manifest, write_manifest
from .registry import get_scenario
from .results import Results, write_csv
from .sweep import BACKENDS, connect_dask, cpu_count, default_backend, run_sweep
from .validate import check_choice, check_int

__all__ = ["RunSummary", "check_output_folder", "plot_folder", "run_scenario"]

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
def folder_lock(out: Path):
    """Hold an exclusive lock on results folder ``out`` (two runs must never share one)."""
    if fcntl is None:
        yield
        return
    path = out / LOCK
    fh = open(path, "a+")
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


def check_output_folder(out) -> Path:
    """Refuse an output path that is a file or cannot be written; return it as a Path."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValidationError(f"--out {str(out)!r} exists and is not a folder")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise ValidationError(f"--out {str(out)!r} is not writable ({str(probe)!r} is not a writable folder)")
    return out


def run_scenario(name: str, out, *, overrides=None, quick: bool = False, seed: int = 0,
                 replications: int | None = None, backend: str | None = None,
                 jobs: int | None = None, scheduler: str | None = None,
                 progress: bool | None = None, argv=None) -> RunSummary:
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
    seed : int
        Root seed.
    replications : int, optional
        Default: the scenario's (quick) replications.
    backend, jobs, scheduler : see :func:`sim.sweep.run_sweep`.
    """
    scenario = get_scenario(name)
    seed = check_int("seed", seed, low=0)
    params = scenario.make_params(overrides or {}, quick=quick)
    cells = scenario.cells(params)
    reps = scenario.quick_replications if quick else scenario.replications
    reps = check_int("reps", replications if replications is not None else reps, low=1)
    if scheduler is not None:
        backend = backend or "dask"
    backend = check_choice("backend", backend or default_backend(), BACKENDS)
    if jobs is not None:
        jobs = check_int("jobs", jobs, low=1)
    out = check_output_folder(out)
    params_dict = dataclasses.asdict(params)
    manifest = build_manifest(scenario=name, description=scenario.description, params=params_dict,
                              cells=cells, seed=seed, replications=reps, quick=quick,
                              backend=backend, jobs=jobs or cpu_count(), argv=argv)
    old = read_manifest(out) if out.exists() else None
    if old is not None and old.get("fingerprint") != manifest["fingerprint"]:
        raise ResultsMismatchError(
            f"--out {str(out)!r} holds results of scenario {old.get('scenario')!r} with other "
            "parameters or seed; choose another folder or delete it"
        )
    if old is None and out.exists() and any((out / f).exists() for f in (RESULTS, JOURNAL)):
        raise ResultsMismatchError(f"--out {str(out)!r} holds results without a manifest; refusing to mix")
    if backend == "dask" and scheduler is not None:
        client, _ = connect_dask(scheduler, 1)  # fail before writing anything
        client.close()

    out.mkdir(parents=True, exist_ok=True)
    with folder_lock(out):
        if old is not None:
            manifest["first_utc_time"] = old.get("first_utc_time", old.get("utc_time"))
        write_manifest(out, manifest)
        task = functools.partial(_scenario_task, name, params)
        sweep = run_sweep(task, cells, reps, seed, backend=backend, jobs=jobs, scheduler=scheduler,
                          journal=out / JOURNAL, progress=progress, description=name)
        rows = [{"scenario": name, **row} for row in sweep.rows]
        fixed = ["scenario", "cell", *sweep.cell_columns, "rep"]
        extra = [k for k in dict.fromkeys(k for r in rows for k in r)
                 if k not in fixed + ["metric", "value"]]
        write_csv(out / RESULTS, rows, fixed + extra + ["metric", "value"])
        figures = plot_folder(out)
    return RunSummary(scenario=name, out=out, tasks=len(cells) * reps, ran=sweep.ran,
                      resumed=sweep.resumed, figures=figures)


def plot_folder(out) -> list:
    """Redraw the figures of results folder ``out`` from its saved ``results.csv``."""
    out = Path(out)
    manifest = read_manifest(out)
    if manifest is None or not (out / RESULTS).exists():
        raise ValidationError(f"{str(out)!r} is not a results folder (no {MANIFEST} and {RESULTS})")
    scenario = get_scenario(manifest["scenario"])
    if not scenario.has_figures:
        return []
    results = Results.read_csv(out / RESULTS)
    return [Path(p) for p in scenario.make_figures(results, out / FIGURES)]
