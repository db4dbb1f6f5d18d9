# SPDX-License-Identifier: BSD-3-Clause
"""Where traits_jobs deliberately differs from traits-futures' own tests: one table.

Each entry names one test of a traits-futures mixin, what the harness does
with it, and why. Entries whose reason starts with ``"lead: "`` are not
differences but faults of traits_jobs waiting for a fix; they are strict
xfails, so the fix makes them fail until the entry is removed. Every other
entry is a deliberate difference and is listed in docs/howto/migrating.rst
(a test checks that the two lists agree).
"""

import dataclasses

#: The event loops the harness runs the mixins on.
LOOPS = ("qt", "asyncio")

#: Prefix of the reason of an entry that waits for a fix in traits_jobs.
PENDING_FIX = "lead: "


@dataclasses.dataclass(frozen=True)
class Difference:
    """One traits-futures test that does not pass as it stands against traits_jobs.

    Attributes
    ----------
    test : str
        ``"<mixin class>.<test method>"``, e.g.
        ``"TraitsExecutorTests.test_submit_from_background_thread"``.
    action : str
        ``"xfail"`` (run, and it must fail: strict) or ``"skip"`` (not run,
        for a test whose failure would hang or disturb the others).
    reason : str
        Why; starts with :data:`PENDING_FIX` for a fault to be fixed.
    loops : tuple of str
        The event loops it applies to (default: all of :data:`LOOPS`).
    contexts : tuple of str
        Where the jobs run: "thread", "process", "dask" (default: all three).
    """

    test: str
    action: str
    reason: str
    loops: tuple[str, ...] = LOOPS
    #: The contexts it applies to: "thread", "process", "dask".
    contexts: tuple[str, ...] = ("thread", "process", "dask")

    def __post_init__(self) -> None:
        if self.action not in ("xfail", "skip"):
            msg = f"action must be 'xfail' or 'skip', not {self.action!r} ({self.test})"
            raise ValueError(msg)
        unknown = set(self.loops) - set(LOOPS)
        if unknown:
            msg = f"unknown loop(s) {sorted(unknown)} for {self.test}; the loops are {LOOPS}"
            raise ValueError(msg)

    @property
    def mixin(self) -> str:
        """The mixin class's name."""
        return self.test.partition(".")[0]

    @property
    def method(self) -> str:
        """The test method's name."""
        return self.test.partition(".")[2]

    @property
    def deliberate(self) -> bool:
        """True for a deliberate difference, False for a fault waiting for a fix."""
        return not self.reason.startswith(PENDING_FIX)


#: The table.
DIFFERENCES: tuple[Difference, ...] = (
    Difference(
        "TraitsExecutorTests.test_submit_from_background_thread",
        "xfail",
        "traits_jobs lets any thread submit a job (the future's traits still change "
        "on the main thread only); traits-futures raised RuntimeError off the main thread",
    ),
    Difference(
        "BackgroundProgressTests.test_progress_allows_cancellation",
        "skip",
        "on a Dask cluster a cancel reaches the job through the scheduler, and an event "
        "set right after it can overtake it: the job may pass one more progress report "
        "(it stops at the next checkpoint, and the future ends cancelled all the same)",
        contexts=("dask",),
    ),
    Difference(
        "BackgroundIterationTests.test_prompt_result_deletion",
        "skip",
        "lead: on a Dask cluster in this process, the pool's listener thread holds the item "
        "it hands to the router until router.send() returns; with the scheduler, workers and "
        "IO loop competing for the GIL, the test's check can fall in that instant (the item "
        "is released a moment later). Processes pass it.",
        contexts=("dask",),
    ),
)
