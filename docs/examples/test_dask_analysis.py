# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the Dask example of the "Run jobs in processes or on a Dask cluster" guide.

One in-process LocalCluster of two worker threads serves the module (the
faults that need worker processes are tested in ``tests/test_dask.py``).
Workers are held at known points with the context's events; no test sleeps.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import pytest

distributed = pytest.importorskip("distributed")

from process_analysis import Analysis, each_fit  # noqa: E402

from traits_jobs.api import (  # noqa: E402
    CANCELLED,
    COMPLETED,
    DaskContext,
    ManualEventLoop,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)
from traits_jobs.testing import SAFETY_TIMEOUT  # noqa: E402

#: A cluster takes a while to start: each wait may take this long.
DASK_TIMEOUT = 3 * SAFETY_TIMEOUT

CHANNELS = 60


def hold(event):
    """A job that keeps its worker until ``event``, a ``context.event()``, is set."""
    return event.wait(DASK_TIMEOUT)


@pytest.fixture(scope="module")
def context():
    context = DaskContext(processes=False, n_workers=2)
    yield context
    context.close()


@pytest.fixture(scope="module")
def executor(context):
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    yield executor
    executor.shutdown(timeout=DASK_TIMEOUT)


def run_until(executor, condition):
    assert executor.event_loop.run_until(condition, DASK_TIMEOUT), "timed out"


def test_the_analysis_runs_on_the_cluster(executor):
    """The same Analysis as with processes: progress adds up, every peak is found."""
    analysis = Analysis(executor=executor)
    batch = analysis.start(list(range(4)), CHANNELS, shares=2)
    run_until(executor, lambda: batch.done)
    assert batch.state == COMPLETED
    assert analysis.spectra_done == 4
    assert all(fit.centre == fit.true_centre for fit in analysis.fits)


def test_a_closure_runs_on_the_cluster(executor):
    """cloudpickle takes the closure, which processes would refuse."""
    first = 5
    stream = submit_iteration(executor, lambda: each_fit([first, first + 1], CHANNELS))
    fits = []
    stream.observe(lambda event: fits.append(event.new.seed), "result_event")
    run_until(executor, lambda: stream.done)
    assert fits == [5, 6]


def test_a_queued_job_cancelled_never_runs(executor, context):
    """With both workers busy, a cancelled job ends CANCELLED once the scheduler confirms."""
    release, ran = context.event(), context.event()
    holders = [submit_call(executor, hold, release) for _ in range(2)]
    run_until(executor, lambda: all(holder.state == "executing" for holder in holders))
    queued = submit_call(executor, hold, ran)
    assert queued.cancel()
    run_until(executor, lambda: queued.done)
    assert queued.state == CANCELLED
    release.set()
    run_until(executor, lambda: all(holder.done for holder in holders))
    assert not ran.is_set()
