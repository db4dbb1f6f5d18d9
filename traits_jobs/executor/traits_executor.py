# SPDX-License-Identifier: BSD-3-Clause
"""The executor that runs jobs and keeps their futures up to date.

Its lock guards bookkeeping only: the table of live jobs, the scheduler and
the state. Everything that may run user code (observers and done callbacks
of futures, a worker pool's ``submit``, a context's methods, warnings) and
every delivery of a message happens after the lock is released, so that any
of them may call back into the executor.
"""

import concurrent.futures
import functools
import itertools
import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any

from traits.api import Any as AnyTrait
from traits.api import Bool, Dict, HasStrictTraits, List, Property

from traits_jobs.contexts.i_parallel_context import IParallelContext
from traits_jobs.contexts.multithreading import MultithreadingContext
from traits_jobs.event_loops.ets import ETSEventLoop
from traits_jobs.event_loops.i_event_loop import IEventLoop
from traits_jobs.executor.job import Job
from traits_jobs.executor.scheduler import Preemption, Scheduler
from traits_jobs.executor.timing import TimedReceiver
from traits_jobs.executor.waiting import Waiter
from traits_jobs.jobs._state_machine import Event
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.base_task import BaseTask
from traits_jobs.jobs.i_task_specification import ITaskSpecification
from traits_jobs.jobs.options import JobOptions, check_seconds
from traits_jobs.routing.router import MessageRouter
from traits_jobs.states.exceptions import (
    ExecutorStateError,
    PreemptionWarning,
    ShutdownTimeoutError,
    WaitTimeoutError,
)
from traits_jobs.states.executor_states import RUNNING, STOPPED, STOPPING, ExecutorState
from traits_jobs.states.failure import marshal_exception, safe_repr, safe_str

logger = logging.getLogger(__name__)


def _check_optional(name: str, value: object, expected: type) -> None:
    if value is not None and not isinstance(value, expected):
        msg = f"{name} must be {expected.__name__} or None, not {type(value).__name__}: {value!r}"
        raise TypeError(msg)


class TraitsExecutor(HasStrictTraits):
    """Runs jobs on a worker pool; their futures change on the main thread.

    Create it on the main thread. Submit with :func:`submit_call`,
    :func:`submit_iteration`, :func:`submit_progress` or :meth:`submit`, from
    any thread. Stop it with :meth:`stop` (non-blocking) or :meth:`shutdown`
    (blocking) before the application exits.

    Parameters
    ----------
    thread_pool : concurrent.futures.Executor, optional
        Deprecated alias of ``worker_pool``.
    worker_pool : concurrent.futures.Executor, optional
        A pool to run the jobs on. The executor never shuts it down. If not
        given, the executor makes a pool of its own and shuts it down when it
        stops.
    max_workers : int, optional
        Size of the executor's own pool. Not allowed with ``worker_pool``.
    context : IParallelContext, optional
        Where jobs run. Defaults to a :class:`MultithreadingContext` owned,
        and closed at stop, by the executor. A context passed in is not closed.
    event_loop : IEventLoop, optional
        The loop that delivers messages. Defaults to :class:`ETSEventLoop`.
    """

    #: RUNNING, then STOPPING, then STOPPED.
    state = Property(ExecutorState, observe=None)

    #: True while jobs can be submitted.
    running = Property(Bool, observe=None)

    #: True once the executor has stopped and released its resources.
    stopped = Property(Bool, observe=None)

    #: The futures of the live jobs (submitted, not yet ended), oldest first.
    jobs = Property(List, observe=None)

    #: Name -> future of each live background job submitted with a name.
    background_jobs = Property(Dict, observe=None)

    #: Resource (or pattern) -> future of the live job that holds it.
    claimed_resources = Property(Dict, observe=None)

    # Private state; plain values, never observed.
    _internal_state = AnyTrait(RUNNING)
    _lock = AnyTrait()
    _owns_pool = AnyTrait()
    _worker_pool = AnyTrait()
    _owns_context = AnyTrait()
    _context = AnyTrait()
    _owns_event_loop = AnyTrait()
    _event_loop = AnyTrait()
    _router = AnyTrait()
    _send = AnyTrait()
    #: job id -> Job, for every job not yet ended.
    _jobs: dict[int, Job] = AnyTrait()  # type: ignore[assignment]
    _ids = AnyTrait()
    _scheduler = AnyTrait()
    _waiter = AnyTrait()

    def __init__(
        self,
        thread_pool: concurrent.futures.Executor | None = None,
        *,
        worker_pool: concurrent.futures.Executor | None = None,
        max_workers: int | None = None,
        context: IParallelContext | None = None,
        event_loop: IEventLoop | None = None,
        **traits: Any,
    ) -> None:
        if thread_pool is not None:
            if worker_pool is not None:
                msg = "Pass worker_pool only; thread_pool is its deprecated alias."
                raise TypeError(msg)
            warnings.warn(
                "thread_pool is deprecated; use worker_pool instead",
                DeprecationWarning,
                stacklevel=2,
            )
            worker_pool = thread_pool
        if worker_pool is not None and max_workers is not None:
            msg = (
                "max_workers sizes the executor's own pool and cannot be combined with "
                f"worker_pool; got max_workers={max_workers!r} and worker_pool={worker_pool!r}."
            )
            raise TypeError(msg)
        if max_workers is not None and (
            not isinstance(max_workers, int) or isinstance(max_workers, bool) or max_workers < 1
        ):
            msg = f"max_workers must be a positive int or None, not {max_workers!r}"
            raise ValueError(msg)
        _check_optional("worker_pool", worker_pool, concurrent.futures.Executor)
        _check_optional("context", context, IParallelContext)
        _check_optional("event_loop", event_loop, IEventLoop)
        super().__init__(**traits)
        self._lock = threading.Lock()
        self._owns_context = context is None
        self._context = MultithreadingContext() if context is None else context
        self._owns_pool = worker_pool is None
        if worker_pool is None:
            worker_pool = self._context.worker_pool(max_workers=max_workers)
        self._worker_pool = worker_pool
        self._owns_event_loop = event_loop is None
        self._event_loop = ETSEventLoop() if event_loop is None else event_loop
        self._event_loop.start()
        self._router = MessageRouter(
            self._event_loop, on_final=self._job_ended, on_error=self._observer_failed
        )
        self._send = self._context.sender(self._router)
        self._jobs = {}
        self._ids = itertools.count()
        self._scheduler = Scheduler()
        # One object for every future, not one per future.
        self._waiter = Waiter(self._event_loop, self._router, self._check_event_loop)

    # -- submission: thread-safe --------------------------------------------

    def submit(self, task: ITaskSpecification, **options: Any) -> Any:
        """Run the job that ``task`` specifies; return its future. Thread-safe.

        The future's traits change only on the main thread, whichever thread
        submitted.

        Parameters
        ----------
        task : ITaskSpecification
            What to run.
        **options
            Job options, keyword-only: ``name``, ``timeout``,
            ``settle_time``, ``resources``, ``background``, ``preemptible``,
            ``on_conflict``. See :class:`~traits_jobs.api.JobOptions`.

        Raises
        ------
        ExecutorStateError
            If the executor is not running, or its worker pool refused the job.
        ResourceConflictError
            If the job's resources are claimed and it may not wait for them.
        TypeError
            If ``task`` is not an :class:`ITaskSpecification`, or an option
            is unknown or of the wrong type.
        ValueError
            If an option's value is out of range.
        """
        job_options = JobOptions.create(**options)
        if not (hasattr(task, "future") and hasattr(task, "task")):
            msg = (
                "submit() expected an ITaskSpecification (with future() and task() "
                f"methods), got {type(task).__name__}: {safe_repr(task)}"
            )
            raise TypeError(msg)
        if self._waiter.on_main_thread():
            self._check_event_loop()
        self._check_running("submit a job")
        job = self._make_job(task, job_options)
        future = job.future
        assert future is not None
        if job_options.background and job_options.name is not None:
            self._warn_if_renamed(job_options)
        claims = job_options.resources or job_options.background
        with self._lock:
            self._check_running("submit a job")
            job.job_id = job_id = next(self._ids)
            self._jobs[job_id] = job
            if job.timed is None:
                self._router.add_receiver(job_id, future)
            else:
                job.timed.job_id = job_id
                self._router.add_receiver(job_id, job.timed)
            start, preempt = True, []
            if claims:
                try:
                    start, preempt = self._scheduler.admit(job, future, job_options)
                except BaseException:
                    del self._jobs[job_id]
                    self._router.remove_receiver(job_id)
                    raise
                if not start:
                    job.unqueue = self._unqueue
        if start:
            self._launch_new(job)
        for preemption in preempt:
            self._on_main_thread(functools.partial(self._preempt, preemption))
        self._on_main_thread(self._book_changed)
        return future

    def _make_job(self, task: ITaskSpecification, options: JobOptions) -> Job:
        job = Job(self._context.cancel_flag(), self._router, self._send)
        future = task.future(job.cancel)
        runner = task.task()
        if not isinstance(future, BaseFuture) or not isinstance(runner, BaseTask):
            msg = (
                f"{type(task).__name__}.future() must return a BaseFuture and .task() a "
                f"BaseTask; got {type(future).__name__} and {type(runner).__name__}"
            )
            raise TypeError(msg)
        job.future, job.task, job.name = future, runner, options.name
        future._wait = self._waiter
        if options.name is not None:
            future.name = options.name
        if options.timeout is not None or options.settle_time:
            job.timed = TimedReceiver(
                future,
                timeout=options.timeout,
                settle_time=options.settle_time,
                event_loop=self._event_loop,
                router=self._router,
            )
        return job

    def _warn_if_renamed(self, options: JobOptions) -> None:
        with self._lock:
            earlier = self._scheduler.renamed_background(options)
        if earlier is not None:
            warnings.warn(
                f"Background job name {options.name!r} is in use by {safe_repr(earlier)}; "
                "it now names the new job. The earlier job runs on.",
                stacklevel=4,
            )

    def _launch(self, job: Job) -> None:
        """Queue a job on the worker pool. Never under the lock: the pool is user code."""
        try:
            job.withdraw = self._context.submit_job(self._worker_pool, job)
        except Exception as error:
            msg = f"The worker pool refused the job: {type(error).__name__}: {safe_str(error)}"
            raise ExecutorStateError(msg) from error

    def _launch_new(self, job: Job) -> None:
        """Queue a job just submitted; if the pool refuses it, fail its future and raise."""
        try:
            self._launch(job)
        except ExecutorStateError as error:
            # The job ends FAILED like any other, and releases its claims.
            job.pool_failed(error)
            raise

    def _launch_ready(self, ready: list[Job]) -> None:
        """Queue the jobs whose resources came free. Any thread, never under the lock.

        A job that the pool refuses ends FAILED with the pool's error.
        """
        for job in ready:
            try:
                self._launch(job)
            except ExecutorStateError as error:
                job.pool_failed(error)

    def _forget(self, job: Job) -> list[Job]:
        """Drop a job from the scheduler; return the jobs that can start. Under the lock."""
        future = job.future
        if not self._scheduler.tracks(future):
            return []
        ready: list[Job] = self._scheduler.end(future, job.name)
        for waiting in ready:
            waiting.unqueue = None
        return ready

    def _unqueue(self, job: Job) -> bool:
        """Withdraw a job held for resources; True if it was held. Main thread only."""
        with self._lock:
            ready = self._scheduler.withdraw(job.future, job.name)
            if ready is None:
                return False
            job.unqueue = None
            for waiting in ready:
                waiting.unqueue = None
        self._launch_ready(ready)
        return True

    def _preempt(self, preemption: Preemption[BaseFuture]) -> None:
        """Cancel a background job for a foreground one, warning about it. Main thread only."""
        if preemption.victim._preempt(preemption.by):
            warnings.warn(
                f"{_describe(preemption.by)} preempts background {_describe(preemption.victim)}, "
                f"which claims {preemption.overlap}; it starts once that job has ended.",
                PreemptionWarning,
                stacklevel=3,
            )

    def _on_main_thread(self, callback: Callable[[], object]) -> None:
        if self._waiter.on_main_thread():
            callback()
        else:
            self._event_loop.call_soon_threadsafe(callback)

    def _book_changed(self) -> None:
        """Tell observers of jobs, background_jobs, claimed_resources. Main thread only."""
        for name in ("jobs", "background_jobs", "claimed_resources"):
            # Build the new value only for observers: it costs O(live jobs).
            trait = self._trait(name, 0)  # type: ignore[attr-defined]
            if (trait is not None and trait._notifiers(False)) or self._notifiers(False):  # type: ignore[attr-defined]
                # trait_property_changed is missing from the traits stubs.
                self.trait_property_changed(name, None, getattr(self, name))  # type: ignore[attr-defined]

    def _check_running(self, action: str) -> None:
        if self._internal_state != RUNNING:
            msg = f"Cannot {action}: the executor is {self._internal_state}, not {RUNNING}."
            raise ExecutorStateError(msg)

    # -- stopping: main thread only -----------------------------------------

    def stop(self) -> None:
        """Cancel every job and stop once they have all ended. Main thread only.

        Returns at once. The executor is STOPPING until the last job's future
        is done, then releases what it owns and becomes STOPPED.

        Raises
        ------
        ExecutorStateError
            If the executor is not running.
        """
        self._check_event_loop()
        self._begin_stop(raise_unless_running=True)

    def shutdown(self, *, timeout: float | None = None) -> None:
        """Cancel every job and wait until all have ended. Main thread only.

        While it waits, messages from the jobs are delivered (their futures'
        observers run inside this call); nothing else of the event loop runs.
        Does nothing if the executor is already stopped.

        Parameters
        ----------
        timeout : float, optional
            Seconds to wait at most. None waits for as long as it takes.

        Raises
        ------
        ShutdownTimeoutError
            If jobs were still running when the timeout expired. The executor
            stays STOPPING and keeps delivering messages through the event
            loop; it stops by itself once the last job ends.
        TypeError, ValueError
            If ``timeout`` is not a number of seconds, or is negative.
        """
        timeout = check_seconds("timeout", timeout, allow_none=True)
        if self._internal_state == STOPPED:
            return
        try:
            self._check_event_loop()
        except ExecutorStateError:
            # Every future has failed with that error; what the jobs send
            # as they end is delivered below, without the event loop.
            pass
        self._begin_stop(raise_unless_running=False)
        if not self._router.drain_until(self._all_done, timeout):
            count = sum(not job.future.done for job in list(self._jobs.values()))  # type: ignore[union-attr]
            # "N tasks still running" is traits-futures' wording, which code may match.
            msg = (
                f"Shutdown timed out; {count} tasks still running after {timeout} s. "
                "The executor stays stopping and stops by itself when they end; "
                "call shutdown() again to wait longer."
            )
            raise ShutdownTimeoutError(msg)
        # Jobs whose future is done but still listed are the ones whose last
        # message is being delivered further up this stack: this call was
        # made by an observer of that message. They are over.
        for job_id in list(self._jobs):
            self._job_ended(job_id)
        if self._owns_pool:
            self._worker_pool.shutdown(wait=True)

    def _begin_stop(self, *, raise_unless_running: bool) -> None:
        with self._lock:
            old = self._internal_state
            if old != RUNNING:
                if raise_unless_running:
                    self._check_running("stop")
                jobs = []
            else:
                self._internal_state = STOPPING
                jobs = list(self._jobs.values())
        if old == RUNNING:
            self._notify_state(old, STOPPING)
        for job in jobs:
            assert job.future is not None
            job.future.cancel()
        self._finish_stop_if_due()

    def wait_for_background(self, name: str | None = None, *, timeout: float | None = None) -> Any:
        """Wait until background jobs have ended; return their futures. Any thread.

        Nothing about how they ended is hidden or raised: read each future's
        ``state`` and ``end_reason``.

        Parameters
        ----------
        name : str, optional
            The name of one live background job. None waits for all the
            background jobs live at the time of the call.
        timeout : float, optional
            Seconds to wait at most, for all of them together.

        Returns
        -------
        BaseFuture or list of BaseFuture
            The named job's future, or the list of all of them.

        Raises
        ------
        KeyError
            If no live background job has that name.
        WaitTimeoutError
            If the wait expired first; the jobs go on.
        TypeError, ValueError
            If ``timeout`` is not a number of seconds, or is negative.
        """
        timeout = check_seconds("timeout", timeout, allow_none=True)
        with self._lock:
            named = self._scheduler.background_jobs()
            futures = [named.get(name)] if name is not None else None
            if futures is None:
                futures = self._scheduler.background_futures()
        if futures == [None]:
            msg = f"no live background job is named {name!r}; live names: {sorted(named)}"
            raise KeyError(msg)
        late = self._waiter.all(futures, timeout)
        if late is not None:
            msg = f"{late!r} had not ended after {timeout} s; it goes on."
            raise WaitTimeoutError(msg)
        return futures[0] if name is not None else futures

    def _check_event_loop(self) -> None:
        """Fail every live job and raise if the event loop died. Main thread only.

        Raises
        ------
        ExecutorStateError
            If the event loop can no longer deliver (its QApplication was
            destroyed). The executor is then STOPPING; ``shutdown()`` ends it.
        """
        try:
            self._event_loop.check_alive()
        except ExecutorStateError as error:
            self._fail_all(error)
            raise

    def _fail_all(self, error: ExecutorStateError) -> None:
        with self._lock:
            old = self._internal_state
            if old == RUNNING:
                self._internal_state = STOPPING
            jobs = list(self._jobs.values())
        if old == RUNNING:
            self._notify_state(old, STOPPING)
        payload = marshal_exception(error)
        for job in jobs:
            job.cancel_event.set()
            assert job.future is not None
            if job.future.cancellable:
                self._router.deliver(job.job_id, Event.FAIL, payload)

    def _all_done(self) -> bool:
        return all(job.future.done for job in list(self._jobs.values()))  # type: ignore[union-attr]

    def _finish_stop_if_due(self) -> None:
        with self._lock:
            if self._jobs or self._internal_state != STOPPING:
                return
            self._internal_state = STOPPED
        self._router.close()
        if self._owns_pool:
            self._worker_pool.shutdown(wait=False)
        if self._owns_context:
            self._context.close()
        if self._owns_event_loop:
            self._event_loop.close()
        self._notify_state(STOPPING, STOPPED)
        logger.debug("%r stopped", self)

    # -- delivery callbacks: main thread ------------------------------------

    def _job_ended(self, job_id: int) -> None:
        with self._lock:
            # Already gone if shutdown() ran in an observer of this job's last message.
            job = self._jobs.pop(job_id, None)
            if job is None:
                return
            ready = self._forget(job)
        self._launch_ready(ready)
        self._book_changed()
        self._finish_stop_if_due()

    def _observer_failed(self, job_id: int, error: BaseException) -> None:
        job = self._jobs.get(job_id)
        future = job.future if job is not None else None
        logger.error(
            "An observer of job %d (%s) raised; delivery goes on",
            job_id,
            safe_repr(future),
            exc_info=(type(error), error, error.__traceback__),
        )

    # -- deprecated methods of traits-futures 0.2 ---------------------------

    def submit_call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Deprecated: use ``submit_call(executor, fn, ...)``."""
        from traits_jobs.jobs.call import submit_call

        warnings.warn(_deprecated("submit_call"), DeprecationWarning, stacklevel=2)
        return submit_call(self, fn, *args, **kwargs)

    def submit_iteration(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Deprecated: use ``submit_iteration(executor, fn, ...)``."""
        from traits_jobs.jobs.iteration import submit_iteration

        warnings.warn(_deprecated("submit_iteration"), DeprecationWarning, stacklevel=2)
        return submit_iteration(self, fn, *args, **kwargs)

    def submit_progress(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Deprecated: use ``submit_progress(executor, fn, ...)``."""
        from traits_jobs.jobs.progress import submit_progress

        warnings.warn(_deprecated("submit_progress"), DeprecationWarning, stacklevel=2)
        return submit_progress(self, fn, *args, **kwargs)

    # -- state --------------------------------------------------------------

    @property
    def event_loop(self) -> IEventLoop:
        """The event loop that delivers this executor's messages."""
        return self._event_loop

    def _notify_state(self, old: str, new: str) -> None:
        # trait_property_changed is missing from the traits stubs.
        notify = self.trait_property_changed  # type: ignore[attr-defined]
        notify("state", old, new)
        if old == RUNNING:
            notify("running", True, False)
        if new == STOPPED:
            notify("stopped", False, True)

    def _get_state(self) -> str:
        return self._internal_state

    def _get_jobs(self) -> list[BaseFuture]:
        with self._lock:
            return [job.future for job in self._jobs.values()]  # type: ignore[misc]

    def _get_background_jobs(self) -> dict[str, BaseFuture]:
        with self._lock:
            return self._scheduler.background_jobs()  # type: ignore[no-any-return]

    def _get_claimed_resources(self) -> dict[str, BaseFuture]:
        with self._lock:
            return self._scheduler.claimed_resources()  # type: ignore[no-any-return]

    def _get_running(self) -> bool:
        return self._internal_state == RUNNING

    def _get_stopped(self) -> bool:
        return self._internal_state == STOPPED

    def __repr__(self) -> str:
        return f"<TraitsExecutor {self._internal_state}, {len(self._jobs)} live job(s)>"


def _describe(future: BaseFuture) -> str:
    name = future.name
    return f"job {name!r}" if name is not None else safe_repr(future)


def _deprecated(method: str) -> str:
    # traits-futures' wording first, for code that filters the warning by its text.
    return f"The {method} method is deprecated; use {method}(executor, ...) instead."
