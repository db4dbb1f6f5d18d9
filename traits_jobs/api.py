# SPDX-License-Identifier: BSD-3-Clause
"""The public API of traits_jobs: import from here, and only from here.

It is a drop-in successor of ``traits_futures.api`` 0.3: replacing that
import by this one keeps an application working.

Executor
--------
- :class:`TraitsExecutor`
- :data:`ExecutorState`, with :data:`RUNNING`, :data:`STOPPING`, :data:`STOPPED`

Submitting jobs
---------------
- :func:`submit_call`
- :func:`submit_iteration`
- :func:`submit_progress`
- :func:`submit_loop`, :class:`LoopJob`, :class:`LoopClock`
- :func:`submit_coroutine`, :func:`run_blocking`
- :func:`background`, the decorator of device methods that run as jobs

Futures
-------
- :class:`CallFuture`
- :class:`IterationFuture`
- :class:`ProgressFuture`
- :class:`LoopFuture`, :class:`MissedIteration`
- :class:`CoroutineFuture`
- :class:`EmergencyReport`, what ``executor.emergency_stop()`` reports
- :class:`PausableFuture`, the base of futures whose job can pause
- :data:`FutureState`, with :data:`WAITING`, :data:`EXECUTING`,
  :data:`COMPLETED`, :data:`FAILED`, :data:`CANCELLING`, :data:`CANCELLED`
- :data:`EndReason`, whose values are :data:`COMPLETED`, :data:`STOPPED`,
  :data:`FAILED`, :data:`TIMED_OUT`, :data:`CANCELLED` and :data:`PREEMPTED`
  (:data:`STOPPED` is "stopped", an executor state and an end reason)

Inside a job
------------
- :func:`current_job`, :class:`JobContext`
- :func:`job_lock`, :class:`JobLock`

Job control
-----------
- :func:`all_of`, :func:`any_of`, :class:`CombinedFuture`
- :func:`report_progress`, :class:`ProgressInfo`

Job options
-----------
- :data:`JOB_OPTIONS`, the keyword-only options of every submit function
- :class:`JobOptions`

Errors
------
- :exc:`TaskCancelled`, :exc:`JobStopRequested`
- :exc:`TraitsJobsError`, :exc:`ExecutorStateError`,
  :exc:`ShutdownTimeoutError`, :exc:`UnknownMessageError`,
  :exc:`RemoteJobError`
- :exc:`JobTimeoutError`, :exc:`WaitTimeoutError`, :exc:`JobCancelledError`
- :exc:`MissedDeadlineError`, :exc:`LockTimeoutError`
- :exc:`JobPicklingError`, :exc:`WorkerDiedError`
- :exc:`ResourceConflictError`, :exc:`ResourceLockedError`,
  :exc:`ResourceProtectedError`, :exc:`PreemptionWarning`

Defining job kinds
------------------
- :class:`BaseFuture`, :func:`message_handler`
- :class:`BaseTask`
- :class:`IFuture`
- :class:`ITaskSpecification`

Contexts
--------
- :class:`IParallelContext`
- :class:`MultithreadingContext`
- :class:`MultiprocessingContext`
- :class:`DaskContext`

Event loops
-----------
- :class:`IEventLoop`
- :class:`ETSEventLoop`
- :class:`QtEventLoop`
- :class:`AsyncioEventLoop`
- :class:`ManualEventLoop`
"""

from typing import TYPE_CHECKING, Any

from traits_jobs.contexts.dask_context import DaskContext
from traits_jobs.contexts.i_parallel_context import IParallelContext
from traits_jobs.contexts.multiprocessing_context import MultiprocessingContext
from traits_jobs.contexts.multithreading import MultithreadingContext
from traits_jobs.event_loops.asyncio_loop import AsyncioEventLoop
from traits_jobs.event_loops.ets import ETSEventLoop
from traits_jobs.event_loops.i_event_loop import IEventLoop
from traits_jobs.event_loops.manual import ManualEventLoop
from traits_jobs.executor.emergency import EmergencyReport
from traits_jobs.executor.traits_executor import TraitsExecutor
from traits_jobs.jobs.background import background
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.base_task import BaseTask
from traits_jobs.jobs.call import CallFuture, submit_call
from traits_jobs.jobs.combined import CombinedFuture, all_of, any_of
from traits_jobs.jobs.context import JobContext, current_job
from traits_jobs.jobs.coroutine import CoroutineFuture, run_blocking, submit_coroutine
from traits_jobs.jobs.i_future import IFuture
from traits_jobs.jobs.i_task_specification import ITaskSpecification
from traits_jobs.jobs.iteration import IterationFuture, submit_iteration
from traits_jobs.jobs.job_lock import JobLock, job_lock
from traits_jobs.jobs.loop import LoopClock, LoopFuture, LoopJob, submit_loop
from traits_jobs.jobs.loop_schedule import MissedIteration
from traits_jobs.jobs.message_handlers import message_handler
from traits_jobs.jobs.options import JOB_OPTIONS, JobOptions
from traits_jobs.jobs.progress import ProgressFuture, submit_progress
from traits_jobs.jobs.status import ProgressInfo, report_progress
from traits_jobs.jobs.steering import PausableFuture
from traits_jobs.states.exceptions import (
    ExecutorStateError,
    JobCancelledError,
    JobPicklingError,
    JobStopRequested,
    JobTimeoutError,
    LockTimeoutError,
    MissedDeadlineError,
    PreemptionWarning,
    RemoteJobError,
    ShutdownTimeoutError,
    TaskCancelled,
    TraitsJobsError,
    UnknownMessageError,
    WaitTimeoutError,
    WorkerDiedError,
)
from traits_jobs.states.executor_states import RUNNING, STOPPED, STOPPING, ExecutorState
from traits_jobs.states.future_states import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    TIMED_OUT,
    WAITING,
    EndReason,
    FutureState,
)
from traits_jobs.states.resources import (
    ResourceConflictError,
    ResourceLockedError,
    ResourceProtectedError,
)

if TYPE_CHECKING:
    from traits_jobs.event_loops.qt import QtEventLoop


def __getattr__(name: str) -> Any:
    # QtEventLoop is imported on first use, so that importing the API does
    # not import Qt in applications that deliver on asyncio.
    if name == "QtEventLoop":
        from traits_jobs.event_loops.qt import QtEventLoop

        return QtEventLoop
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "CANCELLED",
    "CANCELLING",
    "COMPLETED",
    "EXECUTING",
    "FAILED",
    "JOB_OPTIONS",
    "PREEMPTED",
    "RUNNING",
    "STOPPED",
    "STOPPING",
    "TIMED_OUT",
    "WAITING",
    "AsyncioEventLoop",
    "BaseFuture",
    "BaseTask",
    "CallFuture",
    "CombinedFuture",
    "CoroutineFuture",
    "DaskContext",
    "ETSEventLoop",
    "EmergencyReport",
    "EndReason",
    "ExecutorState",
    "ExecutorStateError",
    "FutureState",
    "IEventLoop",
    "IFuture",
    "IParallelContext",
    "ITaskSpecification",
    "IterationFuture",
    "JobCancelledError",
    "JobContext",
    "JobLock",
    "JobOptions",
    "JobPicklingError",
    "JobStopRequested",
    "JobTimeoutError",
    "LockTimeoutError",
    "LoopClock",
    "LoopFuture",
    "LoopJob",
    "ManualEventLoop",
    "MissedDeadlineError",
    "MissedIteration",
    "MultiprocessingContext",
    "MultithreadingContext",
    "PausableFuture",
    "PreemptionWarning",
    "ProgressFuture",
    "ProgressInfo",
    "QtEventLoop",
    "RemoteJobError",
    "ResourceConflictError",
    "ResourceLockedError",
    "ResourceProtectedError",
    "ShutdownTimeoutError",
    "TaskCancelled",
    "TraitsExecutor",
    "TraitsJobsError",
    "UnknownMessageError",
    "WaitTimeoutError",
    "WorkerDiedError",
    "all_of",
    "any_of",
    "background",
    "current_job",
    "job_lock",
    "message_handler",
    "report_progress",
    "run_blocking",
    "submit_call",
    "submit_coroutine",
    "submit_iteration",
    "submit_loop",
    "submit_progress",
]
