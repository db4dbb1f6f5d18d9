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

:class:`ResourceTable` records which holder (for the executor, a future) holds
which claims, and queues the holders that wait for them. It knows nothing of
Qt or threads: the executor calls it from the main thread only.
"""

import functools
import re
from collections.abc import Hashable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from traits_jobs.states.exceptions import TraitsJobsError

H = TypeVar("H", bound=Hashable)

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


def _overlapping(held: frozenset[str], claims: frozenset[str]) -> frozenset[str]:
    """Those of ``held`` that overlap some claim in ``claims``."""
    return frozenset(h for h in held if any(overlaps(h, c) for c in claims))


def _overlaps_in(table: dict[H, frozenset[str]], claims: frozenset[str]) -> dict[H, frozenset[str]]:
    """Each entry of ``table`` whose claims overlap ``claims``, mapped to those claims."""
    found = {}
    for holder, held in table.items():
        overlap = _overlapping(held, claims)
        if overlap:
            found[holder] = overlap
    return found


class ResourceTable(Generic[H]):
    """Which holder holds which resource claims, and who waits for them.

    Holders are opaque hashable objects (the executor uses futures). The
    claims of different holders never overlap. A holder acquires once and
    releases once; empty claims record nothing.

    To respect the queue, the executor enqueues a new job that should wait
    for its resources and then calls :meth:`pop_ready`, rather than
    acquiring directly; a direct :meth:`acquire` checks only current holders.
    """

    def __init__(self) -> None:
        self._held: dict[H, frozenset[str]] = {}
        self._waiters: dict[H, frozenset[str]] = {}

    def __contains__(self, holder: object) -> bool:
        return holder in self._held

    def __len__(self) -> int:
        return len(self._held)

    def conflicts(self, claims: frozenset[str]) -> dict[H, frozenset[str]]:
        """Return the holders whose claims overlap ``claims``.

        Each is mapped to the subset of its own claims that overlap, in
        acquisition order.
        """
        return _overlaps_in(self._held, validate_resources(claims))

    def waiting_conflicts(self, claims: frozenset[str]) -> dict[H, frozenset[str]]:
        """Return the waiters whose claims overlap ``claims``, as :meth:`conflicts` does."""
        return _overlaps_in(self._waiters, validate_resources(claims))

    def acquire(self, holder: H, claims: frozenset[str]) -> None:
        """Record that ``holder`` holds ``claims``.

        Raises
        ------
        ResourceConflictError
            If a claim overlaps one of another holder; nothing is recorded.
        ValueError
            If ``holder`` already holds or waits for resources.
        """
        claims = validate_resources(claims)
        if holder in self._held or holder in self._waiters:
            raise ValueError(f"{holder!r} already holds or waits for resources")
        conflicting = self.conflicts(claims)
        if conflicting:
            raise ResourceConflictError(claims, conflicting)
        if claims:
            self._held[holder] = claims

    def release(self, holder: H) -> frozenset[str]:
        """Drop and return the claims of ``holder`` (empty if it holds none)."""
        return self._held.pop(holder, frozenset())

    def claims_of(self, holder: H) -> frozenset[str]:
        """Return the claims ``holder`` holds (empty if none)."""
        return self._held.get(holder, frozenset())

    def holders(self) -> list[H]:
        """Return the holders, in acquisition order."""
        return list(self._held)

    def mapping(self) -> dict[str, H]:
        """Return each held resource or pattern mapped to its holder."""
        return {name: holder for holder, held in self._held.items() for name in held}

    def enqueue(self, holder: H, claims: frozenset[str]) -> None:
        """Append ``holder`` to the queue of waiters for ``claims``.

        Raises
        ------
        ValueError
            If ``holder`` already holds or waits for resources.
        """
        claims = validate_resources(claims)
        if holder in self._held or holder in self._waiters:
            raise ValueError(f"{holder!r} already holds or waits for resources")
        self._waiters[holder] = claims

    def pop_ready(self) -> list[tuple[H, frozenset[str]]]:
        """Acquire for, dequeue and return the waiters that can now proceed.

        Waiters are taken in FIFO order. A waiter is ready when its claims
        overlap neither a current holder nor an earlier waiter that stays
        queued, so it never overtakes an earlier waiter it competes with.
        """
        ready: list[tuple[H, frozenset[str]]] = []
        blocked: list[frozenset[str]] = []
        for holder, claims in list(self._waiters.items()):
            if any(_overlapping(b, claims) for b in blocked) or self.conflicts(claims):
                blocked.append(claims)
                continue
            del self._waiters[holder]
            if claims:
                self._held[holder] = claims
            ready.append((holder, claims))
        return ready

    def withdraw(self, holder: H) -> bool:
        """Remove ``holder`` from the waiters; return whether it was waiting."""
        return self._waiters.pop(holder, None) is not None

    def waiting(self) -> list[H]:
        """Return the waiting holders, in FIFO order."""
        return list(self._waiters)
