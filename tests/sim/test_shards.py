"""sim.shards.ShardPool: rounds of tasks in task order on every backend, one pool across rounds."""

import os

import pytest

from sim.errors import ValidationError
from sim.shards import ShardPool


def square_and_pid(x):
    return x * x, os.getpid()


def test_serial_rounds_keep_task_order():
    with ShardPool("serial") as pool:
        assert [r[0] for r in pool.map(square_and_pid, [3, 1, 2])] == [9, 1, 4]
        assert pool.map(square_and_pid, []) == []


@pytest.mark.slow
def test_processes_keep_order_and_reuse_their_workers_across_rounds():
    with ShardPool("processes", jobs=2) as pool:
        first = pool.map(square_and_pid, range(20))
        second = pool.map(square_and_pid, range(20))
    assert [r[0] for r in first] == [x * x for x in range(20)] == [r[0] for r in second]
    pids = {p for _, p in first} | {p for _, p in second}
    assert os.getpid() not in pids and len(pids) <= 2  # the same two workers served both rounds


@pytest.mark.slow
def test_dask_keeps_task_order():
    pytest.importorskip("distributed")
    with ShardPool("dask", jobs=2) as pool:
        assert [r[0] for r in pool.map(square_and_pid, range(10))] == [x * x for x in range(10)]


def test_bad_settings_are_refused():
    with pytest.raises(ValidationError, match="jobs must be >= 1, got 0"):
        ShardPool("processes", jobs=0)
    with pytest.raises(ValidationError, match="scheduler is only used by backend 'dask'"):
        ShardPool("serial", scheduler="tcp://127.0.0.1:1")


def blas_threads(_):
    from threadpoolctl import threadpool_info

    return sorted({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})


def test_serial_tasks_run_with_one_blas_thread_and_the_caller_keeps_its_own():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads(None)
        with ShardPool("serial") as pool:
            inside = pool.map(blas_threads, [0, 1])
        after = blas_threads(None)
    if not before:
        pytest.skip("numpy reports no BLAS library to limit")
    assert inside == [[1], [1]]
    assert after == before  # the limit holds only while a task runs


@pytest.mark.slow
def test_process_workers_run_tasks_with_one_blas_thread():
    if not blas_threads(None):
        pytest.skip("numpy reports no BLAS library to limit")
    with ShardPool("processes", jobs=2) as pool:
        assert pool.map(blas_threads, range(4)) == [[1]] * 4


def test_blas_threads_must_be_a_positive_integer():
    with pytest.raises(ValidationError, match="blas_threads"):
        ShardPool("serial", blas_threads=0)
