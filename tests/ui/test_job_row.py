# SPDX-License-Identifier: BSD-3-Clause
"""JobRow: the view model every UI component shows a future through."""

import logging
import threading

import pytest

from tests._support import wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    WAITING,
    report_progress,
    submit_call,
    submit_iteration,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.ui.api import JobRow


def held(started, release, value=None):
    started.set()
    release.wait(SAFETY_TIMEOUT)
    return value


def reporting(reported, release):
    report_progress(3, initial=1, target=5, message="moving")
    reported.set()
    release.wait(SAFETY_TIMEOUT)
    return "arrived"


def test_row_names_the_job_and_its_kind(executor):
    """A named job keeps its name; an unnamed one gets its kind and a number."""
    named = JobRow(submit_call(executor, pow, 2, 2, name="square"))
    anonymous = JobRow(submit_iteration(executor, range, 3))
    assert (named.name, named.kind) == ("square", "call")
    assert anonymous.kind == "iteration"
    assert anonymous.name.startswith("iteration #")
    wait_done(executor, named.future)
    wait_done(executor, anonymous.future)


def test_row_says_where_the_job_runs_only_when_told(executor):
    """where is empty unless whoever makes the row gives it."""
    future = submit_call(executor, pow, 2, 2)
    assert JobRow(future).where == ""
    assert JobRow(future, where="process").where == "process"
    wait_done(executor, future)


def test_row_follows_state_and_structured_progress(executor):
    """state, cancellable, fraction and message follow the future; completion shows 1."""
    reported, release = threading.Event(), threading.Event()
    row = JobRow(submit_call(executor, reporting, reported, release))
    assert row.state == WAITING and row.cancellable and row.fraction is None
    wait_event(reported)
    wait_for(executor, row, "fraction", lambda r: r.fraction is not None)
    assert row.state == EXECUTING
    assert row.fraction == pytest.approx(0.5)
    assert row.message == "moving"
    release.set()
    wait_done(executor, row.future)
    assert (row.state, row.done, row.cancellable) == (COMPLETED, True, False)
    assert row.fraction == 1.0
    assert row.end_reason == COMPLETED


def test_row_reads_done_total_pairs_of_progress_jobs(executor, caplog):
    """(done, total) reports give a fraction; one outside 0..1 is clamped and logged."""

    def counting(progress):
        progress((1, 4))
        progress((6, 4))

    row = JobRow(submit_progress(executor, counting))
    seen = []
    row.observe(lambda e: seen.append(e.new), "fraction")
    with caplog.at_level(logging.WARNING, logger="traits_jobs.ui"):
        wait_done(executor, row.future)
    assert seen and all(0.0 <= f <= 1.0 for f in seen)
    assert row.message == "6 of 4"
    assert "outside 0..1" in caplog.text


def test_row_counts_the_items_of_an_iteration(executor):
    """An iteration job's message counts the items it produced."""
    row = JobRow(submit_iteration(executor, range, 5))
    wait_done(executor, row.future)
    assert (row.items, row.message) == (5, "5 items")
    assert row.fraction == 1.0


def test_row_shows_why_a_job_failed(executor):
    """A failed job's error_message is its type and message."""
    row = JobRow(submit_call(executor, int, "not a number"))
    wait_done(executor, row.future)
    assert row.state == FAILED
    assert row.error_message.startswith("ValueError: invalid literal")
    assert row.end_reason == FAILED


def test_cancel_button_cancels_and_elapsed_freezes(executor):
    """The row's cancel button cancels; elapsed stops growing once the job ended."""
    started, release = threading.Event(), threading.Event()
    row = JobRow(submit_call(executor, held, started, release))
    wait_event(started)
    wait_for(executor, row, "state", lambda r: r.state == EXECUTING)
    started_at = row.future._started_at
    row.refresh(now=started_at + 2.5)
    assert row.elapsed == pytest.approx(2.5)
    row.cancel_button = True
    assert not row.cancellable
    release.set()
    wait_done(executor, row.future)
    assert row.state == CANCELLED
    frozen = row.elapsed
    row.refresh(now=started_at + 1000.0)
    assert row.elapsed == frozen < 1000.0


def test_a_row_made_for_a_finished_job_shows_how_it_ended(executor):
    """A row made after the job ended shows its final state at once."""
    future = submit_call(executor, pow, 3, 2)
    wait_done(executor, future)
    row = JobRow(future)
    assert (row.state, row.done, row.fraction, row.end_reason) == (COMPLETED, True, 1.0, COMPLETED)


def test_dispose_stops_following(executor):
    """After dispose() the row no longer changes with the future."""
    started, release = threading.Event(), threading.Event()
    row = JobRow(submit_call(executor, held, started, release))
    row.dispose()
    release.set()
    wait_done(executor, row.future)
    assert row.state == WAITING and not row.done


def test_row_of_something_else_is_a_type_error():
    """JobRow() names what it expected and what it got."""
    with pytest.raises(TypeError, match=r"JobRow\(\) expected a traits_jobs future.*got str"):
        JobRow("scan")
