# SPDX-License-Identifier: BSD-3-Clause
"""Who holds which resource claims, and who waits for them, in order.

Holders are opaque hashable objects (the executor uses futures). The claims
of different holders never overlap. A holder acquires once and releases
once; empty claims record nothing. Waiters queue in FIFO order and a waiter
never overtakes an earlier one whose claims overlap its own.

Lookups go through a :class:`~traits_jobs.executor.claim_index.ClaimIndex`,
so admitting a job costs time in the number of its claims and of the claims
it overlaps, not in the number of live jobs. The table is not thread-safe:
the executor uses it under its lock.
"""

import itertools
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

from traits_jobs.executor.claim_index import ClaimIndex
from traits_jobs.states.resources import ResourceConflictError, overlaps, validate_resources

H = TypeVar("H", bound=Hashable)


def _overlapping(held: frozenset[str], claims: frozenset[str]) -> frozenset[str]:
    """Those of ``held`` that overlap some claim in ``claims``."""
    return frozenset(h for h in held if any(overlaps(h, c) for c in claims))


class ResourceTable(Generic[H]):
    """Which holder holds which resource claims, and who waits for them.

    To respect the queue, the executor enqueues a new job that should wait
    for its resources and then calls :meth:`pop_ready`, rather than
    acquiring directly; a direct :meth:`acquire` checks only current holders.
    """

    def __init__(self, *, validate: bool = True) -> None:
        #: False when every claims argument comes checked already (the
        #: scheduler's come from JobOptions): checking again costs per submit.
        self._validate = validate
        self._held: dict[H, frozenset[str]] = {}
        self._held_index: ClaimIndex[H] = ClaimIndex()
        self._waiters: dict[H, frozenset[str]] = {}
        self._waiting_index: ClaimIndex[H] = ClaimIndex()
        #: holder -> when it acquired or queued, to report conflicts in order.
        self._order: dict[H, int] = {}
        self._counter = itertools.count()

    def __contains__(self, holder: object) -> bool:
        return holder in self._held

    def __len__(self) -> int:
        return len(self._held)

    def conflicts(self, claims: frozenset[str]) -> dict[H, frozenset[str]]:
        """Return the holders whose claims overlap ``claims``.

        Each is mapped to the subset of its own claims that overlap, in the
        order they acquired (or, for one that waited first, joined the queue).
        """
        return self._find(self._held, self._held_index, self._checked(claims))

    def waiting_conflicts(self, claims: frozenset[str]) -> dict[H, frozenset[str]]:
        """Return the waiters whose claims overlap ``claims``, as :meth:`conflicts` does."""
        return self._find(self._waiters, self._waiting_index, self._checked(claims))

    def _checked(self, claims: frozenset[str]) -> frozenset[str]:
        return validate_resources(claims) if self._validate else claims

    def _find(
        self, table: dict[H, frozenset[str]], index: ClaimIndex[H], claims: frozenset[str]
    ) -> dict[H, frozenset[str]]:
        found = {holder for claim in claims for holder in index.overlapping(claim)}
        order = self._order
        return {
            holder: _overlapping(table[holder], claims)
            for holder in sorted(found, key=order.__getitem__)
        }

    def acquire(self, holder: H, claims: frozenset[str]) -> None:
        """Record that ``holder`` holds ``claims``.

        Raises
        ------
        ResourceConflictError
            If a claim overlaps one of another holder; nothing is recorded.
        ValueError
            If ``holder`` already holds or waits for resources.
        """
        claims = self._checked(claims)
        self._check_new(holder)
        conflicting = self.conflicts(claims)
        if conflicting:
            raise ResourceConflictError(claims, conflicting)
        if claims:
            self._hold(holder, claims)

    def _check_new(self, holder: H) -> None:
        if holder in self._held or holder in self._waiters:
            raise ValueError(f"{holder!r} already holds or waits for resources")

    def _hold(self, holder: H, claims: frozenset[str]) -> None:
        self._held[holder] = claims
        self._held_index.add(holder, claims)
        self._order.setdefault(holder, next(self._counter))

    def release(self, holder: H) -> frozenset[str]:
        """Drop and return the claims of ``holder`` (empty if it holds none)."""
        claims = self._held.pop(holder, frozenset())
        if claims:
            self._held_index.remove(holder, claims)
            self._order.pop(holder, None)
        return claims

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
        claims = self._checked(claims)
        self._check_new(holder)
        self._waiters[holder] = claims
        self._waiting_index.add(holder, claims)
        self._order[holder] = next(self._counter)

    def has_waiting_conflict(self, claims: frozenset[str]) -> bool:
        """True if a waiter's claims overlap ``claims``; stops at the first found."""
        return _any_overlap(self._waiting_index, claims)

    def pop_ready(self, freed: frozenset[str] | None = None) -> list[tuple[H, frozenset[str]]]:
        """Acquire for, dequeue and return the waiters that can now proceed.

        Waiters are taken in FIFO order. A waiter is ready when its claims
        overlap neither a current holder nor an earlier waiter that stays
        queued, so it never overtakes an earlier waiter it competes with.

        Parameters
        ----------
        freed : frozenset of str, optional
            The claims that just came free (released by a holder, or left by
            a withdrawn waiter). Only waiters that overlap them can have
            become ready, so only those are looked at. None looks at every
            waiter.
        """
        if not self._waiters:
            return []
        if freed is None:
            candidates = list(self._waiters)
        else:
            found = {w for claim in freed for w in self._waiting_index.overlapping(claim)}
            candidates = sorted(found, key=self._order.__getitem__)
        ready: list[tuple[H, frozenset[str]]] = []
        for holder in candidates:
            claims = self._waiters[holder]
            if _any_overlap(self._held_index, claims) or self._waits_behind(holder, claims):
                continue
            self._unqueue(holder)
            if claims:
                self._hold(holder, claims)
            ready.append((holder, claims))
        return ready

    def _waits_behind(self, waiter: H, claims: frozenset[str]) -> bool:
        """True if an earlier waiter's claims overlap ``claims``."""
        order = self._order
        mine = order[waiter]
        return any(
            order[other] < mine
            for claim in claims
            for other in self._waiting_index.overlapping(claim)
        )

    def withdraw(self, holder: H) -> frozenset[str] | None:
        """Remove ``holder`` from the waiters; return its claims, or None if it was not waiting."""
        if holder not in self._waiters:
            return None
        claims = self._unqueue(holder)
        self._order.pop(holder, None)
        return claims

    def _unqueue(self, holder: H) -> frozenset[str]:
        claims = self._waiters.pop(holder)
        self._waiting_index.remove(holder, claims)
        return claims

    def waiting(self) -> list[H]:
        """Return the waiting holders, in FIFO order."""
        return list(self._waiters)


def _any_overlap(index: ClaimIndex[H], claims: Iterable[str]) -> bool:
    for claim in claims:
        for _ in index.overlapping(claim):
            return True
    return False
