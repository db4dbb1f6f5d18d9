# SPDX-License-Identifier: BSD-3-Clause
"""Public states of a future, and the sets derived from them.

The values are the lower-case strings traits-futures used, so that code
comparing ``future.state == "completed"`` or storing states keeps working.
``FutureState`` is a Traits trait type, as in traits-futures.
"""

from traits.api import Enum

#: The job is queued and has not started.
WAITING = "waiting"

#: The job is running.
EXECUTING = "executing"

#: The job returned; ``result`` is available.
COMPLETED = "completed"

#: The job raised; ``exception`` and ``error`` are available.
FAILED = "failed"

#: Cancellation was requested; the job has not finished yet.
CANCELLING = "cancelling"

#: The job was cancelled; nothing more will arrive.
CANCELLED = "cancelled"

#: Trait type for the state of a future.
FutureState = Enum(WAITING, EXECUTING, COMPLETED, FAILED, CANCELLING, CANCELLED)

#: States in which ``cancel()`` has an effect.
CANCELLABLE_STATES = frozenset({WAITING, EXECUTING})

#: Final states: nothing changes after one of these.
DONE_STATES = frozenset({COMPLETED, FAILED, CANCELLED})

# -- why a future ended: its end_reason ---------------------------------------
# COMPLETED, FAILED and CANCELLED double as the reasons of the same name.

#: The job ran past its ``timeout=``; the future is FAILED.
TIMED_OUT = "timed out"

#: A foreground job claiming the same resources cancelled this background
#: job; the future is CANCELLED.
PREEMPTED = "preempted"

#: The job ended early because ``future.stop()`` asked it to; the future is
#: COMPLETED.
STOPPED = "stopped"

#: Trait type for a future's ``end_reason``: None until it is done.
EndReason = Enum(None, COMPLETED, STOPPED, FAILED, TIMED_OUT, CANCELLED, PREEMPTED)
