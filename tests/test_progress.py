# SPDX-License-Identifier: BSD-3-Clause
"""Contract tests of progress jobs, on the Qt and the asyncio event loop."""

import re
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


def test_every_report_arrives_in_order_then_the_result(executor):
    """Each progress() call fires progress once, in order, before the result."""
    future = submit_progress(executor, count_to, 1000)
    reports = collect(future)
    wait_done(executor, future)
    assert reports == [(i, 1000) for i in range(1000)]
    assert future.state == COMPLETED
    assert future.result == 1000


def report_then_hold(n, reported, release, progress):
    """Report 0 .. n-1, say so, then wait to be released."""
    for i in range(n):
        progress(i)
    reported.set()
    assert release.wait(SAFETY_TIMEOUT), "the test never released the job"


def test_reports_queued_before_delivery_are_all_delivered(executor):
    """Reports that all wait in the queue at once are each delivered, in order."""
    reported, release = threading.Event(), threading.Event()
    future = submit_progress(executor, report_then_hold, 100, reported, release)
    reports = collect(future)
    # The event loop does not run meanwhile: all 100 reports are queued.
    wait_event(reported)
    wait_for(executor, future, "progress", lambda f: len(reports) >= 100)
    release.set()
    wait_done(executor, future)
    assert reports == list(range(100))


def test_a_flood_past_the_queue_bound_loses_nothing(executor):
    """A job reporting far more than the queue holds is slowed down, not thinned out."""
    future = submit_progress(executor, count_to, 20_000)
    reports = collect(future)
    wait_done(executor, future)
    assert reports == [(i, 20_000) for i in range(20_000)]


def test_coalesced_reports_queued_before_delivery_collapse_into_the_newest(executor):
    """With coalesce_progress=True, reports waiting together fire once, with the newest."""
    reported, release = threading.Event(), threading.Event()
    future = submit_progress(
        executor, report_then_hold, 100, reported, release, coalesce_progress=True
    )
    reports = collect(future)
    wait_event(reported)
    wait_for(executor, future, "progress", lambda f: len(reports) >= 1)
    release.set()
    wait_done(executor, future)
    assert reports == [99]
    assert future.state == COMPLETED


def test_coalesced_progress_always_delivers_the_last_report_before_done(executor):
    """With coalesce_progress=True, the last report fires, in order, before done."""
    future = submit_progress(executor, count_to, 1000, coalesce_progress=True)
    reports = collect(future)
    last_at_done = []
    future.observe(lambda event: last_at_done.append(reports[-1]), "done")
    wait_done(executor, future)
    assert last_at_done == [(999, 1000)]
    assert reports == sorted(set(reports))
    assert future.result == 1000


def test_coalesced_reports_each_fire_when_the_main_thread_keeps_up(executor):
    """Coalescing only merges undelivered reports: one at a time, each fires."""
    delivered = threading.Semaphore(0)

    def paced(progress):
        for i in range(5):
            progress(i)
            assert delivered.acquire(timeout=SAFETY_TIMEOUT)

    future = submit_progress(executor, paced, coalesce_progress=True)
    reports = []

    def on_progress(event):
        reports.append(event.new)
        delivered.release()

    future.observe(on_progress, "progress")
    wait_done(executor, future)
    assert reports == [0, 1, 2, 3, 4]
    assert future.state == COMPLETED


def test_coalesce_progress_is_not_passed_to_the_function(executor):
    """coalesce_progress is submit_progress's own keyword, like the job options."""
    future = submit_progress(executor, count_to, 3, coalesce_progress=False)
    wait_done(executor, future)
    assert future.result == 3


@pytest.mark.parametrize("value", [1, "yes", None])
def test_coalesce_progress_must_be_a_bool(executor, value):
    """A coalesce_progress that is not a bool raises TypeError naming what arrived."""
    expected = f"coalesce_progress must be True or False, not {type(value).__name__}: {value!r}"
    with pytest.raises(TypeError, match=re.escape(expected)):
        submit_progress(executor, count_to, 3, coalesce_progress=value)
    assert executor.jobs == []


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
