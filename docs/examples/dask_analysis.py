# SPDX-License-Identifier: BSD-3-Clause
"""Fit peaks in simulated spectra on a Dask cluster, with progress.

The same analysis as ``process_analysis.py``, with the jobs on a Dask
cluster: an embedded ``LocalCluster`` by default, or the scheduler whose
address is given on the command line. Used by the "Run jobs in processes or
on a Dask cluster" guide; tested by ``test_dask_analysis.py``.
"""

import sys

from process_analysis import Analysis, each_fit

from traits_jobs.api import DaskContext, ManualEventLoop, TraitsExecutor, submit_iteration


def main(address=None):
    # An embedded LocalCluster of two worker processes, or the given scheduler.
    context = DaskContext(address) if address else DaskContext(n_workers=2)
    event_loop = ManualEventLoop()
    executor = TraitsExecutor(event_loop=event_loop, context=context)
    analysis = Analysis(executor=executor)

    batch = analysis.start(list(range(8)), channels=150, shares=2)
    event_loop.run_until(lambda: batch.done, timeout=120.0)
    print(f"{batch.state}: {analysis.spectra_done:.0f} spectra in {len(analysis.jobs)} jobs")

    # A closure runs too: jobs go to the cluster with cloudpickle.
    offset = 8
    stream = submit_iteration(executor, lambda: each_fit([offset, offset + 1], 150))
    stream.observe(lambda event: print(f"  then spectrum {event.new.seed}"), "result_event")
    event_loop.run_until(lambda: stream.done, timeout=120.0)

    executor.shutdown(timeout=30.0)
    context.close()


if __name__ == "__main__":
    main(*sys.argv[1:2])
