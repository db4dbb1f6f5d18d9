# SPDX-License-Identifier: BSD-3-Clause
"""Structured progress: report_progress() from any job kind, ProgressInfo on the future."""

import threading
import time

import pytest

from tests._support import wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    ProgressInfo,
    report_progress,
    submit_call,
    submit_iteration,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def move(start, stop, steps, go):
    """Report each step; between steps wait for the test to release ``go``."""
    for step in range(steps + 1):
        if step:
            assert go.acquire(timeout=SAFETY_TIMEOUT)
        position = start + (stop - start) * step / steps
        report_progress(position, initial=start, target=stop, message=f"at {position}")
    return stop


def test_call_job_reports_structured_progress(executor):
    """A call job's reports arrive as immutable ProgressInfo values; fraction done, not left."""
    go = threading.Semaphore(0)
    submitted_at = time.monotonic()
    future = submit_call(executor, move, 10.0, 20.0, 4, go)
    wait_for(executor, future, "progress_info", lambda f: f.progress_info is not None)
    info = future.progress_info
    assert isinstance(info, ProgressInfo)
    assert (info.current, info.initial, info.target, info.fraction_done) == (10.0, 10.0, 20.0, 0.0)
    assert info.message == "at 10.0"
    with pytest.raises(AttributeError):
        info.current = 3  # immutable
    go.release()
    wait_for(executor, future, "progress_info", lambda f: f.progress_info.current == 12.5)
    info = future.progress_info
    assert info.fraction_done == 0.25
    # Measured from the job's start, which came after its submission.
    assert 0 <= info.time_elapsed <= time.monotonic() - submitted_at
    # A quarter done in time_elapsed: three quarters to go take three times as long.
    assert info.time_remaining == pytest.approx(3 * info.time_elapsed)
    go.release(3)
    wait_done(executor, future)
    assert future.progress_info.fraction_done == 1.0
    assert future.result == 20.0


def test_high_rate_reports_are_coalesced_and_the_last_arrives(executor):
    """Thousands of reports cost a few deliveries; the last one always arrives."""

    def fast():
        for i in range(20_001):
            report_progress(i, target=20_000)

    future = submit_call(executor, fast)
    seen = []
    future.observe(lambda e: seen.append(e.new), "progress_info")
    wait_done(executor, future)
    assert seen[-1].current == 20_000 and seen[-1].fraction_done == 1.0
    assert [s.current for s in seen] == sorted(s.current for s in seen)


def test_a_late_watcher_gets_the_latest_value_at_once(executor):
    """watch_progress() calls back with the latest report, then with each new one."""
    go = threading.Semaphore(0)
    future = submit_call(executor, move, 0.0, 1.0, 1, go)
    wait_for(executor, future, "progress_info", lambda f: f.progress_info is not None)
    seen = []
    future.watch_progress(lambda info: seen.append(info.current))
    assert seen == [0.0]
    go.release()
    wait_done(executor, future)
    assert seen[-1] == 1.0


def test_given_fraction_and_time_remaining_win(executor):
    """A job that knows its fraction and time left is believed."""

    def job():
        report_progress(3, target=10, fraction=0.9, time_remaining=7.5)

    future = submit_call(executor, job)
    wait_done(executor, future)
    info = future.progress_info
    assert (info.fraction_done, info.time_remaining) == (0.9, 7.5)


def test_plain_progress_keeps_working_beside_structured_progress(executor):
    """submit_progress's progress(obj) is unchanged; report_progress works there too."""

    def job(progress):
        progress("plain")
        report_progress(1, target=2)

    future = submit_progress(executor, job)
    plain = []
    future.observe(lambda e: plain.append(e.new), "progress")
    wait_done(executor, future)
    assert plain == ["plain"]
    assert future.progress_info.fraction_done == 0.5


def test_report_after_cancel_raises_task_cancelled_and_the_job_ends(executor):
    """In an iteration, a report after cancellation raises TaskCancelled."""
    started, proceed = threading.Event(), threading.Event()
    errors = []

    def scan():
        started.set()
        yield 1
        proceed.wait(SAFETY_TIMEOUT)
        try:
            report_progress(1, target=2)
        except Exception as error:
            errors.append(type(error).__name__)
            raise

    future = submit_iteration(executor, scan)
    wait_event(started)
    future.cancel()
    proceed.set()
    wait_done(executor, future)
    assert future.state == CANCELLED


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"current": "far", "target": 1}, TypeError, "number for current, got str"),
        ({"current": 1, "target": 2, "fraction": 1.5}, ValueError, "fraction from 0 to 1"),
        ({"current": 1, "target": 2, "message": 3}, TypeError, "str message"),
    ],
)
def test_bad_reports_fail_the_job_with_a_clear_error(executor, kwargs, error, match):
    """A malformed report raises in the job, which fails with that error."""
    future = submit_call(executor, lambda: report_progress(**kwargs))
    wait_done(executor, future)
    assert isinstance(future.error, error)
    assert match in str(future.error)


def test_report_outside_a_job_raises():
    """report_progress() on the main thread is a mistake, said clearly."""
    with pytest.raises(RuntimeError, match="inside a job"):
        report_progress(1, target=2)
