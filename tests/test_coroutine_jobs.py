# SPDX-License-Identifier: BSD-3-Clause
"""Coroutine jobs: the Concert part of the checklist, with real asyncio and real threads.

Coroutines are held at known points by an :class:`AsyncGate`, opened from
the test thread; nothing sleeps to let things happen.
"""

import asyncio
import threading

import pytest

from tests._support import elapse, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    STOPPED,
    TIMED_OUT,
    CoroutineFuture,
    JobStopRequested,
    JobTimeoutError,
    current_job,
    report_progress,
    run_blocking,
    submit_call,
    submit_coroutine,
)
from traits_jobs.testing import SAFETY_TIMEOUT


class AsyncGate:
    """Holds coroutines at ``await gate.wait()`` until the test opens it."""

    def __init__(self):
        self.entered = threading.Event()
        self._waiting = []
        self._opened = False
        self._lock = threading.Lock()

    async def wait(self):
        event = asyncio.Event()
        with self._lock:
            if self._opened:
                event.set()
            else:
                self._waiting.append((asyncio.get_running_loop(), event))
        self.entered.set()
        await event.wait()

    def open(self):
        with self._lock:
            self._opened = True
            waiting, self._waiting = self._waiting, []
        for loop, event in waiting:
            loop.call_soon_threadsafe(event.set)


def test_result_arrives_on_the_main_thread_from_the_asyncio_thread(executor):
    """The coroutine runs on the executor's asyncio thread; its result is a trait change."""
    seen = []

    async def where(a, b):
        await asyncio.sleep(0)
        return a + b, threading.current_thread().name

    future = submit_coroutine(executor, where, 2, 3)
    future.observe(lambda e: seen.append(threading.current_thread()), "done")
    wait_done(executor, future)
    assert isinstance(future, CoroutineFuture)
    assert future.result == (5, "traits_jobs-asyncio")
    assert seen == [threading.current_thread()]


def test_many_coroutines_share_the_loop_at_once(executor):
    """100 coroutine jobs are all awaiting at the same time, on one thread."""
    gate = AsyncGate()
    arrived = []
    everyone = threading.Event()

    async def meet(index):
        arrived.append(index)
        if len(arrived) == 100:
            everyone.set()
        await gate.wait()
        return threading.current_thread().name

    futures = [submit_coroutine(executor, meet, index) for index in range(100)]
    wait_event(everyone)
    gate.open()
    for future in futures:
        wait_done(executor, future)
    assert {future.result for future in futures} == {"traits_jobs-asyncio"}


def test_cancel_raises_inside_and_waits_for_the_cleanup(executor):
    """cancel(): CancelledError at the await; CANCELLING until the cleanup await is over."""
    gate, cleanup = AsyncGate(), AsyncGate()
    steps = []

    async def move():
        try:
            await gate.wait()
        except asyncio.CancelledError:
            steps.append("cancelled")
            raise
        finally:
            await cleanup.wait()
            steps.append("stopped the motor")

    future = submit_coroutine(executor, move)
    wait_event(gate.entered)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    assert future.cancel() is True
    wait_event(cleanup.entered)
    # The coroutine is cleaning up: the future says so and waits.
    submit_and_drain(executor)
    assert future.state == CANCELLING
    cleanup.open()
    wait_done(executor, future)
    assert future.state == CANCELLED
    assert steps == ["cancelled", "stopped the motor"]
    assert future.cancel_swallowed is False


def submit_and_drain(executor):
    """Run the event loop until a later job's result has arrived."""
    probe = submit_call(executor, int)
    wait_done(executor, probe)


def test_a_swallowed_cancellation_still_ends_cancelled(executor):
    """A coroutine that catches CancelledError and returns: CANCELLED, cancel_swallowed True."""
    gate = AsyncGate()

    async def stubborn():
        try:
            await gate.wait()
        except asyncio.CancelledError:
            return "I am not done"

    future = submit_coroutine(executor, stubborn)
    wait_event(gate.entered)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    future.cancel()
    wait_done(executor, future)
    assert future.state == CANCELLED
    assert future.cancel_swallowed is True


def test_run_blocking_is_waited_for_before_cancelled(executor):
    """Cancelling during run_blocking(fn): CANCELLING until fn returns, then CANCELLED."""
    in_driver, release = threading.Event(), threading.Event()
    calls = []

    def driver_call(target):
        in_driver.set()
        release.wait(SAFETY_TIMEOUT)
        calls.append((target, current_job().cancelled, threading.current_thread().name))
        return target

    async def move():
        position = await run_blocking(driver_call, 10)
        calls.append("after")
        return position

    future = submit_coroutine(executor, move)
    wait_event(in_driver)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    future.cancel()
    submit_and_drain(executor)
    assert future.state == CANCELLING
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED
    (target, cancelled, thread), *rest = calls
    assert (target, cancelled) == (10, True)
    assert thread.startswith("traits_jobs-asyncio-blocking")
    assert rest == []


def test_run_blocking_returns_the_result(executor):
    """Without a cancellation, run_blocking returns what fn returned, or raises what it raised."""

    def divide(a, b):
        return a / b

    async def compute():
        good = await run_blocking(divide, 6, 3)
        try:
            await run_blocking(divide, 1, 0)
        except ZeroDivisionError:
            return good, "raised"

    future = submit_coroutine(executor, compute)
    wait_done(executor, future)
    assert future.result == (2.0, "raised")


def test_run_blocking_outside_a_coroutine_job_is_refused():
    """run_blocking belongs inside coroutine jobs; the error says so."""
    with pytest.raises(RuntimeError, match="coroutine job"):
        asyncio.run(run_blocking(int))


def test_a_timeout_cancels_the_coroutine_and_fails_the_future(executor):
    """timeout=: the coroutine is cancelled (cleanup runs); the future FAILED, JobTimeoutError."""
    gate = AsyncGate()
    cleaned = threading.Event()

    async def stuck():
        try:
            await gate.wait()
        finally:
            cleaned.set()

    future = submit_coroutine(executor, stuck, timeout=0.05)
    wait_event(gate.entered)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    elapse(executor, 0.05)
    wait_done(executor, future)
    assert future.state == FAILED
    assert future.end_reason == TIMED_OUT
    assert isinstance(future.error, JobTimeoutError)
    wait_event(cleaned)


def test_progress_and_the_job_context_work_in_a_coroutine(executor):
    """report_progress() and current_job() are the coroutine's own."""

    async def scan():
        for step in range(1, 4):
            report_progress(step, target=3)
            await asyncio.sleep(0)
        return current_job().stop_requested

    future = submit_coroutine(executor, scan)
    wait_done(executor, future)
    assert future.result is False
    assert future.progress_info.fraction_done == 1.0


def test_stop_is_seen_by_the_coroutine(executor):
    """stop(): the coroutine reads stop_requested and raises JobStopRequested: "stopped"."""
    gate = AsyncGate()

    async def poll():
        await gate.wait()
        if current_job().stop_requested:
            raise JobStopRequested
        return "never stopped"

    future = submit_coroutine(executor, poll)
    wait_event(gate.entered)
    future.stop()
    gate.open()
    wait_done(executor, future)
    assert future.end_reason == STOPPED


def test_an_exception_arrives_with_its_traceback(executor):
    """The coroutine's own exception fails the future, traceback and all."""

    async def broken():
        await asyncio.sleep(0)
        raise ValueError("axis 3 not homed")

    future = submit_coroutine(executor, broken)
    wait_done(executor, future)
    assert isinstance(future.error, ValueError)
    assert "broken" in future.exception[2]


def test_a_background_coroutine_is_preempted(executor):
    """Resources and preemption work for coroutine jobs as for calls."""
    gate = AsyncGate()

    async def live_view():
        await gate.wait()

    future = submit_coroutine(executor, live_view, background=True, resources={"camera"})
    wait_event(gate.entered)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    with pytest.warns(UserWarning, match="preempts"):
        snapshot = submit_call(executor, str, "frame", resources={"camera"})
    wait_done(executor, snapshot)
    assert future.end_reason == PREEMPTED
    assert snapshot.result == "frame"


def test_bad_functions_are_refused(executor):
    """A coroutine object, a non-callable, or a function returning no awaitable: clear errors."""

    async def job():
        return 1

    coroutine = job()
    with pytest.raises(TypeError, match="not the result of calling it"):
        submit_coroutine(executor, coroutine)
    with pytest.raises(TypeError, match="callable"):
        submit_coroutine(executor, 42)
    future = submit_coroutine(executor, lambda: 3)
    wait_done(executor, future)
    assert isinstance(future.error, TypeError)
    assert "returned int" in str(future.error)


def test_the_loop_thread_ends_with_the_executor():
    """shutdown() closes the asyncio loop and its threads: none is left."""
    from traits_jobs.api import ManualEventLoop, TraitsExecutor

    executor = TraitsExecutor(event_loop=ManualEventLoop())

    async def nothing():
        await asyncio.sleep(0)

    future = submit_coroutine(executor, nothing)
    wait_done(executor, future)
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    names = [thread.name for thread in threading.enumerate()]
    assert not [name for name in names if name.startswith("traits_jobs-asyncio")]


def test_cancelled_before_start_never_runs(executor):
    """A coroutine job cancelled while waiting for resources never starts."""
    ran = []

    async def job():
        ran.append(1)

    holder_gate = AsyncGate()

    async def holder():
        await holder_gate.wait()

    first = submit_coroutine(executor, holder, resources={"stage"})
    wait_event(holder_gate.entered)
    second = submit_coroutine(executor, job, resources={"stage"}, on_conflict="wait")
    second.cancel()
    holder_gate.open()
    wait_done(executor, first)
    wait_done(executor, second)
    assert second.state == CANCELLED
    assert ran == []
    assert first.state == COMPLETED


def test_blocking_waits_are_refused_in_coroutine_jobs(executor):
    """ctx.sleep(), ctx.wait_for() and a sync job_lock would block every coroutine: refused."""
    import threading as _threading

    from traits_jobs.api import job_lock

    async def misuse():
        errors = []
        for attempt in (
            lambda: current_job().sleep(0),
            lambda: current_job().wait_for(_threading.Condition(), bool),
            lambda: job_lock("x").__enter__(),
        ):
            try:
                attempt()
            except RuntimeError as error:
                errors.append(str(error))
        return errors

    future = submit_coroutine(executor, misuse)
    wait_done(executor, future)
    assert len(future.result) == 3
    assert all("asyncio loop" in text for text in future.result)


def test_report_progress_never_raises_in_a_coroutine(executor):
    """A cancelled coroutine learns it as CancelledError at its await, not from a report."""
    gate = AsyncGate()
    seen = []

    async def reporting():
        try:
            await gate.wait()
        except asyncio.CancelledError:
            report_progress(1, target=2)  # In cleanup: must not raise TaskCancelled.
            seen.append("cleanup reported")
            raise

    future = submit_coroutine(executor, reporting)
    wait_event(gate.entered)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    future.cancel()
    wait_done(executor, future)
    assert seen == ["cleanup reported"]
    assert future.state == CANCELLED
