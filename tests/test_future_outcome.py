# SPDX-License-Identifier: BSD-3-Clause
"""Reading a future's outcome: each accessor raises its own error, however often it is read."""

import pytest

from tests._support import wait_done
from traits_jobs.api import submit_call


def fail() -> None:
    raise ZeroDivisionError("on purpose")


def test_result_of_a_failed_job_raises_each_time_and_the_error_stays_readable(executor):
    """AttributeError from result never hides exception, error or later results."""
    failed = submit_call(executor, fail)
    wait_done(executor, failed)
    for _ in range(2):
        with pytest.raises(AttributeError, match="No result available: the job is failed"):
            failed.result
        assert failed.exception[0] == "ZeroDivisionError"
    succeeded = submit_call(executor, abs, -1)
    wait_done(executor, succeeded)
    assert succeeded.result == 1
    with pytest.raises(AttributeError, match="No exception available: the job is completed"):
        succeeded.exception


def test_failure_reads_the_error_without_marking_it_retrieved(executor):
    """failure gives the error triple and leaves error_retrieved False; exception sets it."""
    failed = submit_call(executor, fail)
    wait_done(executor, failed)
    assert failed.failure is not None
    assert failed.failure[:2] == ("ZeroDivisionError", "on purpose")
    assert not failed.error_retrieved
    failed.exception
    assert failed.error_retrieved
    assert failed.started_at is not None


def test_failure_and_started_at_of_a_completed_job(executor):
    """A completed job has no failure and a start time."""
    future = submit_call(executor, abs, -1)
    assert future.failure is None
    wait_done(executor, future)
    assert future.failure is None
    assert isinstance(future.started_at, float)
