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
from typing import Any

from traits.api import Any as AnyTrait
from traits.api import Bool, Dict, Event, HasStrictTraits, List, Property

from traits_jobs.contexts.i_parallel_context import IParallelContext
from traits_jobs.contexts.multithreading import MultithreadingContext
from traits_jobs.event_loops.ets import ETSEventLoop
from traits_jobs.event_loops.i_event_loop import IEventLoop
from traits_jobs.executor._aborting import Aborting
from traits_jobs.executor._deprecated import DeprecatedSubmitMethods
from traits_jobs.executor._launching import Launching
from traits_jobs.executor._locking import Locking
from traits_jobs.executor._owning import Owning
from traits_jobs.executor._stopping import Stopping
from traits_jobs.executor.job import Job
from traits_jobs.executor.ownership import Owners, Protection
from traits_jobs.executor.scheduler import Scheduler
from traits_jobs.executor.waiting import Waiter
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.i_task_specification import ITaskSpecification
from traits_jobs.jobs.options import JobOptions
from traits_jobs.routing.router import MessageRouter
from traits_jobs.states.exceptions import (
    ExecutorStateError,
)
from traits_jobs.states.executor_states import RUNNING, STOPPED, ExecutorState
from traits_jobs.states.failure import safe_repr

logger = logging.getLogger(__name__)


def _check_optional(name: str, value: object, expected: type) -> None:
    if value is not None and not isinstance(value, expected):
        msg = f"{name} must be {expected.__name__} or None, not {type(value).__name__}: {value!r}"
        raise TypeError(msg)


class TraitsExecutor(
    Launching, Stopping, Owning, Locking, Aborting, DeprecatedSubmitMethods, HasStrictTraits
):
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

    #: Resource (or pattern) -> token of its owner, for the resources locked
    #: with :meth:`lock_owner`.
    owned_resources = Property(Dict, observe=None)

    #: Resource (or pattern) -> future of the job that holds it locked with
    #: ``job_lock()``.
    locked_resources = Property(Dict, observe=None)

    #: Fires with the :class:`~traits_jobs.api.EmergencyReport` of each
    #: :meth:`emergency_stop`, once its hooks have returned or timed out.
    emergency_stopped = Event()

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
    _owners = AnyTrait()
    _waiter = AnyTrait()
    _relauncher = AnyTrait()
    #: The asyncio loop of coroutine jobs; made by the first one.
    _runner = AnyTrait()
    #: name -> EmergencyHook, in registration order.
    _emergency_hooks = AnyTrait()
    _protection = AnyTrait()
    _job_locks = AnyTrait()
    #: The thread of emergency stops; started with the first hook.
    _standby = AnyTrait()

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
        self._owners = Owners()
        self._emergency_hooks = {}
        self._protection = Protection()
        self._job_locks = self._make_job_locks()
        # One bound method for every job, not one per job.
        self._relauncher = self._relaunch
        # One object for every future, not one per future.
        self._waiter = Waiter(
            self._event_loop, self._router, self._check_event_loop, self._job_ended
        )

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
            Job options, keyword-only: the names in
            :data:`~traits_jobs.api.JOB_OPTIONS`. See :class:`~traits_jobs.api.JobOptions`.

        Raises
        ------
        ExecutorStateError
            If the executor is not running, or its worker pool refused the job.
        ResourceConflictError
            If the job's resources are claimed and it may not wait for them.
        ResourceLockedError
            If a resource it claims is locked by an owner whose token it
            does not carry.
        ResourceProtectedError
            If a resource it claims is protected.
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
        on_main_thread = self._waiter.on_main_thread()
        if on_main_thread:
            self._check_event_loop()
        self._check_running("submit a job")
        job = self._make_job(task, job_options)
        future = job.future
        assert future is not None
        claims = job_options.resources or job_options.background
        with self._lock:
            self._check_running("submit a job")
            job.job_id = job_id = next(self._ids)
            job.control.job_id = job_id
            self._jobs[job_id] = job
            if job.timed is None:
                self._router.add_receiver(job_id, future)
            else:
                job.timed.job_id = job_id
                self._router.add_receiver(job_id, job.timed)
            start, preempt, renamed = True, [], None
            if claims:
                try:
                    if job_options.resources:
                        self._protection.check(job_options.resources)
                        self._owners.check(job_options.resources, job_options.lock_token)
                    renamed = self._scheduler.renamed_background(job_options)
                    start, preempt = self._scheduler.admit(job, future, job_options)
                except BaseException:
                    del self._jobs[job_id]
                    self._router.remove_receiver(job_id)
                    raise
                if not start:
                    job.unqueue = self._unqueue
        if start:
            self._launch(job)
        for preemption in preempt:
            self._on_main_thread(functools.partial(self._preempt, preemption))
        if on_main_thread:
            self._book_changed()
        else:
            self._event_loop.call_soon_threadsafe(self._book_changed)
        if renamed is not None:
            self._warn_renamed(job_options.name, renamed)
        return future

    def _check_running(self, action: str) -> None:
        if self._internal_state != RUNNING:
            msg = f"Cannot {action}: the executor is {self._internal_state}, not {RUNNING}."
            raise ExecutorStateError(msg)

    # -- state --------------------------------------------------------------

    @property
    def event_loop(self) -> IEventLoop:
        """The event loop that delivers this executor's messages."""
        return self._event_loop

    def _notify_state(self, old: str, new: str) -> None:
        changes: list[tuple[str, object, object]] = [("state", old, new)]
        if old == RUNNING:
            changes.append(("running", True, False))
        if new == STOPPED:
            changes.append(("stopped", False, True))
        for name, before, after in changes:
            self._notify(name, before, after)

    def _notify(self, name: str, old: Any, new: Any) -> None:
        """Fire a change of ``name``; an observer that raises is logged, the rest still run."""
        try:
            # trait_property_changed is missing from the traits stubs.
            self.trait_property_changed(name, old, new)  # type: ignore[attr-defined]
        except Exception:
            logger.exception("An observer of %s of %r raised", name, self)

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

    def _get_locked_resources(self) -> dict[str, Any]:
        return self._locked_futures()

    def _get_owned_resources(self) -> dict[str, Any]:
        with self._lock:
            return self._owners.snapshot()

    def _get_running(self) -> bool:
        return self._internal_state == RUNNING

    def _get_stopped(self) -> bool:
        return self._internal_state == STOPPED

    def __repr__(self) -> str:
        return f"<TraitsExecutor {self._internal_state}, {len(self._jobs)} live job(s)>"
