# SPDX-License-Identifier: BSD-3-Clause
"""When a loop job's iterations start: a grid of periods, and what an overrun does.

Pure arithmetic on numbers, with no clock of its own: the loop runner asks
:meth:`LoopSchedule.plan` when the next iteration starts, given the time
now, and the tests check every policy with plain numbers.

The first iteration starts at once, at time ``t0``; the grid is then
``t0 + k * period``. An iteration that ends after the next slot has passed
is an *overrun*. It is ``lateness = now - slot`` late, and the slots that
passed without an iteration starting on them are
``1 + floor(lateness / period)``. The policies, named for what they do:

``"immediate"``
    Start the late iteration now and re-phase the grid from now.
``"skip"``
    Drop the missed slots and start on the next slot of the original grid:
    two iterations never start less than one period apart. (QMI's "SKIP"
    starts one iteration at once first.)
``"terminate"``
    End the loop with :exc:`~traits_jobs.api.MissedDeadlineError`. (QMI's
    "TERMINATE" ends it as if it had been stopped.)
"""

import dataclasses
import math

#: The missed-iteration policies of ``submit_loop(missed=...)``.
MISSED_POLICIES: tuple[str, ...] = ("immediate", "skip", "terminate")


@dataclasses.dataclass(frozen=True, slots=True)
class MissedIteration:
    """An overrun of a loop job, as its future's ``iteration_missed`` event carries it.

    Attributes
    ----------
    lateness : float
        Seconds between the slot the iteration should have started on and
        the moment the previous one ended.
    slots_missed : int
        The grid slots that passed without an iteration starting on them,
        ``1 + floor(lateness / period)``.
    policy : str
        The loop's ``missed`` policy: what it did about it.
    iteration : int
        How many iterations had run when it happened.
    """

    lateness: float
    slots_missed: int
    policy: str
    iteration: int


@dataclasses.dataclass(frozen=True, slots=True)
class Plan:
    """When the next iteration starts, and the overrun, if there was one."""

    start: float
    slots_missed: int = 0
    lateness: float = 0.0


class LoopSchedule:
    """The grid of a loop's iteration starts.

    Parameters
    ----------
    period : float
        Seconds between iteration starts; positive and finite.
    policy : str
        One of :data:`MISSED_POLICIES`.
    first_start : float
        When the first iteration started.
    """

    __slots__ = ("next_slot", "period", "policy")

    def __init__(self, period: float, policy: str, first_start: float) -> None:
        self.period = period
        self.policy = policy
        #: The grid slot the next iteration should start on.
        self.next_slot = first_start + period

    def plan(self, now: float) -> Plan:
        """Plan the next iteration, the previous one having ended at ``now``.

        On time, the next iteration starts on its slot. After an overrun the
        plan carries the lateness and the slots missed, and starts as the
        policy says (for "terminate", at ``now``: the runner ends the loop
        instead of starting it).
        """
        period, slot = self.period, self.next_slot
        if now <= slot:
            self.next_slot = slot + period
            return Plan(slot)
        lateness = now - slot
        missed = 1 + math.floor(lateness / period)
        start = slot + missed * period if self.policy == "skip" else now
        self.next_slot = start + period
        return Plan(start, missed, lateness)

    def rephase(self, now: float) -> None:
        """Start the grid again with an iteration that starts at ``now``.

        After a pause: the time spent paused is not an overrun.
        """
        self.next_slot = now + self.period
