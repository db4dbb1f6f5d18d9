# SPDX-License-Identifier: BSD-3-Clause
"""Contract tests of iteration jobs, on the Qt and the asyncio event loop."""

import threading
import weakref

import pytest

from tests._support import blocked_workers, wait_done, wait_event, wait_for
from traits_jobs.api import CANCELLED, COMPLETED, FAILED, submit_iteration
from traits_jobs.testing import SAFETY_TIMEOUT


def collect(future):
    """Collect the items a future delivers, in order."""
    items = []
    future.observe(lambda event: items.append(event.new), "result_event")
    return items


def test_items_arrive_in_order(executor):
    """Each yielded item fires result_event once, in order."""
    future = submit_iteration(executor, range, 1000)
    items = collect(future)
    wait_done(executor, future)
    assert items == list(range(1000))
    assert future.state == COMPLETED


def test_generator_return_value_is_result(executor):
    """The generator's return value becomes the future's result."""

    def numbers():
        yield 1
        yield 2
        return "finished"

    future = submit_iteration(executor, numbers)
    wait_done(executor, future)
    assert future.result == "finished"


def test_plain_iterable_result_is_none(executor):
    """An iterable that is not a generator completes with result None."""
    future = submit_iteration(executor, list, "abc")
    items = collect(future)
    wait_done(executor, future)
    assert items == ["a", "b", "c"]
    assert future.result is None


def test_none_items_are_delivered(executor):
    """A bare yield delivers None like any other item."""

    def bare():
        yield
        yield

    future = submit_iteration(executor, bare)
    items = collect(future)
    wait_done(executor, future)
    assert items == [None, None]


def test_non_iterable_fails(executor):
    """A function that returns a non-iterable fails with TypeError."""
    future = submit_iteration(executor, int, "3")
    wait_done(executor, future)
    assert future.state == FAILED
    assert future.exception[0] == "TypeError"


def test_failure_midway_keeps_earlier_items(executor):
    """Items before a failure are delivered, then the future fails."""

    def failing():
        yield 1
        yield 2
        raise ValueError("third")

    future = submit_iteration(executor, failing)
    items = collect(future)
    wait_done(executor, future)
    assert items == [1, 2]
    assert future.state == FAILED
    assert isinstance(future.error, ValueError)


def test_cancel_before_start(executor):
    """An iteration cancelled in the queue never calls its function."""
    called = threading.Event()

    def numbers():
        called.set()
        yield 1

    with blocked_workers(executor):
        future = submit_iteration(executor, numbers)
        assert future.cancel() is True
        assert future.state == CANCELLED
    assert not called.is_set()


def test_cancel_midway_closes_generator(executor):
    """After cancel() the generator is closed on the worker and no item follows."""
    first_seen, release, closed = threading.Event(), threading.Event(), threading.Event()

    def numbers():
        try:
            yield 1
            release.wait(SAFETY_TIMEOUT)
            yield 2
            yield 3
        finally:
            closed.set()

    future = submit_iteration(executor, numbers)
    items = collect(future)
    future.observe(lambda event: first_seen.set(), "result_event")
    wait_for(executor, future, "result_event", lambda f: first_seen.is_set())
    assert future.cancel() is True
    release.set()
    wait_done(executor, future)
    wait_event(closed)
    assert future.state == CANCELLED
    assert items == [1]


def test_cancel_after_last_item_delivered(executor):
    """Cancelling after the last item but before the return ends CANCELLED."""
    release = threading.Event()

    def numbers():
        yield 1
        yield 2
        release.wait(SAFETY_TIMEOUT)
        return "unseen"

    future = submit_iteration(executor, numbers)
    items = collect(future)
    wait_for(executor, future, "result_event", lambda f: len(items) == 2)
    assert future.cancel() is True
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED
    assert items == [1, 2]
    with pytest.raises(AttributeError):
        future.result


def test_items_sent_after_cancel_are_dropped(executor):
    """Items the worker produced before seeing the cancel never reach the future."""
    produced = threading.Event()

    def numbers():
        yield 1
        yield 2
        produced.set()

    future = submit_iteration(executor, numbers)
    items = collect(future)
    wait_event(produced)
    future.cancel()
    wait_done(executor, future)
    assert items == []
    assert future.state == CANCELLED


def test_cancel_twice(executor):
    """The second cancel() of an iteration returns False."""
    started, release = threading.Event(), threading.Event()

    def numbers():
        started.set()
        release.wait(SAFETY_TIMEOUT)
        yield 1

    future = submit_iteration(executor, numbers)
    wait_event(started)
    assert future.cancel() is True
    assert future.cancel() is False
    release.set()
    wait_done(executor, future)
    assert future.state == CANCELLED


def test_worker_drops_items_once_sent(executor):
    """The worker keeps no reference to an item after sending it."""

    class Item:
        pass

    item_collected = threading.Event()
    release = threading.Event()

    def numbers():
        item = Item()
        weakref.finalize(item, item_collected.set)
        yield item
        del item
        release.wait(SAFETY_TIMEOUT)

    future = submit_iteration(executor, numbers)
    delivered = []
    future.observe(lambda event: delivered.append(True), "result_event")
    wait_for(executor, future, "result_event", lambda f: bool(delivered))
    wait_event(item_collected)
    release.set()
    wait_done(executor, future)


def test_large_iteration_delivers_everything(executor):
    """A 50,000-item flood arrives complete and in order through the bounded queue."""
    future = submit_iteration(executor, range, 50_000)
    items = collect(future)
    wait_done(executor, future)
    assert items == list(range(50_000))
