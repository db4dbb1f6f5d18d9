# SPDX-License-Identifier: BSD-3-Clause
"""Bookkeeping of the named resources that jobs claim.

A resource name is a non-empty ``str`` made of segments joined by ``:``, each
segment matching ``[A-Za-z0-9_.-]+``: ``"camera"``, ``"stage:x"``,
``"servo:3"``. A claim may also be a wildcard pattern whose *last* segment is
``*``: ``"servo:*"`` claims every resource below ``servo``, that is
``"servo:1"``, ``"servo:1:a"`` and the patterns ``"servo:*"`` and
``"servo:1:*"``, but neither ``"servo"`` itself nor ``"servoX:1"``
(prefixes compare segment by segment, never character by character). A bare
``"*"`` and a ``*`` before the last segment (``"a:*:b"``) are rejected.

Two claims overlap when they are equal, when one is a wildcard whose prefix is
a proper segment-prefix of the other (concrete) name, or when both are
wildcards and one prefix is a segment-prefix of the other.

:class:`~traits_jobs.executor.resource_table.ResourceTable` records who holds
which claims and who waits for them.
"""

import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

from traits_jobs.states.exceptions import TraitsJobsError

_SEGMENT = r"[A-Za-z0-9_.\-]+"
_NAME = re.compile(rf"{_SEGMENT}(?::{_SEGMENT})*(?::\*)?")
_EXPECTED = "segment(:segment)* with segments of [A-Za-z0-9_.-], optionally ending in ':*'"


class ResourceConflictError(TraitsJobsError, RuntimeError):
    """A job claimed resources that other live jobs hold.

    Attributes
    ----------
    claims : frozenset of str
        The resources that were requested.
    holders : dict
        Each conflicting holder, mapped to those of its claims that overlap
        ``claims``, in acquisition order.
    """

    def __init__(self, claims: frozenset[str], holders: Mapping[Any, frozenset[str]]) -> None:
        self.claims = frozenset(claims)
        self.holders: dict[Any, frozenset[str]] = dict(holders)
        held = "; ".join(f"{sorted(h)} claimed by {holder!r}" for holder, h in holders.items())
        super().__init__(f"cannot claim resources {sorted(claims)}: {held}")


class ResourceLockedError(TraitsJobsError, RuntimeError):
    """A job claimed resources that another owner locked with ``executor.lock_owner()``.

    Attributes
    ----------
    resource : str
        The requested resource that is locked.
    locked : str
        The locked resource (or pattern) it overlaps.
    token : object
        The token the job was submitted with (``lock_token=``), or None.
    """

    def __init__(self, resource: str, locked: str, token: object) -> None:
        with_token = "without a lock token" if token is None else "with another lock token"
        super().__init__(
            f"Resource {resource!r} is locked by its owner ({locked!r}); the job was "
            f"submitted {with_token}. Submit it with the owner's lock_token=, or "
            "have the owner release it with unlock_owner()."
        )
        self.resource = resource
        self.locked = locked
        self.token = token


class ResourceProtectedError(TraitsJobsError, RuntimeError):
    """A job claimed or locked a resource protected with ``executor.protect()``.

    Attributes
    ----------
    resource : str
        The requested resource.
    protected : str
        The protected resource (or pattern) it overlaps.
    """

    def __init__(self, resource: str, protected: str) -> None:
        super().__init__(
            f"Resource {resource!r} is protected ({protected!r}): no job may claim or lock "
            "it until executor.unprotect() lifts the protection"
        )
        self.resource = resource
        self.protected = protected


def validate_resources(resources: Iterable[str] | None) -> frozenset[str]:
    """Check a ``resources=`` argument and return it as a frozenset.

    Parameters
    ----------
    resources : iterable of str or None
        Resource names or wildcard patterns; None means no resources.

    Returns
    -------
    frozenset of str

    Raises
    ------
    TypeError
        If ``resources`` is a single str or not iterable, or an item is not a str.
    ValueError
        If a name is malformed.
    """
    if resources is None:
        return frozenset()
    if isinstance(resources, str):
        raise TypeError(
            f"resources must be a collection of names such as {{{resources!r}}}, "
            f"not the single str {resources!r}"
        )
    try:
        names = frozenset(resources)
    except TypeError:
        raise TypeError(
            f"resources must be None or a collection of str names, not {type(resources).__name__}"
        ) from None
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"resource names must be str, not {type(name).__name__} ({name!r})")
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid resource name {name!r}: expected {_EXPECTED}")
    return names


@functools.lru_cache(maxsize=1024)
def _parse(name: str) -> tuple[tuple[str, ...], bool]:
    """Split a valid name into its segments (without ``*``) and a wildcard flag."""
    segments = tuple(name.split(":"))
    if segments[-1] == "*":
        return segments[:-1], True
    return segments, False


def overlaps(a: str, b: str) -> bool:
    """Return whether the claims ``a`` and ``b`` (valid names) overlap."""
    if a == b:
        return True
    (a_segs, a_wild), (b_segs, b_wild) = _parse(a), _parse(b)
    if a_wild and b_wild:
        n = min(len(a_segs), len(b_segs))
        return a_segs[:n] == b_segs[:n]
    if a_wild:
        return len(b_segs) > len(a_segs) and b_segs[: len(a_segs)] == a_segs
    if b_wild:
        return len(a_segs) > len(b_segs) and a_segs[: len(b_segs)] == b_segs
    return False
