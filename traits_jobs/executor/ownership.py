# SPDX-License-Identifier: BSD-3-Clause
"""Ownership locks on resources: one client keeps the others off (QMI's ``lock``).

An owner locks resources with a token of its choosing; from then on a job
that claims any of them is refused at submit unless it carries the same
``lock_token=``. It is ownership, not mutual exclusion between jobs: it
protects a running measurement from the rest of the GUI. Plain bookkeeping,
guarded by the executor's lock.
"""

from collections.abc import Hashable

from traits_jobs.states.resources import (
    ResourceLockedError,
    ResourceProtectedError,
    overlaps,
    validate_resources,
)


class Owners:
    """Resource (or pattern) -> the token of its owner."""

    __slots__ = ("_owned",)

    def __init__(self) -> None:
        self._owned: dict[str, Hashable] = {}

    def lock(self, resource: str, token: Hashable) -> bool:
        """Lock ``resource`` for ``token``; False if another token owns an overlapping one."""
        for owned, owner in self._owned.items():
            if owner != token and overlaps(owned, resource):
                return False
        self._owned[resource] = token
        return True

    def unlock(self, resource: str, token: Hashable) -> bool:
        """Release ``resource`` if ``token`` owns it; True if it did."""
        if resource in self._owned and self._owned[resource] == token:
            del self._owned[resource]
            return True
        return False

    def force_unlock(self, resource: str) -> bool:
        """Release ``resource`` whoever owns it; True if it was locked."""
        return self._owned.pop(resource, None) is not None

    def check(self, resources: frozenset[str], token: Hashable | None) -> None:
        """Raise ResourceLockedError if a resource is owned by someone other than ``token``."""
        if not self._owned:
            return
        for resource in sorted(resources):
            for owned, owner in self._owned.items():
                if owner != token and overlaps(owned, resource):
                    raise ResourceLockedError(resource, owned, token)

    def snapshot(self) -> dict[str, Hashable]:
        """A copy of resource -> owner token."""
        return dict(self._owned)


class Protection:
    """Resources no job may claim or lock: resource (or pattern) -> permanent."""

    __slots__ = ("_protected",)

    def __init__(self) -> None:
        self._protected: dict[str, bool] = {}

    def protect(self, resource: str, permanent: bool) -> None:
        """Protect ``resource``; a permanent protection stays permanent."""
        self._protected[resource] = permanent or self._protected.get(resource, False)

    def unprotect(self, resource: str) -> bool:
        """Lift a protection; True if there was one.

        Raises
        ------
        ValueError
            If the protection is permanent.
        """
        permanent = self._protected.get(resource)
        if permanent is None:
            return False
        if permanent:
            msg = f"{resource!r} is protected permanently; its protection cannot be lifted"
            raise ValueError(msg)
        del self._protected[resource]
        return True

    def check(self, resources: frozenset[str]) -> None:
        """Raise ResourceProtectedError if one of ``resources`` is protected."""
        if not self._protected:
            return
        for resource in sorted(resources):
            for protected in self._protected:
                if overlaps(protected, resource):
                    raise ResourceProtectedError(resource, protected)

    def snapshot(self) -> dict[str, bool]:
        """A copy of resource -> permanent."""
        return dict(self._protected)


def check_lock_args(method: str, resource: object, token: object) -> str:
    """Validate one resource name and a token; return the resource."""
    if isinstance(resource, str):
        (checked,) = validate_resources([resource])
    else:
        kind = type(resource).__name__
        msg = f"{method}() expected a resource name (str), got {kind}: {resource!r}"
        raise TypeError(msg)
    if token is None or not isinstance(token, Hashable):
        msg = f"{method}() expected a hashable token other than None, got {token!r}"
        raise TypeError(msg)
    return checked
