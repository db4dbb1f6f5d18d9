# SPDX-License-Identifier: BSD-3-Clause
"""The main-thread half of a job: a Traits object whose state follows the job.

Internal states refine the public ones so that each message is checked
against what may happen next. Every transition is one row of
``_TRANSITIONS``; anything else is an :class:`InvalidTransition`.
"""

import asyncio
import time
from collections.abc import Callable, Generator
from typing import Any, ClassVar, TypeVar

from traits.api import Any as AnyTrait
from traits.api import Bool, HasStrictTraits, Instance, Property, Str, Union, provides
from traits.api import Callable as CallableTrait

from traits_jobs.event_loops.i_event_loop import logger
from traits_jobs.jobs._state_machine import (
    CHANGES,
    DROPPING,
    FAILURE_STATES,
    JOB_OVER,
    PUBLIC,
    TRANSITIONS,
    Event,
    S,
)
from traits_jobs.jobs.i_task_specification import IFuture
from traits_jobs.jobs.options import check_seconds
from traits_jobs.jobs.status import STATUS, ProgressInfo, ProgressReport
from traits_jobs.states.exceptions import (
    InvalidTransition,
    JobCancelledError,
    UnknownMessageError,
    WaitTimeoutError,
)
from traits_jobs.states.failure import RaisedPayload, marshal_exception
from traits_jobs.states.future_states import (
    CANCELLABLE_STATES,
    CANCELLED,
    COMPLETED,
    DONE_STATES,
    FAILED,
    PREEMPTED,
    TIMED_OUT,
    EndReason,
    FutureState,
)
from traits_jobs.states.messages import Control, MessageKind

# Enum member lookups through the class are slow on the hot path.
_WAITING, _EXECUTING = S.WAITING, S.EXECUTING

#: Waits until a future is done or a timeout expires, delivering messages
#: meanwhile when on the main thread; supplied by the executor.
#: ``wait(future, timeout) -> bool``, True if the future is done.
WaitFunction = Callable[["BaseFuture", float | None], bool]

_F = TypeVar("_F", bound=Callable[..., Any])

#: Attribute that marks a method as the handler of a message kind.
_HANDLES = "_traits_jobs_handles"
_PROCESS_PREFIX = "_process_"


def message_handler(kind: str) -> Callable[[_F], _F]:
    """Mark a future's method as the handler of messages of ``kind``.

    Examples
    --------
    >>> class FizzBuzzFuture(BaseFuture):
    ...     fizz = Event(Int)
    ...
    ...     @message_handler("fizz")
    ...     def _on_fizz(self, value: int) -> None:
    ...         self.fizz = value
    """
    if not isinstance(kind, str):
        msg = f"message_handler() expected a str message kind, got {type(kind).__name__}: {kind!r}"
        raise TypeError(msg)

    def decorate(method: _F) -> _F:
        setattr(method, _HANDLES, kind)
        return method

    return decorate


@provides(IFuture)
class BaseFuture(HasStrictTraits):
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

    #: Why the future ended: "completed", "failed", "timed out", "cancelled"
    #: or "preempted"; None until it is done.
    end_reason = Property(EndReason, observe=None)

    #: The future of the foreground job that preempted this background job.
    preempted_by = Property(AnyTrait, observe=None)

    #: The job's name, as given to the submit function's ``name=`` option.
    name = Union(None, Str)

    #: The latest structured progress the job reported with
    #: ``report_progress()``; None until the first report.
    progress_info = Union(None, Instance(ProgressInfo))

    #: Requests cancellation of the job; supplied by the executor.
    _cancel = CallableTrait(allow_none=True)

    #: Waits for a condition while delivering messages; supplied by the executor.
    _wait = AnyTrait()

    _internal_state = AnyTrait(S.WAITING)
    _started_at = AnyTrait()
    _progress_watchers = AnyTrait()
    _outcome = AnyTrait()
    _preempter = AnyTrait()
    _done_callbacks = AnyTrait()
    #: True once ``exception`` or ``error`` was read (or raised by wait/await),
    #: for reporting the failures that nobody looked at.
    _error_retrieved = AnyTrait(False)

    #: Message kind -> handler, built for each class from its methods.
    _message_handlers: ClassVar[dict[MessageKind, Callable[[Any, Any], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Every future handles structured progress; subclasses add their kinds.
        super().__init_subclass__(**kwargs)
        handlers: dict[MessageKind, Callable[[Any, Any], None]] = {STATUS: BaseFuture._on_status}
        for klass in reversed(cls.__mro__):
            for name, member in vars(klass).items():
                kind = getattr(member, _HANDLES, None)
                if kind is None and name.startswith(_PROCESS_PREFIX) and callable(member):
                    kind = name[len(_PROCESS_PREFIX) :]
                if kind is not None:
                    handlers[kind] = member
        cls._message_handlers = handlers

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
            otherwise. Never raises.
        """
        if PUBLIC[self._internal_state] not in CANCELLABLE_STATES:
            return False
        cancel = self._cancel
        try:
            self._transition(Event.CANCEL)
        except Exception:
            logger.exception("An observer of %r failed during cancel()", self)
        self._request_cancel(cancel)
        return True

    def add_done_callback(self, fn: Callable[["BaseFuture"], object]) -> None:
        """Call ``fn(future)`` once the future is done. Main thread only.

        The callback runs on the main thread after the final state is set
        and its observers have run; at once if the future is done already.
        An exception in a callback is logged with its traceback; it never
        reaches the caller and never stops the other callbacks.

        Raises
        ------
        TypeError
            If ``fn`` is not callable.
        """
        if not callable(fn):
            msg = f"add_done_callback() expected a callable, got {type(fn).__name__}: {fn!r}"
            raise TypeError(msg)
        if self.done:
            self._run_callback(fn)
            return
        if self._done_callbacks is None:
            self._done_callbacks = []
        self._done_callbacks.append(fn)

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

    def wait(self, timeout: float | None = None) -> Any:
        """Block until the future is done; return its result. Any thread.

        On the main thread the event loop runs meanwhile, so messages keep
        arriving and this cannot deadlock (observers of any future may run
        inside this call). On another thread it simply blocks.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most; None waits for as long as it takes.

        Returns
        -------
        object
            The future's ``result``.

        Raises
        ------
        WaitTimeoutError
            If the wait expired; the job goes on.
        JobCancelledError
            If the future ended CANCELLED.
        BaseException
            The job's own exception object, if it failed.
        RuntimeError
            If the future was never submitted, or its event loop cannot run
            here (an asyncio loop already running: ``await`` instead).
        TypeError, ValueError
            If ``timeout`` is not a number of seconds, or is negative.
        """
        check_seconds("timeout", timeout, allow_none=True)
        if not self.done:
            wait = self._wait
            if wait is None:
                msg = f"{self!r} was not submitted to an executor: nothing to wait for."
                raise RuntimeError(msg)
            if not wait(self, timeout):
                msg = f"{self!r} was not done after waiting {timeout} s; the job goes on."
                raise WaitTimeoutError(msg)
        return self._outcome_or_raise()

    def __await__(self) -> Generator[Any, None, Any]:
        """``await future``: the result, or the job's exception. Main thread's asyncio loop."""
        if not self.done:
            if self._wait is None:
                msg = f"{self!r} was not submitted to an executor: nothing to await."
                raise RuntimeError(msg)
            waiter = asyncio.get_running_loop().create_future()

            def wake(future: BaseFuture) -> None:
                if not waiter.done():
                    waiter.set_result(None)

            self.add_done_callback(wake)
            yield from waiter
        return self._outcome_or_raise()

    def __and__(self, other: object) -> "BaseFuture":
        """``a & b``: :func:`~traits_jobs.api.all_of` of the two futures."""
        from traits_jobs.jobs.combined import all_of

        if not isinstance(other, BaseFuture):
            return NotImplemented
        return all_of(self, other)

    def __or__(self, other: object) -> "BaseFuture":
        """``a | b``: :func:`~traits_jobs.api.any_of` of the two futures."""
        from traits_jobs.jobs.combined import any_of

        if not isinstance(other, BaseFuture):
            return NotImplemented
        return any_of(self, other)

    @property
    def result(self) -> Any:
        """What the job returned. Main thread only.

        Raises
        ------
        AttributeError
            If the job has not completed successfully.
        """
        if self._internal_state is not S.COMPLETED:
            msg = f"No result available: the job is {self.state}, not {COMPLETED}."
            raise AttributeError(msg)
        return self._outcome

    @property
    def exception(self) -> tuple[str, str, str]:
        """``(type name, message, formatted traceback)`` of a failed job.

        Raises
        ------
        AttributeError
            If the job has not failed.
        """
        triple = self._failure().exception_triple()
        self._error_retrieved = True
        return triple

    @property
    def error(self) -> BaseException:
        """The exception object a failed job raised, with its traceback.

        When the object could not cross from the worker, a
        :class:`~traits_jobs.api.RemoteJobError` stands in for it.

        Raises
        ------
        AttributeError
            If the job has not failed.
        """
        error = self._failure().exception_object()
        self._error_retrieved = True
        return error

    def __repr__(self) -> str:
        state = PUBLIC[self._internal_state]
        kind = type(self).__name__ if self.name is None else f"{type(self).__name__} {self.name!r}"
        if state == COMPLETED:
            return f"<{kind} {state} result={self._outcome!r}>"
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
        if isinstance(kind, Control | Event):
            if state is _EXECUTING or state is _WAITING:
                if kind is Control.RETURNED or kind is Control.RAISED:
                    self._outcome = payload
                elif kind is Event.SETTLE or kind is Event.TIME_OUT or kind is Event.FAIL:
                    self._outcome = payload
            elif kind is Control.RAISED and state not in FAILURE_STATES:
                logger.debug("%r raised after cancellation: %s", self, payload.message)
            if (kind is Event.TIME_OUT or kind is Event.FAIL) and state is _EXECUTING:
                # Stop the job before observers of the failure run.
                self._request_cancel(self._cancel)
            self._transition(kind)
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
        known = ", ".join(sorted(map(repr, self._message_handlers))) or "none"
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
                logger.exception("Cancelling %r failed", self)

    def _transition(self, event: Control | Event) -> None:
        old = self._internal_state
        new = TRANSITIONS.get((old, event))
        if new is None:
            msg = f"{type(self).__name__} cannot handle {event.value!r} while {old.value}"
            raise InvalidTransition(msg)
        self._internal_state = new
        if old is _WAITING and new is _EXECUTING:
            self._started_at = time.monotonic()
        becomes_done = PUBLIC[new] in DONE_STATES and PUBLIC[old] not in DONE_STATES
        if becomes_done:
            if new is not S.COMPLETED and new not in FAILURE_STATES:
                self._outcome = None
            self._cancel = None
        try:
            self._fire(old, new)
        finally:
            if becomes_done:
                self._run_done_callbacks()

    def _fire(self, old: S, new: S) -> None:
        """Fire ``state``, ``cancellable``, ``end_reason``, ``done`` for a change.

        An observer that raises does not stop the others; the first error is
        raised once all have run.
        """
        first_error: Exception | None = None
        # trait_property_changed is missing from the traits stubs.
        notify = self.trait_property_changed  # type: ignore[attr-defined]
        for name, before, after in CHANGES[old, new]:
            try:
                if name == "done":
                    notify("end_reason", None, self.end_reason)
                notify(name, before, after)
            except Exception as error:
                if first_error is None:
                    first_error = error
        if first_error is not None:
            raise first_error

    def _run_done_callbacks(self) -> None:
        callbacks, self._done_callbacks = self._done_callbacks, None
        for fn in callbacks or ():
            self._run_callback(fn)

    def _run_callback(self, fn: Callable[[Any], object], argument: Any = None) -> None:
        try:
            fn(self if argument is None else argument)
        except Exception:
            logger.exception("Callback %r of %r raised", fn, self)

    def _on_status(self, report: ProgressReport) -> None:
        started = self._started_at
        elapsed = 0.0 if started is None else time.monotonic() - started
        info = ProgressInfo.from_report(report, elapsed)
        self.progress_info = info
        for fn in self._progress_watchers or ():
            self._run_callback(fn, info)

    def _outcome_or_raise(self) -> Any:
        state = self._internal_state
        if state is S.COMPLETED:
            return self._outcome
        if state in FAILURE_STATES:
            raise self.error
        msg = f"{self!r} was cancelled" + (" (preempted)" if self._preempter else "")
        raise JobCancelledError(msg)

    def _failure(self) -> RaisedPayload:
        if self._internal_state not in FAILURE_STATES:
            msg = f"No exception available: the job is {self.state}, not {FAILED}."
            raise AttributeError(msg)
        payload: RaisedPayload = self._outcome
        return payload

    def _get_state(self) -> str:
        return PUBLIC[self._internal_state]

    def _get_cancellable(self) -> bool:
        return PUBLIC[self._internal_state] in CANCELLABLE_STATES

    def _get_done(self) -> bool:
        return PUBLIC[self._internal_state] in DONE_STATES

    def _get_end_reason(self) -> str | None:
        state = self._internal_state
        public = PUBLIC[state]
        if public == COMPLETED:
            return COMPLETED
        if public == FAILED:
            return TIMED_OUT if state is S.TIMED_OUT or state is S.TIMED_OUT_RUNNING else FAILED
        if public == CANCELLED:
            return PREEMPTED if self._preempter is not None else CANCELLED
        return None

    def _get_preempted_by(self) -> "BaseFuture | None":
        preempter: BaseFuture | None = self._preempter
        return preempter


BaseFuture._message_handlers = {STATUS: BaseFuture._on_status}
