# SPDX-License-Identifier: BSD-3-Clause
"""traits-futures 0.3.1: the predecessor of traits_jobs."""

from benchmarks.systems._traits_api import TraitsApiAdapter


class TraitsFuturesAdapter(TraitsApiAdapter):
    """``traits_futures.api.TraitsExecutor`` on its Qt event loop.

    Transport: a ``queue.Queue`` plus one queued Qt ``Signal()`` ping per
    message. Its process measure uses ``traits_futures.api.MultiprocessingContext``.
    """

    distribution = "traits-futures"
    api_module = "traits_futures.api"
    qt_event_loop = "traits_futures.qt.event_loop:QtEventLoop"
