# SPDX-License-Identifier: BSD-3-Clause
"""Jobs for the process tests: importable, as worker processes need them to be."""

import ctypes
import os
import signal
import threading

from traits_jobs.api import JobStopRequested, LoopJob, current_job, job_lock, report_progress


def add(a, b):
    return a + b


def pid():
    return os.getpid()


def count(n):
    yield from range(n)


def forever(closed=None):
    index = 0
    try:
        while True:
            yield index
            index += 1
    finally:
        if closed is not None:
            closed.set()


def reporting(n, progress):
    for index in range(n):
        progress(index)
    return "reported"


def structured(n):
    for index in range(1, n + 1):
        report_progress(index, target=n, message=f"step {index}")
    return "done"


def fail(message):
    raise ValueError(message)


class Unpicklable(Exception):
    """An exception carrying a lock: it cannot be pickled."""

    def __init__(self, message):
        super().__init__(message)
        self.lock = threading.Lock()


def fail_unpicklably():
    raise Unpicklable("holding a lock")


def return_lock():
    return threading.Lock()


def yield_lock():
    yield 1
    yield threading.Lock()
    while True:
        yield 2


def exit_hard(code):
    os._exit(code)


def kill_self():
    os.kill(os.getpid(), signal.SIGKILL)


def segfault():
    ctypes.string_at(0)


def wait_for(event, timeout=30):
    event.wait(timeout)
    return "released"


def sleep_until_stopped():
    current_job().sleep(None)


def echo(gate):
    gate.wait(30)
    received = []
    value = yield len(received)
    while value != "end":
        received.append(value)
        value = yield len(received)
    return received


def publish_settings(ctx):
    ctx.publish_status(ctx.settings)
    if ctx.settings == "end":
        raise JobStopRequested


def try_lock():
    with job_lock("stage"):
        return "locked"


def failing_initializer():
    raise RuntimeError("the device library is missing")


class Recorder(LoopJob):
    """A loop job in a worker process that reports its calls through a manager list."""

    def __init__(self, calls, fail_at=None):
        self.calls = calls
        self.fail_at = fail_at

    def prepare(self, ctx):
        self.calls.append("prepare")

    def iteration(self, ctx):
        self.calls.append("iteration")
        if self.calls.count("iteration") == self.fail_at:
            raise ValueError("sensor unplugged")
        ctx.publish_status(self.calls.count("iteration"))

    def finalize(self, ctx):
        self.calls.append("finalize")


def where():
    """The address of the Dask worker running the job."""
    from distributed import get_worker

    return get_worker().address


def count_runs(path):
    """Append a line to ``path`` each time it runs, then run until stopped."""
    with open(path, "a", encoding="utf-8") as file:
        file.write("run\n")
    index = 0
    while True:
        yield index
        index += 1


def forever_noting_the_end(path):
    """Yield until stopped; write ``path`` when it ends, however it ends."""
    try:
        index = 0
        while True:
            yield index
            index += 1
    finally:
        with open(path, "w", encoding="utf-8") as file:
            file.write("ended\n")


def record_then_die(path):
    """Append a line to ``path``, then kill the process running the job."""
    with open(path, "a", encoding="utf-8") as file:
        file.write("run\n")
    os.kill(os.getpid(), signal.SIGKILL)


class Box:
    """An item that can be referenced weakly."""

    def __init__(self, value):
        self.value = value


def boxes(release):
    """Yield one Box, then wait for ``release`` before ending."""
    yield Box(1)
    release.wait(30)


def steer_values_settings_and_pause(executor, gate, unpicklable, run_until):
    """What test_processes and test_dask check alike: send(), settings and pause cross over.

    ``gate`` is an event of the context, ``unpicklable`` a value that does
    not pickle, ``run_until(executor, condition)`` runs the executor's loop
    until it holds.
    """

    def wait(condition):
        run_until(executor, condition)

    import pytest

    from traits_jobs.api import STOPPED, JobPicklingError, submit_iteration, submit_loop

    future = submit_iteration(executor, echo, gate)
    for value in ("a", "b", "c", "end"):
        future.send(value)
    gate.set()
    wait(lambda: future.done)
    assert future.result == ["a", "b", "c"]
    loop = submit_loop(executor, publish_settings, period=0.001, settings=1)
    wait(lambda: loop.status == 1)
    loop.set_settings(2)
    wait(lambda: loop.status == 2)
    loop.pause()
    wait(lambda: loop.paused)
    loop.set_settings("end")
    loop.resume()
    wait(lambda: loop.done)
    assert loop.end_reason == STOPPED
    held = submit_iteration(executor, echo, gate)
    with pytest.raises(JobPicklingError):
        held.send(unpicklable)
    held.send("end")
    wait(lambda: held.done)


def raise_unpicklably_when_closed():
    """Yield until stopped, then raise an exception that does not pickle on the way out."""
    try:
        while True:
            yield 1
    finally:
        raise Unpicklable("on the way out")
