# SPDX-License-Identifier: BSD-3-Clause
"""The executor as a state machine: random programs searched by Hypothesis.

Each example builds a :class:`TraitsExecutor` on a :class:`ManualEventLoop`
and runs a random program of submissions (calls, iterations, progress jobs,
some claiming resources, some in the background, some with a timeout or a
settle time), cancellations, worker steps, runs of the loop, moves of the
virtual clock and a stop. Every job's worker waits at a :class:`Gate` for
the program's go, so the program decides when each job proceeds.

The invariants are the public contract of futures: each future ends once,
``state`` then ``cancellable`` then ``end_reason`` then ``done`` fire in
the order of the public state table, no job-specific event comes after
``cancel()`` returned (nor outside "executing"), and after a stop every
future is final and no worker thread is left.

Only the public API is used. The number of examples is set by the
Hypothesis profile (``tests/conftest.py``): 200 in the suite,
``HYPOTHESIS_PROFILE=fuzz`` for 10,000.
"""

import contextlib
import logging
import threading
import warnings
from collections.abc import Iterator
from typing import Any

from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from traits_jobs.api import (
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    TIMED_OUT,
    WAITING,
    ExecutorStateError,
    JobCancelledError,
    JobTimeoutError,
    ManualEventLoop,
    PreemptionWarning,
    ResourceConflictError,
    TraitsExecutor,
    report_progress,
    submit_call,
    submit_iteration,
    submit_progress,
)
from traits_jobs.testing import SAFETY_TIMEOUT
from traits_jobs.testing.pytest_plugin import ErrorRecorder

#: Worker threads of traits_jobs are named with this prefix.
WORKER_PREFIX = "traits_jobs"

#: The public moves of a future's state (docs/explanation/futures.rst). A
#: settling job cancelled ends at once: executing -> cancelled, allowed only
#: for jobs with a settle time.
MOVES = {
    (WAITING, EXECUTING),
    (WAITING, CANCELLING),
    (WAITING, FAILED),
    (EXECUTING, COMPLETED),
    (EXECUTING, FAILED),
    (EXECUTING, CANCELLING),
    (CANCELLING, CANCELLED),
}
SETTLE_MOVES = MOVES | {(EXECUTING, CANCELLED)}

CANCELLABLE = {WAITING, EXECUTING}
DONE = {COMPLETED, FAILED, CANCELLED}
END_REASONS = {
    COMPLETED: {COMPLETED},
    FAILED: {FAILED, TIMED_OUT},
    CANCELLED: {CANCELLED, PREEMPTED},
}

#: What a job returns when it completes.
RESULT = "the result"


class Boom(Exception):
    """What a job that is to fail raises."""


class Gate:
    """Where a job's worker waits for the program's go, one step at a time.

    The worker calls :meth:`park` at each step; the program's :meth:`step`
    lets it through once and waits until it parks again or leaves, so that
    whatever it sent on the way is queued when the program goes on.
    """

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._credits = 0
        self._open = False
        self.entered = False
        self.parked = False
        self.left = False
        self.stuck = False
        #: What the job sent, in order (items or progress values).
        self.sent: list[int] = []

    # -- worker side ----------------------------------------------------

    def enter(self) -> None:
        """The job's function has started."""
        with self._condition:
            self.entered = True
            self._condition.notify_all()

    def park(self) -> None:
        """Wait for the program's go."""
        with self._condition:
            self.parked = True
            self._condition.notify_all()
            went = self._condition.wait_for(lambda: self._credits > 0 or self._open, SAFETY_TIMEOUT)
            self.parked = False
            if not went:
                self.stuck = True
                msg = "a job waited for a go that never came"
                raise TimeoutError(msg)
            if self._credits:
                self._credits -= 1

    def leave(self) -> None:
        """The job's function has ended, however it ended."""
        with self._condition:
            self.left = True
            self._condition.notify_all()

    # -- the program's side (main thread) -------------------------------

    def step(self) -> None:
        """Let the job through one park; wait until it parks again or leaves."""
        with self._condition:
            self._credits += 1
            self._condition.notify_all()
            self._wait_until_still()

    def open(self) -> None:
        """Let the job run to its end; wait until it has left, if it entered."""
        self.release()
        self.wait_until_still()

    def release(self) -> None:
        """Let the job run to its end, without waiting for it."""
        with self._condition:
            self._open = True
            self._condition.notify_all()

    def wait_until_still(self) -> None:
        """Wait until a job that entered is parked with no go pending, or has left."""
        with self._condition:
            self._wait_until_still()

    def _wait_until_still(self) -> None:
        still = self._condition.wait_for(
            lambda: (
                not self.entered
                or self.left
                or (self.parked and not self._credits and not self._open)
            ),
            SAFETY_TIMEOUT,
        )
        assert still, "a job's worker neither parked nor left"


def call_job(gate: Gate, steps: int, fails: bool) -> str:
    """A call: ``steps`` structured progress reports, each after a go; then one more go."""
    gate.enter()
    try:
        for i in range(steps):
            gate.park()
            gate.sent.append(i)
            report_progress(i, target=steps)
        gate.park()
        if fails:
            raise Boom("the job failed")
        return RESULT
    finally:
        gate.leave()


def iteration_job(gate: Gate, steps: int, fails: bool) -> Iterator[int]:
    """An iteration: ``steps`` items, each after a go; then one more go."""
    gate.enter()
    try:
        for i in range(steps):
            gate.park()
            gate.sent.append(i)
            yield i
        gate.park()
        if fails:
            raise Boom("the job failed")
        return RESULT
    finally:
        gate.leave()


def progress_job(gate: Gate, steps: int, fails: bool, progress: Any) -> str:
    """A progress job: ``steps`` reports, each after a go; then one more go."""
    gate.enter()
    try:
        for i in range(steps):
            gate.park()
            gate.sent.append(i)
            progress(i)
        gate.park()
        if fails:
            raise Boom("the job failed")
        return RESULT
    finally:
        gate.leave()


#: kind -> (submit function, job function, its job-specific trait).
KINDS = {
    "call": (submit_call, call_job, "progress_info"),
    "iteration": (submit_iteration, iteration_job, "result_event"),
    "progress": (submit_progress, progress_job, "progress"),
}


class Record:
    """What the program knows and saw of one submitted job."""

    def __init__(
        self, machine: "ExecutorMachine", future: Any, kind: str, options: dict[str, Any]
    ) -> None:
        self.machine = machine
        self.future = future
        self.kind = kind
        self.options = options
        self.gate: Gate = options.pop("gate")
        self.fails: bool = options.pop("fails")
        self.steps: int = options.pop("steps")
        #: Items, and progress reports unless coalesced, all arrive: none is dropped.
        self.lossless = kind == "iteration" or (
            kind == "progress" and not options.get("coalesce_progress")
        )
        #: (trait, new value, public state when it fired), in firing order.
        self.changes: list[tuple[str, Any, str]] = []
        #: Job-specific events: (value, state when it fired, cancel() had returned).
        self.data: list[tuple[Any, str, bool]] = []
        self.cancel_returned_true = False
        self.done_callbacks: list[bool] = []
        #: Virtual time when EXECUTING was seen, and when the future became done.
        self.started_at: float | None = None
        self.done_at: float | None = None
        #: Whether the future became done inside ManualEventLoop.advance().
        self.done_in_advance = False
        if future is None:
            return
        for name in ("state", "cancellable", "end_reason", "done"):
            future.observe(self._on_change, name)
        future.observe(self._on_data, KINDS[kind][2])
        future.add_done_callback(self._on_done_callback)

    def _on_change(self, event: Any) -> None:
        future = self.future
        self.changes.append((event.name, event.new, future.state))
        if event.name == "state" and event.new == EXECUTING:
            self.started_at = self.machine.loop.time()
        if event.name == "done":
            self.done_at = self.machine.loop.time()
            self.done_in_advance = self.machine.advancing

    def _on_data(self, event: Any) -> None:
        value = event.new
        if self.kind == "call":
            value = int(value.current)
        self.data.append((value, self.future.state, self.cancel_returned_true))

    def _on_done_callback(self, future: Any) -> None:
        # The callback runs after the done observers: done has fired by now.
        self.done_callbacks.append(any(name == "done" for name, _, _ in self.changes))

    # -- checks ---------------------------------------------------------

    def check_changes(self) -> None:
        """The changes so far follow the state table, in the documented order."""
        moves = SETTLE_MOVES if self.options.get("settle_time") else MOVES
        state = WAITING
        changes = list(self.changes)
        index = 0
        while index < len(changes):
            name, new, _ = changes[index]
            assert name == "state", f"{name} fired without a state change first: {changes}"
            assert (state, new) in moves, f"{state} -> {new} is not a move: {changes}"
            index += 1
            expected = []
            if (state in CANCELLABLE) != (new in CANCELLABLE):
                expected.append(("cancellable", new in CANCELLABLE))
            if (state in DONE) != (new in DONE):
                expected.append(("end_reason", None))
                expected.append(("done", True))
            for expected_name, expected_value in expected:
                assert index < len(changes), f"{expected_name} did not follow: {changes}"
                name, value, _ = changes[index]
                assert name == expected_name, f"{expected_name} expected, {name}: {changes}"
                if expected_name == "end_reason":
                    assert value in END_REASONS[new], f"end_reason {value} for {new}"
                else:
                    assert value == expected_value, f"{name} {value!r} after {new}: {changes}"
                index += 1
            state = new
        assert self.future.state == state, f"{self.future.state} but saw {changes}"

    def check_data(self) -> None:
        """Job-specific events came only while executing, never after cancel() returned."""
        for value, state, after_cancel in self.data:
            assert state == EXECUTING, f"{value!r} delivered while {state}"
            assert not after_cancel, f"{value!r} delivered after cancel() returned"
        values = [value for value, _, _ in self.data]
        if self.lossless:
            assert values == self.gate.sent[: len(values)], f"{values} of {self.gate.sent}"
        else:
            # Coalesced reports: a subsequence, in order.
            assert values == sorted(set(values)), f"reports out of order: {values}"
            assert set(values) <= set(self.gate.sent), f"{values} of {self.gate.sent}"

    def check_final(self) -> None:
        """The future ended once, with an outcome that fits its job and the program."""
        future = self.future
        assert future.done, f"{future!r} is not done after the stop"
        assert [name for name, _, _ in self.changes].count("done") == 1
        assert self.done_callbacks == [True], f"done callbacks: {self.done_callbacks}"
        values = [value for value, _, _ in self.data]
        if self.cancel_returned_true:
            assert future.state == CANCELLED, f"cancel() returned True, then {future.state}"
        if future.state == COMPLETED:
            assert future.result == RESULT
            assert not self.fails
            assert self.gate.sent == list(range(self.steps))
            if self.lossless:
                assert values == self.gate.sent
            elif self.steps:
                # The last report always arrives.
                assert values[-1] == self.steps - 1, f"last report missing: {values}"
            if self.options.get("settle_time"):
                assert self.done_in_advance, "settled outside the virtual clock's timers"
        elif future.state == FAILED:
            if future.end_reason == TIMED_OUT:
                assert isinstance(future.error, JobTimeoutError)
                timeout = self.options["timeout"]
                assert self.done_in_advance, "timed out outside the virtual clock's timers"
                assert self.started_at is not None and self.done_at is not None
                assert self.done_at - self.started_at >= timeout
            else:
                assert isinstance(future.error, Boom), f"unexpected failure {future.error!r}"
                assert self.fails
        else:
            assert future.state == CANCELLED
            if future.end_reason == PREEMPTED:
                assert self.options.get("background")
                assert future.preempted_by is not None


def worker_threads() -> list[threading.Thread]:
    """The live threads of traits_jobs worker pools."""
    return [t for t in threading.enumerate() if t.name.startswith(WORKER_PREFIX)]


#: Most jobs claim nothing, so that most submissions are accepted.
resource_sets = st.sampled_from(
    [frozenset()] * 3
    + [frozenset({"stage"}), frozenset({"camera"}), frozenset({"stage", "camera"})]
)


kinds = st.sampled_from(sorted(KINDS))

#: What a submission draws besides its kind.
job_choices = {
    "steps": st.integers(0, 2),
    "fails": st.sampled_from([False, False, True]),
    "resources": resource_sets,
    "background": st.sampled_from([False, False, True]),
    "on_conflict": st.sampled_from(["raise", "wait"]),
    "timeout": st.sampled_from([None, None, None, 1.0, 3.0]),
    "settle_time": st.sampled_from([0.0, 0.0, 0.0, 0.5, 2.0]),
    "name": st.sampled_from([None, "live", "scan"]),
    # Taken by progress jobs only.
    "coalesce_progress": st.booleans(),
}


class ExecutorMachine(RuleBasedStateMachine):
    """Random programs of submit, cancel, step, run, advance and stop."""

    records = Bundle("records")

    def __init__(self) -> None:
        super().__init__()
        self.loop = ManualEventLoop()
        self.executor: TraitsExecutor | None = None
        self.all: list[Record] = []
        self.advancing = False
        self.submissions = 0
        self.stop_called = False
        #: What the program's own observers and callbacks raised.
        self.callback_errors: list[BaseException] = []
        self.errors = ErrorRecorder()
        logging.getLogger("traits_jobs").addHandler(self.errors)

    @initialize(max_workers=st.integers(1, 4))
    def start(self, max_workers: int) -> None:
        assert not worker_threads(), f"threads of an earlier example: {worker_threads()}"
        self.executor = TraitsExecutor(event_loop=self.loop, max_workers=max_workers)

    # -- rules ----------------------------------------------------------

    @contextlib.contextmanager
    def expected_warnings(self) -> Iterator[None]:
        """Record the warnings the library gives meanwhile, instead of raising them.

        Preemption and the reuse of a background job's name warn; nothing
        else may. The warnings may come from any thread while this block
        runs (the main thread waits in it for the others).
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield
        for warning in caught:
            expected = issubclass(warning.category, PreemptionWarning) or (
                "Background job name" in str(warning.message)
            )
            assert expected, f"unexpected warning: {warning.message}"

    def _submit(self, kind: str, gate: Gate, choices: dict[str, Any]) -> Any:
        """Submit one job; return its future, or None if it was refused."""
        assert self.executor is not None
        submit_function, job_function, _ = KINDS[kind]
        options = self._options(kind, choices)
        jobs_before = self.executor.jobs
        try:
            return submit_function(
                self.executor, job_function, gate, choices["steps"], choices["fails"], **options
            )
        except ResourceConflictError:
            assert not self.stop_called
            assert self.executor.jobs == jobs_before
        except ExecutorStateError:
            assert self.stop_called
        return None

    @staticmethod
    def _options(kind: str, choices: dict[str, Any]) -> dict[str, Any]:
        options = {
            key: value
            for key, value in choices.items()
            if key not in ("steps", "fails") and value not in (None, False, frozenset())
        }
        if not options.get("background"):
            options.pop("name", None)
        if kind != "progress":
            options.pop("coalesce_progress", None)
        return options

    def _record(self, kind: str, gate: Gate, future: Any, choices: dict[str, Any]) -> Record:
        assert future is None or not self.stop_called, "a stopped executor took a job"
        options = self._options(kind, choices)
        options.update(gate=gate, steps=choices["steps"], fails=choices["fails"])
        record = Record(self, future, kind, options)
        if future is not None:
            self.all.append(record)
        return record

    @rule(target=records, kind=kinds, **job_choices)
    def submit(self, kind: str, **choices: Any) -> Any:
        """Submit a job from the main thread; a refusal leaves no trace."""
        self.submissions += 1
        gate = Gate()
        with self.expected_warnings():
            future = self._submit(kind, gate, choices)
        # A refused job joins the bundle too (its rules do nothing): what the
        # program draws must not depend on how the threads ran.
        return self._record(kind, gate, future, choices)

    @rule(target=records, kind=kinds, **job_choices)
    def submit_from_a_thread(self, kind: str, **choices: Any) -> Any:
        """Submit a job from another thread, as any thread may."""
        self.submissions += 1
        gate = Gate()
        futures: list[Any] = []
        thread = threading.Thread(target=lambda: futures.append(self._submit(kind, gate, choices)))
        with self.expected_warnings():
            thread.start()
            thread.join(SAFETY_TIMEOUT)
        assert len(futures) == 1, "the submitting thread failed or hung"
        return self._record(kind, gate, futures[0], choices)

    @rule(record=records, other=records)
    def cancel_when_it_executes(self, record: Record, other: Record) -> None:
        """An observer of one future's state cancels another future from inside delivery."""
        if record.future is None or other.future is None:
            return

        def cancel_other(event: Any) -> None:
            if event.new == EXECUTING:
                try:
                    self.cancel(other)
                except BaseException as error:
                    self.callback_errors.append(error)

        record.future.observe(cancel_other, "state")

    @rule(record=records)
    def submit_when_done(self, record: Record) -> None:
        """A done callback submits a new job (which runs freely) from inside delivery."""
        if record.future is None:
            return

        def submit_another(future: Any) -> None:
            assert self.executor is not None
            if not self.executor.running:
                return
            gate = Gate()
            gate.release()
            choices = {"steps": 1, "fails": False}
            try:
                new = self._submit("iteration", gate, choices)
                self._record("iteration", gate, new, choices)
            except BaseException as error:
                self.callback_errors.append(error)

        record.future.add_done_callback(submit_another)

    @rule(record=records)
    def cancel(self, record: Record) -> None:
        """cancel() is True exactly when the future was cancellable."""
        if record.future is None:
            return
        before = record.future.state
        with self.expected_warnings():
            result = record.future.cancel()
        assert result == (before in CANCELLABLE), f"cancel() gave {result} while {before}"
        if result:
            record.cancel_returned_true = True
            assert record.future.state in {CANCELLING, CANCELLED}

    @rule(record=records)
    def step(self, record: Record) -> None:
        """Let one job's worker take one step."""
        if record.future is not None:
            record.gate.step()

    @rule(record=records)
    def finish(self, record: Record) -> None:
        """Let one job's worker run to its end."""
        if record.future is not None:
            record.gate.open()

    @rule(record=records)
    def finish_and_deliver(self, record: Record) -> None:
        """Let one job's worker run to its end, then deliver what it sent."""
        if record.future is not None:
            record.gate.open()
            if record.gate.left and not record.options.get("settle_time"):
                # Its last message follows at once: a returned job is done
                # once that is delivered. (A settling job is not, so it only
                # gets what has arrived.)
                future = record.future
                with self.expected_warnings():
                    assert self.loop.run_until(lambda: future.done, SAFETY_TIMEOUT)
        self.run_loop()

    @rule(record=records)
    def finish_and_wait(self, record: Record) -> None:
        """Let one job's worker run to its end, then wait() for its future's outcome."""
        if record.future is None:
            return
        record.gate.open()
        if not record.gate.left or record.options.get("settle_time"):
            return  # Not started, or settling: wait() could only time out.
        future = record.future
        with self.expected_warnings():
            try:
                outcome = future.wait(timeout=SAFETY_TIMEOUT)
            except JobCancelledError:
                assert future.state == CANCELLED
            except JobTimeoutError:
                assert future.end_reason == TIMED_OUT
            except Boom as error:
                assert future.state == FAILED
                assert error is future.error
            else:
                assert future.state == COMPLETED
                assert outcome == RESULT

    @rule()
    def run_loop(self) -> None:
        """Deliver what the workers sent, once they are all still."""
        for record in list(self.all):
            record.gate.wait_until_still()
        with self.expected_warnings():
            self.loop.run_pending()

    @rule(seconds=st.sampled_from([0.5, 1.0, 2.5]))
    def advance(self, seconds: float) -> None:
        """Move the virtual clock on, running the timers that come due."""
        self.advancing = True
        try:
            with self.expected_warnings():
                self.loop.advance(seconds)
        finally:
            self.advancing = False

    # Late in a program, so that most of it runs on a running executor.
    @precondition(lambda self: not self.stop_called and self.submissions >= 4)
    @rule()
    def stop(self) -> None:
        """stop() cancels every job; the executor stops once they have ended."""
        assert self.executor is not None
        self.stop_called = True
        with self.expected_warnings():
            self.executor.stop()
        for record in self.all:
            assert not record.future.cancellable

    @precondition(lambda self: not self.stop_called and self.submissions >= 4)
    @rule()
    def shutdown(self) -> None:
        """With every worker let go, shutdown() cancels, delivers and stops."""
        assert self.executor is not None
        self.stop_called = True
        for record in list(self.all):
            record.gate.release()
        with self.expected_warnings():
            self.executor.shutdown(timeout=SAFETY_TIMEOUT)
        assert self.executor.stopped
        for record in self.all:
            assert record.future.done, f"{record.future!r} outlived shutdown()"

    # -- invariants -----------------------------------------------------

    @invariant()
    def callbacks_did_not_fail(self) -> None:
        assert not self.callback_errors, self.callback_errors

    @invariant()
    def futures_follow_the_state_table(self) -> None:
        for record in self.all:
            record.check_changes()
            record.check_data()

    @invariant()
    def live_futures_are_listed(self) -> None:
        if self.executor is None:
            return
        listed = self.executor.jobs
        assert len(listed) == len(set(map(id, listed))), "a job is listed twice"
        ours = {id(record.future) for record in self.all}
        assert {id(future) for future in listed} <= ours
        for record in self.all:
            if not record.future.done:
                assert any(record.future is future for future in listed)
        live = {id(future) for future in listed}
        for future in self.executor.claimed_resources.values():
            assert id(future) in live, "a claim is held by a job that ended"
        for future in self.executor.background_jobs.values():
            assert id(future) in live, "an ended background job is still named"

    def teardown(self) -> None:
        executor = self.executor
        try:
            if executor is not None:
                self._stop(executor)
                assert executor.stopped, f"{executor!r} did not stop"
                for record in self.all:
                    record.check_changes()
                    record.check_data()
                    record.check_final()
                    assert not record.gate.stuck
                    event(f"a job ended {record.future.end_reason}")
                assert executor.jobs == []
                assert executor.claimed_resources == {}
                assert executor.background_jobs == {}
            for thread in worker_threads():
                thread.join(SAFETY_TIMEOUT)
            assert not worker_threads(), f"worker threads left: {worker_threads()}"
            assert not self.errors.records, [r.getMessage() for r in self.errors.records]
            assert not self.callback_errors, self.callback_errors
        finally:
            # After a failure too: leave nothing running for the next example.
            logging.getLogger("traits_jobs").removeHandler(self.errors)
            for record in self.all:
                record.gate.release()
            if executor is not None and not executor.stopped:
                with contextlib.suppress(Exception):
                    self._stop(executor)
            for thread in worker_threads():
                thread.join(SAFETY_TIMEOUT)

    def _stop(self, executor: TraitsExecutor) -> None:
        """Stop the executor, let every worker go, and deliver until it has stopped."""
        with self.expected_warnings():
            if executor.running:
                executor.stop()
            for record in self.all:
                record.gate.open()
            self.loop.run_until(lambda: executor.stopped, SAFETY_TIMEOUT)


TestExecutorMachine = ExecutorMachine.TestCase
TestExecutorMachine.__doc__ = "Random programs keep every future's contract, and stop cleanly."
