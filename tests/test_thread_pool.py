# SPDX-License-Identifier: BSD-3-Clause
"""The light worker thread pool of the multithreading context."""

import threading
from functools import partial

import pytest

from traits_jobs.contexts.thread_pool import WorkerThreadPool
from traits_jobs.states.control import JobControl
from traits_jobs.testing import SAFETY_TIMEOUT


@pytest.fixture
def pool():
    pool = WorkerThreadPool(max_workers=1, thread_name_prefix="test-pool")
    yield pool
    pool.shutdown(wait=True, cancel_futures=True)


def test_jobs_run_in_submission_order(pool):
    """One worker runs queued jobs first in, first out."""
    ran, finished = [], threading.Event()
    for i in range(5):
        pool.submit_job(i, partial(ran.append, i))
    pool.submit_job("end", finished.set)
    assert finished.wait(SAFETY_TIMEOUT)
    assert ran == [0, 1, 2, 3, 4]


def test_withdrawn_job_never_runs(pool):
    """A job withdrawn while queued is released at once and skipped."""
    hold, ran, finished = threading.Event(), [], threading.Event()
    pool.submit_job("hold", partial(hold.wait, SAFETY_TIMEOUT))
    pool.submit_job("victim", partial(ran.append, "victim"))
    pool.submit_job("end", finished.set)
    assert pool.withdraw("victim") is True
    assert pool.withdraw("victim") is False
    hold.set()
    assert finished.wait(SAFETY_TIMEOUT)
    assert ran == []


def test_running_job_cannot_be_withdrawn(pool):
    """Once a worker has taken a job, withdraw() returns False."""
    started, release = threading.Event(), threading.Event()

    def job():
        started.set()
        release.wait(SAFETY_TIMEOUT)

    pool.submit_job("job", job)
    assert started.wait(SAFETY_TIMEOUT)
    assert pool.withdraw("job") is False
    release.set()


def test_submit_returns_a_working_future(pool):
    """The generic Executor.submit gives a Future with the result or the error."""
    assert pool.submit(pow, 2, 10).result(SAFETY_TIMEOUT) == 1024
    with pytest.raises(ZeroDivisionError):
        pool.submit(divmod, 1, 0).result(SAFETY_TIMEOUT)


def test_cancelled_future_does_not_run(pool):
    """A Future cancelled while queued never runs its function."""
    hold, ran = threading.Event(), []
    pool.submit_job("hold", partial(hold.wait, SAFETY_TIMEOUT))
    future = pool.submit(ran.append, 1)
    assert future.cancel()
    hold.set()
    pool.shutdown(wait=True)
    assert ran == []


def test_shutdown_runs_queued_jobs_then_stops_the_threads():
    """shutdown(wait=True) lets queued jobs finish and joins every worker."""
    pool = WorkerThreadPool(max_workers=2, thread_name_prefix="test-pool")
    ran = []
    for i in range(10):
        pool.submit_job(i, partial(ran.append, i))
    pool.shutdown(wait=True)
    assert sorted(ran) == list(range(10))
    assert not [t for t in threading.enumerate() if t.name.startswith("test-pool")]


def test_shutdown_with_cancel_futures_drops_queued_jobs():
    """shutdown(cancel_futures=True) withdraws what has not started."""
    pool = WorkerThreadPool(max_workers=1, thread_name_prefix="test-pool")
    hold, ran = threading.Event(), []
    pool.submit_job("hold", partial(hold.wait, SAFETY_TIMEOUT))
    pool.submit_job("late", partial(ran.append, "late"))
    pool.shutdown(wait=False, cancel_futures=True)
    hold.set()
    pool.shutdown(wait=True)
    assert ran == []


def test_submit_after_shutdown_raises():
    """A pool that has been shut down refuses new jobs, saying so."""
    pool = WorkerThreadPool(max_workers=1)
    pool.shutdown()
    with pytest.raises(RuntimeError, match="after the worker pool has been shut down"):
        pool.submit_job("late", print)


def test_threads_start_as_needed_up_to_max_workers():
    """No thread before the first job; never more than max_workers."""
    pool = WorkerThreadPool(max_workers=2, thread_name_prefix="test-grow")
    assert pool.max_workers == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("test-grow")]
    release = threading.Event()
    for i in range(5):
        pool.submit_job(i, partial(release.wait, SAFETY_TIMEOUT))
    names = [t.name for t in threading.enumerate() if t.name.startswith("test-grow")]
    assert sorted(names) == ["test-grow_0", "test-grow_1"]
    release.set()
    pool.shutdown(wait=True)


def test_a_job_that_raises_is_logged_and_the_worker_goes_on(pool, caplog):
    """An exception escaping a job is logged; the next job still runs."""
    finished = threading.Event()

    def fail():
        raise ValueError("boom")

    pool.submit_job("fail", fail)
    pool.submit_job("end", finished.set)
    assert finished.wait(SAFETY_TIMEOUT)
    assert "A job raised out of the worker pool" in caplog.text
    assert "ValueError: boom" in caplog.text


@pytest.mark.parametrize("max_workers", [0, -1, 1.5, True])
def test_bad_max_workers_is_rejected(max_workers):
    """max_workers must be a positive int; the error names what arrived."""
    with pytest.raises(ValueError, match=repr(max_workers)):
        WorkerThreadPool(max_workers=max_workers)


def test_cancel_flag():
    """A job's control, as a cancel flag, starts clear and stays set."""
    flag = JobControl()
    assert not flag.is_set()
    flag.set()
    assert flag.is_set()
