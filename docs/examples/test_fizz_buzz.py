# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the fizz-buzz job kind of the "Defining your own job kind" guide.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

from fizz_buzz import BackgroundFizzBuzz, submit_fizz_buzz

from traits_jobs.api import (
    BaseTask,
    ManualEventLoop,
    TraitsExecutor,
    UnknownMessageError,
)
from traits_jobs.testing import SAFETY_TIMEOUT


def test_fizz_buzz_sends_one_message_per_multiple():
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    future = submit_fizz_buzz(executor, 31)
    seen = []
    future.observe(lambda event: seen.append((event.name, event.new)), "fizz,buzz,fizz_buzz")

    assert loop.run_until(lambda: future.done, timeout=SAFETY_TIMEOUT)

    assert future.result == 14
    assert seen[:3] == [("fizz", 3), ("buzz", 5), ("fizz", 6)]
    assert seen[-1] == ("fizz_buzz", 30)
    executor.shutdown(timeout=SAFETY_TIMEOUT)


class OopsTask(BaseTask):
    """Sends a kind that FizzBuzzFuture has no handler for."""

    def run(self):
        self.send("oops", 1)
        return "dropped"


class BackgroundOops(BackgroundFizzBuzz):
    def task(self):
        return OopsTask()


def test_an_unknown_message_kind_fails_the_future():
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    future = executor.submit(BackgroundOops(stop=0))

    assert loop.run_until(lambda: future.done, timeout=SAFETY_TIMEOUT)

    assert future.state == "failed"
    assert isinstance(future.error, UnknownMessageError)
    assert str(future.error) == (
        "FizzBuzzFuture has no handler for message kind 'oops' "
        "(known kinds: 'buzz', 'fizz', 'fizz_buzz'). "
        "Decorate a method with @message_handler('oops') to handle it."
    )
    executor.shutdown(timeout=SAFETY_TIMEOUT)
