# SPDX-License-Identifier: BSD-3-Clause
"""The emergency stop: devices' stop hooks, run at once, each on its own thread.

``executor.emergency_stop()`` cancels the live jobs on the main thread and,
at the same moment, calls every registered hook concurrently: a hook never
waits for a slow cancellation, and a hook that raises or hangs never keeps
the others from running. Each hook has a timeout; the report says, for
each, "ok", its exception, or "timed out". This module holds the hooks'
side: the registry entries, the report, and the job that runs them.
"""

import asyncio
import dataclasses
import inspect
import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from traits_jobs.jobs._submit import FunctionSpecification, FunctionTask
from traits_jobs.jobs.call import CallFuture

if TYPE_CHECKING:
    from traits_jobs.executor.coroutine_runner import CoroutineRunner
    from traits_jobs.jobs.base_future import BaseFuture

#: What the report says of a hook that returned, and of one that did not in time.
OK = "ok"
TIMED_OUT = "timed out"


@dataclasses.dataclass(frozen=True, slots=True)
class EmergencyHook:
    """A registered stop: a sync or async callable, its name and its timeout."""

    name: str
    hook: Callable[[], Any]
    timeout: float


@dataclasses.dataclass(frozen=True, slots=True)
class EmergencyReport:
    """What an emergency stop did: the result of the future ``emergency_stop()`` returns.

    Attributes
    ----------
    cancelled : tuple of futures
        The jobs it cancelled, in the order they were submitted.
    hooks : dict
        Hook name -> "ok", the exception the hook raised, or "timed out".
    """

    cancelled: tuple["BaseFuture", ...]
    hooks: dict[str, Any]

    @property
    def ok(self) -> bool:
        """True if every hook returned in time."""
        return all(outcome == OK for outcome in self.hooks.values())


class _HookCall:
    """One hook running on a thread of its own; its outcome once it has one."""

    def __init__(self, entry: EmergencyHook, runner: "CoroutineRunner | None") -> None:
        self.entry = entry
        self.outcome: Any = None
        self.done = threading.Event()
        self.deadline = time.monotonic() + entry.timeout
        self._runner = runner
        thread = threading.Thread(
            target=self._run, name=f"traits_jobs-emergency-{entry.name}", daemon=True
        )
        thread.start()

    def _run(self) -> None:
        try:
            result = self.entry.hook()
            if inspect.isawaitable(result):
                self._await(result)
        except BaseException as error:
            self.outcome = error
        else:
            self.outcome = OK
        finally:
            self.done.set()

    def _await(self, awaitable: Any) -> None:
        """Run an async hook's awaitable on the executor's asyncio loop, or a loop of its own."""
        if self._runner is None:
            asyncio.run(_as_coroutine(awaitable))
            return
        future = asyncio.run_coroutine_threadsafe(_as_coroutine(awaitable), self._runner.loop)
        remaining = max(0.0, self.deadline - time.monotonic())
        try:
            future.result(remaining)
        except TimeoutError:
            future.cancel()
            raise

    def outcome_by_deadline(self) -> Any:
        """Wait until the hook's deadline at most; its outcome, or "timed out"."""
        if not self.done.wait(max(0.0, self.deadline - time.monotonic())):
            return TIMED_OUT
        outcome = self.outcome
        return TIMED_OUT if isinstance(outcome, TimeoutError) else outcome


async def _as_coroutine(awaitable: Any) -> Any:
    return await awaitable


def run_hooks(
    entries: tuple[EmergencyHook, ...],
    runner: "CoroutineRunner | None",
    cancelled: list["BaseFuture"],
    cancelled_known: threading.Event,
) -> EmergencyReport:
    """Start every hook at once, collect each outcome by its deadline. On a thread of its own."""
    calls = [_HookCall(entry, runner) for entry in entries]
    hooks = {call.entry.name: call.outcome_by_deadline() for call in calls}
    # The main thread lists the jobs it cancelled right after it started this.
    cancelled_known.wait()
    return EmergencyReport(tuple(cancelled), hooks)


class StandbyThread:
    """A thread waiting to run the next emergency stop, started ahead of need.

    Starting a thread blocks its starter until the new thread runs, which
    can take a whole interpreter switch interval (5 ms): an emergency stop
    hands its job to this thread instead, and never waits.
    """

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], object] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="traits_jobs-emergency", daemon=True)
        self._thread.start()

    def run(self, job: Callable[[], object]) -> None:
        """Run ``job()`` on the standby thread. Never blocks."""
        self._jobs.put(job)

    def close(self) -> None:
        """Let the thread end once it has run what it was given."""
        self._jobs.put(None)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()


class EmergencyStopTask(FunctionTask):
    """The job of an emergency stop: it runs on a thread of its own, never on the pool."""

    __slots__ = ()

    #: The executor starts this task on a new thread: the pool may be full.
    runs_on: ClassVar[str] = "standby thread"

    def run(self) -> Any:
        return self.fn(*self.args, **self.kwargs)


class EmergencyStop(FunctionSpecification):
    """Specification of the job of an emergency stop."""

    __slots__ = ()

    def future(self, cancel: Callable[[], None]) -> CallFuture:
        return CallFuture(_cancel=cancel)

    def task(self) -> EmergencyStopTask:
        return EmergencyStopTask(self.fn, self.args, self.kwargs)
