# SPDX-License-Identifier: BSD-3-Clause
"""The demo's main window: :class:`DemoApp`, a TraitsUI model and view.

The window drives the simulated instrument of
:mod:`traits_jobs.demo.instruments` with background jobs, and uses the job
options for real:

- a stage move, a coroutine job: the stage's ``@background`` method
  ``async def move``, with ``timeout=``, ``settle_time=`` and
  ``resources={"stage"}``;
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
- a slow analysis of the latest spectra, with structured progress; with
  ``context="process"`` (``--context process``) it runs in a worker
  process, on a second executor (:mod:`traits_jobs.demo.processes`), and
  the jobs panel says where each job runs;
- a red Emergency stop button, also on the Esc key: ``executor.emergency_stop()``
  cancels every job and calls the stop hook that each device registered
  (``executor.add_emergency_stop``): the stage halts where it is, the camera
  stops acquiring, the heater switches off. The status line shows the
  report: the jobs cancelled, and each hook "ok", failed, or "timed out";
- a simulated interlock, the "Door open" checkbox, watched from the start
  with ``executor.watch_emergency()``: opening the door stops everything,
  once per opening. That stop starts on the watch's worker, so its hooks
  may halt a device before the main thread cancels the device's job: the
  job then fails with :exc:`~traits_jobs.demo.instruments.DeviceHalted`,
  which the status line does not report as an error.

Every button is enabled only while the resources it needs are free: the
``*_enabled`` traits follow ``executor.claimed_resources``.

The live spectrum is drawn by pyqtgraph (see
:mod:`traits_jobs.demo.plot_editor`), chosen because it draws streaming data
fast inside Qt; the jobs panel (whose "Cancel all" is the window's), the
jobs timeline in a tab beside the plot, progress bars, failure line and
close handler come from :mod:`traits_jobs.ui`.
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
    Enum,
    Float,
    HasStrictTraits,
    Instance,
    Int,
    List,
    Property,
    Range,
    Str,
    observe,
)
from traitsui.api import View

from traits_jobs.api import (
    COMPLETED,
    CallFuture,
    CoroutineFuture,
    EmergencyReport,
    ExecutorStateError,
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
    DeviceHalted,
    SensorSettings,
    Stage,
    TemperatureLoop,
    TemperatureReading,
    TemperatureSensor,
    analysis,
    scan,
)
from traits_jobs.demo.processes import CONTEXTS, WHERE, ProcessExecutor
from traits_jobs.demo.view import demo_view
from traits_jobs.ui.api import FailureReporter, JobsPanel, JobsTimeline
from traits_jobs.ui.failures import check_executor

#: How many of the latest spectra the Analyse button analyses.
RECENT_FRAMES = 40

#: The names the devices' emergency stop hooks have in the report.
STAGE_HOOK, CAMERA_HOOK, HEATER_HOOK = "stage", "camera", "heater"

#: The name of the interlock's watch job.
INTERLOCK = "door interlock"

#: The shortest and longest sampling intervals of the temperature, in seconds.
INTERVAL_RANGE = (0.001, 60.0)

#: Seconds dispose() waits for the process jobs, then for the worker process, to end.
PROCESS_SHUTDOWN_TIMEOUT = 10.0


class DemoApp(HasStrictTraits):
    """The demo window's model: instruments, jobs, and what the window shows.

    Main thread only. Open it with ``edit_traits()``; its view comes from
    :meth:`default_traits_view`. It registers the devices' emergency stop
    hooks with the executor, named "stage", "camera" and "heater", and
    starts the interlock's watch; :meth:`dispose` undoes both.

    Parameters
    ----------
    executor : TraitsExecutor
        Runs the jobs; the caller stops it when the window has closed. The
        stage runs its moves on it too, unless it has an executor already.
    context : {"thread", "process", "dask"}
        Where the analysis runs. "process" makes a second executor, on
        worker processes and the same event loop, owned by the window:
        closing the window stops it and :meth:`dispose` shuts it down.
        "dask" does the same with a Dask cluster (``dask_address``).
    dask_address : str
        With "dask", the scheduler's address; empty (the default) starts a
        LocalCluster of one worker process.
    stage, camera, sensor : optional
        The simulated instruments; fast ones make fast tests.

    Raises
    ------
    TypeError
        If ``executor`` is not a TraitsExecutor.
    ValueError
        If the executor has a hook of one of those names already: one
        DemoApp per executor at a time.
    """

    executor = Instance(TraitsExecutor, allow_none=False)

    #: Where the analysis runs: on a worker thread of ``executor``, or in a
    #: worker process of ``analysis_executor``. Fixed once made.
    context = Enum(*CONTEXTS)

    #: With context "dask", the scheduler's address; empty for a LocalCluster.
    dask_address = Str()

    #: Runs the analysis: ``executor``, or the executor of ``processes``.
    analysis_executor = Instance(TraitsExecutor, allow_none=False)

    #: With context "process" or "dask", the executor on worker processes
    #: or the cluster, and its context, owned by the window; None with "thread".
    processes = Instance(ProcessExecutor)

    stage = Instance(Stage, (), allow_none=False)
    camera = Instance(Camera, allow_none=False)
    sensor = Instance(TemperatureSensor, allow_none=False)

    #: Steps and seconds per step of an analysis (also the scan's).
    analysis_steps = Int(50)
    analysis_step_time = Float(0.03)

    #: Seconds per iteration of the temperature loop, fixed when it starts:
    #: the shortest sampling interval it keeps (see TemperatureLoop).
    temperature_tick = Float(0.05)

    #: Seconds between two readings of the door by the interlock's watch.
    interlock_period = Float(0.05)

    #: Seconds each device's emergency stop hook has to return.
    hook_timeout = Float(5.0)

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
    #: Red, and also on the Esc key (see the view).
    emergency_stop = Button("Emergency stop")

    #: The simulated interlock: checked, the door is open and everything stops.
    door_open = Bool(False)

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

    # -- what the window shows ------------------------------------------

    #: The latest spectrum, plotted.
    spectrum = Array(dtype=float, shape=(None,), value=np.zeros(0))
    #: Spectra received so far, from the live view and scans.
    frame_count = Int(0)
    #: The stage's position as the latest report of a move gave it.
    position = Float(0.0)
    #: The position, and where the stage is going while a move runs.
    position_text = Property(Str, observe="position, move_future.done, _move_target")
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
    #: The interlock's state, in words.
    interlock_text = Property(Str, observe="interlock_future.status, interlock_future.done")

    #: The report of the latest emergency stop, and how many have ended.
    last_report = Instance(EmergencyReport)
    emergency_count = Int(0)

    # -- jobs ---------------------------------------------------------------

    move_future = Instance(CoroutineFuture)
    live_future = Instance(IterationFuture)
    temperature_future = Instance(LoopFuture)
    analysis_future = Instance(CallFuture)
    scan_future = Instance(IterationFuture)
    #: The interlock's watch: a background loop job that emergency stops do
    #: not cancel (``watch_emergency``); restarted if something else ends it.
    interlock_future = Instance(LoopFuture)

    #: Reports failed jobs whose error nothing read (see _show_failure).
    failures = Instance(FailureReporter, allow_none=False)
    #: The same for the analysis executor, when it is not ``executor``.
    analysis_failures = Instance(FailureReporter)
    #: The list of live and recent jobs, with their progress and Cancel buttons.
    jobs_panel = Instance(JobsPanel, allow_none=False)
    #: The same jobs on a time line: a tab beside the plot.
    timeline = Instance(JobsTimeline, allow_none=False)

    #: Whether Pause was clicked for the live view and not Resume since:
    #: the live view pauses at its next spectrum, and then shows paused.
    live_pause_requested = Bool(False)

    #: The latest spectra, for Analyse.
    _recent = AnyTrait()

    #: Where the latest move goes.
    _move_target = Float(0.0)

    #: The emergency stops started here (button, Esc), until their report.
    _own_stops = List(AnyTrait())

    #: The names of the hooks registered with the executor.
    _hooks = List(Str)

    #: True once dispose() was called: the interlock is not restarted.
    _disposed = Bool(False)

    #: Process jobs that an emergency stop cancelled: their end is not news.
    _stopped_processes = List(AnyTrait())
    #: How many of them the next emergency report is to mention.
    _unreported_processes = Int(0)

    def __init__(self, executor: Any = None, **traits: Any) -> None:
        check_executor(executor, "DemoApp()")
        super().__init__(executor=executor, analysis_executor=executor, **traits)
        if self.stage.executor is None:
            self.stage.executor = executor
        # Each device's stop, called at once on a thread of its own by an
        # emergency stop, while the jobs are cancelled.
        hooks = (
            (STAGE_HOOK, self.stage.halt),
            (CAMERA_HOOK, self.camera.halt),
            (HEATER_HOOK, self.sensor.heater_off),
        )
        try:
            for name, hook in hooks:
                self._hooks.append(
                    executor.add_emergency_stop(hook, name=name, timeout=self.hook_timeout)
                )
        except ValueError:
            for name in self._hooks:
                executor.remove_emergency_stop(name)
            raise
        if self.context != "thread":
            # The same event loop: waiting on it (the tour, tests) sees both.
            self.processes = ProcessExecutor(
                executor.event_loop, context=self.context, address=self.dask_address or None
            )
            self.analysis_executor = self.processes.executor
        self._recent = collections.deque(maxlen=RECENT_FRAMES)
        # Unread failures are shown in the status line rather than logged as errors.
        self.failures = FailureReporter(executor, report=lambda future: None)
        # Its Cancel all is the window's: it leaves the interlock's watch
        # running, so that watch alone does not enable it.
        self.jobs_panel = JobsPanel(
            executor,
            where="thread",
            reporter=self.failures,
            cancel_all_skips=lambda future: not _cancelled_by_cancel_all(future),
        )
        self.timeline = JobsTimeline(executor)
        if self.processes is not None:
            self.analysis_failures = FailureReporter(
                self.analysis_executor, report=lambda future: None
            )
            self.jobs_panel.add_executor(self.analysis_executor, where=WHERE[self.context])
            self.timeline.add_executor(self.analysis_executor)
        self._watch_door()
        self._update_enabled()

    def _camera_default(self) -> Camera:
        return Camera(stage=self.stage)

    def _sensor_default(self) -> TemperatureSensor:
        # One reading in 40 is slow: the loop then misses a few slots.
        return TemperatureSensor(slow_read_every=40, slow_read_time=0.12)

    def _sample_interval_default(self) -> float:
        return self.sensor.interval

    def dispose(self) -> None:
        """Stop the interlock's watch, unregister the hooks, stop following the executor.

        With context "process", shut the executor on worker processes down
        too, waiting for its process to exit. Main thread only.
        """
        self._disposed = True
        if self.interlock_future is not None:
            self.interlock_future.stop()
        for name in self._hooks:
            self.executor.remove_emergency_stop(name)
        self._hooks = []
        self.jobs_panel.dispose()
        self.timeline.dispose()
        self.failures.dispose()
        if self.analysis_failures is not None:
            self.analysis_failures.dispose()
        if self.processes is not None:
            self.processes.shutdown(timeout=PROCESS_SHUTDOWN_TIMEOUT)

    @property
    def separate_analysis(self) -> bool:
        """Whether the analysis runs on an executor of its own (context "process")."""
        return self.analysis_executor is not self.executor

    # -- emergency stop and interlock --------------------------------------------

    def trigger_emergency_stop(self) -> CallFuture | None:
        """Stop everything now: the Emergency stop button and the Esc key. Main thread only.

        Cancels every job but the interlock's watch, the analysis in a
        worker process too, and calls every device's hook; never blocks. The
        status line shows the report once every hook has returned or timed
        out. Returns the emergency stop's future, or None if the executor
        has stopped.
        """
        try:
            future = self.executor.emergency_stop()
        except ExecutorStateError as error:
            self.status = f"Emergency stop: {error}"
            return None
        self._cancel_process_jobs()
        self._own_stops.append(future)
        self.status = "Emergency stop: stopping every device"
        return future

    def escape_pressed(self, info: Any = None) -> None:
        """The Esc key's binding (see the view): the emergency stop."""
        self.trigger_emergency_stop()

    def _watch_door(self) -> None:
        """Start the interlock: an emergency stop each time the door opens."""
        self.interlock_future = self.executor.watch_emergency(
            lambda: self.door_open, period=self.interlock_period, name=INTERLOCK
        )

    @observe("emergency_stop")
    def _emergency_stop_clicked(self, event: Any) -> None:
        self.trigger_emergency_stop()

    @observe("door_open", post_init=True)
    def _door_moved(self, event: Any) -> None:
        # The watch reads the door at its next iteration and stops everything.
        self.status = "Door opened: the interlock stops everything" if event.new else "Door closed"

    @observe("executor:emergency_stopped")
    def _show_emergency_report(self, event: Any) -> None:
        report: EmergencyReport = event.new
        # The main thread hears of the interlock's stop (made on its worker) here first.
        self._cancel_process_jobs()
        in_processes, self._unreported_processes = self._unreported_processes, 0
        own = [
            future
            for future in self._own_stops
            if future.state == COMPLETED and future.result is report
        ]
        self._own_stops = [future for future in self._own_stops if not future.done]
        watch = self.interlock_future
        door = self.door_open or (watch is not None and watch.status is True)
        # Not started here: by the interlock, the demo's only other source.
        source = "Door opened, emergency stop" if door and not own else "Emergency stop"
        self.last_report = report
        self.emergency_count += 1
        self.status = f"{source}: {describe_report(report, in_processes)}"

    def _cancel_process_jobs(self) -> None:
        """Cancel the jobs in worker processes, which the emergency stop does not reach."""
        if self.separate_analysis:
            cancelled = self.analysis_executor.cancel_all()
            self._unreported_processes += len(cancelled)
            self._stopped_processes = [
                *(future for future in self._stopped_processes if not future.done),
                *cancelled,
            ]

    @observe("interlock_future:done")
    def _interlock_ended(self, event: Any) -> None:
        # Cancelled from the jobs panel, say: an interlock stays watched.
        if event.new and not self._disposed and self.executor.running:
            try:
                self._watch_door()
            except ExecutorStateError:
                return  # Stopping: nothing runs any more.
            self.status = "The interlock's watch ended: watching the door again"

    # -- buttons --------------------------------------------------------------

    @observe("move")
    def _start_move(self, event: Any) -> None:
        target = self._move_target = self.target
        self.status = f"Moving to {target:g}"
        # A coroutine job: the stage's @background method submits itself.
        move: Any = self.stage.move(target)  # typed as a BaseFuture: a CoroutineFuture
        self.move_future = move

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
        where = {"thread": "", "process": " in a worker process", "dask": " on a Dask cluster"}[
            self.context
        ]
        self.status = f"Analysing {len(self._recent)} spectra{where}"
        # With context "process", this pickles `analysis` (a module-level
        # function, found again by import) and the spectra for the worker.
        self.analysis_future = submit_call(
            self.analysis_executor,
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

    @observe("jobs_panel:cancelled")
    def _show_cancelled(self, event: Any) -> None:
        # The jobs panel's Cancel all: every job of both executors but the
        # interlock's watch (submitted with cancel_on_abort=False).
        self.status = f"Cancelled {_jobs(len(event.new))}"

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
        if _halted(future):
            # An emergency stop's hook halted its device before the stop's
            # cancellation reached the job (a stop from another thread, the
            # interlock's, cancels once the main thread gets to it). Read
            # here, so not reported as an unread failure: the status line
            # tells of the emergency stop, and the jobs panel shows the error.
            return
        report = self.last_report
        if (report is not None and future in report.cancelled) or (
            future in self._stopped_processes
        ):
            return  # The status line shows the emergency stop's report.
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

    @observe("failures:last_message, analysis_failures:last_message")
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
        "analysis_executor:claimed_resources, analysis_executor:jobs, "
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
        analysing = "analysis" in self.analysis_executor.claimed_resources
        self.analyse_enabled = not analysing and self.frame_count > 0
        self.scan_enabled = "stage" not in claims and (camera is None or camera in background)

    def _get_position_text(self) -> str:
        move = self.move_future
        if move is not None and not move.done:
            return f"{self.position:.2f} mm, moving to {self._move_target:g}"
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

    def _get_interlock_text(self) -> str:
        watch = self.interlock_future
        if watch is None or watch.done:
            return "Interlock: not watched"
        if watch.status:
            return "Interlock: tripped, the door is open"
        return "Interlock: armed" if watch.status is False else "Interlock: starting"

    # -- view -----------------------------------------------------------------

    def default_traits_view(self) -> View:
        """The window: controls on the left; plot or timeline, and jobs, on the right."""
        return demo_view(self.executor, self.camera.wavelengths, self.analysis_executor)


def describe_report(report: EmergencyReport, process_jobs: int = 0) -> str:
    """One line for the status bar: the jobs cancelled, then each hook's outcome.

    For example "3 jobs cancelled; ok: stage, camera; failed: heater
    (RuntimeError: relay stuck); timed out: shutter". ``process_jobs``
    counts the jobs cancelled on the executor on worker processes, which
    the report does not list: "3 jobs cancelled, 1 more in a worker
    process", or "1 job cancelled in a worker process".
    """
    ok, failed, timed_out = [], [], []
    for name, outcome in report.hooks.items():
        if isinstance(outcome, BaseException):
            failed.append(f"{name} ({type(outcome).__name__}: {outcome})")
        elif outcome == "ok":
            ok.append(name)
        else:
            timed_out.append(name)
    count = len(report.cancelled)
    if count == 0 and process_jobs:
        parts = [f"{_jobs(process_jobs)} cancelled in a worker process"]
    else:
        parts = [f"{_jobs(count)} cancelled"]
        if process_jobs:
            parts[0] += f", {process_jobs} more in a worker process"
    for label, names in (("ok", ok), ("failed", failed), ("timed out", timed_out)):
        if names:
            parts.append(f"{label}: {', '.join(names)}")
    if not report.hooks:
        parts.append("no device registered a stop")
    return "; ".join(parts)


def _jobs(count: int) -> str:
    """``"1 job"``, ``"3 jobs"``."""
    return f"{count} job{'s' if count != 1 else ''}"


def _halted(future: Any) -> bool:
    """Whether ``future`` failed with DeviceHalted; if so, its error is read (retrieved).

    Other failures are left unread, for the FailureReporter.
    """
    failure = future.failure  # Reading it does not retrieve the error.
    if failure is None or failure[0] != f"{DeviceHalted.__module__}.{DeviceHalted.__name__}":
        return False
    return isinstance(future.error, DeviceHalted)


def _cancelled_by_cancel_all(future: Any) -> bool:
    """Whether ``executor.cancel_all()`` cancels this job, judging by its name.

    The watches and emergency stops are submitted with
    ``cancel_on_abort=False``, which their futures do not show.
    """
    return future.name not in (INTERLOCK, "emergency stop")
