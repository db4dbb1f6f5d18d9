# SPDX-License-Identifier: BSD-3-Clause
"""Delivery on an asyncio event loop, for headless applications and tests."""

import asyncio
from collections.abc import Callable

from traits_jobs.event_loops.i_event_loop import ConditionWaiters, IEventLoop


class AsyncioEventLoop(IEventLoop):
    """Deliver messages on an asyncio event loop.

    Parameters
    ----------
    event_loop : asyncio.AbstractEventLoop, optional
        The loop to deliver on. Without one, a new loop is created; it is
        owned by this object and closed by :meth:`close`.
    """

    def __init__(self, *, event_loop: asyncio.AbstractEventLoop | None = None):
        if event_loop is not None and not isinstance(event_loop, asyncio.AbstractEventLoop):
            msg = (
                "event_loop must be an asyncio.AbstractEventLoop, "
                f"not {type(event_loop).__name__}: {event_loop!r}"
            )
            raise TypeError(msg)
        self._owned = event_loop is None
        self._loop = asyncio.new_event_loop() if event_loop is None else event_loop
        self._waiters = ConditionWaiters()

    @property
    def event_loop(self) -> asyncio.AbstractEventLoop:
        """The asyncio loop messages are delivered on."""
        return self._loop

    def call_soon_threadsafe(self, callback: Callable[[], object]) -> None:
        """Run ``callback`` soon on the asyncio loop. Thread-safe.

        Raises
        ------
        RuntimeError
            If the asyncio loop is closed.
        """
        self._loop.call_soon_threadsafe(self._waiters.run_callback, callback)

    def call_later(self, delay: float, callback: Callable[[], object]) -> asyncio.TimerHandle:
        """Run ``callback`` on the asyncio loop after ``delay`` seconds. Loop thread only."""
        return self._loop.call_later(delay, self._waiters.run_callback, callback)

    def time(self) -> float:
        """The asyncio loop's clock."""
        return self._loop.time()

    def run_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Run the asyncio loop until ``condition()`` holds. Main thread only.

        See :meth:`IEventLoop.run_until`. The loop must not be running
        already: inside a coroutine, ``await`` instead.
        """
        if condition():
            return True
        loop = self._loop
        if loop.is_running():
            msg = (
                "run_until() cannot run the asyncio loop: it is already running "
                "(this call was made from inside it). Await the job from a "
                "coroutine instead."
            )
            raise RuntimeError(msg)
        finished = loop.create_future()

        def stop() -> None:
            if not finished.done():
                finished.set_result(None)

        self._waiters.add(condition, stop)
        handle = loop.call_later(timeout, stop)
        try:
            loop.run_until_complete(finished)
        finally:
            handle.cancel()
            self._waiters.remove(condition)
        return condition()

    def close(self) -> None:
        """Close the asyncio loop if this object created it. Main thread only."""
        if self._owned and not self._loop.is_closed():
            self._loop.close()
