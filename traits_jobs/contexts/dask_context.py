# SPDX-License-Identifier: BSD-3-Clause
"""Jobs on a Dask distributed cluster, with the same futures as on threads.

``TraitsExecutor(context=DaskContext())`` runs calls, iterations, progress
and loop jobs as tasks on a Dask cluster: an embedded ``LocalCluster`` that
the context starts and owns, or the cluster of a scheduler address or of a
``distributed.Client`` that the application made (left running at the end).
Their futures behave as with threads: the same states, options,
cancellation (an iteration stops at its next ``yield``, a progress job at
its next report), stop, pause, settings and values.

The context connects on a thread of its own, so making it never blocks the
window; jobs submitted meanwhile wait and start once it is connected, or
fail with the reason if it cannot connect.

A job's function and arguments are pickled with cloudpickle on the client:
functions defined in a script or a closure run as well. ``traits_jobs``
must be installed on the scheduler and the workers (the same version).
"""

import importlib.metadata
import logging
import pickle
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from traits_jobs.contexts.i_parallel_context import IParallelContext, MessageSink, PoolJob, Withdraw
from traits_jobs.contexts.remote import RemoteControl, own_pool, pickle_task
from traits_jobs.states.failure import safe_repr, safe_str
from traits_jobs.states.seconds import check_seconds

if TYPE_CHECKING:
    import concurrent.futures

    from traits_jobs.contexts.dask_pool import DaskWorkerPool
    from traits_jobs.states.messages import SendFunction

logger = logging.getLogger(__name__)

#: What an embedded cluster gets unless the application says otherwise:
#: worker processes of one thread each, and its dashboard (if bokeh is installed) on a free port.
CLUSTER_DEFAULTS: dict[str, Any] = {"threads_per_worker": 1, "dashboard_address": ":0"}

_INSTALL_HINT = "DaskContext needs dask distributed: pip install 'traits_jobs[dask]'"


class DaskContext(IParallelContext):
    """Run jobs on a Dask distributed cluster.

    Parameters
    ----------
    client_or_address : distributed.Client or str, optional
        The cluster to use: a connected ``Client``, or a scheduler address
        such as ``"tcp://10.0.0.5:8786"``. Either is left running by
        :meth:`close`. None (the default) starts an embedded
        ``LocalCluster`` owned by the context, closed by :meth:`close`.
    security : distributed.Security, optional
        TLS settings for connecting to ``client_or_address`` (an address).
    connect_timeout : float
        Seconds to wait for the scheduler before giving up.
    **cluster_options
        Options of the embedded ``LocalCluster`` (``n_workers``,
        ``threads_per_worker``, ``processes``, ...), only with no
        ``client_or_address``.

    Raises
    ------
    ImportError
        If dask distributed is not installed.
    TypeError
        If an argument has the wrong type, or cluster options come with a cluster.
    ValueError
        If ``connect_timeout`` is negative or not finite.
    """

    def __init__(
        self,
        client_or_address: Any = None,
        *,
        security: Any = None,
        connect_timeout: float = 30.0,
        **cluster_options: Any,
    ) -> None:
        try:
            import cloudpickle
            import distributed
        except ImportError as error:
            raise ImportError(_INSTALL_HINT) from error
        # Import the rest here, on the calling thread, not on the connecting one:
        # CPython 3.11 can fail compiling in two threads at once (gh-106905),
        # which a first import does under pytest's assertion rewriting.
        from traits_jobs.contexts import dask_pool, dask_scheduler  # noqa: F401

        if not (
            client_or_address is None or isinstance(client_or_address, str | distributed.Client)
        ):
            msg = (
                "client_or_address must be a distributed.Client, a scheduler address (str) "
                f"or None, not {safe_repr(client_or_address)}"
            )
            raise TypeError(msg)
        if getattr(client_or_address, "asynchronous", False):
            msg = "DaskContext needs a synchronous Client, not one with asynchronous=True"
            raise TypeError(msg)
        if cluster_options and client_or_address is not None:
            msg = (
                f"cluster options {sorted(cluster_options)} configure the embedded "
                "LocalCluster; they cannot be combined with a client or an address"
            )
            raise TypeError(msg)
        if security is not None and not isinstance(client_or_address, str):
            msg = "security applies when connecting to a scheduler address"
            raise TypeError(msg)
        seconds = check_seconds("connect_timeout", connect_timeout, allow_none=False)
        self._cloudpickle = cloudpickle
        self._target = client_or_address
        self._security = security
        self._connect_timeout: float = seconds  # type: ignore[assignment]
        self._cluster_options = {**CLUSTER_DEFAULTS, **cluster_options}
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self._client: Any = None
        self._cluster: Any = None
        self._error: BaseException | None = None
        self._callbacks: list[Callable[[Any, BaseException | None], None]] = []
        self._pools: weakref.WeakSet[DaskWorkerPool] = weakref.WeakSet()
        #: The events made by event(), cleared (freed on the scheduler) by close().
        self._events: list[Any] = []
        self._closed = False
        threading.Thread(target=self._connect, name="traits_jobs-dask-connect", daemon=True).start()

    # -- connecting --------------------------------------------------------------

    def _connect(self) -> None:
        """Start or reach the cluster, install the plugin, check the versions."""
        from distributed import Client, LocalCluster

        from traits_jobs.contexts.dask_scheduler import TraitsJobsPlugin

        client = cluster = None
        try:
            target = self._target
            if isinstance(target, Client):
                client = target
            elif isinstance(target, str):
                client = Client(target, security=self._security, timeout=self._connect_timeout)
            else:
                cluster = LocalCluster(**self._cluster_options)
                client = Client(cluster, timeout=self._connect_timeout)
            where = f"the Dask scheduler at {client.scheduler.address}"
            try:
                client.register_plugin(TraitsJobsPlugin())
            except Exception as error:
                msg = (
                    f"traits_jobs could not install its plugin on {where}; is traits_jobs "
                    f"installed there? {type(error).__name__}: {safe_str(error)}"
                )
                raise ConnectionError(msg) from error
            _check_workers(client)
        except BaseException as error:
            self._release(client, cluster)
            if not isinstance(error, ConnectionError):
                what = "start a LocalCluster" if self._target is None else "connect"
                failure = ConnectionError(
                    f"DaskContext could not {what}: {type(error).__name__}: {safe_str(error)}"
                )
                failure.__cause__ = error
                error = failure
            error_or_none: BaseException | None = error
        else:
            error_or_none = None
        if error_or_none is not None:
            client = cluster = None
        while True:
            with self._lock:
                if not (self._closed and client is not None):
                    self._client, self._cluster, self._error = client, cluster, error_or_none
                    callbacks, self._callbacks = self._callbacks, []
                    self._connected.set()
                    break
            # close() did not wait for the connection: what it made is ours to stop.
            self._release(client, cluster)
            client = cluster = None
            error_or_none = RuntimeError("the DaskContext was closed while it connected")
        for callback in callbacks:
            callback(self._client, error_or_none)

    def _when_connected(self, callback: Callable[[Any, BaseException | None], None]) -> None:
        """Call ``callback(client, error)`` once connected; at once if it is."""
        with self._lock:
            if not self._connected.is_set():
                self._callbacks.append(callback)
                return
        callback(self._client, self._error)

    def wait_connected(self, timeout: float | None = None) -> Any:
        """Wait until the context is connected; return its ``distributed.Client``.

        Raises
        ------
        ConnectionError
            If it could not connect (the reason is in the message).
        TimeoutError
            If it is still connecting after ``timeout`` seconds.
        RuntimeError
            If the context is closed.
        """
        if not self._connected.wait(timeout):
            msg = f"DaskContext is still connecting after {timeout} s"
            raise TimeoutError(msg)
        if self._error is not None:
            raise self._error
        if self._closed:
            msg = "the DaskContext is closed"
            raise RuntimeError(msg)
        return self._client

    @property
    def client(self) -> Any:
        """The ``distributed.Client``, once connected (waits for it)."""
        return self.wait_connected(self._connect_timeout)

    # -- IParallelContext -----------------------------------------------------------

    def dumps(self, obj: Any) -> bytes:
        """Pickle what goes to the cluster: cloudpickle, so scripts' functions go too."""
        data: bytes = self._cloudpickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        return data

    def worker_pool(self, *, max_workers: int | None = None) -> "DaskWorkerPool":
        """Make the pool of one executor's jobs on the cluster.

        Raises
        ------
        ValueError
            If ``max_workers`` is given: the cluster's workers run the jobs.
        RuntimeError
            If the context is closed.
        """
        from traits_jobs.contexts.dask_pool import DaskWorkerPool

        if max_workers is not None:
            msg = (
                "max_workers does not apply to a DaskContext: the cluster's workers run the "
                "jobs (size an embedded cluster with n_workers=)"
            )
            raise ValueError(msg)
        if self._closed:
            msg = "the DaskContext is closed"
            raise RuntimeError(msg)
        pool = DaskWorkerPool(self)
        self._pools.add(pool)
        return pool

    def event(self) -> Any:
        """Make an event shared with jobs on the cluster (a ``distributed.Event``).

        Waits for the connection. Its ``set``, ``clear`` and ``is_set`` are
        calls to the scheduler: use it to coordinate, not in a tight loop.
        :meth:`close` clears it, which frees it on the scheduler.
        """
        import uuid

        from distributed import Event

        from traits_jobs.contexts.dask_scheduler import PREFIX

        event = Event(f"{PREFIX}event-{uuid.uuid4().hex}", client=self.client)
        with self._lock:
            self._events.append(event)
        return event

    def cancel_flag(self) -> RemoteControl:
        """Make a job's control, whose requests go on to the job's task."""
        return RemoteControl(self.dumps)

    def submit_job(self, pool: "concurrent.futures.Executor", job: PoolJob) -> Withdraw:
        """Queue ``job`` on the cluster; its task is pickled here, at once.

        Raises
        ------
        JobPicklingError
            If the task (its function or an argument) does not pickle.
        TypeError
            If ``pool`` is not a pool this context made.
        """
        from traits_jobs.contexts.dask_pool import DaskWorkerPool

        pool = own_pool(pool, DaskWorkerPool, "DaskContext")
        record: Any = job
        blob = pickle_task(
            record.task,
            self.dumps,
            "on a Dask cluster",
            "Its function and arguments must pickle with cloudpickle.",
        )
        pool.submit_job(job.job_id, blob, record.control, record.send)
        # The cluster has its own copy: let the function and arguments go here.
        record.task = None
        return pool.withdrawer

    def sender(self, router: MessageSink) -> "SendFunction":
        """Messages of in-process jobs (coroutines) go straight to the router."""
        return router.send

    def close(self) -> None:
        """Shut the executors' pools, free its events, close the cluster and client it made.

        Idempotent. Blocks while an embedded cluster shuts down (a second or so).
        """
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for pool in list(self._pools):
            pool.shutdown(wait=True)
        with self._lock:
            if not self._connected.is_set():
                return  # The connecting thread stops what it starts.
            client, cluster = self._client, self._cluster
            events, self._events = self._events, []
        if client is not None:
            for event in events:
                try:
                    event.clear()
                except Exception as error:
                    logger.warning("Could not free the Dask event %s: %s", event.name, error)
        self._release(client, cluster)

    def _release(self, client: Any, cluster: Any) -> None:
        """Close the client and the cluster that the context made (not the application's)."""
        if client is not None and client is not self._target:
            client.close()
        if cluster is not None:
            cluster.close()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has been called."""
        return self._closed


def _check_workers(client: Any) -> None:
    """Fail if a worker cannot import traits_jobs; warn if its version differs."""
    ours = importlib.metadata.version("traits_jobs")
    versions = client.run(importlib.metadata.version, "traits_jobs", on_error="return")
    missing = sorted(w for w, v in versions.items() if isinstance(v, BaseException))
    if missing:
        msg = (
            f"traits_jobs is not installed on the Dask workers {missing}; install it "
            f"(version {ours}) where the workers run"
        )
        raise ConnectionError(msg)
    other = {w: v for w, v in versions.items() if v != ours}
    if other:
        logger.warning("traits_jobs %s here, but other versions on Dask workers: %s", ours, other)
