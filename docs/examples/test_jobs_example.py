# SPDX-License-Identifier: BSD-3-Clause
"""Tests in the style of the "Testing GUI code" guide, runnable with pytest.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import itertools
import threading
import unittest

import pytest

from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    FAILED,
    WAITING,
    AsyncioEventLoop,
    ManualEventLoop,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT, TestAssistant, exercise_event_loop, run_until


def test_square_is_delivered(asyncio_executor):
    future = submit_call(asyncio_executor, pow, 7, 2)

    run_until(asyncio_executor.event_loop, future, "done", lambda f: f.done)

    assert future.state == COMPLETED
    assert future.result == 49


@pytest.fixture(params=["qt_executor", "asyncio_executor"])
def executor(request):
    """Each test that takes ``executor`` runs once on Qt and once on asyncio."""
    return request.getfixturevalue(request.param)


def test_items_arrive_in_order(executor):
    future = submit_iteration(executor, iter, range(5))
    items = []
    future.observe(lambda event: items.append(event.new), "result_event")

    run_until(executor.event_loop, future, "done", lambda f: f.done)

    assert items == [0, 1, 2, 3, 4]


def test_cancel_while_running_drops_the_result(executor):
    started = threading.Event()
    release = threading.Event()

    def held_job():
        started.set()
        assert release.wait(SAFETY_TIMEOUT)
        return "too late"

    future = submit_call(executor, held_job)
    assert started.wait(SAFETY_TIMEOUT)
    run_until(executor.event_loop, future, "state", lambda f: f.state == "executing")

    assert future.cancel()
    release.set()
    run_until(executor.event_loop, future, "done", lambda f: f.done)

    assert future.state == CANCELLED


def test_no_items_after_cancel(asyncio_executor):
    loop = asyncio_executor.event_loop
    items = []
    future = submit_iteration(asyncio_executor, itertools.count)
    future.observe(lambda event: items.append(event.new), "result_event")
    run_until(loop, future, "result_event", lambda f: len(items) > 0)

    future.cancel()
    seen = len(items)
    run_until(loop, future, "done", lambda f: f.done)
    exercise_event_loop(loop)

    assert future.state == CANCELLED
    assert len(items) == seen


def test_a_failing_observer_is_reported(asyncio_executor, traits_jobs_errors):
    def broken_observer(event):
        raise RuntimeError("observer bug")

    future = submit_call(asyncio_executor, int, "12")
    future.observe(broken_observer, "done")
    run_until(asyncio_executor.event_loop, future, "done", lambda f: f.done)

    [record] = traits_jobs_errors.take()
    assert isinstance(record.exc_info[1], RuntimeError)


def test_a_failing_job_fails_its_future(asyncio_executor):
    future = submit_call(asyncio_executor, int, "twelve")

    run_until(asyncio_executor.event_loop, future, "done", lambda f: f.done)

    assert future.state == FAILED
    assert isinstance(future.error, ValueError)


class TestSquare(TestAssistant, unittest.TestCase):
    event_loop_factory = AsyncioEventLoop

    def setUp(self):
        super().setUp()
        self.executor = TraitsExecutor(event_loop=self.event_loop)

    def tearDown(self):
        self.executor.shutdown(timeout=SAFETY_TIMEOUT)
        super().tearDown()

    def test_square(self):
        future = submit_call(self.executor, pow, 3, 2)

        self.run_until(future, "done", lambda f: f.done)

        self.assertEqual(future.result, 9)


def test_nothing_changes_until_the_loop_runs():
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    future = submit_call(executor, pow, 2, 10)

    assert future.state == WAITING
    assert loop.run_until(lambda: future.done, timeout=SAFETY_TIMEOUT)
    assert future.result == 1024
    executor.shutdown(timeout=SAFETY_TIMEOUT)
