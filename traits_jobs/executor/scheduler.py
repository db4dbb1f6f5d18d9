# SPDX-License-Identifier: BSD-3-Clause
"""Which jobs may start: resource claims, the queue of waiting jobs, preemption.

The executor calls a :class:`Scheduler` under its lock when a job is
submitted, withdrawn or ended. The scheduler only keeps books: it never
runs user code, never starts a job and never delivers a message. It answers
with what the executor must do once the lock is released: start these
jobs, preempt those. Admission decides whether a job starts now, waits for
resources, or is refused:

- a background job whose claims overlap any live job's is refused;
- a foreground job whose claims overlap only preemptible background jobs
  preempts them and waits until they have ended (their cleanup included);
- a foreground job whose claims overlap a foreground or non-preemptible
  background job, or a job already waiting for resources, is refused
  (``on_conflict="raise"``) or waits its turn (``on_conflict="wait"``);
- a job never overtakes an earlier waiting job whose claims overlap its own.
"""

import dataclasses
from typing import TYPE_CHECKING, Generic, TypeVar

from traits_jobs.executor.resource_table import ResourceTable
from traits_jobs.states.resources import ResourceConflictError

if TYPE_CHECKING:
    from traits_jobs.jobs.options import JobOptions

#: What the scheduler schedules: the executor's job record.
J = TypeVar("J")
#: How jobs are known to users and in errors: their futures.
F = TypeVar("F")


@dataclasses.dataclass(frozen=True, slots=True)
class Preemption(Generic[F]):
    """A background job to cancel so that ``by`` can have its resources."""

    victim: F
    by: F
    #: The victim's claims that ``by`` needs, sorted.
    overlap: list[str]


class Scheduler(Generic[J, F]):
    """Claims, waiting jobs and named background jobs of one executor. Not thread-safe."""

    def __init__(self) -> None:
        # Claims come checked, from JobOptions.
        self._table: ResourceTable[F] = ResourceTable(validate=False)
        #: future -> its options, for the live jobs that claim or are background.
        self._options: dict[F, JobOptions] = {}
        #: name -> futures of the live background jobs given that name, oldest
        #: first; the name shows the newest.
        self._background: dict[str, list[F]] = {}
        #: future -> job, for the jobs waiting for resources, in FIFO order.
        self._waiting: dict[F, J] = {}

    def tracks(self, future: F) -> bool:
        """True if ``future``'s job claims resources or is a background job."""
        return future in self._options

    def renamed_background(self, options: "JobOptions") -> F | None:
        """The live background job whose name ``options`` would take over, if any."""
        if options.background and options.name is not None:
            named = self._background.get(options.name)
            return named[-1] if named else None
        return None

    def admit(self, job: J, future: F, options: "JobOptions") -> tuple[bool, list[Preemption[F]]]:
        """Admit a job; return whether it starts now, and the jobs to preempt.

        A job that does not start now waits; :meth:`end` or :meth:`withdraw`
        returns it once its resources are free.

        Raises
        ------
        ResourceConflictError
            If the job's claims cannot be had, as the module describes.
            Nothing is recorded.
        """
        claims = options.resources
        preempt: list[Preemption[F]] = []
        start = True
        if claims:
            table = self._table
            holders = table.conflicts(claims)
            blockers = {
                holder: held
                for holder, held in holders.items()
                if options.background or not self._preemptible(holder)
            }
            # Waiting jobs are foreground jobs that will hold their claims:
            # they block like holders, whether or not they hold them yet.
            # Waiting needs to know only that one does; an error names them all.
            refuse = options.background or options.on_conflict == "raise"
            if refuse:
                blockers.update(table.waiting_conflicts(claims))
                if blockers:
                    raise ResourceConflictError(claims, blockers)
                behind_waiters = False
            else:
                behind_waiters = table.has_waiting_conflict(claims)
            preempt = [
                Preemption(holder, future, sorted(held))
                for holder, held in holders.items()
                if holder not in blockers
            ]
            if holders or behind_waiters:
                table.enqueue(future, claims)
                self._waiting[future] = job
                start = False
            else:
                table.acquire(future, claims)
        if claims or options.background:
            self._options[future] = options
        if options.background and options.name is not None:
            self._background.setdefault(options.name, []).append(future)
        return start, preempt

    def end(self, future: F, name: str | None) -> list[J]:
        """Forget an ended job; return the waiting jobs that can start now."""
        self._options.pop(future, None)
        named = self._background.get(name) if name is not None else None
        if named is not None and future in named:
            named.remove(future)
            if not named:
                del self._background[name]  # type: ignore[arg-type]
        released = self._table.release(future)
        if not released:
            return []
        return self._pop_ready(released)

    def withdraw(self, future: F, name: str | None) -> list[J] | None:
        """Take a waiting job out of the queue.

        Returns
        -------
        list or None
            None if the job was not waiting; else the waiting jobs that can
            start now that it no longer stands before them.
        """
        left = self._table.withdraw(future)
        if left is None:
            return None
        del self._waiting[future]
        self.end(future, name)
        return self._pop_ready(left)

    def conflicts(self, claims: frozenset[str]) -> dict[F, frozenset[str]]:
        """The live jobs whose claims overlap ``claims``, each with the overlapping ones."""
        return self._table.conflicts(claims)

    def preemptible(self, holder: F) -> bool:
        """True if ``holder`` is a preemptible background job."""
        return self._preemptible(holder)

    def _pop_ready(self, freed: frozenset[str]) -> list[J]:
        return [self._waiting.pop(holder) for holder, _ in self._table.pop_ready(freed)]

    def _preemptible(self, holder: F) -> bool:
        options = self._options.get(holder)
        return options is not None and options.background and options.preemptible

    # -- snapshots, for the executor's observable traits ---------------------

    def claimed_resources(self) -> dict[str, F]:
        """Each held resource or pattern, mapped to its holder's future."""
        return self._table.mapping()

    def background_jobs(self) -> dict[str, F]:
        """Each name of a live background job, mapped to the newest future that has it."""
        return {name: named[-1] for name, named in self._background.items()}

    def background_futures(self) -> list[F]:
        """The futures of the live background jobs, oldest first."""
        return [future for future, options in self._options.items() if options.background]

    def waiting_jobs(self) -> list[J]:
        """The jobs waiting for resources, in FIFO order."""
        return list(self._waiting.values())
