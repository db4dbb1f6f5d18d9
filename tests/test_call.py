# SPDX-License-Identifier: BSD-3-Clause
"""Contract tests of call jobs, on the Qt and the asyncio event loop."""

import threading

import pytest

from tests._support import Recorder, blocked_workers, wait_done, wait_event
from traits_jobs.api import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXECUTING,
    FAILED,
    WAITING,
    CallFuture,
    submit_call,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def test_result_of_a_successful_call(executor):
    """A call's return value becomes the future's result."""
    future = submit_call(executor, pow, 3, 4)
    wait_done(executor, future)
    assert future.state == COMPLETED
    assert future.result == 81


def test_keyword_arguments_reach_the_function(executor):
    """Positional and keyword arguments are passed through."""
    future = submit_call(executor, int, "ff", base=16)
    wait_done(executor, future)
    assert future.result == 255


def test_state_cancellable_done_fire_in_order_on_success(executor):
    """state, then cancellable, then done fire once each, on the main thread."""
    future = submit_call(executor, abs, -1)
    recorder = Recorder(future)
    wait_done(executor, future)
    assert recorder.changes == [
        ("state", EXECUTING),
        ("state", COMPLETED),
        ("cancellable", False),
        ("done", True),
    ]
    assert recorder.threads == {threading.main_thread()}


def test_failure_keeps_triple_and_exception_object(executor):
    """A failed call keeps the traits-futures triple and the exception itself."""

    def fail():
        raise KeyError("missing")

    future = submit_call(executor, fail)
    wait_done(executor, future)
    assert future.state == FAILED
    type_name, message, formatted = future.exception
    assert type_name == "KeyError"
    assert message == "'missing'"
    assert "in fail" in formatted and formatted.rstrip().endswith("KeyError: 'missing'")
    assert isinstance(future.error, KeyError)
    assert future.error.__traceback__ is not None


def test_failure_states(executor):
    """A failure goes WAITING, EXECUTING, FAILED."""
    future = submit_call(executor, int, "x")
    recorder = Recorder(future)
    wait_done(executor, future)
    assert recorder.values("state") == [EXECUTING, FAILED]


def test_result_unavailable_unless_completed(executor):
    """Reading result from a failed future raises AttributeError naming the state."""
    future = submit_call(executor, int, "x")
    wait_done(executor, future)
    with pytest.raises(AttributeError, match="failed"):
        future.result


def test_exception_unavailable_unless_failed(executor):
    """Reading exception or error from a completed future raises AttributeError."""
    future = submit_call(executor, int, "1")
    wait_done(executor, future)
    with pytest.raises(AttributeError, match="completed"):
        future.exception
    with pytest.raises(AttributeError, match="completed"):
        future.error


def test_cancel_before_start_leaves_pool_queue_at_once(executor):
    """A queued job cancelled is CANCELLED at once and never runs."""
    ran = threading.Event()
    with blocked_workers(executor):
        future = submit_call(executor, ran.set)
        recorder = Recorder(future)
        assert future.state == WAITING
        assert future.cancel() is True
        assert future.state == CANCELLED
        assert recorder.values("state") == [CANCELLING, CANCELLED]
        assert recorder.values("done") == [True]
    # The blockers have ended, so the pool has passed the cancelled job.
    marker = submit_call(executor, int, "7")
    wait_done(executor, marker)
    assert not ran.is_set()


def test_cancel_while_running(executor):
    """A call cancelled while running ends CANCELLED; its result is dropped."""
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(SAFETY_TIMEOUT)
        return "late"

    future = submit_call(executor, slow)
    recorder = Recorder(future)
    wait_event(started)
    assert future.cancel() is True
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED
    with pytest.raises(AttributeError):
        future.result
    # STARTED may be delivered before or after cancel(); either way the
    # future passes through CANCELLING to CANCELLED and nothing else.
    assert recorder.values("state")[-2:] == [CANCELLING, CANCELLED]
    assert COMPLETED not in recorder.values("state")


def test_cancel_while_running_a_failing_call(executor):
    """A call that raises after cancel() ends CANCELLED, not FAILED."""
    started, release = threading.Event(), threading.Event()

    def slow_failure():
        started.set()
        release.wait(SAFETY_TIMEOUT)
        raise RuntimeError("after cancel")

    future = submit_call(executor, slow_failure)
    wait_event(started)
    future.cancel()
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED


def test_cancel_twice(executor):
    """The second cancel() has no effect and returns False."""
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(SAFETY_TIMEOUT)

    future = submit_call(executor, slow)
    wait_event(started)
    assert future.cancel() is True
    assert future.cancel() is False
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED


def test_cancel_after_completion(executor):
    """cancel() on a completed future returns False and changes nothing."""
    future = submit_call(executor, abs, -2)
    wait_done(executor, future)
    assert future.cancel() is False
    assert future.state == COMPLETED
    assert future.result == 2


def test_cancel_after_failure(executor):
    """cancel() on a failed future returns False and changes nothing."""
    future = submit_call(executor, int, "x")
    wait_done(executor, future)
    assert future.cancel() is False
    assert future.state == FAILED


def test_cancel_when_job_finished_but_not_yet_delivered(executor):
    """A cancel after the job returned but before delivery still ends CANCELLED."""
    finished = threading.Event()

    def quick():
        finished.set()
        return 1

    future = submit_call(executor, quick)
    wait_event(finished)
    assert future.cancel() is True
    wait_done(executor, future)
    assert future.state == CANCELLED


def test_bare_future_cancel_does_not_raise():
    """A future made without an executor can be cancelled without error."""
    future = CallFuture()
    assert future.cancel() is True
    assert future.state == CANCELLING


def test_non_callable_is_rejected_at_submit(executor):
    """submit_call with a non-callable raises TypeError naming what arrived."""
    with pytest.raises(TypeError, match=r"expected a callable .* got int: 5"):
        submit_call(executor, 5)


def test_repr_shows_state_and_outcome(executor):
    """A future's repr names its state and its result or error."""
    future = submit_call(executor, pow, 2, 3)
    wait_done(executor, future)
    assert repr(future) == "<CallFuture completed result=8>"
    failed = submit_call(executor, int, "x")
    wait_done(executor, failed)
    assert repr(failed).startswith("<CallFuture failed ValueError: invalid literal")
