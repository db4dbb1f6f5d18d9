# SPDX-License-Identifier: BSD-3-Clause
"""JobsTimeline: a live Gantt view of an executor's jobs, drawn in a real view."""

import threading
from contextlib import contextmanager

import pytest

from tests._support import wait_done, wait_event
from tests.ui.test_jobs_panel_look import end_in_each_way, fail
from traits_jobs._qt import QtCore, QtGui, QtWidgets
from traits_jobs.api import TraitsExecutor, submit_call
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.api import JobsTimeline
from traits_jobs.ui.job_look import outcome_look
from traits_jobs.ui.jobs_timeline import LANE_HEIGHT

WAIT_MS = 10_000


@contextmanager
def released(event):
    """Set ``event`` on the way out, whatever happened: a held worker goes."""
    try:
        yield
    finally:
        event.set()


@contextmanager
def shown_timeline(qtbot, executor, size=(800, 400)):
    """A JobsTimeline of ``executor`` with its view shown: (timeline, ui, canvas).

    The view and the timeline are disposed after.
    """
    timeline = JobsTimeline(executor=executor)
    ui = timeline.edit_traits()
    try:
        ui.control.resize(*size)
        ui.control.show()
        (editor,) = ui.get_editors("executor")
        qtbot.waitUntil(editor.canvas.isVisible, timeout=WAIT_MS)
        yield timeline, ui, editor.canvas
    finally:
        ui.dispose()
        timeline.dispose()


def drawn(canvas, now=None):
    """Repaint (as of ``now``, a time.monotonic() value, if given) and return the image."""
    canvas._seen_revision = -1
    canvas._tick()
    if now is not None:
        canvas.now = now
    QtWidgets.QApplication.processEvents()
    return canvas.grab().toImage()


def test_rejects_what_is_not_an_executor():
    with pytest.raises(TypeError, match="JobsTimeline\\(\\) expected a TraitsExecutor"):
        JobsTimeline(executor="executor")


def test_bars_for_n_jobs_in_the_colour_of_their_end(qtbot, qt_executor):
    """One lane per job; each bar is painted in its end reason's colour."""
    with shown_timeline(qtbot, qt_executor, size=(900, 600)) as (timeline, _ui, canvas):
        futures = end_in_each_way(qt_executor)
        spans = timeline.spans
        assert [span.future for span in spans] == list(futures.values())
        assert [span.lane for span in spans] == list(range(len(futures)))
        assert [span.outcome for span in spans] == [f.end_reason for f in futures.values()]
        image = drawn(canvas)
        for span in spans:
            bar = canvas.bar_rect(span)
            assert bar is not None, span.name
            centre = bar.center().toPoint()
            colour = QtGui.QColor(image.pixel(centre))
            assert colour.name() == outcome_look(span.outcome).colour, span.name


def test_preemption_is_an_arrow_from_the_preemptor_to_its_victim(qtbot, qt_executor):
    with shown_timeline(qtbot, qt_executor) as (_timeline, _ui, canvas):
        futures = end_in_each_way(qt_executor)
        drawn(canvas)
        ((by, victim, line),) = canvas.arrows()
        assert (by.future, victim.future) == (futures["preemptor"], futures["preempted"])
        # The preemptor came later, so its lane is below; it preempted at its submit.
        assert line.y1() > line.y2() and line.x1() <= line.x2()


def test_a_job_waiting_for_resources_has_a_hatched_wait(qtbot, qt_executor):
    """A job queued behind another's claim waits: its wait segment spans until it starts."""
    release, started = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(SAFETY_TIMEOUT)

    with shown_timeline(qtbot, qt_executor) as (timeline, _ui, canvas), released(release):
        holder = submit_call(qt_executor, hold, resources={"stage"}, name="holder")
        wait_event(started)
        waiter = submit_call(qt_executor, pow, 2, 5, resources={"stage"}, on_conflict="wait")
        span = timeline.spans[1]
        assert span.future is waiter and span.started is None
        # Drawn as if it had waited for 3 s: a wide segment, open to the right.
        image = drawn(canvas, now=span.submitted + 3.0)
        wait = canvas.wait_rect(span)
        assert canvas.bar_rect(span) is None and wait.width() > 100
        assert wait.right() == pytest.approx(canvas.x_of(canvas.now))
        # Hatched: some pixels of the segment are the hatch's colour, some are not.
        colours = {
            QtGui.QColor(image.pixel(int(x), int(wait.center().y()))).name()
            for x in range(int(wait.left()) + 2, int(wait.right()) - 1)
        }
        assert len(colours) > 1
        release.set()
        wait_done(qt_executor, waiter)
        assert span.started is not None and span.started >= span.submitted
        assert span.resources == {"stage"}
        wait_done(qt_executor, holder)


def test_hover_shows_name_options_and_error(qtbot, qt_executor):
    with shown_timeline(qtbot, qt_executor) as (timeline, _ui, canvas):
        future = submit_call(qt_executor, fail, "bad value", name="scan", resources={"camera"})
        wait_done(qt_executor, future)
        drawn(canvas)
        (span,) = timeline.spans
        point = canvas.wait_rect(span).center().toPoint()
        text = canvas.tooltip_at(point)
        assert text.startswith("scan (call): failed")
        assert "options: resources camera" in text
        assert "error: ValueError: bad value" in text
        assert canvas.tooltip_at(QtCore.QPoint(point.x(), point.y() + 5 * LANE_HEIGHT)) == ""


def test_a_thousand_jobs_get_a_lane_each_and_only_those_in_sight_are_painted(qtbot, qt_executor):
    with shown_timeline(qtbot, qt_executor, size=(800, 300)) as (timeline, _ui, canvas):
        futures = [submit_call(qt_executor, pow, i, 2) for i in range(1000)]
        for future in futures:
            wait_done(qt_executor, future)
        assert len(timeline.spans) == 1000
        drawn(canvas)
        assert canvas.minimumHeight() >= 1000 * LANE_HEIGHT
        # The scroll area shows a few lanes of the thousand: the canvas's
        # visible region, which Qt clips painting to, is that screenful.
        visible = canvas.visibleRegion().boundingRect()
        assert visible.height() < 300
        timeline.max_jobs = 100
        submit = submit_call(qt_executor, pow, 3, 2)
        wait_done(qt_executor, submit)
        assert len(timeline.spans) == 100
        assert timeline.spans[-1].future is submit


def test_the_refresh_timer_runs_only_while_visible(qtbot, qt_executor):
    with shown_timeline(qtbot, qt_executor) as (timeline, ui, canvas):
        assert timeline.refreshing and canvas._timer.isActive()
        ui.control.hide()
        qtbot.waitUntil(lambda: not canvas.isVisible(), timeout=WAIT_MS)
        assert not timeline.refreshing and not canvas._timer.isActive()
        ui.control.show()
        qtbot.waitUntil(canvas.isVisible, timeout=WAIT_MS)
        assert timeline.refreshing and canvas._timer.isActive()
    assert not timeline.refreshing
    assert not JobsTimeline(executor=qt_executor).refreshing  # no view, no timer


def test_dispose_stops_following(qt_executor):
    timeline = JobsTimeline(executor=qt_executor)
    timeline.dispose()
    wait_done(qt_executor, submit_call(qt_executor, pow, 2, 2))
    assert timeline.spans == []


def test_jobs_of_an_added_executor_are_shown(qt_executor):
    other = TraitsExecutor(event_loop=qt_executor.event_loop)
    timeline = JobsTimeline(executor=qt_executor)
    try:
        timeline.add_executor(other)
        with pytest.raises(ValueError, match="already"):
            timeline.add_executor(other)
        future = submit_call(other, pow, 2, 2, name="elsewhere")
        wait_done(other, future)
        assert [span.name for span in timeline.spans] == ["elsewhere"]
    finally:
        timeline.dispose()
        other.shutdown(timeout=SAFETY_TIMEOUT)
