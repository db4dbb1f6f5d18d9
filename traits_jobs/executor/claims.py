# SPDX-License-Identifier: BSD-3-Clause
"""Resource claims, preemption and named background jobs of one executor.

The executor calls :class:`Claims` under its lock when a job is submitted
and when a job ends. Admission decides whether a job starts now, waits for
resources, or is refused:

- a background job whose claims overlap any live job's is refused;
- a foreground job whose claims overlap only preemptible background jobs
  preempts them and waits until they have ended (their cleanup included);
- a foreground job whose claims overlap a foreground or non-preemptible
  background job, or a job already waiting for resources, is refused
  (``on_conflict="raise"``) or waits its turn (``on_conflict="wait"``);
- a job never overtakes an earlier waiting job whose claims overlap its own.
"""

import enum
import warnings
from typing import TYPE_CHECKING

from traits_jobs.states.resources import ResourceConflictError, ResourceTable

if TYPE_CHECKING:
    from traits_jobs.jobs.base_future import BaseFuture
    from traits_jobs.jobs.options import JobOptions


class PreemptionWarning(UserWarning):
    """A foreground job cancelled a background job that held its resources."""


class Admission(enum.Enum):
    """What becomes of a submitted job."""

    START = "start"
    WAIT = "wait"


class Claims:
    """Who holds which resources, who waits for them, and the named background jobs."""

    def __init__(self) -> None:
        self.table: ResourceTable[BaseFuture] = ResourceTable()
        #: future -> its options, for the live jobs that claim or are background.
        self.options: dict[BaseFuture, JobOptions] = {}
        #: name -> future of the live background job last given that name.
        self.background: dict[str, BaseFuture] = {}

    def admit(
        self, future: "BaseFuture", options: "JobOptions"
    ) -> tuple[Admission, list["BaseFuture"]]:
        """Admit a job; return whether it starts or waits, and the jobs to preempt.

        The caller preempts those jobs (on the main thread) after releasing
        its lock.

        Raises
        ------
        ResourceConflictError
            If the job's claims cannot be had, as the module describes.
        """
        claims = options.resources
        preempt: list[BaseFuture] = []
        admission = Admission.START
        if claims:
            holders = self.table.conflicts(claims)
            # Waiting jobs are foreground jobs that will hold their claims:
            # they block like holders, whether or not they hold them yet.
            waiters = self.table.waiting_conflicts(claims)
            blockers = {
                holder: held
                for holder, held in holders.items()
                if options.background or not self._preemptible(holder)
            }
            blockers.update(waiters)
            if blockers and (options.background or options.on_conflict == "raise"):
                raise ResourceConflictError(claims, blockers)
            preempt = [holder for holder in holders if holder not in blockers]
            waiting_overlap = bool(waiters)
            if holders or waiting_overlap:
                self.table.enqueue(future, claims)
                admission = Admission.WAIT
            else:
                self.table.acquire(future, claims)
        if claims or options.background:
            self.options[future] = options
        if options.background and options.name is not None:
            earlier = self.background.get(options.name)
            if earlier is not None:
                warnings.warn(
                    f"Background job name {options.name!r} is in use by {earlier!r}; "
                    f"it now names {future!r}. The earlier job runs on.",
                    stacklevel=4,
                )
            self.background[options.name] = future
        return admission, preempt

    def preempt(self, victim: "BaseFuture", by: "BaseFuture") -> None:
        """Cancel background job ``victim`` for ``by``, warning about it. Main thread only."""
        overlap = sorted(self.table.claims_of(victim) & self._claims(by)) or sorted(
            self.table.claims_of(victim)
        )
        if victim._preempt(by):
            warnings.warn(
                f"{_describe(by)} preempts background {_describe(victim)}, "
                f"which claims {overlap}; it starts once that job has ended.",
                PreemptionWarning,
                stacklevel=3,
            )

    def end(self, future: "BaseFuture") -> list["BaseFuture"]:
        """Forget an ended job; return the waiting jobs that can start now."""
        self.options.pop(future, None)
        name = future.name
        if name is not None and self.background.get(name) is future:
            del self.background[name]
        if not self.table.release(future):
            return []
        return [holder for holder, _ in self.table.pop_ready()]

    def withdraw(self, future: "BaseFuture") -> list["BaseFuture"] | None:
        """Take a waiting job out of the queue.

        Returns
        -------
        list or None
            None if the job was not waiting; else the waiting jobs that can
            start now that it no longer stands before them.
        """
        if not self.table.withdraw(future):
            return None
        self.end(future)
        return [holder for holder, _ in self.table.pop_ready()]

    def _preemptible(self, holder: "BaseFuture") -> bool:
        options = self.options.get(holder)
        return options is not None and options.background and options.preemptible

    def _claims(self, future: "BaseFuture") -> frozenset[str]:
        options = self.options.get(future)
        return options.resources if options is not None else frozenset()


def _describe(future: "BaseFuture") -> str:
    name = future.name
    return f"job {name!r}" if name is not None else repr(future)
