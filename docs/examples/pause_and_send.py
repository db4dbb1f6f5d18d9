# SPDX-License-Identifier: BSD-3-Clause
"""A camera stream steered while it runs: pause(), resume() and send().

Used by the "Pause, resume and send" guide; tested by
``test_pause_and_send.py``.
"""

import dataclasses

from traits.api import HasStrictTraits, Instance, List, Str, observe

from traits_jobs.api import (
    AsyncioEventLoop,
    IterationFuture,
    TraitsExecutor,
    current_job,
    submit_iteration,
)


@dataclasses.dataclass(frozen=True)
class Frame:
    """One picture from the camera."""

    number: int
    exposure: float
    label: str | None = None


@dataclasses.dataclass(frozen=True)
class SetExposure:
    """Command: expose the next frames for ``seconds``."""

    seconds: float


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """Command: keep the next frame, under ``label``."""

    label: str


class SimulatedCamera:
    """A camera that takes ``exposure`` seconds to take a picture."""

    def __init__(self, exposure=0.02):
        self.exposure = exposure
        self.frames_taken = 0
        self.is_open = False

    def open(self):
        self.is_open = True

    def close(self):
        self.is_open = False

    def grab(self):
        """Take a picture; return its number."""
        self.expose(self.exposure)
        self.frames_taken += 1
        return self.frames_taken

    def expose(self, seconds):
        # Ends at once, raising JobStopRequested, on future.stop() or cancel().
        current_job().sleep(seconds)


def stream(camera):
    """Yield frames until stopped; obey the commands sent with future.send()."""
    camera.open()
    try:
        label = None
        while True:
            frame = Frame(camera.grab(), camera.exposure, label)
            command = yield frame
            # None: nothing was sent since the last frame.
            label = None
            if isinstance(command, SetExposure):
                camera.exposure = command.seconds
            elif isinstance(command, Snapshot):
                label = command.label
    finally:
        camera.close()


class LiveView(HasStrictTraits):
    """What a window shows of the stream, and what its buttons do."""

    executor = Instance(TraitsExecutor)
    camera = Instance(SimulatedCamera)

    #: The running stream; None before start().
    future = Instance(IterationFuture)

    #: The newest frame.
    latest = Instance(Frame)

    #: The frames kept by snapshot(), in order.
    snapshots = List(Instance(Frame))

    #: "live" or "paused", as the stream really is.
    mode = Str("live")

    def start(self):
        self.future = submit_iteration(self.executor, stream, self.camera, name="live view")
        return self.future

    def pause(self):
        return self.future.pause()

    def resume(self):
        return self.future.resume()

    def set_exposure(self, seconds):
        self.future.send(SetExposure(seconds))

    def snapshot(self, label):
        self.future.send(Snapshot(label))

    def stop(self):
        return self.future.stop()

    @observe("future:result_event")
    def _show_frame(self, event):
        frame = event.new
        self.latest = frame
        if frame.label is not None:
            self.snapshots.append(frame)

    @observe("future:paused")
    def _show_mode(self, event):
        self.mode = "paused" if event.new else "live"


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    view = LiveView(executor=executor, camera=SimulatedCamera(exposure=0.02))
    future = view.start()
    event_loop.run_until(lambda: view.latest is not None, timeout=10.0)

    view.pause()
    event_loop.run_until(lambda: view.mode == "paused", timeout=10.0)
    print(f"{view.mode}; camera open: {view.camera.is_open}")
    view.snapshot("dark")
    view.set_exposure(0.05)
    view.snapshot("bright")
    view.resume()
    event_loop.run_until(lambda: len(view.snapshots) == 2, timeout=10.0)
    for frame in view.snapshots:
        print(f"kept {frame.label!r}: exposure {frame.exposure} s")

    view.stop()
    event_loop.run_until(lambda: future.done, timeout=10.0)
    print(f"stream {future.state} ({future.end_reason}); camera open: {view.camera.is_open}")
    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
