# SPDX-License-Identifier: BSD-3-Clause
"""The GUI tutorial's window: move a simulated stage, with progress, cancel and errors.

Run it with ``python -m traits_jobs.demo.stage_gui``. The documentation's
tutorial shows this file piece by piece, and the demo's scripted tour takes
the tutorial's screenshots of it.
"""

# Each import sits with the tutorial step that introduces it.
# ruff: noqa: E402

# [job]
import threading

from traits_jobs.api import report_progress


def move_stage(target, *, step=1.0, step_time=0.02, limit=100.0):
    """Move a simulated stage from 0 to ``target``, reporting every step."""
    if not 0.0 <= target <= limit:
        raise ValueError(f"target {target} is outside the stage's range 0..{limit}")
    pause = threading.Event()
    position = 0.0
    while position < target:
        position = min(target, position + step)
        pause.wait(step_time)  # the motor moving
        # Reports the position; raises TaskCancelled once cancel() was called.
        report_progress(position, target=target, message=f"at {position:.0f} mm")
    return position


# [/job]

# [model]
from traits.api import Bool, Button, Float, HasStrictTraits, Instance, Property, Str, observe
from traitsui.api import HGroup, Item, VGroup, View

from traits_jobs.api import FAILED, BaseFuture, TraitsExecutor, submit_call
from traits_jobs.ui.api import JobProgressEditor


class StageControl(HasStrictTraits):
    #: Runs the jobs; the futures change on the GUI thread.
    executor = Instance(TraitsExecutor, ())

    #: Where to move, in mm.
    target = Float(40.0)

    #: The move in progress, or the last one.
    future = Instance(BaseFuture)

    move = Button("Move")
    cancel = Button("Cancel")

    #: Why the last move failed, or empty.
    error = Str()

    #: True while no move is in progress.
    idle = Property(Bool, observe="future.done")

    #: True while the move can be cancelled.
    cancellable = Property(Bool, observe="future.cancellable")

    def _get_idle(self):
        return self.future is None or self.future.done

    def _get_cancellable(self):
        return self.future is not None and self.future.cancellable

    @observe("move")
    def _start_move(self, event):
        self.error = ""
        self.future = submit_call(self.executor, move_stage, self.target, name="move")

    @observe("cancel")
    def _cancel_move(self, event):
        self.future.cancel()

    # [/model]

    # [errors]
    @observe("future:done")
    def _show_error(self, event):
        if self.future.state == FAILED:
            type_name, message, _ = self.future.exception
            self.error = f"{type_name}: {message}"

    # [/errors]

    # [view]
    traits_view = View(
        VGroup(
            HGroup(
                Item("target", label="Target (mm)", enabled_when="idle"),
                Item("move", show_label=False, enabled_when="idle"),
                Item("cancel", show_label=False, enabled_when="cancellable"),
            ),
            Item("future", editor=JobProgressEditor(), show_label=False),
            Item("error", style="readonly", show_label=False, visible_when="error"),
        ),
        title="Stage",
        resizable=True,
    )
    # [/view]


# [window]
from traits_jobs.ui.api import ExecutorCloseHandler, FailureReporter, JobsPanel


class StageWindow(HasStrictTraits):
    """The stage control, every job of the executor, and failures nobody read."""

    stage = Instance(StageControl, allow_none=False)
    jobs = Instance(JobsPanel, allow_none=False)
    failures = Instance(FailureReporter, allow_none=False)

    def __init__(self, executor, **traits):
        super().__init__(
            stage=StageControl(executor=executor),
            jobs=JobsPanel(executor=executor),
            failures=FailureReporter(executor=executor),
            **traits,
        )

    traits_view = View(
        VGroup(
            Item("stage", style="custom", show_label=False),
            Item("jobs", style="custom", show_label=False),
            Item("object.failures.last_message", style="readonly", label="Last failure"),
        ),
        title="Stage",
        resizable=True,
        width=640,
        height=420,
    )


def main():
    executor = TraitsExecutor()
    window = StageWindow(executor)
    # Closing the window while a move runs asks first, then stops the executor.
    window.configure_traits(handler=ExecutorCloseHandler(executor=executor))


# [/window]

if __name__ == "__main__":
    main()
