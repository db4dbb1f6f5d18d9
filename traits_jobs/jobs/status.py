# SPDX-License-Identifier: BSD-3-Clause
"""Structured progress: what a job reports about how far it has come.

Inside any job, ``report_progress(current, target=...)`` sends a report to
the job's future. Reports are coalesced while queued (the latest wins, the
last always arrives). On the main thread the future turns the latest into
an immutable :class:`ProgressInfo` in its ``progress_info`` trait, with the
fraction done and the time elapsed since the job started, and an estimate of
the time remaining when the job did not give one. ``watch_progress(fn)``
calls ``fn`` with the latest value at once, then with each new one.
"""

import dataclasses
from typing import Any

from traits_jobs.jobs.base_task import current_task
from traits_jobs.states.exceptions import JobStopRequested, TaskCancelled
from traits_jobs.states.messages import LatestKind

#: Message kind of a structured progress report; coalesced.
PROGRESS_INFO = LatestKind("traits_jobs.progress_info")


@dataclasses.dataclass(frozen=True, slots=True)
class ProgressReport:
    """One report as it travels from the worker. Internal."""

    current: float
    initial: float
    target: float
    message: str | None
    fraction: float | None
    time_remaining: float | None


@dataclasses.dataclass(frozen=True, slots=True)
class ProgressInfo:
    """How far a job has come, as its future shows it. Immutable.

    Attributes
    ----------
    current, initial, target : float
        Where the job is, where it started and where it is going, in the
        job's own units (a stage position, a frame count).
    message : str or None
        What the job is doing, in words.
    fraction_done : float
        From 0 (nothing done) to 1 (all done): the fraction *done*.
    time_elapsed : float
        Seconds since the job started executing.
    time_remaining : float or None
        Seconds left: as the job said, or estimated from the fraction done
        and the time elapsed; None while nothing can be estimated.
    """

    current: float
    initial: float
    target: float
    message: str | None
    fraction_done: float
    time_elapsed: float
    time_remaining: float | None

    @classmethod
    def from_report(cls, report: ProgressReport, time_elapsed: float) -> "ProgressInfo":
        """Complete a worker's report on the main thread."""
        if report.fraction is not None:
            fraction = report.fraction
        elif report.target != report.initial:
            fraction = (report.current - report.initial) / (report.target - report.initial)
        else:
            fraction = 1.0 if report.current == report.target else 0.0
        fraction = min(1.0, max(0.0, fraction))
        remaining = report.time_remaining
        if remaining is None and fraction > 0:
            remaining = time_elapsed * (1.0 - fraction) / fraction
        return cls(
            current=report.current,
            initial=report.initial,
            target=report.target,
            message=report.message,
            fraction_done=fraction,
            time_elapsed=time_elapsed,
            time_remaining=remaining,
        )


def _number(name: str, value: Any, *, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        kind = type(value).__name__
        msg = f"report_progress() expected a number for {name}, got {kind}: {value!r}"
        raise TypeError(msg)
    return float(value)


def report_progress(
    current: float,
    *,
    target: float,
    initial: float = 0.0,
    message: str | None = None,
    fraction: float | None = None,
    time_remaining: float | None = None,
) -> None:
    """Report the progress of the job this is called from. Any job kind.

    Parameters
    ----------
    current : float
        Where the job is now.
    target : float
        Where it is going.
    initial : float
        Where it started; 0 by default.
    message : str, optional
        What it is doing, in words.
    fraction : float, optional
        The fraction done, from 0 to 1, if the job knows it better than
        ``(current - initial) / (target - initial)``.
    time_remaining : float, optional
        Seconds left, if the job knows; otherwise the future estimates it.

    Raises
    ------
    TaskCancelled
        If the job was cancelled: let it propagate. (Not in a coroutine job,
        where a cancellation arrives as ``CancelledError`` at an ``await``.)
    JobStopRequested
        If the job was asked to stop (``future.stop()``): let it propagate
        too; the job then ends COMPLETED, "stopped". (Not in a coroutine job,
        which reads ``current_job().stop_requested``.)
    RuntimeError
        If called outside a job.
    TypeError, ValueError
        For a value of the wrong type, or a fraction outside 0..1.
    """
    task = current_task.get()
    if task is None:
        msg = "report_progress() must be called from inside a job run by a TraitsExecutor"
        raise RuntimeError(msg)
    checked_fraction = _number("fraction", fraction, allow_none=True)
    if checked_fraction is not None and not 0.0 <= checked_fraction <= 1.0:
        msg = f"report_progress() expected a fraction from 0 to 1, got {fraction!r}"
        raise ValueError(msg)
    if message is not None and not isinstance(message, str):
        msg = f"report_progress() expected a str message, got {type(message).__name__}"
        raise TypeError(msg)
    report = ProgressReport(
        current=_number("current", current),  # type: ignore[arg-type]
        initial=_number("initial", initial),  # type: ignore[arg-type]
        target=_number("target", target),  # type: ignore[arg-type]
        message=message,
        fraction=checked_fraction,
        time_remaining=_number("time_remaining", time_remaining, allow_none=True),
    )
    control = task._control
    if task.runs_on == "event loop":
        # A coroutine learns of its cancellation as CancelledError at its
        # next await, and of a stop from stop_requested: never from here.
        task.send(PROGRESS_INFO, report)
        return
    if control.is_set():
        msg = "The job was cancelled; stop reporting and let this exception propagate."
        raise TaskCancelled(msg)
    if control.stop_requested:
        msg = "The job was asked to stop; let this exception propagate."
        raise JobStopRequested(msg)
    task.send(PROGRESS_INFO, report)
