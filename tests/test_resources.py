# SPDX-License-Identifier: BSD-3-Clause
"""Resource names, their overlap rules, and the table of claims and waiters."""

import pytest

from traits_jobs.executor.resource_table import ResourceTable
from traits_jobs.states.exceptions import TraitsJobsError
from traits_jobs.states.resources import (
    ResourceConflictError,
    overlaps,
    validate_resources,
)


class Holder:
    """A stand-in for a future, with a readable repr."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<Holder {self.name}>"


A, B, C, D = (Holder(n) for n in "ABCD")


# --- validate_resources -------------------------------------------------------


def test_none_is_empty():
    assert validate_resources(None) == frozenset()


@pytest.mark.parametrize(
    "value",
    [
        {"camera", "stage:x"},
        ["camera", "stage:x"],
        ("camera", "stage:x"),
        frozenset({"camera", "stage:x"}),
    ],
)
def test_collections_accepted(value):
    result = validate_resources(value)
    assert result == frozenset({"camera", "stage:x"})
    assert isinstance(result, frozenset)


def test_duplicates_collapse():
    assert validate_resources(["a", "a"]) == frozenset({"a"})


def test_valid_names():
    names = {"a", "A-b_c.d", "servo:3", "x:y:z", "servo:*", "servo:1:*", "0"}
    assert validate_resources(names) == names


def test_single_str_rejected_with_suggestion():
    with pytest.raises(TypeError, match=r"""\{'camera'\}""") as info:
        validate_resources("camera")
    assert "single str" in str(info.value)


@pytest.mark.parametrize("name", ["", "*", "a:*:b", "a b", "a:", ":a", "a::b", "ü", "a:**"])
def test_malformed_name_rejected(name):
    with pytest.raises(ValueError, match="segment") as info:
        validate_resources({name})
    assert repr(name) in str(info.value)


def test_non_str_item_rejected():
    with pytest.raises(TypeError, match="must be str, not int"):
        validate_resources(["camera", 3])


def test_non_iterable_rejected():
    with pytest.raises(TypeError, match="not int"):
        validate_resources(3)  # type: ignore[arg-type]


# --- overlap rules ------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("camera", "camera", True),
        ("camera", "stage", False),
        ("stage:x", "stage:y", False),
        ("stage", "stage:x", False),
        ("servo:*", "servo:1", True),
        ("servo:*", "servo:1:a", True),
        ("servo:*", "servo:*", True),
        ("servo:*", "servo:1:*", True),
        ("servo:1:*", "servo:2:*", False),
        ("servo:1:*", "servo:1", False),
        ("servo:*", "servo", False),
        ("servo:*", "servoX:1", False),
        ("servo:*", "servoX:*", False),
        ("servo:*", "other:1", False),
    ],
)
def test_overlaps(a, b, expected):
    assert overlaps(a, b) is expected
    assert overlaps(b, a) is expected


# --- acquire, release, conflicts, mapping -------------------------------------


def test_acquire_and_release():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera", "stage:x"}))
    table.acquire(B, frozenset({"stage:y"}))
    assert A in table and B in table and C not in table
    assert len(table) == 2
    assert table.holders() == [A, B]
    assert table.claims_of(A) == {"camera", "stage:x"}
    assert table.claims_of(C) == frozenset()
    assert table.mapping() == {"camera": A, "stage:x": A, "stage:y": B}
    assert table.release(A) == {"camera", "stage:x"}
    assert A not in table
    assert table.holders() == [B]
    assert table.release(A) == frozenset()
    assert table.release(C) == frozenset()


def test_empty_claims_record_nothing():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset())
    assert A not in table
    assert len(table) == 0
    assert table.release(A) == frozenset()


def test_acquire_twice_rejected():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera"}))
    with pytest.raises(ValueError, match="already holds"):
        table.acquire(A, frozenset({"stage"}))
    assert table.claims_of(A) == {"camera"}


def test_acquire_validates():
    table: ResourceTable[Holder] = ResourceTable()
    with pytest.raises(TypeError):
        table.acquire(A, "camera")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        table.acquire(A, frozenset({"*"}))
    assert len(table) == 0


def test_conflicts_lists_overlapping_subsets_in_order():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(B, frozenset({"servo:1", "camera"}))
    table.acquire(A, frozenset({"servo:2", "stage"}))
    table.acquire(C, frozenset({"light"}))
    found = table.conflicts(frozenset({"servo:*", "camera"}))
    assert list(found) == [B, A]
    assert found == {B: {"servo:1", "camera"}, A: {"servo:2"}}
    assert table.conflicts(frozenset({"servo", "servoX:1"})) == {}
    assert table.conflicts(frozenset()) == {}


def test_conflict_leaves_table_unchanged():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"servo:*"}))
    with pytest.raises(ResourceConflictError):
        table.acquire(B, frozenset({"camera", "servo:3"}))
    assert B not in table
    assert table.holders() == [A]
    assert table.mapping() == {"servo:*": A}
    table.acquire(B, frozenset({"camera", "servo"}))
    assert table.holders() == [A, B]


def test_conflict_error():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera", "light"}))
    table.acquire(B, frozenset({"stage:*"}))
    with pytest.raises(ResourceConflictError) as info:
        table.acquire(C, frozenset({"camera", "stage:x", "free"}))
    error = info.value
    assert isinstance(error, TraitsJobsError)
    assert isinstance(error, RuntimeError)
    assert error.claims == {"camera", "stage:x", "free"}
    assert error.holders == {A: {"camera"}, B: {"stage:*"}}
    message = str(error)
    assert "['camera', 'free', 'stage:x']" in message
    assert "['camera'] claimed by <Holder A>" in message
    assert "['stage:*'] claimed by <Holder B>" in message
    assert "light" not in message


# --- the wait queue -----------------------------------------------------------


def test_waiter_ready_when_free():
    table: ResourceTable[Holder] = ResourceTable()
    table.enqueue(A, frozenset({"camera"}))
    assert table.waiting() == [A]
    assert A not in table
    assert table.pop_ready() == [(A, frozenset({"camera"}))]
    assert table.waiting() == []
    assert table.claims_of(A) == {"camera"}
    assert table.pop_ready() == []


def test_waiters_fifo_after_release():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera", "stage"}))
    table.enqueue(B, frozenset({"camera"}))
    table.enqueue(C, frozenset({"stage"}))
    table.enqueue(D, frozenset({"camera"}))
    assert table.pop_ready() == []
    table.release(A)
    ready = table.pop_ready()
    assert ready == [(B, frozenset({"camera"})), (C, frozenset({"stage"}))]
    assert table.holders() == [B, C]
    assert table.waiting() == [D]
    table.release(B)
    assert table.pop_ready() == [(D, frozenset({"camera"}))]


def test_waiter_does_not_overtake_overlapping_earlier_waiter():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"servo:1"}))
    table.enqueue(B, frozenset({"servo:*"}))  # blocked by A
    table.enqueue(C, frozenset({"servo:2"}))  # free, but overlaps B
    table.enqueue(D, frozenset({"camera"}))  # free, overlaps nobody
    assert table.pop_ready() == [(D, frozenset({"camera"}))]
    assert table.waiting() == [B, C]
    table.release(A)
    assert table.pop_ready() == [(B, frozenset({"servo:*"}))]
    assert table.waiting() == [C]
    table.release(B)
    assert table.pop_ready() == [(C, frozenset({"servo:2"}))]


def test_no_overtaking_is_transitive():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"x"}))
    table.enqueue(B, frozenset({"x", "y"}))  # blocked by A
    table.enqueue(C, frozenset({"y", "z"}))  # overlaps B
    table.enqueue(D, frozenset({"z"}))  # overlaps C, which stays queued
    assert table.pop_ready() == []
    assert table.waiting() == [B, C, D]


def test_enqueue_twice_or_while_holding_rejected():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera"}))
    table.enqueue(B, frozenset({"camera"}))
    with pytest.raises(ValueError, match="already"):
        table.enqueue(A, frozenset({"stage"}))
    with pytest.raises(ValueError, match="already"):
        table.enqueue(B, frozenset({"stage"}))
    with pytest.raises(ValueError, match="already"):
        table.acquire(B, frozenset({"stage"}))
    with pytest.raises(TypeError):
        table.enqueue(C, "stage")  # type: ignore[arg-type]
    assert table.waiting() == [B]


def test_withdraw():
    """withdraw() returns the claims a waiter left, or None if it was not waiting."""
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera"}))
    table.enqueue(B, frozenset({"camera"}))
    table.enqueue(C, frozenset({"camera"}))
    assert table.withdraw(B) == frozenset({"camera"})
    assert table.withdraw(B) is None
    assert table.withdraw(D) is None
    assert table.waiting() == [C]
    table.release(A)
    assert table.pop_ready() == [(C, frozenset({"camera"}))]


def test_withdrawn_waiter_no_longer_blocks_later_ones():
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"servo:1"}))
    table.enqueue(B, frozenset({"servo:*"}))
    table.enqueue(C, frozenset({"servo:2"}))
    assert table.pop_ready() == []
    left = table.withdraw(B)
    assert table.pop_ready(left) == [(C, frozenset({"servo:2"}))]


def test_pop_ready_of_freed_claims_looks_only_at_waiters_that_overlap_them():
    """pop_ready(freed) starts the waiters the freed claims unblock, in FIFO order."""
    table: ResourceTable[Holder] = ResourceTable()
    table.acquire(A, frozenset({"camera"}))
    table.acquire(D, frozenset({"stage:*"}))
    table.enqueue(B, frozenset({"stage:x"}))
    table.enqueue(C, frozenset({"camera"}))
    table.release(D)
    assert table.pop_ready(frozenset({"stage:*"})) == [(B, frozenset({"stage:x"}))]
    freed = table.release(A)
    assert table.pop_ready(freed) == [(C, frozenset({"camera"}))]
