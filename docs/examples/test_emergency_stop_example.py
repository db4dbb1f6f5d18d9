# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Emergency stop" guide.

Moves are held at a known point by the simulated controller's gate, and a
warm-up waits a minute between its steps, so every job is where the test
says when the stop comes; nothing sleeps to let things happen.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import threading

import pytest
from coroutine_stage import Stage
from emergency_stop import (
    Door,
    EmergencyLog,
    SimulatedHeater,
    SimulatedShutter,
    install_emergency_stops,
    start_power_log,
    submit_warm_up,
    watch_door,
)

from traits_jobs.api import CANCELLED, CANCELLING, EXECUTING, EmergencyReport
from traits_jobs.testing import SAFETY_TIMEOUT, run_until


class Instrument:
    """The devices of the example, their stops installed, and the emergency log."""

    def __init__(self, executor):
        self.executor = executor
        self.stage = Stage(executor=executor)
        self.heater = SimulatedHeater(ramp_interval=60.0)
        self.shutter = SimulatedShutter()
        install_emergency_stops(executor, self.stage, self.heater, self.shutter)
        self.log = EmergencyLog(executor=executor)

    def wait_until(self, obj, trait, condition):
        run_until(self.executor.event_loop, obj, trait, condition, timeout=SAFETY_TIMEOUT)

    def start_held_move(self, target):
        """A move whose first position read waits until ``release_move``."""
        controller = self.stage.controller
        controller.gate.clear()
        move = self.stage.move_to(target)
        assert controller.held.wait(SAFETY_TIMEOUT), "the move never reached the driver"
        self.wait_until(move, "state", lambda f: f.state == EXECUTING)
        return move

    def release_move(self):
        self.stage.controller.gate.set()

    def start_warm_up(self):
        """A warm-up at its first step, waiting a minute for the next one."""
        warming = submit_warm_up(self.executor, self.heater, 50.0, steps=10)
        self.wait_until(warming, "progress_info", lambda f: f.progress_info is not None)
        assert self.heater.power == 5.0
        return warming


@pytest.fixture
def instrument(asyncio_executor):
    return Instrument(asyncio_executor)


def test_every_device_is_stopped_and_every_job_cancelled(instrument):
    """The report lists the cancelled jobs and each stop; the power log runs on."""
    executor = instrument.executor
    power_log = start_power_log(executor, instrument.heater)
    move = instrument.start_held_move(10.0)
    warming = instrument.start_warm_up()

    report = executor.emergency_stop().wait(timeout=SAFETY_TIMEOUT)

    assert isinstance(report, EmergencyReport)
    assert report.ok
    assert report.hooks == {"stage": "ok", "heater": "ok", "shutter": "ok"}
    assert set(report.cancelled) == {move, warming}
    assert (instrument.heater.power, instrument.shutter.is_open) == (0.0, False)
    # The stops did not wait for the jobs: the move's driver call is still held.
    assert move.state == CANCELLING
    assert power_log.state == EXECUTING

    instrument.release_move()
    instrument.wait_until(executor, "jobs", lambda e: e.jobs == [power_log])
    assert (move.state, warming.state) == (CANCELLED, CANCELLED)
    # Halted by its stop, then again by the move's own cleanup.
    assert instrument.stage.controller.commands == [("start", 10.0), ("halt", 0.0), ("halt", 0.0)]
    power_log.stop()


def test_a_failing_stop_and_a_hanging_one_do_not_hold_up_the_others(instrument):
    """Each stop has its outcome in the report: ok, its exception, or timed out."""
    executor = instrument.executor
    stuck = threading.Event()

    def pump_off():
        raise OSError("vacuum pump controller offline")

    executor.add_emergency_stop(pump_off, name="pump")
    executor.add_emergency_stop(lambda: stuck.wait(SAFETY_TIMEOUT), name="laser", timeout=0.1)
    try:
        report = executor.emergency_stop().wait(timeout=SAFETY_TIMEOUT)
    finally:
        stuck.set()

    assert not report.ok
    assert isinstance(report.hooks["pump"], OSError)
    assert report.hooks["laser"] == "timed out"
    assert [report.hooks[name] for name in ("stage", "heater", "shutter")] == ["ok"] * 3
    assert "CHECK THE INSTRUMENT" in instrument.log.lines[-1]


def test_the_log_describes_each_stop(instrument):
    """EmergencyLog turns each report into a line."""
    warming = instrument.start_warm_up()
    instrument.executor.emergency_stop().wait(timeout=SAFETY_TIMEOUT)
    assert instrument.log.lines == [
        "Emergency stop, all devices stopped. Jobs cancelled: warm up. "
        "Stops: stage: ok, heater: ok, shutter: ok."
    ]
    instrument.wait_until(warming, "done", lambda f: f.done)


def test_cancel_all_cancels_jobs_and_calls_no_stop(instrument):
    """cancel_all(skip=...): only the jobs' own cleanup stops the devices."""
    executor = instrument.executor
    move = instrument.start_held_move(10.0)
    warming = instrument.start_warm_up()

    assert executor.cancel_all(skip=["warm up"]) == [move]
    assert instrument.stage.controller.commands == [("start", 10.0)]

    instrument.release_move()
    instrument.wait_until(move, "done", lambda f: f.done)
    assert instrument.stage.controller.commands == [("start", 10.0), ("halt", 1.0)]
    assert warming.state == EXECUTING
    assert instrument.shutter.is_open
    assert instrument.log.lines == []
    warming.cancel()
    instrument.wait_until(warming, "done", lambda f: f.done)
    assert instrument.heater.power == 0.0


def test_the_door_interlock_stops_once_per_opening(instrument):
    """One stop when the door opens; none while it stays open; one more at the next opening."""
    executor, door, lines = instrument.executor, Door(), instrument.log.lines
    watch = watch_door(executor, door, period=0.01)
    instrument.wait_until(watch, "status", lambda f: f.status is False)
    move = instrument.start_held_move(10.0)

    door.is_open = True
    instrument.wait_until(instrument.log, "lines_items", lambda log: len(log.lines) == 1)
    assert "Jobs cancelled: Stage.move_to." in lines[0]
    assert move.state == CANCELLING
    readings = watch.iteration_count
    instrument.wait_until(watch, "iteration_count", lambda f: f.iteration_count >= readings + 3)
    assert len(lines) == 1
    assert watch.status is True

    door.is_open = False
    instrument.wait_until(watch, "status", lambda f: f.status is False)
    door.is_open = True
    instrument.wait_until(instrument.log, "lines_items", lambda log: len(log.lines) == 2)
    assert watch.state == EXECUTING

    instrument.release_move()
    watch.stop()
    instrument.wait_until(executor, "jobs", lambda e: not e.jobs)
