# SPDX-License-Identifier: BSD-3-Clause
"""Where the demo's analysis runs: ``--context thread`` or ``--context process``.

With ``process``, the Analyse button's job runs on a second executor,
:class:`ProcessExecutor`, whose context is a
:class:`~traits_jobs.api.MultiprocessingContext`. The job's function,
:func:`traits_jobs.demo.instruments.analysis`, is defined at the top level
of an importable module, and what it takes (a list of spectra, numbers) and
returns (an :class:`~traits_jobs.demo.instruments.AnalysisResult`) pickles.
Everything else stays on threads of the main process, where the devices are.

``python -m traits_jobs.demo`` runs ``traits_jobs/demo/__main__.py``, whose
``if __name__ == "__main__":`` guard keeps spawned workers from starting the
demo again.
"""

from traits_jobs.api import IEventLoop, MultiprocessingContext, TraitsExecutor

#: The values of ``--context``: where the analysis runs.
CONTEXTS = ("thread", "process")

#: Worker processes for the analysis: one analysis runs at a time (it claims "analysis").
PROCESS_WORKERS = 1


class ProcessExecutor:
    """An executor on worker processes, with its own pool and context. Main thread only.

    The worker process starts with the first job, not before.

    Parameters
    ----------
    event_loop : IEventLoop
        Delivers its messages: the main executor's loop, so that waiting on
        that loop sees these jobs' messages too. Not closed here.
    max_workers : int
        The number of worker processes.
    """

    def __init__(self, event_loop: IEventLoop, max_workers: int = PROCESS_WORKERS) -> None:
        self.context = MultiprocessingContext()
        self.pool = self.context.worker_pool(max_workers=max_workers)
        #: Submit the process jobs here.
        self.executor = TraitsExecutor(
            context=self.context, worker_pool=self.pool, event_loop=event_loop
        )

    def shutdown(self, timeout: float) -> None:
        """Cancel the jobs, wait for them, then for the processes to exit. Idempotent.

        Raises ShutdownTimeoutError if jobs were still running after
        ``timeout`` seconds; the processes are stopped all the same (those
        that do not exit are terminated after a few seconds).
        """
        try:
            self.executor.shutdown(timeout=timeout)
        finally:
            self.pool.shutdown(wait=True)
            self.context.close()
