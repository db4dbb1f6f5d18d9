# SPDX-License-Identifier: BSD-3-Clause
"""Combined futures: all_of / ``&`` and any_of / ``|``."""

import threading

import pytest

from tests._support import Recorder, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    WAITING,
    CombinedFuture,
    JobCancelledError,
    all_of,
    any_of,
    submit_call,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def held(started, release, value):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return value


def failing(message):
    raise ValueError(message)


def test_all_of_completes_with_every_result_in_order(executor):
    """``a & b`` completes when both do; result is the tuple of results."""
    both = submit_call(executor, pow, 2, 3) & submit_call(executor, pow, 3, 2)
    assert isinstance(both, CombinedFuture)
    recorder = Recorder(both)
    wait_done(executor, both)
    assert both.state == COMPLETED
    assert both.result == (8, 9)
    assert recorder.values("state")[-1] == COMPLETED
    assert both.end_reason == COMPLETED


def test_all_of_fails_at_once_with_the_childs_own_exception(executor):
    """One failure fails the whole at once, with that very exception object."""
    started, release = threading.Event(), threading.Event()
    slow = submit_call(executor, held, started, release, "slow")
    bad = submit_call(executor, failing, "bad move")
    combined = all_of(slow, bad)
    wait_done(executor, combined)
    assert combined.state == FAILED
    assert combined.error is bad.error
    assert not slow.done, "all_of fails without waiting for the other jobs"
    release.set()
    wait_done(executor, slow)


def test_any_of_completes_with_the_first_result(executor):
    """``a | b`` completes with the first job to complete."""
    started, release = threading.Event(), threading.Event()
    slow = submit_call(executor, held, started, release, "slow")
    fast = submit_call(executor, pow, 2, 4)
    first = slow | fast
    wait_done(executor, first)
    assert first.result == 16
    assert slow.state == EXECUTING
    release.set()
    wait_done(executor, slow)


def test_any_of_fails_only_when_all_failed(executor):
    """Every child failing fails the whole, with an ExceptionGroup of their errors."""
    combined = any_of(submit_call(executor, failing, "a"), submit_call(executor, failing, "b"))
    wait_done(executor, combined)
    assert combined.state == FAILED
    assert isinstance(combined.error, ExceptionGroup)
    assert sorted(str(e) for e in combined.error.exceptions) == ["a", "b"]


def test_combined_futures_nest(executor):
    """(a & b) | c is a future like any other."""
    a, b, c = (submit_call(executor, pow, 2, n) for n in (1, 2, 3))
    nested = (a & b) | c
    wait_done(executor, nested)
    assert nested.result in ((2, 4), 8)


def test_cancelling_a_combined_future_cancels_its_children(executor):
    """cancel() reaches every child; the whole ends CANCELLED when they have ended."""
    started, release = threading.Event(), threading.Event()
    running = submit_call(executor, held, started, release, "x")
    wait_event(started)
    combined = all_of(running, submit_call(executor, pow, 2, 2))
    wait_done(executor, combined.children[1])
    assert combined.cancel() is True
    release.set()
    wait_done(executor, combined)
    assert combined.state == CANCELLED
    assert running.state == CANCELLED
    with pytest.raises(JobCancelledError):
        combined.wait(timeout=SAFETY_TIMEOUT)


def test_all_of_with_a_cancelled_child_fails_naming_it(executor):
    """A child cancelled by someone else makes all_of fail with JobCancelledError."""
    started, release = threading.Event(), threading.Event()
    child = submit_call(executor, held, started, release, "x")
    combined = all_of(child)
    assert combined.state == WAITING
    wait_event(started)
    child.cancel()
    release.set()
    wait_done(executor, combined)
    assert combined.state == FAILED
    assert isinstance(combined.error, JobCancelledError)


def test_wait_on_a_combined_future(executor):
    """wait() works on combinations as on single futures."""
    both = submit_call(executor, pow, 2, 3) & submit_call(executor, pow, 2, 4)
    assert both.wait(timeout=SAFETY_TIMEOUT) == (8, 16)


def test_combining_checks_its_arguments():
    """Only futures can be combined; any_of needs at least one."""
    with pytest.raises(TypeError, match="all_of\\(\\) expected futures, got int"):
        all_of(3)
    with pytest.raises(TypeError, match="at least one"):
        any_of()


def test_all_of_nothing_completes_at_once():
    """all_of() of no futures is complete, with an empty tuple."""
    assert all_of().result == ()


def test_combining_a_running_job_is_executing_at_once(executor):
    """A combination of a job already executing is itself EXECUTING from the start."""
    started, release = threading.Event(), threading.Event()
    running = submit_call(executor, held, started, release, "r")
    wait_event(started)
    wait_for(executor, running, "state", lambda f: f.state == EXECUTING)
    combined = running & submit_call(executor, pow, 2, 2)
    assert combined.state == EXECUTING
    release.set()
    wait_done(executor, combined)
    assert combined.result == ("r", 4)
