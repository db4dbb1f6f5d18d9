# SPDX-License-Identifier: BSD-3-Clause
"""The scheduler's side of a :class:`~traits_jobs.api.DaskContext`: a Dask scheduler plugin.

It keeps one small record per live job and answers three requests, each
atomically, since the scheduler handles one message at a time:

- a client's control messages (``traits_jobs_control``): subscribe it to
  its topic, register a job before its task is submitted, forward a request to it (cancel, stop,
  pause, settings, values), forget it once it has ended, drop a topic;
- a task's claim when it starts on a worker (``traits_jobs_claim``): run,
  or do not, because it was cancelled first (the job then ends CANCELLED
  without running) or because it ran before on a worker that died (Dask
  would re-run it silently: a job runs at most once);
- a task's watcher (``traits_jobs_requests``): the requests made for the
  job since the last poll, long-polled.

When a worker dies, the jobs it ran fail at once with
:class:`~traits_jobs.api.WorkerDiedError`; when a client disconnects, its
jobs are told to stop. Events on traits_jobs topics are not retained on the
scheduler (Dask keeps the last thousand of every topic, forever).

The scheduler must be able to import ``traits_jobs`` (the same version as the
client's): it unpickles this plugin and the tasks that name its functions.
"""

import asyncio
import logging
import pickle
from typing import Any

from distributed.diagnostics.plugin import SchedulerPlugin

from traits_jobs.states.exceptions import WorkerDiedError
from traits_jobs.states.failure import marshal_exception
from traits_jobs.states.messages import Control

logger = logging.getLogger(__name__)

#: Every topic and task key traits_jobs makes starts with it.
PREFIX = "traits-jobs-"

#: The plugin's name on the scheduler.
PLUGIN_NAME = "traits-jobs"

#: Who sent a batch on a topic: the scheduler (this plugin) or a job's task.
#: Only a task's batches count towards its window (see dask_worker).
FROM_SCHEDULER = 0
FROM_TASK = 1


class _Record:
    """What the scheduler keeps of one live job."""

    __slots__ = (
        "acked",
        "changed",
        "client",
        "requests",
        "seen",
        "state",
        "topic",
        "wire",
        "worker",
    )

    def __init__(self, topic: str, wire: int, client: str) -> None:
        self.topic = topic
        self.wire = wire
        self.client = client
        #: "queued", "running", "withdrawn" or "died".
        self.state = "queued"
        self.worker: str | None = None
        #: [op, pickled argument or None], in the order they were made, from
        #: the first the task has not seen on: a loop steered for days keeps
        #: only what its watcher has yet to fetch.
        self.requests: list[list[Any]] = []
        #: How many requests the task has seen (and were dropped here).
        self.seen = 0
        #: How many of the task's batches the client has delivered.
        self.acked = 0
        #: Set when a request arrives or the record goes; made by a waiting poll.
        self.changed: asyncio.Event | None = None

    def wake(self) -> None:
        if self.changed is not None:
            self.changed.set()
            self.changed = None


class TraitsJobsPlugin(SchedulerPlugin):
    """The records of traits_jobs' live jobs on a Dask scheduler."""

    #: Registered once per scheduler, by whichever client comes first.
    idempotent = True
    name = PLUGIN_NAME

    def __init__(self) -> None:
        self._records: dict[str, _Record] = {}
        self._scheduler: Any = None

    async def start(self, scheduler: Any) -> None:
        """Install the plugin's handlers on ``scheduler``."""
        self._scheduler = scheduler
        scheduler.handlers.update(
            {
                "traits_jobs_control": self.control,
                "traits_jobs_claim": self.claim,
                "traits_jobs_requests": self.requests,
            }
        )

    # -- handlers ------------------------------------------------------------

    def control(self, ops: list[list[Any]]) -> None:
        """Apply a client's control messages, in order."""
        for op in ops:
            name = op[0]
            if name == "register":
                _, key, topic, wire, client = op
                self._records[key] = _Record(topic, wire, client)
            elif name == "request":
                _, key, request, argument = op
                self._request(key, request, argument)
            elif name == "ack":
                record = self._records.get(op[1])
                if record is not None and op[2] > record.acked:
                    record.acked = op[2]
                    record.wake()
            elif name == "forget":
                record = self._records.pop(op[1], None)
                if record is not None:
                    record.wake()
            elif name == "subscribe":
                _, topic, client = op
                self._scheduler.subscribe_topic(topic, client)
            elif name == "drop":
                _, topic, client = op
                self._scheduler.unsubscribe_topic(topic, client)
                self._drop_topic(topic)

    def claim(self, key: str, worker: str) -> dict[str, Any]:
        """A job's task starts on ``worker``: may it run?"""
        record = self._records.get(key)
        if record is None:
            return {"state": "gone"}
        if record.state != "queued":
            return {"state": "rerun" if record.state in ("running", "died") else record.state}
        record.state = "running"
        record.worker = worker
        return {"state": "run", "requests": record.requests}

    async def requests(self, key: str, after: int, acked: int, wait: float) -> dict[str, Any]:
        """The requests for a job from index ``after`` on, and its client's count of batches.

        Waits up to ``wait`` seconds for a request, or for a count above ``acked``.
        """
        record = self._records.get(key)
        if record is not None and after > record.seen:
            # The task has these: they need not be kept.
            del record.requests[: after - record.seen]
            record.seen = after
        if record is not None and not record.requests and record.acked <= acked:
            if record.changed is None:
                record.changed = asyncio.Event()
            changed = record.changed
            try:
                await asyncio.wait_for(changed.wait(), wait)
            except TimeoutError:
                pass
            record = self._records.get(key)
        if record is None:
            return {"gone": True, "requests": [], "acked": acked}
        return {
            "gone": False,
            "requests": record.requests[after - record.seen :],
            "acked": record.acked,
        }

    # -- scheduler events ------------------------------------------------------

    def remove_worker(self, scheduler: Any, worker: str, **kwargs: Any) -> None:
        """A worker left: the jobs it was running fail, and never run again."""
        for record in self._records.values():
            if record.state == "running" and record.worker == worker:
                record.state = "died"
                error = WorkerDiedError(
                    f"The Dask worker running this job ({worker}) died or left the cluster; "
                    "the job did not finish. traits_jobs does not run it again."
                )
                self._publish(record, Control.RAISED, marshal_exception(error))

    def remove_client(self, scheduler: Any, client: str) -> None:
        """A client left: its jobs stop at their next checkpoint; their records go."""
        for key in [key for key, record in self._records.items() if record.client == client]:
            self._records.pop(key).wake()

    def log_event(self, topic: str, msg: Any) -> None:
        """Retain no event of a traits_jobs topic: each has one subscriber, already sent to."""
        if topic.startswith(PREFIX):
            broker = getattr(self._scheduler, "_broker", None)
            if broker is not None:
                broker.truncate(topic)

    # -- helpers ---------------------------------------------------------------

    def _request(self, key: str, request: str, argument: Any) -> None:
        record = self._records.get(key)
        if record is None:
            return
        record.requests.append([request, argument])
        if request == "cancel" and record.state == "queued":
            # It never started and now never will: it ends CANCELLED.
            record.state = "withdrawn"
            self._publish(record, Control.ABANDONED, None)
        record.wake()

    def _publish(self, record: _Record, kind: Any, payload: Any) -> None:
        frame = (record.wire, kind, pickle.dumps(payload, pickle.HIGHEST_PROTOCOL))
        data = pickle.dumps((FROM_SCHEDULER, [frame]), pickle.HIGHEST_PROTOCOL)
        self._scheduler.log_event(record.topic, {"b": data})

    def _drop_topic(self, topic: str) -> None:
        broker = getattr(self._scheduler, "_broker", None)
        topics = getattr(broker, "_topics", None)
        if topics is not None and topic.startswith(PREFIX):
            topics.pop(topic, None)
