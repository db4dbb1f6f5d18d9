# SPDX-License-Identifier: BSD-3-Clause
"""How a future tells what its job came to: result, error, end reason.

The base class of :class:`~traits_jobs.api.BaseFuture`, with the private
traits that hold the internal state and the outcome; only the future's
transitions write them. It is a Traits class, not a plain mixin, so that
Traits knows its Python properties: a property that raises AttributeError
on a plain mixin would make Traits answer later lookups itself.
"""

from typing import Any

from traits.api import Any as AnyTrait
from traits.api import HasStrictTraits

from traits_jobs.jobs._state_machine import FAILURE_STATES, S
from traits_jobs.states.exceptions import JobCancelledError
from traits_jobs.states.failure import RaisedPayload
from traits_jobs.states.future_states import COMPLETED, FAILED


class FutureOutcome(HasStrictTraits):
    """``result``, ``exception``, ``error``, ``failure`` and when the job started."""

    # Provided by BaseFuture.
    state: str

    _internal_state = AnyTrait(S.WAITING)
    _started_at = AnyTrait()
    _outcome = AnyTrait()
    _preempter = AnyTrait()
    #: True once the job said it ended because it was asked to stop.
    _stopped = AnyTrait(False)
    #: True once ``exception`` or ``error`` was read (or raised by wait/await),
    #: for reporting the failures that nobody looked at.
    _error_retrieved = AnyTrait(False)

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

    @property
    def failure(self) -> tuple[str, str, str] | None:
        """``(type name, message, formatted traceback)`` if the job failed, else None.

        For displays (job lists, failure reports): unlike :attr:`exception`
        and :attr:`error`, reading it does not count as retrieving the error.
        """
        if self._internal_state not in FAILURE_STATES:
            return None
        return self._failure().exception_triple()

    @property
    def error_retrieved(self) -> bool:
        """True once :attr:`exception` or :attr:`error` was read, or raised by a wait."""
        return bool(self._error_retrieved)

    @property
    def started_at(self) -> float | None:
        """``time.monotonic()`` when the job started executing; None until it has."""
        started: float | None = self._started_at
        return started

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
