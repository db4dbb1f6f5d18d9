# SPDX-License-Identifier: BSD-3-Clause
"""Loop jobs: an instrument loop with a period, settings in and status out.

``submit_loop(executor, body, period=0.1)`` runs ``body`` once per period
until it is stopped, cancelled, fails or times out. The GUI steers it
through its :class:`LoopFuture`: ``set_settings()`` leaves new settings that
the loop applies at the start of its next iteration, ``status`` shows what
the loop publishes, ``pause()``/``resume()`` hold it between iterations and
``stop()`` ends it after the current one. When the iterations start, and
what an overrun does, is :mod:`traits_jobs.jobs.loop_schedule`.
"""

import dataclasses
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from traits.api import Any as AnyTrait
from traits.api import Event, Int

from traits_jobs.jobs._submit import check_callable
from traits_jobs.jobs.base_task import BaseTask
from traits_jobs.jobs.context import JobContext
from traits_jobs.jobs.i_task_specification import ITaskSpecification
from traits_jobs.jobs.loop_schedule import MISSED_POLICIES, LoopSchedule, MissedIteration
from traits_jobs.jobs.message_handlers import message_handler
from traits_jobs.jobs.options import JOB_OPTIONS, split_options
from traits_jobs.jobs.steering import PausableFuture, pause_point
from traits_jobs.states.control import NO_VALUE
from traits_jobs.states.exceptions import JobStopRequested, MissedDeadlineError
from traits_jobs.states.failure import safe_repr, safe_str
from traits_jobs.states.messages import ITERATIONS, MISSED, SETTINGS_APPLIED
from traits_jobs.states.seconds import check_seconds

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter

logger = logging.getLogger(__name__)

#: Seconds between two reports of a loop's iteration count; the last count
#: is always reported when the loop ends.
COUNT_INTERVAL = 0.01


class LoopJob:
    """Base class of a loop job written as an object, for ``submit_loop``.

    Override :meth:`iteration`, and any of the other methods. They run on
    the loop's worker, each with the job's context ``ctx`` (the same object
    ``current_job()`` returns). Keep the loop's own state on ``self``.
    """

    def prepare(self, ctx: JobContext) -> None:
        """Run once, before the first iteration: open the device, allocate buffers."""

    def apply_settings(self, ctx: JobContext, settings: Any) -> None:
        """Take new settings: at the start, and at the start of an iteration after
        ``future.set_settings()``. Raise to fail the job."""

    def iteration(self, ctx: JobContext) -> None:
        """One pass of the loop: read, compute, ``ctx.publish_status(...)``."""
        msg = f"{type(self).__name__} must override iteration()"
        raise NotImplementedError(msg)

    def finalize(self, ctx: JobContext) -> None:
        """Run exactly once after :meth:`prepare` ran, however the loop ends."""


class LoopClock(Protocol):
    """Where a loop job reads the time and waits; ``submit_loop(clock=...)``.

    The default is the monotonic clock and ``ctx.sleep``. Tests and
    simulations pass a virtual clock, so that the loop's timing is exact
    arithmetic instead of wall-clock luck.
    """

    def now(self) -> float:
        """Seconds on this clock's monotonic time line."""

    def sleep(self, ctx: JobContext, seconds: float) -> None:
        """Wait ``seconds``; raise ``JobStopRequested`` if the job is asked to stop."""


class MonotonicClock:
    """The default :class:`LoopClock`: ``time.monotonic`` and ``ctx.sleep``."""

    __slots__ = ()

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, ctx: JobContext, seconds: float) -> None:
        """``ctx.sleep(seconds)``: ends early on a stop or cancel request."""
        ctx.sleep(seconds)


class LoopFuture(PausableFuture):
    """Future of a loop job: settings in, status, counts and overruns out.

    Steer it from the main thread with :meth:`set_settings`, :meth:`pause`,
    :meth:`resume`, :meth:`stop` and :meth:`cancel`.
    """

    #: The settings the loop applied last (at first, those it was submitted with).
    settings = AnyTrait()

    #: Settings set with :meth:`set_settings` that the loop has not applied
    #: yet; None when there are none.
    pending_settings = AnyTrait()

    #: Iterations that returned so far (one that raises, even to stop the
    #: loop, is not counted). Updated at most every 10 ms while the loop
    #: runs, and with the final count when it ends.
    iteration_count = Int(0)

    #: Grid slots missed so far, over all overruns.
    missed_count = Int(0)

    #: Fires with a :class:`MissedIteration` for each overrun.
    iteration_missed = Event()

    #: Serial number of the latest set_settings(), and whether it is pending.
    _settings_serial = Int(0)
    _has_pending = AnyTrait(False)

    def set_settings(self, settings: Any) -> None:
        """Give the loop new settings; it applies them at its next iteration. Main thread only.

        Never blocks. Of settings set faster than the loop applies them only
        the latest is applied; :attr:`pending_settings` shows it until the
        loop has, then :attr:`settings` does.

        Parameters
        ----------
        settings : object or callable
            The new settings, or a function ``merge(latest) -> new`` called
            at once with the pending settings if there are any, else the
            applied ones. Two quick edits of different fields made through
            functions both survive. (To give a callable as the settings
            themselves, pass ``lambda _: fn``.)

        Raises
        ------
        RuntimeError
            If the loop has ended, or if called off the main thread.
        Exception
            Whatever ``merge`` raises; the settings are then unchanged.
        """
        wait = self._wait
        if wait is not None and threading.get_ident() != wait.main_ident:
            msg = (
                f"set_settings() of {self!r} was called from thread "
                f"{threading.current_thread().name!r}; call it on the main thread."
            )
            raise RuntimeError(msg)
        control = self._control
        if control is None or not self.cancellable:
            msg = f"set_settings() of {self!r}: the loop has ended; it takes no more settings"
            raise RuntimeError(msg)
        if callable(settings):
            settings = settings(self.pending_settings if self._has_pending else self.settings)
        serial = self._settings_serial + 1
        control.put_settings(settings, serial)
        self._settings_serial = serial
        self._has_pending = True
        self.pending_settings = settings

    @message_handler(SETTINGS_APPLIED)
    def _on_settings_applied(self, applied: tuple[int, Any]) -> None:
        serial, settings = applied
        self.settings = settings
        if serial == self._settings_serial and self._has_pending:
            self._has_pending = False
            self.pending_settings = None

    @message_handler(ITERATIONS)
    def _on_iterations(self, count: int) -> None:
        self.iteration_count = count

    @message_handler(MISSED)
    def _on_missed(self, missed: MissedIteration) -> None:
        self.missed_count += missed.slots_missed
        self.iteration_missed = missed


class LoopState:
    """The settings of a running loop, on its worker. Internal."""

    __slots__ = ("apply", "changed", "settings", "task")

    def __init__(self, task: BaseTask, settings: Any, apply: Callable[..., None] | None) -> None:
        self.task = task
        self.settings = settings
        #: True when settings were applied since the body last asked: the
        #: initial settings count as new.
        self.changed = settings is not None
        self.apply = apply

    def apply_pending(self, ctx: JobContext) -> bool:
        """Apply the settings the main thread left, if any; True if there were some."""
        task = self.task
        serial, settings = task._control.take_settings()
        if settings is NO_VALUE:
            return False
        if self.apply is not None:
            self.apply(ctx, settings)
        self.settings, self.changed = settings, True
        task._send(task._job_id, SETTINGS_APPLIED, (serial, settings))
        return True


@dataclasses.dataclass(frozen=True, slots=True)
class LoopParams:
    """What a loop job runs and how, as ``submit_loop`` checked it. Internal."""

    body: Any
    args: tuple[Any, ...]
    period: float
    policy: str
    settings: Any
    clock: LoopClock


class LoopTask(BaseTask):
    """Worker side of a loop job."""

    __slots__ = ("loop",)

    def __init__(self, loop: LoopParams) -> None:
        self.loop = loop

    def run(self) -> None:
        ctx = self._context = JobContext(self)
        loop = self.loop
        body = loop.body
        if isinstance(body, LoopJob):
            state = ctx._loop = LoopState(self, loop.settings, body.apply_settings)
            body.prepare(ctx)
            try:
                if loop.settings is not None:
                    body.apply_settings(ctx, loop.settings)
                self._loop(ctx, state, body.iteration, ())
            except BaseException as error:
                _finalize(body, ctx, error)
                raise
            _finalize(body, ctx, None)
        else:
            state = ctx._loop = LoopState(self, loop.settings, None)
            self._loop(ctx, state, body, loop.args)

    def _loop(
        self,
        ctx: JobContext,
        state: LoopState,
        iteration: Callable[..., Any],
        args: tuple[Any, ...],
    ) -> None:
        control, send, job_id = self._control, self._send, self._job_id
        clock, policy = self.loop.clock, self.loop.policy
        schedule = LoopSchedule(self.loop.period, policy, clock.now())
        count = sent = 0
        sent_at = -math.inf
        try:
            while True:
                steered = control._steering is not None
                if steered and control.pause_requested:
                    if count != sent:
                        # A paused loop shows how far it got.
                        send(job_id, ITERATIONS, count)
                        sent = count
                    if pause_point(self):
                        schedule.rephase(clock.now())
                if control.is_set():
                    return
                if control._stop:
                    raise JobStopRequested
                if steered:
                    state.apply_pending(ctx)
                iteration(ctx, *args)
                count += 1
                now = clock.now()
                if now - sent_at >= COUNT_INTERVAL:
                    # A fast loop would cost the main thread a trait change
                    # per iteration for a number nobody reads that fast.
                    send(job_id, ITERATIONS, count)
                    sent, sent_at = count, now
                plan = schedule.plan(now)
                if plan.slots_missed:
                    missed = MissedIteration(plan.lateness, plan.slots_missed, policy, count)
                    send(job_id, MISSED, missed)
                    if policy == "terminate":
                        raise MissedDeadlineError(plan.lateness, plan.slots_missed)
                if plan.start > now:
                    clock.sleep(ctx, plan.start - now)
        finally:
            if count != sent:
                send(job_id, ITERATIONS, count)


def _finalize(body: LoopJob, ctx: JobContext, error: BaseException | None) -> None:
    """Run ``body.finalize``; its error fails the job unless the loop failed first."""
    try:
        body.finalize(ctx)
    except Exception as finalize_error:
        if error is None or isinstance(error, JobStopRequested):
            raise
        logger.error(
            "finalize() of %s raised %s after the loop failed; the job fails with the "
            "loop's own error",
            safe_repr(body),
            safe_repr(finalize_error),
        )
        error.add_note(
            f"Then finalize() raised {type(finalize_error).__name__}: {safe_str(finalize_error)}"
        )


class BackgroundLoop(ITaskSpecification):
    """Specification of a loop job."""

    __slots__ = ("loop",)

    #: The worker side it makes; a subclass may run the loop elsewhere.
    task_class: ClassVar[type[LoopTask]] = LoopTask

    def __init__(self, loop: LoopParams) -> None:
        self.loop = loop

    def future(self, cancel: Callable[[], None]) -> LoopFuture:
        return LoopFuture(_cancel=cancel, settings=self.loop.settings)

    def task(self) -> LoopTask:
        return self.task_class(self.loop)


def submit_loop(
    executor: "Submitter",
    body: Callable[..., Any] | LoopJob,
    /,
    *args: Any,
    period: float,
    missed: str = "skip",
    settings: Any = None,
    clock: LoopClock | None = None,
    **options: Any,
) -> LoopFuture:
    """Run ``body`` once per ``period`` in the background until stopped. Thread-safe.

    The first iteration runs at once, the next ones on a grid of
    ``period``. Before each iteration the loop applies new settings, pauses
    if asked, and ends if asked to stop (COMPLETED, ``end_reason``
    "stopped") or cancelled (CANCELLED). The waits between iterations end at
    once on a stop or cancel request. An exception in the body fails the
    job with that exception.

    Parameters
    ----------
    executor : TraitsExecutor
        The executor to run the job (anything with its ``submit`` method).
    body : callable or LoopJob
        Called as ``body(ctx, *args)`` for each iteration, with the job's
        :class:`~traits_jobs.api.JobContext`; or a :class:`LoopJob`, whose
        ``prepare`` runs first, ``apply_settings`` with the initial and then
        each new settings, ``iteration`` each period, and ``finalize``
        exactly once at the end whatever ends the loop.
    *args
        Passed to a callable body after ``ctx``.
    period : float
        Seconds between iteration starts; positive and finite.
    missed : str
        What an iteration that ends after the next slot does: "skip" (wait
        for the next slot of the grid), "immediate" (start at once and
        re-phase the grid), "terminate" (fail with
        :exc:`~traits_jobs.api.MissedDeadlineError`). Each overrun fires the
        future's ``iteration_missed``.
    settings : object, optional
        The initial settings, read in the body as ``ctx.settings``.
    clock : LoopClock, optional
        Where the loop reads the time and waits; the monotonic clock by
        default.
    **options
        The job options (``name``, ``timeout``, ``resources``,
        ``background``, ...; see :class:`~traits_jobs.api.JobOptions`).

    Returns
    -------
    LoopFuture

    Raises
    ------
    TypeError, ValueError
        For a body that is neither callable nor a LoopJob, extra arguments
        with a LoopJob, a bad period or policy, or an unknown option.
    """
    if not isinstance(body, LoopJob):
        check_callable("submit_loop", body)
    elif args:
        msg = (
            f"submit_loop() got positional arguments {safe_repr(args)} for the LoopJob "
            f"{safe_repr(body)}; a LoopJob takes its parameters in its constructor"
        )
        raise TypeError(msg)
    seconds = check_seconds("period", period, allow_none=False)
    if not seconds:
        msg = f"period must be a positive, finite number of seconds, not {period!r}"
        raise ValueError(msg)
    if missed not in MISSED_POLICIES:
        msg = f"missed must be one of {MISSED_POLICIES}, not {missed!r}"
        raise ValueError(msg)
    if clock is None:
        clock = MONOTONIC
    elif not (callable(getattr(clock, "now", None)) and callable(getattr(clock, "sleep", None))):
        msg = f"clock must have now() and sleep(ctx, seconds) methods, got {safe_repr(clock)}"
        raise TypeError(msg)
    job_options, unknown = split_options(options)
    if unknown:
        msg = (
            f"submit_loop() got unexpected keyword argument(s) {sorted(unknown)}; "
            f"the job options are {list(JOB_OPTIONS)}, and a loop body takes positional "
            "arguments only (use functools.partial for keywords)"
        )
        raise TypeError(msg)
    specification = BackgroundLoop(LoopParams(body, args, seconds, missed, settings, clock))
    future: LoopFuture = executor.submit(specification, **job_options)
    return future


#: The default clock of loop jobs.
MONOTONIC = MonotonicClock()
