# SPDX-License-Identifier: BSD-3-Clause
"""How the executor starts jobs: on the pool at once, or once their resources are free.

A mixin of :class:`~traits_jobs.api.TraitsExecutor`. The scheduler decides
under the executor's lock; everything here that reaches user code (a pool's
``submit``, a future's observers through preemption, warnings) runs after
the lock is released.
"""

import threading
import warnings
from collections.abc import Callable

from traits_jobs.executor._parts import ExecutorParts
from traits_jobs.executor.coroutine_runner import CoroutineRunner
from traits_jobs.executor.emergency import StandbyThread
from traits_jobs.executor.job import Job
from traits_jobs.executor.scheduler import Preemption
from traits_jobs.executor.timing import TimedReceiver
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.base_task import RUNS_ON, BaseTask
from traits_jobs.jobs.i_task_specification import ITaskSpecification
from traits_jobs.jobs.options import JobOptions
from traits_jobs.states.control import JobControl, LinkedControl
from traits_jobs.states.exceptions import (
    ExecutorStateError,
    JobPicklingError,
    PreemptionWarning,
)
from traits_jobs.states.failure import safe_repr, safe_str


class Launching(ExecutorParts):
    """Making jobs, queueing them on the pool, starting held ones, preempting."""

    def _make_job(self, task: ITaskSpecification, options: JobOptions) -> Job:
        flag = self._context.cancel_flag()
        control = flag if isinstance(flag, JobControl) else LinkedControl(flag)
        job = Job(control, self._router, self._send)
        job.launch = self._relauncher
        control.locks = self._job_locks
        future = task.future(job.cancel)
        runner = task.task()
        if not isinstance(future, BaseFuture) or not isinstance(runner, BaseTask):
            msg = (
                f"{type(task).__name__}.future() must return a BaseFuture and .task() a "
                f"BaseTask; got {type(future).__name__} and {type(runner).__name__}"
            )
            raise TypeError(msg)
        if runner.runs_on not in RUNS_ON:
            msg = (
                f"{type(runner).__name__}.runs_on must be one of {RUNS_ON}, not {runner.runs_on!r}"
            )
            raise TypeError(msg)
        if future._wait is not None:
            msg = (
                f"{type(task).__name__}.future() returned {future!r}, which was submitted "
                "before; each job needs a new future."
            )
            raise TypeError(msg)
        job.future, job.task, job.name = future, runner, options.name
        job.abortable = options.cancel_on_abort
        future._wait = self._waiter
        future._control = control
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

    def _warn_renamed(self, name: str | None, earlier: BaseFuture) -> None:
        """Warn that an admitted background job took ``name`` over from ``earlier``."""
        warnings.warn(
            f"Background job name {name!r} was in use by {safe_repr(earlier)}; "
            "it now names the new job. The earlier job runs on.",
            stacklevel=4,
        )

    def _launch(self, job: Job) -> None:
        """Queue a job on the worker pool. Never under the lock: the pool is user code.

        A job the pool refuses ends FAILED with the pool's error, like any
        other job, and releases its claims.

        Raises
        ------
        ExecutorStateError
            If the pool refused the job.
        BaseException
            What else the pool raised (KeyboardInterrupt), after failing the job.
        """
        try:
            runs_on = job.task.runs_on if job.task is not None else "pool"
            if runs_on == "pool":
                job.withdraw = self._context.submit_job(self._worker_pool, job)
            elif runs_on == "event loop":
                runner = self._coroutine_runner()
                runner.submit_job(job, job)
                job.withdraw = runner.withdrawer
            elif runs_on == "standby thread":
                # Never behind the pool's queue, never waiting for a thread
                # to start: an emergency stop.
                self._standby_thread().run(job)
            else:  # "own thread", checked by _make_job.
                threading.Thread(target=job, name="traits_jobs-job", daemon=True).start()
        except JobPicklingError as error:
            # The caller's own mistake, said plainly: not the pool's refusal.
            job.pool_failed(error)
            raise
        except Exception as error:
            msg = f"The worker pool refused the job: {type(error).__name__}: {safe_str(error)}"
            refusal = ExecutorStateError(msg)
            refusal.__cause__ = error
            job.pool_failed(refusal)
            raise refusal from error
        except BaseException as error:
            job.pool_failed(error)
            raise

    def _standby_thread(self) -> StandbyThread:
        """The thread that runs emergency stops; started on first need. Thread-safe."""
        standby = self._standby
        if standby is None:
            with self._lock:
                standby = self._standby
                if standby is None:
                    standby = self._standby = StandbyThread()
        return standby

    def _coroutine_runner(self) -> CoroutineRunner:
        """The executor's asyncio loop for coroutine jobs, started on first use. Thread-safe."""
        runner = self._runner
        if runner is None:
            with self._lock:
                runner = self._runner
                if runner is None:
                    runner = self._runner = CoroutineRunner()
        return runner

    def _relaunch(self, job: Job) -> None:
        """Queue a job that left its worker while paused. Any thread, never under the lock.

        A pool that refuses fails the job through the router.
        """
        try:
            self._launch(job)
        except ExecutorStateError:
            pass

    def _launch_ready(self, ready: list[Job]) -> None:
        """Queue the jobs whose resources came free. Any thread, never under the lock.

        A job that the pool refuses ends FAILED with the pool's error; the
        others are launched all the same, and anything else the pool raised
        is raised once they are.
        """
        interrupted: BaseException | None = None
        for job in ready:
            try:
                self._launch(job)
            except ExecutorStateError:
                pass  # The job's future ends FAILED through the router.
            except BaseException as error:
                interrupted = interrupted or error
        if interrupted is not None:
            raise interrupted

    def _forget(self, job: Job) -> list[Job]:
        """Drop a job from the scheduler; return the jobs that can start. Under the lock."""
        future = job.future
        assert future is not None
        if not self._scheduler.tracks(future):
            return []
        ready: list[Job] = self._scheduler.end(future, job.name)
        for waiting in ready:
            waiting.unqueue = None
        return ready

    def _unqueue(self, job: Job) -> bool:
        """Withdraw a job held for resources; True if it was held. Main thread only."""
        assert job.future is not None
        with self._lock:
            ready = self._scheduler.withdraw(job.future, job.name)
            if ready is None:
                return False
            job.unqueue = None
            for waiting in ready:
                waiting.unqueue = None
        self._launch_ready(ready)
        return True

    def _preempt(self, preemption: Preemption[BaseFuture], *, for_lock: bool = False) -> None:
        """Cancel a background job for a foreground one, warning about it. Main thread only."""
        if preemption.victim._preempt(preemption.by):
            then = (
                "its lock is granted once that job has ended"
                if for_lock
                else "it starts once that job has ended"
            )
            warnings.warn(
                f"{_describe(preemption.by)} preempts background {_describe(preemption.victim)}, "
                f"which claims {preemption.overlap}; {then}.",
                PreemptionWarning,
                stacklevel=3,
            )

    def _on_main_thread(self, callback: Callable[[], object]) -> None:
        if self._waiter.on_main_thread():
            callback()
        else:
            self._event_loop.call_soon_threadsafe(callback)

    def _book_changed(self) -> None:
        """Tell observers of jobs, background_jobs, claimed_resources. Main thread only.

        Twice per job (submitted, ended): the usual answer, nobody observes,
        is found without looking at each trait. An observer of one of them
        (``observe``, ``on_trait_change``) made a copy of it for this object,
        one of every trait (``on_trait_change`` with no name) is on the
        object, and a static ``_jobs_changed`` is on the class's trait.
        """
        # The traits stubs lack _instance_traits, _notifiers and _trait.
        instance = self._instance_traits()  # type: ignore[attr-defined]
        if (
            "jobs" not in instance
            and "background_jobs" not in instance
            and "claimed_resources" not in instance
            and not self._notifiers(False)  # type: ignore[attr-defined]
            and not _static_book_observers(type(self))
        ):
            return
        for name in _BOOK:
            # Build the new value only for observers: it costs O(live jobs).
            trait = self._trait(name, 0)  # type: ignore[attr-defined]
            if (trait is not None and trait._notifiers(False)) or self._notifiers(False):  # type: ignore[attr-defined]
                self._notify(name, None, getattr(self, name))


#: The executor's traits that follow its table of jobs.
_BOOK = ("jobs", "background_jobs", "claimed_resources")


#: Class -> whether it has static observers of the traits in ``_BOOK``.
_STATIC_BOOK_OBSERVERS: dict[type, bool] = {}


def _static_book_observers(cls: type) -> bool:
    """True if a class has static observers (``_jobs_changed``) of the traits in ``_BOOK``."""
    known = _STATIC_BOOK_OBSERVERS.get(cls)
    if known is None:
        class_traits = cls.__class_traits__  # type: ignore[attr-defined]
        known = any(class_traits[name]._notifiers(False) for name in _BOOK)
        _STATIC_BOOK_OBSERVERS[cls] = known
    return known


def _describe(future: BaseFuture) -> str:
    name = future.name
    return f"job {name!r}" if name is not None else safe_repr(future)
