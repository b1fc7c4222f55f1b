"""Parameter sweeps: grid x replications on a serial, multi-process or Dask backend.

Each task ``(cell, rep)`` runs ``fn(cell_params, rng)`` with
``rng = default_rng(SeedSequence(entropy, spawn_key=(*root.spawn_key, cell, rep)))``
where ``root = sim.random.as_seed_sequence(rng)`` is the sweep's root seed (for
an int seed ``s``: ``SeedSequence(s, spawn_key=(cell, rep))``). A task's result
depends only on the root seed and its coordinates: the same seed gives the same
results whatever the backend, the worker count or the order in which tasks finish.

With a ``journal`` path, every finished task is appended to the journal as
one JSON line, flushed and fsynced, as soon as it finishes. An interrupted sweep
(Ctrl-C, SIGTERM, a killed worker or process, a crash) re-run with the same journal
skips the tasks already there: nothing finished is lost or repeated. A torn
last line (the process died mid-write) is discarded on resume. The journal's
header fingerprints the sweep (the task function's module and qualified name,
the grid, the root seed and the stratsim version); a journal of another sweep
is refused unless it holds no finished task, and so is a call asking for fewer
replications than the journal has finished (finished work is never dropped
silently).

:func:`plan_sweep` does every check (arguments, backend, scheduler
reachability, journal) without writing anything; :meth:`SweepPlan.run` runs
it. :func:`run_sweep` is the two in one call.

Backends:

- ``"serial"``: in this process.
- ``"processes"``: a local process pool (the default when more than one core is available).
  Workers die with the driver, even when it is killed by SIGKILL (a parent-death
  signal on Linux, and a watchdog on the parent's pid), and the driver stops them
  when it is interrupted.
- ``"dask"``: a Dask distributed cluster (the ``distributed`` extra): ``scheduler="tcp://host:8786"``
  connects to a running one; without it a :class:`distributed.LocalCluster` is started.

Examples
--------
>>> from sim.sweep import run_sweep
>>> def draw(cell, rng):
...     return [{"metric": "u", "value": float(rng.random()) * cell["scale"]}]
>>> res = run_sweep(draw, [{"scale": 1.0}, {"scale": 10.0}], replications=2, rng=7,
...                 backend="serial")
>>> [(r["cell"], r["rep"], r["scale"]) for r in res.rows]
[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 10.0), (1, 1, 10.0)]
>>> res.rows == run_sweep(draw, [{"scale": 1.0}, {"scale": 10.0}], 2, rng=7,
...                       backend="serial").rows
True
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ._version import __version__
from .errors import BackendError, ResultsMismatchError, ValidationError
from .manifest import seed_record
from .random import as_seed_sequence, task_seed_sequence
from .validate import check_callable, check_choice, check_int

__all__ = [
    "BACKENDS",
    "DISTRIBUTED_HINT",
    "Journal",
    "SweepPlan",
    "SweepResult",
    "check_backend",
    "check_replications",
    "connect_dask",
    "cpu_count",
    "default_backend",
    "function_identity",
    "import_distributed",
    "plan_sweep",
    "resolve_backend",
    "run_sweep",
    "sweep_fingerprint",
]

BACKENDS = ("serial", "processes", "dask")

#: How to install what backend "dask" needs (named in the error when it is missing).
DISTRIBUTED_HINT = 'pip install -e ".[distributed]" (from a source checkout) or pip install "stratsim[distributed]"'


def default_backend() -> str:
    """``"processes"`` when more than one core is available, else ``"serial"``."""
    return "processes" if cpu_count() > 1 else "serial"


def cpu_count() -> int:
    """Cores this process may run on (its CPU affinity where the OS reports it)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _run_task(fn, cell: dict, root: np.random.SeedSequence, cell_index: int, rep: int):
    rng = np.random.default_rng(task_seed_sequence(root, cell_index, rep))
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

    The first line is a header with the sweep's fingerprint (see
    :func:`sweep_fingerprint`); a journal written by another sweep is refused,
    never mixed, unless it holds no finished task (then nothing can be lost and
    it is started afresh).

    Parameters
    ----------
    path : path-like
        The journal file (created by :meth:`load` if missing).
    fingerprint : str
        Identifies the sweep.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> journal = Journal(pathlib.Path(tempfile.mkdtemp()) / "tasks.jsonl", "abc")
    >>> journal.read(), journal.path.exists()
    ({}, False)
    >>> journal.load()
    {}
    >>> journal.append(0, 1, [{"metric": "m", "value": 2.0}])
    >>> Journal(journal.path, "abc").read()
    {(0, 1): [{'metric': 'm', 'value': 2.0}]}
    """

    def __init__(self, path, fingerprint: str):
        self.path = Path(path)
        self.fingerprint = fingerprint

    def read(self) -> dict[tuple[int, int], list[dict]]:
        """Finished tasks ``{(cell, rep): rows}``, without writing anything.

        A torn trailing line is ignored; a journal of another sweep that holds
        finished tasks raises :class:`~sim.errors.ResultsMismatchError`.
        """
        return self._scan()[0]

    def load(self) -> dict[tuple[int, int], list[dict]]:
        """Like :meth:`read`, then make the file ready for appends: write the header
        of a new (or reusable) journal, cut a torn trailing line."""
        done, good_bytes, fresh = self._scan()
        if fresh:
            self._write_line({"fingerprint": self.fingerprint}, mode="wb")
        elif good_bytes != self.path.stat().st_size:
            # A crash mid-write left a partial line: cut it so appends stay well-formed.
            with open(self.path, "r+b") as fh:
                fh.truncate(good_bytes)
        return done

    def holds_finished_tasks(self) -> bool:
        """Whether the file holds at least one finished task, of this sweep or of another."""
        return bool(self._scan(strict=False)[0])

    def _scan(self, strict: bool = True):
        """``(finished tasks, bytes of complete lines, whether to start the file afresh)``."""
        done: dict[tuple[int, int], list[dict]] = {}
        if not self.path.exists() or self.path.stat().st_size == 0:
            return done, 0, True
        good_bytes = 0
        foreign = False
        with open(self.path, "rb") as fh:
            for number, raw in enumerate(fh):
                if not raw.endswith(b"\n"):
                    break
                try:
                    entry = json.loads(raw)
                    if number == 0:
                        foreign = entry.get("fingerprint") != self.fingerprint
                    else:
                        done[(int(entry["cell"]), int(entry["rep"]))] = entry["rows"]
                except (ValueError, KeyError, TypeError, AttributeError):
                    if number == 0 and strict:
                        raise ResultsMismatchError(
                            f"{str(self.path)!r} is not a stratsim sweep journal") from None
                    break
                good_bytes += len(raw)
        if foreign and strict:
            if done:
                raise ResultsMismatchError(
                    f"journal {str(self.path)!r} belongs to another sweep (different task function, "
                    "grid, seed or stratsim version) and holds finished tasks; use another folder or "
                    "delete it")
            return {}, 0, True  # nothing finished: nothing to lose
        return done, good_bytes, False

    def append(self, cell: int, rep: int, rows: list[dict]) -> None:
        """Append one finished task durably (one write, flushed and fsynced)."""
        self._write_line({"cell": cell, "rep": rep, "rows": rows})

    def _write_line(self, entry: dict, mode: str = "ab") -> None:
        line = json.dumps(entry, allow_nan=True) + "\n"
        with open(self.path, mode) as fh:
            fh.write(line.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())


def resolve_backend(backend: str | None = None, scheduler: str | None = None,
                    jobs: int | None = None) -> tuple[str, int]:
    """Validate ``backend``, ``scheduler`` and ``jobs``; return ``(backend, jobs)`` with defaults filled.

    A ``scheduler`` implies backend ``"dask"`` and is refused with any other.

    Examples
    --------
    >>> resolve_backend("serial", None, 3)
    ('serial', 3)
    >>> resolve_backend(None, "tcp://127.0.0.1:8786", 2)
    ('dask', 2)
    >>> resolve_backend("serial", "tcp://127.0.0.1:8786")
    Traceback (most recent call last):
    ...
    sim.errors.ValidationError: scheduler is only used by backend 'dask', got backend='serial'
    """
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler:
            raise ValidationError(f"scheduler must be an address such as 'tcp://host:8786', got {scheduler!r}")
        backend = backend or "dask"
        if backend != "dask":
            raise ValidationError(f"scheduler is only used by backend 'dask', got backend={backend!r}")
    backend = check_choice("backend", backend or default_backend(), BACKENDS)
    jobs = check_int("jobs", jobs if jobs is not None else cpu_count(), low=1)
    return backend, jobs


def import_distributed():
    """The ``distributed`` module, or a :class:`~sim.errors.BackendError` naming the extra to install."""
    try:
        import distributed
    except ImportError as exc:
        raise BackendError(f"backend 'dask' needs the distributed extra ({exc}); install it with "
                           f"{DISTRIBUTED_HINT}") from None
    return distributed


def check_backend(backend: str, scheduler: str | None = None) -> None:
    """Fail now, before anything is written, if ``backend`` cannot run: for ``"dask"``,
    ``distributed`` must import and ``scheduler`` (if given) must answer."""
    if backend != "dask":
        return
    import_distributed()
    if scheduler is not None:
        client, _ = connect_dask(scheduler, 1)
        client.close()


@dataclass
class SweepPlan:
    """A sweep checked and ready to run (see :func:`plan_sweep`); nothing written yet.

    ``done`` holds the tasks the journal had finished when the plan was made;
    :meth:`run` reads the journal again (another process may have added tasks).
    """

    fn: Callable
    grid: list[dict]
    replications: int
    root: np.random.SeedSequence
    backend: str
    jobs: int
    scheduler: str | None
    journal: Journal | None
    done: dict

    @property
    def tasks(self) -> int:
        """Number of tasks, finished or not."""
        return len(self.grid) * self.replications

    def run(self, *, progress: bool | None = None, description: str = "sweep") -> SweepResult:
        """Run the tasks not finished yet; see :func:`run_sweep`."""
        done = {}
        if self.journal is not None:
            done = self.journal.load()
            check_replications(done, self.replications, self.journal.path)
        grid, replications = self.grid, self.replications
        todo = [(c, r) for c in range(len(grid)) for r in range(replications) if (c, r) not in done]
        resumed = len(done)
        results = dict(done)

        bar = _progress_bar(self.tasks, resumed, progress, description)
        try:
            if todo:
                runner = {"serial": _serial, "processes": _processes, "dask": _dask}[self.backend]
                for cell_index, rep, rows in runner(self.fn, grid, todo, self.root, self.jobs, self.scheduler):
                    rows = [_plain(row) for row in rows]
                    if self.journal is not None:
                        self.journal.append(cell_index, rep, rows)
                    results[(cell_index, rep)] = rows
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


def check_replications(done: dict, replications: int, where) -> None:
    """Refuse ``replications`` fewer than a journal's finished ones (that would drop finished work)."""
    beyond = [rep for (_, rep) in done if rep >= replications]
    if beyond:
        have = max(beyond) + 1
        raise ResultsMismatchError(
            f"{str(where)!r} holds finished replications up to {have} per cell; asking for {replications} "
            f"would leave {len(beyond)} finished task{'s' if len(beyond) != 1 else ''} out of the results: "
            f"ask for {have} or more "
            "replications, or use another folder")


def plan_sweep(
    fn: Callable,
    grid: Sequence[dict],
    replications: int,
    rng=0,
    *,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    journal=None,
) -> SweepPlan:
    """Check a sweep without writing anything; see :func:`run_sweep` for the parameters.

    Raises on bad arguments, a backend that cannot start (``distributed``
    missing, scheduler unreachable), a journal of another sweep that holds
    finished tasks, or fewer replications than the journal has finished.

    Examples
    --------
    >>> plan = plan_sweep(lambda cell, rng: [], [{"a": 1}], 3, rng=5, backend="serial")
    >>> plan.tasks, plan.root.entropy
    (3, 5)
    """
    fn = check_callable("fn", fn)
    replications = check_int("replications", replications, low=1)
    if isinstance(grid, (str, bytes, Mapping)) or not isinstance(grid, Iterable):
        raise ValidationError(f"grid must be a sequence of dicts, got {grid!r}")
    cells = list(grid)
    bad = [c for c in cells if not isinstance(c, Mapping)]
    if bad:
        raise ValidationError(f"grid must be a sequence of dicts, got an element {bad[0]!r}")
    cells = [dict(c) for c in cells]
    if not cells:
        raise ValidationError("grid must have at least one cell, got []")
    root = as_seed_sequence(rng)
    backend, jobs = resolve_backend(backend, scheduler, jobs)
    check_backend(backend, scheduler)
    store = done = None
    if journal is not None:
        store = Journal(journal, sweep_fingerprint(fn, cells, root))
        done = store.read()
        check_replications(done, replications, store.path)
    return SweepPlan(fn=fn, grid=cells, replications=replications, root=root, backend=backend, jobs=jobs,
                     scheduler=scheduler, journal=store, done=done or {})


def run_sweep(
    fn: Callable,
    grid: Sequence[dict],
    replications: int,
    rng=0,
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
    rng : int, SeedSequence or Generator
        The root seed (see :func:`sim.random.as_seed_sequence`); task ``(cell, rep)``
        is seeded with ``SeedSequence(root.entropy, spawn_key=(*root.spawn_key, cell, rep))``.
        A Generator gives a new child root at every call (record ``plan.root`` to repeat it).
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
    plan = plan_sweep(fn, grid, replications, rng, backend=backend, jobs=jobs, scheduler=scheduler,
                      journal=journal)
    return plan.run(progress=progress, description=description)


def function_identity(fn) -> str:
    """What identifies a task function across processes: module and qualified name
    (and, for a :func:`functools.partial`, its bound arguments).

    Examples
    --------
    >>> import functools, math
    >>> function_identity(math.hypot)
    'math.hypot'
    >>> function_identity(functools.partial(math.hypot, 3.0))
    'math.hypot(3.0,)[]'
    """
    if hasattr(fn, "func") and hasattr(fn, "args") and hasattr(fn, "keywords"):  # functools.partial
        return f"{function_identity(fn.func)}{fn.args!r}{sorted(fn.keywords.items())!r}"
    qualname = getattr(fn, "__qualname__", None)
    if qualname is None:  # a callable object: its class identifies it
        cls = type(fn)
        return f"{cls.__module__}.{cls.__qualname__}()"
    return f"{getattr(fn, '__module__', None)}.{qualname}"


def sweep_fingerprint(fn, grid, rng) -> str:
    """A hash of what determines a sweep's results: the task function (:func:`function_identity`),
    the grid, the root seed (an int or SeedSequence) and the stratsim version."""
    # The module is part of it: two module-level `run` functions must not share a journal.
    text = json.dumps({"fn": function_identity(fn), "grid": grid, "seed": seed_record(rng),
                       "stratsim": __version__}, sort_keys=True, default=repr)
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


def _serial(fn, grid, todo, root, jobs, scheduler) -> Iterable:
    for c, r in todo:
        yield _run_task(fn, grid[c], root, c, r)


def _mp_context():
    # fork on Linux: workers start instantly and see functions defined in __main__,
    # a notebook or `python -c` (forkserver/spawn would have to re-import them by
    # name and fail). Elsewhere (macOS, Windows) fork is unsafe or absent: spawn.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
_WATCHDOG_PERIOD = 0.5  # seconds between checks of the parent's pid


def _worker_init(parent_pid: int) -> None:
    """Initializer of every worker process: die with the driver, leave signals to it."""
    # The driver turns Ctrl-C and SIGTERM into a clean stop and then stops the
    # workers itself; a worker must neither print a KeyboardInterrupt traceback
    # nor run a handler it inherited through fork.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):
            pass  # the watchdog below still covers it
    if os.getppid() != parent_pid:  # the driver died before prctl took effect
        os._exit(1)
    # Fallback where there is no parent-death signal (macOS, or prctl failed):
    # a worker whose parent pid changed was reparented, so its driver is gone.
    threading.Thread(target=_watch_parent, args=(parent_pid,), daemon=True,
                     name="stratsim-parent-watchdog").start()


def _watch_parent(parent_pid: int) -> None:
    while True:
        time.sleep(_WATCHDOG_PERIOD)
        if os.getppid() != parent_pid:
            os._exit(1)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate a pool's workers now (their running tasks are abandoned, not waited for)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python >= 3.14
    if terminate is not None:
        terminate()
        return
    # Before 3.14 there is no public way; _processes is the pool's pid -> Process map.
    for proc in list(getattr(pool, "_processes", {}).values()):
        if proc.is_alive():
            proc.terminate()


def _processes(fn, grid, todo, root, jobs, scheduler) -> Iterable:
    workers = min(jobs, len(todo))
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=_worker_init,
                               initargs=(os.getpid(),))
    completed = False
    try:
        pending = set()
        queue = iter(todo)
        # Keep at most 2 tasks per worker in flight so Ctrl-C cancels quickly.
        for c, r in queue:
            pending.add(pool.submit(_run_task, fn, grid[c], root, c, r))
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
                    pending.add(pool.submit(_run_task, fn, grid[nxt[0]], root, *nxt))
        completed = True
    finally:
        if not completed:  # interrupted (Ctrl-C, SIGTERM, an error): do not wait for running tasks
            _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)


def connect_dask(scheduler: str | None, jobs: int):
    """A ``distributed.Client`` on ``scheduler``, or on a new LocalCluster with ``jobs`` workers."""
    distributed = import_distributed()
    if scheduler is not None:
        try:
            return distributed.Client(scheduler, timeout="5s"), None
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"could not reach the Dask scheduler at {scheduler!r}: {exc}") from None
        except ValueError as exc:
            raise BackendError(f"invalid Dask scheduler address {scheduler!r}: {exc}") from None
    cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    return distributed.Client(cluster), cluster


def _dask(fn, grid, todo, root, jobs, scheduler) -> Iterable:
    distributed = import_distributed()
    client, cluster = connect_dask(scheduler, jobs)
    try:
        futures = [client.submit(_run_task, fn, grid[c], root, c, r, pure=False) for c, r in todo]
        for fut in distributed.as_completed(futures):
            yield fut.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
