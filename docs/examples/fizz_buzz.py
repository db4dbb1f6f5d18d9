# SPDX-License-Identifier: BSD-3-Clause
"""A job kind of our own: fizz-buzz, with one message kind per outcome.

Run it with ``python docs/examples/fizz_buzz.py``.
"""

import time

from traits.api import Event, Int

from traits_jobs.api import (
    BaseFuture,
    BaseTask,
    ITaskSpecification,
    ManualEventLoop,
    TraitsExecutor,
    message_handler,
)

FIZZ = "fizz"
BUZZ = "buzz"
FIZZ_BUZZ = "fizz_buzz"


class FizzBuzzTask(BaseTask):
    """Worker side: count, and send a message for each multiple of 3 or 5."""

    def __init__(self, stop, interval):
        self.stop = stop
        self.interval = interval

    def run(self):
        sent = 0
        for n in range(1, self.stop):
            if self.cancelled():
                break
            if n % 15 == 0:
                self.send(FIZZ_BUZZ, n)
            elif n % 3 == 0:
                self.send(FIZZ, n)
            elif n % 5 == 0:
                self.send(BUZZ, n)
            else:
                continue
            sent += 1
            time.sleep(self.interval)
        return sent


class FizzBuzzFuture(BaseFuture):
    """Main-thread side: one event trait per message kind."""

    #: Fires with each multiple of 3 that is not a multiple of 5.
    fizz = Event(Int)

    #: Fires with each multiple of 5 that is not a multiple of 3.
    buzz = Event(Int)

    #: Fires with each multiple of 15.
    fizz_buzz = Event(Int)

    @message_handler(FIZZ)
    def _on_fizz(self, n):
        self.fizz = n

    @message_handler(BUZZ)
    def _on_buzz(self, n):
        self.buzz = n

    @message_handler(FIZZ_BUZZ)
    def _on_fizz_buzz(self, n):
        self.fizz_buzz = n


class BackgroundFizzBuzz(ITaskSpecification):
    """What the executor needs to start a fizz-buzz job."""

    def __init__(self, stop, interval=0.0):
        self.stop = stop
        self.interval = interval

    def future(self, cancel):
        return FizzBuzzFuture(_cancel=cancel)

    def task(self):
        return FizzBuzzTask(self.stop, self.interval)


def submit_fizz_buzz(executor, stop, interval=0.0):
    """Play fizz-buzz up to ``stop`` in the background; return the future."""
    return executor.submit(BackgroundFizzBuzz(stop, interval))


def main():
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop)
    future = submit_fizz_buzz(executor, 31)
    future.observe(lambda event: print(event.name, event.new), "fizz,buzz,fizz_buzz")
    loop.run_until(lambda: future.done, timeout=10.0)
    print("messages sent:", future.result)
    executor.shutdown(timeout=10.0)


if __name__ == "__main__":
    main()
