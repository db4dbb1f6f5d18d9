# SPDX-License-Identifier: BSD-3-Clause
"""The demo's main window: :class:`DemoApp`, a TraitsUI model and view.

The window drives the simulated instrument of
:mod:`traits_jobs.demo.instruments` with background jobs, and uses the job
options for real:

- a stage move, with ``timeout=``, ``settle_time=`` and ``resources={"stage"}``;
- a live view of the camera, ``background=True, name="live view"``,
  claiming ``"camera"``, so that a scan preempts it;
- temperature polling, ``background=True, name="temperature"``, claiming
  ``"sensor"``;
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
    Str,
    observe,
)
from traitsui.api import View

from traits_jobs.api import (
    CallFuture,
    IterationFuture,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.demo.instruments import (
    AnalysisResult,
    Camera,
    Stage,
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
    sensor = Instance(TemperatureSensor, (), allow_none=False)

    #: Steps and seconds per step of an analysis (also the scan's).
    analysis_steps = Int(50)
    analysis_step_time = Float(0.03)

    # -- controls ---------------------------------------------------------

    #: Where Move and Run scan take the stage.
    target = Float(10.0)
    #: Spectra a scan acquires.
    scan_frames = Int(20)

    move = Button("Move")
    acquire = Button("Acquire")
    stop = Button("Stop")
    poll_temperature = Button("Start polling temperature")
    stop_polling = Button("Stop polling")
    analyse = Button("Analyse")
    run_scan = Button("Run scan")
    cancel_all = Button("Cancel all")

    # Whether each button is enabled: see _update_enabled.
    move_enabled = Bool(True)
    acquire_enabled = Bool(True)
    stop_enabled = Bool(False)
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
    #: The outcome of the latest analysis or scan.
    result_text = Str("No analysis yet")
    #: One line about the latest event; failures come from the FailureReporter.
    status = Str("Ready")

    # -- jobs ---------------------------------------------------------------

    move_future = Instance(CallFuture)
    live_future = Instance(IterationFuture)
    temperature_future = Instance(IterationFuture)
    analysis_future = Instance(CallFuture)
    scan_future = Instance(IterationFuture)

    #: Reports failed jobs whose error nothing read (see _show_failure).
    failures = Instance(FailureReporter, allow_none=False)
    #: The list of live and recent jobs, with their progress and Cancel buttons.
    jobs_panel = Instance(JobsPanel, allow_none=False)

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

    @observe("poll_temperature")
    def _start_polling(self, event: Any) -> None:
        self.temperature_future = submit_iteration(
            self.executor,
            self.sensor.poll,
            background=True,
            name="temperature",
            resources={"sensor"},
        )

    @observe("stop_polling")
    def _stop_polling(self, event: Any) -> None:
        if self.temperature_future is not None:
            self.temperature_future.cancel()

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

    @observe("temperature_future:result_event")
    def _show_temperature(self, event: Any) -> None:
        self.temperature = event.new

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
        "executor:claimed_resources, executor:jobs, frame_count, "
        "live_future:cancellable, temperature_future:cancellable"
    )
    def _update_enabled(self, event: Any = None) -> None:
        claims = self.executor.claimed_resources
        background = set(self.executor.background_jobs.values())
        camera: Any = claims.get("camera")
        self.move_enabled = "stage" not in claims
        self.acquire_enabled = camera is None
        live = self.live_future
        self.stop_enabled = live is not None and camera is live and live.cancellable
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

    # -- view -----------------------------------------------------------------

    def default_traits_view(self) -> View:
        """The window: controls on the left, plot and jobs on the right."""
        return demo_view(self.executor, self.camera.wavelengths)
