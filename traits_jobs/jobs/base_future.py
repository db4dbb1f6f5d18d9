# SPDX-License-Identifier: BSD-3-Clause
"""The main-thread half of a job: a Traits object whose state follows the job.

Internal states refine the public ones so that each message is checked
against what may happen next. Every transition, with what it does, is one
row of the table in :mod:`traits_jobs.jobs._state_machine`; anything else
is an :class:`InvalidTransition`.
"""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

from traits.api import Any as AnyTrait
from traits.api import Bool, Instance, Property, Str, Union, provides
from traits.api import Callable as CallableTrait

from traits_jobs.jobs._future_observing import FutureObserving
from traits_jobs.jobs._future_outcome import FutureOutcome
from traits_jobs.jobs._future_waiting import FutureWaiting
from traits_jobs.jobs._state_machine import (
    CLOCK,
    DONE,
    DROP,
    DROPPING,
    JOB_OVER,
    KEEP,
    LATE_RAISE,
    PUBLIC,
    STOP_JOB,
    TRANSITIONS,
    Event,
    S,
)
from traits_jobs.jobs.i_future import IFuture
from traits_jobs.jobs.message_handlers import collect_handlers
from traits_jobs.jobs.status import PROGRESS_INFO, ProgressInfo, ProgressReport
from traits_jobs.states.exceptions import (
    InvalidTransition,
    UnknownMessageError,
)
from traits_jobs.states.failure import RaisedPayload, marshal_exception, safe_repr
from traits_jobs.states.future_states import (
    CANCELLABLE_STATES,
    CANCELLED,
    COMPLETED,
    DONE_STATES,
    FAILED,
    PREEMPTED,
    STOPPED,
    TIMED_OUT,
    EndReason,
    FutureState,
)
from traits_jobs.states.messages import MESSAGE_LOST, PUBLISHED_STATUS, Control, MessageKind
from traits_jobs.states.messages import STOPPED as STOPPED_KIND

logger = logging.getLogger(__name__)

# Enum member lookups through the class are slow on the hot path.
_WAITING, _EXECUTING = S.WAITING, S.EXECUTING
_RETURNED, _RAISED, _ABANDONED = Control.RETURNED, Control.RAISED, Control.ABANDONED
# A tuple, not ``Control | Event``: that would make a union type on every message.
_NOT_MESSAGES = (Control, Event)


@provides(IFuture)
class BaseFuture(FutureWaiting, FutureObserving, FutureOutcome):
    """Base class of futures: the main-thread view of one background job.

    Its traits change only on the main thread, as messages from the job are
    delivered. ``state``, then ``cancellable``, then ``end_reason``, then
    ``done`` fire, each once per change, so when ``done`` fires the outcome
    is already readable.

    Subclasses receive job-specific messages through methods decorated with
    :func:`message_handler` (or named ``_process_<kind>``, as in
    traits-futures). A message of a kind with no handler fails the future
    with :class:`~traits_jobs.api.UnknownMessageError`.
    """

    #: The state of the job, one of the six ``FutureState`` values.
    state = Property(FutureState, observe=None)

    #: True while ``cancel()`` can still have an effect.
    cancellable = Property(Bool, observe=None)

    #: True once the job has ended: completed, failed or cancelled.
    done = Property(Bool, observe=None)

    #: Why the future ended: "completed", "stopped" (completed early, as
    #: ``stop()`` asked), "failed", "timed out", "cancelled" or "preempted";
    #: None until it is done.
    end_reason = Property(EndReason, observe=None)

    #: The future of the foreground job that preempted this background job.
    preempted_by = Property(AnyTrait, observe=None)

    #: The job's name, as given to the submit function's ``name=`` option.
    name = Union(None, Str)

    #: The latest structured progress the job reported with
    #: ``report_progress()``; None until the first report.
    progress_info = Union(None, Instance(ProgressInfo))

    #: The latest object the job published with
    #: ``current_job().publish_status()``; None until the first.
    status = AnyTrait()

    #: Requests cancellation of the job; supplied by the executor.
    _cancel = CallableTrait(allow_none=True)

    #: The job's control (stop, pause, settings, values); supplied by the executor.
    _control = AnyTrait()

    #: Waits for a condition while delivering messages; supplied by the executor.
    _wait = AnyTrait()

    _progress_watchers = AnyTrait()
    _done_callbacks = AnyTrait()

    #: Message kind -> handler, built for each class from its methods.
    _message_handlers: ClassVar[dict[MessageKind, Callable[[Any, Any], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every future handles structured progress; subclasses add their kinds.
        super().__init_subclass__(**kwargs)
        cls._message_handlers = {**_BUILT_IN_HANDLERS, **collect_handlers(cls)}

    # -- public API: main thread only ---------------------------------------

    def cancel(self) -> bool:
        """Request cancellation of the job. Main thread only.

        A job that has not started is removed from the worker pool's queue
        and never runs. A running job is asked to stop; calls cannot be
        interrupted, iterations stop at their next ``yield`` and progress
        jobs at their next report. Whatever the job sends after the request
        is dropped, and the future ends CANCELLED. A job that is settling
        ends CANCELLED at once.

        Returns
        -------
        bool
            True if the job was cancellable (WAITING or EXECUTING), False
            otherwise.

        Raises
        ------
        RuntimeError
            If called from a thread other than the one the future lives on:
            its observers must run there. From a worker, post the call to
            the main thread.
        """
        wait = self._wait
        if wait is not None and threading.get_ident() != wait.main_ident:
            msg = (
                f"cancel() of {self!r} was called from thread "
                f"{threading.current_thread().name!r}; futures live on the main thread, "
                "where their observers run. Post the call to the main thread instead."
            )
            raise RuntimeError(msg)
        if PUBLIC[self._internal_state] not in CANCELLABLE_STATES:
            return False
        cancel = self._cancel
        try:
            self._transition(Event.CANCEL)
        except Exception:
            logger.exception("An observer of %s failed during cancel()", safe_repr(self))
        self._request_cancel(cancel)
        return True

    def stop(self) -> bool:
        """Ask the job to finish early; it ends COMPLETED, with ``end_reason`` "stopped".

        Unlike :meth:`cancel` this is a request the job answers: a loop job
        ends after its current iteration, an iteration at its next
        ``yield``, a progress job at its next report, and any job at its
        next ``current_job().sleep()`` or ``wait_for()``, which raise
        :exc:`~traits_jobs.api.JobStopRequested`. A call that never checks
        runs to the end and completes as usual. A job asked to stop before
        it starts never runs. Thread-safe.

        Returns
        -------
        bool
            True if the job was waiting or executing, False if it was
            already ending or done.
        """
        control = self._control
        if control is None or PUBLIC[self._internal_state] not in CANCELLABLE_STATES:
            return False
        control.request_stop()
        return True

    def watch_progress(self, fn: Callable[[ProgressInfo], object]) -> None:
        """Call ``fn(progress_info)`` with each progress report. Main thread only.

        If the job has reported already, ``fn`` is called at once with the
        latest report. An exception in ``fn`` is logged and never stops
        delivery.

        Raises
        ------
        TypeError
            If ``fn`` is not callable.
        """
        if not callable(fn):
            msg = f"watch_progress() expected a callable, got {type(fn).__name__}: {fn!r}"
            raise TypeError(msg)
        if self._progress_watchers is None:
            self._progress_watchers = []
        self._progress_watchers.append(fn)
        if self.progress_info is not None:
            self._run_callback(fn, self.progress_info)

    def __repr__(self) -> str:
        state = PUBLIC[self._internal_state]
        kind = type(self).__name__ if self.name is None else f"{type(self).__name__} {self.name!r}"
        if state == COMPLETED:
            return f"<{kind} {state} result={safe_repr(self._outcome)}>"
        if state == FAILED:
            payload: RaisedPayload = self._outcome
            return f"<{kind} {state} {payload.type_name}: {payload.message}>"
        return f"<{kind} {state}>"

    # -- delivery: main thread only -----------------------------------------

    def _receive(self, kind: MessageKind | Event, payload: Any) -> bool:
        """Handle one message or event; return True once the job will send no more."""
        state = self._internal_state
        if state is _EXECUTING:
            # The hot path: a job-specific message while running. Control
            # kinds and events are never keys of the handler table.
            handler = self._message_handlers.get(kind)  # type: ignore[arg-type]
            if handler is not None:
                handler(self, payload)
                return False
        if isinstance(kind, _NOT_MESSAGES):
            if (kind is _RETURNED or kind is _RAISED or kind is _ABANDONED) and (
                state is _EXECUTING or state is _WAITING
            ):
                control = self._control
                if control is not None and control.is_set():
                    # Cancelled from another thread (an emergency stop) before
                    # this thread got to it: the job's end is that of a
                    # cancelled job, whatever it met on its way out.
                    self.cancel()
            self._transition(kind, payload)
            return self._internal_state in JOB_OVER
        if state is _EXECUTING:
            self._fail_unknown(kind)
            return False
        if state in DROPPING:
            return False
        msg = f"{type(self).__name__} received a {kind!r} message while {state.value}"
        raise InvalidTransition(msg)

    @property
    def _job_over(self) -> bool:
        """True once the job will send nothing more."""
        return self._internal_state in JOB_OVER

    def _fail_unknown(self, kind: object) -> None:
        # The library's own kinds (dotted names) are not the user's business.
        own = (k for k in self._message_handlers if k not in _BUILT_IN_HANDLERS)
        known = ", ".join(sorted(map(repr, own))) or "none"
        msg = (
            f"{type(self).__name__} has no handler for message kind {kind!r} "
            f"(known kinds: {known}). Decorate a method with "
            f"@message_handler({kind!r}) to handle it."
        )
        try:
            raise UnknownMessageError(msg)
        except UnknownMessageError as error:
            payload = marshal_exception(error)
        self._receive(Event.FAIL, payload)

    def _preempt(self, by: "BaseFuture") -> bool:
        """Cancel this job on behalf of ``by``, which needs its resources."""
        if not self.cancellable:
            return False
        self._preempter = by
        return self.cancel()

    def _request_cancel(self, cancel: Callable[[], object] | None) -> None:
        if cancel is not None:
            try:
                cancel()
            except Exception:
                logger.exception("Cancelling %s failed", safe_repr(self))

    def _transition(self, event: Control | Event, payload: Any = None) -> None:
        """Move to the next state, do what the table says, fire the traits that changed."""
        old = self._internal_state
        row = TRANSITIONS.get((old, event))
        if row is None:
            msg = f"{type(self).__name__} cannot handle {event.value!r} while {old.value}"
            raise InvalidTransition(msg)
        new, actions, changes = row
        if actions:
            if actions & KEEP:
                self._outcome = payload
            elif actions & DROP:
                self._outcome = None
            if actions & CLOCK:
                self._started_at = time.monotonic()
            if actions & LATE_RAISE:
                logger.debug("%s raised after its outcome was decided", safe_repr(self))
            if actions & STOP_JOB:
                # Before observers of the failure run: the job runs on.
                self._request_cancel(self._cancel)
            if actions & DONE:
                self._cancel = None
        self._internal_state = new
        if new in JOB_OVER:
            self._end_job()
        if actions & DONE:
            self._finished()
        try:
            self._fire(changes)
        finally:
            if actions & DONE:
                self._run_done_callbacks()

    def _fire(self, changes: tuple[tuple[str, object, object], ...]) -> None:
        """Fire ``state``, ``cancellable``, ``end_reason``, ``done`` for a change.

        An observer that raises does not stop the others; the first error is
        raised once all have run.
        """
        first_error: Exception | None = None
        # Each change goes to the handlers observe() kept, then to Traits'
        # notifiers. _observers is read at each change: a handler of one may
        # observe the next.
        # trait_property_changed is missing from the traits stubs.
        notify = self.trait_property_changed  # type: ignore[attr-defined]
        for name, before, after in changes:
            try:
                if name == "done":
                    end_reason = self.end_reason
                    if self._observers:
                        self._notify_observers("end_reason", None, end_reason)
                    notify("end_reason", None, end_reason)
                if self._observers:
                    self._notify_observers(name, before, after)
                notify(name, before, after)
            except Exception as error:
                if first_error is None:
                    first_error = error
        if first_error is not None:
            raise first_error

    def _end_job(self) -> None:
        """The job sent its last message: its executor frees its claims now.

        Before the observers run: code that reacts to ``done`` (a done
        callback, an ``await``) may at once submit a job needing them.
        """
        wait, control = self._wait, self._control
        if wait is not None and control is not None and control.job_id >= 0:
            wait.job_over(control.job_id)

    def _finished(self) -> None:
        """The future just became done; its observers have not run yet. For subclasses."""

    def _run_done_callbacks(self) -> None:
        callbacks = self._done_callbacks
        if callbacks is None:
            return
        self._done_callbacks = None
        for fn in callbacks:
            self._run_callback(fn)

    def _run_callback(self, fn: Callable[[Any], object], argument: Any = None) -> None:
        try:
            fn(self if argument is None else argument)
        except Exception:
            logger.exception("Callback %s of %s raised", safe_repr(fn), safe_repr(self))

    def _on_published_status(self, status: Any) -> None:
        self.status = status

    def _on_stopped(self, _payload: None) -> None:
        self._stopped = True

    def _on_message_lost(self, failure: RaisedPayload) -> None:
        self._receive(Event.FAIL, failure)

    def _on_progress_info(self, report: ProgressReport) -> None:
        started = self._started_at
        elapsed = 0.0 if started is None else time.monotonic() - started
        info = ProgressInfo.from_report(report, elapsed)
        self.progress_info = info
        for fn in self._progress_watchers or ():
            self._run_callback(fn, info)

    def _get_state(self) -> str:
        return PUBLIC[self._internal_state]

    def _get_cancellable(self) -> bool:
        return PUBLIC[self._internal_state] in CANCELLABLE_STATES

    def _get_done(self) -> bool:
        return PUBLIC[self._internal_state] in DONE_STATES

    # Property getters stay here: Traits looks them up on the class that defines the trait.

    def _get_end_reason(self) -> str | None:
        state = self._internal_state
        public = PUBLIC[state]
        if public == COMPLETED:
            return STOPPED if self._stopped else COMPLETED
        if public == FAILED:
            return TIMED_OUT if state is S.TIMED_OUT or state is S.TIMED_OUT_RUNNING else FAILED
        if public == CANCELLED:
            return PREEMPTED if self._preempter is not None else CANCELLED
        return None

    def _get_preempted_by(self) -> "BaseFuture | None":
        preempter: BaseFuture | None = self._preempter
        return preempter


_BUILT_IN_HANDLERS: dict[MessageKind, Callable[[Any, Any], None]] = {
    PROGRESS_INFO: BaseFuture._on_progress_info,
    PUBLISHED_STATUS: BaseFuture._on_published_status,
    STOPPED_KIND: BaseFuture._on_stopped,
    MESSAGE_LOST: BaseFuture._on_message_lost,
}
BaseFuture._message_handlers = dict(_BUILT_IN_HANDLERS)
