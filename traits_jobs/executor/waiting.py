# SPDX-License-Identifier: BSD-3-Clause
"""Blocking until futures are done, from the main thread or any other.

On the main thread a wait runs the event loop, so the messages it waits for
keep arriving and observers of any future may run inside the wait. On
another thread it blocks on an event set by a done callback that the main
thread registers.
"""

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from traits_jobs.event_loops.i_event_loop import IEventLoop
    from traits_jobs.routing.router import MessageRouter

# A wait without a timeout runs the event loop in slices of this many seconds.
_WAIT_SLICE = 60.0


class Waiter:
    """How the futures of one executor wait, and which thread is theirs.

    Every future of the executor holds the same one (as its ``_wait``): one
    object per executor, not one per future.
    """

    __slots__ = ("_check", "_event_loop", "_router", "job_over", "main_ident")

    def __init__(
        self,
        event_loop: "IEventLoop",
        router: "MessageRouter",
        check: Callable[[], None],
        job_over: Callable[[int], None],
    ) -> None:
        self._event_loop = event_loop
        self._router = router
        #: Raises (and fails every future) if the event loop can no longer deliver.
        self._check = check
        #: ``job_over(job_id)``: the job sent its last message; the executor
        #: frees its claims before the future's observers learn it is done.
        self.job_over = job_over
        #: ``threading.get_ident()`` of the thread the futures live on.
        self.main_ident = threading.get_ident()

    def on_main_thread(self) -> bool:
        """True if called from the thread the futures live on."""
        return threading.get_ident() == self.main_ident

    def __call__(self, future: Any, timeout: float | None) -> bool:
        """Wait until ``future`` is done; True if it is. Any thread."""
        if threading.get_ident() != self.main_ident:
            return self._wait_off_main_thread(future, timeout)
        if future.done:
            return True
        self._check()
        deadline = None if timeout is None else time.monotonic() + timeout
        done: Callable[[], bool] = lambda: future.done  # noqa: E731
        with self._router.nested_drains():
            while not future.done:
                remaining = _WAIT_SLICE if deadline is None else deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._event_loop.run_until(done, min(remaining, _WAIT_SLICE))
        return bool(future.done)

    def all(self, futures: Sequence[Any], timeout: float | None) -> Any:
        """Wait until all of ``futures`` are done; return the first that is not, or None."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for future in futures:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not self(future, remaining):
                return future
        return None

    def call_on_main(self, fn: Callable[[], object]) -> None:
        """Call ``fn()`` on the main thread: now if this is it, else soon. Any thread."""
        if self.on_main_thread():
            fn()
            return
        try:
            self._event_loop.call_soon_threadsafe(fn)
        except RuntimeError:
            pass  # The loop is closed: nothing will change any more.

    def when_done(self, future: Any, fn: Callable[[Any], object]) -> None:
        """Call ``fn(future)`` on the main thread once ``future`` is done. Any thread."""
        if self.on_main_thread():
            future.add_done_callback(fn)
            return
        try:
            self._event_loop.call_soon_threadsafe(lambda: future.add_done_callback(fn))
        except RuntimeError:
            # The loop is closed: nothing will change any more.
            fn(future)

    def _wait_off_main_thread(self, future: Any, timeout: float | None) -> bool:
        finished = threading.Event()

        def register() -> None:
            future.add_done_callback(lambda _: finished.set())

        try:
            self._event_loop.call_soon_threadsafe(register)
        except RuntimeError:
            # The loop is closed: nothing will change any more.
            return bool(future.done)
        return finished.wait(timeout)
