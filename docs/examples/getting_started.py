# SPDX-License-Identifier: BSD-3-Clause
"""The code of the "Getting started" tutorial, runnable as a script.

The tutorial shows it piece by piece, between the ``# [name]`` and
``# [/name]`` markers. Run it with ``python docs/examples/getting_started.py``.
"""

# The imports stay next to the code that needs them, as in the tutorial.
# ruff: noqa: E402

import threading
import time

# [setup]
from traits_jobs.api import ManualEventLoop, TraitsExecutor

loop = ManualEventLoop()
executor = TraitsExecutor(event_loop=loop)
# [/setup]

# [call]
from traits_jobs.api import submit_call


def slow_square(x):
    time.sleep(0.1)
    return x * x


future = submit_call(executor, slow_square, 7)
print(future.state)  # waiting: nothing is delivered until the loop runs
# [/call]


# [observe]
def report(event):
    print(f"{event.name}: {event.old!r} -> {event.new!r}")


future.observe(report, "state")
future.observe(report, "done")
# [/observe]

# [run]
loop.run_until(lambda: future.done, timeout=10.0)
print(future.state, future.result)  # completed 49
# [/run]


# [failure]
def parse(text):
    return int(text)


failing = submit_call(executor, parse, "forty-two")
loop.run_until(lambda: failing.done, timeout=10.0)
print(failing.state)  # failed
print(repr(failing.error))  # ValueError("invalid literal for int() ...")
type_name, message, traceback_text = failing.exception
print(type_name)  # ValueError
# [/failure]

# [iteration]
from traits_jobs.api import submit_iteration


def countdown(n):
    while n > 0:
        yield n
        n -= 1
    return "lift-off"


counting = submit_iteration(executor, countdown, 3)
counting.observe(lambda event: print("item", event.new), "result_event")
loop.run_until(lambda: counting.done, timeout=10.0)
print(counting.result)  # lift-off
# [/iteration]

# [progress]
from traits_jobs.api import submit_progress


def count_primes(limit, progress):
    found = 0
    for n in range(2, limit):
        if all(n % d for d in range(2, int(n**0.5) + 1)):
            found += 1
        if n % 1000 == 0:
            progress((n, found))
    return found


primes = submit_progress(executor, count_primes, 5000)
primes.observe(lambda event: print("checked {}, found {}".format(*event.new)), "progress")
loop.run_until(lambda: primes.done, timeout=10.0)
print(primes.result)  # 669
# [/progress]

# [cancel]
started = threading.Event()
release = threading.Event()


def wait_for_release(progress):
    started.set()
    release.wait(10.0)
    progress("still here")  # raises TaskCancelled: the job was cancelled
    return "unreachable"


held = submit_progress(executor, wait_for_release)
started.wait(10.0)
loop.run_until(lambda: held.state == "executing", timeout=10.0)
print(held.cancel())  # True
print(held.state)  # cancelling
release.set()
loop.run_until(lambda: held.done, timeout=10.0)
print(held.state)  # cancelled
print(held.cancel())  # False: nothing left to cancel
# [/cancel]

# [shutdown]
executor.shutdown(timeout=10.0)
print(executor.state)  # stopped
# [/shutdown]
