# SPDX-License-Identifier: BSD-3-Clause
"""pytest fixtures for code that uses traits_jobs.

Registered through the ``pytest11`` entry point, so installing traits_jobs
makes the fixtures available:

``qt_executor``
    A :class:`~traits_jobs.api.TraitsExecutor` delivering on the Qt event
    loop (needs pytest-qt; the ``qtbot`` fixture makes the QApplication).
``asyncio_executor``
    The same on a fresh asyncio loop.
``manual_executor``
    The same on a fresh :class:`~traits_jobs.api.ManualEventLoop`: nothing
    is delivered until the test runs the loop (``run_until``,
    ``exercise_event_loop``, ``future.wait()``), and timeouts and settle
    times follow its virtual clock, which moves only with
    ``executor.event_loop.advance(seconds)``.
``traits_jobs_errors``
    The errors traits_jobs logged during the test; a test that provokes
    one on purpose takes it with ``traits_jobs_errors.take()``.

The executor fixtures shut the executor down after the test, check that no
worker thread is left behind, and fail the test if an observer of a future
raised (observer exceptions are re-raised into traits_jobs while the fixture
is active, which logs them).
"""

import logging
import threading
from collections.abc import Iterator

import pytest
from traits import api as traits_api
from traits.observation import api as observation_api

from traits_jobs.api import AsyncioEventLoop, IEventLoop, ManualEventLoop, TraitsExecutor
from traits_jobs.testing.assistant import SAFETY_TIMEOUT

_WORKER_PREFIX = "traits_jobs"


class ErrorRecorder(logging.Handler):
    """Keeps the error records the ``traits_jobs`` logger emits during a test."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[logging.LogRecord]:
        """Return the records so far and forget them."""
        records, self.records = self.records, []
        return records


@pytest.fixture
def traits_jobs_errors() -> Iterator[ErrorRecorder]:
    """Errors logged by traits_jobs during the test; any left over fail it.

    While active, exceptions raised by Traits observers propagate to
    traits_jobs (instead of being printed by Traits), which logs them.
    """
    recorder = ErrorRecorder()
    logger = logging.getLogger("traits_jobs")
    logger.addHandler(recorder)
    # Traits keeps one handler stack for on_trait_change and one for observe.
    traits_api.push_exception_handler(reraise_exceptions=True)  # type: ignore[attr-defined]
    observation_api.push_exception_handler(reraise_exceptions=True)  # type: ignore[attr-defined]
    try:
        yield recorder
    finally:
        observation_api.pop_exception_handler()  # type: ignore[attr-defined]
        traits_api.pop_exception_handler()  # type: ignore[attr-defined]
        logger.removeHandler(recorder)
    if recorder.records:
        record = recorder.records[0]
        detail = record.exc_info[1] if record.exc_info else None
        pytest.fail(
            f"{len(recorder.records)} error(s) logged by traits_jobs; first: "
            f"{record.getMessage()}: {detail!r}"
        )


def _managed_executor(event_loop: IEventLoop) -> Iterator[TraitsExecutor]:
    threads_before = set(threading.enumerate())
    executor = TraitsExecutor(event_loop=event_loop, max_workers=4)
    try:
        yield executor
    finally:
        try:
            executor.shutdown(timeout=SAFETY_TIMEOUT)
        finally:
            event_loop.close()
    left = [
        thread
        for thread in set(threading.enumerate()) - threads_before
        if thread.name.startswith(_WORKER_PREFIX)
    ]
    for thread in left:
        thread.join(SAFETY_TIMEOUT)
    alive = [thread.name for thread in left if thread.is_alive()]
    assert not alive, f"worker threads left running after shutdown: {alive}"


@pytest.fixture
def qt_executor(qtbot: object, traits_jobs_errors: ErrorRecorder) -> Iterator[TraitsExecutor]:
    """A TraitsExecutor on the Qt event loop, shut down after the test."""
    from traits_jobs.api import QtEventLoop

    yield from _managed_executor(QtEventLoop())


@pytest.fixture
def asyncio_executor(traits_jobs_errors: ErrorRecorder) -> Iterator[TraitsExecutor]:
    """A TraitsExecutor on a fresh asyncio event loop, shut down after the test."""
    yield from _managed_executor(AsyncioEventLoop())


@pytest.fixture
def manual_executor(traits_jobs_errors: ErrorRecorder) -> Iterator[TraitsExecutor]:
    """A TraitsExecutor on a fresh ManualEventLoop, shut down after the test.

    The loop runs only when the test runs it, and its clock is virtual:
    ``manual_executor.event_loop.advance(seconds)`` runs the timers of
    timeouts and settle times that come due.
    """
    yield from _managed_executor(ManualEventLoop())
