# SPDX-License-Identifier: BSD-3-Clause
"""Nothing outlives its job: futures, records, arguments and reports are released.

Each test drops its own references and collects garbage, then checks with
weak references (or by counting live objects) that the executor kept
nothing. They run on every event loop (the ``executor`` fixture).
"""

import collections
import gc
import threading
import time
import weakref
from collections.abc import Iterator

import pytest

from tests._support import blocked_workers, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    EXECUTING,
    JobStopRequested,
    LoopJob,
    TraitsExecutor,
    all_of,
    any_of,
    submit_call,
    submit_iteration,
    submit_loop,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT


class Payload:
    """An object that can be watched with a weak reference."""


class Job:
    """A callable object, watched with a weak reference like its arguments."""

    def __call__(self, payload: Payload) -> str:
        return "done"


def numbers(payload: Payload) -> Iterator[int]:
    yield from range(3)


def reporting(payload: Payload, progress: object) -> str:
    for i in range(3):
        progress(i)  # type: ignore[operator]
    return "done"


def failing(payload: Payload) -> None:
    raise ValueError("failed on purpose")


SUBMITTERS = {
    "call": lambda executor, payload, **options: submit_call(executor, Job(), payload, **options),
    "iteration": lambda executor, payload, **options: submit_iteration(
        executor, numbers, payload, **options
    ),
    "progress": lambda executor, payload, **options: submit_progress(
        executor, reporting, payload, **options
    ),
    "failing call": lambda executor, payload, **options: submit_call(
        executor, failing, payload, **options
    ),
}

OPTIONS = {
    "no options": {},
    "timeout": {"timeout": SAFETY_TIMEOUT * 100},
    "resources": {"resources": {"leak-test"}},
    "background": {"background": True, "name": "leak-test"},
}


def collected(*refs: weakref.ref) -> bool:
    """Collect garbage until every referent is gone; False if one outlives the timeout.

    A worker may still be leaving the ``except`` block of a job whose end the
    main thread has already handled: its frame holds the exception for a few
    bytecodes more. So this waits for the condition, it does not sample it once.
    """
    deadline = time.monotonic() + SAFETY_TIMEOUT
    pause = threading.Event()
    while True:
        gc.collect()
        if all(ref() is None for ref in refs):
            return True
        if time.monotonic() > deadline:
            return False
        pause.wait(0.001)


def live_traits_jobs_objects() -> collections.Counter[str]:
    """How many objects of each traits_jobs class are alive, after a collection."""
    gc.collect()
    counts: collections.Counter[str] = collections.Counter()
    for obj in gc.get_objects():
        # Some classes' __module__ is a descriptor, not a str.
        module = getattr(type(obj), "__module__", None)
        if isinstance(module, str) and module.startswith("traits_jobs."):
            counts[f"{module}.{type(obj).__qualname__}"] += 1
    return counts


#: Modules whose objects hold the executor's bookkeeping (not its pool or loop).
_BOOKKEEPING = ("traits_jobs.executor", "traits_jobs.routing", "traits_jobs.states")


def per_job_tables(executor: TraitsExecutor) -> dict[str, int]:
    """The sizes of the executor's bookkeeping tables: its own, its router's, its claims'.

    This reads private state, and is the one place these tests do. It lists
    every dict, list, set or deque held by the executor, or by an object of
    the executor, routing or states layers that the executor holds (its
    router, its claim tables), by attribute path.
    """
    tables: dict[str, int] = {}
    seen: set[int] = set()

    def walk(path: str, obj: object, depth: int) -> None:
        if id(obj) in seen or depth > 6:
            return
        seen.add(id(obj))
        attributes = getattr(obj, "__dict__", None) or {
            name: getattr(obj, name)
            for name in getattr(type(obj), "__slots__", ())
            if hasattr(obj, name)
        }
        for name, value in attributes.items():
            if isinstance(value, dict | list | set | collections.deque):
                tables[f"{path}.{name}"] = len(value)
            elif type(value).__module__.startswith(_BOOKKEEPING):
                walk(f"{path}.{name}", value, depth + 1)

    walk("executor", executor, 0)
    return tables


@pytest.mark.parametrize("options", OPTIONS.values(), ids=OPTIONS.keys())
@pytest.mark.parametrize("kind", SUBMITTERS)
def test_an_ended_job_leaves_nothing_once_its_future_is_dropped(executor, kind, options):
    """After the job ends and the user drops the future, future and arguments are collected."""
    payload = Payload()
    future = SUBMITTERS[kind](executor, payload, **options)
    wait_done(executor, future)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)
    refs = weakref.ref(future), weakref.ref(payload)
    del future, payload
    assert collected(*refs)


def test_a_kept_future_does_not_keep_the_jobs_arguments(executor):
    """A done future kept by the user holds its result, not the function or its arguments."""
    job, payload = Job(), Payload()
    future = submit_call(executor, job, payload)
    wait_done(executor, future)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)
    refs = weakref.ref(job), weakref.ref(payload)
    del job, payload
    assert collected(*refs)
    assert future.result == "done"


@pytest.mark.parametrize("combine", [all_of, any_of], ids=["all_of", "any_of"])
def test_combined_futures_are_collected_with_their_parts(executor, combine):
    """A combination and its parts, once ended and dropped, are all collected."""
    parts = [submit_call(executor, pow, 2, 2), submit_call(executor, failing, Payload())]
    combined = combine(*parts)
    for future in [*parts, combined]:
        wait_done(executor, future)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)
    refs = [weakref.ref(future) for future in [*parts, combined]]
    del parts, combined, future
    assert collected(*refs)


def test_progress_reports_are_released_once_delivered(executor):
    """The router keeps no progress report after the job has ended."""
    refs = []

    def report_objects(progress):
        for _ in range(5):
            report = Payload()
            refs.append(weakref.ref(report))
            progress(report)
            del report

    future = submit_progress(executor, report_objects)
    wait_done(executor, future)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)
    assert len(refs) == 5
    assert collected(*refs)


def test_a_cancelled_queued_job_releases_its_function_and_arguments_at_once(executor):
    """cancel() of a job queued behind busy workers drops its function and arguments then."""
    with blocked_workers(executor):
        job, payload = Job(), Payload()
        future = submit_call(executor, job, payload)
        refs = weakref.ref(job), weakref.ref(payload)
        del job, payload
        assert future.cancel()
        # Before the loop runs again, and with the future still referenced.
        assert future.state == CANCELLED
        assert collected(*refs)


def test_a_cancelled_job_waiting_for_resources_releases_its_arguments_at_once(executor):
    """cancel() of a job held for a resource drops its function and arguments then."""
    started, release = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(SAFETY_TIMEOUT)

    holder = submit_call(executor, hold, resources={"stage"})
    wait_event(started)
    job, payload = Job(), Payload()
    waiter = submit_call(executor, job, payload, resources={"stage"}, on_conflict="wait")
    refs = weakref.ref(job), weakref.ref(payload)
    del job, payload
    assert waiter.cancel()
    assert waiter.state == CANCELLED
    assert collected(*refs)
    release.set()
    wait_done(executor, holder)


def run_a_round_of_jobs(executor: TraitsExecutor) -> None:
    """Complete, fail, cancel running and queued jobs, and wait on resources; drop them all."""
    futures = [
        SUBMITTERS[kind](executor, Payload(), **options)
        for kind in SUBMITTERS
        for options in OPTIONS.values()
        if "resources" not in options and "background" not in options
    ]
    with blocked_workers(executor):
        queued = submit_call(executor, Job(), Payload())
        queued.cancel()
    started, release = threading.Event(), threading.Event()

    def hold():
        started.set()
        release.wait(SAFETY_TIMEOUT)
        yield "never delivered"

    running = submit_iteration(executor, hold, resources={"stage"})
    wait_event(started)
    wait_for(executor, running, "state", lambda f: f.state == EXECUTING)
    held = submit_call(executor, Job(), Payload(), resources={"stage"}, on_conflict="wait")
    futures += [queued, running, held]
    running.cancel()
    release.set()
    for future in futures:
        wait_done(executor, future)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)


def test_rounds_of_jobs_leave_no_traits_jobs_objects_behind(executor):
    """A second round of jobs, once dropped, leaves exactly the objects the first left."""
    run_a_round_of_jobs(executor)
    after_one = live_traits_jobs_objects()
    run_a_round_of_jobs(executor)
    after_two = live_traits_jobs_objects()
    assert after_two == after_one


def submit_jobs_of_every_sort(executor: TraitsExecutor) -> list:
    """Jobs that use every per-job table: timed, coalesced, claiming, waiting, background."""
    started = threading.Event()

    def endless():
        started.set()
        while True:
            yield 1

    futures = [
        submit_iteration(executor, endless, timeout=SAFETY_TIMEOUT * 100, resources={"stage:x"}),
        submit_progress(executor, reporting, Payload(), coalesce_progress=True),
        submit_call(executor, failing, Payload(), resources={"camera"}),
        submit_call(executor, pow, 2, 2, resources={"stage:*"}, on_conflict="wait"),
        submit_call(executor, pow, 2, 3, background=True, name="leak-test"),
    ]
    wait_event(started)
    return futures


def assert_no_job_is_kept(executor: TraitsExecutor) -> None:
    tables = per_job_tables(executor)
    assert tables, "no tables found: the helper no longer sees the executor's state"
    assert {name: size for name, size in tables.items() if size} == {}


def test_per_job_tables_are_empty_after_stop(executor):
    """Once stopped, the executor and its router keep no entry for any job."""
    submit_jobs_of_every_sort(executor)
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    assert_no_job_is_kept(executor)


def test_per_job_tables_are_empty_once_every_job_has_ended(executor):
    """A running executor whose jobs have all ended keeps no entry for any of them."""
    futures = submit_jobs_of_every_sort(executor)
    futures[0].cancel()
    for future in futures:
        wait_done(executor, future)
    wait_for(executor, executor, "jobs", lambda e: not e.jobs)
    assert_no_job_is_kept(executor)


def test_a_stopped_executor_is_collected(executor):
    """After shutdown, dropping the executor frees it: no job or thread refers to it."""
    future = submit_call(executor, pow, 2, 3)
    wait_done(executor, future)
    executor.shutdown(timeout=SAFETY_TIMEOUT)
    # The fixture holds the executor; a second one, made here, is dropped.
    second = TraitsExecutor(event_loop=executor.event_loop)
    wait_done(second, submit_call(second, pow, 2, 4))
    second.shutdown(timeout=SAFETY_TIMEOUT)
    ref = weakref.ref(second)
    del second
    assert collected(ref)


def test_a_loop_releases_its_body_and_replaced_settings(executor):
    """After a loop ends its body and replaced settings are gone; its future keeps what it shows."""

    class Body(LoopJob):
        def __init__(self):
            self.count = 0

        def iteration(self, ctx):
            self.count += 1
            ctx.publish_status(Payload())
            if self.count == 3:
                raise JobStopRequested

    body, settings, pending = Body(), Payload(), Payload()
    watched = [weakref.ref(obj) for obj in (body, settings, pending)]
    future = submit_loop(executor, body, period=1e-9, settings=settings)
    future.set_settings(pending)
    wait_done(executor, future)
    status = weakref.ref(future.status)
    del body, settings, pending
    gc.collect()
    # The future keeps what it shows (settings, status); nothing else does.
    alive = [ref() is not None for ref in watched]
    assert alive == [False, False, True]  # The applied settings are future.settings.
    assert status() is future.status


def test_a_steered_iteration_releases_its_values(executor):
    """Values sent to a generator and the generator itself are released at its end."""
    gate = threading.Event()
    received = []

    def sink():
        gate.wait(SAFETY_TIMEOUT)
        while True:
            received.append(weakref.ref((yield)))

    future = submit_iteration(executor, sink)
    values = [Payload() for _ in range(5)]
    refs = [weakref.ref(value) for value in values]
    for value in values:
        future.send(value)
    del values, value
    future.pause()
    gate.set()
    wait_for(executor, future, "paused", lambda f: f.paused)
    future.cancel()
    wait_done(executor, future)
    gc.collect()
    assert [ref() for ref in refs] == [None] * 5
