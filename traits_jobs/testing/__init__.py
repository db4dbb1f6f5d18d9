# SPDX-License-Identifier: BSD-3-Clause
"""Tools for testing applications that use traits_jobs.

- :func:`run_until`, :func:`exercise_event_loop`: drive an event loop from a test.
- :class:`TestAssistant`: a unittest mixin wrapping both.
- The pytest plugin (:mod:`traits_jobs.testing.pytest_plugin`), registered
  automatically, provides ``qt_executor``, ``asyncio_executor`` and ``manual_executor``
  fixtures.
"""

from traits_jobs.testing.assistant import (
    SAFETY_TIMEOUT,
    TestAssistant,
    exercise_event_loop,
    run_until,
)

__all__ = ["SAFETY_TIMEOUT", "TestAssistant", "exercise_event_loop", "run_until"]
