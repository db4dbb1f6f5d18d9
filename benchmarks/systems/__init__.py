# SPDX-License-Identifier: BSD-3-Clause
"""The measured systems: one adapter class each, registered in :data:`SYSTEMS`.

To measure another library, write an :class:`~benchmarks.systems.base.Adapter`
subclass in a module here and add one entry to :data:`SYSTEMS`.
"""

import importlib

from benchmarks.systems.base import Adapter, NotSupportedError

#: System name -> ``"module:AdapterClass"``. Imported lazily, in the child
#: process that measures the system, so that the driver imports no Qt.
SYSTEMS: dict[str, str] = {
    "traits_jobs": "benchmarks.systems.traits_jobs:TraitsJobsAdapter",
    "traits_futures": "benchmarks.systems.traits_futures:TraitsFuturesAdapter",
    "superqt": "benchmarks.systems.superqt:SuperqtAdapter",
    "raw": "benchmarks.systems.raw:RawAdapter",
    "qasync": "benchmarks.systems.qasync:QasyncAdapter",
}

#: Systems that take part in some tests only: system -> (those tests, why).
#: The driver records the other tests as "n/a" without starting a child.
ONLY_TESTS: dict[str, tuple[frozenset[str], str]] = {
    "qasync": (
        frozenset({"coro"}),
        "qasync runs coroutines on the Qt main thread: no thread jobs (coro test only)",
    ),
}

#: The system every ratio is computed against.
REFERENCE = "traits_jobs"


def adapter_class(system: str) -> type[Adapter]:
    """Import and return the adapter class of ``system``.

    Parameters
    ----------
    system : str
        A key of :data:`SYSTEMS`.

    Returns
    -------
    type
        The adapter class.
    """
    module, _, name = SYSTEMS[system].partition(":")
    cls: type[Adapter] = getattr(importlib.import_module(module), name)
    return cls


def not_applicable(system: str, test: str) -> str | None:
    """Why ``system`` does not take part in ``test``, or None if it does.

    Parameters
    ----------
    system : str
        A key of :data:`SYSTEMS`.
    test : str
        A test name.

    Returns
    -------
    str or None
        The reason, from :data:`ONLY_TESTS`.
    """
    only = ONLY_TESTS.get(system)
    if only is None or test in only[0]:
        return None
    return only[1]


__all__ = [
    "ONLY_TESTS",
    "REFERENCE",
    "SYSTEMS",
    "Adapter",
    "NotSupportedError",
    "adapter_class",
    "not_applicable",
]
