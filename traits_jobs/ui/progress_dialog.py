# SPDX-License-Identifier: BSD-3-Clause
"""A non-modal window showing one job: :class:`JobProgressDialog`.

The window shows the job's message, a progress bar and a Cancel button that
is enabled exactly while the job can be cancelled. It closes itself when the
job completes or is cancelled. When the job fails it stays open with the
error, and a Close button replaces Cancel, so that the user sees why.
"""

from typing import Any

from traits.api import Any as AnyTrait
from traits.api import Button, HasStrictTraits, Instance, Str, observe
from traitsui.api import UI, HGroup, Item, View, spring

from traits_jobs._qt import QtCore
from traits_jobs.api import CANCELLED, COMPLETED, BaseFuture
from traits_jobs.ui.job_row import JobRow, check_future
from traits_jobs.ui.progress_editor import JobProgressEditor


class JobProgressDialog(HasStrictTraits):
    """A window bound to one future: message, progress bar, Cancel. Main thread only.

    Parameters
    ----------
    future : BaseFuture
        The job to show.
    title : str, optional
        The window title; the job's name by default.
    parent : QWidget, optional
        The window's parent.

    Raises
    ------
    TypeError
        If ``future`` is not a traits_jobs future.
    """

    #: The job shown.
    future = Instance(BaseFuture, allow_none=False)

    #: The window title.
    title = Str()

    #: The view model of the job shown in the window; None once closed.
    row = Instance(JobRow)

    #: Closes the window; shown once the job has ended (it failed).
    close_button = Button("Close")

    #: The job's name, kept for the row made when the dialog opens again.
    _job_name = Str()

    #: The open window, or None.
    ui = Instance(UI)

    #: The parent widget of the window, or None.
    parent = AnyTrait()

    def __init__(
        self, future: BaseFuture, title: str | None = None, parent: Any = None, **traits: Any
    ) -> None:
        check_future(future, "JobProgressDialog()")
        row = JobRow(future)
        super().__init__(
            future=future,
            row=row,
            title=row.name if title is None else title,
            parent=parent,
            _job_name=row.name,
            **traits,
        )

    @property
    def is_open(self) -> bool:
        """Whether the window is showing."""
        return self.ui is not None

    def open(self) -> "JobProgressDialog":
        """Show the window, unless the job already completed or was cancelled.

        Idempotent: an open window stays as it is. A failed job's window
        opens with the error.

        Returns
        -------
        JobProgressDialog
            This dialog.
        """
        if self.ui is not None:
            return self
        if self.row is None:
            self.row = JobRow(self.future, name=self._job_name)
        if self.row.state in (COMPLETED, CANCELLED):
            return self
        ui = self.edit_traits(
            view=self._make_view(),
            parent=self.parent,
            kind="live",
            context={"object": self, "row": self.row},
        )
        ui.observe(self._ui_destroyed, "destroyed")
        self.ui = ui
        return self

    def close(self) -> None:
        """Close the window and stop following the job. Idempotent."""
        ui, self.ui = self.ui, None
        if ui is not None:
            ui.observe(self._ui_destroyed, "destroyed", remove=True)
            ui.dispose()
        if self.row is not None:
            self.row.dispose()
            self.row = None

    def _make_view(self) -> View:
        return View(
            Item("message", object="row", style="readonly", show_label=False),
            Item("future", editor=JobProgressEditor(show_message=False), show_label=False),
            Item(
                "error_message",
                object="row",
                style="readonly",
                show_label=False,
                visible_when="row.error_message != ''",
            ),
            HGroup(
                spring,
                Item(
                    "cancel_button",
                    object="row",
                    show_label=False,
                    enabled_when="row.cancellable",
                    visible_when="not row.done",
                ),
                Item("close_button", show_label=False, visible_when="row.done"),
            ),
            title=self.title,
            kind="live",
            resizable=True,
            width=360,
            buttons=[],
        )

    @observe("row:done")
    def _job_ended(self, event: Any) -> None:
        if event.new and self.future.state in (COMPLETED, CANCELLED):
            # Later, not now: the window's own editors are mid-update for this change.
            QtCore.QTimer.singleShot(0, self._close_if_ended)

    def _close_if_ended(self) -> None:
        if self.ui is not None and self.future.state in (COMPLETED, CANCELLED):
            self.close()

    @observe("close_button")
    def _close_clicked(self, event: Any) -> None:
        # Later, not now: the button being clicked belongs to the window.
        QtCore.QTimer.singleShot(0, self.close)

    def _ui_destroyed(self, event: Any) -> None:
        # The user closed the window.
        if event.new and event.object is self.ui:
            self.ui = None


def show_progress_dialog(
    future: BaseFuture, title: str | None = None, parent: Any = None
) -> JobProgressDialog:
    """Open a :class:`JobProgressDialog` on ``future`` and return it. Main thread only.

    Parameters
    ----------
    future : BaseFuture
        The job to show.
    title : str, optional
        The window title; the job's name by default.
    parent : QWidget, optional
        The window's parent.

    Returns
    -------
    JobProgressDialog
        The dialog; not shown if the job already completed or was cancelled.

    Raises
    ------
    TypeError
        If ``future`` is not a traits_jobs future.
    """
    return JobProgressDialog(future, title=title, parent=parent).open()
