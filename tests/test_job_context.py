# SPDX-License-Identifier: BSD-3-Clause
"""current_job() in every job kind: stop and cancel requests, waits that end on them, status."""

import logging
import threading

import pytest

from tests._support import blocked_workers, elapse, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    STOPPED,
    TIMED_OUT,
    JobContext,
    JobStopRequested,
    all_of,
    current_job,
    report_progress,
    submit_call,
    submit_iteration,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT

#: Longer than any test waits: a sleep this long only ends early.
FOREVER = 10 * SAFETY_TIMEOUT


def test_outside_a_job_current_job_raises():
    """current_job() on a thread that runs no job says where it must be called."""
    with pytest.raises(RuntimeError, match=r"current_job\(\) must be called from inside a job"):
        current_job()


def test_every_job_kind_has_a_context(executor):
    """Calls, iterations and progress jobs all see their own JobContext."""
    seen = []

    def call():
        seen.append(current_job())

    def iterate():
        seen.append(current_job())
        yield 1

    def progress(progress):
        seen.append(current_job())

    for future in (
        submit_call(executor, call),
        submit_iteration(executor, iterate),
        submit_progress(executor, progress),
    ):
        wait_done(executor, future)
        assert future.state == COMPLETED
    assert len(seen) == 3
    assert all(isinstance(ctx, JobContext) for ctx in seen)
    assert len({id(ctx) for ctx in seen}) == 3


def test_one_context_per_run(executor):
    """current_job() called twice in one job returns the same object."""

    def twice():
        return current_job() is current_job()

    future = submit_call(executor, twice)
    wait_done(executor, future)
    assert future.result is True


def sleeper(entered: threading.Event):
    """A job that sleeps until it is asked to stop."""
    entered.set()
    current_job().sleep(FOREVER)
    return "slept through"


def test_stop_ends_a_sleep_and_completes_the_job(executor, caplog):
    """stop() ends ctx.sleep() early; the job ends COMPLETED, "stopped", nothing logged."""
    entered = threading.Event()
    future = submit_call(executor, sleeper, entered)
    wait_event(entered)
    with caplog.at_level(logging.DEBUG, logger="traits_jobs"):
        assert future.stop() is True
        wait_done(executor, future)
    assert future.state == COMPLETED
    assert future.end_reason == STOPPED
    assert future.result is None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]


def test_cancel_ends_a_sleep_and_cancels_the_job(executor):
    """cancel() ends ctx.sleep() too; the job ends CANCELLED."""
    entered = threading.Event()
    future = submit_call(executor, sleeper, entered)
    wait_event(entered)
    future.cancel()
    wait_done(executor, future)
    assert future.state == CANCELLED
    assert future.end_reason == CANCELLED


def test_a_timeout_ends_a_sleep(executor):
    """A job sleeping past its timeout is woken and its future fails with the timeout."""
    entered = threading.Event()
    future = submit_call(executor, sleeper, entered, timeout=0.05)
    wait_event(entered)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    elapse(executor, 0.05)
    wait_done(executor, future)
    assert future.state == FAILED
    assert future.end_reason == TIMED_OUT


def test_sleep_returns_after_its_time_when_nobody_asks(executor):
    """Without a request, sleep() waits its time and returns None."""

    def nap():
        return current_job().sleep(0.001), current_job().stop_requested

    future = submit_call(executor, nap)
    wait_done(executor, future)
    assert future.result == (None, False)


def test_flags_tell_stop_from_cancel(executor):
    """stop_requested is True after stop() or cancel(); cancelled only after cancel()."""
    entered, go_on = threading.Event(), threading.Event()
    flags = []

    def observe():
        entered.set()
        go_on.wait(SAFETY_TIMEOUT)
        ctx = current_job()
        flags.append((ctx.stop_requested, ctx.cancelled))

    stopped = submit_call(executor, observe)
    wait_event(entered)
    stopped.stop()
    go_on.set()
    wait_done(executor, stopped)
    entered.clear()
    go_on.clear()
    cancelled = submit_call(executor, observe)
    wait_event(entered)
    cancelled.cancel()
    go_on.set()
    wait_done(executor, cancelled)
    assert flags == [(True, False), (True, True)]
    # A call that never checks completes as usual: it finished its work.
    assert stopped.end_reason == COMPLETED


def test_a_job_stopped_before_it_starts_never_runs(executor):
    """stop() on a waiting job: its function is never called, it completes "stopped"."""
    ran = threading.Event()
    with blocked_workers(executor):
        future = submit_call(executor, ran.set)
        assert future.stop() is True
    wait_done(executor, future)
    assert not ran.is_set()
    assert future.state == COMPLETED
    assert future.end_reason == STOPPED


def test_stop_on_a_done_future_returns_false(executor):
    """A finished job cannot be stopped."""
    future = submit_call(executor, int)
    wait_done(executor, future)
    assert future.stop() is False
    assert future.end_reason == COMPLETED


def test_stop_from_another_thread(executor):
    """stop() is thread-safe: a worker may stop another job."""
    entered = threading.Event()
    target = submit_call(executor, sleeper, entered)
    wait_event(entered)
    stopper = submit_call(executor, target.stop)
    wait_done(executor, stopper)
    wait_done(executor, target)
    assert stopper.result is True
    assert target.end_reason == STOPPED


def test_wait_for_returns_the_predicate(executor):
    """wait_for() wakes when the predicate holds and returns its value."""
    condition = threading.Condition()
    box = []

    def consumer():
        with condition:
            return current_job().wait_for(condition, lambda: box and box[0], timeout=FOREVER)

    future = submit_call(executor, consumer)
    with condition:
        box.append("ready")
        condition.notify_all()
    wait_done(executor, future)
    assert future.result == "ready"


def test_wait_for_times_out_with_the_predicate_false(executor):
    """A timeout ends wait_for() with the predicate's false value, as Condition.wait_for."""
    condition = threading.Condition()

    def consumer():
        with condition:
            return current_job().wait_for(condition, lambda: 0, timeout=0.001)

    future = submit_call(executor, consumer)
    wait_done(executor, future)
    assert future.result == 0


@pytest.mark.parametrize("request_", ["stop", "cancel"])
def test_wait_for_wakes_on_stop_and_cancel(executor, request_):
    """A job waiting on its own condition is woken by stop() or cancel()."""
    condition = threading.Condition()
    entered = threading.Event()

    def consumer():
        with condition:
            entered.set()
            current_job().wait_for(condition, lambda: False)
        return "woken without a request"

    future = submit_call(executor, consumer)
    wait_event(entered)
    getattr(future, request_)()
    wait_done(executor, future)
    expected = STOPPED if request_ == "stop" else CANCELLED
    assert future.end_reason == expected


def test_wait_for_wakes_when_another_thread_holds_the_condition(executor):
    """A stop arriving while a third thread holds the condition still wakes the waiter.

    The main thread never blocks on the job's condition: a helper thread
    delivers the wake-up once the lock is free.
    """
    condition = threading.Condition()
    entered = threading.Event()

    def consumer():
        with condition:
            entered.set()
            current_job().wait_for(condition, lambda: False)

    future = submit_call(executor, consumer)
    wait_event(entered)
    holder_has_it, release = threading.Event(), threading.Event()

    def hold():
        with condition:
            holder_has_it.set()
            release.wait(SAFETY_TIMEOUT)

    holder = threading.Thread(target=hold)
    holder.start()
    wait_event(holder_has_it)
    future.stop()  # Returns at once although the condition's lock is taken.
    release.set()
    holder.join(SAFETY_TIMEOUT)
    wait_done(executor, future)
    assert future.end_reason == STOPPED


def test_bad_arguments_fail_the_job_with_a_clear_error(executor):
    """sleep() and wait_for() check their arguments and name what arrived."""

    def misuse(kind):
        ctx = current_job()
        if kind == "sleep":
            ctx.sleep("1s")
        elif kind == "negative":
            ctx.sleep(-1)
        elif kind == "condition":
            ctx.wait_for(threading.Lock(), lambda: True)
        else:
            ctx.wait_for(threading.Condition(), "ready")

    expected = {
        "sleep": (TypeError, "'1s'"),
        "negative": (ValueError, "-1"),
        "condition": (TypeError, "threading.Condition"),
        "predicate": (TypeError, "callable predicate"),
    }
    for kind, (error_type, text) in expected.items():
        future = submit_call(executor, misuse, kind)
        wait_done(executor, future)
        assert isinstance(future.error, error_type), kind
        assert text in str(future.error), kind


def test_loop_only_members_say_so(executor):
    """settings and take_settings() outside a loop job raise naming submit_loop."""

    def ask():
        ctx = current_job()
        errors = []
        for attempt in (lambda: ctx.settings, ctx.take_settings):
            try:
                attempt()
            except RuntimeError as error:
                errors.append(str(error))
        return errors

    future = submit_call(executor, ask)
    wait_done(executor, future)
    assert len(future.result) == 2
    assert all("submit_loop" in text for text in future.result)


def test_publish_status_sets_the_status_trait(executor):
    """publish_status() from any job sets its future's status on the main thread."""
    main = threading.current_thread()
    seen = []

    def publish():
        for value in range(10_000):
            current_job().publish_status(value)

    future = submit_call(executor, publish)
    future.observe(lambda event: seen.append((event.new, threading.current_thread())), "status")
    wait_done(executor, future)
    assert future.status == 9999
    # Coalesced: never more deliveries than publications, in order, last one last.
    values = [value for value, _ in seen]
    assert values == sorted(values)
    assert values[-1] == 9999
    assert {thread for _, thread in seen} == {main}


def test_job_stop_requested_raised_by_the_job_itself_is_a_stop(executor):
    """A job may end itself by raising JobStopRequested: it completes "stopped"."""

    def give_up():
        raise JobStopRequested("nothing to do")

    future = submit_call(executor, give_up)
    wait_done(executor, future)
    assert future.state == COMPLETED
    assert future.end_reason == STOPPED


def test_stop_ends_an_iteration_at_its_next_yield(executor):
    """stop() closes the generator at its next yield: finally runs, COMPLETED "stopped"."""
    first, closed = threading.Event(), threading.Event()

    def stream():
        try:
            yield 1
            first.set()
            while True:
                yield 2
        finally:
            closed.set()

    future = submit_iteration(executor, stream)
    wait_event(first)
    future.stop()
    wait_done(executor, future)
    assert closed.is_set()
    assert future.state == COMPLETED
    assert future.end_reason == STOPPED
    assert future.result is None


def test_stop_ends_a_progress_job_at_its_next_report(executor):
    """A progress job asked to stop gets JobStopRequested from its next report."""
    reported = threading.Event()
    reached = []

    def work(progress):
        progress(0)
        reported.set()
        while True:
            reached.append(len(reached))
            progress(1)

    future = submit_progress(executor, work)
    wait_event(reported)
    future.stop()
    wait_done(executor, future)
    assert future.end_reason == STOPPED


def test_report_progress_ends_a_stopped_job(executor):
    """report_progress() after stop() raises JobStopRequested: the job ends "stopped"."""
    entered, go_on = threading.Event(), threading.Event()

    def move():
        report_progress(0, target=10)
        entered.set()
        go_on.wait(SAFETY_TIMEOUT)
        for position in range(1, 11):
            current_job().report_progress(position, target=10)
        return "arrived"

    future = submit_call(executor, move)
    wait_event(entered)
    future.stop()
    go_on.set()
    wait_done(executor, future)
    assert future.end_reason == STOPPED
    assert future.progress_info.current == 0


def test_stop_reaches_the_children_of_a_combination(executor):
    """all_of(a, b).stop() stops both; the combination completes "stopped"."""
    first, second = threading.Event(), threading.Event()
    a = submit_call(executor, sleeper, first)
    b = submit_call(executor, sleeper, second)
    both = all_of(a, b)
    wait_event(first)
    wait_event(second)
    assert both.stop() is True
    wait_done(executor, both)
    assert (a.end_reason, b.end_reason) == (STOPPED, STOPPED)
    assert both.end_reason == STOPPED
    assert both.stop() is False
