# SPDX-License-Identifier: BSD-3-Clause
"""Where the demo's analysis runs: ``--context thread``, ``process`` or ``dask [ADDRESS]``.

With ``process``, the Analyse button's job runs on a second executor,
:class:`ProcessExecutor`, whose context is a
:class:`~traits_jobs.api.MultiprocessingContext`; with ``dask``, on a
:class:`ProcessExecutor` whose context is a
:class:`~traits_jobs.api.DaskContext` (an embedded LocalCluster of one
worker process, or the cluster of the scheduler at ADDRESS). The job's function,
:func:`traits_jobs.demo.instruments.analysis`, is defined at the top level
of an importable module, and what it takes (a list of spectra, numbers) and
returns (an :class:`~traits_jobs.demo.instruments.AnalysisResult`) pickles.
Everything else stays on threads of the main process, where the devices are.

``python -m traits_jobs.demo`` runs ``traits_jobs/demo/__main__.py``, whose
``if __name__ == "__main__":`` guard keeps spawned workers from starting the
demo again.
"""

from traits_jobs.api import DaskContext, IEventLoop, MultiprocessingContext, TraitsExecutor

#: The values of ``--context``: where the analysis runs.
CONTEXTS = ("thread", "process", "dask")

#: How the jobs panel names where each kind of context runs its jobs.
WHERE = {"thread": "thread", "process": "process", "dask": "dask"}

#: Worker processes for the analysis: one analysis runs at a time (it claims "analysis").
PROCESS_WORKERS = 1


class ProcessExecutor:
    """An executor on worker processes or a Dask cluster, with its own context. Main thread only.

    A worker process starts with the first job, not before; a Dask
    context connects (or starts its LocalCluster) on a thread of its own.

    Parameters
    ----------
    event_loop : IEventLoop
        Delivers its messages: the main executor's loop, so that waiting on
        that loop sees these jobs' messages too. Not closed here.
    max_workers : int
        The number of worker processes (of an embedded Dask cluster too).
    context : {"process", "dask"}
        Where the jobs run.
    address : str, optional
        With "dask", the scheduler's address; none starts a LocalCluster.
    """

    def __init__(
        self,
        event_loop: IEventLoop,
        max_workers: int = PROCESS_WORKERS,
        *,
        context: str = "process",
        address: str | None = None,
    ) -> None:
        self.pool: object = None
        if context == "dask":
            self.context: MultiprocessingContext | DaskContext = (
                DaskContext(address) if address else DaskContext(n_workers=max_workers)
            )
            #: Submit the jobs here.
            self.executor = TraitsExecutor(context=self.context, event_loop=event_loop)
            return
        self.context = MultiprocessingContext()
        self.pool = pool = self.context.worker_pool(max_workers=max_workers)
        self.executor = TraitsExecutor(
            context=self.context, worker_pool=pool, event_loop=event_loop
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
            if self.pool is not None:
                self.pool.shutdown(wait=True)  # type: ignore[attr-defined]
            self.context.close()
