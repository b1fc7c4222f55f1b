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
  connects to a running one; without it a :class:`distributed.LocalCluster` is started, whose worker
  processes die with the driver like those of ``processes`` (a parent-death signal set by a worker
  preload, on top of distributed's own watch on the driver) and are stopped at once when it is interrupted.

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

import contextlib
import ctypes
import hashlib
import json
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ._version import __version__
from .errors import BackendError, ResultsMismatchError, ValidationError
from .manifest import seed_record
from .random import RngLike, as_seed_sequence, task_seed_sequence
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
    "process_pool",
    "resolve_backend",
    "run_sweep",
    "stop_process_pool",
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

    def __init__(self, path: str | os.PathLike[str], fingerprint: str) -> None:
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


def import_distributed() -> ModuleType:
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
    ``cell_replications``, when set, gives each cell its own replications
    (``replications`` is then their maximum).
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
    cell_replications: list[int] | None = None

    @property
    def counts(self) -> list[int]:
        """Replications of each cell."""
        return list(self.cell_replications or [self.replications] * len(self.grid))

    @property
    def tasks(self) -> int:
        """Number of tasks, finished or not."""
        return sum(self.counts)

    def run(self, *, progress: bool | None = None, description: str = "sweep") -> SweepResult:
        """Run the tasks not finished yet; see :func:`run_sweep`."""
        done = {}
        if self.journal is not None:
            done = self.journal.load()
            check_replications(done, self.cell_replications or self.replications, self.journal.path)
        grid, replications, counts = self.grid, self.replications, self.counts
        todo = [(c, r) for c in range(len(grid)) for r in range(counts[c]) if (c, r) not in done]
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
            for r in range(counts[c]):
                for row in results[(c, r)]:
                    out = {"cell": c, **{k: grid[c].get(k) for k in cell_columns}, "rep": r}
                    out.update(row)
                    rows.append(out)
        return SweepResult(rows=rows, cells=grid, replications=replications, ran=len(todo),
                           resumed=resumed, cell_columns=cell_columns)


def check_replications(done: Mapping[tuple[int, int], list[dict]], replications: int | Sequence[int],
                       where: str | os.PathLike[str]) -> None:
    """Refuse ``replications`` (one count, or one per cell) fewer than a journal's finished ones (that would
    drop finished work)."""
    per_cell = not isinstance(replications, int)
    beyond = [rep for (c, rep) in done if rep >= (replications[c] if per_cell else replications)]
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
    replications: int | Sequence[int],
    rng: RngLike = 0,
    *,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    journal: str | os.PathLike[str] | None = None,
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
    per_cell = None
    if isinstance(replications, Sequence) and not isinstance(replications, (str, bytes)):
        per_cell = [check_int("replications", r, low=1) for r in replications]
        replications = max(per_cell, default=1)
    else:
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
    if per_cell is not None and len(per_cell) != len(cells):
        raise ValidationError(f"replications must be one count or one per cell ({len(cells)}), got {len(per_cell)}")
    root = as_seed_sequence(rng)
    backend, jobs = resolve_backend(backend, scheduler, jobs)
    check_backend(backend, scheduler)
    store = done = None
    if journal is not None:
        store = Journal(journal, sweep_fingerprint(fn, cells, root))
        done = store.read()
        check_replications(done, per_cell or replications, store.path)
    return SweepPlan(fn=fn, grid=cells, replications=replications, root=root, backend=backend, jobs=jobs,
                     scheduler=scheduler, journal=store, done=done or {}, cell_replications=per_cell)


def run_sweep(
    fn: Callable,
    grid: Sequence[dict],
    replications: int | Sequence[int],
    rng: RngLike = 0,
    *,
    backend: str | None = None,
    jobs: int | None = None,
    scheduler: str | None = None,
    journal: str | os.PathLike[str] | None = None,
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
    replications : int or sequence of int
        Replications per cell (>= 1): one count for every cell, or one per cell.
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


def function_identity(fn: Callable[..., Any]) -> str:
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


def sweep_fingerprint(fn: Callable[..., Any], grid: Sequence[Mapping[str, Any]],
                      rng: int | Sequence[int] | np.random.SeedSequence) -> str:
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


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A local process pool like the ``processes`` backend's: its workers die with this process and leave
    Ctrl-C and SIGTERM to it. Stop it with :func:`stop_process_pool` when interrupted."""
    workers = check_int("workers", workers, low=1)
    return ProcessPoolExecutor(max_workers=workers, mp_context=_mp_context(), initializer=_worker_init,
                               initargs=(os.getpid(),))


def stop_process_pool(pool: ProcessPoolExecutor) -> None:
    """Terminate ``pool``'s workers now (running tasks are abandoned) and shut it down."""
    _stop_workers(pool)
    pool.shutdown(wait=True, cancel_futures=True)


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


# Any: distributed.Client and LocalCluster, from an optional extra that importing this module must not load.
def connect_dask(scheduler: str | None, jobs: int) -> tuple[Any, Any]:
    """``(client, cluster)``: a ``distributed.Client`` on ``scheduler`` (``cluster`` is ``None``), or on a new
    ``distributed.LocalCluster`` with ``jobs`` single-threaded worker processes."""
    distributed = import_distributed()
    if scheduler is not None:
        try:
            return distributed.Client(scheduler, timeout="5s"), None
        except (OSError, TimeoutError) as exc:
            raise BackendError(f"could not reach the Dask scheduler at {scheduler!r}: {exc}") from None
        except ValueError as exc:
            raise BackendError(f"invalid Dask scheduler address {scheduler!r}: {exc}") from None
    import dask.config

    # The cluster's worker processes are children of this process (its nannies run here). A worker dies with
    # its driver through distributed's own watch on a pipe, but that is a Python thread: a task holding the GIL
    # (a long C call) kept an orphan alive until the call returned, minutes after a SIGKILL. The preload adds
    # the kernel's parent-death signal, as the processes backend does. Preloads set in the Dask config are kept.
    preload = dask.config.get("distributed.worker.preload", None) or []
    preload = [preload] if isinstance(preload, str) else list(preload)
    argv = dask.config.get("distributed.worker.preload-argv", None) or []
    if argv and not isinstance(argv[0], str):  # one argv per preload: ours takes none
        argv = [*argv, []]
    # No dashboard; the scheduler's HTTP server (health, metrics) still starts, on a free port: on 8787, its
    # default, it warned on stderr whenever another cluster held the port.
    cluster = distributed.LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True,
                                       dashboard_address=None, scheduler_kwargs={"dashboard_address": ":0"},
                                       silence_logs=40,
                                       preload=[*preload, _DIE_WITH_DRIVER.format(driver=os.getpid())],
                                       preload_argv=argv)
    return distributed.Client(cluster), cluster


# A Dask worker preload (the text of a module, run in each worker process before it takes tasks; distributed
# writes it to a file and imports it): the parent-death signal of _worker_init for the workers of a
# LocalCluster. Self-contained, so the worker imports nothing of stratsim for it.
_DIE_WITH_DRIVER = """\
import ctypes, os, signal, sys


def dask_setup(worker):
    # only a worker that the driver started itself (not one from a forkserver, say: its parent is another)
    if sys.platform.startswith("linux") and os.getppid() == {driver}:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return  # distributed's own watch on the driver remains
        if os.getppid() != {driver}:  # the driver died between the check and the prctl
            os._exit(1)
"""


def _dask(fn, grid, todo, root, jobs, scheduler) -> Iterable:
    distributed = import_distributed()
    client, cluster = connect_dask(scheduler, jobs)
    completed = False
    try:
        futures = [client.submit(_run_task, fn, grid[c], root, c, r, pure=False) for c, r in todo]
        for fut in distributed.as_completed(futures):
            yield fut.result()
        completed = True
    finally:
        # Interrupted (Ctrl-C, SIGTERM, an error): finished tasks are in the journal. Tearing a cluster down
        # under running tasks and transfers makes distributed log errors and tracebacks ("Couldn't gather
        # keys", "failed during get data"), in this process and in the workers, under the driver's one-line
        # message: silence this process's logs, and stop the local workers at once, as the processes backend
        # does (they would also wait up to 4 s for their task before the nanny kills them).
        with contextlib.nullcontext() if completed else _silenced("distributed"):
            if not completed and cluster is not None:
                _kill_local_workers(cluster)
            client.close()
            if cluster is not None:
                cluster.close()


@contextlib.contextmanager
def _silenced(logger: str) -> Iterator[None]:
    """Within the block, the stream handlers of ``logger`` let nothing through (their levels are restored)."""
    handlers = [h for h in logging.getLogger(logger).handlers if isinstance(h, logging.StreamHandler)]
    levels = [h.level for h in handlers]
    for h in handlers:
        h.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        for h, level in zip(handlers, levels, strict=True):
            h.setLevel(level)


def _kill_local_workers(cluster) -> None:
    """SIGKILL the worker processes of a LocalCluster (their running tasks are abandoned)."""
    for nanny in list(getattr(cluster, "workers", {}).values()):
        if hasattr(nanny, "auto_restart"):
            nanny.auto_restart = False  # a nanny restarts a worker that dies: not now
        pid = getattr(nanny, "pid", None)
        if pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
