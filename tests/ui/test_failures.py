# SPDX-License-Identifier: BSD-3-Clause
"""FailureReporter: failed jobs whose error nobody read are reported once."""

import pytest

from tests._support import wait_done
from traits_jobs.api import FAILED, submit_call
from traits_jobs.testing import exercise_event_loop
from traits_jobs.ui.failures import FailureReporter


def fail(message):
    raise ValueError(message)


def test_unread_failure_is_reported_once(qtbot, qt_executor, traits_jobs_errors):
    """An unobserved failure is logged with its traceback and listed in messages."""
    reporter = FailureReporter(qt_executor)
    future = submit_call(qt_executor, fail, "bad value", name="scan")
    wait_done(qt_executor, future)
    qtbot.waitUntil(lambda: bool(reporter.messages), timeout=10_000)
    assert reporter.messages == ["job 'scan' failed: ValueError: bad value"]
    assert reporter.last_message == "job 'scan' failed: ValueError: bad value"
    (record,) = traits_jobs_errors.take()
    assert record.name.startswith("traits_jobs.ui.")
    assert "job 'scan' failed" in record.getMessage()
    assert "Traceback" in record.getMessage() and "bad value" in record.getMessage()
    # A later failure's report means every earlier check has run.
    submit_call(qt_executor, fail, "again", name="later")
    qtbot.waitUntil(lambda: len(reporter.messages) == 2, timeout=10_000)
    assert reporter.messages[0] == "job 'scan' failed: ValueError: bad value"
    traits_jobs_errors.take()
    reporter.dispose()


def test_failure_read_by_an_observer_is_not_reported(qtbot, qt_executor, traits_jobs_errors):
    """A failure whose error an observer of the future read is not reported."""
    reporter = FailureReporter(qt_executor, report=lambda f: None)
    future = submit_call(qt_executor, fail, "seen", name="watched")
    seen = []
    future.observe(lambda event: seen.append(future.error) if event.new else None, "done")
    wait_done(qt_executor, future)
    submit_call(qt_executor, fail, "unseen", name="sentinel")
    qtbot.waitUntil(lambda: bool(reporter.messages), timeout=10_000)
    assert reporter.messages == ["job 'sentinel' failed: ValueError: unseen"]
    assert isinstance(seen[0], ValueError)
    reporter.dispose()


def test_failure_read_in_a_done_callback_is_not_reported(qtbot, qt_executor):
    """A done callback added after the reporter's still counts: the check waits for it."""
    reporter = FailureReporter(qt_executor, report=lambda f: None)
    future = submit_call(qt_executor, fail, "handled", name="handled")
    future.add_done_callback(lambda f: f.exception)
    wait_done(qt_executor, future)
    submit_call(qt_executor, fail, "unseen", name="sentinel")
    qtbot.waitUntil(lambda: bool(reporter.messages), timeout=10_000)
    assert reporter.messages == ["job 'sentinel' failed: ValueError: unseen"]
    reporter.dispose()


def test_report_callable_gets_the_future(qtbot, qt_executor):
    """A report callable replaces the log; the failure is still listed in messages."""
    reported = []
    reporter = FailureReporter(qt_executor, report=reported.append)
    future = submit_call(qt_executor, fail, "oops")
    qtbot.waitUntil(lambda: bool(reported), timeout=10_000)
    assert reported == [future] and future.state == FAILED
    assert reporter.messages == ["a call job failed: ValueError: oops"]
    reporter.dispose()


def test_failing_report_callable_is_logged_and_the_next_is_reported(
    qtbot, qt_executor, traits_jobs_errors
):
    """A report callable that raises is logged; later failures are still reported."""
    calls = []

    def report(future):
        calls.append(future.name)
        if len(calls) == 1:
            raise RuntimeError("report broke")

    reporter = FailureReporter(qt_executor, report=report)
    wait_done(qt_executor, submit_call(qt_executor, fail, "one", name="first"))
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10_000)
    wait_done(qt_executor, submit_call(qt_executor, fail, "two", name="second"))
    qtbot.waitUntil(lambda: len(calls) == 2, timeout=10_000)
    assert calls == ["first", "second"]
    assert reporter.messages == [
        "job 'first' failed: ValueError: one",
        "job 'second' failed: ValueError: two",
    ]
    (record,) = traits_jobs_errors.take()
    assert "report callable" in record.getMessage()
    assert record.exc_info[0] is RuntimeError
    reporter.dispose()


def test_disabled_reporter_reports_nothing(qtbot, qt_executor):
    """enabled=False: failures end unreported; enabling again reports the next ones."""
    reporter = FailureReporter(qt_executor, enabled=False, report=lambda f: None)
    wait_done(qt_executor, submit_call(qt_executor, fail, "quiet", name="quiet"))
    reporter.enabled = True
    submit_call(qt_executor, fail, "loud", name="sentinel")
    qtbot.waitUntil(lambda: bool(reporter.messages), timeout=10_000)
    assert reporter.messages == ["job 'sentinel' failed: ValueError: loud"]
    reporter.dispose()


def test_jobs_live_before_the_reporter_are_watched(qtbot, qt_executor):
    """A job submitted before the reporter was made is reported too."""
    future = submit_call(qt_executor, fail, "early", name="early")
    reporter = FailureReporter(qt_executor, report=lambda f: None)
    wait_done(qt_executor, future)
    qtbot.waitUntil(lambda: bool(reporter.messages), timeout=10_000)
    assert reporter.messages == ["job 'early' failed: ValueError: early"]
    reporter.dispose()


def test_messages_are_bounded(qtbot, qt_executor):
    """Only the last 50 lines are kept."""
    reported = []
    reporter = FailureReporter(qt_executor, report=reported.append)
    for index in range(53):
        submit_call(qt_executor, fail, str(index), name=f"job{index}")
    qtbot.waitUntil(lambda: len(reported) == 53, timeout=10_000)
    assert len(reporter.messages) == 50
    expected = [f"job {f.name!r} failed: ValueError: {f.name[3:]}" for f in reported[3:]]
    assert reporter.messages == expected
    reporter.dispose()


def test_disposed_reporter_reports_nothing(qtbot, qt_executor):
    """After dispose() the reporter neither follows new jobs nor reports old ones."""
    reporter = FailureReporter(qt_executor, report=lambda f: None)
    pending = submit_call(qt_executor, fail, "late", name="pending")
    reporter.dispose()
    wait_done(qt_executor, pending)
    wait_done(qt_executor, submit_call(qt_executor, fail, "new", name="new"))
    # The executor's shutdown drains everything; nothing was recorded.
    qt_executor.shutdown(timeout=10)
    exercise_event_loop(qt_executor.event_loop)
    assert reporter.messages == []


@pytest.mark.parametrize("bad", [None, "executor", object()])
def test_reporter_needs_an_executor(bad):
    """Anything but a TraitsExecutor is refused with a TypeError naming it."""
    with pytest.raises(TypeError, match="FailureReporter\\(\\) expected a TraitsExecutor"):
        FailureReporter(bad)


def test_report_must_be_callable(qt_executor):
    """A report that is not callable is refused at construction."""
    with pytest.raises(TypeError, match="report must be a callable"):
        FailureReporter(qt_executor, report="log it")


def test_two_reporters_both_report_a_failure(qtbot, qt_executor, traits_jobs_errors):
    """Reporting a failure does not count as reading it: every reporter reports it."""
    first = FailureReporter(executor=qt_executor, report=lambda future: None)
    second = FailureReporter(executor=qt_executor, report=lambda future: None)
    try:
        future = submit_call(qt_executor, float, "12 mm", name="parse")
        qtbot.waitUntil(lambda: bool(first.last_message and second.last_message), timeout=10_000)
        assert first.last_message == second.last_message
        assert not future._error_retrieved
    finally:
        first.dispose()
        second.dispose()
