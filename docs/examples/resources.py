# SPDX-License-Identifier: BSD-3-Clause
"""Resource claims and preemption, on a simulated stage and camera.

Used by the "Resources and preemption" guide; tested by
``test_resources_example.py``.
"""

import warnings

from stage import SimulatedCamera, SimulatedStage
from traits.api import Bool, HasStrictTraits, Instance, observe

from traits_jobs.api import (
    AsyncioEventLoop,
    PreemptionWarning,
    ResourceConflictError,
    TraitsExecutor,
    submit_call,
    submit_iteration,
)


def start_live_view(executor, camera):
    """Show camera frames until a move of the x axis needs the stage."""
    return submit_iteration(
        executor,
        camera.live_view,
        background=True,
        resources={"camera", "stage:x"},
        name="live view",
    )


def move_x(executor, stage, target):
    """Move the x axis; a background job that holds it is preempted."""
    return submit_call(executor, stage.move_to, target, resources={"stage:x"}, name="move x")


def home(executor, stage):
    """Home every axis: claims all of ``stage:*``, waiting for other moves to end."""
    return submit_call(
        executor, stage.move_to, 0.0, resources={"stage:*"}, on_conflict="wait", name="home"
    )


def stop_live_view(executor):
    """Cancel the live view, if it runs; return once it has cleaned up."""
    live = executor.background_jobs.get("live view")
    if live is not None:
        live.cancel()
    executor.wait_for_background(timeout=5.0)


def holder(executor, resource):
    """The future of the job that holds ``resource``, directly or by a pattern; or None."""
    for claim, future in executor.claimed_resources.items():
        if claim == resource or (claim.endswith(":*") and resource.startswith(claim[:-1])):
            return future
    return None


class StageControls(HasStrictTraits):
    """Whether each button of a stage panel is enabled, kept up to date."""

    executor = Instance(TraitsExecutor)

    #: A move may start unless a foreground job holds the x axis.
    move_x_enabled = Bool(True)

    #: The live view may start only when the camera and the x axis are free.
    live_view_enabled = Bool(True)

    @observe("executor:claimed_resources")
    def _update_buttons(self, event):
        x_holder = holder(self.executor, "stage:x")
        background = set(self.executor.background_jobs.values())
        self.move_x_enabled = x_holder is None or x_holder in background
        self.live_view_enabled = x_holder is None and holder(self.executor, "camera") is None


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    stage, camera = SimulatedStage(), SimulatedCamera()
    controls = StageControls(executor=executor)

    live = start_live_view(executor, camera)
    event_loop.run_until(lambda: live.state == "executing", timeout=5.0)
    print(
        f"live view: move enabled {controls.move_x_enabled}, "
        f"live view enabled {controls.live_view_enabled}"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PreemptionWarning)
        move = move_x(executor, stage, 10.0)
    print(caught[0].message)
    event_loop.run_until(lambda: move.state == "executing", timeout=5.0)
    print(f"live view {live.end_reason} by {live.preempted_by.name}")
    print(f"moving: move enabled {controls.move_x_enabled}")
    try:
        move_x(executor, stage, 3.0)
    except ResourceConflictError as error:
        print(f"refused: {error}")
    homing = home(executor, stage)
    print(f"home: {homing.state}")
    homing.wait(timeout=10.0)
    print(f"move {move.end_reason}, home {homing.end_reason}")

    start_live_view(executor, camera)
    stop_live_view(executor)
    print(f"shutter open: {camera.shutter_open}")
    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
