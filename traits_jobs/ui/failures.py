# SPDX-License-Identifier: BSD-3-Clause
"""Failures nobody looked at: :class:`FailureReporter`.

A job that fails in the background is easy to miss: its future holds the
error, but if no code reads it the user never hears of it. A
``FailureReporter`` follows one executor and reports every job that ended
FAILED whose error was never read (``exception``, ``error``, or ``wait()``
and ``await`` raising it), once the future's observers and done callbacks
had their turn.
"""

import logging
from collections.abc import Callable, Container
from typing import Any

from traits.api import Any as AnyTrait
from traits.api import Bool, HasStrictTraits, Instance, List, Str
from traits.api import Callable as CallableTrait

from traits_jobs.api import FAILED, BaseFuture, TraitsExecutor
from traits_jobs.ui.job_row import error_line, job_kind

logger = logging.getLogger(__name__)

#: How many messages :attr:`FailureReporter.messages` keeps.
MAX_MESSAGES = 50


def check_executor(executor: Any, where: str) -> TraitsExecutor:
    """Return ``executor`` if it is a TraitsExecutor; raise TypeError naming ``where``."""
    if not isinstance(executor, TraitsExecutor):
        msg = f"{where} expected a TraitsExecutor, got {type(executor).__name__}: {executor!r}"
        raise TypeError(msg)
    return executor


def check_added_executor(executor: Any, shown: Container, disposed: bool, owner: str) -> None:
    """Raise unless ``executor`` can be added to a view model showing ``shown``.

    ``owner`` names the view model ("JobsPanel", ...) in the message.

    Raises
    ------
    TypeError
        If ``executor`` is not a TraitsExecutor.
    ValueError
        If it is in ``shown`` already, or the view model was disposed.
    """
    check_executor(executor, f"{owner}.add_executor()")
    if disposed:
        msg = f"add_executor() was called on a disposed {owner}; make a new one instead."
        raise ValueError(msg)
    if executor in shown:
        msg = f"the {owner} shows the jobs of {executor!r} already; add each executor once"
        raise ValueError(msg)


def failure_message(future: BaseFuture) -> str:
    """One line about a failed job: ``"job 'scan' failed: ValueError: bad value"``.

    Reporting an error is not handling it: this does not mark the error as
    read, so every reporter of the executor reports it.
    """
    error = error_line(future)
    who = f"job {future.name!r}" if future.name is not None else f"a {job_kind(future)} job"
    return f"{who} failed: {error}"


class FailureReporter(HasStrictTraits):
    """Reports the failed jobs of an executor whose error nobody read.

    Main thread only. Each unread failure is reported once: to ``report`` if
    given, else logged at ERROR on a ``"traits_jobs.ui"`` logger with its
    traceback; in both cases a one-line message is appended to
    :attr:`messages` and set as :attr:`last_message`.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor whose jobs to watch; jobs already live are included.
    enabled : bool, optional
        False stops reporting (failures that end meanwhile are not reported).
    report : callable, optional
        Called as ``report(future)`` for each unread failure, instead of
        logging it. An exception it raises is logged and stops nothing.

    Raises
    ------
    TypeError
        If ``executor`` is not a TraitsExecutor or ``report`` not callable.
    """

    #: The executor whose failed jobs are reported.
    executor = Instance(TraitsExecutor, allow_none=False)

    #: Whether failures are reported.
    enabled = Bool(True)

    #: Called as ``report(future)`` for each unread failure; None logs it.
    report = CallableTrait(allow_none=True)

    #: One line per reported failure, oldest first; the last 50 are kept.
    messages = List(Str)

    #: The latest reported failure's line, for a status bar; empty until one.
    last_message = Str()

    #: Futures followed, so each gets one done callback.
    _followed = AnyTrait()

    #: Failed futures waiting for the check after the current delivery.
    _pending = AnyTrait()

    _disposed = Bool(False)

    def __init__(
        self,
        executor: Any = None,
        *,
        enabled: bool = True,
        report: Callable[[BaseFuture], object] | None = None,
        **traits: Any,
    ) -> None:
        check_executor(executor, "FailureReporter()")
        if report is not None and not callable(report):
            msg = f"report must be a callable or None, got {type(report).__name__}: {report!r}"
            raise TypeError(msg)
        super().__init__(executor=executor, enabled=enabled, report=report, **traits)
        self._followed = set()
        self._pending = []
        executor.observe(self._jobs_changed, "jobs")
        executor.observe(self._executor_stopped, "stopped")
        self._follow(executor.jobs)

    def dispose(self) -> None:
        """Stop following the executor; nothing more is reported. Main thread only."""
        if self._disposed:
            return
        self._disposed = True
        self.executor.observe(self._jobs_changed, "jobs", remove=True)
        self.executor.observe(self._executor_stopped, "stopped", remove=True)
        self._followed.clear()
        self._pending.clear()

    # -- following the executor ---------------------------------------------

    def _jobs_changed(self, event: Any) -> None:
        try:
            self._follow(event.new)
        except Exception:
            logger.exception("FailureReporter could not follow the jobs of %r", self.executor)

    def _follow(self, futures: list[BaseFuture]) -> None:
        for future in futures:
            if future not in self._followed:
                self._followed.add(future)
                future.add_done_callback(self._job_done)

    def _job_done(self, future: BaseFuture) -> None:
        self._followed.discard(future)
        if self._disposed or not self.enabled or future.state != FAILED:
            return
        self._pending.append(future)
        if len(self._pending) == 1:
            # Done callbacks added after ours, and code further up the
            # delivery, may still read the error: check once they have run.
            try:
                self.executor.event_loop.call_soon_threadsafe(self._check_pending)
            except RuntimeError:
                # The loop is closed: nothing further up can still read it.
                self._check_pending()

    def _executor_stopped(self, event: Any) -> None:
        # An executor that owns its loop closes it when it stops; a check
        # posted to it just before may never run.
        if event.new:
            self._check_pending()

    def _check_pending(self) -> None:
        pending, self._pending = self._pending, []
        if self._disposed:
            return
        for future in pending:
            if self.enabled and not future.error_retrieved:
                self._report(future)

    def _report(self, future: BaseFuture) -> None:
        line = failure_message(future)
        if self.report is not None:
            try:
                self.report(future)
            except Exception:
                logger.exception(
                    "The failure report callable %r raised for %r", self.report, future
                )
        else:
            traceback_text = (future.failure or ("", "", ""))[2]
            logger.error("%s\n%s", line, traceback_text.rstrip())
        self.messages = [*self.messages[-(MAX_MESSAGES - 1) :], line]
        self.last_message = line
