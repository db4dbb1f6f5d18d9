# SPDX-License-Identifier: BSD-3-Clause
"""How the executor stops, waits for background jobs, and learns that jobs ended.

A mixin of :class:`~traits_jobs.api.TraitsExecutor`. State observers and
futures' observers run after the executor's lock is released: an observer
of ``state`` may cancel jobs, wait for them or read the executor's books.
"""

import logging
from collections.abc import Callable
from typing import Any

from traits_jobs.executor._parts import ExecutorParts
from traits_jobs.executor.job import Job
from traits_jobs.jobs._state_machine import Event
from traits_jobs.states.exceptions import (
    ExecutorStateError,
    ShutdownTimeoutError,
    WaitTimeoutError,
)
from traits_jobs.states.executor_states import RUNNING, STOPPED, STOPPING
from traits_jobs.states.failure import marshal_exception, safe_repr
from traits_jobs.states.seconds import check_seconds

logger = logging.getLogger(__name__)

#: Seconds to wait for the asyncio loop of coroutine jobs to close; every
#: job has ended by then, so it closes at once.
_RUNNER_CLOSE_TIMEOUT = 5.0


class Stopping(ExecutorParts):
    """stop(), shutdown(), wait_for_background() and the end of each job."""

    # Provided by Launching.
    _forget: Callable[[Job], list[Job]]
    _launch_ready: Callable[[list[Job]], None]
    _book_changed: Callable[[], None]

    def stop(self) -> None:
        """Cancel every job and stop once they have all ended. Main thread only.

        Returns at once. The executor is STOPPING until the last job's future
        is done, then releases what it owns and becomes STOPPED.

        Raises
        ------
        ExecutorStateError
            If the executor is not running.
        """
        self._check_event_loop()
        self._begin_stop(raise_unless_running=True)

    def shutdown(self, *, timeout: float | None = None) -> None:
        """Cancel every job and wait until all have ended. Main thread only.

        While it waits, messages from the jobs are delivered (their futures'
        observers run inside this call); nothing else of the event loop runs.
        Does nothing if the executor is already stopped.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most. None waits for as long as it takes.

        Raises
        ------
        ShutdownTimeoutError
            If jobs were still running when the timeout expired. The executor
            stays STOPPING and keeps delivering messages through the event
            loop; it stops by itself once the last job ends.
        TypeError, ValueError
            If ``timeout`` is not a number of seconds, or is negative.
        """
        timeout = check_seconds("timeout", timeout, allow_none=True)
        if self._internal_state == STOPPED:
            return
        try:
            self._check_event_loop()
        except ExecutorStateError:
            # Every future has failed with that error; what the jobs send
            # as they end is delivered below, without the event loop.
            pass
        self._begin_stop(raise_unless_running=False)
        if not self._router.drain_until(self._all_done, timeout):
            count = sum(not job.future.done for job in list(self._jobs.values()))  # type: ignore[union-attr]
            # "N tasks still running" is traits-futures' wording, which code may match.
            msg = (
                f"Shutdown timed out; {count} tasks still running after {timeout} s. "
                "The executor stays stopping and stops by itself when they end; "
                "call shutdown() again to wait longer."
            )
            raise ShutdownTimeoutError(msg)
        # Jobs whose future is done but still listed are the ones whose last
        # message is being delivered further up this stack: this call was
        # made by an observer of that message. They are over.
        for job_id in list(self._jobs):
            self._job_ended(job_id)
        if self._owns_pool:
            self._worker_pool.shutdown(wait=True)

    def _begin_stop(self, *, raise_unless_running: bool) -> None:
        with self._lock:
            old = self._internal_state
            if old != RUNNING:
                if raise_unless_running:
                    self._check_running("stop")
                jobs = []
            else:
                self._internal_state = STOPPING
                jobs = list(self._jobs.values())
        if old == RUNNING:
            self._notify_state(old, STOPPING)
        for job in jobs:
            assert job.future is not None
            job.future.cancel()
        self._finish_stop_if_due()

    def wait_for_background(self, name: str | None = None, *, timeout: float | None = None) -> Any:
        """Wait until background jobs have ended; return their futures. Any thread.

        Nothing about how they ended is hidden or raised: read each future's
        ``state`` and ``end_reason``.

        Parameters
        ----------
        name : str, optional
            The name of one live background job. None waits for all the
            background jobs live at the time of the call.
        timeout : float, optional
            Seconds to wait at most, for all of them together.

        Returns
        -------
        BaseFuture or list of BaseFuture
            The named job's future, or the list of all of them.

        Raises
        ------
        KeyError
            If no live background job has that name.
        WaitTimeoutError
            If the wait expired first; the jobs go on.
        TypeError, ValueError
            If ``timeout`` is not a number of seconds, or is negative.
        """
        timeout = check_seconds("timeout", timeout, allow_none=True)
        with self._lock:
            named = self._scheduler.background_jobs()
            futures = self._scheduler.background_futures()
        if name is not None:
            if name not in named:
                msg = f"no live background job is named {name!r}; live names: {sorted(named)}"
                raise KeyError(msg)
            futures = [named[name]]
        late = self._waiter.all(futures, timeout)
        if late is not None:
            msg = f"{late!r} had not ended after {timeout} s; it goes on."
            raise WaitTimeoutError(msg)
        return futures[0] if name is not None else futures

    def _check_event_loop(self) -> None:
        """Fail every live job and raise if the event loop died. Main thread only.

        Raises
        ------
        ExecutorStateError
            If the event loop can no longer deliver (its QApplication was
            destroyed). The executor is then STOPPING; ``shutdown()`` ends it.
        """
        try:
            self._event_loop.check_alive()
        except ExecutorStateError as error:
            self._fail_all(error)
            raise

    def _fail_all(self, error: ExecutorStateError) -> None:
        with self._lock:
            old = self._internal_state
            if old == RUNNING:
                self._internal_state = STOPPING
            jobs = list(self._jobs.values())
        if old == RUNNING:
            self._notify_state(old, STOPPING)
        payload = marshal_exception(error)
        for job in jobs:
            job.control.set()
            assert job.future is not None
            if job.future.cancellable:
                self._router.deliver(job.job_id, Event.FAIL, payload)

    def _all_done(self) -> bool:
        return all(job.future.done for job in list(self._jobs.values()))  # type: ignore[union-attr]

    def _finish_stop_if_due(self) -> None:
        with self._lock:
            if self._jobs or self._internal_state != STOPPING:
                return
            self._internal_state = STOPPED
        self._router.close()
        if self._runner is not None:
            self._runner.close(timeout=_RUNNER_CLOSE_TIMEOUT)
        if self._standby is not None:
            self._standby.close()
        if self._owns_pool:
            self._worker_pool.shutdown(wait=False)
        if self._owns_context:
            self._context.close()
        if self._owns_event_loop:
            self._event_loop.close()
        self._notify_state(STOPPING, STOPPED)
        logger.debug("%r stopped", self)

    # -- delivery callbacks: main thread ------------------------------------

    def _job_ended(self, job_id: int) -> None:
        # Called twice per job: by its future as the job sends its last
        # message, then by the router. Job ids are never reused, so an id
        # missing now stays missing: the second call needs no lock.
        if job_id not in self._jobs:
            return
        with self._lock:
            # Already gone if shutdown() ran in an observer of this job's last message.
            job = self._jobs.pop(job_id, None)
            if job is None:
                return
            ready = self._forget(job)
        # Its locks (a job that did not leave its with-blocks) and claims are free.
        self._job_locks.release_job(job_id)
        self._job_locks.wake()
        if ready:
            self._launch_ready(ready)
        self._book_changed()
        if self._internal_state == STOPPING:
            self._finish_stop_if_due()

    def _observer_failed(self, job_id: int, error: BaseException) -> None:
        job = self._jobs.get(job_id)
        future = job.future if job is not None else None
        logger.error(
            "An observer of job %d (%s) raised; delivery goes on",
            job_id,
            safe_repr(future),
            exc_info=(type(error), error, error.__traceback__),
        )
