# SPDX-License-Identifier: BSD-3-Clause
"""A scripted tour of the demo window, for machines without a display.

:func:`run_tour` opens the window (offscreen when ``QT_QPA_PLATFORM`` says
so), clicks its buttons one step at a time, runs the Qt event loop until
each step's outcome shows, saves a screenshot after each important step,
prints what happened, then stops the executor and closes the window. Its
last steps press Esc, the emergency stop, and open the door of the
simulated interlock. With ``context="process"`` the analysis runs in a
worker process, and the jobs panel says so.

Each wait has a timeout; a step whose outcome does not show raises
:exc:`TourError`, naming the step.

While it runs, what traits_jobs logs becomes a line of the commentary
(:class:`_SayHandler`), without a traceback, and the offscreen platform's
notes that it cannot raise a window or pass on size hints (:data:`QT_NOISE`)
are not printed: the tour's output is its story, and stderr stays for real
trouble.
"""

import collections
import contextlib
import logging
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from traits_jobs._qt import QtCore, QtGui, QtWidgets
from traits_jobs.api import PreemptionWarning, TraitsExecutor, submit_call
from traits_jobs.demo.app import DemoApp
from traits_jobs.demo.stage_gui import StageWindow

_F = TypeVar("_F")

#: Where screenshots go unless told otherwise.
DEFAULT_SCREENSHOTS = Path("traits_jobs_demo_screenshots")

#: Seconds any one step may take before the tour gives up.
STEP_TIMEOUT = 20.0

#: The starts of Qt's messages that the tour does not print: the offscreen
#: platform cannot do what a window manager does, and says so at each window.
QT_NOISE = ("This plugin does not support",)


class TourError(RuntimeError):
    """A step of the tour did not reach its outcome in time."""


class Tour:
    """Drives an open demo window step by step. Main thread only.

    Parameters
    ----------
    demo : DemoApp
        The window's model; its view must be open as ``ui``.
    ui : traitsui.ui.UI
        The open view.
    screenshots : Path
        The folder for screenshots; created if missing.
    say : callable
        Called with each line of the running commentary.
    """

    def __init__(self, demo: DemoApp, ui: object, screenshots: Path, say: Callable) -> None:
        self.demo = demo
        self.ui = ui
        self.screenshots = screenshots
        self.say = say
        self.saved: list[Path] = []
        self.executor: TraitsExecutor = demo.executor
        screenshots.mkdir(parents=True, exist_ok=True)

    def button(self, name: str) -> QtWidgets.QAbstractButton:
        """The window's push button for the Button trait ``name``."""
        control: QtWidgets.QAbstractButton = self.ui.get_editors(name)[0].control  # type: ignore[attr-defined]
        return control

    def click(self, name: str) -> None:
        """Click the button ``name``, as a user would; it must be enabled."""
        _click(self.ui, name)

    def press_escape(self) -> None:
        """Press and release Esc in the window, where the focus is, as a user would."""
        window = self.ui.control  # type: ignore[attr-defined]
        widget = window.focusWidget() or window
        for kind in (QtCore.QEvent.Type.KeyPress, QtCore.QEvent.Type.KeyRelease):
            event = QtGui.QKeyEvent(
                kind, QtCore.Qt.Key.Key_Escape, QtCore.Qt.KeyboardModifier.NoModifier
            )
            QtWidgets.QApplication.sendEvent(widget, event)
        QtWidgets.QApplication.processEvents()

    def wait(self, condition: Callable[[], bool], what: str) -> None:
        """Run the event loop until ``condition()`` holds; TourError after STEP_TIMEOUT."""
        loop = self.executor.event_loop
        if not loop.run_until(condition, timeout=STEP_TIMEOUT):
            msg = f"timed out after {STEP_TIMEOUT} s waiting until {what}"
            raise TourError(msg)

    def shot(self, name: str, ui: object = None) -> Path:
        """Save a screenshot of the window (or of ``ui``'s) as ``NN-<name>.png``."""
        QtWidgets.QApplication.processEvents()
        path = self.screenshots / f"{len(self.saved) + 1:02d}-{name}.png"
        window = (self.ui if ui is None else ui).control  # type: ignore[attr-defined]
        if not window.grab().save(str(path)):
            msg = f"could not save the screenshot {path}"
            raise TourError(msg)
        self.saved.append(path)
        self.say(f"    screenshot: {path}")
        return path

    # -- the steps ------------------------------------------------------------

    def run(self) -> None:
        """All the steps, in order."""
        demo, say = self.demo, self.say
        self.shot("window")

        say("1. Acquire: a live view of the camera (background job 'live view')")
        self.click("acquire")
        self.wait(lambda: demo.frame_count >= 10, "10 spectra have arrived")
        say(f"    {demo.frame_count} spectra so far; Acquire disabled: {not demo.acquire_enabled}")
        self.shot("live-view")
        live = _started(demo.live_future, "live view")
        say("    Pause: the live view holds its generator at its next spectrum")
        self.click("pause_live")
        self.wait(lambda: live.paused, "the live view has paused")
        frames = demo.frame_count
        say(
            f"    paused after {frames} spectra; Pause enabled: "
            f"{self.button('pause_live').isEnabled()}, Resume enabled: "
            f"{self.button('resume_live').isEnabled()}"
        )
        self.click("resume_live")
        self.wait(lambda: not live.paused and demo.frame_count > frames, "the live view runs again")
        say(f"    resumed: {demo.frame_count} spectra; paused: {live.paused}")

        say(
            f"2. Move the stage to {demo.target:g}: a coroutine job, the stage's @background "
            "async move (timeout, settle time, claims 'stage')"
        )
        self.click("move")
        move = _started(demo.move_future, "move")
        say(f"    Move disabled while the stage is claimed: {not self.button('move').isEnabled()}")
        self.wait(lambda: move.progress_info is not None, "the move reports progress")
        self.shot("moving")
        self.wait(lambda: demo.stage.position == demo.target, "the stage has arrived")
        say(f"    arrived at {demo.stage.position:g}; settling, the future is {move.state}")
        self.wait(lambda: move.done, "the move has settled")
        say(f"    move {move.end_reason}; Move enabled again: {self.button('move').isEnabled()}")

        say(
            "3. Control the temperature: a loop job ('temperature', claims 'sensor'), "
            f"one iteration per {demo.temperature_tick:g} s"
        )
        self.click("poll_temperature")
        loop = _started(demo.temperature_future, "temperature")
        self.wait(lambda: demo.reading is not None, "a temperature reading arrives")
        say(f"    temperature {demo.temperature_text}: {demo.reading_text}")
        say("    while it runs: setpoint 30 °C, a reading every 0.1 s (set_settings)")
        # As typing into the two fields does.
        demo.setpoint = 30.0
        demo.sample_interval = 0.1
        self.wait(
            lambda: (
                demo.reading is not None
                and (demo.reading.setpoint, demo.reading.interval) == (30.0, 0.1)
            ),
            "a reading with the new settings arrives",
        )
        say(f"    applied: {loop.settings}")
        self.wait(lambda: demo.temperature >= 24.0, "the heater warms the stage past 24 °C")
        say(f"    temperature {demo.temperature_text}: {demo.reading_text}")
        say(f"    {loop.iteration_count} loop iterations, {demo.missed_text}")
        self.shot("temperature")

        demo.target = -5.0
        say(f"4. Run a scan: move to {demo.target:g}, {demo.scan_frames} spectra, analysis")
        say("    it needs the camera, so it preempts the live view")
        live = _started(demo.live_future, "live view")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", PreemptionWarning)
            self.click("run_scan")
        for warning in caught:
            say(f"    {warning.category.__name__}: {warning.message}")
        scan = _started(demo.scan_future, "scan")
        self.wait(lambda: live.done, "the live view has been preempted")
        say(f"    live view {live.state}, end_reason {live.end_reason!r}")
        self.wait(lambda: _message(scan).startswith("analysing"), "the scan analyses")
        self.shot("scan")
        self.wait(lambda: scan.done, "the scan has ended")
        say(f"    scan {scan.end_reason}: {demo.result_text}")
        self.shot("scan-done")

        where = {
            "thread": "on a worker thread",
            "process": "in a worker process",
            "dask": "on a Dask cluster",
        }[demo.context]
        say(
            f"5. Analyse the latest spectra ({where}), then cancel the analysis from the jobs panel"
        )
        self.click("analyse")
        analysis = _started(demo.analysis_future, "analysis")
        self.wait(lambda: _fraction(analysis) >= 0.2, "the analysis is 20 % done")
        self.shot("analysing")
        rows = [row for row in demo.jobs_panel.rows if row.future is analysis]
        say(f"    the jobs panel: {rows[0].name} [{rows[0].where}], {rows[0].kind}")
        rows[0].cancel_button = True  # the row's Cancel button
        self.wait(lambda: analysis.done, "the analysis has stopped")
        say(f"    analysis {analysis.state} at {_fraction(analysis):.0%}")

        say("6. Move beyond the stage's limits: the job fails with ValueError")
        demo.target = 100.0
        self.click("move")
        failed = _started(demo.move_future, "move")
        self.wait(lambda: failed.done, "the move has failed")
        self.wait(lambda: demo.status.startswith("Error"), "the status line shows the error")
        say(f"    move {failed.state}; status line: {demo.status}")
        self.shot("failed-move")

        say(
            "7. Cancel all, in the jobs panel: the temperature loop stops; the interlock's "
            "watch runs on"
        )
        _click(self.ui.get_editors("jobs_panel")[0]._ui, "cancel_all")  # type: ignore[attr-defined]
        watch = demo.interlock_future
        self.wait(
            lambda: all(future is watch for future in self.executor.jobs),
            "every job but the interlock's watch has ended",
        )
        say(f"    {demo.status}; {demo.interlock_text}")
        self.shot("cancelled")
        self.run_tutorial()
        self.run_safety()
        self.run_timeline()

    def run_tutorial(self) -> None:
        """The window the GUI tutorial builds (traits_jobs.demo.stage_gui)."""
        say = self.say
        say("8. The GUI tutorial's window: a stage move with a bar, Cancel, and errors")
        # An executor of its own, as the tutorial's application has: its jobs
        # panel lists the tutorial's jobs only, not the demo's interlock.
        # The same event loop, which self.wait runs.
        executor = TraitsExecutor(event_loop=self.executor.event_loop)
        window = StageWindow(executor)
        ui = window.edit_traits()
        # The stage control is a view of its own inside the window.
        stage_ui = ui.get_editors("stage")[0]._ui
        try:
            stage = window.stage
            stage.target = 80.0
            _click(stage_ui, "move")
            move = _started(stage.future, "tutorial move")
            self.wait(lambda: _fraction(move) >= 0.45, "the tutorial's move is 45 % done")
            self.shot("tutorial-moving", ui)
            _click(stage_ui, "cancel")
            self.wait(lambda: move.done, "the tutorial's move was cancelled")
            say(f"    move {move.state} {_message(move)}")
            stage.target = 250.0
            _click(stage_ui, "move")
            self.wait(lambda: stage.error != "", "the tutorial's window shows the error")
            say(f"    {stage.error}")
            self.shot("tutorial-failed", ui)
            # A job whose error no code reads: the FailureReporter says so.
            say(
                "    a job nobody watches fails; the window's FailureReporter logs it "
                "(expected: the tour makes it fail on purpose):"
            )
            submit_call(executor, float, "12 mm", name="parse setting")
            self.wait(lambda: window.failures.last_message != "", "the failure is reported")
            say(f"    last failure: {window.failures.last_message}")
            self.shot("tutorial-jobs", ui)
        finally:
            ui.dispose()
            window.jobs.dispose()
            window.failures.dispose()
            executor.shutdown(timeout=STEP_TIMEOUT)

    def run_safety(self) -> None:
        """The emergency stop (Esc) and the interlock (the door)."""
        demo, say = self.demo, self.say
        stage, camera, sensor = demo.stage, demo.camera, demo.sensor
        say("9. Emergency stop: Esc (or the red button) while the stage moves")
        self.click("acquire")
        self.click("poll_temperature")
        demo.target = 20.0 if stage.position < 0.0 else -20.0
        self.click("move")
        move = _started(demo.move_future, "move")
        live = _started(demo.live_future, "live view")
        loop = _started(demo.temperature_future, "temperature")
        self.wait(
            lambda: _fraction(move) >= 0.3 and demo.reading is not None and demo.frame_count > 0,
            "the stage is 30 % of the way, the camera and the heater are on",
        )
        say(
            f"    stage moving: {stage.moving}, camera acquiring: {camera.acquiring}, "
            f"heater on: {sensor.heater_on}"
        )
        stops = demo.emergency_count
        self.press_escape()
        self.wait(lambda: demo.emergency_count > stops, "the emergency stop has reported")
        self.wait(lambda: move.done and live.done and loop.done, "the stopped jobs have ended")
        say(f"    {demo.status}")
        say(
            f"    stage halted at {stage.position:.2f} (moving: {stage.moving}), camera "
            f"acquiring: {camera.acquiring}, heater on: {sensor.heater_on}; move {move.state}, "
            f"live view {live.state}, temperature {loop.state}"
        )
        self.shot("emergency-stop")

        say("10. The interlock: opening the door stops everything, once per opening")
        self.click("acquire")
        live = _started(demo.live_future, "live view")
        self.wait(lambda: demo.frame_count > 0 and camera.acquiring, "the camera acquires")
        stops = demo.emergency_count
        _click(self.ui, "door_open")
        self.wait(lambda: demo.emergency_count > stops, "opening the door stopped everything")
        self.wait(lambda: live.done, "the live view has ended")
        say(f"    {demo.status}")
        say(
            f"    {demo.interlock_text}; live view {live.state}; "
            f"camera acquiring: {camera.acquiring}"
        )
        self.shot("door-open")
        watch = _started(demo.interlock_future, "interlock")
        readings = watch.iteration_count
        self.wait(lambda: watch.iteration_count >= readings + 5, "the door is read 5 times more")
        say(
            f"    door still open, read {watch.iteration_count - readings} times more: "
            f"{demo.emergency_count - stops} emergency stop"
        )
        _click(self.ui, "door_open")
        self.wait(lambda: watch.status is False, "the interlock has re-armed")
        say(f"    door closed: {demo.interlock_text}")

    def run_timeline(self) -> None:
        """The jobs timeline tab: every job of the tour on a time line."""
        say = self.say
        say("11. The Jobs timeline tab: each job a lane, coloured by how it ended")
        tabs = self.ui.control.findChild(QtWidgets.QTabWidget)  # type: ignore[attr-defined]
        if tabs is None:
            msg = "the window has no tabs; the tour expected the Jobs timeline beside the plot"
            raise TourError(msg)
        tabs.setCurrentIndex(1)
        timeline = self.demo.timeline
        self.wait(lambda: timeline.refreshing, "the timeline is visible")
        outcomes = collections.Counter(span.outcome for span in timeline.spans)
        say(
            f"    {len(timeline.spans)} jobs: "
            + ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))
        )
        arrows = [
            f"{span.future.preempted_by.name} preempted {span.name}"
            for span in timeline.spans
            if span.preemptor is not None
        ]
        say(f"    arrows: {'; '.join(arrows) or 'none'}")
        self.shot("timeline")
        tabs.setCurrentIndex(0)


def _click(ui: object, name: str) -> None:
    """Click the enabled button of trait ``name`` in ``ui``, as a user would.

    TraitsUI connects buttons with a queued connection: the click is
    delivered before this returns.
    """
    button = ui.get_editors(name)[0].control  # type: ignore[attr-defined]
    if not button.isEnabled():
        msg = f"the {button.text()!r} button is disabled; the tour expected it enabled"
        raise TourError(msg)
    button.click()
    QtWidgets.QApplication.processEvents()


def _started(future: _F | None, what: str) -> _F:
    """The future of a job that a click just started; TourError if none was."""
    if future is None:
        msg = f"clicking did not start the {what} job"
        raise TourError(msg)
    return future


def _message(future: object) -> str:
    info = getattr(future, "progress_info", None)
    return "" if info is None or info.message is None else info.message


def _fraction(future: object) -> float:
    info = getattr(future, "progress_info", None)
    return 0.0 if info is None else float(info.fraction_done)


def run_tour(
    screenshots: Path = DEFAULT_SCREENSHOTS,
    executor: TraitsExecutor | None = None,
    say: Callable[[str], object] = print,
    context: str = "thread",
    address: str = "",
) -> list[Path]:
    """Run the tour; return the screenshots' paths. Main thread only.

    Parameters
    ----------
    screenshots : Path
        The folder for the screenshots.
    executor : TraitsExecutor, optional
        Runs the jobs; by default one on the Qt loop, shut down at the end.
        One passed in is left running.
    say : callable
        Called with each line of commentary; ``print`` by default.
    context : {"thread", "process", "dask"}
        Where the analysis runs (see :class:`~traits_jobs.demo.app.DemoApp`).
        The executor on worker processes or the cluster is shut down at the
        end either way.
    address : str
        With "dask", the scheduler's address; empty starts a LocalCluster.
    """
    from traits_jobs.api import QtEventLoop

    application = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    own_executor = executor is None
    if executor is None:
        executor = TraitsExecutor(event_loop=QtEventLoop())
    started = time.monotonic()
    say(
        f"traits_jobs demo tour on the Qt platform {application.platformName()!r}, "
        f"the analysis on {'a Dask cluster' if context == 'dask' else f'a worker {context}'}"
    )
    with _quiet_qt(), _logged_as_commentary(say):
        demo = DemoApp(executor, context=context, dask_address=address)
        ui = demo.edit_traits()
        try:
            tour = Tour(demo, ui, Path(screenshots), say)
            tour.run()
        finally:
            if own_executor:
                executor.shutdown(timeout=STEP_TIMEOUT)
            ui.dispose()
            demo.dispose()
    say(f"Tour done in {time.monotonic() - started:.1f} s; executor {executor.state}.")
    say(f"{len(tour.saved)} screenshots in {Path(screenshots).resolve()}")
    return tour.saved


class _SayHandler(logging.Handler):
    """Passes each log record to the tour's commentary, as one line."""

    def __init__(self, say: Callable[[str], object]) -> None:
        super().__init__(logging.INFO)
        self.say = say

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # The first line: a FailureReporter's message goes on with the traceback.
            line = record.getMessage().partition("\n")[0]
            self.say(f"    logged ({record.levelname}): {line}")
        except Exception:
            self.handleError(record)


@contextlib.contextmanager
def _logged_as_commentary(say: Callable[[str], object]) -> Iterator[None]:
    """While active, traits_jobs' log records are lines of commentary, not stderr's."""
    logger = logging.getLogger("traits_jobs")
    handler = _SayHandler(say)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)


@contextlib.contextmanager
def _quiet_qt() -> Iterator[None]:
    """While active, Qt's messages starting with one of QT_NOISE are dropped."""

    def handler(mode: object, context: object, message: str) -> None:
        if not message.startswith(QT_NOISE):
            print(message, file=sys.stderr)

    previous = QtCore.qInstallMessageHandler(handler)
    try:
        yield
    finally:
        QtCore.qInstallMessageHandler(previous)
