# SPDX-License-Identifier: BSD-3-Clause
"""The event-loop seam: Qt, asyncio, manual and the ETS choice."""

import asyncio
import os
import subprocess
import sys
import threading

import pytest

from traits_jobs.api import AsyncioEventLoop, ETSEventLoop, IEventLoop, ManualEventLoop
from traits_jobs.testing import SAFETY_TIMEOUT


@pytest.fixture(params=["qt", "asyncio", "manual"])
def event_loop(request):
    """Each kind of event loop, started, and closed after the test."""
    if request.param == "qt":
        request.getfixturevalue("qapp")
        from traits_jobs.api import QtEventLoop

        loop = QtEventLoop()
    elif request.param == "asyncio":
        loop = AsyncioEventLoop()
    else:
        loop = ManualEventLoop()
    loop.start()
    yield loop
    loop.close()


def test_callbacks_from_threads_run_on_the_main_thread_in_order(event_loop):
    """Callbacks posted from a worker run on the main thread, in posting order."""
    seen = []

    def post_all():
        for i in range(200):
            event_loop.call_soon_threadsafe(
                lambda i=i: seen.append((i, threading.current_thread()))
            )

    thread = threading.Thread(target=post_all)
    thread.start()
    thread.join(SAFETY_TIMEOUT)
    assert event_loop.run_until(lambda: len(seen) == 200, SAFETY_TIMEOUT)
    assert [i for i, _ in seen] == list(range(200))
    assert {t for _, t in seen} == {threading.main_thread()}


def test_run_until_returns_at_once_when_condition_holds(event_loop):
    """run_until with a true condition returns True without running anything."""
    ran = []
    event_loop.call_soon_threadsafe(lambda: ran.append(1))
    assert event_loop.run_until(lambda: True, SAFETY_TIMEOUT) is True
    assert ran == []
    assert event_loop.run_until(lambda: bool(ran), SAFETY_TIMEOUT)


def test_run_until_times_out(event_loop):
    """run_until returns False when the condition never holds."""
    assert event_loop.run_until(lambda: False, 0.02) is False


def test_failing_callback_is_logged_and_others_run(event_loop, caplog):
    """An exception in one callback is logged; the next callback still runs."""
    ran = []
    event_loop.call_soon_threadsafe(lambda: 1 / 0)
    event_loop.call_soon_threadsafe(lambda: ran.append(True))
    assert event_loop.run_until(lambda: bool(ran), SAFETY_TIMEOUT)
    assert "ZeroDivisionError" in caplog.text


def test_every_loop_implements_the_interface(event_loop):
    """Each loop is an IEventLoop."""
    assert isinstance(event_loop, IEventLoop)


def test_manual_loop_runs_nothing_until_asked():
    """The manual loop runs callbacks only in run_pending, not those they post."""
    loop = ManualEventLoop()
    seen = []
    loop.call_soon_threadsafe(
        lambda: (seen.append(1), loop.call_soon_threadsafe(lambda: seen.append(2)))
    )
    assert seen == []
    assert loop.run_pending() == 1
    assert seen == [1]
    assert loop.run_pending() == 1
    assert seen == [1, 2]


def test_asyncio_run_until_refuses_a_running_loop():
    """run_until inside the running asyncio loop raises a clear RuntimeError."""
    loop = AsyncioEventLoop()
    errors = []

    async def inside():
        try:
            loop.run_until(lambda: False, 0.01)
        except RuntimeError as error:
            errors.append(str(error))

    loop.event_loop.run_until_complete(inside())
    loop.close()
    assert "already running" in errors[0]


def test_asyncio_loop_passed_in_is_not_closed():
    """An asyncio loop given to AsyncioEventLoop is left open by close()."""
    raw = asyncio.new_event_loop()
    loop = AsyncioEventLoop(event_loop=raw)
    loop.close()
    assert not raw.is_closed()
    raw.close()


def test_asyncio_loop_rejects_a_non_loop():
    """AsyncioEventLoop(event_loop=...) with something else raises TypeError."""
    with pytest.raises(TypeError, match=r"asyncio\.AbstractEventLoop, not str"):
        AsyncioEventLoop(event_loop="loop")


def test_qt_loop_refuses_callbacks_before_start(qapp):
    """A Qt loop that was not started says so instead of losing the callback."""
    from traits_jobs.api import QtEventLoop

    with pytest.raises(RuntimeError, match="not started"):
        QtEventLoop().call_soon_threadsafe(lambda: None)


def test_qt_loop_must_start_on_the_main_thread(qapp):
    """Starting a Qt loop on a worker thread raises: no Qt object is made there."""
    from traits_jobs.api import QtEventLoop

    loop = QtEventLoop()
    errors = []

    def start():
        try:
            loop.start()
        except RuntimeError as error:
            errors.append(str(error))

    thread = threading.Thread(target=start, name="not-main")
    thread.start()
    thread.join(SAFETY_TIMEOUT)
    assert "main thread" in errors[0]


def _chosen_loop(toolkit, prelude=""):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("ETS_TOOLKIT", None)
    if toolkit is not None:
        env["ETS_TOOLKIT"] = toolkit
    code = prelude + (
        "from traits_jobs.api import ETSEventLoop\n"
        "try:\n"
        "    print(type(ETSEventLoop().toolkit_event_loop).__name__)\n"
        "except RuntimeError as error:\n"
        "    print('RuntimeError', error)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize(
    ("toolkit", "expected"),
    [
        ("qt", "QtEventLoop"),
        ("qt4", "QtEventLoop"),
        ("null", "AsyncioEventLoop"),
        (None, "QtEventLoop"),
    ],
)
def test_ets_event_loop_follows_ets_toolkit(toolkit, expected):
    """ETS_TOOLKIT picks the loop; unset, Qt wins when installed."""
    assert _chosen_loop(toolkit) == expected


def test_ets_event_loop_falls_back_to_asyncio_without_a_qt_binding():
    """Unset ETS_TOOLKIT and no Qt binding: asyncio, although pyface is installed."""
    hide = (
        "import sys\n"
        "for name in ('PySide6', 'PyQt6', 'PyQt5', 'PySide2'):\n"
        "    sys.modules[name] = None\n"
    )
    assert _chosen_loop(None, prelude=hide) == "AsyncioEventLoop"


def test_ets_event_loop_rejects_an_unknown_toolkit():
    """An unsupported ETS_TOOLKIT value raises, naming the value and the choices."""
    output = _chosen_loop("wx")
    assert output.startswith("RuntimeError ETS_TOOLKIT='wx' is not supported")
    assert "qt" in output and "asyncio" in output


def test_ets_choice_is_cached():
    """The same concrete loop is returned every time."""
    loop = ETSEventLoop()
    assert loop.toolkit_event_loop is loop.toolkit_event_loop
