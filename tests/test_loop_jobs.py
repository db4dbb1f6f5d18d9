# SPDX-License-Identifier: BSD-3-Clause
"""Loop jobs: the QMI part of the checklist, with QMI's own defects corrected.

Timing is tested through a virtual clock: the body says how long each
iteration "takes" and the clock's sleep moves time on, so the policies are
checked as exact arithmetic, never by wall-clock luck.
"""

import itertools
import threading

import pytest

from tests._support import blocked_workers, elapse, wait_done, wait_event, wait_for
from traits_jobs.api import (
    CANCELLED,
    COMPLETED,
    EXECUTING,
    FAILED,
    PREEMPTED,
    STOPPED,
    TIMED_OUT,
    JobStopRequested,
    LoopJob,
    MissedDeadlineError,
    MissedIteration,
    submit_call,
    submit_loop,
)
from traits_jobs.testing import SAFETY_TIMEOUT

PERIOD = 0.1


class VirtualClock:
    """A loop clock whose time moves only when the loop sleeps or the body works."""

    def __init__(self):
        self.time = 0.0

    def now(self):
        return self.time

    def sleep(self, ctx, seconds):
        if ctx.stop_requested:
            raise JobStopRequested
        self.time += seconds


class Timed:
    """A callable body whose iterations take the given durations, then stop the loop."""

    def __init__(self, clock, durations):
        self.clock, self.durations, self.starts = clock, list(durations), []

    def __call__(self, ctx):
        if not self.durations:
            raise JobStopRequested
        self.starts.append(self.clock.now())
        self.clock.time += self.durations.pop(0)


class Recording(LoopJob):
    """A LoopJob that records its calls, and can be held in an iteration."""

    def __init__(self, iterations=None, fail_at=None, hold=None):
        self.calls = []
        self.iterations = iterations
        self.fail_at = fail_at
        self.hold = hold
        self.entered = threading.Event()

    def prepare(self, ctx):
        self.calls.append("prepare")

    def apply_settings(self, ctx, settings):
        self.calls.append(("apply", settings))

    def iteration(self, ctx):
        count = self.calls.count("iteration")
        self.calls.append("iteration")
        if self.fail_at == count:
            raise ValueError(f"iteration {count} failed")
        if self.hold is not None:
            self.entered.set()
            self.hold.wait(SAFETY_TIMEOUT)
        if self.iterations is not None and count + 1 >= self.iterations:
            raise JobStopRequested

    def finalize(self, ctx):
        self.calls.append("finalize")


def run_loop(executor, durations, policy, **options):
    clock = VirtualClock()
    body = Timed(clock, durations)
    future = submit_loop(executor, body, period=PERIOD, missed=policy, clock=clock, **options)
    missed = []
    future.observe(lambda event: missed.append(event.new), "iteration_missed")
    wait_done(executor, future)
    return future, body.starts, missed


# -- the grid and the policies -----------------------------------------------


def test_first_iteration_runs_at_once_then_on_the_grid(executor):
    """prepare, then the first iteration with no wait, then one per period."""
    future, starts, missed = run_loop(executor, [0.01] * 5, "skip")
    assert starts == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])
    assert missed == []
    assert future.iteration_count == 5
    assert future.missed_count == 0
    assert future.end_reason == STOPPED


def test_immediate_reruns_at_once_and_rephases(executor):
    """After an overrun "immediate" starts at once, then spaces starts by period from it."""
    future, starts, missed = run_loop(executor, [0.01, 0.25, 0.01, 0.01, 0.01], "immediate")
    assert starts == pytest.approx([0.0, 0.1, 0.35, 0.45, 0.55])
    assert len(missed) == 1
    assert missed[0].policy == "immediate"
    assert missed[0].lateness == pytest.approx(0.15)
    assert future.missed_count == 2


def test_skip_waits_for_the_next_slot_of_the_original_phase(executor):
    """After an overrun "skip" starts on the original grid; missed_count grows by 1 + floor."""
    future, starts, missed = run_loop(executor, [0.01, 0.25, 0.01, 0.01], "skip")
    assert starts == pytest.approx([0.0, 0.1, 0.4, 0.5])
    assert [m.slots_missed for m in missed] == [2]
    assert future.missed_count == 2
    assert min(b - a for a, b in itertools.pairwise(starts)) >= PERIOD - 1e-9


def test_terminate_fails_with_missed_deadline_error(executor):
    """After an overrun "terminate" ends FAILED with the lateness; QMI ended as if stopped."""
    clock = VirtualClock()
    body = Recording()

    class Slow(Recording):
        def iteration(self, ctx):
            super().iteration(ctx)
            clock.time += 0.25 if len(self.calls) > 2 else 0.01

    body = Slow()
    future = submit_loop(executor, body, period=PERIOD, missed="terminate", clock=clock)
    missed = []
    future.observe(lambda event: missed.append(event.new), "iteration_missed")
    wait_done(executor, future)
    assert future.state == FAILED
    assert isinstance(future.error, MissedDeadlineError)
    assert future.error.lateness == pytest.approx(0.15)
    assert future.error.slots_missed == 2
    assert body.calls == ["prepare", "iteration", "iteration", "finalize"]
    assert len(missed) == 1 and missed[0].policy == "terminate"


def test_iteration_missed_fires_once_per_overrun(executor):
    """Each overrun fires iteration_missed once, with lateness > 0, its policy and count."""
    future, _, missed = run_loop(executor, [0.15, 0.01, 0.35, 0.01, 0.12], "skip")
    assert [m.iteration for m in missed] == [1, 3, 5]
    assert all(isinstance(m, MissedIteration) and m.lateness > 0 for m in missed)
    assert all(m.policy == "skip" for m in missed)
    assert future.missed_count == sum(m.slots_missed for m in missed)


# -- settings in ---------------------------------------------------------------


def held_loop(executor, body, **kwargs):
    """Submit a loop whose body is held in its first iteration."""
    future = submit_loop(executor, body, period=PERIOD, **kwargs)
    wait_event(body.entered)
    return future


def test_latest_settings_win_and_are_applied_once(executor):
    """set_settings(a); set_settings(b): pending is b; apply_settings runs once, with b."""
    hold = threading.Event()
    body = Recording(iterations=2, hold=hold)
    future = held_loop(executor, body, settings="initial")
    a, b = object(), object()
    future.set_settings(a)
    future.set_settings(b)
    assert future.pending_settings is b
    assert future.settings == "initial"
    hold.set()
    wait_done(executor, future)
    assert [call for call in body.calls if call[0] == "apply"] == [
        ("apply", "initial"),
        ("apply", b),
    ]
    assert future.settings is b
    assert future.pending_settings is None


def test_settings_show_on_the_main_thread_once_applied(executor):
    """After the worker applies b, future.settings is b and pending_settings None."""
    hold = threading.Event()
    body = Recording(hold=hold)
    future = held_loop(executor, body)
    changes = []
    future.observe(
        lambda e: changes.append((e.name, e.new, threading.current_thread())),
        "settings,pending_settings",
    )
    b = ("gain", 2)
    future.set_settings(b)
    hold.set()
    wait_for(executor, future, "settings", lambda f: f.settings is b)
    assert future.pending_settings is None
    future.cancel()
    wait_done(executor, future)
    main = threading.current_thread()
    assert [(name, new) for name, new, _ in changes] == [
        ("pending_settings", b),
        ("settings", b),
        ("pending_settings", None),
    ]
    assert {thread for *_, thread in changes} == {main}


def test_a_merge_function_is_called_once_with_pending_or_current(executor):
    """set_settings(fn) calls fn once, with the pending settings if any, else the applied."""
    hold = threading.Event()
    body = Recording(iterations=2, hold=hold)
    future = held_loop(executor, body, settings={"gain": 1, "offset": 0})
    calls = []

    def merge(field, value):
        def apply(latest):
            calls.append(dict(latest))
            return {**latest, field: value}

        return apply

    future.set_settings(merge("gain", 2))
    future.set_settings(merge("offset", 5))
    assert calls == [{"gain": 1, "offset": 0}, {"gain": 2, "offset": 0}]
    hold.set()
    wait_done(executor, future)
    # Both edits survive, applied in one go.
    assert future.settings == {"gain": 2, "offset": 5}
    assert body.calls.count(("apply", {"gain": 2, "offset": 5})) == 1


def test_a_raising_merge_function_changes_nothing(executor):
    """An exception in the merge function reaches the caller; the settings are unchanged."""
    hold = threading.Event()
    body = Recording(hold=hold)
    future = held_loop(executor, body, settings=1)

    def broken(latest):
        raise KeyError("no such field")

    with pytest.raises(KeyError):
        future.set_settings(broken)
    assert future.pending_settings is None
    future.cancel()
    hold.set()
    wait_done(executor, future)
    assert future.settings == 1


def test_callable_bodies_read_settings_and_take_settings(executor):
    """A callable body sees new settings in ctx.settings; take_settings() says they changed."""
    go = threading.Event()
    seen = []

    def body(ctx):
        seen.append(ctx.take_settings())
        if len(seen) == 1:
            go.wait(SAFETY_TIMEOUT)
        if len(seen) == 3:
            raise JobStopRequested

    future = submit_loop(executor, body, period=0.001, settings=1)
    wait_for(executor, future, "state", lambda f: f.state == EXECUTING)
    future.set_settings(2)
    go.set()
    wait_done(executor, future)
    # The initial settings count as new on the first call.
    assert seen[0] in [(True, 1), (True, 2)]
    assert (True, 2) in seen
    assert seen[-1] == (False, 2)


def test_set_settings_after_the_end_raises(executor):
    """A loop that ended takes no settings; the error says so."""
    future = submit_loop(executor, Recording(iterations=1), period=PERIOD)
    wait_done(executor, future)
    with pytest.raises(RuntimeError, match="has ended"):
        future.set_settings(1)


def test_set_settings_off_the_main_thread_raises(executor):
    """set_settings() changes traits: it belongs to the main thread."""
    hold = threading.Event()
    body = Recording(hold=hold)
    future = held_loop(executor, body)
    caller = submit_call(executor, future.set_settings, 3)
    wait_done(executor, caller)
    assert isinstance(caller.error, RuntimeError)
    assert "main thread" in str(caller.error)
    future.cancel()
    hold.set()
    wait_done(executor, future)


def test_settings_that_apply_settings_rejects_fail_the_job(executor):
    """An exception in apply_settings fails the loop; finalize still runs."""

    class Picky(Recording):
        def apply_settings(self, ctx, settings):
            super().apply_settings(ctx, settings)
            if settings < 0:
                raise ValueError(f"negative gain {settings}")

    body = Picky()
    future = submit_loop(executor, body, period=PERIOD, settings=-1)
    wait_done(executor, future)
    assert isinstance(future.error, ValueError)
    assert body.calls == ["prepare", ("apply", -1), "finalize"]


# -- status out ----------------------------------------------------------------


def test_status_is_published_coalesced_and_the_last_arrives(executor):
    """ctx.publish_status(s) -> future.status is s, on the main thread; the last one always."""
    last = ("reading", 9999)
    deliveries = []

    def body(ctx):
        count = len(deliveries_sent)
        deliveries_sent.append(count)
        ctx.publish_status(("reading", count))
        if count == 9999:
            ctx.publish_status(last)
            raise JobStopRequested

    deliveries_sent = []
    future = submit_loop(executor, body, period=1e-9, missed="immediate")
    future.observe(lambda e: deliveries.append(threading.current_thread()), "status")
    wait_done(executor, future)
    assert future.status is last
    assert future.iteration_count == 9999
    assert 1 <= len(deliveries) <= 10_000
    assert set(deliveries) == {threading.current_thread()}


# -- stop, cancel, errors, the end ---------------------------------------------


def test_finalize_runs_once_on_stop(executor):
    """stop() ends the loop after the current iteration; finalize once; COMPLETED."""
    hold = threading.Event()
    body = Recording(hold=hold)
    future = held_loop(executor, body)
    future.stop()
    hold.set()
    wait_done(executor, future)
    assert body.calls == ["prepare", "iteration", "finalize"]
    assert future.state == COMPLETED
    assert future.end_reason == STOPPED


def test_stop_during_the_wait_between_iterations(executor):
    """A loop sleeping until its next slot ends at once on stop() (real clock)."""
    body = Recording()
    future = submit_loop(executor, body, period=10 * SAFETY_TIMEOUT)
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 1)
    future.stop()
    wait_done(executor, future)
    assert body.calls == ["prepare", "iteration", "finalize"]
    assert future.end_reason == STOPPED


def test_finalize_runs_once_on_cancel(executor):
    """cancel() ends the loop; finalize once; CANCELLED."""
    hold = threading.Event()
    body = Recording(hold=hold)
    future = held_loop(executor, body)
    future.cancel()
    hold.set()
    wait_done(executor, future)
    assert body.calls == ["prepare", "iteration", "finalize"]
    assert future.state == CANCELLED


def test_an_iteration_error_fails_the_job_with_that_error(executor):
    """An exception in iteration: FAILED, future.error is it, wait() re-raises it, finalize ran."""
    body = Recording(fail_at=2)
    future = submit_loop(executor, body, period=1e-9)
    wait_done(executor, future)
    assert future.state == FAILED
    assert isinstance(future.error, ValueError)
    assert str(future.error) == "iteration 2 failed"
    assert body.calls.count("finalize") == 1
    with pytest.raises(ValueError, match="iteration 2 failed") as raised:
        future.wait(timeout=SAFETY_TIMEOUT)
    assert raised.value is future.error


def test_a_failing_finalize_after_a_failure_keeps_the_first_error(executor, traits_jobs_errors):
    """The loop's own error stays the job's; finalize's is logged and noted on it."""

    class Clumsy(Recording):
        def finalize(self, ctx):
            super().finalize(ctx)
            raise OSError("device already closed")

    body = Clumsy(fail_at=0)
    future = submit_loop(executor, body, period=PERIOD)
    wait_done(executor, future)
    assert isinstance(future.error, ValueError)
    assert future.error.__notes__ == ["Then finalize() raised OSError: device already closed"]
    logged = traits_jobs_errors.take()
    assert len(logged) == 1
    assert "finalize()" in logged[0].getMessage()


def test_a_failing_finalize_after_a_stop_fails_the_job(executor):
    """A stop is not a failure: finalize's error then fails the job."""

    class Clumsy(Recording):
        def finalize(self, ctx):
            super().finalize(ctx)
            raise OSError("device already closed")

    future = submit_loop(executor, Clumsy(iterations=1), period=PERIOD)
    wait_done(executor, future)
    assert isinstance(future.error, OSError)


def test_cancel_before_start_runs_nothing(executor):
    """Cancelled while waiting: prepare, iterations and finalize never run; CANCELLED."""
    body = Recording()
    with blocked_workers(executor):
        future = submit_loop(executor, body, period=PERIOD)
        future.cancel()
    wait_done(executor, future)
    assert body.calls == []
    assert future.state == CANCELLED


def test_stop_before_start_runs_nothing(executor):
    """Stopped while waiting: nothing runs, not even prepare; COMPLETED "stopped"."""
    body = Recording()
    with blocked_workers(executor):
        future = submit_loop(executor, body, period=PERIOD)
        future.stop()
    wait_done(executor, future)
    assert body.calls == []
    assert future.end_reason == STOPPED


def test_finalize_runs_once_on_timeout(executor):
    """A timeout ends the loop: FAILED "timed out", finalize once."""
    body = Recording()
    future = submit_loop(executor, body, period=10 * SAFETY_TIMEOUT, timeout=0.05)
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 1)
    elapse(executor, 0.05)
    wait_done(executor, future)
    assert future.end_reason == TIMED_OUT
    # The future fails at once; the worker finalizes just after.
    wait_for(executor, future, "done", lambda f: body.calls[-1:] == ["finalize"])
    assert body.calls == ["prepare", "iteration", "finalize"]


def test_finalize_runs_once_on_preemption(executor):
    """A background loop preempted by a foreground job: CANCELLED "preempted", finalize once."""
    body = Recording()
    future = submit_loop(
        executor, body, period=10 * SAFETY_TIMEOUT, background=True, resources={"sensor"}
    )
    wait_for(executor, future, "iteration_count", lambda f: f.iteration_count == 1)
    with pytest.warns(UserWarning, match="preempts"):
        foreground = submit_call(executor, int, resources={"sensor"})
    wait_done(executor, foreground)
    assert future.end_reason == PREEMPTED
    assert body.calls == ["prepare", "iteration", "finalize"]


def test_counts_arrive_on_the_main_thread(executor):
    """iteration_count follows the worker; the last count always arrives.

    It counts iterations that returned: the 50th ends the loop by raising
    JobStopRequested.
    """
    future = submit_loop(executor, Recording(iterations=50), period=1e-9)
    wait_done(executor, future)
    assert future.iteration_count == 49


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"period": 0}, ValueError, "positive"),
        ({"period": -1}, ValueError, "-1"),
        ({"period": float("inf")}, ValueError, "inf"),
        ({"period": "fast"}, TypeError, "'fast'"),
        ({"period": 1, "missed": "SKIP"}, ValueError, "'SKIP'"),
        ({"period": 1, "clock": object()}, TypeError, "now()"),
        ({"period": 1, "gain": 2}, TypeError, "'gain'"),
        ({"period": 1, "timeout": "soon"}, TypeError, "'soon'"),
    ],
)
def test_bad_arguments_are_refused_at_submit(executor, kwargs, error, text):
    """Each bad argument raises at the call, naming what arrived."""
    with pytest.raises(error, match=None) as raised:
        submit_loop(executor, lambda ctx: None, **kwargs)
    assert text in str(raised.value)


def test_a_body_that_is_not_callable_is_refused(executor):
    """The body must be a callable or a LoopJob."""
    with pytest.raises(TypeError, match="callable"):
        submit_loop(executor, 42, period=1)


def test_a_loop_job_takes_no_positional_arguments(executor):
    """Arguments go to a LoopJob's constructor, not to submit_loop."""
    with pytest.raises(TypeError, match="constructor"):
        submit_loop(executor, Recording(), 1, 2, period=1)


def test_a_loop_job_without_iteration_fails_clearly(executor):
    """A LoopJob that does not override iteration() fails naming the method."""
    future = submit_loop(executor, LoopJob(), period=1)
    wait_done(executor, future)
    assert isinstance(future.error, NotImplementedError)
    assert "iteration()" in str(future.error)


def test_missed_deadline_error_pickles():
    """The error crosses processes with its attributes."""
    import pickle

    error = pickle.loads(pickle.dumps(MissedDeadlineError(0.25, 3)))
    assert (error.lateness, error.slots_missed) == (0.25, 3)
    assert "250.000 ms" in str(error)
