# SPDX-License-Identifier: BSD-3-Clause
"""Jobs on a Dask cluster: DaskContext with a real LocalCluster, faults included.

Most tests share one in-process LocalCluster (worker threads, the scheduler
in this process); the faults that need processes (a worker killed, a module
the workers cannot import) use a LocalCluster of worker processes, and the
loss of the scheduler a scheduler and a worker started as commands.
"""

import gc
import subprocess
import sys
import threading
import time
import weakref

import pytest

distributed = pytest.importorskip("distributed")

from tests import process_jobs as jobs  # noqa: E402
from traits_jobs.api import (  # noqa: E402
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    STOPPED,
    TIMED_OUT,
    DaskContext,
    ExecutorStateError,
    JobPicklingError,
    ManualEventLoop,
    TraitsExecutor,
    WorkerDiedError,
    submit_call,
    submit_iteration,
    submit_loop,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT  # noqa: E402

#: Clusters take a while to start and workers to restart; each wait may take this long.
DASK_TIMEOUT = 6 * SAFETY_TIMEOUT


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def context(client):
    context = DaskContext(client)
    yield context
    context.close()


@pytest.fixture
def dask_executor(context):
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    yield executor
    executor.shutdown(timeout=DASK_TIMEOUT)


def run_until(executor, condition):
    assert executor.event_loop.run_until(condition, DASK_TIMEOUT), "timed out"


def done(executor, future):
    run_until(executor, lambda: future.done)
    return future


def poll_until(condition):
    """Wait for a condition outside this process's event loop (a file, another process)."""
    deadline = time.monotonic() + DASK_TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        threading.Event().wait(0.01)


def scheduler_state(client):
    """The plugin's records and the traits_jobs topics and events left on the scheduler."""

    def state(dask_scheduler):
        plugin = dask_scheduler.plugins["traits-jobs"]
        topics = [t for t in dask_scheduler._broker._topics if t.startswith("traits-jobs-")]
        retained = sum(
            len(dask_scheduler._broker._topics[t].events)
            for t in dask_scheduler._broker._topics
            if t.startswith("traits-jobs-")
        )
        records = {key: (r.state, r.requests) for key, r in plugin._records.items()}
        return {"records": records, "topics": topics, "retained": retained}

    return client.run_on_scheduler(state)


# -- jobs on the in-process cluster ---------------------------------------------------


def test_a_call_runs_on_a_dask_worker(dask_executor, client):
    """The result comes back from a task on one of the cluster's workers."""
    assert done(dask_executor, submit_call(dask_executor, jobs.add, 2, 3)).result == 5
    address = done(dask_executor, submit_call(dask_executor, jobs.where)).result
    assert address in client.scheduler_info()["workers"]


def test_items_arrive_in_order(dask_executor):
    """Every item of an iteration on the cluster arrives, in order, on the main thread."""
    items = []
    future = submit_iteration(dask_executor, jobs.count, 20_000)
    future.observe(lambda event: items.append(event.new), "result_event")
    assert done(dask_executor, future).state == COMPLETED
    assert items == list(range(20_000))


def test_progress_reports_arrive_in_order(dask_executor):
    """Progress and structured progress cross from the cluster in order."""
    reports = []
    future = submit_progress(dask_executor, jobs.reporting, 50)
    future.observe(lambda event: reports.append(event.new), "progress")
    assert done(dask_executor, future).result == "reported"
    assert reports == list(range(50))
    structured = done(dask_executor, submit_call(dask_executor, jobs.structured, 5))
    assert structured.progress_info.message == "step 5"


def test_closures_and_lambdas_run(dask_executor):
    """Jobs are pickled with cloudpickle: a lambda or a closure runs, unlike in processes."""
    offset = 40

    def add_offset(value):
        return value + offset

    assert done(dask_executor, submit_call(dask_executor, lambda: 6 * 7)).result == 42
    assert done(dask_executor, submit_call(dask_executor, add_offset, 2)).result == 42


def test_cancel_reaches_the_task_at_the_next_yield(dask_executor, context):
    """A running iteration on the cluster stops at its next yield; its finally runs."""
    closed = context.event()
    future = submit_iteration(dask_executor, jobs.forever, closed)
    run_until(dask_executor, lambda: future.state == EXECUTING)
    future.cancel()
    assert done(dask_executor, future).state == CANCELLED
    assert closed.wait(DASK_TIMEOUT)


def test_a_job_cancelled_before_it_starts_never_runs(dask_executor, context):
    """With every worker busy, a queued job that is cancelled ends CANCELLED and never runs."""
    release = context.event()
    holders = [submit_call(dask_executor, jobs.wait_for, release) for _ in range(2)]
    run_until(dask_executor, lambda: all(h.state == EXECUTING for h in holders))
    ran = context.event()
    queued = submit_call(dask_executor, jobs.wait_for, ran)
    queued.cancel()
    assert done(dask_executor, queued).state == CANCELLED
    release.set()
    for holder in holders:
        assert done(dask_executor, holder).result == "released"
    # A later job runs; the cancelled one never took a worker.
    assert done(dask_executor, submit_call(dask_executor, jobs.add, 1, 1)).result == 2
    assert not ran.is_set()


def test_stop_ends_a_sleeping_job(dask_executor):
    """stop() wakes current_job().sleep() in the task: COMPLETED, end_reason "stopped"."""
    future = submit_call(dask_executor, jobs.sleep_until_stopped)
    run_until(dask_executor, lambda: future.state == EXECUTING)
    future.stop()
    done(dask_executor, future)
    assert (future.state, future.end_reason) == (COMPLETED, STOPPED)


def test_a_timeout_stops_the_task(dask_executor):
    """timeout= applies on the cluster as on threads; the worker is free for the next job."""
    future = submit_call(dask_executor, jobs.sleep_until_stopped, timeout=0.05)
    run_until(dask_executor, lambda: future.state == EXECUTING)
    dask_executor.event_loop.advance(0.05)
    assert done(dask_executor, future).end_reason == TIMED_OUT
    assert done(dask_executor, submit_call(dask_executor, jobs.add, 1, 1)).result == 2


def test_an_exception_arrives_with_its_remote_traceback(dask_executor):
    """The job's own exception: its type, message and the worker's traceback."""
    future = done(dask_executor, submit_call(dask_executor, jobs.fail, "stage drifted"))
    assert future.state == FAILED
    assert isinstance(future.error, ValueError)
    assert future.exception[:2] == ("ValueError", "stage drifted")
    assert "in fail" in future.exception[2]


def test_unpicklable_results_and_exceptions_fail_clearly(dask_executor):
    """A result or an exception that does not pickle still ends the job FAILED, saying why."""
    result = done(dask_executor, submit_call(dask_executor, jobs.return_lock))
    assert isinstance(result.error, JobPicklingError)
    assert "lock" in str(result.error)
    raised = done(dask_executor, submit_call(dask_executor, jobs.fail_unpicklably))
    assert raised.state == FAILED
    assert raised.exception[1] == "holding a lock"
    item = done(dask_executor, submit_iteration(dask_executor, jobs.yield_lock))
    assert item.state == FAILED
    assert "generated" in str(item.error)


def test_an_unpicklable_argument_is_refused_at_submit(dask_executor):
    """submit raises JobPicklingError (a TypeError) naming the argument; nothing is left."""
    with pytest.raises(JobPicklingError, match="argument 1") as raised:
        submit_call(dask_executor, jobs.add, 1, threading.Lock())
    assert isinstance(raised.value, TypeError)
    run_until(dask_executor, lambda: not dask_executor.jobs)


def test_values_settings_and_pause_cross_to_the_task(dask_executor, context):
    """send() reaches a generator on the cluster in order; settings and pause reach a loop."""
    jobs.steer_values_settings_and_pause(
        dask_executor,
        context.event(),
        threading.Lock(),
        run_until,
    )


def test_a_flood_is_bounded_and_a_cancel_is_not_behind_it(dask_executor, context):
    """An endless flood keeps few batches on the way; cancel ends it, and the cluster is fine."""
    closed = context.event()
    future = submit_iteration(dask_executor, jobs.forever, closed)
    seen = []
    future.observe(lambda event: seen.append(event.new), "result_event")
    run_until(dask_executor, lambda: len(seen) > 50_000)
    future.cancel()
    assert done(dask_executor, future).state == CANCELLED
    assert seen == list(range(len(seen)))
    assert closed.wait(DASK_TIMEOUT)


def test_stopping_frees_what_the_executor_made_on_the_scheduler(context, client):
    """After shutdown, no record, topic or retained event of the executor is left."""
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    futures = [submit_iteration(executor, jobs.count, 1000) for _ in range(5)]
    running = submit_iteration(executor, jobs.forever)
    for future in futures:
        done(executor, future)
    run_until(executor, lambda: running.state == EXECUTING)
    topic = executor._worker_pool.topic
    executor.shutdown(timeout=DASK_TIMEOUT)
    assert running.state == CANCELLED
    state = scheduler_state(client)
    assert state["records"] == {}
    assert topic not in state["topics"]
    assert state["retained"] == 0


def test_closing_the_context_frees_its_events_on_the_scheduler(client):
    """The events of context.event() are freed on the scheduler by close()."""
    other_context = DaskContext(client)
    events = [other_context.event() for _ in range(3)]
    events[0].set()

    def names(dask_scheduler):
        extension = dask_scheduler.extensions["events"]
        return [name for name in extension._events if name.startswith("traits-jobs-event-")]

    assert events[0].name in client.run_on_scheduler(names)
    other_context.close()
    assert not set(client.run_on_scheduler(names)) & {event.name for event in events}


def test_a_client_that_leaves_stops_its_jobs(client, context):
    """A client that disconnects: its running jobs stop at their next checkpoint."""
    other = distributed.Client(client.scheduler.address)
    other_context = DaskContext(other)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=other_context)
    closed = context.event()
    future = submit_iteration(executor, jobs.forever, closed)
    run_until(executor, lambda: future.state == EXECUTING)
    other.close()
    assert closed.wait(DASK_TIMEOUT)
    run_until(executor, lambda: future.done)
    assert future.state in (FAILED, CANCELLED)
    executor.shutdown(timeout=DASK_TIMEOUT)
    other_context.close()


def test_bad_arguments_are_refused_at_the_call(client, context):
    """Wrong types, cluster options with a cluster, max_workers: clear errors at once."""
    with pytest.raises(TypeError, match="client_or_address"):
        DaskContext(42)
    with pytest.raises(TypeError, match="n_workers"):
        DaskContext(client, n_workers=2)
    with pytest.raises(TypeError, match="security"):
        DaskContext(client, security=object())
    with pytest.raises(ValueError, match="connect_timeout"):
        DaskContext(client, connect_timeout=-1)
    with pytest.raises(ValueError, match="max_workers"):
        TraitsExecutor(event_loop=ManualEventLoop(), context=context, max_workers=2)


def test_an_unreachable_scheduler_fails_the_jobs_saying_so():
    """Jobs submitted while connecting to a scheduler that is not there fail with why."""
    context = DaskContext("tcp://127.0.0.1:9", connect_timeout=0.5)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    try:
        future = done(executor, submit_call(executor, jobs.add, 1, 2))
        assert isinstance(future.error, ConnectionError)
        assert "127.0.0.1:9" in str(future.error)
        with pytest.raises(ExecutorStateError, match="Dask"):
            submit_call(executor, jobs.add, 1, 2)
    finally:
        executor.shutdown(timeout=DASK_TIMEOUT)
        context.close()


def test_an_embedded_cluster_is_owned_and_closed():
    """With no cluster given, the context starts a LocalCluster and closes it."""
    context = DaskContext(processes=False, n_workers=1)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    assert done(executor, submit_call(executor, jobs.add, 20, 22)).result == 42
    cluster = context._cluster
    executor.shutdown(timeout=DASK_TIMEOUT)
    context.close()
    assert cluster.status.name == "closed"
    with pytest.raises(RuntimeError, match="closed"):
        context.worker_pool()


# -- faults that need worker processes --------------------------------------------------


@pytest.fixture(scope="module")
def process_client():
    cluster = distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="module")
def process_executor(process_client):
    context = DaskContext(process_client)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    yield executor
    executor.shutdown(timeout=DASK_TIMEOUT)
    context.close()


def test_a_killed_worker_fails_its_job_which_never_runs_twice(process_executor, tmp_path):
    """SIGKILL of the worker: FAILED with WorkerDiedError, no silent re-run, the next job runs."""
    runs = tmp_path / "runs"
    future = done(process_executor, submit_call(process_executor, jobs.record_then_die, runs))
    assert future.state == FAILED
    assert isinstance(future.error, WorkerDiedError)
    assert "died" in str(future.error)
    again = [submit_call(process_executor, jobs.add, n, n) for n in range(4)]
    assert [done(process_executor, f).result for f in again] == [0, 2, 4, 6]
    assert runs.read_text(encoding="utf-8").splitlines() == ["run"]


def test_an_unpicklable_result_fails_in_real_processes(process_executor):
    """In worker processes too, a result that does not pickle fails the job clearly."""
    future = done(process_executor, submit_call(process_executor, jobs.return_lock))
    assert isinstance(future.error, JobPicklingError)


def test_a_module_the_workers_cannot_import_fails_the_job_not_the_cluster(
    process_executor, process_client, tmp_path, monkeypatch
):
    """A job from a module only this process has: FAILED with ModuleNotFoundError; workers live."""
    (tmp_path / "only_here.py").write_text("def answer():\n    return 42\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import only_here

    future = done(process_executor, submit_call(process_executor, only_here.answer))
    assert future.state == FAILED
    assert future.exception[0] == "ModuleNotFoundError"
    assert done(process_executor, submit_call(process_executor, jobs.add, 1, 1)).result == 2
    process_client.wait_for_workers(2, timeout=DASK_TIMEOUT)


# -- the scheduler lost ------------------------------------------------------------------


def _start(arguments):
    return subprocess.Popen(
        [sys.executable, "-m", *arguments],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


# Two interpreters start (a scheduler, a worker) before the test proper: on a
# loaded machine that alone can take much of the suite's 60 s per test.
@pytest.mark.timeout(120)
def test_losing_the_scheduler_fails_every_live_job_and_stops_it(tmp_path):
    """The scheduler dies: live jobs FAILED within seconds; the orphaned task stops."""
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = _start(
        [
            "distributed.cli.dask_scheduler",
            "--scheduler-file",
            str(scheduler_file),
            "--port",
            "0",
            "--no-dashboard",
        ]
    )
    worker = None
    try:
        deadline = time.monotonic() + DASK_TIMEOUT
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, "the scheduler did not start"
            assert scheduler.poll() is None, "the scheduler exited"
            time.sleep(0.05)
        worker = _start(
            [
                "distributed.cli.dask_worker",
                "--scheduler-file",
                str(scheduler_file),
                "--nthreads",
                "1",
                "--no-nanny",
                "--no-dashboard",
            ]
        )
        client = distributed.Client(scheduler_file=str(scheduler_file), timeout=DASK_TIMEOUT)
        client.wait_for_workers(1, timeout=DASK_TIMEOUT)
        context = DaskContext(client)
        executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
        ended = tmp_path / "ended"
        future = submit_iteration(executor, jobs.forever_noting_the_end, ended)
        run_until(executor, lambda: future.state == EXECUTING)
        scheduler.kill()
        scheduler.wait(DASK_TIMEOUT)
        run_until(executor, lambda: future.done)
        assert future.state == FAILED
        assert isinstance(future.error, ConnectionError)
        # The task cancels itself (its finally runs), unless its worker, which
        # lost the scheduler too, exits first: either way it stopped.
        poll_until(lambda: ended.exists() or worker.poll() is not None)
        executor.shutdown(timeout=DASK_TIMEOUT)
        context.close()
        client.close(timeout=1)
    finally:
        for process in (scheduler, worker):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(DASK_TIMEOUT)
    assert scheduler.poll() is not None


def test_an_executor_and_its_pool_are_freed_after_shutdown(context):
    """Nothing of the cluster's client (handlers, callbacks) keeps a stopped executor alive."""
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    future = done(executor, submit_iteration(executor, jobs.count, 100))
    assert future.state == COMPLETED
    executor.shutdown(timeout=DASK_TIMEOUT)
    refs = [weakref.ref(executor), weakref.ref(executor._worker_pool), weakref.ref(future)]
    del executor, future
    poll_until(lambda: gc.collect() is not None and all(ref() is None for ref in refs))


def test_closing_while_connecting_leaves_no_cluster_running():
    """close() right after construction: the cluster started meanwhile is closed too."""
    from distributed.deploy.spec import SpecCluster

    before = set(SpecCluster._instances)
    context = DaskContext(processes=False, n_workers=1)
    context.close()
    with pytest.raises((RuntimeError, ConnectionError)):
        context.wait_connected(DASK_TIMEOUT)
    started = [cluster for cluster in SpecCluster._instances if cluster not in before]
    assert all(cluster.status.name == "closed" for cluster in started)


def test_a_job_submitted_after_its_client_closed_fails_saying_so(client):
    """The application closed the Client under the executor: the next job fails, never hangs."""
    other = distributed.Client(client.scheduler.address)
    other_context = DaskContext(other)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=other_context)
    assert done(executor, submit_call(executor, jobs.add, 1, 1)).result == 2
    other.close()
    future = done(executor, submit_call(executor, jobs.add, 2, 2))
    assert isinstance(future.error, ConnectionError)
    assert "not connected" in str(future.error)
    executor.shutdown(timeout=DASK_TIMEOUT)
    other_context.close()


def test_many_jobs_cancelled_at_random_moments_all_end_and_leave_nothing(context, client):
    """200 jobs, half cancelled at once, before or after they start: each ends, once, cleanly."""
    import random

    rng = random.Random(20261130)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context)
    ended = []
    futures = []
    for _ in range(200):
        if rng.random() < 0.3:
            future = submit_iteration(executor, jobs.forever)
        else:
            future = submit_iteration(executor, jobs.count, rng.randrange(1, 2000))
        future.observe(lambda event: ended.append(event.object) if event.new else None, "done")
        futures.append(future)
        moment = rng.random()
        if moment < 0.3:
            future.cancel()
        elif moment < 0.6:
            executor.event_loop.run_until(lambda: False, 0.001 * rng.random())
            if future.cancellable:
                future.cancel()
    # The endless ones, started or waiting for a worker, are cancelled now.
    for future in futures:
        if future.cancellable and (future.state != "waiting" or rng.random() < 0.5):
            future.cancel()
    for future in futures:
        if future.cancellable:
            future.cancel()
    run_until(executor, lambda: all(future.done for future in futures))
    assert sorted(map(id, ended)) == sorted(map(id, futures))
    assert {future.state for future in futures} <= {COMPLETED, CANCELLED}
    executor.shutdown(timeout=DASK_TIMEOUT)
    assert scheduler_state(client)["records"] == {}


def test_a_delivered_item_is_not_kept_by_the_pool(dask_executor, context):
    """Once observed and dropped, an item from the cluster is freed (the listener keeps none)."""
    release = context.event()
    items = []
    future = submit_iteration(dask_executor, jobs.boxes, release)
    future.observe(lambda event: items.append(event.new), "result_event")
    run_until(dask_executor, lambda: items)
    ref = weakref.ref(items.pop())
    poll_until(lambda: ref() is None)
    release.set()
    done(dask_executor, future)


def test_a_steered_loop_leaves_no_growing_list_on_the_scheduler(dask_executor, client):
    """Requests the task has fetched are dropped: 300 settings later, none is kept."""
    loop = submit_loop(dask_executor, jobs.publish_settings, period=0.001, settings=0)
    run_until(dask_executor, lambda: loop.status == 0)
    for value in range(1, 301):
        loop.set_settings(value)
    run_until(dask_executor, lambda: loop.status == 300)

    def kept():
        return [requests for _, requests in scheduler_state(client)["records"].values()]

    poll_until(lambda: kept() == [[]])
    loop.set_settings("end")
    assert done(dask_executor, loop).end_reason == STOPPED


def test_a_cancelled_job_whose_end_does_not_pickle_still_ends(dask_executor):
    """Cancelled, then failing with an exception that does not pickle: CANCELLED, not stuck."""
    future = submit_iteration(dask_executor, jobs.raise_unpicklably_when_closed)
    run_until(dask_executor, lambda: future.state == EXECUTING)
    future.cancel()
    assert done(dask_executor, future).state == CANCELLED
