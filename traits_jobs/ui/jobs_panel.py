# SPDX-License-Identifier: BSD-3-Clause
"""The jobs of one executor in a list: :class:`JobsPanel`.

The panel keeps one :class:`~traits_jobs.ui.job_row.JobRow` per live or
recent job, newest first, and a default TraitsUI view of them under column
headers: name, kind, state (the end reason once ended, with its icon and
colour), a progress bar, the time spent and a Cancel button per row, with
"Cancel all" above. A failed job's error is a second line inside its row;
the rows of failed, timed-out, preempted and cancelled jobs are tinted
(:mod:`traits_jobs.ui.job_look`).

A panel can show the jobs of several executors, one on threads and one on
worker processes say: ``JobsPanel(executor, where="thread")``, then
``panel.add_executor(other, where="process")``. Each row then says where
its job runs, in a column after the kind; without ``where`` there is no
such column. "Cancel all" cancels the jobs of every executor shown.

Each row is shown with :data:`job_row_view`. A loop job's row says its
iteration and missed counts under its bar, an iteration's row its item
count, brought up to date by the panel's refresh timer (not at each
iteration or item); the row of a job that can
be paused (an iteration or a loop job) has a Pause button, which says
Resume while the job is paused or pausing.

To find row ``n``'s widgets in a panel's ``ui`` (tests, the demo): the
ListEditor of ``rows`` (``ui.get_editors("rows")[0]``) lays row ``n`` out in
grid row ``n`` of its ``_list_pane`` layout; that widget's ``_editor._ui``
is the row's TraitsUI UI, ``row_ui.get_editors("cancel_button")[0].control``
its Cancel button, ``"pause_button"`` its Pause/Resume button and
``row_ui.get_editors("outcome")[0].text_label`` its state's label.
``ui.get_editors("cancel_all")[0].control`` is "Cancel all".
The list is rebuilt whenever rows come or go: find widgets again after.
"""

import logging
import time
from typing import Any

from traits.api import Any as AnyTrait
from traits.api import (
    Bool,
    Button,
    Event,
    Float,
    HasStrictTraits,
    Instance,
    Int,
    List,
    Property,
    Range,
    Str,
    Union,
    observe,
)
from traits.api import Callable as CallableTrait
from traitsui.api import (
    ButtonEditor,
    Handler,
    HGroup,
    InstanceEditor,
    Item,
    ListEditor,
    UIInfo,
    VGroup,
    View,
)

from traits_jobs._qt import QtCore, QtWidgets, is_alive
from traits_jobs.api import BaseFuture, TraitsExecutor
from traits_jobs.ui.failures import FailureReporter, check_added_executor, check_executor
from traits_jobs.ui.job_look import JobOutcomeEditor, tint_widget
from traits_jobs.ui.job_row import JobRow
from traits_jobs.ui.progress_editor import JobProgressEditor

logger = logging.getLogger(__name__)

#: Milliseconds between two refreshes of the elapsed times.
REFRESH_INTERVAL_MS = 250

#: Pixels between two rows.
ROW_GAP = 4

#: The fixed widths of the columns, in pixels, in the rows and their headers.
COLUMN_WIDTHS = {
    "name": 110,
    "kind": 70,
    "where": 55,
    "outcome": 100,
    "pause_button": 64,
    "elapsed": 52,
    "cancel_button": 64,
}


def _column(name: str, **options: Any) -> Item:
    """An Item of a fixed-width column (negative widths are fixed in TraitsUI)."""
    return Item(name, show_label=False, width=-COLUMN_WIDTHS[name], **options)


class _RowLookHandler(Handler):
    """Tints a row's widget with the look of its job's outcome, as the outcome changes."""

    def init(self, info: UIInfo) -> bool:
        row, control = info.object, info.ui.control
        if isinstance(row, JobRow) and control is not None:

            def show(event: Any = None) -> None:
                if is_alive(control):
                    tint_widget(control, row.outcome)
                else:  # the row's view went without closed(): stop following
                    row.observe(show, "outcome", remove=True)

            info.ui._row_look = show  # kept with the UI, for closed()
            row.observe(show, "outcome")
            show()
        return True

    def closed(self, info: UIInfo, is_ok: bool) -> None:
        show = getattr(info.ui, "_row_look", None)
        if show is not None:
            info.object.observe(show, "outcome", remove=True)


#: The view of one row in the panel's list: the columns of the job, and
#: under them, inside the row, the error of a failed job.
job_row_view = View(
    VGroup(
        HGroup(
            _column("name", style="readonly"),
            _column("kind", style="readonly"),
            _column("where", style="readonly", visible_when="where"),
            _column("outcome", editor=JobOutcomeEditor()),
            Item(
                "future",
                editor=JobProgressEditor(wrap_message=False),
                show_label=False,
                springy=True,
            ),
            # Next to the springy bar, which takes its place when it is hidden:
            # the columns after it line up in every row.
            _column(
                "pause_button",
                editor=ButtonEditor(label_value="pause_label"),
                enabled_when="cancellable",
                visible_when="pausable",
            ),
            _column("elapsed", style="readonly", format_str="%.1f s"),
            _column("cancel_button", enabled_when="cancellable"),
        ),
        Item("error_message", style="readonly", show_label=False, visible_when="error_message"),
    ),
    handler=_RowLookHandler(),
)


class _Headers(HasStrictTraits):
    """The column headers above the rows; each trait's value is its header's text."""

    name = Str("Job")
    kind = Str("Kind")
    #: "Where" when a row says where its job runs, else empty (the column is hidden).
    where = Str()
    outcome = Str("State")
    progress = Str("Progress")
    elapsed = Str("Elapsed")
    cancel_button = Str("Cancel")


#: The view of the headers: the row's columns, with the same widths.
headers_view = View(
    HGroup(
        _column("name", style="readonly"),
        _column("kind", style="readonly"),
        _column("where", style="readonly", visible_when="where"),
        _column("outcome", style="readonly"),
        Item("progress", style="readonly", show_label=False, springy=True),
        _column("elapsed", style="readonly"),
        _column("cancel_button", style="readonly"),
    ),
)


class _PanelViewHandler(Handler):
    """Tells the panel when one of its views opens or closes (for the timer)."""

    def init(self, info: UIInfo) -> bool:
        panel = info.object
        if isinstance(panel, JobsPanel):
            panel._view_opened()
            # A gap between two rows: the tint of one does not run into the next.
            pane = getattr(info.ui.get_editors("rows")[0], "_list_pane", None)
            layout = pane.layout() if pane is not None else None
            if isinstance(layout, QtWidgets.QGridLayout):
                layout.setVerticalSpacing(ROW_GAP)
        return True

    def closed(self, info: UIInfo, is_ok: bool) -> None:
        panel = info.object
        if isinstance(panel, JobsPanel):
            panel._view_closed()


class JobsPanel(HasStrictTraits):
    """A view model of an executor's live and recent jobs. Main thread only.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to show; jobs already live are included.
    where : str, optional
        Where its jobs run, in words ("thread", "process", ...): each of
        their rows says so (:attr:`JobRow.where`). Empty says nothing.
    **traits
        ``max_finished``, ``finished_lifetime``, ``reporter``.

    Raises
    ------
    TypeError
        If ``executor`` is not a TraitsExecutor.
    """

    #: The executor whose jobs are shown; :meth:`add_executor` adds others.
    executor = Instance(TraitsExecutor, allow_none=False)

    #: One row per live or recent job, newest first.
    rows = List(Instance(JobRow, allow_none=False))

    #: How many finished rows are kept (the ones that finished last).
    max_finished = Range(low=0, high=None, value=20)  # type: ignore[arg-type]  # stubs lack high=None

    #: Seconds a finished row is kept; None keeps it (up to max_finished).
    finished_lifetime = Union(None, Float())

    #: Cancels every live job of the executors shown.
    cancel_all = Button("Cancel all")

    #: Whether any row can be cancelled by "Cancel all"; enables it.
    any_cancellable = Bool(False)

    #: Called with a future: True if the executor's ``cancel_all()`` leaves
    #: it running (a job submitted with ``cancel_on_abort=False``, such as a
    #: watch, which its future does not tell). Such jobs do not enable
    #: "Cancel all". None: every cancellable job does.
    cancel_all_skips = CallableTrait(allow_none=True)

    #: Fired with the list of futures that a click of "Cancel all" cancelled.
    cancelled = Event()

    #: An optional reporter of unread failures whose last message is shown.
    reporter = Instance(FailureReporter)

    #: The reporter's last message, or empty.
    status = Str()

    #: Whether the refresh timer is running (a view is open and a job is live).
    refreshing = Property(Bool, observe="_refreshing")

    #: The column headers shown above the rows.
    headers = Instance(_Headers, (), allow_none=False)

    _refreshing = Bool(False)
    #: TraitsExecutor -> the observer of its jobs, for every executor shown.
    _followed = AnyTrait()
    #: JobRow -> time.monotonic() when the panel saw it finished.
    _finished_at = AnyTrait()
    #: BaseFuture -> JobRow, for every row.
    _row_of = AnyTrait()
    _timer = AnyTrait()
    _open_views = Int(0)
    _disposed = Bool(False)

    traits_view = View(
        VGroup(
            Item("cancel_all", enabled_when="any_cancellable", show_label=False),
            Item(
                "headers",
                style="custom",
                editor=InstanceEditor(view=headers_view),
                show_label=False,
            ),
            Item(
                "rows",
                editor=ListEditor(
                    editor=InstanceEditor(view=job_row_view), style="custom", mutable=False
                ),
                show_label=False,
            ),
            Item("status", style="readonly", show_label=False, visible_when="reporter is not None"),
        ),
        title="Jobs",
        resizable=True,
        handler=_PanelViewHandler(),
    )

    def __init__(self, executor: Any = None, *, where: str = "", **traits: Any) -> None:
        check_executor(executor, "JobsPanel()")
        _check_where(where, "JobsPanel()")
        super().__init__(executor=executor, **traits)
        self._finished_at = {}
        self._row_of = {}
        self._followed = {}
        self._follow(executor, where)

    # -- public -------------------------------------------------------------

    @property
    def executors(self) -> list[TraitsExecutor]:
        """The executors whose jobs are shown: :attr:`executor` first, then those added."""
        return list(self._followed)

    def add_executor(self, executor: Any, *, where: str = "") -> None:
        """Show the jobs of ``executor`` too, its rows saying ``where``. Main thread only.

        Its jobs already live get rows at once. "Cancel all" cancels its
        jobs too; :meth:`dispose` stops following it.

        Parameters
        ----------
        executor : TraitsExecutor
            Another executor, one on worker processes say.
        where : str, optional
            Where its jobs run, in words ("process", ...); empty says nothing.

        Raises
        ------
        TypeError
            If ``executor`` is not a TraitsExecutor, or ``where`` not a str.
        ValueError
            If the panel shows that executor already, or was disposed.
        """
        check_executor(executor, "JobsPanel.add_executor()")
        _check_where(where, "JobsPanel.add_executor()")
        check_added_executor(executor, self._followed, self._disposed, "JobsPanel")
        self._follow(executor, where)
        self._prune(time.monotonic())
        self._update_timer()

    def refresh(self, now: float | None = None) -> None:
        """Update live rows' elapsed times and loop counts; drop expired finished rows.

        ``now`` is a :func:`time.monotonic` value; the refresh timer passes
        the current time. Main thread only.
        """
        if self._disposed:
            return
        if now is None:
            now = time.monotonic()
        for row in self.rows:
            if not row.done:
                row.refresh(now)
        self._prune(now)
        self._update_timer()

    def dispose(self) -> None:
        """Unhook from the executor and every row; stop the timer. Main thread only."""
        if self._disposed:
            return
        self._disposed = True
        for executor, observer in self._followed.items():
            executor.observe(observer, "jobs", remove=True)
        self._update_timer()
        for row in self.rows:
            row.dispose()
        self._row_of.clear()
        self._finished_at.clear()

    # -- rows -----------------------------------------------------------------

    def _follow(self, executor: TraitsExecutor, where: str) -> None:
        def jobs_changed(event: Any) -> None:
            try:
                self._add_rows(event.new, where)
                self._prune(time.monotonic())
                self._update_timer()
            except Exception:
                logger.exception("JobsPanel could not follow the jobs of %r", executor)

        self._followed[executor] = jobs_changed
        if where:
            self.headers.where = "Where"
        executor.observe(jobs_changed, "jobs")
        self._add_rows(executor.jobs, where)

    def _add_rows(self, futures: list[BaseFuture], where: str) -> None:
        new = [JobRow(f, where=where) for f in futures if f not in self._row_of]
        if not new:
            return
        for row in new:
            self._row_of[row.future] = row
        # executor.jobs is oldest first; rows are newest first.
        self.rows = new[::-1] + self.rows

    def _prune(self, now: float) -> None:
        for row in self.rows:
            if row.done and row not in self._finished_at:
                self._finished_at[row] = time.monotonic()
        finished = sorted(
            (row for row in self.rows if row.done), key=self._finished_at.__getitem__, reverse=True
        )
        dropped = set(finished[int(self.max_finished) :])
        lifetime = self.finished_lifetime
        if lifetime is not None:
            dropped.update(row for row in finished if now - self._finished_at[row] > lifetime)
        if dropped:
            self.rows = [row for row in self.rows if row not in dropped]
            for row in dropped:
                row.dispose()
                del self._row_of[row.future]
                del self._finished_at[row]

    @observe("max_finished, finished_lifetime", post_init=True)
    def _retention_changed(self, event: Any) -> None:
        self.refresh()

    @observe("rows.items.cancellable, cancel_all_skips")
    def _update_any_cancellable(self, event: Any) -> None:
        skips = self.cancel_all_skips
        self.any_cancellable = any(
            row.cancellable and not (skips is not None and skips(row.future)) for row in self.rows
        )

    @observe("cancel_all")
    def _cancel_all_clicked(self, event: Any) -> None:
        # The executors' own: jobs submitted with cancel_on_abort=False (an
        # interlock watch, a logger) run on.
        cancelled: list[BaseFuture] = []
        for executor in list(self._followed):
            cancelled.extend(executor.cancel_all())
        self.cancelled = cancelled

    @observe("reporter.last_message")
    def _update_status(self, event: Any) -> None:
        self.status = self.reporter.last_message if self.reporter is not None else ""

    # -- the refresh timer ----------------------------------------------------

    def _view_opened(self) -> None:
        self._open_views += 1
        self.refresh()

    def _view_closed(self) -> None:
        self._open_views = max(0, self._open_views - 1)
        self._update_timer()

    def _update_timer(self) -> None:
        wanted = (
            not self._disposed and self._open_views > 0 and any(not row.done for row in self.rows)
        )
        timer = self._timer
        if wanted and timer is None:
            # One timer for the panel's life: dropping it from inside its own
            # timeout would delete the QTimer while it is emitting.
            timer = self._timer = QtCore.QTimer()
            timer.setInterval(REFRESH_INTERVAL_MS)
            timer.timeout.connect(self._tick)
        if timer is not None and wanted != timer.isActive():
            if wanted:
                timer.start()
            else:
                timer.stop()
        self._refreshing = wanted

    def _tick(self) -> None:
        try:
            self.refresh()
        except Exception:
            logger.exception("Refreshing %r failed", self)

    def _get_refreshing(self) -> bool:
        return self._refreshing


def _check_where(where: Any, caller: str) -> None:
    """Raise TypeError naming ``caller`` unless ``where`` is a str."""
    if not isinstance(where, str):
        msg = f"{caller} expected where= to be a str such as 'process', got {where!r}"
        raise TypeError(msg)
