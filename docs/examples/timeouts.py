# SPDX-License-Identifier: BSD-3-Clause
"""Timeouts, settle times, done callbacks, wait() and await, on a simulated stage.

Used by the "Timeouts and waiting" guide; tested by ``test_timeouts.py``.
"""

from stage import SimulatedStage

from traits_jobs.api import (
    AsyncioEventLoop,
    JobTimeoutError,
    TraitsExecutor,
    WaitTimeoutError,
    submit_call,
)


def move(executor, stage, target):
    """Start a move that may take 2 s at most, then settles for 0.2 s."""
    return submit_call(executor, stage.move_to, target, timeout=2.0, settle_time=0.2)


def log_end(future):
    """A done callback: say how the job ended."""
    print(f"move ended: {future.end_reason}")


def move_and_wait(executor, stage, target):
    """Move, and block until the stage has settled; say what happened."""
    future = move(executor, stage, target)
    future.add_done_callback(log_end)
    try:
        position = future.wait(timeout=10.0)
    except JobTimeoutError:
        return "the stage did not get there within 2 s"
    except WaitTimeoutError:
        return "still moving after 10 s; the move goes on"
    return f"arrived at {position}"


async def scan(executor, stage, positions):
    """Visit ``positions`` one after the other, in a coroutine."""
    visited = []
    for target in positions:
        visited.append(await move(executor, stage, target))
    return visited


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    stage = SimulatedStage(speed=20.0)
    print(move_and_wait(executor, stage, 5.0))
    print(move_and_wait(executor, stage, 100.0))
    executor.event_loop.run_until(lambda: not executor.jobs, timeout=10.0)
    print(event_loop.event_loop.run_until_complete(scan(executor, stage, [45.0, 50.0])))
    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
