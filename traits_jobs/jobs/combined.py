# SPDX-License-Identifier: BSD-3-Clause
"""Futures made of other futures: ``all_of(a, b)`` / ``a & b`` and ``any_of(a, b)`` / ``a | b``.

A combined future is observable like any other and can itself be combined.
It is EXECUTING once one of its children is, and ends:

``all_of``
    COMPLETED when every child completed, with the tuple of their results;
    FAILED as soon as one child fails, with that child's own exception (or
    a :class:`~traits_jobs.api.JobCancelledError` naming a child that was
    cancelled).
``any_of``
    COMPLETED with the result of the first child to complete; FAILED once
    every child has ended without completing, with an
    :class:`ExceptionGroup` of their exceptions (cancelled ones as
    :class:`~traits_jobs.api.JobCancelledError`).

Cancelling a combined future cancels its children and ends it CANCELLED
once they have all ended. Everything happens on the main thread.
"""

from collections.abc import Callable
from typing import Any

from traits.api import Any as AnyTrait
from traits.api import Tuple

from traits_jobs.jobs._state_machine import S
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.states.exceptions import JobCancelledError
from traits_jobs.states.failure import RaisedPayload, marshal_exception
from traits_jobs.states.future_states import CANCELLED, COMPLETED, EXECUTING, FAILED
from traits_jobs.states.messages import Control


class CombinedFuture(BaseFuture):
    """A future that follows its children; made by :func:`all_of` and :func:`any_of`."""

    #: The futures combined, in the order given.
    children = Tuple()

    #: children -> (kind, payload) of the end, or None while undecided.
    _decide = AnyTrait()

    def __init__(self, children: tuple[BaseFuture, ...], decide: Callable[..., Any]) -> None:
        super().__init__(children=children, _cancel=self._cancel_children)
        self._decide = decide
        if children:
            self._wait = children[0]._wait
        for child in children:
            child.observe(self._child_state_changed, "state")
        if any(child._internal_state is not S.WAITING for child in children):
            # A child already started (or ended): so has the combination.
            self._receive(Control.STARTED, None)
        for child in children:
            if self.done:
                break
            child.add_done_callback(self._child_done)
        if not children:
            self._finish(decide(()))

    def _child_state_changed(self, event: Any) -> None:
        if event.new == EXECUTING and self._internal_state is S.WAITING:
            self._receive(Control.STARTED, None)

    def _child_done(self, child: BaseFuture) -> None:
        if self.done:
            return
        state = self._internal_state
        if state is S.CANCEL_REQUESTED_WAITING or state is S.CANCEL_REQUESTED_EXECUTING:
            if all(c.done for c in self.children):
                ending = Control.ABANDONED if state is S.CANCEL_REQUESTED_WAITING else None
                self._receive(ending or Control.RETURNED, None)
            return
        outcome = self._decide(self.children)
        if outcome is not None:
            self._finish(outcome)

    def _finish(self, outcome: tuple[Control, Any]) -> None:
        kind, payload = outcome
        if self._internal_state is S.WAITING:
            self._receive(Control.STARTED, None)
        self._receive(kind, payload)

    def stop(self) -> bool:
        """Ask every child to stop; the combination ends as its children do.

        If it then completes, its ``end_reason`` is "stopped". Thread-safe,
        as the children's ``stop()``.

        Returns
        -------
        bool
            True if a child was still waiting or executing.
        """
        if not self.cancellable:
            return False
        accepted = [child.stop() for child in self.children]
        if not any(accepted):
            return False
        self._stopped = True
        return True

    def _cancel_children(self) -> None:
        for child in self.children:
            child.cancel()
        self._child_done(self)

    # The combined future has no job of its own: it is over when it is done.
    @property
    def _job_over(self) -> bool:
        return self.done


def _failure_of(child: BaseFuture) -> RaisedPayload:
    if child.state == FAILED:
        payload: RaisedPayload = child._outcome
        return payload
    return marshal_exception(JobCancelledError(f"{child!r} was cancelled"))


def _all_decision(children: tuple[BaseFuture, ...]) -> tuple[Control, Any] | None:
    for child in children:
        if child.state in (FAILED, CANCELLED):
            return Control.RAISED, _failure_of(child)
    if all(child.state == COMPLETED for child in children):
        return Control.RETURNED, tuple(child.result for child in children)
    return None


def _any_decision(children: tuple[BaseFuture, ...]) -> tuple[Control, Any] | None:
    for child in children:
        if child.state == COMPLETED:
            return Control.RETURNED, child.result
    if all(child.done for child in children):
        errors = [_failure_of(child).exception_object() for child in children]
        group = BaseExceptionGroup(f"none of {len(children)} jobs completed", errors)
        return Control.RAISED, marshal_exception(group)
    return None


def _check(function_name: str, futures: tuple[Any, ...]) -> tuple[BaseFuture, ...]:
    for future in futures:
        if not isinstance(future, BaseFuture):
            msg = f"{function_name}() expected futures, got {type(future).__name__}: {future!r}"
            raise TypeError(msg)
    return futures


def all_of(*futures: BaseFuture) -> CombinedFuture:
    """A future that completes when all of ``futures`` complete. Main thread only.

    Its ``result`` is the tuple of their results; it fails as soon as one
    of them fails, with that job's own exception.

    Raises
    ------
    TypeError
        If an argument is not a future.
    """
    return CombinedFuture(_check("all_of", futures), _all_decision)


def any_of(*futures: BaseFuture) -> CombinedFuture:
    """A future that completes when the first of ``futures`` completes. Main thread only.

    Its ``result`` is that job's result; it fails when all of them have
    ended without completing.

    Raises
    ------
    TypeError
        If an argument is not a future.
    """
    if not futures:
        msg = "any_of() needs at least one future"
        raise TypeError(msg)
    return CombinedFuture(_check("any_of", futures), _any_decision)
