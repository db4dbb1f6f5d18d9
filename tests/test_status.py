# SPDX-License-Identifier: BSD-3-Clause
"""Status-like futures: timeouts, settle times, done callbacks, wait, await, end_reason."""

import functools
import math
import threading

import pytest

from tests._support import elapse, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    STOPPED,
    TIMED_OUT,
    CallFuture,
    JobCancelledError,
    JobTimeoutError,
    ManualEventLoop,
    TraitsExecutor,
    WaitTimeoutError,
    submit_call,
    submit_iteration,
)
from traits_jobs.jobs._state_machine import S
from traits_jobs.testing import SAFETY_TIMEOUT


def held(started, proceed, finished=None):
    """An iteration that yields once, waits for ``proceed``, then yields again.

    The second yield is where it sees a cancellation requested meanwhile.
    """
    started.set()
    try:
        yield 1
        proceed.wait(SAFETY_TIMEOUT)
        yield 2
    finally:
        if finished is not None:
            finished.set()


@pytest.fixture
def manual():
    """An executor on a ManualEventLoop: virtual time, explicit delivery."""
    loop = ManualEventLoop()
    executor = TraitsExecutor(max_workers=2, event_loop=loop)
    yield loop, executor
    if not executor.stopped:
        executor.shutdown(timeout=SAFETY_TIMEOUT)


def deliver_until(loop, condition):
    assert loop.run_until(condition, SAFETY_TIMEOUT), "condition never held"


# -- timeouts ---------------------------------------------------------------


def test_timeout_fails_the_future_and_cancels_the_job(executor):
    """Past its timeout a running job's future fails; the job is asked to stop."""
    started, proceed, finished = threading.Event(), threading.Event(), threading.Event()
    future = submit_iteration(executor, held, started, proceed, finished, timeout=0.05)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    elapse(executor, 0.05)
    wait_done(executor, future)
    assert future.state == FAILED
    assert future.end_reason == TIMED_OUT
    assert isinstance(future.error, JobTimeoutError)
    assert isinstance(future.error, TimeoutError)
    assert "timeout of 0.05 s" in future.exception[1]
    proceed.set()
    wait_event(finished)
    assert future.end_reason == TIMED_OUT


def test_timeout_counts_from_the_start_on_a_virtual_clock(manual):
    """The timeout runs from EXECUTING, not from submission."""
    loop, executor = manual
    release = threading.Event()
    blocker = submit_call(executor, release.wait, SAFETY_TIMEOUT)
    blocker2 = submit_call(executor, release.wait, SAFETY_TIMEOUT)
    started, proceed = threading.Event(), threading.Event()
    future = submit_iteration(executor, held, started, proceed, timeout=5.0)
    loop.advance(100.0)  # queued behind the blockers: no clock runs yet
    assert future.state == "waiting"
    release.set()
    deliver_until(loop, lambda: blocker.done and blocker2.done and future.state == EXECUTING)
    loop.advance(4.9)
    assert future.state == EXECUTING
    loop.advance(0.2)
    assert future.end_reason == TIMED_OUT
    proceed.set()
    deliver_until(loop, lambda: not executor._jobs)


def test_result_after_the_timeout_is_discarded(manual):
    """A job that returns after its timeout leaves the future failed."""
    loop, executor = manual
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(SAFETY_TIMEOUT)
        return "late"

    future = submit_call(executor, slow, timeout=1.0)
    wait_event(started)
    deliver_until(loop, lambda: future.state == EXECUTING)
    loop.advance(1.0)
    assert future.state == FAILED
    release.set()
    deliver_until(loop, lambda: not executor._jobs)
    assert future.end_reason == TIMED_OUT
    with pytest.raises(AttributeError):
        future.result


def test_job_done_in_time_is_not_timed_out(manual):
    """A job that ends before its timeout completes; the timer is cancelled."""
    loop, executor = manual
    future = submit_call(executor, pow, 2, 8, timeout=1.0)
    deliver_until(loop, lambda: future.done)
    loop.advance(10.0)
    assert future.state == COMPLETED
    assert future.end_reason == COMPLETED
    assert future.result == 256


# -- settle time ------------------------------------------------------------


def test_settle_time_holds_the_future_executing(manual):
    """After the job returns the future stays executing for the settle time."""
    loop, executor = manual
    future = submit_call(executor, pow, 3, 2, settle_time=0.5)
    deliver_until(loop, lambda: future._internal_state is S.SETTLING)
    assert future.state == EXECUTING and not future.done
    loop.advance(0.4)
    assert not future.done
    loop.advance(0.1)
    assert future.state == COMPLETED
    assert future.result == 9
    assert not executor._jobs


def test_cancel_while_settling_ends_cancelled_at_once(manual):
    """Cancelling during the settle time ends the future CANCELLED there and then."""
    loop, executor = manual
    future = submit_call(executor, pow, 3, 2, settle_time=10.0)
    deliver_until(loop, lambda: future._internal_state is S.SETTLING)
    assert future.cancel() is True
    assert future.state == CANCELLED
    assert future.end_reason == CANCELLED
    assert not executor._jobs
    executor.stop()
    assert executor.state == STOPPED


def test_settle_on_a_real_loop(real_executor):
    """The settle timer runs on the Qt and asyncio loops."""
    future = submit_call(real_executor, pow, 2, 5, settle_time=0.02)
    wait_done(real_executor, future)
    assert future.result == 32


# -- done callbacks ---------------------------------------------------------


def test_done_callback_runs_once_after_the_final_state(executor):
    """The callback sees the final state, on the main thread, once."""
    seen = []
    future = submit_call(executor, pow, 2, 3)
    future.add_done_callback(lambda f: seen.append((f.state, f.result, threading.current_thread())))
    wait_done(executor, future)
    assert seen == [(COMPLETED, 8, threading.main_thread())]


def test_done_callback_on_a_done_future_runs_at_once(executor):
    """Adding a callback to a done future calls it immediately."""
    future = submit_call(executor, pow, 2, 3)
    wait_done(executor, future)
    seen = []
    future.add_done_callback(seen.append)
    assert seen == [future]


def test_failing_done_callback_is_logged_and_others_run(executor, traits_jobs_errors):
    """An exception in a callback is logged; later callbacks still run."""
    seen = []

    def broken(future):
        raise RuntimeError("callback broke")

    future = submit_call(executor, pow, 2, 3)
    future.add_done_callback(broken)
    future.add_done_callback(seen.append)
    wait_done(executor, future)
    assert seen == [future]
    [record] = traits_jobs_errors.take()
    assert "raised" in record.getMessage()
    assert str(record.exc_info[1]) == "callback broke"
    assert record.exc_info[2] is not None


def test_done_callback_must_be_callable(executor):
    """A non-callable is refused at once, naming what arrived."""
    future = submit_call(executor, pow, 2, 3)
    with pytest.raises(TypeError, match="expected a callable, got int"):
        future.add_done_callback(3)
    wait_done(executor, future)


# -- wait and await ---------------------------------------------------------


def test_wait_on_the_main_thread_delivers_and_returns_the_result(executor):
    """wait() runs the event loop, so it cannot deadlock the main thread."""
    future = submit_call(executor, pow, 2, 10)
    assert future.wait(timeout=SAFETY_TIMEOUT) == 1024


def test_wait_timeout_raises_and_the_job_goes_on(executor):
    """An expired wait raises WaitTimeoutError; the job is not touched."""
    started, release = threading.Event(), threading.Event()

    def held():
        started.set()
        release.wait(SAFETY_TIMEOUT)
        return "finished"

    future = submit_call(executor, held)
    wait_event(started)
    with pytest.raises(WaitTimeoutError) as info:
        future.wait(timeout=0.01)
    assert not isinstance(info.value, JobTimeoutError)
    release.set()
    assert future.wait(timeout=SAFETY_TIMEOUT) == "finished"


def test_wait_reraises_the_jobs_own_exception(executor):
    """A failed job's exception object comes out of wait()."""
    future = submit_call(executor, int, "not a number")
    with pytest.raises(ValueError, match="not a number") as info:
        future.wait(timeout=SAFETY_TIMEOUT)
    assert info.value is future.error


def test_wait_on_a_cancelled_future_raises_cancellation(executor):
    """wait() on a cancelled future raises JobCancelledError."""
    started, proceed = threading.Event(), threading.Event()
    future = submit_iteration(executor, held, started, proceed)
    wait_event(started)
    future.cancel()
    proceed.set()
    with pytest.raises(JobCancelledError):
        future.wait(timeout=SAFETY_TIMEOUT)


def test_wait_from_a_worker_thread(executor):
    """Another thread blocks in wait() while the main loop delivers."""
    loop = executor.event_loop
    future = submit_call(executor, pow, 3, 3)
    results = []

    def wait_then_wake_the_loop():
        try:
            results.append(future.wait(SAFETY_TIMEOUT))
        finally:
            # The main thread runs the loop until the result is in.
            loop.call_soon_threadsafe(lambda: None)

    waiter = threading.Thread(target=wait_then_wake_the_loop)
    waiter.start()
    assert loop.run_until(lambda: bool(results), SAFETY_TIMEOUT)
    waiter.join(SAFETY_TIMEOUT)
    assert results == [27]


def test_wait_inside_an_observer_is_not_blocked_by_the_drain(qt_executor):
    """On Qt an observer may wait for another job: nested delivery is allowed then."""
    executor = qt_executor
    first = submit_call(executor, pow, 2, 2)
    results = []

    def on_done(event):
        second = submit_call(executor, pow, 2, 3)
        results.append(second.wait(timeout=SAFETY_TIMEOUT))

    first.observe(on_done, "done")
    wait_for(executor, first, "done", lambda f: f.done)
    assert results == [8]


def test_wait_inside_a_running_asyncio_loop_says_to_await(asyncio_executor):
    """A running asyncio loop cannot be run again: wait() says to await instead."""
    executor = asyncio_executor
    first = submit_call(executor, pow, 2, 2)
    errors = []

    def on_done(event):
        second = submit_call(executor, pow, 2, 3)
        try:
            second.wait(timeout=SAFETY_TIMEOUT)
        except RuntimeError as error:
            errors.append(str(error))

    first.observe(on_done, "done")
    wait_for(executor, first, "done", lambda f: f.done)
    assert len(errors) == 1
    assert "already running" in errors[0] and "Await" in errors[0]


def test_wait_rejects_a_negative_timeout(executor):
    """wait(timeout=-1) raises ValueError naming the value."""
    future = submit_call(executor, pow, 2, 3)
    with pytest.raises(ValueError, match="-1"):
        future.wait(timeout=-1)
    wait_done(executor, future)


def test_await_a_future_on_asyncio(asyncio_executor):
    """``await future`` gives the result, or raises the job's exception."""
    loop = asyncio_executor.event_loop.event_loop

    async def main():
        ok = await submit_call(asyncio_executor, pow, 2, 6)
        with pytest.raises(ZeroDivisionError):
            await submit_call(asyncio_executor, divmod, 1, 0)
        return ok

    assert loop.run_until_complete(main()) == 64


def test_await_a_future_never_submitted_raises(asyncio_executor):
    """Awaiting a future no executor owns raises rather than waiting forever."""
    loop = asyncio_executor.event_loop.event_loop

    async def main():
        await CallFuture()

    with pytest.raises(RuntimeError, match="not submitted"):
        loop.run_until_complete(main())


def test_repr_names_the_job(executor):
    """A named job's repr, used in error messages, carries its name."""
    future = submit_call(executor, pow, 2, 3, name="square")
    wait_done(executor, future)
    assert repr(future) == "<CallFuture 'square' completed result=8>"


# -- options ----------------------------------------------------------------


def test_options_are_not_passed_to_the_function(executor):
    """name= and timeout= are options; functools.partial passes a same-named argument."""

    def measure(*, timeout):
        return timeout

    future = submit_call(executor, functools.partial(measure, timeout=2.5), timeout=5, name="m")
    assert future.name == "m"
    assert future.wait(timeout=SAFETY_TIMEOUT) == 2.5


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"timeout": -1}, ValueError, "timeout must be a non-negative number"),
        ({"timeout": "5"}, TypeError, "timeout must be a non-negative number of seconds or None"),
        ({"settle_time": -0.1}, ValueError, "settle_time must be a finite, non-negative"),
        ({"settle_time": math.inf}, ValueError, "settle_time must be a finite, non-negative"),
        ({"name": 3}, TypeError, "name must be a str or None, not int"),
        ({"background": "yes"}, TypeError, "background must be True or False"),
        ({"on_conflict": "queue"}, ValueError, "on_conflict must be one of"),
        ({"resources": "camera"}, TypeError, "camera"),
    ],
)
def test_bad_options_raise_at_submit(executor, options, error, match):
    """Each bad option raises at the submit call, naming what arrived."""
    with pytest.raises(error, match=match):
        submit_call(executor, pow, 2, 3, **options)
    assert not executor._jobs


def test_unknown_option_to_submit_is_rejected(executor):
    """executor.submit() takes only the job options as keywords."""
    from traits_jobs.jobs.call import BackgroundCall

    with pytest.raises(TypeError, match=r"unknown job option\(s\) \['priority'\]"):
        executor.submit(BackgroundCall(pow, (2, 3), {}), priority=1)


def test_end_reason_values(executor):
    """end_reason tells completed, failed and cancelled apart; None before."""
    ok = submit_call(executor, pow, 2, 3)
    assert ok.end_reason is None
    bad = submit_call(executor, int, "x")
    started, proceed = threading.Event(), threading.Event()
    stopped = submit_iteration(executor, held, started, proceed)
    wait_event(started)
    stopped.cancel()
    proceed.set()
    for future in (ok, bad, stopped):
        wait_done(executor, future)
    assert [f.end_reason for f in (ok, bad, stopped)] == [COMPLETED, FAILED, CANCELLED]
    assert stopped.preempted_by is None
    assert PREEMPTED == "preempted"


@pytest.mark.parametrize(
    ("timeout", "error"),
    [(-1, ValueError), (float("nan"), ValueError), ("5", TypeError), (True, TypeError)],
)
def test_every_wait_checks_its_timeout(executor, timeout, error):
    """wait(), wait_for_background() and shutdown() refuse a bad timeout alike, naming it."""
    future = submit_call(executor, pow, 2, 3)
    for call in (future.wait, executor.wait_for_background, executor.shutdown):
        with pytest.raises(error, match=r"timeout must be a non-negative number of seconds"):
            call(timeout=timeout)
    wait_done(executor, future)
