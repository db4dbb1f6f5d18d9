# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the example of the "Run jobs in processes" guide.

One pool of two worker processes serves the module: each worker starts
once. The workers import the jobs' modules, ``process_analysis`` and this
one, from the directory pytest put on ``sys.path``, which spawned processes
inherit. Workers are held at known points with events of the context; no
test sleeps.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import threading

import pytest
from process_analysis import Analysis, Fit, each_fit, fit_spectra

from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    WAITING,
    JobPicklingError,
    ManualEventLoop,
    MultiprocessingContext,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT

#: Worker processes take a while to start: each wait may take this long.
PROCESS_TIMEOUT = 3 * SAFETY_TIMEOUT

#: Small spectra keep each fit to a few milliseconds.
CHANNELS = 60


def hold(event):
    """A job that keeps its worker until ``event``, a ``context.event()``, is set."""
    return event.wait(PROCESS_TIMEOUT)


@pytest.fixture(scope="module")
def context():
    context = MultiprocessingContext()
    yield context
    context.close()


@pytest.fixture(scope="module")
def executor(context):
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context, max_workers=2)
    yield executor
    executor.shutdown(timeout=PROCESS_TIMEOUT)


def run_until(executor, condition):
    assert executor.event_loop.run_until(condition, PROCESS_TIMEOUT), "timed out"


def test_the_analysis_finds_every_peak(executor):
    """Two jobs share the spectra; their progress adds up, and the fits come back in order."""
    analysis = Analysis(executor=executor)
    batch = analysis.start(list(range(6)), CHANNELS, shares=2)
    run_until(executor, lambda: batch.done)
    assert batch.state == COMPLETED
    assert analysis.spectra_done == 6
    assert [fit.seed for fit in analysis.fits] == list(range(6))
    assert all(isinstance(fit, Fit) for fit in analysis.fits)
    assert all(fit.centre == fit.true_centre for fit in analysis.fits)
    assert [job.progress_info.fraction_done for job in analysis.jobs] == [1.0, 1.0]


def test_fits_arrive_one_by_one_in_order(executor):
    """Each fit of an iteration crosses to the main thread as a result_event."""
    fits, threads = [], set()

    def received(event):
        fits.append(event.new)
        threads.add(threading.current_thread())

    stream = submit_iteration(executor, each_fit, [3, 1, 2], CHANNELS)
    stream.observe(received, "result_event")
    run_until(executor, lambda: stream.done)
    assert [fit.seed for fit in fits] == [3, 1, 2]
    assert threads == {threading.main_thread()}


def test_a_function_the_workers_cannot_import_is_refused_at_submit(executor):
    """A lambda does not pickle: submit raises JobPicklingError, a TypeError."""
    with pytest.raises(JobPicklingError, match="importable"):
        submit_call(executor, lambda: fit_spectra([1], CHANNELS))


def test_a_paused_iteration_keeps_its_worker(executor, context):
    """While the stream is paused, a queued job waits for the other worker."""
    releases = [context.event(), context.event()]
    holders = [submit_call(executor, hold, release) for release in releases]
    stream = submit_iteration(executor, each_fit, [4, 5], CHANNELS)
    assert stream.pause()  # Before it starts: it parks before its first fit.
    fits = []
    stream.observe(lambda event: fits.append(event.new), "result_event")

    releases[0].set()
    run_until(executor, lambda: stream.paused)
    queued = submit_call(executor, fit_spectra, [6], CHANNELS)
    run_until(executor, lambda: holders[0].done)
    assert queued.state == WAITING  # One worker holds, the other keeps the stream.
    assert fits == []

    stream.resume()
    run_until(executor, lambda: stream.done and queued.done)
    assert [fit.seed for fit in fits] == [4, 5]
    assert [fit.seed for fit in queued.result] == [6]
    releases[1].set()
    run_until(executor, lambda: holders[1].done)


def test_a_queued_job_cancelled_never_runs(executor, context):
    """With both workers busy, cancel() takes the job back from the pool at once."""
    release = context.event()
    holders = [submit_call(executor, hold, release) for _ in range(2)]
    queued = submit_call(executor, fit_spectra, [7], CHANNELS)
    assert queued.cancel()
    assert queued.state == CANCELLED
    release.set()
    run_until(executor, lambda: all(holder.done for holder in holders))
    assert [holder.result for holder in holders] == [True, True]
