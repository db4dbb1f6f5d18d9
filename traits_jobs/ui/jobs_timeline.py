# SPDX-License-Identifier: BSD-3-Clause
"""A live Gantt view of an executor's jobs: :class:`JobsTimeline`.

One lane per job, oldest at the top, time on x from the first job kept to
now. A job's lane shows, from left to right:

- a hatched segment while it waits, from its submit until it starts (for a
  free worker or for the resources it claims: its future does not tell
  which);
- a bar while it runs, in the colour of its state, then of its end reason
  (:data:`~traits_jobs.ui.job_look.OUTCOME_LOOKS`, as in the jobs panel);
- for a preempted job, an arrow from the job that preempted it, drawn from
  that job's submit to the end of the victim.

Hovering a lane shows the job's name, kind, outcome, times, options (the
resources it claimed, whether it is a background job) and error.

What it costs the jobs it shows: the timeline follows the executor's
``jobs`` (at each submit and end) and each future's ``state`` (a few
changes per job), never a job's items or progress. The view draws on one
timer, which runs only while the view is visible, and then paints the
lanes in sight only: a thousand jobs are drawn as fast as a dozen.
"""

import logging
import time
from typing import Any

from traits.api import Any as AnyTrait
from traits.api import Bool, HasStrictTraits, Instance, Int, Range
from traitsui.api import BasicEditorFactory, Item, View
from traitsui.qt.editor import Editor

from traits_jobs._qt import QtCore, QtGui, QtWidgets
from traits_jobs.api import BaseFuture, TraitsExecutor
from traits_jobs.ui.failures import check_added_executor, check_executor
from traits_jobs.ui.job_look import outcome_look
from traits_jobs.ui.job_row import error_line, job_kind

logger = logging.getLogger(__name__)

#: Pixels: the lane names' column, the time axis, one lane, a bar's gap to its lane's edges.
LABEL_WIDTH, AXIS_HEIGHT, LANE_HEIGHT, BAR_INSET = 130, 22, 18, 3

#: Pixels right of the last bar: "now" is drawn there.
RIGHT_PAD = 12

#: Seconds the time axis spans at least.
MIN_SPAN = 5.0

#: Milliseconds between two repaints while the view is visible.
REFRESH_INTERVAL_MS = 100

#: The colour of a waiting segment's hatching and of the preemption arrows.
WAIT_COLOUR, ARROW_COLOUR = "#9e9e9e", "#6a1b9a"


class Span:
    """What the timeline knows of one job. Main thread only.

    Attributes
    ----------
    future : BaseFuture
        The job's future.
    name, kind : str
        The job's name (or its kind and a number) and kind.
    lane : int
        Its lane, from 0 at the top; set by the timeline.
    submitted : float
        ``time.monotonic()`` when the timeline saw the job appear.
    started, ended : float or None
        When it started executing (the future's ``started_at``) and when
        the timeline saw it end; None until then.
    outcome : str
        Its state while live, its end reason once ended.
    resources : set of str
        The resources it was seen to claim.
    background : bool
        Whether it was seen among the executor's background jobs.
    """

    __slots__ = (
        "background",
        "ended",
        "future",
        "kind",
        "lane",
        "name",
        "outcome",
        "resources",
        "started",
        "submitted",
    )

    def __init__(self, future: BaseFuture, name: str, submitted: float) -> None:
        self.future = future
        self.name = name
        self.kind = job_kind(future)
        self.lane = 0
        self.submitted = submitted
        self.started: float | None = None
        self.ended: float | None = None
        self.outcome = future.state
        self.resources: set[str] = set()
        self.background = False

    @property
    def preemptor(self) -> BaseFuture | None:
        """The job that preempted this one, once it has ended; else None."""
        if self.ended is None:
            return None
        preempter: BaseFuture | None = self.future.preempted_by
        return preempter

    def options_text(self) -> str:
        """The options seen: ``"resources stage, camera; background"``, or empty."""
        parts = []
        if self.resources:
            parts.append(f"resources {', '.join(sorted(self.resources))}")
        if self.background:
            parts.append("background")
        return "; ".join(parts)

    def tooltip(self, now: float) -> str:
        """The text shown on hover: name, kind, outcome, times, options, error."""
        lines = [f"{self.name} ({self.kind}): {self.outcome}"]
        preemptor = self.preemptor
        if preemptor is not None:
            lines[0] += f" by {preemptor.name or job_kind(preemptor)!r}"
        start = self.started if self.started is not None else self.ended
        waited = (start if start is not None else now) - self.submitted
        times = f"waited {waited:.2f} s"
        if self.started is not None:
            ran = (self.ended if self.ended is not None else now) - self.started
            times += f", ran {ran:.2f} s"
        lines.append(times)
        options = self.options_text()
        if options:
            lines.append(f"options: {options}")
        if self.future.failure is not None:
            lines.append(f"error: {error_line(self.future)}")
        return "\n".join(lines)


class JobsTimeline(HasStrictTraits):
    """A live Gantt view model of an executor's jobs. Main thread only.

    Show it with its default view (``edit_traits()``, or
    ``Item("timeline", style="custom")`` in a view of its owner).

    Parameters
    ----------
    executor : TraitsExecutor
        The executor whose jobs are shown; jobs already live are included.
    **traits
        ``max_jobs``.

    Raises
    ------
    TypeError
        If ``executor`` is not a TraitsExecutor.
    """

    #: The executor whose jobs are shown; :meth:`add_executor` adds others.
    executor = Instance(TraitsExecutor, allow_none=False)

    #: How many jobs are kept: past it, the oldest ended ones are dropped.
    max_jobs = Range(low=1, high=None, value=1000)  # type: ignore[arg-type]  # stubs lack high=None

    #: Changes whenever a job comes, starts, ends or is dropped (not as time passes).
    revision = Int(0)

    #: Whether a view of the timeline is visible and repainting on its timer.
    refreshing = Bool(False)

    #: TraitsExecutor -> the observer of its jobs.
    _followed = AnyTrait()
    #: BaseFuture -> Span, for every span kept, in submit order.
    _span_of = AnyTrait()
    _counter = Int(0)
    _disposed = Bool(False)

    def __init__(self, executor: Any = None, **traits: Any) -> None:
        check_executor(executor, "JobsTimeline()")
        super().__init__(executor=executor, **traits)
        self._followed = {}
        self._span_of = {}
        self._follow(executor)

    def default_traits_view(self) -> View:
        """The timeline's drawing, with its own scroll bar."""
        return View(
            Item("executor", editor=JobsTimelineEditor(), show_label=False),
            title="Jobs timeline",
            resizable=True,
            width=700,
            height=300,
        )

    # -- public -------------------------------------------------------------

    @property
    def spans(self) -> list[Span]:
        """The jobs kept, oldest first; each span's ``lane`` is its index here."""
        return list(self._span_of.values())

    @property
    def live(self) -> bool:
        """Whether a job shown has not ended: the view then moves with time."""
        return any(span.ended is None for span in self._span_of.values())

    def add_executor(self, executor: Any) -> None:
        """Show the jobs of ``executor`` too. Main thread only.

        Raises
        ------
        TypeError
            If ``executor`` is not a TraitsExecutor.
        ValueError
            If the timeline shows that executor already, or was disposed.
        """
        check_added_executor(executor, self._followed, self._disposed, "JobsTimeline")
        self._follow(executor)

    def dispose(self) -> None:
        """Stop following the executors and their jobs. Main thread only."""
        if self._disposed:
            return
        self._disposed = True
        for executor, observer in self._followed.items():
            executor.observe(observer, "jobs", remove=True)
        for span in self._span_of.values():
            if span.ended is None:
                span.future.observe(self._state_changed, "state", remove=True)

    # -- following the jobs -------------------------------------------------

    def _follow(self, executor: TraitsExecutor) -> None:
        def jobs_changed(event: Any) -> None:
            try:
                self._add_spans(executor, event.new)
            except Exception:
                logger.exception("JobsTimeline could not follow the jobs of %r", executor)

        self._followed[executor] = jobs_changed
        executor.observe(jobs_changed, "jobs")
        self._add_spans(executor, executor.jobs)

    def _add_spans(self, executor: TraitsExecutor, futures: list[BaseFuture]) -> None:
        now = time.monotonic()
        new = [future for future in futures if future not in self._span_of]
        for future in new:
            if future.name is None:
                self._counter += 1
                name = f"{job_kind(future)} #{self._counter}"
            else:
                name = future.name
            span = self._span_of[future] = Span(future, name, now)
            if future.done:
                self._ended(span, now)
            else:
                self._update_start(span)
                future.observe(self._state_changed, "state")
        if new:
            self._note_options(executor)
            self._prune()
            self.revision += 1

    def _note_options(self, executor: TraitsExecutor) -> None:
        """Record what the live jobs claim and which are background jobs."""
        span_of = self._span_of
        for resource, future in executor.claimed_resources.items():
            span = span_of.get(future)
            if span is not None:
                span.resources.add(resource)
        for future in executor.background_jobs.values():
            span = span_of.get(future)
            if span is not None:
                span.background = True

    def _state_changed(self, event: Any) -> None:
        future = event.object
        span = self._span_of.get(future)
        if span is None:
            return
        span.outcome = future.state
        if self._update_start(span):
            for executor in self._followed:
                self._note_options(executor)
        if future.done:
            future.observe(self._state_changed, "state", remove=True)
            self._ended(span, time.monotonic())
            self._prune()
        self.revision += 1

    @staticmethod
    def _update_start(span: Span) -> bool:
        """Take the future's start time once it has one; whether it just did."""
        if span.started is None and span.future.started_at is not None:
            span.started = span.future.started_at
            return True
        return False

    def _ended(self, span: Span, now: float) -> None:
        span.ended = now
        span.outcome = span.future.end_reason or span.future.state
        self._update_start(span)

    def _prune(self) -> None:
        extra = len(self._span_of) - int(self.max_jobs)
        if extra > 0:
            ended = [f for f, span in self._span_of.items() if span.ended is not None]
            for future in ended[:extra]:
                del self._span_of[future]
        for lane, span in enumerate(self._span_of.values()):
            span.lane = lane


class TimelineCanvas(QtWidgets.QWidget):
    """Draws a :class:`JobsTimeline`: lanes, waits, bars, preemption arrows. Main thread only.

    Its refresh timer runs only while it is visible. Geometry comes from
    :meth:`x_of`, :meth:`bar_rect` and :meth:`wait_rect`, which painting,
    hovering and tests share.
    """

    def __init__(self, timeline: JobsTimeline, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.timeline = timeline
        self.setMouseTracking(True)
        self._seen_revision = -1
        #: time.monotonic() of the last paint: the right end of the axis.
        self.now = time.monotonic()
        self._timer = QtCore.QTimer(self)
        self._timer.setInterval(REFRESH_INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._fit_height()

    # -- geometry ---------------------------------------------------------------

    def time_range(self) -> tuple[float, float]:
        """The times at the left and right ends of the axis."""
        first = next(iter(self.timeline._span_of.values()), None)
        start = first.submitted if first is not None else self.now
        return start, max(self.now, start + MIN_SPAN)

    def x_of(self, moment: float) -> float:
        """The x coordinate of a ``time.monotonic()`` moment."""
        start, end = self.time_range()
        width = max(1.0, self.width() - LABEL_WIDTH - RIGHT_PAD)
        return LABEL_WIDTH + (moment - start) / (end - start) * width

    def lane_rect(self, lane: int) -> QtCore.QRectF:
        """The area of a lane, under the names' column and right of it."""
        return QtCore.QRectF(0, AXIS_HEIGHT + lane * LANE_HEIGHT, self.width(), LANE_HEIGHT)

    def _segment(self, lane: int, start: float, end: float) -> QtCore.QRectF:
        top = AXIS_HEIGHT + lane * LANE_HEIGHT + BAR_INSET
        left, right = self.x_of(start), self.x_of(end)
        return QtCore.QRectF(left, top, max(2.0, right - left), LANE_HEIGHT - 2 * BAR_INSET)

    def wait_rect(self, span: Span) -> QtCore.QRectF:
        """The hatched segment: from the submit to the start (or the end, or now)."""
        end = span.started if span.started is not None else span.ended
        return self._segment(span.lane, span.submitted, end if end is not None else self.now)

    def bar_rect(self, span: Span) -> QtCore.QRectF | None:
        """The bar of a job that started: from its start to its end, or now."""
        if span.started is None:
            return None
        end = span.ended if span.ended is not None else self.now
        return self._segment(span.lane, max(span.started, span.submitted), end)

    def arrows(self) -> list[tuple[Span, Span, QtCore.QLineF]]:
        """(preemptor, victim, line) for each preempted job whose preemptor is shown."""
        span_of = self.timeline._span_of
        found = []
        for victim in span_of.values():
            preemptor = victim.preemptor
            by = span_of.get(preemptor) if preemptor is not None else None
            if by is None or victim.ended is None:
                continue
            centre = LANE_HEIGHT / 2
            line = QtCore.QLineF(
                self.x_of(by.submitted),
                AXIS_HEIGHT + by.lane * LANE_HEIGHT + centre,
                self.x_of(victim.ended),
                AXIS_HEIGHT + victim.lane * LANE_HEIGHT + centre,
            )
            found.append((by, victim, line))
        return found

    def span_at(self, point: QtCore.QPoint) -> Span | None:
        """The job whose lane is under ``point``, if ``point`` is on its wait or bar."""
        lane = (point.y() - AXIS_HEIGHT) // LANE_HEIGHT
        spans = self.timeline.spans
        if point.y() < AXIS_HEIGHT or not 0 <= lane < len(spans):
            return None
        span = spans[lane]
        end = span.ended if span.ended is not None else self.now
        if (
            point.x() < LABEL_WIDTH
            or self.x_of(span.submitted) - 2 <= point.x() <= self.x_of(end) + 2
        ):
            return span
        return None

    def tooltip_at(self, point: QtCore.QPoint) -> str:
        """The hover text at ``point``: the job's, or empty."""
        span = self.span_at(point)
        return "" if span is None else span.tooltip(self.now)

    # -- Qt -----------------------------------------------------------------------

    def sizeHint(self) -> QtCore.QSize:
        return QtCore.QSize(600, self.minimumHeight())

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        # Up to date at once: time went on while it was hidden.
        self._seen_revision = -1
        self._tick()
        self._timer.start()
        self.timeline.refreshing = True
        super().showEvent(event)

    def hideEvent(self, event: QtGui.QHideEvent) -> None:
        self._timer.stop()
        self.timeline.refreshing = False
        super().hideEvent(event)

    def mouseMoveEvent(self, event: QtGui.QMouseEvent) -> None:
        text = self.tooltip_at(event.position().toPoint())
        if text:
            QtWidgets.QToolTip.showText(event.globalPosition().toPoint(), text, self)
        else:
            QtWidgets.QToolTip.hideText()
        super().mouseMoveEvent(event)

    def stop(self) -> None:
        """Stop the timer for good (the editor is disposed)."""
        self._timer.stop()
        self.timeline.refreshing = False

    def _tick(self) -> None:
        try:
            revision = self.timeline.revision
            if revision != self._seen_revision or self.timeline.live:
                self._seen_revision = revision
                self._fit_height()
                self.now = time.monotonic()
                self.update()
        except Exception:
            logger.exception("Refreshing the jobs timeline failed")

    def _fit_height(self) -> None:
        height = AXIS_HEIGHT + max(1, len(self.timeline._span_of)) * LANE_HEIGHT + BAR_INSET
        if height != self.minimumHeight():
            self.setMinimumHeight(height)

    def paintEvent(self, event: QtGui.QPaintEvent) -> None:
        painter = QtGui.QPainter(self)
        try:
            self._paint(painter, event.rect())
        finally:
            painter.end()

    def _paint(self, painter: QtGui.QPainter, area: QtCore.QRect) -> None:
        painter.fillRect(area, self.palette().color(QtGui.QPalette.ColorRole.Base))
        spans = self.timeline.spans
        # The lanes in sight only: a thousand jobs cost what a screenful does.
        first = max(0, (area.top() - AXIS_HEIGHT) // LANE_HEIGHT)
        last = min(len(spans), (area.bottom() - AXIS_HEIGHT) // LANE_HEIGHT + 1)
        text = self.palette().color(QtGui.QPalette.ColorRole.Text)
        hatch = QtGui.QBrush(QtGui.QColor(WAIT_COLOUR), QtCore.Qt.BrushStyle.BDiagPattern)
        for span in spans[first:last]:
            lane = self.lane_rect(span.lane)
            if span.lane % 2:
                painter.fillRect(lane, QtGui.QColor(0, 0, 0, 10))
            painter.setPen(text)
            painter.drawText(
                QtCore.QRectF(4, lane.top(), LABEL_WIDTH - 8, LANE_HEIGHT),
                QtCore.Qt.AlignmentFlag.AlignVCenter | QtCore.Qt.AlignmentFlag.AlignLeft,
                span.name,
            )
            wait = self.wait_rect(span)
            painter.setPen(QtGui.QColor(WAIT_COLOUR))
            painter.setBrush(hatch)
            painter.drawRect(wait)
            bar = self.bar_rect(span)
            if bar is not None:
                painter.setPen(QtCore.Qt.PenStyle.NoPen)
                painter.fillRect(bar, QtGui.QColor(outcome_look(span.outcome).colour))
        self._paint_arrows(painter)
        self._paint_axis(painter, area)

    def _paint_arrows(self, painter: QtGui.QPainter) -> None:
        pen = QtGui.QPen(QtGui.QColor(ARROW_COLOUR), 1.5)
        painter.setPen(pen)
        painter.setBrush(QtGui.QColor(ARROW_COLOUR))
        for _by, _victim, line in self.arrows():
            painter.drawLine(line)
            tip = line.p2()
            down = 1.0 if line.dy() >= 0 else -1.0
            head = QtGui.QPolygonF(
                [
                    tip,
                    QtCore.QPointF(tip.x() - 4, tip.y() - 7 * down),
                    QtCore.QPointF(tip.x() + 4, tip.y() - 7 * down),
                ]
            )
            painter.drawPolygon(head)

    def _paint_axis(self, painter: QtGui.QPainter, area: QtCore.QRect) -> None:
        if area.top() > AXIS_HEIGHT:
            return
        start, end = self.time_range()
        painter.fillRect(
            QtCore.QRectF(0, 0, self.width(), AXIS_HEIGHT),
            self.palette().color(QtGui.QPalette.ColorRole.Window),
        )
        painter.setPen(self.palette().color(QtGui.QPalette.ColorRole.Text))
        step = _tick_step(end - start)
        tick = 0.0
        while start + tick <= end:
            x = self.x_of(start + tick)
            painter.drawLine(QtCore.QLineF(x, AXIS_HEIGHT - 5, x, AXIS_HEIGHT))
            painter.drawText(QtCore.QPointF(x + 2, AXIS_HEIGHT - 8), f"{tick:g} s")
            tick += step
        painter.drawText(QtCore.QPointF(4, AXIS_HEIGHT - 8), "job")


def _tick_step(seconds: float) -> float:
    """A round step giving 4 to 10 ticks over ``seconds``."""
    step = 0.1
    while seconds / step > 10:
        for factor in (2, 2.5, 2):
            step *= factor
            if seconds / step <= 10:
                break
    return step


class _QtJobsTimelineEditor(Editor):
    """The Qt editor made by :class:`JobsTimelineEditor`: the canvas in a scroll area."""

    #: The TimelineCanvas drawn.
    canvas = AnyTrait()

    def init(self, parent: Any) -> None:
        timeline = self.object
        if not isinstance(timeline, JobsTimeline):
            msg = f"JobsTimelineEditor expected a view of a JobsTimeline, got {timeline!r}"
            raise TypeError(msg)
        area = QtWidgets.QScrollArea()
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.canvas = TimelineCanvas(timeline)
        area.setWidget(self.canvas)
        area.setMinimumSize(300, 120)
        self.control = area

    def update_editor(self) -> None:
        """Nothing to do: the canvas reads the timeline on its timer."""

    def dispose(self) -> None:
        if self.canvas is not None:
            self.canvas.stop()
        super().dispose()


class JobsTimelineEditor(BasicEditorFactory):
    """Editor factory: the drawing of a :class:`JobsTimeline`, in its own view."""

    klass = _QtJobsTimelineEditor
