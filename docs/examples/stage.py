# SPDX-License-Identifier: BSD-3-Clause
"""A simulated motorised stage and camera, for the job-control how-to guides.

Their methods run as jobs, on worker threads; they sleep to stand in for
hardware.
"""

import time

from traits_jobs.api import TaskCancelled, report_progress


class SimulatedStage:
    """One axis that moves at ``speed`` units per second, in steps of ``step`` seconds."""

    def __init__(self, speed=20.0, step=0.01):
        self.speed = speed
        self.step = step
        self.position = 0.0
        self.stopped_early = False

    def move_to(self, target):
        """Move to ``target``, reporting progress at each step; return the position."""
        start = self.position
        steps = max(1, round(abs(target - start) / (self.speed * self.step)))
        try:
            for i in range(1, steps + 1):
                time.sleep(self.step)
                self.position = start + (target - start) * i / steps
                # Raises TaskCancelled once the job is cancelled or timed out.
                report_progress(self.position, initial=start, target=target)
        except TaskCancelled:
            self.stopped_early = True  # a real stage would be told to stop here
            raise
        return self.position


class SimulatedCamera:
    """A camera whose shutter is open while its live view runs."""

    def __init__(self, frame_interval=0.01):
        self.frame_interval = frame_interval
        self.shutter_open = False

    def live_view(self):
        """Yield frames until cancelled; close the shutter however it ends."""
        self.shutter_open = True
        frame = 0
        try:
            while True:
                time.sleep(self.frame_interval)
                frame += 1
                yield frame
        finally:
            self.shutter_open = False
