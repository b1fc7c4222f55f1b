"""Parameter sweeps: grid x replications on a serial, multi-process or Dask backend.

Each task ``(cell, rep)`` runs ``fn(cell_params, rng)`` with
``rng = default_rng(SeedSequence(entropy, spawn_key=(cell, rep)))``, so its
result depends only on the root entropy and its coordinates: the same seed
gives the same results whatever the backend, the worker count or the order in
which tasks finish.

With a ``journal`` path, every finished task is appended to the journal as
one JSON line, flushed and fsynced, as soon as it finishes. An interrupted sweep
(Ctrl-C, a killed worker or process, a crash) re-run with the same journal
skips the tasks already there: nothing finished is lost or repeated. A torn
last line (the process died mid-write) is discarded on resume.

Backends:

- ``"serial"``: in this process.
- ``"processes"``: a local process pool (the default when more than one core is available).
- ``"dask"``: a Dask distributed cluster: ``scheduler="tcp://host:8786"`` connects to
  a running one; without it a :class:`distributed.LocalCluster` is started.

Examples
--------
>>> from sim.sweep import run_sweep
>>> def draw(cell, rng):
...     return [{"metric": "u", "value": float(rng.random()) * cell["scale"]}]
>>> res = run_sweep(draw, [{"scale": 1.0}, {"scale": 10.0}], replications=2, seed=7,
...                 backend="serial")
>>> [(r["cell"], r["rep"], r["scale"]) for r in res.rows]
[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 10.0), (1, 1, 10.0)]
>>> res.rows == run_sweep(draw, [{"scale": 1.0}, {"scale": 10.0}], 2, seed=7,
...                       backend="serial").rows
True
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import BackendError, ResultsMismatchError, ValidationError
from .random import task_seed_sequence
from .validate import check_callable, check_choice, check_int

__all__ = ["BACKENDS", "Journal", "SweepResult", "cpu_count", "default_backend", "run_sweep"]

BACKENDS = ("serial", "processes", "dask")


def default_backend() -> str:
    """``"processes"`` when more than one core is available, else ``"serial"``."""
    return "processes" if cpu_count() > 1 else "serial"


def cpu_count() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_task(fn, cell: dict, entropy: int, cell_index: int, rep: int):
    rng = np.random.default_rng(task_seed_sequence(entropy, cell_index, rep))
    return cell_index, rep, list(fn(cell, rng))


@dataclass
class SweepResult:
    """Rows of a finished sweep, sorted by ``(cell, rep)``, each carrying its cell's columns."""

    rows: list[dict]
    cells: list[dict]
    replications: int
    ran: int = 0
    resumed: int = 0
    cell_columns: list[str] = field(default_factory=list)


class Journal:
    """Append-only JSON-lines record of finished tasks.

    The first line is a header with the sweep's fingerprint (its grid, seed and
    function); a journal written by another sweep is refused, never mixed.

    Parameters
    ----------
    path : path-like
        The journal file (created if missing).
    fingerprint : str
        Identifies the sweep.
    """

    def __init__(self, path, fingerprint: str):
        self.path = Path(path)
        self.fingerprint = fingerprint

    def load(self) -> dict[tuple[int, int], list[dict]]:
        """Finished tasks ``{(cell, rep): rows}``; drops a torn trailing line."""
        done: dict[tuple[int, int], list[dict]] = {}
        if not self.path.exists() or self.path.stat().st_size == 0:
            self._write_line({"fingerprint": self.fingerprint}, mode="wb")
            return done
        good_bytes = 0
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh):
                if not raw.endswith(b"\n"):
                    break
                try:
                    entry = json.loads(raw)
                    if number == 0:
                        if entry.get("fingerprint") != self.fingerprint:
                            raise ResultsMismatchError(
                                f"journal {str(self.path)!r} belongs to another sweep (different "
                                "grid, seed or function); use another folder or delete it"
                            )
                    else:
                        done[(int(entry["cell"]), int(entry["rep"]))] = entry["rows"]
                except (ValueError, KeyError, TypeError, AttributeError) as exc:
                    if isinstance(exc, ResultsMismatchError):
                        raise
                    if number == 0:
                        raise ResultsMismatchError(
                            f"{str(self.path)!r} is not a stratsim sweep journal") from None
                    break
                good_bytes += len(raw)
        if good_bytes != self.path.stat().st_size:
            # A crash mid-write left a partial line: cut it so appends stay well-formed.
            with open(self.path, "r+b") as fh:
                fh.truncate(good_bytes)
        return done

    def append(self, cell: int, rep: int, rows: list[dict]) -> None:
        """Append one finished task durably (one write, flushed and fsynced)."""
        self._write_line({"cell": cell, "rep": rep, "rows": rows})

    def _write_line(self, entry: dict, mode: str = "ab") -> None:
        line = json.dumps(entry, allow_nan=True) + "\n"
        with open(self.path, mode) as fh:
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())


def run_sweep(
    fn: Callable,
    grid: Sequence[dict],
    replications: int,
    seed: int = 0,
    *,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    journal=None,
    progress: bool | None = None,
    description: str = "sweep",
) -> SweepResult:
    """Run ``fn(cell, rng)`` for every cell of ``grid`` and every replication.

    Parameters
    ----------
    fn : callable
        ``fn(cell, rng) -> iterable of dict rows``; must be picklable (module level)
        for the ``processes`` and ``dask`` backends.
    grid : sequence of dict
        The cells; their keys become columns of every row.
    replications : int
        Replications per cell (>= 1).
    seed : int
        Root entropy of every task's seed.
    backend : {"serial", "processes", "dask"}, optional
        Default :func:`default_backend`.
    jobs : int, optional
        Workers for ``processes`` and a local Dask cluster (default: the cores).
    scheduler : str, optional
        Address of a running Dask scheduler (implies ``backend="dask"``).
    journal : path-like, optional
        JSON-lines file recording finished tasks; enables resume.
    progress : bool, optional
        Show a tqdm bar (default: when stderr is a terminal).

    Returns
    -------
    SweepResult
        Rows sorted by ``(cell, rep)``; each row gains ``cell``, ``rep`` and the cell's columns.
    """
    fn = check_callable("fn", fn)
    replications = check_int("replications", replications, low=1)
    seed = check_int("seed", seed, low=0)
    grid = [dict(c) for c in grid]
    if not grid:
        raise ValidationError("grid must have at least one cell, got []")
    if scheduler is not None:
        backend = backend or "dask"
        if backend != "dask":
            raise ValidationError(f"scheduler is only used by backend 'dask', got backend={backend!r}")
    backend = check_choice("backend", backend or default_backend(), BACKENDS)
    jobs = check_int("jobs", jobs if jobs is not None else cpu_count(), low=1)

    store = Journal(journal, sweep_fingerprint(fn, grid, seed)) if journal is not None else None
    done = store.load() if store else {}
    todo = [(c, r) for c in range(len(grid)) for r in range(replications) if (c, r) not in done]
    resumed = sum(1 for key in done if key[0] < len(grid) and key[1] < replications)
    results = dict(done)

    def finished(cell_index, rep, rows):
        rows = [_plain(row) for row in rows]
        if store:
            store.append(cell_index, rep, rows)
        results[(cell_index, rep)] = rows

    bar = _progress_bar(len(grid) * replications, resumed, progress, description)
    try:
        if todo:
            runner = {"serial": _serial, "processes": _processes, "dask": _dask}[backend]
            for cell_index, rep, rows in runner(fn, grid, todo, seed, jobs, scheduler):
                finished(cell_index, rep, rows)
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()

    cell_columns = list(dict.fromkeys(k for c in grid for k in c))
    rows = []
    for c in range(len(grid)):
        for r in range(replications):
            for row in results[(c, r)]:
                out = {"cell": c, **{k: grid[c].get(k) for k in cell_columns}, "rep": r}
                out.update(row)
                rows.append(out)
    return SweepResult(rows=rows, cells=grid, replications=replications, ran=len(todo),
                       resumed=resumed, cell_columns=cell_columns)


def sweep_fingerprint(fn, grid, seed) -> str:
    """A hash of what determines a sweep's results: the function, the grid and the seed."""
    # The qualified name, not the module path: one function imported two ways
    # (installed vs a test's sys.path) must match its own journal.
    if hasattr(fn, "func"):  # functools.partial: its bound arguments matter too
        name = f"{fn.func.__qualname__}{fn.args!r}{sorted(fn.keywords.items())!r}"
    else:
        name = getattr(fn, "__qualname__", None) or repr(fn)
    text = json.dumps({"fn": name, "grid": grid, "seed": seed}, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plain(row: dict) -> dict:
    """Make a row JSON-safe with plain Python scalars (numpy scalars -> int/float)."""
    out = {}
    for key, value in row.items():
        if isinstance(value, np.generic):
            value = value.item()
        elif isinstance(value, tuple):
            value = list(value)
        out[str(key)] = value
    return out


def _progress_bar(total, initial, progress, description):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: keeps forked workers safe
    return tqdm(total=total, initial=initial, desc=description, unit="task", file=sys.stderr)


def _serial(fn, grid, todo, seed, jobs, scheduler) -> Iterable:
    for c, r in todo:
        yield _run_task(fn, grid[c], seed, c, r)


def _mp_context():
    # fork on Linux: workers start instantly and see functions defined in __main__,
    # a notebook or `python -c` (forkserver/spawn would have to re-import them by
    # name and fail). Elsewhere (macOS, Windows) fork is unsafe or absent: spawn.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _processes(fn, grid, todo, seed, jobs, scheduler) -> Iterable:
    workers = min(jobs, len(todo))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context())
    try:
        pending = set()
        queue = iter(todo)
        # Keep at most 2 tasks per worker in flight so Ctrl-C cancels quickly.
        for c, r in queue:
            pending.add(pool.submit(_run_task, fn, grid[c], seed, c, r))
            if len(pending) >= 2 * workers:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                try:
                    result = fut.result()
                except BrokenProcessPool:
                    raise BackendError(
                        "a worker process died (killed, out of memory, or the task function could "
                        "not be loaded in the worker: define it at module level); finished tasks "
                        "are kept in the journal, re-run to resume"
                    ) from None
                yield result
                nxt = next(queue, None)
                if nxt is not None:
                    pending.add(pool.submit(_run_task, fn, grid[nxt[0]], seed, *nxt))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def connect_dask(scheduler: str | None, jobs: int):
    """A ``distributed.Client`` on ``scheduler``, or on a new LocalCluster with ``jobs`` workers."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise BackendError(
            "backend 'dask' needs the distributed extra: pip install 'stratsim[distributed]'"
        ) from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="5s"), None
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"could not reach the Dask scheduler at {scheduler!r}: {exc}") from None
        except ValueError as exc:
            raise BackendError(f"invalid Dask scheduler address {scheduler!r}: {exc}") from None
    cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=40)
    return Client(cluster), cluster


def _dask(fn, grid, todo, seed, jobs, scheduler) -> Iterable:
    from distributed import as_completed

    client, cluster = connect_dask(scheduler, jobs)
    try:
        futures = [client.submit(_run_task, fn, grid[c], seed, c, r, pure=False) for c, r in todo]
        for fut in as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
