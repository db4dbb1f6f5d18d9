# SPDX-License-Identifier: BSD-3-Clause
"""Delivery on the Qt event loop.

Qt comes from :mod:`traits_jobs._qt`, the one module that imports it.
"""

import collections
import logging
import math
import threading
from collections.abc import Callable

from traits_jobs._qt import QtCore, is_alive
from traits_jobs.event_loops.i_event_loop import ConditionWaiters, IEventLoop
from traits_jobs.states.exceptions import ExecutorStateError

logger = logging.getLogger(__name__)

_event_type: int | None = None


def _wake_event_type() -> QtCore.QEvent.Type:
    """The Qt event type of a wake-up, registered with Qt once per process."""
    global _event_type
    if _event_type is None:
        _event_type = QtCore.QEvent.registerEventType()
    return QtCore.QEvent.Type(_event_type)


class _Waker(QtCore.QObject):
    """Main-thread object that runs posted callbacks, one per posted event."""

    def __init__(self, waiters: ConditionWaiters) -> None:
        super().__init__(QtCore.QCoreApplication.instance())
        self._callbacks: collections.deque[Callable[[], object]] = collections.deque()
        self._waiters = waiters
        self._type = _wake_event_type()

    def post(self, callback: Callable[[], object]) -> None:
        # postEvent is thread-safe; QEvent is not a QObject, so making one on
        # a worker thread is allowed.
        self._callbacks.append(callback)
        QtCore.QCoreApplication.postEvent(self, QtCore.QEvent(self._type))

    def event(self, event: QtCore.QEvent) -> bool:
        if event.type() == self._type:
            self._waiters.run_callback(self._callbacks.popleft())
            return True
        return super().event(event)


#: Longest interval a QTimer takes, in ms (a signed 32-bit int: ~24.8 days).
_QT_MAX_INTERVAL_MS = 2**31 - 1


class _QtTimer:
    """A single-shot QTimer, kept in its loop's set until it fires or is cancelled.

    A delay longer than a QTimer can take is waited for in several runs of
    the timer; an infinite one never fires.
    """

    def __init__(
        self,
        delay: float,
        callback: Callable[[], object],
        waiters: ConditionWaiters,
        live: "set[_QtTimer]",
    ):
        self._callback = callback
        self._waiters = waiters
        self._live = live
        self._remaining_ms = max(0.0, delay * 1000)
        self._timer = QtCore.QTimer()
        self._timer.setSingleShot(True)
        self._timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._fire)
        live.add(self)
        self._arm()

    def _arm(self) -> None:
        if self._remaining_ms == math.inf:
            return
        interval = min(_QT_MAX_INTERVAL_MS, round(self._remaining_ms))
        self._remaining_ms -= interval
        self._timer.start(interval)

    def cancel(self) -> None:
        """Stop the timer if it has not fired. Main thread only."""
        if is_alive(self._timer):
            self._timer.stop()
        self._live.discard(self)

    def _fire(self) -> None:
        if self._remaining_ms >= 1:
            self._arm()
            return
        self._live.discard(self)
        self._waiters.run_callback(self._callback)


class QtEventLoop(IEventLoop):
    """Deliver messages on the Qt (main thread) event loop.

    Create it on the main thread. A ``QApplication`` (or
    ``QCoreApplication``) must exist before the first job reports anything.
    """

    def __init__(self) -> None:
        self._waiters = ConditionWaiters()
        self._waker: _Waker | None = None
        self._timers: set[_QtTimer] = set()
        self._closed = False

    def start(self) -> None:
        """Create the main-thread Qt object that receives wake-ups. Main thread only."""
        if self._waker is None:
            if threading.current_thread() is not threading.main_thread():
                msg = (
                    "QtEventLoop must be started on the main thread, not on "
                    f"{threading.current_thread().name!r}: Qt objects may not be "
                    "created on worker threads."
                )
                raise RuntimeError(msg)
            self._waker = _Waker(self._waiters)

    def call_soon_threadsafe(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` soon on the Qt main thread. Thread-safe.

        Raises
        ------
        ExecutorStateError
            If the QApplication this loop delivered to was destroyed.
        RuntimeError
            If the loop was never started or was closed.
        """
        waker = self._waker
        if waker is None or self._closed:
            state = "closed" if self._closed else "not started"
            msg = f"QtEventLoop is {state}; call start() on the main thread first."
            raise RuntimeError(msg)
        self.check_alive()
        waker.post(callback)

    def check_alive(self) -> None:
        """Raise if the QApplication this loop delivered to was destroyed. Thread-safe.

        Raises
        ------
        ExecutorStateError
            If Qt deleted the loop's object along with its QApplication.
        """
        waker = self._waker
        if waker is not None and not self._closed and not is_alive(waker):
            msg = (
                "The QApplication that this QtEventLoop delivered to was destroyed, so "
                "nothing can reach the main thread any more. An executor must not outlive "
                "its QApplication: shut it down before the application goes, and make a "
                "new executor for a new QApplication."
            )
            raise ExecutorStateError(msg)

    def call_later(self, delay: float, callback: Callable[[], object]) -> "_QtTimer":
        """Run ``callback`` on the main thread after ``delay`` seconds. Main thread only."""
        self.start()
        return _QtTimer(delay, callback, self._waiters, self._timers)

    def run_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Run a nested Qt event loop until ``condition()`` holds. Main thread only.

        See :meth:`IEventLoop.run_until`.
        """
        self.start()
        if condition():
            return True
        self.check_alive()
        if QtCore.QCoreApplication.instance() is None:
            msg = "run_until() needs a QApplication; none exists."
            raise RuntimeError(msg)
        loop = QtCore.QEventLoop()
        timer = QtCore.QTimer()
        timer.setSingleShot(True)
        timer.timeout.connect(loop.quit)
        self._waiters.add(condition, loop.quit)
        timer.start(max(0, round(timeout * 1000)))
        try:
            loop.exec()
        finally:
            timer.stop()
            self._waiters.remove(condition)
        return condition()

    def close(self) -> None:
        """Stop accepting callbacks and delete the Qt object. Main thread only."""
        if not self._closed:
            self._closed = True
            for timer in list(self._timers):
                timer.cancel()
            if self._waker is not None and is_alive(self._waker):
                self._waker.deleteLater()
            logger.debug("QtEventLoop closed")
