# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the examples of the "Instrument loops" and "The job context" guides.

The loop runs on a virtual clock that the test moves on one period at a
time, so every iteration, and every overrun, happens when the test says.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import threading

import pytest
from instrument_loop import (
    PERIOD,
    HeaterStatus,
    PidSettings,
    SimulatedHeater,
    TemperaturePanel,
    cool_down,
)

from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    STOPPED,
    MissedIteration,
    submit_call,
)
from traits_jobs.testing import SAFETY_TIMEOUT, run_until


class StepClock:
    """A virtual LoopClock: each wait between iterations needs the test's go-ahead."""

    def __init__(self):
        self.time = 0.0
        self.steps = 0
        self.condition = threading.Condition()

    def now(self):
        return self.time

    def sleep(self, ctx, seconds):
        with self.condition:
            # A stop or cancel request ends this wait with JobStopRequested.
            ctx.wait_for(self.condition, lambda: self.steps > 0)
            self.steps -= 1
            self.time += seconds

    def allow(self, steps):
        """Let the loop through its next ``steps`` waits."""
        with self.condition:
            self.steps += steps
            self.condition.notify_all()


class StallingHeater(SimulatedHeater):
    """A heater whose ``stall_at``-th reading takes ``stall`` seconds of virtual time."""

    def __init__(self, clock, stall_at, stall):
        super().__init__()
        self.clock = clock
        self.stall_at = stall_at
        self.stall = stall
        self.read_at = []

    def read_temperature(self):
        self.read_at.append(self.clock.now())
        if len(self.read_at) == self.stall_at:
            self.clock.time += self.stall
        return super().read_temperature()


@pytest.fixture
def clock():
    return StepClock()


@pytest.fixture
def panel(manual_executor):
    return TemperaturePanel(executor=manual_executor, heater=SimulatedHeater())


def run_until_loop(panel, trait, condition):
    """Run the event loop until ``condition(panel.loop)`` holds."""
    run_until(panel.executor.event_loop, panel.loop, trait, condition)


def run_iterations(panel, count):
    """Run the event loop until the controller has run ``count`` iterations."""
    run_until_loop(panel, "iteration_count", lambda f: f.iteration_count >= count)


def test_the_controller_brings_the_heater_to_its_setpoint(panel, clock):
    panel.start(PidSettings(setpoint=40.0), clock=clock)
    clock.allow(59)
    run_iterations(panel, 60)
    assert panel.setpoint == 40.0
    assert panel.temperature == pytest.approx(40.0, abs=0.1)
    assert panel.loop.status == HeaterStatus(panel.temperature, panel.power, 40.0)
    assert panel.heater.is_open
    assert panel.heater.power_limit == 20.0


def test_two_quick_edits_both_reach_the_loop(panel, clock):
    loop = panel.start(PidSettings(setpoint=40.0), clock=clock)
    run_iterations(panel, 1)  # the loop now waits for its next period

    panel.change_setpoint(45.0)
    panel.change_gains(kp=4.0, ki=2.0)
    expected = PidSettings(setpoint=45.0, kp=4.0, ki=2.0)
    assert loop.pending_settings == expected
    assert loop.settings == PidSettings(setpoint=40.0)

    clock.allow(1)
    run_until_loop(panel, "pending_settings", lambda f: f.pending_settings is None)
    assert loop.settings == expected
    run_iterations(panel, 2)
    assert panel.setpoint == 45.0


def test_settings_replaced_whole_lose_the_other_edit(panel, clock):
    loop = panel.start(PidSettings(setpoint=40.0), clock=clock)
    run_iterations(panel, 1)
    loop.set_settings(PidSettings(setpoint=45.0))
    loop.set_settings(PidSettings(kp=4.0, ki=2.0))  # a second dialog, built from stale values
    assert loop.pending_settings == PidSettings(kp=4.0, ki=2.0)  # the setpoint edit is gone
    panel.stop()


def test_an_overrun_skips_the_slots_it_missed(manual_executor, clock):
    # The third reading takes 2.5 periods, so the third iteration ends at
    # 0.45 s, 0.15 s after the slot at 0.3 s; the slots at 0.3 s and 0.4 s
    # are skipped, and the fourth iteration starts on the slot at 0.5 s.
    heater = StallingHeater(clock, stall_at=3, stall=2.5 * PERIOD)
    panel = TemperaturePanel(executor=manual_executor, heater=heater)
    overruns = []
    loop = panel.start(PidSettings(setpoint=40.0), clock=clock)
    loop.observe(lambda event: overruns.append(event.new), "iteration_missed")
    clock.allow(4)
    run_iterations(panel, 5)

    assert heater.read_at == pytest.approx([0.0, 0.1, 0.2, 0.5, 0.6])
    [missed] = overruns
    assert isinstance(missed, MissedIteration)
    assert missed.lateness == pytest.approx(0.15)
    assert (missed.slots_missed, missed.policy, missed.iteration) == (2, "skip", 3)
    assert loop.missed_count == 2
    assert panel.last_overrun == "iteration 3 ended 150 ms late; 2 slot(s) skipped"


def test_stop_ends_the_loop_completed_with_the_heater_off(panel, clock):
    loop = panel.start(PidSettings(setpoint=40.0), clock=clock)
    run_iterations(panel, 1)
    assert panel.stop()
    run_until_loop(panel, "done", lambda f: f.done)
    assert loop.state == COMPLETED
    assert loop.end_reason == STOPPED
    assert loop.result is None
    assert not panel.heater.is_open
    assert panel.heater.power == 0.0


def test_abort_cancels_the_loop_and_still_switches_the_heater_off(panel, clock):
    loop = panel.start(PidSettings(setpoint=40.0), clock=clock)
    run_iterations(panel, 1)
    assert panel.abort()
    run_until_loop(panel, "done", lambda f: f.done)
    assert loop.state == CANCELLED
    assert loop.end_reason == CANCELLED
    assert not panel.heater.is_open


def test_settings_cannot_be_changed_once_the_loop_ended(panel, clock):
    panel.start(PidSettings(setpoint=40.0), clock=clock)
    panel.stop()
    run_until_loop(panel, "done", lambda f: f.done)
    with pytest.raises(RuntimeError, match="the loop has ended"):
        panel.change_setpoint(50.0)


def test_cool_down_returns_once_below(asyncio_executor):
    heater = SimulatedHeater()
    heater.temperature = 30.0
    future = submit_call(asyncio_executor, cool_down, heater, 25.0, 0.0)
    assert future.wait(timeout=SAFETY_TIMEOUT) < 25.0
    assert future.status >= 25.0  # the last reading it published


def test_cool_down_stops_during_its_wait(asyncio_executor):
    heater = SimulatedHeater(room=30.0)  # never cools below 25 degrees
    heater.temperature = 30.0
    future = submit_call(asyncio_executor, cool_down, heater, 25.0, SAFETY_TIMEOUT)
    run_until(asyncio_executor.event_loop, future, "status", lambda f: f.status is not None)
    assert future.state == EXECUTING
    assert future.stop()
    assert future.wait(timeout=SAFETY_TIMEOUT) is None
    assert future.end_reason == STOPPED
