# SPDX-License-Identifier: BSD-3-Clause
"""The main-thread half of a job: a Traits object whose state follows the job.

Internal states refine the public ones so that each message is checked
against what may happen next. Every transition is one row of
``_TRANSITIONS``; anything else is an :class:`InvalidTransition`.
"""

import enum
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from traits.api import Any as AnyTrait
from traits.api import Bool, HasStrictTraits, Property, provides
from traits.api import Callable as CallableTrait

from traits_jobs.event_loops.i_event_loop import logger
from traits_jobs.jobs.i_task_specification import IFuture
from traits_jobs.states.exceptions import InvalidTransition, UnknownMessageError
from traits_jobs.states.failure import RaisedPayload, marshal_exception
from traits_jobs.states.future_states import (
    CANCELLABLE_STATES,
    CANCELLED,
    CANCELLING,
    COMPLETED,
    DONE_STATES,
    EXECUTING,
    FAILED,
    WAITING,
    FutureState,
)
from traits_jobs.states.messages import Control, MessageKind


class _S(enum.Enum):
    """Internal states, each shown as one public state."""

    __hash__ = object.__hash__  # see Control

    WAITING = WAITING
    EXECUTING = EXECUTING
    COMPLETED = COMPLETED
    FAILED = FAILED
    CANCEL_REQUESTED_WAITING = "cancel requested while waiting"
    CANCEL_REQUESTED_EXECUTING = "cancel requested while executing"
    CANCELLED_UNSTARTED = "cancelled before starting"
    CANCELLED_RETURNED = "cancelled, then returned"
    CANCELLED_RAISED = "cancelled, then raised"


_PUBLIC: dict[_S, str] = {
    _S.WAITING: WAITING,
    _S.EXECUTING: EXECUTING,
    _S.COMPLETED: COMPLETED,
    _S.FAILED: FAILED,
    _S.CANCEL_REQUESTED_WAITING: CANCELLING,
    _S.CANCEL_REQUESTED_EXECUTING: CANCELLING,
    _S.CANCELLED_UNSTARTED: CANCELLED,
    _S.CANCELLED_RETURNED: CANCELLED,
    _S.CANCELLED_RAISED: CANCELLED,
}


# Enum member lookups through the class are slow on the hot path.
_WAITING, _EXECUTING = _S.WAITING, _S.EXECUTING


class _Cancel(enum.Enum):
    """The user's request, an event that is not a message."""

    __hash__ = object.__hash__  # see Control

    CANCEL = "cancel()"


_CANCEL = _Cancel.CANCEL

#: (state, event) -> next state. Any pair not listed is an invalid transition.
_TRANSITIONS: dict[tuple[_S, Control | _Cancel], _S] = {
    (_S.WAITING, Control.STARTED): _S.EXECUTING,
    (_S.WAITING, _CANCEL): _S.CANCEL_REQUESTED_WAITING,
    # The pool failed the job before it could start (a pickling error, a
    # broken process pool): the job ends failed without having run.
    (_S.WAITING, Control.RAISED): _S.FAILED,
    (_S.EXECUTING, Control.RETURNED): _S.COMPLETED,
    (_S.EXECUTING, Control.RAISED): _S.FAILED,
    (_S.EXECUTING, _CANCEL): _S.CANCEL_REQUESTED_EXECUTING,
    (_S.CANCEL_REQUESTED_WAITING, Control.ABANDONED): _S.CANCELLED_UNSTARTED,
    # The worker passed its cancellation check just before the request.
    (_S.CANCEL_REQUESTED_WAITING, Control.STARTED): _S.CANCEL_REQUESTED_EXECUTING,
    (_S.CANCEL_REQUESTED_WAITING, Control.RAISED): _S.CANCELLED_RAISED,
    (_S.CANCEL_REQUESTED_EXECUTING, Control.RETURNED): _S.CANCELLED_RETURNED,
    (_S.CANCEL_REQUESTED_EXECUTING, Control.RAISED): _S.CANCELLED_RAISED,
}


def _changes(old: str, new: str) -> tuple[tuple[str, object, object], ...]:
    """The trait changes that a move from public state ``old`` to ``new`` fires."""
    if old == new:
        return ()
    changes: list[tuple[str, object, object]] = [("state", old, new)]
    old_cancellable = old in CANCELLABLE_STATES
    if old_cancellable != (new in CANCELLABLE_STATES):
        changes.append(("cancellable", old_cancellable, not old_cancellable))
    old_done = old in DONE_STATES
    if old_done != (new in DONE_STATES):
        changes.append(("done", old_done, not old_done))
    return tuple(changes)


#: (old, new) internal states -> the changes of state, cancellable, done to fire.
_CHANGES: dict[tuple[_S, _S], tuple[tuple[str, object, object], ...]] = {
    (old, new): _changes(_PUBLIC[old], _PUBLIC[new]) for old in _S for new in _S
}

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
    delivered. ``state``, then ``cancellable``, then ``done`` fire, each once
    per change, so when ``done`` fires the outcome is already readable.

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

    #: Requests cancellation of the job; supplied by the executor.
    _cancel = CallableTrait(allow_none=True)

    _internal_state = AnyTrait(_S.WAITING)
    _outcome = AnyTrait()

    #: Message kind -> handler, built for each class from its methods.
    _message_handlers: ClassVar[dict[MessageKind, Callable[[Any, Any], None]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        handlers: dict[MessageKind, Callable[[Any, Any], None]] = {}
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
        is dropped, and the future ends CANCELLED.

        Returns
        -------
        bool
            True if the job was cancellable (WAITING or EXECUTING), False
            otherwise. Never raises.
        """
        if _PUBLIC[self._internal_state] not in CANCELLABLE_STATES:
            return False
        try:
            self._transition(_CANCEL)
        except Exception:
            logger.exception("An observer of %r failed during cancel()", self)
        self._request_cancel()
        return True

    @property
    def result(self) -> Any:
        """What the job returned. Main thread only.

        Raises
        ------
        AttributeError
            If the job has not completed successfully.
        """
        if self._internal_state is not _S.COMPLETED:
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
        return self._failure().exception_triple()

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
        return self._failure().exception_object()

    def __repr__(self) -> str:
        state = _PUBLIC[self._internal_state]
        if state == COMPLETED:
            return f"<{type(self).__name__} {state} result={self._outcome!r}>"
        if state == FAILED:
            payload: RaisedPayload = self._outcome
            return f"<{type(self).__name__} {state} {payload.type_name}: {payload.message}>"
        return f"<{type(self).__name__} {state}>"

    # -- delivery: main thread only -----------------------------------------

    def _receive(self, kind: MessageKind, payload: Any) -> bool:
        """Handle one message from the job; return True if it was the last."""
        state = self._internal_state
        if state is _EXECUTING:
            # The hot path: a job-specific message while running. Control
            # kinds are never keys of the handler table.
            handler = self._message_handlers.get(kind)
            if handler is not None:
                handler(self, payload)
                return False
        if isinstance(kind, Control):
            if kind is Control.RETURNED and state is _EXECUTING:
                self._outcome = payload
            elif kind is Control.RAISED:
                if state is _EXECUTING or state is _WAITING:
                    self._outcome = payload
                else:
                    logger.debug("%r raised after cancellation: %s", self, payload.message)
            self._transition(kind)
            return _PUBLIC[self._internal_state] in DONE_STATES
        if state is _EXECUTING:
            self._fail_unknown(kind)
            return True
        if state is _S.CANCEL_REQUESTED_EXECUTING:
            return False
        msg = f"{type(self).__name__} received a {kind!r} message while {state.value}"
        raise InvalidTransition(msg)

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
            self._outcome = marshal_exception(error)
        self._internal_state = _S.FAILED
        self._fire(_S.EXECUTING, _S.FAILED)
        self._request_cancel()

    def _request_cancel(self) -> None:
        cancel = self._cancel
        if cancel is not None:
            try:
                cancel()
            except Exception:
                logger.exception("Cancelling %r failed", self)

    def _transition(self, event: Control | _Cancel) -> None:
        old = self._internal_state
        new = _TRANSITIONS.get((old, event))
        if new is None:
            msg = f"{type(self).__name__} cannot handle {event.value!r} while {old.value}"
            raise InvalidTransition(msg)
        self._internal_state = new
        if _PUBLIC[new] in DONE_STATES:
            if new is not _S.COMPLETED and new is not _S.FAILED:
                self._outcome = None
            self._cancel = None
        self._fire(old, new)

    def _fire(self, old: _S, new: _S) -> None:
        """Fire ``state``, ``cancellable``, ``done`` for a change, in that order.

        An observer that raises does not stop the others; the first error is
        raised once all have run.
        """
        first_error: Exception | None = None
        for name, before, after in _CHANGES[old, new]:
            try:
                # trait_property_changed is missing from the traits stubs.
                self.trait_property_changed(name, before, after)  # type: ignore[attr-defined]
            except Exception as error:
                if first_error is None:
                    first_error = error
        if first_error is not None:
            raise first_error

    def _failure(self) -> RaisedPayload:
        if self._internal_state is not _S.FAILED:
            msg = f"No exception available: the job is {self.state}, not {FAILED}."
            raise AttributeError(msg)
        payload: RaisedPayload = self._outcome
        return payload

    def _get_state(self) -> str:
        return _PUBLIC[self._internal_state]

    def _get_cancellable(self) -> bool:
        return _PUBLIC[self._internal_state] in CANCELLABLE_STATES

    def _get_done(self) -> bool:
        return _PUBLIC[self._internal_state] in DONE_STATES
