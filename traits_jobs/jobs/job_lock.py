# SPDX-License-Identifier: BSD-3-Clause
"""``job_lock()``: lock resources between jobs, as a ``with`` or ``async with`` block.

Inside any job of an executor::

    with job_lock("stage:x", "shutter", timeout=2.0):
        move_and_expose()

    async with job_lock("stage:x"):
        await stage.move(10)

The executor's lock table decides: see
:mod:`traits_jobs.executor.job_locks`.
"""

from types import TracebackType
from typing import Any

from traits_jobs.jobs.base_task import BaseTask, current_task
from traits_jobs.states.resources import validate_resources
from traits_jobs.states.seconds import check_seconds


class JobLock:
    """A request for resources; enter it (``with`` or ``async with``) to lock them.

    Made by :func:`job_lock`. One object can be entered again after it was
    left, by the same job.
    """

    __slots__ = ("_grants", "names", "timeout")

    def __init__(self, names: frozenset[str], timeout: float | None) -> None:
        self.names = names
        self.timeout = timeout
        self._grants: list[Any] = []

    def __enter__(self) -> "JobLock":
        task = _task("with job_lock(...)")
        if task.runs_on == "event loop":
            msg = (
                "with job_lock(...) would block the asyncio loop that all coroutine jobs "
                "share; in a coroutine job use async with job_lock(...)"
            )
            raise RuntimeError(msg)
        grant = task._control.locks.acquire(task._job_id, self.names, self.timeout, task._control)
        self._grants.append((task._control.locks, grant))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release()

    async def __aenter__(self) -> "JobLock":
        task = _task("async with job_lock(...)")
        locks = task._control.locks
        grant = await locks.acquire_async(task._job_id, self.names, self.timeout)
        self._grants.append((locks, grant))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._release()

    def _release(self) -> None:
        locks, grant = self._grants.pop()
        locks.release(grant)

    def __repr__(self) -> str:
        return f"job_lock({', '.join(map(repr, sorted(self.names)))}, timeout={self.timeout})"


def _task(what: str) -> BaseTask:
    task = current_task.get()
    if task is None:
        msg = f"{what} must be used inside a job run by a TraitsExecutor"
        raise RuntimeError(msg)
    if getattr(task._control, "locks", None) is None:
        msg = (
            f"{what} needs the executor's lock table, which a job in a worker process "
            "cannot reach; claim the resources at submit (resources=) instead"
        )
        raise RuntimeError(msg)
    return task


def job_lock(*resources: str, timeout: float | None = None) -> JobLock:
    """Lock resources against the other jobs of the executor, for a ``with`` block.

    All the names are locked at once or not at all, so requests naming the
    same resources in different orders cannot deadlock. The block waits
    while another job holds one of them locked, or claimed it at submit;
    a preemptible background job that claimed one is preempted. A job's own
    locks and claims never block it (locks are re-entrant). Leaving the
    block, by any exit, unlocks; a job that ends unlocks whatever it held.

    Parameters
    ----------
    *resources : str
        Resource names and ``type:*`` patterns, as in ``resources=``.
    timeout : float, optional
        Seconds to wait at most; None waits as long as it takes.

    Raises
    ------
    TypeError, ValueError
        At once, for no resources, a bad name or a bad timeout.
    RuntimeError
        On entering the block outside a job.
    LockTimeoutError
        On entering the block, if the timeout expired first.
    ResourceProtectedError
        On entering the block, if a resource is protected.
    JobStopRequested
        On entering the block, if the job was stopped or cancelled while it
        waited (``CancelledError`` in a coroutine job).
    """
    if not resources:
        msg = "job_lock() expected at least one resource name"
        raise TypeError(msg)
    names = validate_resources(resources)
    seconds = check_seconds("job_lock() timeout", timeout, allow_none=True)
    return JobLock(names, seconds)
