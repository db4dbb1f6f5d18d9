# SPDX-License-Identifier: BSD-3-Clause
"""Stop everything now: cancel_all(), emergency_stop() and watch_emergency().

Concert documents that ctrl-k stops every device, and no longer does it;
here every hook runs, at once, whatever the others do.
"""

import asyncio
import functools
import threading

import pytest

from tests._support import paused_stream, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    EmergencyReport,
    ExecutorStateError,
    submit_call,
    submit_coroutine,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def held_jobs(executor, count, **options):
    """``count`` running calls held until the returned event is set."""
    release = threading.Event()
    started = [threading.Event() for _ in range(count)]

    def hold(event):
        event.set()
        release.wait(SAFETY_TIMEOUT)

    futures = [submit_call(executor, hold, event, **options) for event in started]
    for event in started:
        wait_event(event)
    return futures, release


def test_cancel_all_cancels_every_job_but_the_skipped(executor):
    """cancel_all() spares jobs named or given in skip, and cancel_on_abort=False ones."""
    futures, release = held_jobs(executor, 2)
    named = submit_call(executor, release.wait, SAFETY_TIMEOUT, name="logger")
    kept = submit_call(executor, release.wait, SAFETY_TIMEOUT, cancel_on_abort=False)
    spared = submit_call(executor, release.wait, SAFETY_TIMEOUT)
    cancelled = executor.cancel_all(skip=["logger", spared])
    assert cancelled == futures
    release.set()
    for future in [*futures, named, kept, spared]:
        wait_done(executor, future)
    assert [f.state for f in futures] == [CANCELLED, CANCELLED]
    assert [f.state for f in (named, kept, spared)] == [COMPLETED] * 3


def test_cancel_all_rejects_what_it_cannot_skip(executor):
    """skip holds futures and names; anything else is a TypeError naming it."""
    with pytest.raises(TypeError, match="int: 3"):
        executor.cancel_all(skip=[3])


def test_every_hook_runs_once_even_if_one_raises_and_one_hangs(executor):
    """Hooks run concurrently: a raising and a hanging hook do not stop the others."""
    calls = []
    hang = threading.Event()
    executor.add_emergency_stop(lambda: calls.append("stage"), name="stage")
    executor.add_emergency_stop(lambda: hang.wait(SAFETY_TIMEOUT), name="hang", timeout=0.05)

    def camera():
        calls.append("camera")
        raise OSError("camera unplugged")

    executor.add_emergency_stop(camera, name="camera")

    async def heater():
        await asyncio.sleep(0)
        calls.append("heater")

    executor.add_emergency_stop(heater, name="heater")
    future = executor.emergency_stop()
    wait_done(executor, future)
    hang.set()
    report = future.result
    assert isinstance(report, EmergencyReport)
    assert sorted(calls) == ["camera", "heater", "stage"]
    assert report.hooks["stage"] == "ok"
    assert report.hooks["heater"] == "ok"
    assert report.hooks["hang"] == "timed out"
    assert isinstance(report.hooks["camera"], OSError)
    assert not report.ok


def test_hooks_do_not_wait_for_slow_cancellations(executor):
    """A job that takes long to end does not delay the hooks."""
    in_job, release = threading.Event(), threading.Event()

    def slow_to_stop():
        in_job.set()
        release.wait(SAFETY_TIMEOUT)  # Ignores the cancellation until released.

    job = submit_call(executor, slow_to_stop)
    wait_event(in_job)
    hook_ran = threading.Event()
    executor.add_emergency_stop(hook_ran.set, name="shutter")
    future = executor.emergency_stop()
    wait_event(hook_ran)
    assert job.state != CANCELLED  # Still ending while the hook ran.
    release.set()
    wait_done(executor, future)
    wait_done(executor, job)
    assert future.result.cancelled == (job,)
    assert job.state == CANCELLED


def test_emergency_stop_with_100_jobs_and_10_hooks(executor):
    """Every job ends, every hook that does not hang has run; the report says which timed out."""
    futures, release = held_jobs(executor, 4)
    waiting = [submit_call(executor, release.wait, SAFETY_TIMEOUT) for _ in range(96)]
    ran = []
    hang = threading.Event()
    for index in range(9):
        executor.add_emergency_stop(functools.partial(ran.append, index), name=f"device {index}")
    executor.add_emergency_stop(lambda: hang.wait(SAFETY_TIMEOUT), name="stuck", timeout=0.05)
    reports = []
    executor.observe(lambda event: reports.append(event.new), "emergency_stopped")
    future = executor.emergency_stop()
    release.set()
    wait_done(executor, future)
    hang.set()
    for job in [*futures, *waiting]:
        wait_done(executor, job)
    assert all(job.state == CANCELLED for job in [*futures, *waiting])
    assert sorted(ran) == list(range(9))
    report = future.result
    assert len(report.cancelled) == 100
    assert report.hooks["stuck"] == "timed out"
    assert reports == [report]


def test_the_emergency_stop_survives_a_second_one(executor):
    """The report job of one stop is not cancelled by the next: both reports arrive."""
    gate = threading.Event()
    executor.add_emergency_stop(lambda: gate.wait(SAFETY_TIMEOUT), name="slow", timeout=5)
    first = executor.emergency_stop()
    second = executor.emergency_stop()
    gate.set()
    wait_done(executor, first)
    wait_done(executor, second)
    assert first.state == second.state == COMPLETED


def test_coroutine_jobs_are_cancelled_too(executor):
    """A coroutine job awaiting forever is cancelled by the emergency stop."""
    started = threading.Event()

    async def forever():
        started.set()
        await asyncio.Event().wait()

    job = submit_coroutine(executor, forever)
    wait_event(started)
    wait_for(executor, job, "state", lambda f: f.state == EXECUTING)
    future = executor.emergency_stop()
    wait_done(executor, job)
    wait_done(executor, future)
    assert job.state == CANCELLED
    assert future.result.cancelled == (job,)


def test_registry_checks(executor):
    """Names are unique; bad hooks and timeouts are refused; remove says if it removed."""
    assert executor.add_emergency_stop(print, name="a") == "a"
    with pytest.raises(ValueError, match="'a'"):
        executor.add_emergency_stop(print, name="a")
    with pytest.raises(TypeError, match="callable"):
        executor.add_emergency_stop("halt")
    with pytest.raises(ValueError, match="positive"):
        executor.add_emergency_stop(print, name="b", timeout=0)
    assert executor.add_emergency_stop(len) == "len"
    assert executor.emergency_stops == ["a", "len"]
    assert executor.remove_emergency_stop("a") is True
    assert executor.remove_emergency_stop("a") is False


def test_emergency_stop_needs_a_running_executor(executor):
    """After stop, an emergency stop is refused clearly (stop() cancelled everything)."""
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    with pytest.raises(ExecutorStateError):
        executor.emergency_stop()


def test_watch_triggers_once_per_edge_and_spares_itself(executor):
    """watch_emergency(check): one stop per false-to-true edge; the watch keeps running."""
    readings = iter([False, True, True, True, False, False, True] + [False] * 10_000)
    lock = threading.Lock()
    taken = []

    def door_open():
        with lock:
            value = next(readings)
            taken.append(value)
            return value

    reports = []
    executor.observe(lambda event: reports.append(event.new), "emergency_stopped")
    watch = executor.watch_emergency(door_open, period=0.001)
    wait_for(executor, executor, "emergency_stopped", lambda e: len(reports) == 2)
    watch.stop()
    wait_done(executor, watch)
    assert len(reports) == 2
    assert all(watch not in report.cancelled for report in reports)
    assert watch.end_reason == "stopped"


def test_a_check_that_raises_is_unsafe(executor, traits_jobs_errors):
    """An interlock that cannot be read triggers the stop, and the error is logged."""

    def broken():
        raise OSError("interlock bus down")

    reports = []
    executor.observe(lambda event: reports.append(event.new), "emergency_stopped")
    watch = executor.watch_emergency(broken, period=0.001)
    wait_for(executor, executor, "emergency_stopped", lambda e: len(reports) == 1)
    watch.stop()
    wait_done(executor, watch)
    logged = traits_jobs_errors.take()
    assert any("interlock" in repr(record.exc_info) for record in logged)


def test_iterations_and_paused_jobs_are_stopped(executor):
    """A paused stream off its worker is cancelled and closed by the emergency stop."""
    closed = threading.Event()

    job = paused_stream(executor, closed)
    future = executor.emergency_stop()
    wait_done(executor, job)
    wait_done(executor, future)
    assert job.state == CANCELLED
    assert closed.is_set()


def test_emergency_stop_from_another_thread(executor):
    """An interlock thread of the application's own may call emergency_stop()."""
    futures, release = held_jobs(executor, 2)
    hook_ran = threading.Event()
    executor.add_emergency_stop(hook_ran.set, name="valve")
    outcome = []
    caller = threading.Thread(target=lambda: outcome.append(executor.emergency_stop()))
    caller.start()
    caller.join(SAFETY_TIMEOUT)
    wait_event(hook_ran)
    (future,) = outcome
    wait_done(executor, future)
    release.set()
    for job in futures:
        wait_done(executor, job)
    assert all(job.state == CANCELLED for job in futures)
    assert future.result.cancelled == tuple(futures)
    assert future.result.hooks == {"valve": "ok"}


def test_a_job_stopped_from_another_thread_ends_cancelled_whatever_it_meets(executor):
    """An interlock thread's stop: a job that fails on its halted device still ends CANCELLED."""
    device_halted = threading.Event()
    in_job = threading.Event()

    def acquire():
        in_job.set()
        device_halted.wait(SAFETY_TIMEOUT)
        raise OSError("camera halted")  # What a job meets after the hook ran.

    job = submit_call(executor, acquire)
    wait_event(in_job)
    executor.add_emergency_stop(device_halted.set, name="camera")
    outcome = []
    caller = threading.Thread(target=lambda: outcome.append(executor.emergency_stop()))
    caller.start()
    caller.join(SAFETY_TIMEOUT)
    (future,) = outcome
    wait_done(executor, job)
    wait_done(executor, future)
    assert job.state == CANCELLED
    assert future.result.cancelled == (job,)
