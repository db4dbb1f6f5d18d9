# SPDX-License-Identifier: BSD-3-Clause
"""An event loop run by hand, for tests and headless scripts."""

import heapq
import itertools
import math
import queue
import time
from collections.abc import Callable

from traits_jobs.event_loops.i_event_loop import ConditionWaiters, IEventLoop


class ManualEventLoop(IEventLoop):
    """An event loop that runs callbacks only when asked to.

    Nothing is delivered until the owner calls :meth:`run_pending` or
    :meth:`run_until`, which makes every step of a test explicit. Its clock
    is virtual: it starts at 0 and moves only with :meth:`advance`, which
    runs the :meth:`call_later` timers that come due, so a test of a
    timeout takes no time and cannot be flaky.

    Examples
    --------
    >>> loop = ManualEventLoop()
    >>> executor = TraitsExecutor(event_loop=loop)          # doctest: +SKIP
    >>> future = submit_call(executor, pow, 2, 10)           # doctest: +SKIP
    >>> loop.run_until(lambda: future.done, timeout=5.0)    # doctest: +SKIP
    True
    """

    def __init__(self) -> None:
        self._callbacks: queue.SimpleQueue[Callable[[], object]] = queue.SimpleQueue()
        self._waiters = ConditionWaiters()
        self._now = 0.0
        self._timers: list[tuple[float, int, _ManualTimer]] = []
        self._order = itertools.count()
        #: How many timers in the heap were cancelled; past half, the heap is rebuilt.
        self._cancelled = 0

    def call_later(self, delay: float, callback: Callable[[], object]) -> "_ManualTimer":
        """Run ``callback`` once :meth:`advance` has moved the clock ``delay`` on.

        Main thread only. Cancelling the timer releases ``callback`` at once.
        """
        timer = _ManualTimer(callback, self._timer_cancelled)
        heapq.heappush(self._timers, (self._now + delay, next(self._order), timer))
        return timer

    def _timer_cancelled(self) -> None:
        self._cancelled += 1
        if self._cancelled * 2 > len(self._timers):
            # Drop cancelled timers, so that a loop whose clock never moves
            # does not accumulate them.
            self._timers = [entry for entry in self._timers if entry[2].callback is not None]
            heapq.heapify(self._timers)
            self._cancelled = 0

    def time(self) -> float:
        """The virtual clock, in seconds."""
        return self._now

    def advance(self, seconds: float) -> int:
        """Move the clock on and run the timers that come due, in order. Main thread only.

        Returns
        -------
        int
            How many timers ran.

        Raises
        ------
        ValueError
            If ``seconds`` is negative, infinite or not a number.
        """
        if not (isinstance(seconds, int | float) and 0 <= seconds < math.inf):
            msg = f"advance() takes a finite, non-negative number of seconds, not {seconds!r}"
            raise ValueError(msg)
        end = self._now + seconds
        ran = 0
        while self._timers and self._timers[0][0] <= end:
            due, _, timer = heapq.heappop(self._timers)
            self._now = max(self._now, due)
            callback = timer.fire()
            if callback is None:
                self._cancelled = max(0, self._cancelled - 1)
            else:
                ran += 1
                self._waiters.run_callback(callback)
        # A timer may have advanced the clock further itself: it never goes back.
        self._now = max(self._now, end)
        return ran

    def call_soon_threadsafe(self, callback: Callable[[], object]) -> None:
        """Queue ``callback`` for the next :meth:`run_pending`. Thread-safe."""
        self._callbacks.put(callback)

    def run_pending(self) -> int:
        """Run the callbacks queued so far, not those they queue. Main thread only.

        Returns
        -------
        int
            How many callbacks ran.
        """
        count = self._callbacks.qsize()
        for _ in range(count):
            self._waiters.run_callback(self._callbacks.get_nowait())
        return count

    def run_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Run callbacks as they arrive until ``condition()`` holds. Main thread only.

        See :meth:`IEventLoop.run_until`.
        """
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            try:
                callback = self._callbacks.get(timeout=remaining)
            except queue.Empty:
                return condition()
            self._waiters.run_callback(callback)
        return True


class _ManualTimer:
    """A timer of a :class:`ManualEventLoop`."""

    __slots__ = ("_on_cancel", "callback")

    def __init__(self, callback: Callable[[], object], on_cancel: Callable[[], None]) -> None:
        self.callback: Callable[[], object] | None = callback
        self._on_cancel: Callable[[], None] | None = on_cancel

    def cancel(self) -> None:
        """Make sure the callback does not run, and release it. Idempotent."""
        if self.callback is None:
            return
        self.callback = None
        on_cancel, self._on_cancel = self._on_cancel, None
        if on_cancel is not None:
            on_cancel()

    def fire(self) -> Callable[[], object] | None:
        """Take the callback to run now; None if the timer was cancelled."""
        callback, self.callback = self.callback, None
        self._on_cancel = None
        return callback
