# SPDX-License-Identifier: BSD-3-Clause
"""An index of resource claims by name, so that finding overlaps is cheap.

Claims are kept in a tree of name segments: ``"stage:x"`` sits at the node
reached by ``stage`` then ``x``, and the pattern ``"servo:*"`` at the node of
``servo``, marked as a wildcard. Finding the claims that overlap a new one
then visits the new claim's path and, for a wildcard, the subtree below it:
its cost grows with the length of the name and with the number of
overlapping claims, never with the number of claims in the index. A
linear scan made admitting N jobs that claim distinct resources cost O(N^2).

The overlap rules are those of :mod:`traits_jobs.states.resources`.
"""

from collections.abc import Hashable, Iterator
from typing import Generic, TypeVar

H = TypeVar("H", bound=Hashable)


class _Node(Generic[H]):
    """One name segment: who claims exactly this name, who claims ``name:*``."""

    __slots__ = ("children", "exact", "wild")

    def __init__(self) -> None:
        self.children: dict[str, _Node[H]] = {}
        #: Holders of the concrete name that ends at this node.
        self.exact: set[H] = set()
        #: Holders of the pattern ``<this name>:*``.
        self.wild: set[H] = set()

    def empty(self) -> bool:
        return not (self.children or self.exact or self.wild)


def _split(name: str) -> tuple[list[str], bool]:
    segments = name.split(":")
    if segments[-1] == "*":
        return segments[:-1], True
    return segments, False


class ClaimIndex(Generic[H]):
    """Claims of holders, indexed by name. Not thread-safe.

    A holder may have several claims; each ``(holder, claim)`` pair is
    added once and removed once. Names must be valid (see
    :func:`~traits_jobs.states.resources.validate_resources`).
    """

    def __init__(self) -> None:
        self._root: _Node[H] = _Node()

    def add(self, holder: H, claims: frozenset[str]) -> None:
        """Index each of ``claims`` as held by ``holder``."""
        for claim in claims:
            segments, wild = _split(claim)
            node = self._root
            for segment in segments:
                child = node.children.get(segment)
                if child is None:
                    child = node.children[segment] = _Node()
                node = child
            (node.wild if wild else node.exact).add(holder)

    def remove(self, holder: H, claims: frozenset[str]) -> None:
        """Forget each of ``claims`` held by ``holder``, pruning empty branches."""
        for claim in claims:
            segments, wild = _split(claim)
            path = [self._root]
            for segment in segments:
                child = path[-1].children.get(segment)
                if child is None:
                    break
                path.append(child)
            else:
                (path[-1].wild if wild else path[-1].exact).discard(holder)
                for parent, segment, node in zip(
                    reversed(path[:-1]), reversed(segments), reversed(path[1:]), strict=True
                ):
                    if not node.empty():
                        break
                    del parent.children[segment]

    def overlapping(self, claim: str) -> Iterator[H]:
        """Yield the holders of claims that overlap ``claim`` (a holder may repeat).

        A concrete name overlaps itself and the patterns of its proper
        prefixes; a pattern ``p:*`` overlaps the patterns of ``p`` and of its
        prefixes, and every name and pattern strictly below ``p``.
        """
        segments, wild = _split(claim)
        node = self._root
        for segment in segments:
            # A pattern at a proper prefix of the claim covers it.
            yield from node.wild
            child = node.children.get(segment)
            if child is None:
                return
            node = child
        if not wild:
            yield from node.exact
            return
        yield from node.wild
        stack = list(node.children.values())
        while stack:
            below = stack.pop()
            yield from below.exact
            yield from below.wild
            stack.extend(below.children.values())
