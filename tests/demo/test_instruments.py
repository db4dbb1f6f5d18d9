# SPDX-License-Identifier: BSD-3-Clause
"""The simulated instruments of the demo, alone and as jobs."""

import asyncio
import dataclasses
import threading
import time

import numpy as np
import pytest

from tests._support import wait_done, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    STOPPED,
    CoroutineFuture,
    ResourceConflictError,
    submit_call,
    submit_iteration,
    submit_loop,
)
from traits_jobs.demo.instruments import (
    AMBIENT,
    SETTLE_TIME,
    AnalysisResult,
    Camera,
    DeviceHalted,
    SensorSettings,
    Stage,
    TemperatureLoop,
    TemperatureReading,
    TemperatureSensor,
    analysis,
    scan,
)
from traits_jobs.testing import SAFETY_TIMEOUT


class Recorder:
    """A report_progress() stand-in that records its calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, current, **kwargs):
        self.calls.append((current, kwargs))


class GatedStage(Stage):
    """A stage that waits for ``release`` before its first step, in either kind of move."""

    def __init__(self, **traits):
        super().__init__(**traits)
        self.started, self.release = threading.Event(), threading.Event()

    def steps_to(self, target):
        self.check_target(target)
        self.started.set()
        assert self.release.wait(SAFETY_TIMEOUT)
        yield from super().steps_to(target)

    async def _step_wait(self):
        self.started.set()
        await until(self.release.is_set)
        await super()._step_wait()


class SteppedStage(Stage):
    """A stage whose coroutine move takes one step per token the test gives.

    ``steps`` counts the steps taken; the test reads where each one ended
    from ``positions``.
    """

    def __init__(self, **traits):
        super().__init__(**traits)
        self.tokens = threading.Semaphore(0)
        self.positions = []

    async def _step_wait(self):
        await until(lambda: self.tokens.acquire(blocking=False))

    def _step(self, motion, position):
        super()._step(motion, position)
        self.positions.append(position)


def reached(future, position):
    """Whether ``future``'s latest progress report is at ``position``."""
    info = future.progress_info
    return info is not None and info.current == position


async def until(condition):
    """Await, one short sleep at a time, until ``condition()``: a cancellation ends it.

    A simulated device's wait, on the executor's asyncio loop; AssertionError
    after SAFETY_TIMEOUT.
    """
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "the test never let the device go on"
        await asyncio.sleep(0.001)


def fast_stage():
    return Stage(speed=1000.0, step_time=0.001)


def test_move_reaches_the_target_reporting_each_step():
    """move_to() ends at the target; its reports run from the start to the target."""
    stage, report = fast_stage(), Recorder()
    assert stage.move_to(5.0, report=report) == 5.0
    positions = [current for current, _ in report.calls]
    assert positions == sorted(positions) and positions[-1] == 5.0
    assert all(kwargs["target"] == 5.0 and kwargs["initial"] == 0.0 for _, kwargs in report.calls)


def test_move_beyond_the_limits_raises_without_moving():
    """A target outside the limits raises ValueError naming them; the stage stays put."""
    stage = fast_stage()
    with pytest.raises(ValueError, match="from -20 to 20, got 100"):
        stage.move_to(100.0, report=Recorder())
    assert stage.position == 0.0


def test_cancelled_move_stops_at_its_next_step(qt_executor):
    """Cancelling a move job ends it CANCELLED before the stage takes a step."""
    stage = GatedStage(speed=1000.0, step_time=0.001)
    future = submit_call(qt_executor, stage.move_to, 10.0)
    assert stage.started.wait(SAFETY_TIMEOUT)
    wait_for(qt_executor, future, "state", lambda f: f.state == "executing")
    future.cancel()
    stage.release.set()
    wait_done(qt_executor, future)
    assert future.state == CANCELLED
    # The first step is taken, then its report raises TaskCancelled.
    assert 0.0 < stage.position < 10.0


def test_camera_spectrum_peaks_where_the_stage_is():
    """A spectrum's peak follows the stage: 3 nm per unit, within the slow wobble."""
    stage = fast_stage()
    stage.move_to(5.0, report=Recorder())
    camera = Camera(stage=stage, frame_interval=0.0, seed=1)
    spectrum = camera.snap()
    assert spectrum.shape == camera.wavelengths.shape
    peak = camera.wavelengths[np.argmax(spectrum)]
    assert 605.0 <= peak <= 625.0


def test_acquire_yields_the_number_of_spectra_asked_for():
    """acquire(count) is a generator of count 1-D arrays."""
    frames = list(Camera(frame_interval=0.0, size=50).acquire(4))
    assert len(frames) == 4 and all(frame.shape == (50,) for frame in frames)


def test_sensor_reads_near_room_temperature():
    """read() gives float readings near 21 °C until a setpoint is set."""
    sensor = TemperatureSensor(seed=2)
    values = [sensor.read() for _ in range(3)]
    assert all(isinstance(v, float) and 20.0 < v < 22.0 for v in values)
    assert sensor.setpoint == 21.0


def test_heater_brings_the_temperature_to_the_setpoint():
    """After set_setpoint(), the readings approach it (a very short time constant here)."""
    sensor = TemperatureSensor(seed=2, time_constant=1e-6)
    sensor.set_setpoint(40.0)
    assert sensor.setpoint == 40.0
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while sensor.read() < 39.0:
        assert time.monotonic() < deadline, "the temperature never came near the setpoint"


@pytest.mark.parametrize("setpoint", [4.9, 60.1, "30", None])
def test_setpoint_outside_the_heaters_range_is_refused(setpoint):
    """A setpoint that is not a number from 5 to 60 °C raises ValueError; nothing changes."""
    sensor = TemperatureSensor()
    with pytest.raises(ValueError, match="setpoint must be from 5 to 60 °C"):
        sensor.set_setpoint(setpoint)
    assert sensor.setpoint == 21.0


def test_every_nth_reading_is_slow():
    """slow_read_every=2: every second reading takes at least slow_read_time."""
    sensor = TemperatureSensor(slow_read_every=2, slow_read_time=0.05)
    sensor.read()
    start = time.monotonic()
    sensor.read()
    assert time.monotonic() - start >= 0.05


class FakeContext:
    """Stands in for a loop's JobContext: records what is published."""

    def __init__(self):
        self.published = []

    def publish_status(self, status):
        self.published.append(status)


def test_temperature_loop_reads_only_when_a_reading_is_due():
    """An iteration reads if a reading is due, else returns; a shorter interval is due at once."""
    sensor, ctx = TemperatureSensor(seed=1), FakeContext()
    loop = TemperatureLoop(sensor)
    assert loop.settings == SensorSettings(21.0, sensor.interval)
    loop.apply_settings(ctx, SensorSettings(setpoint=25.0, interval=3600.0))
    assert sensor.setpoint == 25.0
    loop.iteration(ctx)  # the first reading is due at once
    loop.iteration(ctx)  # the next in an hour
    (reading,) = ctx.published
    assert isinstance(reading, TemperatureReading)
    assert (reading.number, reading.setpoint, reading.interval) == (1, 25.0, 3600.0)
    loop.apply_settings(ctx, SensorSettings(setpoint=25.0, interval=1e-9))
    loop.iteration(ctx)  # counted from the last reading: due
    assert [r.number for r in ctx.published] == [1, 2]
    assert ctx.published[-1].interval == 1e-9


@pytest.mark.parametrize("interval", [0.0, -1.0, float("inf"), "1"])
def test_temperature_loop_refuses_a_bad_interval(interval):
    """An interval that is not a positive finite number raises ValueError."""
    with pytest.raises(ValueError, match="sampling interval must be a positive number"):
        TemperatureLoop(TemperatureSensor()).apply_settings(
            FakeContext(), SensorSettings(21.0, interval)
        )


def test_temperature_loop_as_a_job_takes_new_settings(executor):
    """As a loop job it publishes readings; set_settings() reaches it; stop() ends it."""
    sensor = TemperatureSensor(seed=4)
    future = submit_loop(
        executor,
        TemperatureLoop(sensor),
        period=0.001,
        settings=SensorSettings(setpoint=25.0, interval=0.001),
    )
    wait_for(executor, future, "status", lambda f: f.status is not None and f.status.number >= 2)
    assert future.status.setpoint == 25.0
    future.set_settings(lambda latest: dataclasses.replace(latest, setpoint=30.0))
    wait_for(executor, future, "status", lambda f: f.status.setpoint == 30.0)
    assert sensor.setpoint == 30.0 and future.settings == SensorSettings(30.0, 0.001)
    future.stop()
    wait_done(executor, future)
    assert (future.state, future.end_reason) == (COMPLETED, STOPPED)


def test_temperature_loop_fails_on_bad_settings(executor):
    """Settings the sensor cannot take fail the loop job with their ValueError."""
    future = submit_loop(
        executor,
        TemperatureLoop(TemperatureSensor()),
        period=0.001,
        settings=SensorSettings(setpoint=21.0, interval=0.001),
    )
    wait_for(executor, future, "status", lambda f: f.status is not None)
    future.set_settings(lambda latest: dataclasses.replace(latest, setpoint=99.0))
    wait_done(executor, future)
    assert future.state == FAILED
    assert isinstance(future.error, ValueError)
    assert "setpoint must be from 5 to 60" in str(future.error)


def test_analysis_reports_each_step_and_finds_the_peak():
    """analysis() reports steps 1..n and returns the mean and the peak's centre."""
    camera, report = Camera(frame_interval=0.0, seed=3), Recorder()
    frames = [camera.snap() for _ in range(5)]
    result = analysis(frames, step_time=0.0, steps=4, report=report)
    assert [current for current, _ in report.calls] == [1, 2, 3, 4]
    assert isinstance(result, AnalysisResult) and result.frames == 5
    assert abs(result.peak_index - np.argmax(result.mean)) < 10
    assert "5 spectra" in result.summary()


def test_analysis_of_no_spectra_is_refused():
    """An empty stack raises ValueError at once."""
    with pytest.raises(ValueError, match="at least one spectrum"):
        analysis([], report=Recorder())


def test_scan_moves_acquires_and_analyses(qt_executor):
    """A scan job yields its spectra, then their analysis; its progress ends at 1."""
    stage = fast_stage()
    camera = Camera(stage=stage, frame_interval=0.0)
    items = []
    future = submit_iteration(qt_executor, scan, stage, camera, -3.0, 6, 3, 0.0)
    future.observe(lambda event: items.append(event.new), "result_event")
    wait_done(qt_executor, future)
    assert future.state == COMPLETED
    assert stage.position == -3.0
    assert [type(item) for item in items] == [np.ndarray] * 6 + [AnalysisResult]
    assert future.progress_info.fraction_done == 1.0


# -- the stage's coroutine move, and the devices' emergency stops ------------


def test_stage_move_is_a_coroutine_job_that_reaches_the_target(qt_executor):
    """stage.move() submits itself: a CoroutineFuture named "move" that settles, then completes."""
    stage = Stage(speed=1000.0, step_time=0.001, executor=qt_executor)
    future = stage.move(5.0)
    assert isinstance(future, CoroutineFuture) and future.name == "move"
    # It claims the stage: a second move is refused while the first runs.
    with pytest.raises(ResourceConflictError):
        stage.move(-5.0)
    wait_for(qt_executor, future, "progress_info", lambda f: reached(f, 5.0))
    # The stage has arrived; the job settles for SETTLE_TIME seconds.
    assert future.state == EXECUTING and SETTLE_TIME > 0.1
    wait_done(qt_executor, future)
    assert (future.state, future.result) == (COMPLETED, 5.0)
    assert future.progress_info.current == 5.0 and future.progress_info.target == 5.0
    assert stage.position == 5.0 and not stage.moving


def test_cancelled_stage_move_leaves_the_stage_at_rest_where_it_was(qt_executor):
    """Cancelled mid-move, the coroutine stops the motor at its last step, then ends CANCELLED."""
    stage = SteppedStage(speed=10.0, step_time=0.1, executor=qt_executor)  # 1 unit per step
    future = stage.move(10.0)
    stage.tokens.release(3)
    wait_for(qt_executor, future, "progress_info", lambda f: reached(f, 3.0))
    assert stage.moving and future.state == EXECUTING
    assert future.cancel()
    wait_done(qt_executor, future)
    assert future.state == CANCELLED and not future.cancel_swallowed
    assert stage.positions == [1.0, 2.0, 3.0]
    assert stage.position == 3.0 and not stage.moving
    # At rest and consistent: the next move starts from there and arrives.
    stage.tokens.release(1_000)
    again = stage.move(1.0)
    wait_done(qt_executor, again)
    assert again.state == COMPLETED and stage.position == 1.0
    assert stage.positions[3:] == [2.0, 1.0]


def test_halted_stage_move_fails_with_device_halted(qt_executor):
    """halt() while a move runs, without cancelling it: the stage stays put, the move fails."""
    stage = SteppedStage(speed=10.0, step_time=0.1, executor=qt_executor)
    future = stage.move(10.0)
    stage.tokens.release(2)
    wait_for(qt_executor, future, "progress_info", lambda f: reached(f, 2.0))
    stage.halt()
    assert not stage.moving and stage.halt_count == 1
    stage.tokens.release(1_000)
    wait_done(qt_executor, future)
    assert future.state == FAILED and isinstance(future.error, DeviceHalted)
    assert "halted at 2" in str(future.error)
    assert stage.position == 2.0 and stage.positions == [1.0, 2.0]


def test_halt_stops_a_blocking_move_at_its_next_step():
    """The scan's blocking move: after halt() the next step raises DeviceHalted, nothing moves."""
    stage = fast_stage()
    steps = stage.steps_to(10.0)
    first = next(steps)
    assert stage.moving and stage.position == first
    stage.halt()
    assert not stage.moving
    with pytest.raises(DeviceHalted, match="the stage was halted at"):
        next(steps)
    assert stage.position == first
    # The next move starts the motor again.
    assert stage.move_to(1.0, report=Recorder()) == 1.0 and not stage.moving


def test_halt_stops_the_cameras_acquisition():
    """halt(): the camera is no longer acquiring; the acquisition raises DeviceHalted."""
    camera = Camera(frame_interval=0.0, size=10)
    frames = camera.acquire()
    next(frames)
    assert camera.acquiring
    camera.halt()
    assert not camera.acquiring and camera.halt_count == 1
    with pytest.raises(DeviceHalted, match="acquisition was halted"):
        next(frames)
    # A new acquisition starts afresh, and its end leaves the camera idle.
    assert len(list(camera.acquire(2))) == 2 and not camera.acquiring


def test_heater_off_lets_the_temperature_fall_to_ambient():
    """heater_off(): off, the temperature returns to ambient; set_setpoint() heats again."""
    sensor = TemperatureSensor(seed=5, time_constant=1e-6)
    sensor.set_setpoint(50.0)
    assert sensor.heater_on
    sensor.heater_off()
    assert not sensor.heater_on and sensor.setpoint == 50.0
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while abs(sensor.read() - AMBIENT) > 1.0:
        assert time.monotonic() < deadline, "the stage never cooled to ambient"
    sensor.set_setpoint(40.0)
    assert sensor.heater_on
    deadline = time.monotonic() + SAFETY_TIMEOUT
    while sensor.read() < 39.0:
        assert time.monotonic() < deadline, "the heater never warmed the stage again"
