# SPDX-License-Identifier: BSD-3-Clause
"""The public testing tools: run_until, exercise_event_loop, TestAssistant."""

import threading
import unittest

import pytest
from traits.api import HasStrictTraits, Int

from traits_jobs.api import ManualEventLoop, TraitsExecutor, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT, TestAssistant, exercise_event_loop, run_until


class Counter(HasStrictTraits):
    value = Int()


def test_run_until_sees_changes_made_by_callbacks():
    """run_until returns once a callback makes the condition true."""
    loop = ManualEventLoop()
    counter = Counter()
    for _ in range(3):
        loop.call_soon_threadsafe(lambda: setattr(counter, "value", counter.value + 1))
    run_until(loop, counter, "value", lambda c: c.value == 3)
    assert counter.value == 3


def test_run_until_fails_after_timeout():
    """run_until raises AssertionError naming the trait when time runs out."""
    with pytest.raises(AssertionError, match="'value'"):
        run_until(ManualEventLoop(), Counter(), "value", lambda c: c.value == 1, timeout=0.01)


def test_run_until_fails_when_the_trait_changes_but_the_condition_stays_false():
    """A trait change alone does not satisfy run_until."""
    loop = ManualEventLoop()
    counter = Counter()
    loop.call_soon_threadsafe(lambda: setattr(counter, "value", 5))
    with pytest.raises(AssertionError):
        run_until(loop, counter, "value", lambda c: c.value == 6, timeout=0.05)


def test_exercise_event_loop_runs_everything_posted_before():
    """exercise_event_loop runs the callbacks that were already posted."""
    loop = ManualEventLoop()
    ran = []
    thread = threading.Thread(
        target=lambda: [loop.call_soon_threadsafe(lambda: ran.append(1)) for _ in range(5)]
    )
    thread.start()
    thread.join(10)
    exercise_event_loop(loop)
    assert ran == [1] * 5


class TestAssistantOnAsyncio(TestAssistant, unittest.TestCase):
    """The unittest mixin with its default event loop."""

    def test_submit_and_wait(self):
        """A job submitted on the mixin's loop completes under run_until."""
        executor = TraitsExecutor(event_loop=self.event_loop)
        future = submit_call(executor, pow, 3, 3)
        self.run_until(future, "done", lambda f: f.done)
        self.assertEqual(future.result, 27)
        executor.shutdown(timeout=10)

    def test_event_loop_has_its_traits_futures_name(self):
        """Tests written for traits-futures find the loop as ``_event_loop``."""
        self.assertIs(self._event_loop, self.event_loop)

    def test_exercise_event_loop(self):
        """exercise_event_loop returns after running posted callbacks."""
        ran = []
        self.event_loop.call_soon_threadsafe(lambda: ran.append(True))
        self.exercise_event_loop()
        self.assertEqual(ran, [True])


class TestAssistantOnQt(TestAssistant, unittest.TestCase):
    """The unittest mixin with the Qt event loop."""

    @staticmethod
    def event_loop_factory():
        from pyface.qt import QtWidgets

        from traits_jobs.api import QtEventLoop

        if QtWidgets.QApplication.instance() is None:
            TestAssistantOnQt.app = QtWidgets.QApplication([])
        return QtEventLoop()

    def test_submit_and_wait(self):
        """A job completes on the Qt loop under run_until."""
        executor = TraitsExecutor(event_loop=self.event_loop)
        future = submit_call(executor, pow, 2, 8)
        self.run_until(future, "done", lambda f: f.done)
        self.assertEqual(future.result, 256)
        executor.shutdown(timeout=10)


def test_fixture_checks_no_worker_is_left(pytester):
    """The plugin's executor fixture passes a test that ends its jobs."""
    pytester.makeconftest("import os\nos.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n")
    pytester.makepyfile(
        """
        from traits_jobs.api import submit_call
        from traits_jobs.testing import run_until

        def test_job(asyncio_executor):
            future = submit_call(asyncio_executor, abs, -1)
            run_until(asyncio_executor.event_loop, future, "done", lambda f: f.done)
            assert future.result == 1

        def test_observer_error_fails_the_test(asyncio_executor):
            future = submit_call(asyncio_executor, abs, -1)
            future.observe(lambda event: 1 / 0, "done")
            run_until(asyncio_executor.event_loop, future, "done", lambda f: f.done)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*error(s) logged by traits_jobs*ZeroDivisionError*"])


def test_manual_executor_delivers_only_when_the_test_runs_its_loop(manual_executor):
    """manual_executor's loop is a ManualEventLoop: nothing arrives until the test runs it."""
    loop = manual_executor.event_loop
    assert isinstance(loop, ManualEventLoop)
    future = submit_call(manual_executor, pow, 2, 5)
    assert future.state == "waiting"
    run_until(loop, future, "done", lambda f: f.done)
    assert future.result == 32


def test_manual_executor_runs_timeouts_on_the_virtual_clock(manual_executor):
    """A timeout expires when the test advances the clock, not before."""
    loop = manual_executor.event_loop
    release = threading.Event()
    future = submit_call(manual_executor, release.wait, SAFETY_TIMEOUT, timeout=60.0)
    run_until(loop, future, "state", lambda f: f.state == "executing")
    loop.advance(59.0)
    assert future.state == "executing"
    loop.advance(1.0)
    assert future.end_reason == "timed out"
    release.set()
    run_until(loop, manual_executor, "jobs", lambda e: not e.jobs)
