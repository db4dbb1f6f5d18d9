# SPDX-License-Identifier: BSD-3-Clause
"""What contexts give jobs and the executor: events, cancel flags, a way onto the pool."""

import concurrent.futures
import threading

from traits_jobs.api import IParallelContext, MultithreadingContext
from traits_jobs.contexts.thread_pool import WorkerThreadPool
from traits_jobs.testing import SAFETY_TIMEOUT


def test_event_behaves_as_a_threading_event():
    """context.event() has set, is_set, clear and wait(timeout), as in traits-futures."""
    event = MultithreadingContext().event()
    assert event.wait(0.01) is False
    event.set()
    assert event.is_set()
    assert event.wait(0.01) is True
    event.clear()
    assert not event.is_set()


def test_event_wakes_a_waiting_thread():
    """A job waiting on a context event wakes when the main thread sets it."""
    event = MultithreadingContext().event()
    woke = []
    thread = threading.Thread(target=lambda: woke.append(event.wait(SAFETY_TIMEOUT)))
    thread.start()
    event.set()
    thread.join(SAFETY_TIMEOUT)
    assert woke == [True]


class Recorded:
    """A pool job that records its runs and its pool failures."""

    job_id = 7

    def __init__(self) -> None:
        self.ran = threading.Event()
        self.failures: list[BaseException] = []

    def __call__(self) -> None:
        self.ran.set()

    def pool_failed(self, error: BaseException) -> None:
        self.failures.append(error)


class EventsOnlyContext(MultithreadingContext):
    """A context of its own that overrides only traits-futures' methods."""

    cancel_flag = IParallelContext.cancel_flag
    submit_job = IParallelContext.submit_job


def test_default_cancel_flag_is_an_event():
    """A context without its own cancel_flag() gives the executor one of its events."""
    assert isinstance(EventsOnlyContext().cancel_flag(), threading.Event)


def test_default_submit_job_goes_through_the_pool_future():
    """The default submit_job() runs the job through pool.submit and can withdraw it."""
    job = Recorded()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        withdraw = EventsOnlyContext().submit_job(pool, job)
        assert job.ran.wait(SAFETY_TIMEOUT)
    assert withdraw(job) is False
    assert job.failures == []


def test_default_submit_job_reports_a_pool_failure():
    """A job the pool fails (here: raising out of the pool) reaches pool_failed."""

    class Exploding(Recorded):
        def __call__(self) -> None:
            raise OSError("broken pool")

    job = Exploding()
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        EventsOnlyContext().submit_job(pool, job)
    assert [str(error) for error in job.failures] == ["broken pool"]


def test_thread_context_withdraws_from_its_own_pool():
    """MultithreadingContext queues on a WorkerThreadPool without a Future, withdrawable."""
    context = MultithreadingContext()
    pool = context.worker_pool(max_workers=1)
    assert isinstance(pool, WorkerThreadPool)
    release, started = threading.Event(), threading.Event()

    class Blocking(Recorded):
        def __call__(self) -> None:
            started.set()
            release.wait(SAFETY_TIMEOUT)

    context.submit_job(pool, Blocking())
    assert started.wait(SAFETY_TIMEOUT)
    queued = Recorded()
    withdraw = context.submit_job(pool, queued)
    assert withdraw(queued) is True
    release.set()
    pool.shutdown(wait=True)
    assert not queued.ran.is_set()
