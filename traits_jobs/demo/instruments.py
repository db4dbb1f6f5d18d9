# SPDX-License-Identifier: BSD-3-Clause
"""Simulated instruments for the demo: no hardware, pure Python and numpy.

Everything here runs on worker threads, as the jobs of the demo, and is
thread-safe. The timings are parameters so that tests can run them fast:

- :class:`Stage`: a motorised stage that moves at ``speed`` in small steps,
  reporting its position with :func:`~traits_jobs.api.report_progress`;
- :class:`Camera`: a spectrometer whose acquisition is a generator of 1-D
  spectra, a peak that follows the stage, plus noise;
- :class:`TemperatureSensor`: a sensor read periodically by :meth:`~TemperatureSensor.poll`;
- :func:`analysis`: a slow analysis of a stack of spectra, with progress;
- :func:`scan`: move, acquire a fixed number of spectra, analyse, in one job.

A job is asked to stop by cancellation: an iteration stops at its next
``yield``, and any job at its next ``report_progress()``, which raises
:exc:`~traits_jobs.api.TaskCancelled`.
"""

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from traits_jobs.api import report_progress

#: The signature of report_progress(); the phases of a scan pass their own.
Reporter = Callable[..., None]


class Stage:
    """A motorised stage with one axis, moving at ``speed`` units per second.

    Parameters
    ----------
    speed : float
        Units per second.
    step_time : float
        Seconds per step; the position is reported after each step.
    limits : tuple of float
        The lowest and highest positions it can reach.
    """

    def __init__(
        self, speed: float = 25.0, step_time: float = 0.02, limits: tuple[float, float] = (-20, 20)
    ) -> None:
        self.speed = speed
        self.step_time = step_time
        self.limits = limits
        self._position = 0.0
        self._lock = threading.Lock()

    @property
    def position(self) -> float:
        """Where the stage is now. Thread-safe."""
        with self._lock:
            return self._position

    def check_target(self, target: float) -> None:
        """Raise ValueError if ``target`` is outside the stage's limits. Thread-safe."""
        low, high = self.limits
        if not (isinstance(target, int | float) and low <= target <= high):
            msg = f"target must be a position from {low:g} to {high:g}, got {target!r}"
            raise ValueError(msg)

    def steps_to(self, target: float) -> Iterator[float]:
        """Move to ``target`` one step at a time, yielding the position after each step."""
        self.check_target(target)
        start = self.position
        distance = target - start
        steps = max(1, math.ceil(abs(distance) / (self.speed * self.step_time)))
        for step in range(1, steps + 1):
            time.sleep(self.step_time)
            with self._lock:
                self._position = start + distance * step / steps
            yield start + distance * step / steps

    def move_to(self, target: float, report: Reporter = report_progress) -> float:
        """Move to ``target``; return where the stage stopped. Runs as a job.

        Raises ValueError for a target beyond the limits, before moving.
        Cancelling the job stops the stage at its next step.
        """
        start = self.position
        for position in self.steps_to(target):
            report(position, initial=start, target=target, message=f"moving to {target:g}")
        return self.position


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
        """Yield ``count`` spectra (forever if None), one per frame interval. Runs as a job."""
        taken = 0
        while count is None or taken < count:
            time.sleep(self.frame_interval)
            taken += 1
            yield self.snap()


class TemperatureSensor:
    """A temperature sensor near 21 °C, drifting slowly, with a little noise.

    Parameters
    ----------
    interval : float
        Seconds between two readings of :meth:`poll`.
    seed : int, optional
        Seed of the noise.
    """

    def __init__(self, interval: float = 0.25, seed: int | None = None) -> None:
        self.interval = interval
        self._rng = np.random.default_rng(seed)
        self._lock = threading.Lock()
        self._epoch = time.monotonic()

    def read(self) -> float:
        """The temperature now, in °C. Thread-safe."""
        drift = 0.4 * math.sin(2 * math.pi * (time.monotonic() - self._epoch) / 30.0)
        with self._lock:
            noise = float(self._rng.normal(0.0, 0.02))
        return 21.0 + drift + noise

    def poll(self) -> Iterator[float]:
        """Yield a reading now, then one per interval, forever. Runs as a background job."""
        while True:
            yield self.read()
            time.sleep(self.interval)


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

    Raises ValueError if ``frames`` is empty.
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
