# SPDX-License-Identifier: BSD-3-Clause
"""Public states of a :class:`~traits_jobs.api.TraitsExecutor`."""

from traits.api import Enum

#: The executor accepts jobs.
RUNNING = "running"

#: ``stop()`` or ``shutdown()`` was called; jobs are being cancelled.
STOPPING = "stopping"

#: Every job has ended and the executor's resources are released.
STOPPED = "stopped"

#: Trait type for the state of an executor.
ExecutorState = Enum(RUNNING, STOPPING, STOPPED)
