# SPDX-License-Identifier: BSD-3-Clause
"""An emergency stop for a simulated instrument: stage, heater, shutter and door.

The stage is the one of ``coroutine_stage.py``. Used by the "Emergency
stop" guide; tested by ``test_emergency_stop_example.py``.
"""

import asyncio
import threading

from coroutine_stage import Stage
from traits.api import HasStrictTraits, Instance, List, Str, observe

from traits_jobs.api import (
    AsyncioEventLoop,
    JobStopRequested,
    TaskCancelled,
    TraitsExecutor,
    current_job,
    report_progress,
    submit_call,
    submit_loop,
)


class SimulatedHeater:
    """A heater: its driver calls are plain functions."""

    def __init__(self, ramp_interval=1.0):
        #: Seconds between two steps of a warm-up.
        self.ramp_interval = ramp_interval
        self.power = 0.0
        self._lock = threading.Lock()

    def set_power(self, watts):
        with self._lock:
            self.power = watts

    def off(self):
        with self._lock:
            self.power = 0.0


class SimulatedShutter:
    """A shutter on the network, whose driver is written for asyncio."""

    def __init__(self):
        self.is_open = True

    async def close(self):
        await asyncio.sleep(0)  # stands in for sending the command
        self.is_open = False


class Door:
    """The switch of the enclosure's door: ``is_open`` is True while it is open."""

    def __init__(self):
        self.is_open = False


def warm_up(heater, watts, steps):
    """Raise the heater's power to ``watts`` in ``steps`` steps, and leave it on.

    If the job ends early, the heater is switched off before its future
    says so.
    """
    job = current_job()
    try:
        for step in range(1, steps + 1):
            heater.set_power(watts * step / steps)
            report_progress(step, target=steps)
            job.sleep(heater.ramp_interval)
    except (TaskCancelled, JobStopRequested):
        # job.sleep() raises JobStopRequested after a stop or a cancel;
        # report_progress() raises TaskCancelled after a cancel, and
        # JobStopRequested after a stop.
        heater.off()
        raise
    return heater.power


def submit_warm_up(executor, heater, watts, steps=10):
    return submit_call(executor, warm_up, heater, watts, steps, name="warm up")


def install_emergency_stops(executor, stage, heater, shutter):
    """Register the stop of each device; return their names."""
    return [
        executor.add_emergency_stop(stage.controller.halt, name="stage", timeout=2.0),
        executor.add_emergency_stop(heater.off, name="heater", timeout=1.0),
        executor.add_emergency_stop(shutter.close, name="shutter", timeout=1.0),
    ]


def record_power(job, heater):
    job.publish_status(heater.power)


def start_power_log(executor, heater, period=1.0):
    """Publish the heater's power each period; stops and cancel-alls leave it running."""
    return submit_loop(
        executor, record_power, heater, period=period, name="power log", cancel_on_abort=False
    )


def watch_door(executor, door, period=0.05):
    """Stop everything each time the door opens."""
    return executor.watch_emergency(lambda: door.is_open, period=period, name="door interlock")


def describe(report):
    """One line about an EmergencyReport, for a status bar or a log."""
    jobs = ", ".join(future.name or "unnamed job" for future in report.cancelled) or "none"
    hooks = ", ".join(f"{name}: {outcome}" for name, outcome in report.hooks.items())
    verdict = "all devices stopped" if report.ok else "CHECK THE INSTRUMENT"
    return f"Emergency stop, {verdict}. Jobs cancelled: {jobs}. Stops: {hooks}."


class EmergencyLog(HasStrictTraits):
    """The lines describing each emergency stop of ``executor``, for the GUI."""

    executor = Instance(TraitsExecutor)

    lines = List(Str)

    @observe("executor:emergency_stopped")
    def _record(self, event):
        self.lines.append(describe(event.new))


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    stage, heater, shutter = Stage(executor=executor), SimulatedHeater(), SimulatedShutter()
    install_emergency_stops(executor, stage, heater, shutter)
    log = EmergencyLog(executor=executor)
    power_log = start_power_log(executor, heater)

    stage.controller.gate.clear()  # a slow controller: the move stalls at its first read
    move = stage.move_to(10.0)
    warming = submit_warm_up(executor, heater, 50.0)
    stage.controller.held.wait(timeout=10.0)
    event_loop.run_until(lambda: warming.progress_info is not None, timeout=10.0)

    report = executor.emergency_stop().wait(timeout=10.0)
    print(log.lines[-1])
    print(f"heater {heater.power} W, shutter open: {shutter.is_open}")
    print(f"move {move.state}, power log {power_log.state}")
    stage.controller.gate.set()  # the driver call returns; the move's cleanup halts too
    event_loop.run_until(lambda: move.done and warming.done, timeout=10.0)
    print(f"move {move.state}, warm-up {warming.state}")
    print(f"controller commands {stage.controller.commands}")
    print(f"report ok: {report.ok}")

    door = Door()
    watch = watch_door(executor, door)
    door.is_open = True
    event_loop.run_until(lambda: len(log.lines) == 2, timeout=10.0)
    print(f"door opened: {log.lines[-1]}")
    print(f"the interlock is still watching: {watch.state}")

    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
