# SPDX-License-Identifier: BSD-3-Clause
"""The job context: what a running job can ask and do, through ``current_job()``.

Inside any job, ``current_job()`` returns the job's :class:`JobContext`.
Its waits (``sleep``, ``wait_for``) end early when the job is asked to stop
or is cancelled, by raising :exc:`~traits_jobs.api.JobStopRequested`, so a
job written as a sequence of waits needs no cancellation checks of its own.
"""

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.jobs.base_task import current_task
from traits_jobs.jobs.status import report_progress
from traits_jobs.states.exceptions import JobStopRequested
from traits_jobs.states.messages import PUBLISHED_STATUS
from traits_jobs.states.seconds import check_seconds

if TYPE_CHECKING:
    from traits_jobs.jobs.base_task import BaseTask
    from traits_jobs.jobs.loop import LoopState


class JobContext:
    """What a job can ask and do while it runs. Get it with :func:`current_job`.

    A context belongs to one run of one job. Use it from the job's own
    thread; :attr:`stop_requested`, :attr:`cancelled` and :meth:`sleep`
    also work from threads the job starts.
    """

    __slots__ = ("_loop", "_task")

    def __init__(self, task: "BaseTask") -> None:
        self._task = task
        #: The loop's state, for loop jobs.
        self._loop: LoopState | None = None

    @property
    def stop_requested(self) -> bool:
        """True once the job was asked to stop (``future.stop()``) or was cancelled."""
        return self._task._control.stop_requested

    @property
    def cancelled(self) -> bool:
        """True once the job was cancelled (``future.cancel()``, a timeout, preemption)."""
        return self._task._control.is_set()

    def sleep(self, seconds: float | None) -> None:
        """Wait ``seconds``, or until the job is asked to stop or is cancelled.

        Parameters
        ----------
        seconds : float or None
            How long to wait; None (or ``math.inf``) waits for the request.

        Raises
        ------
        JobStopRequested
            If the job was asked to stop or was cancelled, before or during
            the wait. Let it propagate.
        TypeError, ValueError
            If ``seconds`` is not a non-negative number or None.
        RuntimeError
            In a coroutine job, which must not block its loop.
        """
        timeout = check_seconds("sleep() seconds", seconds, allow_none=True)
        self._refuse_on_event_loop("sleep()", "await asyncio.sleep()")
        if self._task._control.wait(timeout):
            self._raise_stop()

    def wait_for(
        self,
        condition: threading.Condition,
        predicate: Callable[[], Any],
        timeout: float | None = None,
    ) -> Any:
        """Wait on ``condition`` until ``predicate()`` is true; a stop or cancel ends it.

        As ``condition.wait_for(predicate, timeout)``: call it while holding
        ``condition``; it returns the predicate's last value, false if the
        timeout expired first.

        Raises
        ------
        JobStopRequested
            If the job was asked to stop or was cancelled.
        TypeError
            If ``condition`` is not a ``threading.Condition`` or
            ``predicate`` is not callable.
        """
        if not isinstance(condition, threading.Condition):
            msg = (
                "wait_for() expected a threading.Condition, "
                f"got {type(condition).__name__}: {condition!r}"
            )
            raise TypeError(msg)
        if not callable(predicate):
            msg = f"wait_for() expected a callable predicate, got {type(predicate).__name__}"
            raise TypeError(msg)
        seconds = check_seconds("wait_for() timeout", timeout, allow_none=True)
        self._refuse_on_event_loop("wait_for()", "an asyncio primitive")
        control = self._task._control
        if control.stop_requested:
            self._raise_stop()
        result = control.wait_for(condition, predicate, seconds)
        if control.stop_requested:
            self._raise_stop()
        return result

    def report_progress(
        self,
        current: float,
        *,
        target: float,
        initial: float = 0.0,
        message: str | None = None,
        fraction: float | None = None,
        time_remaining: float | None = None,
    ) -> None:
        """Report structured progress; see :func:`~traits_jobs.api.report_progress`."""
        report_progress(
            current,
            target=target,
            initial=initial,
            message=message,
            fraction=fraction,
            time_remaining=time_remaining,
        )

    def publish_status(self, status: Any) -> None:
        """Set the future's ``status`` trait to ``status``, on the main thread.

        Coalesced: of the statuses published faster than the main thread
        takes them, only the newest is delivered, and the last one always
        is. Publish immutable objects (a number, a tuple, a frozen
        dataclass): the main thread reads them while the job runs on.
        """
        self._task.send(PUBLISHED_STATUS, status)

    @property
    def settings(self) -> Any:
        """A loop job's settings as last applied.

        Raises
        ------
        RuntimeError
            If the job is not a loop job.
        """
        return self._loop_state("settings").settings

    def take_settings(self) -> tuple[bool, Any]:
        """Apply any settings the main thread left for this loop job now.

        The loop applies new settings at the start of each iteration by
        itself; this applies settings set since then, and tells whether the
        settings changed since the last call.

        Returns
        -------
        (bool, object)
            Whether the settings changed since the previous call (the
            first call says True if the loop was submitted with settings),
            and the settings now applied.

        Raises
        ------
        RuntimeError
            If the job is not a loop job.
        """
        loop = self._loop_state("take_settings()")
        loop.apply_pending(self)
        changed, loop.changed = loop.changed, False
        return changed, loop.settings

    def _loop_state(self, what: str) -> "LoopState":
        loop = self._loop
        if loop is None:
            msg = f"{what} is for loop jobs (submit_loop); this job is not one"
            raise RuntimeError(msg)
        return loop

    def _refuse_on_event_loop(self, what: str, instead: str) -> None:
        """A blocking wait in a coroutine job would stop every coroutine job."""
        if self._task.runs_on == "event loop":
            msg = (
                f"{what} blocks, and would stop the asyncio loop that all coroutine jobs "
                f"share; in a coroutine job use {instead} (a cancellation arrives as "
                "CancelledError)"
            )
            raise RuntimeError(msg)

    def _raise_stop(self) -> None:
        why = "cancelled" if self.cancelled else "asked to stop"
        msg = f"The job was {why}; let this exception propagate."
        raise JobStopRequested(msg)


def current_job() -> JobContext:
    """Return the context of the job this is called from. Any job kind.

    Raises
    ------
    RuntimeError
        If called outside a job run by a TraitsExecutor.
    """
    task = current_task.get()
    if task is None:
        msg = (
            "current_job() must be called from inside a job run by a TraitsExecutor "
            f"(this is thread {threading.current_thread().name!r}, outside any job)"
        )
        raise RuntimeError(msg)
    context = task._context
    if context is None:
        context = task._context = JobContext(task)
    return context
