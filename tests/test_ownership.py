# SPDX-License-Identifier: BSD-3-Clause
"""Ownership locks (QMI's lock): one owner keeps the rest of the GUI off its resources."""

import threading

import pytest

from tests._support import wait_done, wait_for
from traits_jobs.api import COMPLETED, ResourceLockedError, submit_call


def test_an_owner_locks_and_others_cannot(executor):
    """lock_owner(r, "A") is True; lock_owner(r, "B") False; "A" again True."""
    assert executor.lock_owner("stage", "A") is True
    assert executor.lock_owner("stage", "B") is False
    assert executor.lock_owner("stage", "A") is True
    assert executor.owned_resources == {"stage": "A"}


def test_a_submit_without_the_token_is_refused(executor):
    """A job claiming a locked resource needs the owner's token; the error says whose."""
    executor.lock_owner("stage", "A")
    with pytest.raises(ResourceLockedError, match="'stage'") as raised:
        submit_call(executor, int, resources={"stage"})
    assert raised.value.token is None
    with pytest.raises(ResourceLockedError, match="another lock token"):
        submit_call(executor, int, resources={"stage"}, lock_token="B")
    future = submit_call(executor, int, resources={"stage"}, lock_token="A")
    wait_done(executor, future)
    assert future.state == COMPLETED
    assert executor.jobs == []


def test_patterns_cover_their_resources_both_ways(executor):
    """Owning "stage:*" locks "stage:x"; owning "stage:x" refuses a "stage:*" claim."""
    executor.lock_owner("stage:*", "A")
    with pytest.raises(ResourceLockedError):
        submit_call(executor, int, resources={"stage:x"})
    assert executor.lock_owner("stage:y", "B") is False
    executor.force_unlock("stage:*")
    executor.lock_owner("stage:x", "A")
    with pytest.raises(ResourceLockedError):
        submit_call(executor, int, resources={"stage:*"})
    future = submit_call(executor, int, resources={"camera"})
    wait_done(executor, future)


def test_unlock_needs_the_token_and_force_unlock_does_not(executor):
    """unlock_owner by a non-owner is False; the owner's is True; force_unlock clears any."""
    executor.lock_owner("stage", "A")
    assert executor.unlock_owner("stage", "B") is False
    assert executor.unlock_owner("stage", "A") is True
    assert executor.unlock_owner("stage", "A") is False
    executor.lock_owner("stage", "A")
    assert executor.force_unlock("stage") is True
    assert executor.force_unlock("stage") is False
    future = submit_call(executor, int, resources={"stage"})
    wait_done(executor, future)
    assert executor.owned_resources == {}


def test_running_jobs_are_not_affected(executor):
    """Locking a resource a running job claims leaves that job alone."""
    release = threading.Event()
    future = submit_call(executor, release.wait, 10, resources={"stage"})
    assert executor.lock_owner("stage", "A") is True
    release.set()
    wait_done(executor, future)
    assert future.state == COMPLETED


def test_owned_resources_is_observable_on_the_main_thread(executor):
    """Each lock and release fires owned_resources with the new table."""
    seen = []
    executor.observe(lambda e: seen.append((e.new, threading.current_thread())), "owned_resources")
    executor.lock_owner("stage", "A")
    wait_for(executor, executor, "owned_resources", lambda e: len(seen) == 1)
    releaser = submit_call(executor, executor.unlock_owner, "stage", "A")
    wait_done(executor, releaser)
    wait_for(executor, executor, "owned_resources", lambda e: len(seen) == 2)
    assert [table for table, _ in seen] == [{"stage": "A"}, {}]
    assert {thread for _, thread in seen} == {threading.current_thread()}


@pytest.mark.parametrize(
    ("call", "error", "text"),
    [
        (lambda ex: ex.lock_owner(3, "A"), TypeError, "int: 3"),
        (lambda ex: ex.lock_owner("stage", None), TypeError, "None"),
        (lambda ex: ex.lock_owner("stage", ["A"]), TypeError, "['A']"),
        (lambda ex: ex.lock_owner("", "A"), ValueError, "''"),
        (lambda ex: submit_call(ex, int, lock_token=["A"]), TypeError, "lock_token"),
    ],
)
def test_bad_arguments_are_refused(executor, call, error, text):
    """Resources and tokens are checked at the call, naming what arrived."""
    with pytest.raises(error) as raised:
        call(executor)
    assert text in str(raised.value)
