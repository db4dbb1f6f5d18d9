# SPDX-License-Identifier: BSD-3-Clause
"""An event loop run by hand, for tests and headless scripts."""

import queue
import time
from collections.abc import Callable

from traits_jobs.event_loops.i_event_loop import ConditionWaiters, IEventLoop


class ManualEventLoop(IEventLoop):
    """An event loop that runs callbacks only when asked to.

    Nothing is delivered until the owner calls :meth:`run_pending` or
    :meth:`run_until`, which makes every step of a test explicit.

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
