# SPDX-License-Identifier: BSD-3-Clause
"""User-defined job kinds through ITaskSpecification, BaseTask and BaseFuture."""

import threading

from traits.api import Event, Int, provides

from tests._support import wait_done, wait_event
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    FAILED,
    BaseFuture,
    BaseTask,
    IFuture,
    ITaskSpecification,
    UnknownMessageError,
    message_handler,
)
from traits_jobs.testing import SAFETY_TIMEOUT


class FizzBuzzFuture(BaseFuture):
    """Receives fizz and buzz messages: one by decorator, one by name."""

    fizz = Event(Int)
    buzz = Event(Int)

    @message_handler("fizz")
    def _on_fizz(self, value: int) -> None:
        self.fizz = value

    def _process_buzz(self, value: int) -> None:
        self.buzz = value


class FizzBuzzTask(BaseTask):
    def __init__(self, limit, extra_kind=None, hold=None):
        self.limit = limit
        self.extra_kind = extra_kind
        self.hold = hold

    def run(self):
        for n in range(1, self.limit + 1):
            if n % 3 == 0:
                self.send("fizz", n)
            if n % 5 == 0:
                self.send("buzz", n)
        if self.extra_kind is not None:
            self.send(self.extra_kind, "surprise")
        if self.hold is not None:
            self.hold.wait(SAFETY_TIMEOUT)
            return "held"
        return "done"


@provides(ITaskSpecification)
class BackgroundFizzBuzz:
    """Declared with @provides, as traits-futures users write it."""

    def __init__(self, limit, extra_kind=None, hold=None):
        self.args = (limit, extra_kind, hold)

    def future(self, cancel):
        return FizzBuzzFuture(_cancel=cancel)

    def task(self):
        return FizzBuzzTask(*self.args)


def test_custom_messages_reach_their_handlers(executor):
    """Decorated and _process_-named handlers both receive their messages."""
    future = executor.submit(BackgroundFizzBuzz(15))
    fizzes, buzzes = [], []
    future.observe(lambda e: fizzes.append(e.new), "fizz")
    future.observe(lambda e: buzzes.append(e.new), "buzz")
    wait_done(executor, future)
    assert future.state == COMPLETED
    assert fizzes == [3, 6, 9, 12, 15]
    assert buzzes == [5, 10, 15]
    assert future.result == "done"


def test_unknown_message_kind_fails_the_future(executor):
    """A message with no handler fails the future with a clear error."""
    hold = threading.Event()
    future = executor.submit(BackgroundFizzBuzz(1, extra_kind="bang", hold=hold))
    wait_done(executor, future)
    hold.set()
    assert future.state == FAILED
    assert isinstance(future.error, UnknownMessageError)
    assert "'bang'" in future.exception[1]
    assert "'buzz', 'fizz'" in future.exception[1]


def test_unknown_message_kind_cancels_the_job(executor):
    """After an unknown message the job is asked to stop."""
    proceed, finished = threading.Event(), threading.Event()
    seen = []

    class Watcher(BaseTask):
        def run(self):
            self.send("nonsense")
            # Held until the future has failed, then reports what it sees.
            proceed.wait(SAFETY_TIMEOUT)
            seen.append(self.cancelled())
            finished.set()

    @provides(ITaskSpecification)
    class Spec:
        def future(self, cancel):
            return FizzBuzzFuture(_cancel=cancel)

        def task(self):
            return Watcher()

    future = executor.submit(Spec())
    wait_done(executor, future)
    proceed.set()
    wait_event(finished)
    assert future.state == FAILED
    assert seen == [True]


def test_custom_job_can_be_cancelled(executor):
    """A custom job sees cancelled become True and its future ends CANCELLED."""
    started = threading.Event()

    class Loop(BaseTask):
        def run(self):
            started.set()
            while not self.cancelled():
                self.send("fizz", message_arg=3)

    @provides(ITaskSpecification)
    class Spec:
        def future(self, cancel):
            return FizzBuzzFuture(_cancel=cancel)

        def task(self):
            return Loop()

    future = executor.submit(Spec())
    wait_event(started)
    future.cancel()
    wait_done(executor, future)
    assert future.state == CANCELLED


def test_base_future_provides_ifuture():
    """Futures are IFuture instances, and specifications ITaskSpecification ones."""
    assert isinstance(FizzBuzzFuture(), IFuture)
    assert isinstance(BackgroundFizzBuzz(1), ITaskSpecification)


def test_subclass_handlers_extend_the_parent_ones():
    """A subclass inherits its parent's handlers and may add more."""

    class Louder(FizzBuzzFuture):
        @message_handler("bang")
        def _on_bang(self, value):
            pass

    # Every future handles the library's own dotted kinds: structured
    # progress, published status, and the note that a job stopped as asked.
    built_in = {
        "traits_jobs.progress_info",
        "traits_jobs.status",
        "traits_jobs.stopped",
        "traits_jobs.message_lost",
    }
    assert set(Louder._message_handlers) == {"fizz", "buzz", "bang"} | built_in
    assert set(FizzBuzzFuture._message_handlers) == {"fizz", "buzz"} | built_in
