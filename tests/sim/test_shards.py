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
