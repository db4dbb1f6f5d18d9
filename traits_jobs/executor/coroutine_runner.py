# SPDX-License-Identifier: BSD-3-Clause
"""The asyncio loop on which an executor runs its coroutine jobs.

One loop per executor, on a thread of its own, started by the first
coroutine job and closed when the executor stops. Coroutine jobs are queued
on it as thread-pool jobs are queued on the pool: each queued job is one
entry of a dict, so a job withdrawn before the loop gets to it never runs.
"""

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any

logger = logging.getLogger(__name__)


class CoroutineRunner:
    """An asyncio event loop running forever on a daemon thread.

    Parameters
    ----------
    name : str
        The name of its thread.
    """

    def __init__(self, name: str = "traits_jobs-asyncio") -> None:
        self._queued: dict[Hashable, Callable[[], Any]] = {}
        self._lock = threading.Lock()
        self._closed = False
        self.loop = asyncio.new_event_loop()
        # run_blocking() calls run here, on threads named after the loop.
        self.loop.set_default_executor(
            concurrent.futures.ThreadPoolExecutor(thread_name_prefix=f"{name}-blocking")
        )
        started = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(started,), name=name, daemon=True)
        self._thread.start()
        started.wait()
        #: :meth:`withdraw`, bound once.
        self.withdrawer = self.withdraw

    def _run(self, started: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(started.set)
        try:
            self.loop.run_forever()
        finally:
            self._finish()

    def _finish(self) -> None:
        loop = self.loop
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        if tasks:
            loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()

    @property
    def thread(self) -> threading.Thread:
        """The loop's thread."""
        return self._thread

    def submit_job(self, key: Hashable, fn: Callable[[], Any]) -> None:
        """Call ``fn()`` on the loop's thread soon, unless withdrawn first. Thread-safe.

        Raises
        ------
        RuntimeError
            If the runner was closed.
        """
        with self._lock:
            if self._closed:
                msg = "cannot run coroutine jobs after the executor's asyncio loop was closed"
                raise RuntimeError(msg)
            self._queued[key] = fn
            self.loop.call_soon_threadsafe(self._take, key)

    def _take(self, key: Hashable) -> None:
        fn = self._queued.pop(key, None)
        if fn is not None:
            fn()

    def withdraw(self, key: Hashable) -> bool:
        """Take a job that has not run yet back; True if it will never run. Thread-safe."""
        return self._queued.pop(key, None) is not None

    def call_soon(self, fn: Callable[..., Any], *args: Any) -> None:
        """Call ``fn(*args)`` on the loop's thread soon. Thread-safe; ignored once closed."""
        with self._lock:
            if self._closed:
                return
            self.loop.call_soon_threadsafe(fn, *args)

    def close(self, timeout: float | None = None) -> None:
        """Stop the loop, cancel what still runs on it, and join its thread. Idempotent.

        The executor closes it once every job has ended, so nothing of its
        own is left on the loop; tasks a job started and left behind are
        cancelled.
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._queued.clear()
            self.loop.call_soon_threadsafe(self.loop.stop)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
            if self._thread.is_alive():
                logger.warning("The executor's asyncio loop did not stop within %s s", timeout)
