# SPDX-License-Identifier: BSD-3-Clause
"""Locks between jobs, protected resources and owners, on a simulated optical bench.

Used by the "Locks between jobs" guide; tested by
``test_job_locks_example.py``.
"""

import threading
import warnings

from traits.api import Dict, HasStrictTraits, Instance, Str, observe

from traits_jobs.api import (
    AsyncioEventLoop,
    PreemptionWarning,
    ResourceProtectedError,
    TraitsExecutor,
    current_job,
    job_lock,
    run_blocking,
    submit_call,
    submit_coroutine,
    submit_iteration,
)

#: Seconds a job waits for its locks before giving up with LockTimeoutError.
LOCK_TIMEOUT = 5.0


class Bench:
    """Simulated parts (a stage with axes, a shutter, a camera) that record their use.

    ``use(who, *parts)`` stands for driving the parts: it records who used
    them, and notes in ``overlaps`` any part that two jobs used at once.
    ``gate`` stands in for slow hardware: while it is cleared, ``use``
    waits for it, holding its parts busy.
    """

    def __init__(self):
        #: (who, parts), in the order they were used.
        self.log = []
        self.overlaps = []
        self.gate = threading.Event()
        self.gate.set()
        #: Set when a use has found the gate cleared.
        self.held = threading.Event()
        self._busy = {}
        self._lock = threading.Lock()

    def use(self, who, *parts):
        with self._lock:
            for part in parts:
                if part in self._busy:
                    self.overlaps.append((part, self._busy[part], who))
                self._busy[part] = who
            self.log.append((who, parts))
        if not self.gate.is_set():
            self.held.set()
            self.gate.wait()
        with self._lock:
            for part in parts:
                self._busy.pop(part, None)


def expose(bench, position):
    """Move x to ``position`` and take an exposure, with x and the shutter locked."""
    with job_lock("stage:x", "shutter", timeout=LOCK_TIMEOUT):
        bench.use(f"exposure at {position}", "stage:x", "shutter", "camera")
        return position


def take_dark_frame(bench):
    """An exposure with the shutter closed: the shutter must stay closed meanwhile."""
    with job_lock("shutter", timeout=LOCK_TIMEOUT):
        bench.use("dark frame", "shutter", "camera")
        return "dark"


def calibrate(bench):
    """A dark frame, then an exposure, with no other job using x or the shutter in between."""
    with job_lock("shutter", "stage:x", timeout=LOCK_TIMEOUT):
        # Both lock what this job holds already: granted at once.
        return take_dark_frame(bench), expose(bench, 0.0)


def home_stage(bench):
    """Home every axis: ``stage:*`` waits until no job holds any axis."""
    with job_lock("stage:*", timeout=LOCK_TIMEOUT):
        bench.use("homing", "stage:x", "stage:y")
        return "homed"


async def flat_field(bench):
    """A coroutine job: ``async with`` waits without holding the asyncio loop."""
    async with job_lock("shutter", timeout=LOCK_TIMEOUT):
        await run_blocking(bench.use, "flat field", "shutter", "camera")
        return "flat"


def snapshot(bench):
    """One frame: locking the camera preempts a live view that claimed it."""
    with job_lock("camera", timeout=LOCK_TIMEOUT):
        bench.use("snapshot", "camera")
        return "frame"


def live_view(bench, frame_interval):
    """Frames until cancelled; a background job that claims the camera at submit."""
    job = current_job()
    frame = 0
    while True:
        bench.use("live view", "camera")
        frame += 1
        yield frame
        job.sleep(frame_interval)


def start_live_view(executor, bench, frame_interval=0.05):
    return submit_iteration(
        executor,
        live_view,
        bench,
        frame_interval,
        background=True,
        resources={"camera"},
        name="live view",
    )


def park_for_the_night(executor):
    """Refuse every job that would claim or lock an axis, until ``unprotect``."""
    executor.protect("stage:*")


def start_of_the_day(executor):
    return executor.unprotect("stage:*")


class LockView(HasStrictTraits):
    """Which job holds each locked resource, by name, for a status panel."""

    executor = Instance(TraitsExecutor)

    holders = Dict(Str, Str)

    @observe("executor:locked_resources")
    def _update(self, event):
        self.holders = {
            resource: future.name or "unnamed job"
            for resource, future in self.executor.locked_resources.items()
        }


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    bench = Bench()
    view = LockView(executor=executor)

    bench.gate.clear()  # slow hardware: the first exposure holds its locks
    first = submit_call(executor, expose, bench, 1.0, name="expose 1")
    bench.held.wait(timeout=10.0)
    event_loop.run_until(lambda: len(view.holders) == 2, timeout=10.0)
    print(f"locked: {view.holders}")
    jobs = [
        submit_call(executor, calibrate, bench, name="calibrate"),
        submit_call(executor, home_stage, bench, name="home"),
        submit_coroutine(executor, flat_field, bench, name="flat field"),
    ]
    bench.gate.set()
    for future in [first, *jobs]:
        future.wait(timeout=10.0)
    print(f"first: {bench.log[0][0]}; then {len(bench.log) - 1} more uses, one job at a time")
    print(f"parts used by two jobs at once: {bench.overlaps}")

    live = start_live_view(executor, bench)
    event_loop.run_until(lambda: live.state == "executing", timeout=10.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PreemptionWarning)
        snap = submit_call(executor, snapshot, bench, name="snapshot")
        print(f"snapshot: {snap.wait(timeout=10.0)}; live view {live.end_reason}")
    print(caught[0].message)

    park_for_the_night(executor)
    try:
        submit_call(executor, expose, bench, 2.0, resources={"stage:x"})
    except ResourceProtectedError as error:
        print(f"refused: {error}")
    start_of_the_day(executor)

    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
