# SPDX-License-Identifier: BSD-3-Clause
"""Ownership locks on the executor's resources: ``lock_owner()`` and friends.

A mixin of :class:`~traits_jobs.api.TraitsExecutor`. The owner table is
bookkeeping under the executor's lock; observers of ``owned_resources``
are told on the main thread, after the lock is released.
"""

from collections.abc import Callable, Hashable

from traits_jobs.executor._parts import ExecutorParts
from traits_jobs.executor.ownership import Owners, check_lock_args


class Owning(ExecutorParts):
    """``lock_owner``, ``unlock_owner``, ``force_unlock``."""

    _owners: Owners
    _on_main_thread: Callable[[Callable[[], object]], None]

    def lock_owner(self, resource: str, token: Hashable) -> bool:
        """Lock ``resource`` for the owner ``token``. Thread-safe.

        While it is locked, a job claiming ``resource`` (or a resource a
        pattern of it covers) is refused at submit with
        :exc:`~traits_jobs.api.ResourceLockedError` unless it was submitted
        with ``lock_token=token``. Jobs already running are not affected.
        Locking again with the same token succeeds.

        Parameters
        ----------
        resource : str
            A resource name or pattern, as in ``resources=``.
        token : hashable
            The owner's token; not None.

        Returns
        -------
        bool
            True if the resource is now locked for ``token``; False if
            another owner holds it (or an overlapping one).
        """
        checked = check_lock_args("lock_owner", resource, token)
        with self._lock:
            locked = self._owners.lock(checked, token)
        if locked:
            self._on_main_thread(self._owners_changed)
        return locked

    def unlock_owner(self, resource: str, token: Hashable) -> bool:
        """Release ``resource`` if ``token`` owns it. Thread-safe.

        Returns
        -------
        bool
            True if it was released; False if it was not locked by ``token``.
        """
        checked = check_lock_args("unlock_owner", resource, token)
        with self._lock:
            released = self._owners.unlock(checked, token)
        if released:
            self._on_main_thread(self._owners_changed)
        return released

    def force_unlock(self, resource: str) -> bool:
        """Release ``resource`` whoever owns it. Thread-safe.

        Returns
        -------
        bool
            True if it was locked.
        """
        checked = check_lock_args("force_unlock", resource, "any")
        with self._lock:
            released = self._owners.force_unlock(checked)
        if released:
            self._on_main_thread(self._owners_changed)
        return released

    def _owners_changed(self) -> None:
        self._notify("owned_resources", None, self.owned_resources)  # type: ignore[attr-defined]
