# SPDX-License-Identifier: BSD-3-Clause
"""Simulated instruments for the demo: no hardware, pure Python and numpy.

Everything here runs on worker threads (or the executor's asyncio loop), as
the jobs of the demo, and is thread-safe; :func:`analysis` may run in a
worker process instead. The timings are parameters so that tests can run
them fast:

- :class:`Stage`: a motorised stage that moves at ``speed`` in small steps,
  reporting its position with :func:`~traits_jobs.api.report_progress`; its
  :meth:`~Stage.move` is a coroutine job (``@background``), its
  :meth:`~Stage.move_to` a blocking move for the scan;
- :class:`Camera`: a spectrometer whose acquisition is a generator of 1-D
  spectra, a peak that follows the stage, plus noise;
- :class:`TemperatureSensor`: a sensor on a heated stage, with a setpoint;
- :class:`TemperatureLoop`: the loop job that reads it periodically, with
  :class:`SensorSettings` in and a :class:`TemperatureReading` out;
- :func:`analysis`: a slow analysis of a stack of spectra, with progress;
- :func:`scan`: move, acquire a fixed number of spectra, analyse, in one job.

A job is asked to stop by cancellation: an iteration stops at its next
``yield``, and any job at its next ``report_progress()``, which raises
:exc:`~traits_jobs.api.TaskCancelled`. The temperature loop also ends
after its current iteration on ``future.stop()``, and an iteration such as
the live view pauses at its next ``yield`` on ``future.pause()``. A
coroutine job such as :meth:`Stage.move` is cancelled at its next ``await``.

The emergency stop does not wait for the jobs: it calls each device's stop
at once, on a thread of its own. :meth:`Stage.halt` stops the motor where
it is, :meth:`Camera.halt` stops acquiring, and
:meth:`TemperatureSensor.heater_off` switches the heater off; a move or an
acquisition that they ended raises :exc:`DeviceHalted`.
"""

import asyncio
import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
from traits.api import Float, HasTraits, Instance, Tuple

from traits_jobs.api import (
    JobContext,
    LoopJob,
    TraitsExecutor,
    background,
    report_progress,
)

#: The signature of report_progress(); the phases of a scan pass their own.
Reporter = Callable[..., None]


class DeviceHalted(RuntimeError):
    """Raised by a move or an acquisition that the device's ``halt()`` ended.

    An emergency stop halts the devices on threads of its own while it
    cancels their jobs, so a job that meets its halted device has been
    cancelled already, and ends CANCELLED all the same.
    """


#: Seconds a move stays executing after the stage stopped, to settle.
SETTLE_TIME = 0.3

#: Seconds any move may take: the longest one of the default stage (from
#: one limit to the other at 25 units per second) takes 1.6.
MOVE_TIMEOUT = 30.0


class Stage(HasTraits):
    """A motorised stage with one axis, moving at ``speed`` units per second.

    Its moves run as jobs on :attr:`executor`: :meth:`move` is a coroutine
    job (``@background``), and :meth:`move_to` a blocking move for jobs
    that run on a worker, such as the scan. :meth:`halt` stops the motor
    where it is, from any thread: the emergency stop's hook.

    Parameters
    ----------
    speed : float
        Units per second.
    step_time : float
        Seconds per step; the position is reported after each step.
    limits : tuple of float
        The lowest and highest positions it can reach.
    executor : TraitsExecutor, optional
        Runs :meth:`move`; the demo window gives it its own.
    """

    #: Runs :meth:`move` (the attribute ``@background`` reads).
    executor = Instance(TraitsExecutor)

    speed = Float(25.0)
    step_time = Float(0.02)
    limits = Tuple(Float(-20.0), Float(20.0))

    def __init__(self, **traits: Any) -> None:
        super().__init__(**traits)
        self._lock = threading.Lock()
        self._position = 0.0
        #: Serial number of the latest motion; halt() and each new motion
        #: change it, which ends the motion in progress at its next step.
        self._motion = 0
        self._moving = False
        self._halts = 0

    @property
    def position(self) -> float:
        """Where the stage is now. Thread-safe."""
        with self._lock:
            return self._position

    @property
    def moving(self) -> bool:
        """Whether the motor is running. Thread-safe."""
        with self._lock:
            return self._moving

    @property
    def halt_count(self) -> int:
        """How many times :meth:`halt` was called. Thread-safe."""
        with self._lock:
            return self._halts

    def check_target(self, target: float) -> None:
        """Raise ValueError if ``target`` is outside the stage's limits. Thread-safe."""
        low, high = self.limits
        if not (isinstance(target, int | float) and low <= target <= high):
            msg = f"target must be a position from {low:g} to {high:g}, got {target!r}"
            raise ValueError(msg)

    def halt(self) -> None:
        """Stop the motor where it is now. Thread-safe; the emergency stop's hook.

        The position no longer changes once this returns: the move in
        progress, if any, raises :exc:`DeviceHalted` at its next step. The
        next move starts the motor again.
        """
        with self._lock:
            self._motion += 1
            self._moving = False
            self._halts += 1

    @background(resources={"stage"}, timeout=MOVE_TIMEOUT, settle_time=SETTLE_TIME, name="move")
    async def move(self, target: float) -> float:
        """Move to ``target``; return where the stage stopped. A coroutine job.

        Calling it submits the job to :attr:`executor` and returns its
        :class:`~traits_jobs.api.CoroutineFuture` at once. The job claims
        "stage", settles for :data:`SETTLE_TIME` seconds after the stage
        stopped, and fails after :data:`MOVE_TIMEOUT` seconds. It reports
        the position after each step; it waits between steps with ``await``,
        holding no worker thread.

        Raises ValueError for a target beyond the limits, before moving, and
        :exc:`DeviceHalted` if :meth:`halt` stopped the stage. A cancellation
        stops the motor where it is: the job ends CANCELLED with the stage at
        rest, at the position of its last step.
        """
        motion, start, positions = self._start_motion(target)
        try:
            for position in positions:
                await self._step_wait()
                self._step(motion, position)
                report_progress(
                    position, initial=start, target=target, message=f"moving to {target:g}"
                )
        except asyncio.CancelledError:
            # Cancelled (at the await): stop the motor where it is, so that
            # the stage is at rest when the job ends CANCELLED; then re-raise.
            self._stop_motor(motion)
            raise
        finally:
            # Arrived, halted, or failed: the motor is off either way.
            self._stop_motor(motion)
        return self.position

    async def _step_wait(self) -> None:
        """Wait while the motor takes one step. In a coroutine job."""
        await asyncio.sleep(self.step_time)

    def steps_to(self, target: float) -> Iterator[float]:
        """Move to ``target`` one step at a time, yielding the position after each step.

        Blocking: for jobs on a worker. Raises :exc:`DeviceHalted` at the
        step after a :meth:`halt`.
        """
        motion, _, positions = self._start_motion(target)
        try:
            for position in positions:
                time.sleep(self.step_time)
                self._step(motion, position)
                yield position
        finally:
            self._stop_motor(motion)

    def move_to(self, target: float, report: Reporter = report_progress) -> float:
        """Move to ``target``; return where the stage stopped. Blocking, runs inside a job.

        The scan's move. Raises ValueError for a target beyond the limits,
        before moving. Cancelling the job stops the stage at its next step.
        """
        start = self.position
        for position in self.steps_to(target):
            report(position, initial=start, target=target, message=f"moving to {target:g}")
        return self.position

    def _start_motion(self, target: float) -> tuple[int, float, list[float]]:
        """Start the motor towards ``target``: the motion's number, start and steps."""
        self.check_target(target)
        with self._lock:
            self._motion += 1
            self._moving = True
            motion, start = self._motion, self._position
        distance = target - start
        steps = max(1, math.ceil(abs(distance) / (self.speed * self.step_time)))
        return motion, start, [start + distance * step / steps for step in range(1, steps + 1)]

    def _step(self, motion: int, position: float) -> None:
        """Record one step of ``motion``; DeviceHalted if it was halted."""
        with self._lock:
            if motion != self._motion:
                msg = f"the stage was halted at {self._position:g}"
                raise DeviceHalted(msg)
            self._position = position

    def _stop_motor(self, motion: int) -> None:
        """Stop the motor if ``motion`` is still the one running."""
        with self._lock:
            if motion == self._motion:
                self._moving = False


class Camera:
    """A spectrometer: 1-D spectra of a Gaussian peak that follows the stage.

    Parameters
    ----------
    stage : Stage, optional
        The peak's centre moves with this stage's position.
    frame_interval : float
        Seconds between two spectra (0.04: 25 per second).
    size : int
        Points per spectrum.
    seed : int, optional
        Seed of the noise, for repeatable spectra.
    """

    def __init__(
        self,
        stage: Stage | None = None,
        frame_interval: float = 0.04,
        size: int = 400,
        seed: int | None = None,
    ) -> None:
        self.stage = stage
        self.frame_interval = frame_interval
        self.wavelengths = np.linspace(500.0, 700.0, size)
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._epoch = time.monotonic()
        #: Serial number of the latest acquisition; halt() and each new
        #: acquisition change it, which ends the one in progress.
        self._acquisition = 0
        self._acquiring = False
        self._halts = 0

    @property
    def acquiring(self) -> bool:
        """Whether the camera is acquiring. Thread-safe."""
        with self._lock:
            return self._acquiring

    @property
    def halt_count(self) -> int:
        """How many times :meth:`halt` was called. Thread-safe."""
        with self._lock:
            return self._halts

    def halt(self) -> None:
        """Stop acquiring now. Thread-safe; the emergency stop's hook.

        The acquisition in progress, if any, raises :exc:`DeviceHalted`
        instead of taking its next spectrum. The next one starts afresh.
        """
        with self._lock:
            self._acquisition += 1
            self._acquiring = False
            self._halts += 1

    def snap(self) -> np.ndarray:
        """One spectrum, computed at once. Thread-safe."""
        now = time.monotonic() - self._epoch
        offset = 0.0 if self.stage is None else 3.0 * self.stage.position
        centre = 600.0 + offset + 8.0 * math.sin(2 * math.pi * now / 4.0)
        peak = np.exp(-0.5 * ((self.wavelengths - centre) / 6.0) ** 2)
        with self._lock:
            noise = self._rng.normal(0.0, 0.05, self.wavelengths.size)
        result: np.ndarray = 0.1 + peak + noise
        return result

    def acquire(self, count: int | None = None) -> Iterator[np.ndarray]:
        """Yield ``count`` spectra (forever if None), one per frame interval. Runs as a job.

        Raises :exc:`DeviceHalted` at the next spectrum after a :meth:`halt`.
        """
        with self._lock:
            self._acquisition += 1
            self._acquiring = True
            acquisition = self._acquisition
        try:
            taken = 0
            while count is None or taken < count:
                time.sleep(self.frame_interval)
                with self._lock:
                    if acquisition != self._acquisition:
                        msg = "the camera's acquisition was halted"
                        raise DeviceHalted(msg)
                taken += 1
                yield self.snap()
        finally:
            with self._lock:
                if acquisition == self._acquisition:
                    self._acquiring = False


#: The temperature of the room, in °C: the heater's setpoint to begin with.
AMBIENT = 21.0

#: The lowest and highest setpoints of the heater, in °C.
SETPOINT_RANGE = (5.0, 60.0)


class TemperatureSensor:
    """A temperature sensor on a heated stage, drifting slowly, with a little noise.

    The stage's heater drives the temperature towards the setpoint
    exponentially, with the time constant ``time_constant``; switched off
    (:meth:`heater_off`, the emergency stop's hook), it lets the temperature
    fall back to :data:`AMBIENT` the same way, until the next
    :meth:`set_setpoint` switches it on again. Every
    ``slow_read_every``-th reading takes ``slow_read_time`` seconds, as a
    sensor on a shared bus sometimes does: what makes a loop that reads it
    miss a slot now and then.

    Parameters
    ----------
    interval : float
        Seconds between two readings, by default: the demo's initial
        sampling interval.
    seed : int, optional
        Seed of the noise.
    time_constant : float
        Seconds for the temperature to come 63 % of the way to a new setpoint.
    slow_read_every : int
        Every how many readings one is slow; 0 for never.
    slow_read_time : float
        Seconds a slow reading takes.
    """

    def __init__(
        self,
        interval: float = 0.25,
        seed: int | None = None,
        time_constant: float = 4.0,
        slow_read_every: int = 0,
        slow_read_time: float = 0.0,
    ) -> None:
        self.interval = interval
        self.time_constant = time_constant
        self.slow_read_every = slow_read_every
        self.slow_read_time = slow_read_time
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._epoch = time.monotonic()
        # The heater: the temperature goes from _start towards _goal since
        # _since; _goal is the setpoint while the heater is on, else AMBIENT.
        self._setpoint = self._start = self._goal = AMBIENT
        self._heater_on = True
        self._since = self._epoch
        self._reads = 0

    @property
    def setpoint(self) -> float:
        """The heater's setpoint, in °C. Thread-safe."""
        with self._lock:
            return self._setpoint

    def set_setpoint(self, setpoint: float) -> None:
        """Drive the temperature towards ``setpoint`` °C from now on. Thread-safe.

        Raises ValueError for a setpoint outside :data:`SETPOINT_RANGE`.
        """
        low, high = SETPOINT_RANGE
        if not (isinstance(setpoint, int | float) and low <= setpoint <= high):
            msg = f"setpoint must be from {low:g} to {high:g} °C, got {setpoint!r}"
            raise ValueError(msg)
        now = time.monotonic()
        with self._lock:
            self._start = self._heated(now)
            self._setpoint = self._goal = float(setpoint)
            self._heater_on, self._since = True, now

    @property
    def heater_on(self) -> bool:
        """Whether the heater's output is on. Thread-safe."""
        with self._lock:
            return self._heater_on

    def heater_off(self) -> None:
        """Switch the heater's output off now. Thread-safe; the emergency stop's hook.

        The temperature falls back towards :data:`AMBIENT`; the setpoint is
        kept, and the next :meth:`set_setpoint` switches the heater on.
        """
        now = time.monotonic()
        with self._lock:
            self._start = self._heated(now)
            self._goal, self._heater_on, self._since = AMBIENT, False, now

    def read(self) -> float:
        """The temperature now, in °C; now and then slowly (see above). Thread-safe."""
        with self._lock:
            self._reads += 1
            slow = self.slow_read_every > 0 and self._reads % self.slow_read_every == 0
        if slow:
            time.sleep(self.slow_read_time)
        now = time.monotonic()
        drift = 0.4 * math.sin(2 * math.pi * (now - self._epoch) / 30.0)
        with self._lock:
            noise = float(self._rng.normal(0.0, 0.02))
            heated = self._heated(now)
        return heated + drift + noise

    def _heated(self, now: float) -> float:
        """Where the heater has brought the temperature by ``now``; hold the lock."""
        decay = math.exp(-(now - self._since) / self.time_constant)
        return self._goal + (self._start - self._goal) * decay


@dataclasses.dataclass(frozen=True)
class SensorSettings:
    """The settings of a :class:`TemperatureLoop`, which the window edits while it runs.

    Frozen: the loop reads them on its worker while the window makes new
    ones with :func:`dataclasses.replace`.
    """

    #: The heater's setpoint, in °C.
    setpoint: float = AMBIENT
    #: Seconds between two readings.
    interval: float = 0.25


@dataclasses.dataclass(frozen=True)
class TemperatureReading:
    """What a :class:`TemperatureLoop` publishes after each reading.

    Frozen: the window reads it on the main thread while the loop runs on.
    """

    #: 1 for the loop's first reading, then 2, 3, ...
    number: int
    #: The temperature read, in °C.
    temperature: float
    #: The setpoint and sampling interval in force when it was read.
    setpoint: float
    interval: float


class TemperatureLoop(LoopJob):
    """Reads the sensor every ``interval`` seconds and drives its heater. Runs as a loop job.

    Submit it with ``submit_loop(executor, TemperatureLoop(sensor),
    period=tick, settings=SensorSettings(...))``; change its settings while
    it runs with ``future.set_settings()``, and read its latest
    :class:`TemperatureReading` from ``future.status``.

    A loop's period is fixed when it is submitted, yet the window lets the
    user change the sampling interval while the loop runs. So the period is
    a short *tick*, the finest interval offered, and the sampling interval
    is a setting: each iteration reads the sensor if a reading is due, and
    otherwise returns at once. Readings fall on the first tick at or after
    each due time, on a grid of ``interval`` (an interval shorter than the
    tick reads at every tick). Resubmitting the loop with a new period at
    each edit would be the other way; it would restart the counts and give
    up the sensor between two jobs. The loop's iteration and missed counts
    are counts of ticks.

    Parameters
    ----------
    sensor : TemperatureSensor
        The sensor to read, and whose setpoint to set.
    """

    def __init__(self, sensor: TemperatureSensor) -> None:
        self.sensor = sensor
        self.settings = SensorSettings(setpoint=sensor.setpoint, interval=sensor.interval)
        #: time.monotonic() of the next and of the last reading; readings so far.
        self._due = -math.inf
        self._last: float | None = None
        self._readings = 0

    def apply_settings(self, ctx: JobContext, settings: SensorSettings) -> None:
        """Set the heater's setpoint and the sampling interval; on the worker.

        A new interval counts from the last reading: a shorter one takes
        effect at once. Raises ValueError for settings the sensor cannot
        take, which fails the job.
        """
        interval = settings.interval
        if not (isinstance(interval, int | float) and 0.0 < interval < math.inf):
            msg = f"the sampling interval must be a positive number of seconds, got {interval!r}"
            raise ValueError(msg)
        self.sensor.set_setpoint(settings.setpoint)
        if self._last is not None:
            self._due = self._last + interval
        self.settings = settings

    def iteration(self, ctx: JobContext) -> None:
        """Read the sensor if a reading is due, and publish the reading."""
        now = time.monotonic()
        if now < self._due:
            return
        settings = self.settings
        temperature = self.sensor.read()
        self._readings += 1
        self._last = now
        due = self._due + settings.interval
        # Behind by more than an interval (a slow reading, a pause): the next
        # reading is an interval from now, not a burst of catching up.
        self._due = due if due > now else now + settings.interval
        ctx.publish_status(
            TemperatureReading(self._readings, temperature, settings.setpoint, settings.interval)
        )


@dataclasses.dataclass(frozen=True)
class AnalysisResult:
    """What :func:`analysis` finds in a stack of spectra."""

    #: How many spectra were analysed.
    frames: int
    #: Their mean.
    mean: np.ndarray
    #: The centre of the peak of the mean, in points.
    peak_index: float
    #: The standard deviation of the noise, from the spread around the mean.
    noise: float

    def summary(self) -> str:
        """One line for a status bar."""
        return f"{self.frames} spectra: peak at point {self.peak_index:.1f}, noise {self.noise:.3f}"


def analysis(
    frames: Sequence[np.ndarray],
    step_time: float = 0.03,
    steps: int = 50,
    report: Reporter = report_progress,
) -> AnalysisResult:
    """Analyse a stack of spectra slowly, in ``steps`` steps, reporting each. Runs as a job.

    Raises ValueError if ``frames`` is empty. A module-level function whose
    arguments and :class:`AnalysisResult` pickle: it runs in a worker
    process too (``--context process``), where it needs nothing of the
    main process.
    """
    if len(frames) == 0:
        msg = "analysis needs at least one spectrum, got none"
        raise ValueError(msg)
    stack = np.asarray(frames, dtype=float)
    mean = stack.mean(axis=0)
    for step in range(1, steps + 1):
        # A stand-in for a slow fit: the work is the waiting.
        time.sleep(step_time)
        report(step, target=steps, message=f"analysing {step}/{steps}")
    weights = np.clip(mean - np.median(mean), 0.0, None)
    total = float(weights.sum())
    centre = float((weights * np.arange(mean.size)).sum() / total) if total > 0 else math.nan
    return AnalysisResult(
        frames=len(stack), mean=mean, peak_index=centre, noise=float((stack - mean).std())
    )


def _phase(low: float, high: float) -> Reporter:
    """A report_progress() for one phase of a scan, mapped to ``low..high`` of the whole."""

    def report(current: float, *, target: float, initial: float = 0.0, **kwargs: Any) -> None:
        span = target - initial
        part = 1.0 if span == 0 else min(1.0, max(0.0, (current - initial) / span))
        report_progress(
            current, target=target, initial=initial, fraction=low + (high - low) * part, **kwargs
        )

    return report


def scan(
    stage: Stage,
    camera: Camera,
    target: float,
    count: int,
    analysis_steps: int = 50,
    analysis_step_time: float = 0.03,
) -> Iterator[Any]:
    """Move to ``target``, yield ``count`` spectra, then yield their analysis. Runs as a job.

    Progress covers the three phases: moving (0-30 %), acquiring (30-60 %),
    analysing (60-100 %). Cancelling stops the scan in any of them.
    """
    stage.move_to(target, report=_phase(0.0, 0.3))
    frames = []
    acquire = _phase(0.3, 0.6)
    acquire(0, target=count, message=f"acquiring 0/{count}")
    for spectrum in camera.acquire(count):
        frames.append(spectrum)
        acquire(len(frames), target=count, message=f"acquiring {len(frames)}/{count}")
        yield spectrum
    yield analysis(
        frames, step_time=analysis_step_time, steps=analysis_steps, report=_phase(0.6, 1.0)
    )
