# SPDX-License-Identifier: BSD-3-Clause
"""Pausing a job from the main thread: the future's side and the worker's.

A pausable job checks for a pause at its checkpoints (an iteration before
each item, a loop before each iteration) and tells its future when it has
paused and when it runs again. An iteration leaves its worker while paused
(see :class:`~traits_jobs.jobs.iteration.IterationTask`); a loop waits at
:func:`pause_point`, keeping its worker.
"""

import logging
from typing import TYPE_CHECKING

from traits.api import Bool

from traits_jobs.jobs.base_future import BaseFuture
from traits_jobs.jobs.message_handlers import message_handler
from traits_jobs.states.failure import safe_repr
from traits_jobs.states.messages import PAUSED

if TYPE_CHECKING:
    from traits_jobs.jobs.base_task import BaseTask

logger = logging.getLogger(__name__)


class PausableFuture(BaseFuture):
    """A future whose job can be paused and resumed.

    ``paused`` is True from the moment the job has actually stopped at a
    checkpoint until it runs again; it is False once the future is done.
    """

    #: True while the job is paused at a checkpoint.
    paused = Bool(False)

    def pause(self) -> bool:
        """Ask the job to pause at its next checkpoint. Thread-safe.

        A paused iteration gives its worker back to the pool until the
        pause ends; a paused loop keeps it. ``cancel()`` and ``stop()``
        work while it is paused. A timeout counts the time spent paused.

        Returns
        -------
        bool
            True if the job was waiting or executing, False if it was
            already ending or done.
        """
        return self._request_pause(True)

    def resume(self) -> bool:
        """Let a paused job run on, or withdraw a pause not yet reached. Thread-safe.

        Returns
        -------
        bool
            True if the job was waiting or executing, False otherwise.
        """
        return self._request_pause(False)

    def _request_pause(self, paused: bool) -> bool:
        control = self._control
        if control is None or not self.cancellable:
            return False
        control.request_pause(paused)
        return True

    @message_handler(PAUSED)
    def _on_paused(self, paused: bool) -> None:
        self.paused = paused

    def _finished(self) -> None:
        super()._finished()
        try:
            self.paused = False
        except Exception:
            logger.exception("An observer of %s's paused trait failed", safe_repr(self))


def pause_point(task: "BaseTask") -> bool:
    """Wait at a checkpoint while the job's future asks it to pause. On the worker.

    Returns False at once when no pause is requested; otherwise tells the
    future, waits until it is resumed, asked to stop or cancelled, tells the
    future it runs again, and returns True.
    """
    control = task._control
    if not control.pause_requested or control.stop_requested:
        return False
    task._send(task._job_id, PAUSED, True)
    control.wait_while_paused()
    task._send(task._job_id, PAUSED, False)
    return True
