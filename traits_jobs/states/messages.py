# SPDX-License-Identifier: BSD-3-Clause
"""The kinds of message a job sends to its future.

A message is a ``(job_id, kind, payload)`` triple. ``kind`` is either a
:class:`Control` member, which drives the future's state machine, or a string
naming a job-specific message (``"generated"``, ``"progress"``, or a kind a
user-defined job invents), which the future dispatches to a handler.
Keeping the two apart by type means a user's kind can never be mistaken for a
control message, whatever it is called.
"""

import enum
from collections.abc import Callable
from typing import Any


class Control(enum.Enum):
    """Messages that move a future through its states."""

    # Members are singletons compared by identity; hashing by identity keeps
    # the per-message dict lookups in C (Enum's own __hash__ is Python).
    __hash__ = object.__hash__

    #: The worker picked the job up and is about to run it.
    STARTED = "started"

    #: The worker saw the cancellation before starting; the job never ran.
    ABANDONED = "abandoned"

    #: The job returned; the payload is the return value.
    RETURNED = "returned"

    #: The job raised; the payload is a :class:`RaisedPayload`.
    RAISED = "raised"


class LatestKind(str):
    """A message kind of which only the latest undelivered message counts.

    It compares and hashes as the plain string, so futures look handlers up
    by the string. While a message of such a kind is queued and is its job's
    most recent message, a newer one of the same kind replaces its payload
    instead of queueing behind it: a fast reporter costs the main thread one
    delivery per drain, not one per report, and the last report always
    arrives.
    """

    __slots__ = ()


#: Payload kind sent by iteration jobs for each generated item.
GENERATED = "generated"

#: Payload kind sent by progress jobs for each report; every report is delivered.
PROGRESS = "progress"

#: The same kind, sent by progress jobs submitted with ``coalesce_progress=True``:
#: a queued report is replaced by a newer one.
COALESCED_PROGRESS = LatestKind(PROGRESS)

#: Sent by any job just before it returns, when it ended because it was
#: asked to stop: its future ends with ``end_reason`` "stopped". The kinds
#: the library sends to every future have dotted names, which no
#: ``_process_<kind>`` handler can have.
STOPPED = "traits_jobs.stopped"

#: Sent by ``current_job().publish_status(obj)``; coalesced.
PUBLISHED_STATUS = LatestKind("traits_jobs.status")

#: Sent by a pausable job when it has paused (payload True) and when it
#: runs again (False).
PAUSED = "traits_jobs.paused"

#: Sent by a loop job after each iteration, with the count so far; coalesced.
ITERATIONS = LatestKind("traits_jobs.iterations")

#: Sent by a loop job for each overrun, with a ``MissedIteration``.
MISSED = "traits_jobs.missed"

#: Sent by a loop job when it applied new settings: ``(serial, settings)``.
SETTINGS_APPLIED = "traits_jobs.settings_applied"

#: Stands in for a job's message that could not cross from its worker
#: process (its payload did not pickle): the payload is the failure, and the
#: future fails while the job is asked to stop.
MESSAGE_LOST = "traits_jobs.message_lost"

#: What a message kind may be.
MessageKind = Control | str

#: A message as it travels through the queue: a tuple, or a list (a
#: coalescible message whose payload a newer report may still replace).
Message = tuple[int, MessageKind, Any] | list[Any]

#: ``send(job_id, kind, payload)``: how a worker reaches the main thread.
SendFunction = Callable[[int, MessageKind, Any], None]
