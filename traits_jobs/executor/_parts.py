# SPDX-License-Identifier: BSD-3-Clause
"""What the parts of the executor (launching, stopping) find on it, for type checkers."""

import concurrent.futures
import threading
from collections.abc import Callable
from typing import Any

from traits_jobs.contexts.i_parallel_context import IParallelContext
from traits_jobs.event_loops.i_event_loop import IEventLoop
from traits_jobs.executor.coroutine_runner import CoroutineRunner
from traits_jobs.executor.job import Job
from traits_jobs.executor.scheduler import Scheduler
from traits_jobs.executor.waiting import Waiter
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.routing.router import MessageRouter


class ExecutorParts:
    """Annotations of the state that :class:`~traits_jobs.api.TraitsExecutor` sets up."""

    _lock: threading.Lock
    _context: IParallelContext
    _worker_pool: concurrent.futures.Executor
    _event_loop: IEventLoop
    _router: MessageRouter
    _send: Any
    _jobs: dict[int, Job]
    _scheduler: Scheduler[Job, BaseFuture]
    _waiter: Waiter
    _relauncher: Callable[[Job], None]
    _runner: "CoroutineRunner | None"
    _job_locks: Any
    _standby: Any
    _internal_state: str
    _owns_pool: bool
    _owns_context: bool
    _owns_event_loop: bool
    _notify_state: Callable[[str, str], None]
    _notify: Callable[[str, Any, Any], None]
    _check_running: Callable[[str], None]
