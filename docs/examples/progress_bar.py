# SPDX-License-Identifier: BSD-3-Clause
"""A text progress bar fed by the structured progress of a stage move.

Used by the "Structured progress" guide; tested by ``test_progress_bar.py``.
"""

from stage import SimulatedStage

from traits_jobs.api import AsyncioEventLoop, TraitsExecutor, submit_call


def text_bar(info, width=20):
    """One line showing a ProgressInfo: bar, percentage, time remaining."""
    filled = round(info.fraction_done * width)
    bar = "#" * filled + "-" * (width - filled)
    if info.time_remaining is None:
        return f"[{bar}] {info.fraction_done:4.0%}"
    return f"[{bar}] {info.fraction_done:4.0%}, {info.time_remaining:.1f} s left"


def move_with_bar(executor, stage, target, show=print):
    """Move the stage; show a bar for each progress report that arrives."""
    future = submit_call(executor, stage.move_to, target)
    future.watch_progress(lambda info: show(text_bar(info)))
    return future


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    move_with_bar(executor, SimulatedStage(speed=20.0, step=0.05), 10.0).wait(timeout=10.0)
    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
