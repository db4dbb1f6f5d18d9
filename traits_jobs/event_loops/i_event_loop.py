# SPDX-License-Identifier: BSD-3-Clause
"""The one seam between traits_jobs and a GUI toolkit or event loop."""

import abc
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

logger = logging.getLogger(__name__)


class TimerHandle(Protocol):
    """What :meth:`IEventLoop.call_later` returns."""

    def cancel(self) -> None:
        """Make sure the callback does not run, if it has not run yet."""


class IEventLoop(abc.ABC):
    """An event loop that can run a callback soon on its (main) thread.

    traits_jobs asks nothing else of a toolkit: messages from workers are
    queued by the executor, and the loop is woken with
    :meth:`call_soon_threadsafe` to drain them.
    """

    @abc.abstractmethod
    def call_soon_threadsafe(self, callback: Callable[[], object]) -> None:
        """Arrange for ``callback()`` to run soon on the loop's thread.

        Thread-safe. Callbacks run in the order they were posted. An exception
        from a callback is logged and does not stop the loop.
        """

    @abc.abstractmethod
    def run_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Run the loop until ``condition()`` is true or ``timeout`` expires.

        Main thread only. ``condition`` is checked at once and again after
        every callback that this loop runs through
        :meth:`call_soon_threadsafe`; code that changes what the condition
        reads from elsewhere should post a callback (even one that does
        nothing) to have it checked.

        Parameters
        ----------
        condition : callable
            Called with no arguments, on the main thread.
        timeout : float
            Seconds to wait at most.

        Returns
        -------
        bool
            The value of ``condition()`` when the run ended.

        Raises
        ------
        RuntimeError
            If the loop cannot be run from here (an asyncio loop that is
            already running, or a loop that was closed).
        """

    def call_later(self, delay: float, callback: Callable[[], object]) -> TimerHandle:
        """Run ``callback()`` on the loop's thread after ``delay`` seconds.

        Main thread only. Timeouts and settle times of jobs use it. The
        default runs a ``threading.Timer`` that posts the callback with
        :meth:`call_soon_threadsafe`; loops override it with their own timers.
        """
        timer = _ThreadTimer(delay, callback, self)
        timer.start()
        return timer

    def time(self) -> float:
        """The loop's clock in seconds; :meth:`call_later` delays are measured on it.

        The default is :func:`time.monotonic`.
        """
        return time.monotonic()

    def check_alive(self) -> None:
        """Raise ``ExecutorStateError`` if the loop can no longer deliver. Thread-safe.

        A Qt loop whose QApplication was destroyed cannot reach the main
        thread any more. The default never raises.
        """

    def start(self) -> None:
        """Prepare the loop for use from any thread. Main thread only.

        Called by the executor when it is created, so that toolkit objects are
        made on the main thread. Idempotent. The default does nothing.
        """

    def close(self) -> None:
        """Release what the loop owns. Main thread only. Idempotent.

        The default does nothing.
        """


class _ThreadTimer:
    """The default timer: a thread that posts the callback when it is due.

    An infinite delay never fires; a delay longer than the platform's lock
    timeout waits in several steps.
    """

    def __init__(self, delay: float, callback: Callable[[], object], loop: IEventLoop) -> None:
        self._callback = callback
        self._cancelled = False
        self._loop = loop
        self._due = time.monotonic() + delay
        self._timer = threading.Timer(min(delay, threading.TIMEOUT_MAX), self._post)
        self._timer.daemon = True

    def start(self) -> None:
        if self._due != math.inf:
            self._timer.start()

    def cancel(self) -> None:
        self._cancelled = True
        self._timer.cancel()

    def _post(self) -> None:
        remaining = self._due - time.monotonic()
        if remaining > 0 and not self._cancelled:
            self._timer = threading.Timer(min(remaining, threading.TIMEOUT_MAX), self._post)
            self._timer.daemon = True
            self._timer.start()
            return
        try:
            self._loop.call_soon_threadsafe(self._run)
        except RuntimeError:
            logger.debug("Timer fired after its event loop closed")

    def _run(self) -> None:
        if not self._cancelled:
            self._callback()


class ConditionWaiters:
    """Conditions of the :meth:`IEventLoop.run_until` calls in progress.

    Each entry pairs a condition with a function that stops its run. Loops
    call :meth:`run_callback` for every callback, so the conditions are
    checked after each one.
    """

    def __init__(self) -> None:
        self._entries: list[tuple[Callable[[], bool], Callable[[], object]]] = []

    def add(self, condition: Callable[[], bool], stop: Callable[[], object]) -> None:
        """Register a run. Main thread only."""
        self._entries.append((condition, stop))

    def remove(self, condition: Callable[[], bool]) -> None:
        """Forget a run. Main thread only."""
        self._entries = [entry for entry in self._entries if entry[0] is not condition]

    def run_callback(self, callback: Callable[[], object]) -> None:
        """Run ``callback``, log what it raises, then check the conditions."""
        try:
            callback()
        except Exception:
            logger.exception("Exception in event-loop callback %r", callback)
        for condition, stop in list(self._entries):
            if condition():
                stop()
