# SPDX-License-Identifier: BSD-3-Clause
"""Stop everything now: ``cancel_all()``, ``emergency_stop()`` and ``watch_emergency()``.

A mixin of :class:`~traits_jobs.api.TraitsExecutor`. The hook registry is
bookkeeping under the executor's lock; hooks, cancellations and their
observers run after it is released.
"""

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from traits_jobs.executor._parts import ExecutorParts
from traits_jobs.executor.emergency import EmergencyHook, EmergencyStop, run_hooks
from traits_jobs.jobs._submit import check_callable
from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.call import CallFuture
from traits_jobs.jobs.context import JobContext
from traits_jobs.jobs.loop import (
    MONOTONIC,
    BackgroundLoop,
    LoopFuture,
    LoopJob,
    LoopParams,
    LoopTask,
)
from traits_jobs.states.exceptions import ExecutorStateError
from traits_jobs.states.failure import safe_repr
from traits_jobs.states.future_states import COMPLETED
from traits_jobs.states.seconds import check_seconds

logger = logging.getLogger(__name__)

#: Seconds a hook has to return, unless it was registered with its own timeout.
DEFAULT_HOOK_TIMEOUT = 5.0


class Aborting(ExecutorParts):
    """The emergency stop and cancel-all."""

    _emergency_hooks: dict[str, EmergencyHook]
    submit: Callable[..., Any]

    def add_emergency_stop(
        self,
        hook: Callable[[], Any],
        *,
        name: str | None = None,
        timeout: float = DEFAULT_HOOK_TIMEOUT,
    ) -> str:
        """Register a device's stop for :meth:`emergency_stop`. Thread-safe.

        Parameters
        ----------
        hook : callable
            Called with no arguments, on a thread of its own; an ``async``
            function is awaited on the executor's asyncio loop. It should
            stop the device and return: "halt the motor", "close the
            shutter", "heater off".
        name : str, optional
            How the report names it; the hook's qualified name by default.
        timeout : float
            Seconds it has to return; past them the report says "timed out".

        Returns
        -------
        str
            The name, for :meth:`remove_emergency_stop`.

        Raises
        ------
        TypeError, ValueError
            If ``hook`` is not callable, ``name`` is not a str, the timeout
            is not a positive finite number of seconds, or a hook of that
            name is registered already.
        """
        check_callable("add_emergency_stop", hook)
        if name is None:
            name = getattr(hook, "__qualname__", None) or safe_repr(hook)
        elif not isinstance(name, str):
            msg = f"name must be a str, not {type(name).__name__}: {name!r}"
            raise TypeError(msg)
        seconds = check_seconds("timeout", timeout, allow_none=False)
        if not seconds:
            msg = f"timeout must be a positive, finite number of seconds, not {timeout!r}"
            raise ValueError(msg)
        with self._lock:
            if name in self._emergency_hooks:
                msg = f"an emergency stop named {name!r} is registered already"
                raise ValueError(msg)
            self._emergency_hooks[name] = EmergencyHook(name, hook, seconds)
        # Ready before it is needed: the stop itself must not wait for a thread.
        self._standby_thread()  # type: ignore[attr-defined]
        return name

    def remove_emergency_stop(self, name: str) -> bool:
        """Unregister the hook ``name``; True if it was registered. Thread-safe."""
        with self._lock:
            return self._emergency_hooks.pop(name, None) is not None

    @property
    def emergency_stops(self) -> list[str]:
        """The names of the registered hooks, in registration order."""
        with self._lock:
            return list(self._emergency_hooks)

    def cancel_all(self, skip: Iterable[BaseFuture | str] = ()) -> list[BaseFuture]:
        """Cancel every live job, except some. Main thread only; never blocks.

        Parameters
        ----------
        skip : iterable of futures or job names
            Jobs to leave running. Jobs submitted with
            ``cancel_on_abort=False`` are left running too.

        Returns
        -------
        list of futures
            The futures cancelled, in the order their jobs were submitted.

        Raises
        ------
        TypeError
            If ``skip`` holds something other than futures and names.
        RuntimeError
            Off the main thread (as ``future.cancel()``).
        """
        return [job.future for job in self._abort_targets(skip) if job.future.cancel()]  # type: ignore[union-attr]

    def _abort_targets(self, skip: Iterable[BaseFuture | str]) -> list[Any]:
        """The live jobs a cancel-all takes, in submission order. Any thread."""
        skip_futures, skip_names = _split_skip(skip)
        with self._lock:
            jobs = list(self._jobs.values())
        return [
            job
            for job in jobs
            if job.future is not None
            and job.abortable
            and job.future not in skip_futures
            and (job.name is None or job.name not in skip_names)
            and not job.future.done
        ]

    def emergency_stop(self, skip: Iterable[BaseFuture | str] = ()) -> CallFuture:
        """Stop everything now: cancel the jobs and call every hook at once. Any thread.

        Never blocks the calling thread. The jobs are cancelled first, as
        :meth:`cancel_all` does (cancelling asks; it never waits for a job
        to end), then every hook starts, each on a thread of its own, all at
        once, while the jobs end. From another thread (an interlock of your
        own) each job is told at once, and ends CANCELLED even if it meets a
        halted device first; its future shows CANCELLING when the main
        thread gets to it. A hook that raises or hangs does not keep the
        others from running: each has its timeout.

        Returns
        -------
        CallFuture
            Its result, once every hook has returned or timed out, is an
            :class:`~traits_jobs.api.EmergencyReport`: the jobs cancelled and,
            for each hook, "ok", its exception, or "timed out". The executor's
            ``emergency_stopped`` event fires with the same report.

        Raises
        ------
        ExecutorStateError
            If the executor is not running.
        TypeError
            If ``skip`` holds something other than futures and names.
        """
        skip = tuple(skip) if not isinstance(skip, str | BaseFuture) else (skip,)
        _split_skip(skip)  # Refuse what cannot be skipped before anything happens.
        with self._lock:
            entries = tuple(self._emergency_hooks.values())
        self._check_running("stop everything")  # type: ignore[attr-defined]
        cancelled: list[BaseFuture] = []
        known = threading.Event()
        if self._waiter.on_main_thread():
            # Cancelling is a millisecond of the main thread's own work; done
            # first, it does not compete with the hook threads for the GIL.
            try:
                cancelled.extend(self.cancel_all(skip=skip))
            finally:
                known.set()
        else:
            # From another thread: every job is told at once, before a hook
            # halts its device, and ends CANCELLED whatever it meets; its
            # future moves to CANCELLING when the main thread gets to it.
            targets = self._abort_targets(skip)
            for job in targets:
                job.control.set()
            cancelled.extend(job.future for job in targets)
            known.set()
            futures = tuple(cancelled)

            def cancel_futures() -> None:
                for future in futures:
                    future.cancel()

            try:
                self._event_loop.call_soon_threadsafe(cancel_futures)
            except RuntimeError:
                pass  # No main thread any more: the jobs are told all the same.
        future: CallFuture = self.submit(
            EmergencyStop(run_hooks, (entries, self._runner, cancelled, known), {}),
            name="emergency stop",
            cancel_on_abort=False,
        )
        self._waiter.when_done(future, self._emergency_stop_done)
        return future

    def _emergency_stop_done(self, future: BaseFuture) -> None:
        if future.state == COMPLETED:
            self.emergency_stopped = future.result  # type: ignore[attr-defined]
        else:
            logger.error("The emergency stop itself ended %s: %s", future.state, future.failure)

    def watch_emergency(
        self, check: Callable[[], object], *, period: float = 0.1, name: str = "emergency watch"
    ) -> LoopFuture:
        """Poll ``check()`` and trigger an emergency stop on each false-to-true edge. Thread-safe.

        A loop job on a thread of its own in the main process (whatever the
        context: the check reads the application's state), submitted with
        ``cancel_on_abort=False`` so that the stops it triggers (and any
        other) leave it running. Each
        time ``check()`` turns true it calls :meth:`emergency_stop`, skipping
        itself; it re-arms once ``check()`` is false again. A ``check()``
        that raises counts as true (an interlock that cannot be read is not
        safe), and the error is logged. Its future's ``status`` is the last
        reading. Stop watching with ``future.stop()``.

        Parameters
        ----------
        check : callable
            Returns a true value while the condition calls for a stop ("door
            open", "over temperature"). Called on the loop's worker.
        period : float
            Seconds between two readings.
        name : str
            The loop job's name.

        Returns
        -------
        LoopFuture
        """
        check_callable("watch_emergency", check)
        seconds = check_seconds("period", period, allow_none=False)
        if not seconds:
            msg = f"period must be a positive, finite number of seconds, not {period!r}"
            raise ValueError(msg)
        watch = _Watch(check, self._triggered_by)
        future: LoopFuture = self.submit(
            _WatchLoop(LoopParams(watch, (), seconds, "skip", None, MONOTONIC)),
            name=name,
            cancel_on_abort=False,
        )
        watch.future = future
        watch.ready.set()
        return future

    def _triggered_by(self, watcher: LoopFuture) -> None:
        """A watch saw its condition turn true. On the watch's thread."""
        logger.warning("The emergency watch %r triggered an emergency stop", watcher.name)
        try:
            self.emergency_stop(skip=(watcher,))
        except ExecutorStateError:
            pass  # Stopping already: stop() cancels the jobs itself.


class _WatchTask(LoopTask):
    """The watch's loop: on a thread of the main process, whatever the context."""

    __slots__ = ()

    #: The executor starts it on a thread of its own: the check reads the
    #: application's state, and the loop must never wait for a pool worker.
    runs_on: ClassVar[str] = "own thread"


class _WatchLoop(BackgroundLoop):
    """Specification of the watch's loop job."""

    __slots__ = ()

    task_class = _WatchTask


class _Watch(LoopJob):
    """The body of ``watch_emergency``'s loop."""

    def __init__(
        self,
        check: Callable[[], object],
        trigger: Callable[[LoopFuture], None],
    ) -> None:
        self.check = check
        self.trigger = trigger
        self.future: LoopFuture | None = None
        #: Set once ``future`` is known: the first reading waits for it.
        self.ready = threading.Event()
        self.tripped = False

    def iteration(self, ctx: JobContext) -> None:
        self.ready.wait()
        try:
            unsafe = bool(self.check())
        except Exception:
            logger.exception(
                "The emergency check %s raised; taken as unsafe", safe_repr(self.check)
            )
            unsafe = True
        if unsafe and not self.tripped:
            # From this worker, at once: a busy main thread must not delay
            # the hooks (the jobs are cancelled when it gets to them).
            self.trigger(self.future)  # type: ignore[arg-type]
        self.tripped = unsafe
        ctx.publish_status(unsafe)


def _split_skip(skip: Iterable[BaseFuture | str]) -> tuple[set[BaseFuture], set[str]]:
    if isinstance(skip, str | BaseFuture):
        skip = (skip,)
    futures, names = set(), set()
    for item in skip:
        if isinstance(item, BaseFuture):
            futures.add(item)
        elif isinstance(item, str):
            names.add(item)
        else:
            msg = f"skip expected futures and job names, got {type(item).__name__}: {item!r}"
            raise TypeError(msg)
    return futures, names
