# SPDX-License-Identifier: BSD-3-Clause
"""A PID temperature controller on a simulated heater, run as a loop job.

Used by the "Instrument loops" and "The job context" guides; tested by
``test_instrument_loop.py``.
"""

import dataclasses

from traits.api import Float, HasStrictTraits, Instance, Str, observe

from traits_jobs.api import (
    AsyncioEventLoop,
    LoopFuture,
    LoopJob,
    TraitsExecutor,
    current_job,
    submit_loop,
)

#: Seconds between the starts of two iterations of the controller.
PERIOD = 0.1


class SimulatedHeater:
    """A heater in a room: its power warms it up, the room cools it down.

    Each reading of the temperature moves the simulation on by ``step``
    seconds, so that it behaves the same however fast the loop really runs.
    """

    #: Joules to warm the heater by one kelvin.
    HEAT_CAPACITY = 1.0

    #: Seconds for the difference with the room to fall by a factor e.
    TIME_CONSTANT = 5.0

    def __init__(self, room=20.0, step=PERIOD):
        self.room = room
        self.step = step
        self.temperature = room
        self.power = 0.0
        self.power_limit = 0.0
        self.is_open = False

    def open(self):
        self.is_open = True

    def close(self):
        self.power = 0.0
        self.is_open = False

    def set_power_limit(self, watts):
        self.power_limit = watts

    def set_power(self, watts):
        self.power = min(max(watts, 0.0), self.power_limit)

    def read_temperature(self):
        warming = self.power / self.HEAT_CAPACITY
        cooling = (self.temperature - self.room) / self.TIME_CONSTANT
        self.temperature += (warming - cooling) * self.step
        return self.temperature


@dataclasses.dataclass(frozen=True)
class PidSettings:
    """What the user may change while the controller runs."""

    setpoint: float = 20.0  # degrees Celsius
    kp: float = 3.0  # watts per kelvin
    ki: float = 3.0  # watts per kelvin-second
    max_power: float = 20.0  # watts


@dataclasses.dataclass(frozen=True)
class HeaterStatus:
    """What the controller publishes after each iteration."""

    temperature: float
    power: float
    setpoint: float


class PidController(LoopJob):
    """Keeps the heater at the setpoint: one reading and one correction per iteration."""

    def __init__(self, heater, period=PERIOD):
        self.heater = heater
        self.period = period
        self.settings = None
        self.integral = 0.0

    def prepare(self, ctx):
        self.heater.open()

    def apply_settings(self, ctx, settings):
        # Talk to the device only when the settings change, not every period.
        self.heater.set_power_limit(settings.max_power)
        self.settings = settings

    def iteration(self, ctx):
        settings = self.settings
        temperature = self.heater.read_temperature()
        error = settings.setpoint - temperature
        integral = self.integral + error * self.period
        power = settings.kp * error + settings.ki * integral
        if 0.0 <= power <= settings.max_power:
            # Integrate only while the output is not saturated (anti-windup).
            self.integral = integral
        power = min(max(power, 0.0), settings.max_power)
        self.heater.set_power(power)
        ctx.publish_status(HeaterStatus(temperature, power, settings.setpoint))

    def finalize(self, ctx):
        # However the loop ends: stopped, cancelled, failed.
        self.heater.close()


class TemperaturePanel(HasStrictTraits):
    """What a window shows of the controller, and what its buttons do."""

    executor = Instance(TraitsExecutor)
    heater = Instance(SimulatedHeater)

    #: The running controller; None before start().
    loop = Instance(LoopFuture)

    temperature = Float()
    power = Float()

    #: The setpoint the controller works to (not one still on its way).
    setpoint = Float()

    #: The last overrun, in words; empty if there was none.
    last_overrun = Str()

    def start(self, settings, clock=None):
        """Start the controller. ``clock`` is for tests: None is the real clock."""
        self.loop = submit_loop(
            self.executor,
            PidController(self.heater),
            period=PERIOD,
            missed="skip",
            settings=settings,
            clock=clock,
            name="temperature control",
        )
        return self.loop

    def change_setpoint(self, setpoint):
        self.loop.set_settings(lambda latest: dataclasses.replace(latest, setpoint=setpoint))

    def change_gains(self, kp, ki):
        self.loop.set_settings(lambda latest: dataclasses.replace(latest, kp=kp, ki=ki))

    def stop(self):
        """The Stop button: finish the iteration, switch the heater off, end."""
        return self.loop.stop()

    def abort(self):
        """Give up on the loop; whatever it sends from now on is dropped."""
        return self.loop.cancel()

    @observe("loop:status")
    def _show_status(self, event):
        status = event.new
        if status is not None:
            self.temperature = status.temperature
            self.power = status.power
            self.setpoint = status.setpoint

    @observe("loop:iteration_missed")
    def _show_overrun(self, event):
        missed = event.new
        self.last_overrun = (
            f"iteration {missed.iteration} ended {missed.lateness * 1e3:.0f} ms late; "
            f"{missed.slots_missed} slot(s) skipped"
        )


def cool_down(heater, below, interval):
    """A call job: wait until the heater is cooler than ``below``; return its temperature."""
    job = current_job()
    temperature = heater.read_temperature()
    while temperature >= below:
        job.publish_status(temperature)
        # Ends at once on future.stop() or cancel(), raising JobStopRequested.
        job.sleep(interval)
        temperature = heater.read_temperature()
    return temperature


def main():
    event_loop = AsyncioEventLoop()
    executor = TraitsExecutor(event_loop=event_loop)
    panel = TemperaturePanel(executor=executor, heater=SimulatedHeater())

    def near(setpoint):
        return lambda: panel.setpoint == setpoint and abs(panel.temperature - setpoint) < 0.5

    loop = panel.start(PidSettings(setpoint=30.0))
    event_loop.run_until(near(30.0), timeout=30.0)
    print(f"at {panel.temperature:.0f} °C")
    panel.change_setpoint(35.0)
    panel.change_gains(kp=4.0, ki=3.0)
    print(f"pending: {loop.pending_settings}")
    event_loop.run_until(near(35.0), timeout=30.0)
    print(f"at {panel.temperature:.0f} °C with {loop.settings}")
    panel.stop()
    event_loop.run_until(lambda: loop.done, timeout=10.0)
    print(f"controller {loop.state} ({loop.end_reason}); heater open: {panel.heater.is_open}")
    executor.shutdown(timeout=10.0)
    event_loop.close()


if __name__ == "__main__":
    main()
