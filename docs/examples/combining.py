# SPDX-License-Identifier: BSD-3-Clause
"""Combining futures with all_of() / any_of(), on a simulated stage and sensors.

Used by the "Combining jobs" guide; tested by ``test_combining_jobs.py``.
"""

import time

from stage import SimulatedStage

from traits_jobs.api import AsyncioEventLoop, TraitsExecutor, all_of, any_of, submit_call


class SimulatedSensor:
    """A thermometer that answers after ``delay`` seconds, or fails."""

    def __init__(self, delay, temperature=None):
        self.delay = delay
        self.temperature = temperature

    def read(self):
        time.sleep(self.delay)
        if self.temperature is None:
            raise OSError("sensor did not answer")
        return self.temperature


def move_both(executor, x_stage, y_stage, x, y):
    """Move two axes at once: the result is ``(x, y)`` once both have arrived."""
    return all_of(
        submit_call(executor, x_stage.move_to, x, timeout=5.0),
        submit_call(executor, y_stage.move_to, y, timeout=5.0),
    )


def read_temperature(executor, sensors):
    """Ask every sensor: the first answer is the result."""
    return any_of(*(submit_call(executor, sensor.read) for sensor in sensors))


def prepare(executor, x_stage, y_stage, sensors):
    """Move and read at the same time: the result is ``((x, y), temperature)``."""
    return move_both(executor, x_stage, y_stage, 1.0, 2.0) & read_temperature(executor, sensors)


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    sensors = [SimulatedSensor(0.2, 21.5), SimulatedSensor(0.05, 21.4)]
    ready = prepare(executor, SimulatedStage(), SimulatedStage(), sensors)
    print(ready.wait(timeout=10.0))
    broken = read_temperature(executor, [SimulatedSensor(0.01), SimulatedSensor(0.02)])
    try:
        broken.wait(timeout=10.0)
    except ExceptionGroup as group:
        print(group.message, [str(error) for error in group.exceptions])
    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
