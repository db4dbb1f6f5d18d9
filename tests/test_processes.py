# SPDX-License-Identifier: BSD-3-Clause
"""Jobs in worker processes: MultiprocessingContext with real processes, faults included.

The jobs are in :mod:`tests.process_jobs`, importable from the spawned
workers. One executor (two worker processes) serves the module; tests that
kill a worker check that the next job still runs.
"""

import multiprocessing
import os
import sys

import pytest

from tests import process_jobs as jobs
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    STOPPED,
    TIMED_OUT,
    JobPicklingError,
    ManualEventLoop,
    MultiprocessingContext,
    TraitsExecutor,
    WorkerDiedError,
    submit_call,
    submit_iteration,
    submit_loop,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT

#: Worker processes take a while to start; each wait may take this long.
PROCESS_TIMEOUT = 3 * SAFETY_TIMEOUT


@pytest.fixture(scope="module")
def context():
    context = MultiprocessingContext()
    yield context
    context.close()


@pytest.fixture(scope="module")
def manager():
    """A manager whose lists the worker processes append to."""
    with multiprocessing.get_context("spawn").Manager() as manager:
        yield manager


@pytest.fixture(scope="module")
def process_executor(context):
    loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=loop, context=context, max_workers=2)
    yield executor
    executor.shutdown(timeout=PROCESS_TIMEOUT)


def run_until(executor, condition):
    assert executor.event_loop.run_until(condition, PROCESS_TIMEOUT), "timed out"


def done(executor, future):
    run_until(executor, lambda: future.done)
    return future


def test_a_call_runs_in_another_process(process_executor):
    """The result comes back from a worker process; the main process is not it."""
    assert done(process_executor, submit_call(process_executor, jobs.add, 2, 3)).result == 5
    worker_pid = done(process_executor, submit_call(process_executor, jobs.pid)).result
    assert worker_pid != os.getpid()


def test_items_arrive_in_order(process_executor):
    """Every item of a process iteration arrives, in order, on the main thread."""
    items = []
    future = submit_iteration(process_executor, jobs.count, 20_000)
    future.observe(lambda event: items.append(event.new), "result_event")
    done(process_executor, future)
    assert items == list(range(20_000))


def test_progress_reports_arrive_in_order(process_executor):
    """A progress job's reports, and structured progress, cross the process boundary."""
    reports = []
    future = submit_progress(process_executor, jobs.reporting, 50)
    future.observe(lambda event: reports.append(event.new), "progress")
    assert done(process_executor, future).result == "reported"
    assert reports == list(range(50))
    structured = done(process_executor, submit_call(process_executor, jobs.structured, 4))
    assert structured.progress_info.fraction_done == 1.0
    assert structured.progress_info.message == "step 4"


def test_cancel_reaches_the_worker_at_the_next_yield(process_executor, context):
    """cancel() stops a process iteration at its next yield; its finally runs there."""
    closed = context.event()
    future = submit_iteration(process_executor, jobs.forever, closed)
    run_until(process_executor, lambda: future.state == EXECUTING)
    future.cancel()
    done(process_executor, future)
    assert future.state == CANCELLED
    assert closed.wait(PROCESS_TIMEOUT)


def test_stop_ends_a_sleeping_process_job(process_executor):
    """stop() reaches current_job().sleep() in the worker: COMPLETED, "stopped"."""
    future = submit_call(process_executor, jobs.sleep_until_stopped)
    run_until(process_executor, lambda: future.state == EXECUTING)
    future.stop()
    done(process_executor, future)
    assert future.end_reason == STOPPED


def test_a_timeout_stops_the_process_job(process_executor):
    """timeout=: FAILED at the timeout, and the worker is freed for the next job."""
    future = submit_call(process_executor, jobs.sleep_until_stopped, timeout=0.05)
    run_until(process_executor, lambda: future.state == EXECUTING)
    process_executor.event_loop.advance(0.05)
    done(process_executor, future)
    assert future.end_reason == TIMED_OUT
    assert done(process_executor, submit_call(process_executor, jobs.add, 1, 1)).result == 2


def test_an_exception_arrives_with_its_remote_traceback(process_executor):
    """A job's exception keeps its type, message and the worker's traceback text."""
    future = done(process_executor, submit_call(process_executor, jobs.fail, "stage drifted"))
    assert isinstance(future.error, ValueError)
    assert str(future.error) == "stage drifted"
    type_name, message, traceback = future.exception
    assert (type_name, message) == ("ValueError", "stage drifted")
    assert "process_jobs.py" in traceback and "in fail" in traceback


def test_an_unpicklable_exception_still_fails_the_future(process_executor):
    """The type name, message and traceback text arrive even if the object cannot."""
    future = done(process_executor, submit_call(process_executor, jobs.fail_unpicklably))
    assert future.state == FAILED
    type_name, message, traceback = future.exception
    assert type_name == "tests.process_jobs.Unpicklable"
    assert message == "holding a lock"
    assert "fail_unpicklably" in traceback


def test_an_unpicklable_result_fails_the_future_clearly(process_executor):
    """A result that cannot cross: FAILED with JobPicklingError naming its type."""
    future = done(process_executor, submit_call(process_executor, jobs.return_lock))
    assert isinstance(future.error, JobPicklingError)
    assert "_thread.lock" in str(future.error)
    assert "result" in str(future.error)


def test_an_unpicklable_item_fails_the_iteration_and_stops_it(process_executor):
    """An item that cannot cross fails the future; the job is asked to stop and ends."""
    future = done(process_executor, submit_iteration(process_executor, jobs.yield_lock))
    assert isinstance(future.error, JobPicklingError)
    assert "generated" in str(future.error)
    assert done(process_executor, submit_call(process_executor, jobs.add, 2, 2)).result == 4


def test_an_unpicklable_argument_is_refused_at_submit(process_executor):
    """submit raises JobPicklingError (a TypeError) naming the job; nothing is left behind."""
    with pytest.raises(JobPicklingError, match="does not pickle") as raised:
        submit_call(process_executor, jobs.add, multiprocessing.Lock(), 1)
    assert isinstance(raised.value, TypeError)
    with pytest.raises(JobPicklingError, match="importable"):
        submit_call(process_executor, lambda: 1)
    run_until(process_executor, lambda: not process_executor.jobs)


@pytest.mark.parametrize("death", ["exit_hard", "kill_self", "segfault"])
def test_a_dying_worker_fails_its_job_and_the_pool_goes_on(process_executor, context, death):
    """os._exit, SIGKILL, a segfault: the job FAILED with WorkerDiedError; the pool goes on.

    Two jobs held at once then need two workers: the dead one was replaced.
    """
    args = (7,) if death == "exit_hard" else ()
    before = {process.pid for process in process_executor._worker_pool.processes}
    future = done(process_executor, submit_call(process_executor, getattr(jobs, death), *args))
    assert future.state == FAILED
    assert isinstance(future.error, WorkerDiedError)
    assert "died" in str(future.error)
    again = [submit_call(process_executor, jobs.add, n, n) for n in range(4)]
    assert [done(process_executor, f).result for f in again] == [0, 2, 4, 6]
    release = context.event()
    holders = [submit_call(process_executor, jobs.wait_for, release) for _ in range(2)]
    run_until(process_executor, lambda: all(h.state == EXECUTING for h in holders))
    after = {process.pid for process in process_executor._worker_pool.processes}
    release.set()
    assert [done(process_executor, h).result for h in holders] == ["released"] * 2
    assert after != before
    assert len(after) == 2


def test_a_queued_job_survives_a_worker_death(process_executor, context):
    """With both workers busy, a queued job waits, and runs after one of them dies."""
    release = context.event()
    holder = submit_call(process_executor, jobs.wait_for, release)
    dying = submit_call(process_executor, jobs.exit_hard, 1)
    queued = submit_call(process_executor, jobs.add, 20, 22)
    done(process_executor, dying)
    assert done(process_executor, queued).result == 42
    release.set()
    assert done(process_executor, holder).result == "released"


def test_values_and_settings_cross_to_the_worker(process_executor, context):
    """send() reaches a process generator in order; set_settings() a process loop."""
    jobs.steer_values_settings_and_pause(
        process_executor,
        context.event(),
        multiprocessing.Lock(),
        run_until,
    )


def test_job_locks_are_not_available_in_processes(process_executor):
    """job_lock() in a worker process says why, instead of locking nothing."""
    future = done(process_executor, submit_call(process_executor, jobs.try_lock))
    assert isinstance(future.error, RuntimeError)
    assert "worker process" in str(future.error)


def test_bad_start_method_is_refused():
    """The start method is checked at construction, naming the choices."""
    with pytest.raises(ValueError, match="start_method"):
        MultiprocessingContext(start_method="teleport")


def test_shutdown_leaves_no_process_behind(context):
    """After shutdown every worker process has ended: none is left in the process table."""
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context, max_workers=2)
    future = submit_call(executor, jobs.pid)
    run_until(executor, lambda: future.done)
    processes = executor._worker_pool.processes
    executor.shutdown(timeout=PROCESS_TIMEOUT)
    assert not any(process.is_alive() for process in processes)
    for process in processes:
        with pytest.raises(ProcessLookupError):
            os.kill(process.pid, 0)
    alive = {child.pid for child in multiprocessing.active_children()}
    assert not alive & {process.pid for process in processes}


def test_shutdown_with_jobs_running_ends_them_and_the_processes(context):
    """Running and queued process jobs are cancelled and every process ends."""
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context, max_workers=1)
    running = submit_iteration(executor, jobs.forever)
    queued = submit_call(executor, jobs.add, 1, 2)
    run_until(executor, lambda: running.state == EXECUTING)
    processes = executor._worker_pool.processes
    executor.shutdown(timeout=PROCESS_TIMEOUT)
    assert running.state == CANCELLED
    assert queued.state == CANCELLED
    assert not any(process.is_alive() for process in processes)


def test_completed_is_completed(process_executor):
    """Sanity: the module's executor still works after the faults above."""
    assert done(process_executor, submit_call(process_executor, jobs.add, 0, 0)).state == COMPLETED
    assert sys.platform.startswith("linux")


def test_workers_that_cannot_start_fail_the_queue_instead_of_looping():
    """An initializer that raises: after a few deaths the queued jobs fail, saying why."""
    context = MultiprocessingContext(initializer=jobs.failing_initializer)
    executor = TraitsExecutor(event_loop=ManualEventLoop(), context=context, max_workers=1)
    try:
        futures = [submit_call(executor, jobs.add, n, n) for n in range(3)]
        for future in futures:
            done(executor, future)
        assert all(isinstance(future.error, WorkerDiedError) for future in futures)
        assert "initializer" in str(futures[0].error)
    finally:
        executor.shutdown(timeout=PROCESS_TIMEOUT)
        context.close()


def test_the_pickling_error_names_the_argument(process_executor):
    """The submit error says which argument (or the function) does not pickle."""
    with pytest.raises(JobPicklingError, match="argument 1"):
        submit_call(process_executor, jobs.add, 1, multiprocessing.Lock())
    with pytest.raises(JobPicklingError, match="the function"):
        submit_call(process_executor, lambda: 1)


def test_the_emergency_watch_runs_in_the_main_process(process_executor):
    """watch_emergency on a process executor: its check reads this process's state."""
    state = {"door": False}
    reports = []

    def record(event):
        reports.append(event.new)

    process_executor.observe(record, "emergency_stopped")
    watch = process_executor.watch_emergency(lambda: state["door"], period=0.001)
    run_until(process_executor, lambda: watch.state == EXECUTING)
    state["door"] = True
    run_until(process_executor, lambda: reports)
    watch.stop()
    done(process_executor, watch)
    assert watch.end_reason == STOPPED


@pytest.mark.parametrize("ending", ["stop", "cancel", "error"])
def test_a_process_loop_finalizes_once_however_it_ends(process_executor, manager, ending):
    """prepare, iterations, then finalize exactly once, in the worker, on stop, cancel or error."""
    calls = manager.list()
    fail_at = 3 if ending == "error" else None
    loop = submit_loop(process_executor, jobs.Recorder(calls, fail_at), period=0.001)
    if ending != "error":
        run_until(process_executor, lambda: (loop.status or 0) >= 2)
        getattr(loop, ending)()
    done(process_executor, loop)
    expected = {"stop": COMPLETED, "cancel": CANCELLED, "error": FAILED}[ending]
    assert loop.state == expected
    run_until(process_executor, lambda: list(calls)[-1:] == ["finalize"])
    recorded = list(calls)
    assert recorded[0] == "prepare"
    assert recorded.count("finalize") == 1
    if ending == "error":
        assert str(loop.error) == "sensor unplugged"


def test_a_cancelled_job_whose_end_does_not_pickle_still_ends(process_executor):
    """Cancelled, then failing with an exception that does not pickle: CANCELLED, not stuck."""
    future = submit_iteration(process_executor, jobs.raise_unpicklably_when_closed)
    run_until(process_executor, lambda: future.state == EXECUTING)
    future.cancel()
    assert done(process_executor, future).state == CANCELLED
