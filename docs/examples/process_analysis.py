# SPDX-License-Identifier: BSD-3-Clause
"""Fit peaks in simulated spectra in worker processes, with progress.

A brute-force least-squares fit is pure Python and CPU-bound: on threads,
the GIL would let one fit run at a time. In worker processes, the fits of
several spectra run at once, and their progress, items and results reach
the main thread as with threads. Used by the "Run jobs in processes" guide;
tested by ``test_process_analysis.py``.

The job functions and what they return are defined at the top level of this
module, so that the worker processes can import them.
"""

import math
import random
from typing import NamedTuple

from traits.api import Float, HasStrictTraits, Instance, List, observe

from traits_jobs.api import (
    CallFuture,
    ManualEventLoop,
    MultiprocessingContext,
    TraitsExecutor,
    all_of,
    report_progress,
    submit_call,
    submit_iteration,
)

#: The widths, in channels, that the fit tries.
WIDTHS = (2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


class Fit(NamedTuple):
    """The fit of one spectrum. Defined at top level: it pickles by reference."""

    seed: int
    true_centre: int
    centre: int
    width: float


def simulate_spectrum(seed, channels):
    """A spectrum of one Gaussian peak and noise; return (its centre, the counts)."""
    rng = random.Random(seed)
    centre = rng.randrange(channels // 5, 4 * channels // 5)
    width = rng.choice(WIDTHS)
    counts = [
        100.0 * math.exp(-(((x - centre) / width) ** 2) / 2) + rng.gauss(0.0, 2.0)
        for x in range(channels)
    ]
    return centre, counts


def fit_peak(counts):
    """Return the (centre, width) whose Gaussian fits ``counts`` best.

    Tries every channel as the centre and every width of ``WIDTHS``, with
    the best height for each: about ``len(counts) ** 2 * len(WIDTHS)``
    exponentials, all in pure Python.
    """
    best = None
    for centre in range(len(counts)):
        for width in WIDTHS:
            model = [math.exp(-(((x - centre) / width) ** 2) / 2) for x in range(len(counts))]
            overlap = sum(m * c for m, c in zip(model, counts, strict=True))
            # With the best height, overlap / norm, the squared residual
            # is sum(c * c) - overlap**2 / norm: maximize overlap**2 / norm.
            score = overlap * abs(overlap) / sum(m * m for m in model)
            if best is None or score > best[0]:
                best = (score, centre, width)
    return best[1], best[2]


def fit_spectra(seeds, channels):
    """A call job: fit the spectrum of each seed, reporting progress after each."""
    fits = []
    for done, seed in enumerate(seeds, start=1):
        true_centre, counts = simulate_spectrum(seed, channels)
        fits.append(Fit(seed, true_centre, *fit_peak(counts)))
        report_progress(done, target=len(seeds), message=f"spectrum {seed}")
    return fits


def each_fit(seeds, channels):
    """An iteration job: yield the fit of each seed's spectrum as soon as it is done."""
    for seed in seeds:
        true_centre, counts = simulate_spectrum(seed, channels)
        yield Fit(seed, true_centre, *fit_peak(counts))


class Analysis(HasStrictTraits):
    """Fits a batch of spectra with one job per worker process; what a view shows."""

    executor = Instance(TraitsExecutor)

    #: The jobs of the running batch, one per share of the spectra.
    jobs = List(Instance(CallFuture))

    #: Spectra fitted so far, over the whole batch.
    spectra_done = Float(0.0)

    #: The fits, in the order of the seeds, once every job has completed.
    fits = List(Instance(Fit))

    def start(self, seeds, channels, shares):
        """Split ``seeds`` into ``shares`` jobs; return a future of them all."""
        self.fits = []
        self.spectra_done = 0.0
        self.jobs = [
            submit_call(self.executor, fit_spectra, seeds[index::shares], channels, name="fit")
            for index in range(shares)
        ]
        batch = all_of(*self.jobs)
        batch.observe(self._collect, "done")
        return batch

    @observe("jobs:items:progress_info")
    def _count(self, event):
        self.spectra_done = sum(job.progress_info.current for job in self.jobs if job.progress_info)

    def _collect(self, event):
        batch = event.object
        if batch.state == "completed":
            self.fits = sorted((fit for fits in batch.result for fit in fits), key=lambda f: f.seed)


def main():
    # Under "spawn", each worker imports this module afresh: without the
    # __main__ guard, every worker would run main() again.
    context = MultiprocessingContext()
    event_loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=event_loop, context=context, max_workers=2)
    analysis = Analysis(executor=executor)
    seeds = list(range(8))

    batch = analysis.start(seeds, channels=150, shares=2)
    event_loop.run_until(lambda: batch.done, timeout=120.0)
    print(f"{batch.state}: {analysis.spectra_done:.0f} spectra in {len(analysis.jobs)} jobs")
    for fit in analysis.fits:
        print(f"  spectrum {fit.seed}: peak at {fit.centre} (true {fit.true_centre})")

    stream = submit_iteration(executor, each_fit, [8, 9, 10], 150, name="fit each")
    stream.observe(lambda event: print(f"  then spectrum {event.new.seed}"), "result_event")
    event_loop.run_until(lambda: stream.done, timeout=120.0)

    executor.shutdown(timeout=30.0)
    context.close()


if __name__ == "__main__":
    main()
