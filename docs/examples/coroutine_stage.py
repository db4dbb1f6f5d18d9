# SPDX-License-Identifier: BSD-3-Clause
"""Coroutine jobs and ``@background`` on a simulated stage and camera.

The drivers are plain blocking calls, as vendor libraries have them; the
device classes wrap them in methods that run as jobs. Used by the
"Coroutine jobs and @background" and "Emergency stop" guides; tested by
``test_coroutine_stage.py``.
"""

import asyncio
import threading

from traits.api import Float, HasStrictTraits, Instance

from traits_jobs.api import (
    AsyncioEventLoop,
    JobStopRequested,
    TraitsExecutor,
    background,
    current_job,
    report_progress,
    run_blocking,
    submit_coroutine,
)


class SimulatedController:
    """The driver of one motor axis.

    The motor moves ``step`` units towards its target each time its
    position is read, so the simulation needs no clock. ``gate`` stands
    in for a slow controller: while it is cleared, a position read waits
    for it, which holds the motor between two steps.
    """

    def __init__(self, step=1.0):
        self.step = step
        self.position = 0.0
        self.target = 0.0
        #: The commands received, in order: ("start", target), ("halt", position).
        self.commands = []
        self.gate = threading.Event()
        self.gate.set()
        #: Set when a position read has found the gate cleared.
        self.held = threading.Event()
        self._lock = threading.Lock()

    def start_move(self, target):
        """Set off towards ``target``; return the position it starts from."""
        with self._lock:
            self.commands.append(("start", target))
            self.target = target
            return self.position

    def read_position(self):
        """The position after one more step of the motion."""
        if not self.gate.is_set():
            self.held.set()
            self.gate.wait()
        with self._lock:
            remaining = self.target - self.position
            self.position += max(-self.step, min(self.step, remaining))
            return self.position

    def halt(self):
        """Stop the motor where it is."""
        with self._lock:
            self.commands.append(("halt", self.position))
            self.target = self.position

    @property
    def moving(self):
        return self.position != self.target


class SimulatedCameraDriver:
    """The driver of a camera: each frame it reads is the next number."""

    def __init__(self):
        self.frames = 0

    def read_frame(self):
        self.frames += 1
        return self.frames


class Stage(HasStrictTraits):
    """A stage axis whose moves run as coroutine jobs on ``executor``."""

    executor = Instance(TraitsExecutor)

    controller = Instance(SimulatedController, ())

    #: Seconds between two position reads during a move.
    poll_interval = Float(0.001)

    @background(resources={"stage"}, timeout=60.0)
    async def move_to(self, target):
        """Move to ``target`` and return the position reached.

        A cancel (or a timeout, a preemption, an emergency stop) arrives as
        CancelledError at an ``await``; a stop is read between two steps.
        Either way the motor is halted before the future says the job ended.
        """
        job = current_job()
        start = await run_blocking(self.controller.start_move, target)
        position = start
        try:
            while position != target:
                if job.stop_requested:
                    raise JobStopRequested("stopped before reaching the target")
                await asyncio.sleep(self.poll_interval)
                position = await run_blocking(self.controller.read_position)
                report_progress(position, initial=start, target=target)
        except (asyncio.CancelledError, JobStopRequested):
            await run_blocking(self.controller.halt)
            raise
        return position


class Camera(HasStrictTraits):
    """A camera whose snapshots run as call jobs on ``executor``."""

    executor = Instance(TraitsExecutor)

    driver = Instance(SimulatedCameraDriver, ())

    @background(resources={"camera"})
    def snap(self):
        """Read one frame: a plain function, so a call job on a worker thread."""
        return self.driver.read_frame()


async def scan(stage, camera, positions):
    """Take a frame at each position; return (position, frame) pairs.

    Each move and each snapshot is a job of its own, awaited here. As with
    asyncio tasks, cancelling this job cancels the step it awaits.
    """
    frames = []
    for index, position in enumerate(positions):
        reached = await stage.move_to(position)
        frames.append((reached, await camera.snap()))
        report_progress(index + 1, target=len(positions))
    return frames


def submit_scan(stage, camera, positions):
    """Run ``scan`` as a coroutine job named "scan"."""
    return submit_coroutine(stage.executor, scan, stage, camera, positions, name="scan")


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    stage = Stage(executor=executor)
    camera = Camera(executor=executor)

    move = stage.move_to(5.0)
    print(f"{move.name}: {move.state}")
    print(f"reached {move.wait(timeout=10.0)}")

    frames = submit_scan(stage, camera, [1.0, 2.0, 3.0]).wait(timeout=10.0)
    print(f"scan: {frames}")

    stage.controller.gate.clear()  # the next move stalls at its first position read
    move = stage.move_to(10.0)
    stage.controller.held.wait(timeout=10.0)
    move.cancel()
    print(f"cancelled: {move.state}")
    stage.controller.gate.set()
    event_loop.run_until(lambda: move.done, timeout=10.0)
    print(f"then {move.state}; commands {stage.controller.commands[-2:]}")

    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
