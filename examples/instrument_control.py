# SPDX-License-Identifier: BSD-3-Clause
"""Job control on a simulated instrument: a two-axis stage and a camera.

Run it with::

    python examples/instrument_control.py

It needs no display and no hardware: the stage and the camera are simulated
by functions that sleep on worker threads. The script delivers the jobs'
messages on an asyncio loop (``AsyncioEventLoop``), prints what happens and
exits in a few seconds. It shows, in order:

1. stage moves with ``timeout=`` and ``settle_time=``: one completes, one
   runs past its timeout and ends with ``end_reason == "timed out"``;
2. a background live view (``background=True``) that claims the camera and
   the x axis, preempted by a foreground move of the x axis;
3. a text progress bar fed by the structured progress of a move
   (``report_progress()`` in the job, ``watch_progress()`` on the future);
4. ``all_of()`` of two moves, awaited in a coroutine.
"""

import threading
import time
import warnings

from traits_jobs.api import (
    AsyncioEventLoop,
    PreemptionWarning,
    ProgressInfo,
    TaskCancelled,
    TraitsExecutor,
    all_of,
    report_progress,
    submit_call,
    submit_iteration,
)

#: Seconds between two steps of the simulated hardware.
STEP = 0.02


class SimulatedStage:
    """A motorised stage with one position per axis, moving at a fixed speed.

    Its methods run on worker threads. Resource claims ("stage:x",
    "stage:y") make sure that only one job moves an axis at a time.
    """

    def __init__(self, speed: float = 20.0) -> None:
        self.speed = speed
        self.position = {"x": 0.0, "y": 0.0}
        self._lock = threading.Lock()

    def move_to(self, axis: str, target: float) -> float:
        """Move ``axis`` to ``target`` in small steps; return where it stopped."""
        start = self.position[axis]
        distance = target - start
        steps = max(1, round(abs(distance) / (self.speed * STEP)))
        try:
            for step in range(1, steps + 1):
                time.sleep(STEP)
                with self._lock:
                    self.position[axis] = start + distance * step / steps
                # Raises TaskCancelled once the job is cancelled or timed out.
                report_progress(
                    self.position[axis], initial=start, target=target, message=f"moving {axis}"
                )
        except TaskCancelled:
            print(f"  [stage] {axis} stopped at {self.position[axis]:.2f}")
            raise
        return self.position[axis]


def live_view(frame_interval: float):
    """Yield camera frames until cancelled; close the shutter at the end."""
    frame = 0
    try:
        while True:
            time.sleep(frame_interval)
            frame += 1
            yield frame
    finally:
        # Runs on the worker when the job is cancelled (here: preempted).
        print(f"  [camera] live view stopped after {frame} frames, shutter closed")


def progress_bar(info: ProgressInfo, width: int = 30) -> str:
    """A line of text showing ``info``: bar, percentage, time remaining."""
    filled = round(info.fraction_done * width)
    remaining = "--" if info.time_remaining is None else f"{info.time_remaining:.1f} s left"
    bar = "#" * filled + "." * (width - filled)
    return f"  [{bar}] {info.fraction_done:4.0%}  {remaining}"


def timeouts_and_settling(executor: TraitsExecutor, stage: SimulatedStage) -> None:
    print("1. Timeouts and settle time")
    started = time.monotonic()
    move = submit_call(
        executor,
        stage.move_to,
        "x",
        5.0,
        timeout=2.0,
        settle_time=0.2,
        resources={"stage:x"},
        name="move x to 5",
    )
    position = move.wait(timeout=10.0)
    elapsed = time.monotonic() - started
    print(f"  {move.name}: {move.end_reason} at {position:.2f} after {elapsed:.2f} s")
    print("  (the move takes 0.25 s; the future stays executing 0.2 s more to settle)")

    too_far = submit_call(
        executor, stage.move_to, "x", 50.0, timeout=0.5, resources={"stage:x"}, name="move x to 50"
    )
    too_far.add_done_callback(lambda future: print(f"  done callback: {future.name} is done"))
    try:
        too_far.wait(timeout=10.0)
    except TimeoutError as error:
        print(f"  {too_far.name}: {too_far.end_reason} ({type(error).__name__}: {error})")
    # The future is done; the job itself ends at its next report. It holds
    # "stage:x" until then.
    executor.event_loop.run_until(lambda: too_far not in executor.jobs, timeout=10.0)
    print(f"  stage x is at {stage.position['x']:.2f}")


def preemption(executor: TraitsExecutor, stage: SimulatedStage) -> None:
    print("2. A background live view preempted by a move")
    frames = []
    live = submit_iteration(
        executor,
        live_view,
        STEP,
        background=True,
        resources={"camera", "stage:x"},
        name="live view",
    )
    live.observe(lambda event: frames.append(event.new), "result_event")
    executor.event_loop.run_until(lambda: len(frames) >= 10, timeout=10.0)
    claimed = {name: future.name for name, future in executor.claimed_resources.items()}
    print(f"  {len(frames)} frames so far; claimed: {dict(sorted(claimed.items()))}")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PreemptionWarning)
        move = submit_call(executor, stage.move_to, "x", 2.0, resources={"stage:x"}, name="move x")
    for warning in caught:
        print(f"  {warning.category.__name__}: {warning.message}")
    print(f"  the move is {move.state} until the live view has ended")
    move.wait(timeout=10.0)
    print(f"  live view: {live.state}, end_reason {live.end_reason!r}")
    print(f"  preempted_by: {live.preempted_by.name!r}; the move ended {move.end_reason}")


def progress(executor: TraitsExecutor, stage: SimulatedStage) -> None:
    print("3. A progress bar from structured progress")
    last_tenth = -1

    def show(info: ProgressInfo) -> None:
        # Reports are coalesced: print at most one line per tenth of the way.
        nonlocal last_tenth
        tenth = int(info.fraction_done * 10)
        if tenth > last_tenth:
            last_tenth = tenth
            print(progress_bar(info))

    move = submit_call(executor, stage.move_to, "x", 12.0, resources={"stage:x"})
    move.watch_progress(show)
    move.wait(timeout=10.0)


def combined(executor: TraitsExecutor, stage: SimulatedStage) -> None:
    print("4. Two moves at once, combined with all_of()")
    x = submit_call(executor, stage.move_to, "x", 4.0, resources={"stage:x"}, timeout=5.0)
    y = submit_call(executor, stage.move_to, "y", 3.0, resources={"stage:y"}, timeout=5.0)
    both = all_of(x, y)  # or: x & y

    async def main() -> tuple[float, float]:
        return await both

    result = executor.event_loop.event_loop.run_until_complete(main())
    print(f"  both moves {both.end_reason}: (x, y) = {result}")


def main() -> None:
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(max_workers=4, event_loop=event_loop)
    stage = SimulatedStage()
    try:
        timeouts_and_settling(executor, stage)
        preemption(executor, stage)
        progress(executor, stage)
        combined(executor, stage)
    finally:
        executor.shutdown(timeout=10.0)
        event_loop.close()
    print(f"executor {executor.state}")


if __name__ == "__main__":
    main()
