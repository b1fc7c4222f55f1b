"""Shards: rounds of independent tasks on the sweep backends, results in task order.

A sharded simulation alternates between a *round* of independent tasks (one
per shard, e.g. the users of a shard for one period) and a step that combines
their results (e.g. adding sufficient statistics). :class:`ShardPool` keeps
one pool of workers open across rounds and returns each round's results in
task order, whatever the order in which they finished: a computation that
combines them in that order gives the same bytes on every backend and worker
count, provided each task's randomness comes from its own coordinates (see
:func:`sim.random.task_seed_sequence`) and never from the worker it ran on.

Backends are those of :mod:`sim.sweep`: ``"serial"`` (in this process),
``"processes"`` (a local pool whose workers die with this process) and
``"dask"`` (a ``distributed.LocalCluster`` of ``jobs`` workers, or the running
cluster at ``scheduler``). Tasks and their functions must be picklable
(module-level functions) for the last two. Workers start on the first round.

Parallelism is across shards: each task runs with the BLAS library (numpy's
matrix products) limited to ``blas_threads`` threads (default 1). On the small
products of a shard task extra BLAS threads only spin (measured on the batch
population: 1.9 x the CPU time for the same wall time serially) and take the
cores other workers need.

Examples
--------
>>> from sim.shards import ShardPool
>>> with ShardPool("serial") as pool:
...     pool.map(abs, [-3, 1, -2])
[3, 1, 2]
>>> ShardPool("threads")
Traceback (most recent call last):
...
sim.errors.ValidationError: backend must be one of ['dask', 'processes', 'serial'], got 'threads'
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from threadpoolctl import threadpool_limits

from .errors import BackendError
from .sweep import check_backend, connect_dask, process_pool, resolve_backend, stop_process_pool
from .validate import check_callable, check_int

__all__ = ["ShardPool"]


class ShardPool:
    """Workers kept open for rounds of shard tasks (a context manager).

    Parameters
    ----------
    backend : {"serial", "processes", "dask"}
        Where tasks run (default ``"serial"``; a ``scheduler`` implies ``"dask"``).
    jobs : int, optional
        Worker processes for ``"processes"`` and a local Dask cluster (default: the cores).
    scheduler : str, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``).
    blas_threads : int
        Threads the BLAS library may use within one task (>= 1, default 1).
    """

    def __init__(self, backend: str | None = "serial", *, jobs: int | None = None,
                 scheduler: str | None = None, blas_threads: int = 1) -> None:
        if backend is None and scheduler is None:
            backend = "serial"
        self.blas_threads = check_int("blas_threads", blas_threads, low=1)
        self.backend, self.jobs = resolve_backend(backend, scheduler, jobs)
        self.scheduler = scheduler
        check_backend(self.backend, scheduler)
        self._pool = None
        self._client = self._cluster = None

    def __enter__(self) -> ShardPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(interrupted=exc[0] is not None)

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any]) -> list[Any]:
        """``[fn(task) for task in tasks]``, run on the pool's workers, in task order."""
        check_callable("fn", fn)
        tasks = list(tasks)
        fn = functools.partial(_limited, fn, self.blas_threads)
        if self.backend == "serial" or not tasks:
            return [fn(t) for t in tasks]
        if self.backend == "processes":
            if self._pool is None:
                self._pool = process_pool(self.jobs)
            try:
                return list(self._pool.map(fn, tasks))
            except BrokenProcessPool:
                raise BackendError("a worker process died (killed, out of memory, or the task function could not "
                                   "be loaded in the worker: define it at module level)") from None
        if self._client is None:
            self._client, self._cluster = connect_dask(self.scheduler, self.jobs)
        futures = self._client.map(fn, tasks, pure=False)
        return self._client.gather(futures)

    def close(self, *, interrupted: bool = False) -> None:
        """Stop the workers (at once when ``interrupted``); the pool can be used again after."""
        if self._pool is not None:
            if interrupted:
                stop_process_pool(self._pool)
            else:
                self._pool.shutdown(wait=True)
            self._pool = None
        if self._client is not None:
            self._client.close()
            if self._cluster is not None:
                self._cluster.close()
            self._client = self._cluster = None

    def __repr__(self):
        return f"ShardPool(backend={self.backend!r}, jobs={self.jobs})"


def _limited(fn: Callable[[Any], Any], threads: int, task: Any) -> Any:
    """``fn(task)`` with BLAS limited to ``threads`` threads (module level: it travels to the workers)."""
    with threadpool_limits(limits=threads, user_api="blas"):
        return fn(task)
