# SPDX-License-Identifier: BSD-3-Clause
"""traits-futures 0.3.1's contract test mixins, run against traits_jobs.api.

traits-futures defines what a drop-in successor must do in four mixins that
ship in its wheel: ``BackgroundCallTests``, ``BackgroundIterationTests``,
``BackgroundProgressTests`` and ``TraitsExecutorTests``. Their modules are
loaded with only their import changed (see :mod:`tests.compat._source`) and
combined here with traits_jobs' own :class:`~traits_jobs.testing.TestAssistant`
and :class:`~traits_jobs.api.MultithreadingContext`, on Qt and on asyncio;
then again with the jobs in worker processes (``MultiprocessingContext``)
and on a Dask cluster (``DaskContext`` on an in-process ``LocalCluster``).
What this file writes itself is only what traits-futures' concrete test
classes provide: the executor, and ``block_worker_pool``.

The tests that traits_jobs deliberately fails are in one table,
:data:`tests.compat._differences.DIFFERENCES`.
"""

import contextlib
import functools
import re
import unittest
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.compat import _jobs, _source
from tests.compat._differences import DIFFERENCES, LOOPS, Difference
from traits_jobs.api import (
    AsyncioEventLoop,
    DaskContext,
    MultiprocessingContext,
    MultithreadingContext,
    TraitsExecutor,
    submit_call,
)
from traits_jobs.testing import SAFETY_TIMEOUT, TestAssistant

try:
    PACKAGE_DIR = _source.find_package_dir()
except _source.SourceNotFound as error:
    pytest.skip(str(error), allow_module_level=True)

# Jobs of the mixins are pickled by reference to their modules: make those
# importable here too, as the worker processes make them.
_source.install_in_worker(str(PACKAGE_DIR))
_call = _source.load_mixin_module(PACKAGE_DIR, "background_call_tests")
_iteration = _source.load_mixin_module(PACKAGE_DIR, "background_iteration_tests")
_progress = _source.load_mixin_module(PACKAGE_DIR, "background_progress_tests")
_executor = _source.load_mixin_module(PACKAGE_DIR, "traits_executor_tests")

#: Workers of each executor; block_worker_pool occupies them all.
WORKERS = 4

MIGRATING_GUIDE = Path(__file__).parents[2] / "docs" / "howto" / "migrating.rst"


def _qt_event_loop() -> Any:
    from traits_jobs.api import QtEventLoop

    return QtEventLoop()


EVENT_LOOP_FACTORIES: dict[str, Callable[[], Any]] = {
    "qt": _qt_event_loop,
    "asyncio": AsyncioEventLoop,
}


class _SharedProcesses:
    """One process context and pool for every test run in worker processes.

    Starting worker processes for each test would cost more than the tests;
    each executor uses this pool as an external one, and leaves it running.
    """

    context: Any = None
    pool: Any = None

    @classmethod
    def get(cls) -> tuple[Any, Any]:
        if cls.context is None:
            cls.context = MultiprocessingContext(
                initializer=_source.install_in_worker, initargs=(str(PACKAGE_DIR),)
            )
            cls.pool = cls.context.worker_pool(max_workers=WORKERS)
        return cls.context, cls.pool

    @classmethod
    def close(cls) -> None:
        if cls.context is not None:
            cls.pool.shutdown()
            cls.context.close()
            cls.context = cls.pool = None


class _SharedCluster:
    """One in-process Dask cluster, with WORKERS worker threads, for every Dask test."""

    client: Any = None

    @classmethod
    def get(cls) -> Any:
        if cls.client is None:
            from distributed import Client, LocalCluster

            cluster = LocalCluster(
                processes=False, n_workers=WORKERS, threads_per_worker=1, dashboard_address=":0"
            )
            cls.client = Client(cluster)
        return cls.client

    @classmethod
    def close(cls) -> None:
        if cls.client is not None:
            cluster = cls.client.cluster
            cls.client.close()
            cluster.close()
            cls.client = None


def teardown_module() -> None:
    """End the shared worker processes and cluster with the module."""
    _SharedProcesses.close()
    _SharedCluster.close()


class _Harness(TestAssistant):
    """What traits-futures' concrete test classes add to a mixin, on traits_jobs."""

    #: The name of the event loop, a key of EVENT_LOOP_FACTORIES.
    loop: str

    #: Give the executor a worker pool made by the test, not its own.
    external_worker_pool = False

    #: Run the jobs in worker processes (a MultiprocessingContext).
    in_processes = False

    #: Run the jobs on a Dask cluster (a DaskContext).
    on_dask = False

    def setUp(self) -> None:
        super().setUp()
        self._worker_pool = None
        if self.on_dask:
            self._context = DaskContext(_SharedCluster.get())
            self.executor = TraitsExecutor(context=self._context, event_loop=self.event_loop)
            return
        if self.in_processes:
            self._context, pool = _SharedProcesses.get()
            self.executor = TraitsExecutor(
                context=self._context, event_loop=self.event_loop, worker_pool=pool
            )
            return
        self._context = MultithreadingContext()
        if self.external_worker_pool:
            self._worker_pool = self._context.worker_pool(max_workers=WORKERS)
            self.executor = TraitsExecutor(
                context=self._context, event_loop=self.event_loop, worker_pool=self._worker_pool
            )
        else:
            self.executor = TraitsExecutor(
                context=self._context, event_loop=self.event_loop, max_workers=WORKERS
            )

    def tearDown(self) -> None:
        if hasattr(self, "executor"):
            self.executor.shutdown(timeout=SAFETY_TIMEOUT)
            del self.executor
        if self._worker_pool is not None:
            self._worker_pool.shutdown()
        if not self.in_processes:
            self._context.close()
        super().tearDown()

    @contextlib.contextmanager
    def block_worker_pool(self) -> Iterator[None]:
        """Occupy every worker of the executor until the block ends."""
        release = self._context.event()
        started = [self._context.event() for _ in range(WORKERS)]
        holders = [submit_call(self.executor, _jobs.hold, event, release) for event in started]
        for event in started:
            self.assertTrue(event.wait(SAFETY_TIMEOUT), "a worker did not start holding")
        try:
            yield
        finally:
            release.set()
            for holder in holders:
                self.run_until(holder, "done", lambda future: future.done)


class _ExecutorHarness(_Harness):
    """traits-futures' TraitsExecutorTests also want a listener on the executor."""

    def setUp(self) -> None:
        super().setUp()
        self.listener = _executor.ExecutorListener(executor=self.executor)

    def tearDown(self) -> None:
        del self.listener
        super().tearDown()


def _mark(cls: type, mixin: type, difference: Difference) -> None:
    """Replace the test that ``difference`` names by a marked copy on ``cls``."""
    original = getattr(mixin, difference.method)

    @functools.wraps(original)
    def test(self: Any) -> Any:
        return original(self)

    test.pytestmark = []  # type: ignore[attr-defined]
    if difference.action == "skip":
        marked = pytest.mark.skip(reason=difference.reason)(test)
    else:
        marked = pytest.mark.xfail(reason=difference.reason, strict=True)(test)
    setattr(cls, difference.method, marked)


def _contract_class(
    mixin: type,
    harness: type,
    loop: str,
    *,
    external_pool: bool = False,
    in_processes: bool = False,
    on_dask: bool = False,
) -> type:
    """A unittest class running ``mixin`` on ``loop``, with the table's marks."""
    suffix = (
        "ExternalPool"
        if external_pool
        else "InProcesses"
        if in_processes
        else "OnDask"
        if on_dask
        else ""
    )
    name = f"Test{mixin.__name__.removesuffix('Tests')}{suffix}On{loop.capitalize()}"
    namespace = {
        "loop": loop,
        "event_loop_factory": staticmethod(EVENT_LOOP_FACTORIES[loop]),
        "external_worker_pool": external_pool,
        "in_processes": in_processes,
        "on_dask": on_dask,
        "__module__": __name__,
        "__qualname__": name,
    }
    cls = type(name, (harness, mixin, unittest.TestCase), namespace)
    context = "process" if in_processes else "dask" if on_dask else "thread"
    for difference in DIFFERENCES:
        if (
            difference.mixin == mixin.__name__
            and loop in difference.loops
            and context in difference.contexts
        ):
            _mark(cls, mixin, difference)
    return cls


MIXINS = {
    _call.BackgroundCallTests: _Harness,
    _iteration.BackgroundIterationTests: _Harness,
    _progress.BackgroundProgressTests: _Harness,
    _executor.TraitsExecutorTests: _ExecutorHarness,
}

for _mixin, _harness in MIXINS.items():
    for _loop in LOOPS:
        _cls = _contract_class(_mixin, _harness, _loop)
        globals()[_cls.__name__] = _cls
# traits-futures runs its executor tests with an external worker pool too.
_cls = _contract_class(_executor.TraitsExecutorTests, _ExecutorHarness, "qt", external_pool=True)
globals()[_cls.__name__] = _cls
# And every contract again with the jobs in worker processes.
for _mixin, _harness in MIXINS.items():
    _cls = _contract_class(_mixin, _harness, "asyncio", in_processes=True)
    globals()[_cls.__name__] = _cls
# And on a Dask cluster.
for _mixin, _harness in MIXINS.items():
    _cls = _contract_class(_mixin, _harness, "asyncio", on_dask=True)
    globals()[_cls.__name__] = _cls
del _mixin, _harness, _loop, _cls


def test_source_is_the_expected_version():
    """The harness runs traits-futures 0.3.1's tests, the version it was written for."""
    assert _source.package_version(PACKAGE_DIR) == _source.EXPECTED_VERSION


def test_every_difference_names_an_existing_test():
    """Each entry of the table names a test method of one of the mixins."""
    mixins = {mixin.__name__: mixin for mixin in MIXINS}
    for difference in DIFFERENCES:
        assert difference.mixin in mixins, difference.test
        assert difference.method.startswith("test_"), difference.test
        assert hasattr(mixins[difference.mixin], difference.method), difference.test


def test_migrating_guide_lists_exactly_the_deliberate_differences():
    """docs/howto/migrating.rst names each deliberate difference of the table, and no other test."""
    text = MIGRATING_GUIDE.read_text(encoding="utf-8")
    documented = set(re.findall(r"``(\w+Tests\.test_\w+)``", text))
    deliberate = {difference.test for difference in DIFFERENCES if difference.deliberate}
    assert documented == deliberate
