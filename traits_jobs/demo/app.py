# SPDX-License-Identifier: BSD-3-Clause
"""The demo's main window: :class:`DemoApp`, a TraitsUI model and view.

The window drives the simulated instrument of
:mod:`traits_jobs.demo.instruments` with background jobs, and uses the job
options for real:

- a stage move, with ``timeout=``, ``settle_time=`` and ``resources={"stage"}``;
- a live view of the camera, ``background=True, name="live view"``,
  claiming ``"camera"``, so that a scan preempts it;
- a Pause and a Resume button for the live view (``future.pause()``,
  ``future.resume()``, ``future.paused``);
- temperature control, a loop job (``submit_loop``), ``background=True,
  name="temperature"``, claiming ``"sensor"``: its setpoint and sampling
  interval are edited while it runs (``future.set_settings``), and it shows
  its latest reading (``future.status``) and the loop slots it missed
  (``future.missed_count``);
- a scan, one iteration job claiming ``"stage"`` and ``"camera"``: it moves,
  acquires a fixed number of spectra, analyses them, and can be cancelled
  at any point;
- a slow analysis of the latest spectra, with structured progress.

Every button is enabled only while the resources it needs are free: the
``*_enabled`` traits follow ``executor.claimed_resources``.

The live spectrum is drawn by pyqtgraph (see
:mod:`traits_jobs.demo.plot_editor`), chosen because it draws streaming data
fast inside Qt; the jobs panel, progress bars, failure line and close
handler come from :mod:`traits_jobs.ui`.
"""

import collections
import dataclasses
import math
from typing import Any

import numpy as np
from traits.api import Any as AnyTrait
from traits.api import (
    Array,
    Bool,
    Button,
    Float,
    HasStrictTraits,
    Instance,
    Int,
    Property,
    Range,
    Str,
    observe,
)
from traitsui.api import View

from traits_jobs.api import (
    CallFuture,
    IterationFuture,
    LoopFuture,
    TraitsExecutor,
    submit_call,
    submit_iteration,
    submit_loop,
)
from traits_jobs.demo.instruments import (
    AMBIENT,
    SETPOINT_RANGE,
    AnalysisResult,
    Camera,
    SensorSettings,
    Stage,
    TemperatureLoop,
    TemperatureReading,
    TemperatureSensor,
    analysis,
    scan,
)
from traits_jobs.demo.view import demo_view
from traits_jobs.ui.api import FailureReporter, JobsPanel
from traits_jobs.ui.failures import check_executor

#: How many of the latest spectra the Analyse button analyses.
RECENT_FRAMES = 40

#: Seconds a move stays executing after the stage stopped, to settle.
SETTLE_TIME = 0.3

#: The shortest and longest sampling intervals of the temperature, in seconds.
INTERVAL_RANGE = (0.001, 60.0)


class DemoApp(HasStrictTraits):
    """The demo window's model: instruments, jobs, and what the window shows.

    Main thread only. Open it with ``edit_traits()``; its view comes from
    :meth:`default_traits_view`.

    Parameters
    ----------
    executor : TraitsExecutor
        Runs the jobs; the caller stops it when the window has closed.
    stage, camera, sensor : optional
        The simulated instruments; fast ones make fast tests.
    """

    executor = Instance(TraitsExecutor, allow_none=False)
    stage = Instance(Stage, (), allow_none=False)
    camera = Instance(Camera, allow_none=False)
    sensor = Instance(TemperatureSensor, allow_none=False)

    #: Steps and seconds per step of an analysis (also the scan's).
    analysis_steps = Int(50)
    analysis_step_time = Float(0.03)

    #: Seconds per iteration of the temperature loop, fixed when it starts:
    #: the shortest sampling interval it keeps (see TemperatureLoop).
    temperature_tick = Float(0.05)

    # -- controls ---------------------------------------------------------

    #: Where Move and Run scan take the stage.
    target = Float(10.0)
    #: Spectra a scan acquires.
    scan_frames = Int(20)
    #: The heater's setpoint in °C and the seconds between two temperature
    #: readings; edited while the temperature loop runs, which takes them
    #: at its next iteration.
    setpoint = Range(*SETPOINT_RANGE, value=AMBIENT)
    sample_interval = Range(*INTERVAL_RANGE)

    move = Button("Move")
    acquire = Button("Acquire")
    stop = Button("Stop")
    pause_live = Button("Pause")
    resume_live = Button("Resume")
    poll_temperature = Button("Start polling temperature")
    stop_polling = Button("Stop polling")
    analyse = Button("Analyse")
    run_scan = Button("Run scan")
    cancel_all = Button("Cancel all")

    # Whether each button is enabled: see _update_enabled.
    move_enabled = Bool(True)
    acquire_enabled = Bool(True)
    stop_enabled = Bool(False)
    pause_live_enabled = Bool(False)
    resume_live_enabled = Bool(False)
    poll_enabled = Bool(True)
    stop_polling_enabled = Bool(False)
    analyse_enabled = Bool(False)
    scan_enabled = Bool(True)
    cancel_all_enabled = Bool(False)

    # -- what the window shows ------------------------------------------

    #: The latest spectrum, plotted.
    spectrum = Array(dtype=float, shape=(None,), value=np.zeros(0))
    #: Spectra received so far, from the live view and scans.
    frame_count = Int(0)
    #: The stage's position as the latest report of a move gave it.
    position = Float(0.0)
    position_text = Property(Str, observe="position")
    #: The latest temperature reading, NaN before the first.
    temperature = Float(math.nan)
    temperature_text = Property(Str, observe="temperature")
    #: The temperature loop's latest reading, None before its first.
    reading = Instance(TemperatureReading)
    reading_text = Property(Str, observe="reading")
    #: Loop slots the temperature loop has missed (its future's missed_count).
    missed_count = Int(0)
    missed_text = Property(Str, observe="missed_count")
    #: The outcome of the latest analysis or scan.
    result_text = Str("No analysis yet")
    #: One line about the latest event; failures come from the FailureReporter.
    status = Str("Ready")

    # -- jobs ---------------------------------------------------------------

    move_future = Instance(CallFuture)
    live_future = Instance(IterationFuture)
    temperature_future = Instance(LoopFuture)
    analysis_future = Instance(CallFuture)
    scan_future = Instance(IterationFuture)

    #: Reports failed jobs whose error nothing read (see _show_failure).
    failures = Instance(FailureReporter, allow_none=False)
    #: The list of live and recent jobs, with their progress and Cancel buttons.
    jobs_panel = Instance(JobsPanel, allow_none=False)

    #: Whether Pause was clicked for the live view and not Resume since:
    #: the live view pauses at its next spectrum, and then shows paused.
    live_pause_requested = Bool(False)

    #: The latest spectra, for Analyse.
    _recent = AnyTrait()

    def __init__(self, executor: Any = None, **traits: Any) -> None:
        check_executor(executor, "DemoApp()")
        super().__init__(executor=executor, **traits)
        self._recent = collections.deque(maxlen=RECENT_FRAMES)
        # Unread failures are shown in the status line rather than logged as errors.
        self.failures = FailureReporter(executor, report=lambda future: None)
        self.jobs_panel = JobsPanel(executor=executor, reporter=self.failures)
        self._update_enabled()

    def _camera_default(self) -> Camera:
        return Camera(stage=self.stage)

    def _sensor_default(self) -> TemperatureSensor:
        # One reading in 40 is slow: the loop then misses a few slots.
        return TemperatureSensor(slow_read_every=40, slow_read_time=0.12)

    def _sample_interval_default(self) -> float:
        return self.sensor.interval

    def dispose(self) -> None:
        """Stop following the executor. Main thread only."""
        self.jobs_panel.dispose()
        self.failures.dispose()

    # -- buttons --------------------------------------------------------------

    @observe("move")
    def _start_move(self, event: Any) -> None:
        target = self.target
        distance = abs(target - self.stage.position)
        self.status = f"Moving to {target:g}"
        self.move_future = submit_call(
            self.executor,
            self.stage.move_to,
            target,
            timeout=2.0 * distance / self.stage.speed + 2.0,
            settle_time=SETTLE_TIME,
            resources={"stage"},
            name=f"move to {target:g}",
        )

    @observe("acquire")
    def _start_live_view(self, event: Any) -> None:
        self.status = "Live view"
        self.live_pause_requested = False
        self.live_future = submit_iteration(
            self.executor,
            self.camera.acquire,
            background=True,
            name="live view",
            resources={"camera"},
        )

    @observe("stop")
    def _stop_live_view(self, event: Any) -> None:
        if self.live_future is not None:
            self.live_future.cancel()

    @observe("pause_live")
    def _pause_live_view(self, event: Any) -> None:
        live = self.live_future
        # The live view pauses at its next spectrum; `paused` then says so.
        if live is not None and live.pause():
            self.live_pause_requested = True
            if not live.paused:
                self.status = "Live view: pausing"

    @observe("resume_live")
    def _resume_live_view(self, event: Any) -> None:
        live = self.live_future
        self.live_pause_requested = False
        if live is not None:
            live.resume()

    @observe("poll_temperature")
    def _start_polling(self, event: Any) -> None:
        self.missed_count = 0
        # The loop's period is fixed once submitted, so it is a short tick and
        # the sampling interval is a setting like the setpoint: the loop reads
        # the sensor at the ticks where a reading is due (TemperatureLoop).
        # Both can then change while it runs, without restarting it.
        self.temperature_future = submit_loop(
            self.executor,
            TemperatureLoop(self.sensor),
            period=self.temperature_tick,
            settings=SensorSettings(setpoint=self.setpoint, interval=self.sample_interval),
            background=True,
            name="temperature",
            resources={"sensor"},
        )

    @observe("stop_polling")
    def _stop_polling(self, event: Any) -> None:
        # The loop ends after its current iteration: COMPLETED, end_reason "stopped".
        if self.temperature_future is not None:
            self.temperature_future.stop()

    @observe("setpoint, sample_interval", post_init=True)
    def _send_settings(self, event: Any) -> None:
        future = self.temperature_future
        if future is None or not future.cancellable:
            return  # the next loop starts with these settings
        field = "setpoint" if event.name == "setpoint" else "interval"
        value = event.new
        # A merge function rather than whole new settings: it changes one
        # field of the latest settings, those still pending if the loop has
        # not applied them yet. So a setpoint and an interval edited in
        # quick succession both reach the loop; whole settings built from
        # `future.settings` would have the second edit undo the first.
        future.set_settings(lambda latest: dataclasses.replace(latest, **{field: value}))

    @observe("analyse")
    def _start_analysis(self, event: Any) -> None:
        self.status = f"Analysing {len(self._recent)} spectra"
        self.analysis_future = submit_call(
            self.executor,
            analysis,
            list(self._recent),
            step_time=self.analysis_step_time,
            steps=self.analysis_steps,
            resources={"analysis"},
            name="analysis",
        )

    @observe("run_scan")
    def _start_scan(self, event: Any) -> None:
        self.status = f"Scan: move to {self.target:g}, {self.scan_frames} spectra, analysis"
        # A live view holding the camera is preempted: PreemptionWarning.
        self.scan_future = submit_iteration(
            self.executor,
            scan,
            self.stage,
            self.camera,
            self.target,
            self.scan_frames,
            analysis_steps=self.analysis_steps,
            analysis_step_time=self.analysis_step_time,
            resources={"stage", "camera"},
            name="scan",
        )

    @observe("cancel_all")
    def _cancel_everything(self, event: Any) -> None:
        cancelled = sum(future.cancel() for future in list(self.executor.jobs))
        self.status = f"Cancelled {cancelled} job{'s' if cancelled != 1 else ''}"

    # -- following the jobs ---------------------------------------------------

    @observe("live_future:result_event, scan_future:result_event")
    def _show_item(self, event: Any) -> None:
        item = event.new
        if isinstance(item, np.ndarray):
            self._recent.append(item)
            self.spectrum = item
            self.frame_count += 1
        elif isinstance(item, AnalysisResult):
            self._show_analysis(item, "Scan")

    @observe("temperature_future:status")
    def _show_reading(self, event: Any) -> None:
        reading = event.new
        if isinstance(reading, TemperatureReading):
            self.reading = reading
            self.temperature = reading.temperature

    @observe("temperature_future:missed_count")
    def _show_missed(self, event: Any) -> None:
        self.missed_count = event.new

    @observe("live_future:paused")
    def _show_live_paused(self, event: Any) -> None:
        live: Any = event.object
        if event.new:
            self.status = "Live view paused"
        else:
            # Resumed, here or elsewhere (the jobs panel), or ended.
            self.live_pause_requested = False
            if not live.done:
                self.status = "Live view"

    @observe("move_future:progress_info, scan_future:progress_info")
    def _show_position(self, event: Any) -> None:
        # The stage's position is thread-safe to read; a scan's reports are
        # not all positions.
        self.position = self.stage.position

    @observe("move_future:done, analysis_future:done, scan_future:done, live_future:done")
    def _job_ended(self, event: Any) -> None:
        future: Any = event.object
        if not event.new:
            return
        if future is self.live_future:
            # A pause asked for and never reached is over too.
            self.live_pause_requested = False
        self.position = self.stage.position
        if future.state == "completed":
            analysis_future = self.analysis_future
            if analysis_future is not None and future is analysis_future:
                self._show_analysis(analysis_future.result, "Analysis")
            else:
                self.status = f"{future.name}: completed"
        elif future.preempted_by is not None:
            self.status = f"{future.name}: preempted by {future.preempted_by.name}"
        elif future.state == "cancelled":
            self.status = f"{future.name}: {future.end_reason}"
        # A failure is not read here: the FailureReporter reports it, once,
        # to the status line (_show_failure) and the jobs panel.

    @observe("failures:last_message")
    def _show_failure(self, event: Any) -> None:
        if event.new:
            self.status = f"Error: {event.new}"

    def _show_analysis(self, result: AnalysisResult, source: str) -> None:
        self.spectrum = result.mean
        self.result_text = f"{source}: {result.summary()}"
        self.status = f"{source} completed"

    @observe(
        # "." rather than ":": a new future counts too (its claim was made
        # before the click's handler stored it).
        "executor:claimed_resources, executor:jobs, frame_count, "
        "live_future.cancellable, live_future.paused, live_pause_requested, "
        "temperature_future.cancellable"
    )
    def _update_enabled(self, event: Any = None) -> None:
        claims = self.executor.claimed_resources
        background = set(self.executor.background_jobs.values())
        camera: Any = claims.get("camera")
        self.move_enabled = "stage" not in claims
        self.acquire_enabled = camera is None
        live = self.live_future
        self.stop_enabled = live is not None and camera is live and live.cancellable
        pausing = live is not None and (self.live_pause_requested or live.paused)
        self.pause_live_enabled = self.stop_enabled and not pausing
        self.resume_live_enabled = self.stop_enabled and pausing
        sensor: Any = claims.get("sensor")
        self.poll_enabled = sensor is None
        self.stop_polling_enabled = sensor is not None and sensor.cancellable
        self.analyse_enabled = "analysis" not in claims and self.frame_count > 0
        self.scan_enabled = "stage" not in claims and (camera is None or camera in background)
        self.cancel_all_enabled = any(future.cancellable for future in self.executor.jobs)

    def _get_position_text(self) -> str:
        return f"{self.position:.2f} mm"

    def _get_temperature_text(self) -> str:
        return "--" if math.isnan(self.temperature) else f"{self.temperature:.2f} °C"

    def _get_reading_text(self) -> str:
        reading = self.reading
        if reading is None:
            return "No reading yet"
        return (
            f"reading {reading.number}, setpoint {reading.setpoint:.1f} °C, "
            f"every {reading.interval:g} s"
        )

    def _get_missed_text(self) -> str:
        count = self.missed_count
        return f"{count} loop slot{'s' if count != 1 else ''} missed"

    # -- view -----------------------------------------------------------------

    def default_traits_view(self) -> View:
        """The window: controls on the left, plot and jobs on the right."""
        return demo_view(self.executor, self.camera.wavelengths)
