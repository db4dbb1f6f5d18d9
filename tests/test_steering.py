# SPDX-License-Identifier: BSD-3-Clause
"""Pausing, resuming and sending values into jobs: superqt's worker steering, without its losses.

superqt keeps one slot for sent values (a second send before the next yield
loses the first) and pauses by polling every 10 ms; here values queue, and
a pause waits on a condition.
"""

import threading

import pytest

from tests._support import blocked_workers, paused_stream, wait_done, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    STOPPED,
    JobStopRequested,
    submit_call,
    submit_iteration,
    submit_loop,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def counting(reached: list, gate: threading.Event | None = None):
    """A generator that records each item it is about to yield, forever."""
    count = 0
    while True:
        reached.append(count)
        if gate is not None and count == 0:
            gate.wait(SAFETY_TIMEOUT)
        yield count
        count += 1


def test_pause_holds_the_generator_at_its_next_yield(executor):
    """After pause() the worker stops at a yield; paused becomes True; nothing advances."""
    reached = []
    gate = threading.Event()
    future = submit_iteration(executor, counting, reached, gate)
    assert future.pause() is True
    gate.set()
    wait_for(executor, future, "paused", lambda f: f.paused)
    frozen = list(reached)
    items = []
    future.observe(lambda e: items.append(e.new), "result_event")
    # Let every message sent before the pause arrive: still nothing new.
    submit_call(executor, int)
    probe = submit_call(executor, int)
    wait_done(executor, probe)
    assert reached == frozen
    assert future.resume() is True
    wait_for(executor, future, "paused", lambda f: not f.paused)
    wait_for(executor, future, "result_event", lambda f: len(items) >= 3)
    future.cancel()
    wait_done(executor, future)
    assert future.paused is False


def test_paused_changes_follow_the_worker(executor):
    """paused goes True then False, on the main thread, once per pause."""
    reached = []
    gate = threading.Event()
    future = submit_iteration(executor, counting, reached, gate)
    changes = []
    future.observe(lambda e: changes.append((e.new, threading.current_thread())), "paused")
    future.pause()
    gate.set()
    wait_for(executor, future, "paused", lambda f: f.paused)
    future.resume()
    wait_for(executor, future, "paused", lambda f: not f.paused)
    future.stop()
    wait_done(executor, future)
    assert [value for value, _ in changes] == [True, False]
    assert {thread for _, thread in changes} == {threading.current_thread()}
    assert future.end_reason == STOPPED


@pytest.mark.parametrize("request_", ["cancel", "stop"])
def test_cancel_and_stop_work_while_paused(executor, request_):
    """A paused job is woken by cancel() or stop() and ends; its generator is closed."""
    closed = threading.Event()

    future = paused_stream(executor, closed)
    getattr(future, request_)()
    wait_done(executor, future)
    assert closed.is_set()
    assert future.paused is False
    assert future.state == (CANCELLED if request_ == "cancel" else COMPLETED)


def test_pause_before_start_holds_before_the_first_item(executor):
    """A job paused while waiting pauses before it produces anything."""
    reached = []
    with blocked_workers(executor):
        future = submit_iteration(executor, counting, reached)
        future.pause()
    wait_for(executor, future, "paused", lambda f: f.paused)
    assert reached == []
    future.cancel()
    wait_done(executor, future)


def test_resume_before_the_pause_is_reached_withdraws_it(executor):
    """pause() then resume() before the next yield: the job never pauses."""
    reached = []
    gate = threading.Event()
    future = submit_iteration(executor, counting, reached, gate)
    changes = []
    future.observe(lambda e: changes.append(e.new), "paused")
    future.pause()
    future.resume()
    gate.set()
    wait_for(executor, future, "result_event", lambda f: len(reached) > 5)
    future.cancel()
    wait_done(executor, future)
    assert changes == []


def test_pause_and_resume_on_a_done_future_return_false(executor):
    """A finished job cannot be paused."""
    future = submit_iteration(executor, range, 3)
    wait_done(executor, future)
    assert future.pause() is False
    assert future.resume() is False


def echo(received: list, gate: threading.Event):
    """Yield, and record what each yield received."""
    gate.wait(SAFETY_TIMEOUT)
    for index in range(6):
        received.append((yield index))


def test_values_sent_between_two_yields_all_arrive_in_order(executor):
    """send('a'); send('b') before the next yield: the generator receives 'a', then 'b'.

    superqt delivers None, 'b', None: 'a' is lost.
    """
    received = []
    gate = threading.Event()
    future = submit_iteration(executor, echo, received, gate)
    future.send("a")
    future.send("b")
    gate.set()
    wait_done(executor, future)
    assert received == ["a", "b", None, None, None, None]
    assert future.state == COMPLETED


def test_values_sent_from_many_threads_arrive_exactly_once(executor):
    """send() is thread-safe: 4 threads x 250 values, each received exactly once."""
    received = []
    gate = threading.Event()

    def sink():
        gate.wait(SAFETY_TIMEOUT)
        while len([v for v in received if v is not None]) < 1000:
            received.append((yield))

    future = submit_iteration(executor, sink)

    def sender(offset):
        for value in range(offset, offset + 250):
            future.send(value)

    threads = [threading.Thread(target=sender, args=(k * 250,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SAFETY_TIMEOUT)
    gate.set()
    wait_done(executor, future)
    values = [value for value in received if value is not None]
    assert sorted(values) == list(range(1000))
    for k in range(4):
        mine = [value for value in values if k * 250 <= value < (k + 1) * 250]
        assert mine == sorted(mine)


def test_send_after_the_end_raises(executor):
    """A job that ended takes no values; the error names the future."""
    future = submit_iteration(executor, range, 2)
    wait_done(executor, future)
    with pytest.raises(RuntimeError, match="has ended"):
        future.send(1)


def test_values_left_when_the_generator_ends_are_logged(executor, caplog):
    """Values never received because the generator returned are reported, not silently lost."""
    gate = threading.Event()

    def short():
        gate.wait(SAFETY_TIMEOUT)
        yield 1

    future = submit_iteration(executor, short)
    future.send("received by the yield")
    future.send("lost")
    gate.set()
    wait_done(executor, future)
    assert any("never received" in record.getMessage() for record in caplog.records)


def test_sending_to_a_plain_iterator_fails_the_job_clearly(executor):
    """An iterable that is not a generator cannot receive values: TypeError in the job."""
    gate = threading.Event()

    class Items:
        def __iter__(self):
            return self

        def __next__(self):
            gate.wait(SAFETY_TIMEOUT)
            return 1

    future = submit_iteration(executor, Items)
    future.send("x")
    gate.set()
    wait_done(executor, future)
    assert isinstance(future.error, TypeError)
    assert "needs a generator" in str(future.error)


def test_a_paused_loop_rephases_on_resume(executor):
    """A loop paused between iterations runs at once on resume; no overrun is counted."""
    go = threading.Event()

    def body(ctx):
        if ctx.take_settings()[1] == "last":
            raise JobStopRequested
        go.wait(SAFETY_TIMEOUT)

    future = submit_loop(executor, body, period=0.01)
    future.pause()
    go.set()
    wait_for(executor, future, "paused", lambda f: f.paused)
    count = future.iteration_count
    future.set_settings("last")
    future.resume()
    wait_done(executor, future)
    assert future.iteration_count == count
    assert future.missed_count == 0
    assert future.end_reason == STOPPED


def test_a_paused_iteration_frees_its_worker():
    """With one worker, a paused stream lets other jobs run, then goes on where it was."""
    from traits_jobs.api import ManualEventLoop, TraitsExecutor

    executor = TraitsExecutor(event_loop=ManualEventLoop(), max_workers=1)
    try:
        reached = []
        future = submit_iteration(executor, counting, reached)
        items = []
        future.observe(lambda e: items.append(e.new), "result_event")
        wait_for(executor, future, "result_event", lambda f: len(items) >= 3)
        future.pause()
        wait_for(executor, future, "paused", lambda f: f.paused)
        others = [submit_call(executor, str, n) for n in range(5)]
        for other in others:
            wait_done(executor, other)
        assert [other.result for other in others] == ["0", "1", "2", "3", "4"]
        paused_at = len(reached)
        future.resume()
        wait_for(executor, future, "result_event", lambda f: len(items) >= paused_at + 3)
        # Nothing lost or repeated across the pause.
        assert items[: paused_at + 3] == list(range(paused_at + 3))
        future.cancel()
        wait_done(executor, future)
        assert future.state == CANCELLED
    finally:
        executor.shutdown(timeout=SAFETY_TIMEOUT)


def test_stopping_the_executor_ends_a_paused_iteration():
    """shutdown() with a stream paused off its worker: it is resumed to end, nothing hangs."""
    from traits_jobs.api import ManualEventLoop, TraitsExecutor

    executor = TraitsExecutor(event_loop=ManualEventLoop(), max_workers=1)
    closed = threading.Event()

    future = paused_stream(executor, closed)
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    assert future.state == CANCELLED
    assert closed.is_set()
    assert future.paused is False


def test_a_paused_iteration_times_out_off_its_worker(manual_executor):
    """The timeout of a parked job still ends it: it is resumed to close and fail.

    On the virtual clock: a wall-clock timeout could expire before the pause.
    """
    executor = manual_executor
    from tests._support import elapse
    from traits_jobs.api import TIMED_OUT

    closed = threading.Event()

    future = paused_stream(executor, closed, timeout=60)
    elapse(executor, 60)
    wait_done(executor, future)
    assert future.end_reason == TIMED_OUT
    wait_for(executor, future, "paused", lambda f: closed.is_set())
