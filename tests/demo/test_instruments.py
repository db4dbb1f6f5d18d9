# SPDX-License-Identifier: BSD-3-Clause
"""The simulated instruments of the demo, alone and as jobs."""

import threading

import numpy as np
import pytest

from tests._support import wait_done, wait_for
from traits_jobs.api import CANCELLED, COMPLETED, submit_call, submit_iteration
from traits_jobs.demo.instruments import (
    AnalysisResult,
    Camera,
    Stage,
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
    """A stage that waits for ``release`` before its first step."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.started, self.release = threading.Event(), threading.Event()

    def steps_to(self, target):
        self.check_target(target)
        self.started.set()
        assert self.release.wait(SAFETY_TIMEOUT)
        yield from super().steps_to(target)


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


def test_sensor_poll_yields_readings_near_room_temperature():
    """poll() yields one float reading per interval, forever."""
    readings = TemperatureSensor(interval=0.0, seed=2).poll()
    values = [next(readings) for _ in range(3)]
    assert all(isinstance(v, float) and 20.0 < v < 22.0 for v in values)


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
