# SPDX-License-Identifier: BSD-3-Clause
"""A light thread pool whose queued jobs can be withdrawn at once.

``concurrent.futures.ThreadPoolExecutor`` builds a ``Future`` (with its own
``Condition`` and lock) and a work item for every call: about 10 us and 2 KB
that an executor which reports through its own futures does not need. This
pool keeps each queued job as one entry of a dict and passes only its key
through a ``queue.SimpleQueue``. Withdrawing a job removes its entry, so its
function and arguments are released at once and it never runs; the worker
that later takes the key finds nothing and moves on. A queued job costs
the pool one dict entry and one queue slot.
"""

import concurrent.futures
import itertools
import logging
import queue
import threading
from collections.abc import Callable, Hashable
from typing import Any

logger = logging.getLogger(__name__)

#: Put on the queue once per worker thread to stop it.
_STOP = object()


class WorkerThreadPool(concurrent.futures.Executor):
    """A fixed-size pool of worker threads, started as jobs arrive.

    Jobs run in the order they were submitted. :meth:`submit_job` and
    :meth:`withdraw` are the executor's fast path;
    :meth:`~concurrent.futures.Executor.submit` works as for any
    ``concurrent.futures.Executor``.

    Parameters
    ----------
    max_workers : int, optional
        Number of threads. Defaults to ``min(32, os.cpu_count() + 4)``, as for
        ``ThreadPoolExecutor``.
    thread_name_prefix : str
        Worker threads are named ``<prefix>_<n>``.

    Notes
    -----
    The worker threads are daemon threads: an application that exits
    without shutting its executor down does not hang on a job blocked
    forever, and a job still running then is cut off.
    """

    def __init__(self, max_workers: int | None = None, thread_name_prefix: str = "worker") -> None:
        if max_workers is None:
            max_workers = concurrent.futures.ThreadPoolExecutor()._max_workers
        if not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1:
            msg = f"max_workers must be a positive int or None, not {max_workers!r}"
            raise ValueError(msg)
        self._max_workers = max_workers
        self._prefix = thread_name_prefix
        self._keys: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._queued: dict[Hashable, Callable[[], Any]] = {}
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._shutdown = False
        self._anonymous = itertools.count()
        #: :meth:`withdraw`, bound once: callers may keep it per queued job.
        self.withdrawer = self.withdraw

    @property
    def max_workers(self) -> int:
        """The number of worker threads at most."""
        return self._max_workers

    def submit_job(self, key: Hashable, fn: Callable[[], Any]) -> None:
        """Queue ``fn()`` under ``key``, which must not be queued already. Thread-safe.

        Raises
        ------
        RuntimeError
            If the pool has been shut down.
        """
        with self._lock:
            if self._shutdown:
                msg = "cannot schedule new jobs after the worker pool has been shut down"
                raise RuntimeError(msg)
            self._queued[key] = fn
            if len(self._threads) < self._max_workers:
                self._start_thread()
            # Under the lock: a shutdown's stop markers always come after it.
            self._keys.put(key)

    def withdraw(self, key: Hashable) -> bool:
        """Take the job queued under ``key`` out of the queue. Thread-safe.

        Returns
        -------
        bool
            True if the job was still queued: it will never run. False if a
            worker has taken it already (or it was never queued).
        """
        return self._queued.pop(key, None) is not None

    def submit(
        self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any
    ) -> "concurrent.futures.Future[Any]":
        """Schedule ``fn(*args, **kwargs)``; return a Future for it. Thread-safe."""
        future: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                future.set_exception(error)
            else:
                future.set_result(result)

        self.submit_job(("submit", next(self._anonymous)), run)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the workers once the queued jobs have run. Idempotent.

        Parameters
        ----------
        wait : bool
            Wait for the worker threads to end.
        cancel_futures : bool
            Withdraw the jobs still queued instead of running them.
        """
        with self._lock:
            if not self._shutdown:
                self._shutdown = True
                if cancel_futures:
                    self._queued.clear()
                for _ in self._threads:
                    self._keys.put(_STOP)
            threads = list(self._threads)
        if wait:
            current = threading.current_thread()
            for thread in threads:
                if thread is not current:
                    thread.join()

    def _start_thread(self) -> None:
        name = f"{self._prefix}_{len(self._threads)}"
        thread = threading.Thread(target=self._work, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self) -> None:
        keys, queued = self._keys, self._queued
        while True:
            key = keys.get()
            if key is _STOP:
                return
            fn = queued.pop(key, None)
            # Keep neither alive while this thread waits for the next key.
            del key
            if fn is None:
                continue  # withdrawn
            try:
                fn()
            except BaseException:
                logger.exception("A job raised out of the worker pool")
            del fn
