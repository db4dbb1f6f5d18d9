# SPDX-License-Identifier: BSD-3-Clause
"""Closing a window while jobs run: :func:`confirm_close`, :class:`ExecutorCloseHandler`.

Closing never blocks the GUI: the executor is stopped with
:meth:`~traits_jobs.api.TraitsExecutor.stop`, which cancels every job and
returns at once. The executor finishes stopping on its own as the jobs end;
their last messages go to their futures only.
"""

from typing import Any

from traits.api import Instance
from traitsui.api import Handler, UIInfo

from traits_jobs._qt import QtWidgets
from traits_jobs.api import TraitsExecutor
from traits_jobs.ui.failures import check_executor

#: Text of the button that cancels the jobs and lets the window close.
CANCEL_AND_CLOSE = "Cancel jobs and close"

#: Text of the button that keeps the window (and the jobs) alive.
KEEP_RUNNING = "Keep running"


def live_job_count(executor: TraitsExecutor) -> int:
    """How many of the executor's jobs have not ended. Main thread only."""
    return sum(not future.done for future in executor.jobs)


def confirm_close(executor: TraitsExecutor, parent: Any = None) -> bool:
    """Ask whether to cancel the running jobs and close; True to close. Main thread only.

    With live jobs, a modal message box asks "N jobs are still running."
    with the buttons "Cancel jobs and close" and "Keep running" (the default,
    also chosen by Escape). On "Cancel jobs and close" the executor is
    stopped (non-blocking) and True is returned. With no live jobs the
    executor is stopped without asking, if it is still running.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor whose jobs would be cancelled.
    parent : QWidget, optional
        The window the question belongs to.

    Returns
    -------
    bool
        True if the window may close, False to keep it open.

    Raises
    ------
    TypeError
        If ``executor`` is not a TraitsExecutor.
    """
    check_executor(executor, "confirm_close()")
    count = live_job_count(executor)
    if count and executor.running:
        box = QtWidgets.QMessageBox(parent)
        box.setIcon(QtWidgets.QMessageBox.Icon.Question)
        box.setWindowTitle("Jobs are running")
        noun = "job is" if count == 1 else "jobs are"
        box.setText(f"{count} {noun} still running.")
        box.setInformativeText("Closing cancels them.")
        close = box.addButton(CANCEL_AND_CLOSE, QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(KEEP_RUNNING, QtWidgets.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)
        try:
            box.exec()
            answer = box.clickedButton()
        finally:
            box.deleteLater()
        if answer is not close:
            return False
    if executor.running:
        executor.stop()
    return True


class ExecutorCloseHandler(Handler):
    """A TraitsUI handler that asks before closing a window with running jobs.

    Use it as a View's handler; closing the window calls
    :func:`confirm_close` on :attr:`executor` (no executor: it just closes).
    """

    #: The executor whose jobs the window's closing would cancel.
    executor = Instance(TraitsExecutor)

    def close(self, info: UIInfo, is_ok: bool) -> bool:
        """Return whether the window may close, asking if jobs are running."""
        if self.executor is None:
            return True
        ui = info.ui
        parent = ui.control if ui is not None else None
        return confirm_close(self.executor, parent)
