# SPDX-License-Identifier: BSD-3-Clause
"""Tests of the example of the "Pause, resume and send" guide.

The camera is held: each exposure waits for the test's go-ahead, so the
test knows where the stream is when it pauses it or sends it a command.

Run them with ``QT_QPA_PLATFORM=offscreen pytest docs/examples``.
"""

import threading

import pytest
from pause_and_send import Frame, LiveView, SimulatedCamera

from traits_jobs.api import COMPLETED, STOPPED, current_job
from traits_jobs.testing import SAFETY_TIMEOUT, exercise_event_loop, run_until


class HeldCamera(SimulatedCamera):
    """A camera whose exposures each wait for the test's go-ahead."""

    def __init__(self):
        super().__init__(exposure=0.01)
        self.condition = threading.Condition()
        self.exposures_started = 0
        self.allowed = 0

    def expose(self, seconds):
        with self.condition:
            self.exposures_started += 1
            self.condition.notify_all()
            # A stop or cancel request ends this wait with JobStopRequested.
            current_job().wait_for(self.condition, lambda: self.allowed > 0)
            self.allowed -= 1

    def allow(self, frames):
        """Let the next ``frames`` exposures finish."""
        with self.condition:
            self.allowed += frames
            self.condition.notify_all()

    def wait_until_exposing(self, number):
        """Return once the ``number``-th exposure has started."""
        with self.condition:
            started = self.condition.wait_for(
                lambda: self.exposures_started >= number, SAFETY_TIMEOUT
            )
        assert started, f"exposure {number} never started"


@pytest.fixture
def view(manual_executor):
    return LiveView(executor=manual_executor, camera=HeldCamera())


def run_until_frames(view, count):
    run_until(
        view.executor.event_loop,
        view,
        "latest",
        lambda v: v.latest is not None and v.latest.number >= count,
    )


def test_commands_reach_the_stream_in_order_each_once(view):
    view.start()
    view.snapshot("a")
    view.snapshot("b")
    view.set_exposure(0.5)
    view.camera.allow(4)
    run_until_frames(view, 4)

    # The first frame answers no command: a generator receives its first
    # value at its first yield. Then each frame answers one command.
    assert view.snapshots == [Frame(2, 0.01, "a"), Frame(3, 0.01, "b")]
    assert view.latest == Frame(4, 0.5)


def test_a_paused_stream_holds_at_its_yield(view):
    future = view.start()
    view.camera.wait_until_exposing(1)
    assert view.pause()
    view.camera.allow(3)
    run_until(view.executor.event_loop, future, "paused", lambda f: f.paused)

    # The frame being exposed was delivered; no other was taken.
    assert view.mode == "paused"
    assert view.latest.number == 1
    assert view.camera.frames_taken == 1
    assert view.camera.is_open

    assert view.resume()
    run_until_frames(view, 2)
    assert view.mode == "live"


def test_commands_sent_while_paused_wait_for_resume(view):
    future = view.start()
    view.pause()
    view.camera.allow(1)
    run_until(view.executor.event_loop, future, "paused", lambda f: f.paused)
    view.snapshot("after the pause")
    exercise_event_loop(view.executor.event_loop)
    assert view.snapshots == []

    view.resume()
    view.camera.allow(2)
    run_until(view.executor.event_loop, view, "snapshots.items", lambda v: v.snapshots)
    assert [frame.label for frame in view.snapshots] == ["after the pause"]


def test_stop_ends_the_stream_during_an_exposure(view):
    future = view.start()
    view.camera.wait_until_exposing(1)
    assert view.stop()
    run_until(view.executor.event_loop, future, "done", lambda f: f.done)

    assert future.state == COMPLETED
    assert future.end_reason == STOPPED
    assert future.result is None
    assert view.latest is None
    assert not view.camera.is_open  # the generator's finally block ran


def test_stop_ends_a_paused_stream(view):
    future = view.start()
    view.pause()
    view.camera.allow(1)
    run_until(view.executor.event_loop, future, "paused", lambda f: f.paused)
    view.stop()
    run_until(view.executor.event_loop, future, "done", lambda f: f.done)
    assert future.end_reason == STOPPED
    assert not future.paused
    assert view.mode == "live"
    assert not view.camera.is_open


def test_nothing_can_be_sent_once_the_stream_ended(view):
    future = view.start()
    view.stop()
    run_until(view.executor.event_loop, future, "done", lambda f: f.done)
    with pytest.raises(RuntimeError, match="the job has ended"):
        view.snapshot("too late")
    assert not view.pause()
    assert not view.resume()
