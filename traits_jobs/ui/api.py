# SPDX-License-Identifier: BSD-3-Clause
"""The public API of traits_jobs' user-interface components (TraitsUI and Qt).

Views of futures
- :class:`JobRow`: a view model of one future (name, kind, state, fraction
  done, message, elapsed time, error) for any view
- :class:`JobProgressEditor`: a TraitsUI editor showing a future's progress
  inline in any view
- :class:`JobOutcomeEditor`: a job's state or end reason as an icon and a
  word in its colour
- :class:`JobProgressDialog`, :func:`show_progress_dialog`: a window bound to
  one future, with a cancel button; it closes itself when the job is done

Views of an executor
- :class:`JobsPanel`: one row per live or recent job, with a progress bar
  and a cancel button each, and "cancel all"
- :class:`FailureReporter`: reports the failed jobs whose error nobody read
- :class:`JobsTimeline`: a live Gantt view of the jobs, one lane each,
  coloured by outcome, with waits hatched and preemptions as arrows

Plain Qt widgets
- :func:`bind_cancel_button`, :func:`bind_progress_bar`, :class:`Binding`

Closing a window while jobs run
- :func:`confirm_close`, :class:`ExecutorCloseHandler`
"""

from traits_jobs.ui.bindings import Binding, bind_cancel_button, bind_progress_bar
from traits_jobs.ui.closing import ExecutorCloseHandler, confirm_close
from traits_jobs.ui.failures import FailureReporter
from traits_jobs.ui.job_look import JobOutcomeEditor
from traits_jobs.ui.job_row import JobRow
from traits_jobs.ui.jobs_panel import JobsPanel
from traits_jobs.ui.jobs_timeline import JobsTimeline
from traits_jobs.ui.progress_dialog import JobProgressDialog, show_progress_dialog
from traits_jobs.ui.progress_editor import JobProgressEditor

__all__ = [
    "Binding",
    "ExecutorCloseHandler",
    "FailureReporter",
    "JobOutcomeEditor",
    "JobProgressDialog",
    "JobProgressEditor",
    "JobRow",
    "JobsPanel",
    "JobsTimeline",
    "bind_cancel_button",
    "bind_progress_bar",
    "confirm_close",
    "show_progress_dialog",
]
