# SPDX-License-Identifier: BSD-3-Clause
"""Jobs in worker processes: traits-futures' ``MultiprocessingContext``, and more.

``TraitsExecutor(context=MultiprocessingContext())`` runs calls, iterations,
progress and loop jobs in a pool of worker processes, started once with the
"spawn" method (safe after Qt has started; "fork" is not). Their futures
behave as with threads: the same states, options, cancellation (an
iteration stops at its next ``yield``, a progress job at its next report),
stop, pause, settings and values. Messages come back through the same
router; the workers batch them, so a flood costs little per message.

What crosses to a worker must pickle: the job's function (defined at the top
level of an importable module) and its arguments, and what it sends back.
Coroutine jobs, and the hooks of an emergency stop, run in the main process
(on the executor's asyncio loop and its threads) whatever the context.
"""

import multiprocessing
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.contexts.i_parallel_context import IParallelContext, MessageSink, PoolJob, Withdraw
from traits_jobs.contexts.process_pool import ProcessWorkerPool
from traits_jobs.contexts.remote import RemoteControl, own_pool

if TYPE_CHECKING:
    import concurrent.futures

    from traits_jobs.states.messages import SendFunction


class MultiprocessingContext(IParallelContext):
    """Run jobs in worker processes.

    Parameters
    ----------
    start_method : str
        How worker processes start: "spawn" (the default, safe with Qt),
        "forkserver" or "fork" (only before any thread or Qt has started).
    initializer : callable, optional
        Called as ``initializer(*initargs)`` first in each worker process
        (set up logging, a path, a device library), as for
        ``concurrent.futures.ProcessPoolExecutor``. It must pickle.
    initargs : tuple
        Its arguments.
    """

    def __init__(
        self,
        *,
        start_method: str = "spawn",
        initializer: Callable[..., object] | None = None,
        initargs: tuple[Any, ...] = (),
    ) -> None:
        methods = multiprocessing.get_all_start_methods()
        if start_method not in methods:
            msg = f"start_method must be one of {methods}, not {start_method!r}"
            raise ValueError(msg)
        if initializer is not None and not callable(initializer):
            msg = f"initializer must be callable, not {initializer!r}"
            raise TypeError(msg)
        if not isinstance(initargs, tuple):
            msg = f"initargs must be a tuple, not {type(initargs).__name__}"
            raise TypeError(msg)
        self._initializer = initializer
        self._initargs = initargs
        self._start_method = start_method
        self._mp = multiprocessing.get_context(start_method)
        self._manager: Any = None
        self._closed = False

    @property
    def start_method(self) -> str:
        """How this context starts its worker processes."""
        return self._start_method

    def worker_pool(self, *, max_workers: int | None = None) -> ProcessWorkerPool:
        """Start a pool of worker processes, owned by the caller (who shuts it down).

        Parameters
        ----------
        max_workers : int, optional
            The number of processes; the number of CPUs by default.
        """
        count = max_workers if max_workers is not None else (os.cpu_count() or 1)
        return ProcessWorkerPool(count, self._mp, self._initializer, self._initargs)

    def event(self) -> Any:
        """Make an event shared with jobs in worker processes (a manager's ``Event``).

        The first call starts the manager process; :meth:`close` ends it.
        """
        if self._manager is None:
            self._manager = self._mp.Manager()
        return self._manager.Event()

    def cancel_flag(self) -> RemoteControl:
        """Make a job's control, whose requests go on to the job's worker process."""
        return RemoteControl()

    def submit_job(self, pool: "concurrent.futures.Executor", job: PoolJob) -> Withdraw:
        """Queue ``job`` on the pool; its task is pickled here, at once.

        Raises
        ------
        JobPicklingError
            If the task (its function or an argument) does not pickle.
        TypeError
            If ``pool`` is not a pool this context made.
        """
        pool = own_pool(pool, ProcessWorkerPool, "MultiprocessingContext")
        record: Any = job
        pool.submit_job(job, job.job_id, record.task, record.control, record.send)
        # The worker has its own copy: let the function and arguments go here.
        record.task = None
        return pool.withdrawer

    def sender(self, router: MessageSink) -> "SendFunction":
        """Messages of in-process jobs (coroutines) go straight to the router."""
        return router.send

    def close(self) -> None:
        """End the manager process, if :meth:`event` started one. Idempotent."""
        self._closed = True
        manager, self._manager = self._manager, None
        if manager is not None:
            manager.shutdown()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed
