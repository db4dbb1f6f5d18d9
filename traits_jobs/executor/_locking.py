# SPDX-License-Identifier: BSD-3-Clause
"""Locks between jobs and protected resources, on the executor's side.

A mixin of :class:`~traits_jobs.api.TraitsExecutor`: ``protect()``,
``unprotect()``, and the observable ``locked_resources``. The table itself
is :class:`~traits_jobs.executor.job_locks.JobLocks`; jobs reach it through
``job_lock()``.
"""

import functools
from collections.abc import Callable
from typing import Any

from traits_jobs.executor._parts import ExecutorParts
from traits_jobs.executor.job_locks import JobLocks
from traits_jobs.executor.ownership import Protection, check_lock_args
from traits_jobs.executor.scheduler import Preemption
from traits_jobs.jobs.base_future import BaseFuture


class Locking(ExecutorParts):
    """``protect``, ``unprotect`` and the lock table's callbacks."""

    _job_locks: JobLocks
    _protection: Protection
    _on_main_thread: Callable[[Callable[[], object]], None]
    _preempt: Callable[..., None]

    def protect(self, resource: str, *, permanent: bool = False) -> None:
        """Refuse every job that claims or locks ``resource``. Thread-safe.

        From now on a submit claiming ``resource`` (or a resource a pattern
        of it covers) raises :exc:`~traits_jobs.api.ResourceProtectedError`,
        and so does a ``job_lock()`` of it. Jobs already running go on.

        Parameters
        ----------
        resource : str
            A resource name or pattern.
        permanent : bool
            A permanent protection can never be lifted.
        """
        checked = check_lock_args("protect", resource, "any")
        if not isinstance(permanent, bool):
            msg = f"permanent must be True or False, not {permanent!r}"
            raise TypeError(msg)
        with self._lock:
            self._protection.protect(checked, permanent)

    def unprotect(self, resource: str) -> bool:
        """Lift the protection of ``resource``; True if it was protected. Thread-safe.

        Raises
        ------
        ValueError
            If the protection is permanent.
        """
        checked = check_lock_args("unprotect", resource, "any")
        with self._lock:
            return self._protection.unprotect(checked)

    @property
    def protected_resources(self) -> dict[str, bool]:
        """Each protected resource (or pattern) -> True if the protection is permanent."""
        with self._lock:
            return self._protection.snapshot()

    def _make_job_locks(self) -> JobLocks:
        return JobLocks(
            executor_lock=self._lock,
            jobs=self._jobs,
            scheduler=self._scheduler,
            protection=self._protection,
            preempt=self._preempt_for_lock,
            changed=functools.partial(self._on_main_thread, self._locks_changed),
        )

    def _preempt_for_lock(self, victim: BaseFuture, by: BaseFuture, held: list[str]) -> None:
        """A lock request needs a background job's claims. Any thread.

        Called under the lock table's condition: the preemption (observers,
        a warning) is always posted to the main thread, never run here.
        """
        preemption = Preemption(victim, by, held)
        try:
            self._event_loop.call_soon_threadsafe(
                functools.partial(self._preempt, preemption, for_lock=True)
            )
        except RuntimeError:
            pass  # The event loop is closed: the executor is stopping its jobs anyway.

    def _locks_changed(self) -> None:
        self._notify("locked_resources", None, self.locked_resources)  # type: ignore[attr-defined]

    def _locked_futures(self) -> dict[str, Any]:
        locked = self._job_locks.locked()
        with self._lock:
            futures = {job_id: job.future for job_id, job in self._jobs.items()}
        return {name: futures.get(job_id) for name, job_id in locked.items()}
