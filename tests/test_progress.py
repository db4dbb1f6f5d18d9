# SPDX-License-Identifier: BSD-3-Clause
"""Contract tests of progress jobs, on the Qt and the asyncio event loop."""

import threading

import pytest

from tests._support import blocked_workers, wait_done, wait_event, wait_for
from traits_jobs.api import CANCELLED, COMPLETED, FAILED, TaskCancelled, submit_progress
from traits_jobs.testing import SAFETY_TIMEOUT


def collect(future):
    """Collect the progress reports a future delivers, in order."""
    reports = []
    future.observe(lambda event: reports.append(event.new), "progress")
    return reports


def count_to(n, progress):
    for i in range(n):
        progress((i, n))
    return n


def test_reports_arrive_in_order_last_one_included_then_result(executor):
    """Reports arrive in order, coalesced; the last always; then the result."""
    future = submit_progress(executor, count_to, 1000)
    reports = collect(future)
    wait_done(executor, future)
    assert reports, "no report delivered"
    assert reports == sorted(set(reports))
    assert reports[-1] == (999, 1000)
    assert future.state == COMPLETED
    assert future.result == 1000


def test_every_report_arrives_when_the_main_thread_keeps_up(executor):
    """Reports are only merged while undelivered: one at a time, each fires."""
    delivered = threading.Semaphore(0)

    def paced(progress):
        for i in range(5):
            progress(i)
            assert delivered.acquire(timeout=SAFETY_TIMEOUT)

    future = submit_progress(executor, paced)
    reports = []

    def on_progress(event):
        reports.append(event.new)
        delivered.release()

    future.observe(on_progress, "progress")
    wait_done(executor, future)
    assert reports == [0, 1, 2, 3, 4]
    assert future.state == COMPLETED


def test_progress_keyword_is_rejected(executor):
    """Passing 'progress' to submit_progress raises TypeError at once."""
    with pytest.raises(TypeError, match="its own 'progress' keyword"):
        submit_progress(executor, count_to, 3, progress=print)


def test_failure_keeps_earlier_reports(executor):
    """Reports made before a failure are delivered, then the future fails."""

    def failing(progress):
        progress("half")
        raise OSError("device gone")

    future = submit_progress(executor, failing)
    reports = collect(future)
    wait_done(executor, future)
    assert reports == ["half"]
    assert future.state == FAILED
    assert isinstance(future.error, OSError)


def test_cancel_before_start(executor):
    """A progress job cancelled in the queue never runs."""
    called = threading.Event()

    def job(progress):
        called.set()

    with blocked_workers(executor):
        future = submit_progress(executor, job)
        assert future.cancel() is True
        assert future.state == CANCELLED
    assert not called.is_set()


def test_report_after_cancel_raises_task_cancelled(executor):
    """A report made after cancel() raises TaskCancelled in the worker."""
    first_seen, release = threading.Event(), threading.Event()
    raised = []

    def job(progress):
        progress("first")
        release.wait(SAFETY_TIMEOUT)
        try:
            progress("second")
        except TaskCancelled as error:
            raised.append(error)
            raise

    future = submit_progress(executor, job)
    reports = collect(future)
    future.observe(lambda event: first_seen.set(), "progress")
    wait_for(executor, future, "progress", lambda f: first_seen.is_set())
    future.cancel()
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED
    assert reports == ["first"]
    assert len(raised) == 1


def test_cleanup_runs_on_cancel(executor):
    """A job's finally block runs when it is cancelled through a report."""
    started, release, cleaned = threading.Event(), threading.Event(), threading.Event()

    def job(progress):
        try:
            started.set()
            release.wait(SAFETY_TIMEOUT)
            progress("never delivered")
        finally:
            cleaned.set()

    future = submit_progress(executor, job)
    wait_event(started)
    future.cancel()
    release.set()
    wait_done(executor, future)
    wait_event(cleaned)
    assert future.state == CANCELLED


def test_reports_queued_before_cancel_are_dropped(executor):
    """Reports sent but not yet delivered when cancel() is called are dropped."""
    reported = threading.Event()

    def job(progress):
        progress(1)
        progress(2)
        reported.set()

    future = submit_progress(executor, job)
    reports = collect(future)
    wait_event(reported)
    future.cancel()
    wait_done(executor, future)
    assert reports == []
    assert future.state == CANCELLED


def test_task_cancelled_without_cancel_is_a_failure(executor):
    """A job that raises TaskCancelled on its own, uncancelled, fails."""

    def job(progress):
        raise TaskCancelled("not really")

    future = submit_progress(executor, job)
    wait_done(executor, future)
    assert future.state == FAILED
    assert future.exception[0] == "traits_jobs.states.exceptions.TaskCancelled"


def test_cancel_twice(executor):
    """The second cancel() of a progress job returns False."""
    started, release = threading.Event(), threading.Event()

    def job(progress):
        started.set()
        release.wait(SAFETY_TIMEOUT)
        progress("x")

    future = submit_progress(executor, job)
    wait_event(started)
    assert future.cancel() is True
    assert future.cancel() is False
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED
