# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by the tests: waiting, recording, holding workers."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from traits.api import HasTraits

from traits_jobs.api import ManualEventLoop, TraitsExecutor, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT, run_until


def wait_for(
    executor: TraitsExecutor, obj: HasTraits, trait: str, condition: Callable[[Any], bool]
) -> None:
    """Run the executor's event loop until ``condition(obj)`` holds."""
    run_until(executor.event_loop, obj, trait, condition, timeout=SAFETY_TIMEOUT)


def wait_done(executor: TraitsExecutor, future: HasTraits) -> None:
    """Run the executor's event loop until ``future`` is done."""
    wait_for(executor, future, "done", lambda f: f.done)


def elapse(executor: TraitsExecutor, seconds: float) -> None:
    """Let ``seconds`` pass on the executor's clock, for its timeouts and settle times.

    A :class:`ManualEventLoop`'s virtual clock is moved on, which runs the
    timers that come due; on a real loop this does nothing, since its clock
    moves by itself while the test waits for the outcome.
    """
    loop = executor.event_loop
    if isinstance(loop, ManualEventLoop):
        loop.advance(seconds)


def wait_event(event: threading.Event) -> None:
    """Wait for a threading event, failing the test if it never comes."""
    assert event.wait(SAFETY_TIMEOUT), "timed out waiting for a worker"


class Recorder:
    """Records, in order, the changes of the named traits of an object."""

    def __init__(self, obj: HasTraits, names: tuple[str, ...] = ("state", "cancellable", "done")):
        self.changes: list[tuple[str, Any]] = []
        self.threads: set[threading.Thread] = set()
        for name in names:
            obj.observe(self._record, name)

    def _record(self, event: Any) -> None:
        self.threads.add(threading.current_thread())
        self.changes.append((event.name, event.new))

    def values(self, name: str) -> list[Any]:
        """The successive values of one trait."""
        return [new for trait, new in self.changes if trait == name]


@contextmanager
def blocked_workers(executor: TraitsExecutor, count: int = 4) -> Iterator[threading.Event]:
    """Occupy ``count`` workers until the block ends; yields the release event."""
    release = threading.Event()
    started = [threading.Event() for _ in range(count)]

    def hold(started_event: threading.Event) -> None:
        started_event.set()
        release.wait(SAFETY_TIMEOUT)

    futures = [submit_call(executor, hold, event) for event in started]
    for event in started:
        wait_event(event)
    try:
        yield release
    finally:
        release.set()
        for future in futures:
            wait_done(executor, future)


def endless(closed: threading.Event) -> Iterator[int]:
    """Yield forever; set ``closed`` once the generator is closed (its ``finally`` ran)."""
    try:
        while True:
            yield 1
    finally:
        closed.set()


def paused_stream(executor: TraitsExecutor, closed: threading.Event, **options: Any) -> Any:
    """Submit an :func:`endless` iteration, let it yield once, pause it; return its future.

    It yields first because an unstarted generator has no ``finally`` to run.
    """
    from traits_jobs.api import submit_iteration

    future = submit_iteration(executor, endless, closed, **options)
    items: list[Any] = []
    future.observe(lambda event: items.append(event.new), "result_event")
    wait_for(executor, future, "result_event", lambda f: items)
    future.pause()
    wait_for(executor, future, "paused", lambda f: f.paused)
    return future
