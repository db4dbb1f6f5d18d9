# SPDX-License-Identifier: BSD-3-Clause
"""Timeouts and settle times: the timers that stand between a job and its future.

A job submitted with ``timeout=`` or ``settle_time=`` has a
:class:`TimedReceiver` registered with the router in place of its future.
It passes every message on, and on the main thread:

- when the job starts, arms the timeout; if it expires while the job still
  executes, the future fails with :class:`JobTimeoutError` and the job is
  asked to cancel. The job's own end, when it comes, is discarded.
- when the job returns, holds the future executing for the settle time,
  then completes it. Cancelling meanwhile ends it CANCELLED at once.

Timers come from the event loop (``call_later``), so a
:class:`~traits_jobs.api.ManualEventLoop` drives them with a virtual clock.
"""

from typing import TYPE_CHECKING, Any

from traits_jobs.jobs._state_machine import Event, S
from traits_jobs.states.exceptions import JobTimeoutError
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control, MessageKind

if TYPE_CHECKING:
    from traits_jobs.event_loops.i_event_loop import IEventLoop, TimerHandle
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.routing.router import MessageRouter

_ENDS = (Control.RETURNED, Control.RAISED, Control.ABANDONED)


class TimedReceiver:
    """Receives a timed job's messages for its future. Main thread only."""

    __slots__ = ("_timer", "event_loop", "future", "job_id", "router", "settle_time", "timeout")

    def __init__(
        self,
        future: "BaseFuture",
        *,
        timeout: float | None,
        settle_time: float,
        event_loop: "IEventLoop",
        router: "MessageRouter",
    ) -> None:
        self.future = future
        #: Set by the executor when it registers the job.
        self.job_id = -1
        self.timeout = timeout
        self.settle_time = settle_time
        self.event_loop = event_loop
        self.router = router
        self._timer: TimerHandle | None = None

    @property
    def _job_over(self) -> bool:
        return self.future._job_over

    def _receive(self, kind: MessageKind | Event, payload: Any) -> bool:
        future = self.future
        if kind is Control.STARTED:
            if self.timeout is not None and future._internal_state is S.WAITING:
                self._timer = self.event_loop.call_later(self.timeout, self._expire)
        elif kind in _ENDS:
            self._stop_timer()
            if (
                kind is Control.RETURNED
                and self.settle_time
                and future._internal_state is S.EXECUTING
            ):
                self._timer = self.event_loop.call_later(self.settle_time, self._settled)
                return future._receive(Event.SETTLE, payload)
        return future._receive(kind, payload)

    def cancelled(self) -> None:
        """The future was cancelled: a settle in progress ends now."""
        if self.future._internal_state is S.CANCELLED_SETTLING:
            self._stop_timer()
            self.router.deliver(self.job_id, Event.SETTLED)

    def _stop_timer(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()

    def _expire(self) -> None:
        self._timer = None
        if self.future._internal_state is S.EXECUTING:
            error = JobTimeoutError(
                f"The job of {self.future!r} ran past its timeout of {self.timeout} s"
            )
            self.router.deliver(self.job_id, Event.TIME_OUT, marshal_exception(error))

    def _settled(self) -> None:
        self._timer = None
        self.router.deliver(self.job_id, Event.SETTLED)
