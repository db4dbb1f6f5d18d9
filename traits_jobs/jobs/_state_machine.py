# SPDX-License-Identifier: BSD-3-Clause
"""The state machine of a future, as tables.

Internal states refine the six public ones, so that each message is checked
against what may happen next and so that "the future is done" and "the job
has sent its last message" can differ: a job that timed out, or sent a
message its future cannot handle, fails its future at once but runs on
until it sees the cancellation; a job that returned and must settle has
sent its last message while its future is still executing.

Every transition is one row of ``TRANSITIONS``; anything else is an
:class:`~traits_jobs.states.exceptions.InvalidTransition`.
"""

import enum

from traits_jobs.states.future_states import (
    CANCELLABLE_STATES,
    CANCELLED,
    CANCELLING,
    COMPLETED,
    DONE_STATES,
    EXECUTING,
    FAILED,
    WAITING,
)
from traits_jobs.states.messages import Control


class S(enum.Enum):
    """Internal states, each shown as one public state."""

    # Members are singletons: identity hashing keeps table lookups in C.
    __hash__ = object.__hash__

    WAITING = WAITING
    EXECUTING = EXECUTING
    SETTLING = "returned, settling"
    COMPLETED = COMPLETED
    FAILED = FAILED
    FAILED_RUNNING = "failed, job still running"
    TIMED_OUT_RUNNING = "timed out, job still running"
    TIMED_OUT = "timed out"
    CANCEL_REQUESTED_WAITING = "cancel requested while waiting"
    CANCEL_REQUESTED_EXECUTING = "cancel requested while executing"
    CANCELLED_UNSTARTED = "cancelled before starting"
    CANCELLED_RETURNED = "cancelled, then returned"
    CANCELLED_RAISED = "cancelled, then raised"
    CANCELLED_SETTLING = "cancelled while settling"
    CANCELLED_SETTLED = "cancelled while settling, settle over"


class Event(enum.Enum):
    """What happens to a future that is not a message from its job."""

    __hash__ = object.__hash__

    #: The user called ``cancel()``.
    CANCEL = "cancel()"
    #: The job returned and must settle; the payload is its return value.
    SETTLE = "settle"
    #: The settle time is over.
    SETTLED = "settled"
    #: The job's timeout expired; the payload is the error to fail with.
    TIME_OUT = "time out"
    #: The job sent what its future cannot handle; the payload is the error.
    FAIL = "fail"


PUBLIC: dict[S, str] = {
    S.WAITING: WAITING,
    S.EXECUTING: EXECUTING,
    S.SETTLING: EXECUTING,
    S.COMPLETED: COMPLETED,
    S.FAILED: FAILED,
    S.FAILED_RUNNING: FAILED,
    S.TIMED_OUT_RUNNING: FAILED,
    S.TIMED_OUT: FAILED,
    S.CANCEL_REQUESTED_WAITING: CANCELLING,
    S.CANCEL_REQUESTED_EXECUTING: CANCELLING,
    S.CANCELLED_UNSTARTED: CANCELLED,
    S.CANCELLED_RETURNED: CANCELLED,
    S.CANCELLED_RAISED: CANCELLED,
    S.CANCELLED_SETTLING: CANCELLED,
    S.CANCELLED_SETTLED: CANCELLED,
}

#: States in which the job will send nothing more: its record can go.
JOB_OVER: frozenset[S] = frozenset(
    {
        S.COMPLETED,
        S.FAILED,
        S.TIMED_OUT,
        S.CANCELLED_UNSTARTED,
        S.CANCELLED_RETURNED,
        S.CANCELLED_RAISED,
        S.CANCELLED_SETTLED,
    }
)

#: States whose public state is FAILED and whose outcome is the failure.
FAILURE_STATES: frozenset[S] = frozenset(
    {S.FAILED, S.FAILED_RUNNING, S.TIMED_OUT_RUNNING, S.TIMED_OUT}
)

_RETURNED, _RAISED = Control.RETURNED, Control.RAISED

# What a transition does besides changing the state, as bits (ints, not an
# enum.Flag: these are tested on every message that moves a future).
#: Keep the payload (a result or a failure) as the outcome.
KEEP = 1
#: Ask the job to stop before observers run: the future failed while it runs on.
STOP_JOB = 2
#: The job started executing: note the time.
CLOCK = 4
#: The job raised after its outcome was decided; note it in the debug log.
LATE_RAISE = 8
#: Derived from the states, never written in the rows below:
#: the future became done (run done callbacks, drop the cancel function) ...
DONE = 16
#: ... and ended cancelled, with no outcome to keep.
DROP = 32

#: (state, event, next state, actions), the whole state machine.
_ROWS: tuple[tuple[S, Control | Event, S, int], ...] = (
    (S.WAITING, Control.STARTED, S.EXECUTING, CLOCK),
    (S.WAITING, Event.CANCEL, S.CANCEL_REQUESTED_WAITING, 0),
    # The pool failed the job before it could start (a pickling error, a
    # broken process pool): the job ends failed without having run.
    (S.WAITING, _RAISED, S.FAILED, KEEP),
    # The executor failed the job before it started (its event loop died)
    # and set its cancel flag: the worker drops it, or had just started it.
    # Not STOP_JOB: withdrawing a queued job would deliver its end inside
    # this transition.
    (S.WAITING, Event.FAIL, S.FAILED_RUNNING, KEEP),
    (S.EXECUTING, _RETURNED, S.COMPLETED, KEEP),
    (S.EXECUTING, _RAISED, S.FAILED, KEEP),
    (S.EXECUTING, Event.CANCEL, S.CANCEL_REQUESTED_EXECUTING, 0),
    (S.EXECUTING, Event.SETTLE, S.SETTLING, KEEP),
    (S.EXECUTING, Event.TIME_OUT, S.TIMED_OUT_RUNNING, KEEP | STOP_JOB),
    (S.EXECUTING, Event.FAIL, S.FAILED_RUNNING, KEEP | STOP_JOB),
    (S.SETTLING, Event.SETTLED, S.COMPLETED, 0),
    (S.SETTLING, Event.CANCEL, S.CANCELLED_SETTLING, 0),
    (S.SETTLING, Event.FAIL, S.FAILED, KEEP),
    (S.CANCELLED_SETTLING, Event.SETTLED, S.CANCELLED_SETTLED, 0),
    (S.FAILED_RUNNING, Control.STARTED, S.FAILED_RUNNING, 0),
    (S.FAILED_RUNNING, Control.ABANDONED, S.FAILED, 0),
    (S.FAILED_RUNNING, _RETURNED, S.FAILED, 0),
    (S.FAILED_RUNNING, _RAISED, S.FAILED, LATE_RAISE),
    (S.TIMED_OUT_RUNNING, _RETURNED, S.TIMED_OUT, 0),
    (S.TIMED_OUT_RUNNING, _RAISED, S.TIMED_OUT, LATE_RAISE),
    (S.CANCEL_REQUESTED_WAITING, Control.ABANDONED, S.CANCELLED_UNSTARTED, 0),
    # The worker passed its cancellation check just before the request.
    (S.CANCEL_REQUESTED_WAITING, Control.STARTED, S.CANCEL_REQUESTED_EXECUTING, 0),
    (S.CANCEL_REQUESTED_WAITING, _RAISED, S.CANCELLED_RAISED, LATE_RAISE),
    (S.CANCEL_REQUESTED_EXECUTING, _RETURNED, S.CANCELLED_RETURNED, 0),
    (S.CANCEL_REQUESTED_EXECUTING, _RAISED, S.CANCELLED_RAISED, LATE_RAISE),
)


def _changes(old: str, new: str) -> "Changes":
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


def _derived(old: S, new: S) -> int:
    becomes_done = PUBLIC[new] in DONE_STATES and PUBLIC[old] not in DONE_STATES
    if not becomes_done:
        return 0
    return DONE | (DROP if PUBLIC[new] == CANCELLED else 0)


#: (state, event) -> (next state, actions, trait changes to fire in order).
#: Any pair not listed is an invalid transition.
Changes = tuple[tuple[str, object, object], ...]
TRANSITIONS: dict[tuple[S, Control | Event], tuple[S, int, Changes]] = {
    (old, event): (new, actions | _derived(old, new), _changes(PUBLIC[old], PUBLIC[new]))
    for old, event, new, actions in _ROWS
}

#: States in which job-specific messages are dropped: the future no longer
#: reports what the job produces.
DROPPING: frozenset[S] = frozenset(
    {S.CANCEL_REQUESTED_EXECUTING, S.FAILED_RUNNING, S.TIMED_OUT_RUNNING}
)
