# SPDX-License-Identifier: BSD-3-Clause
"""``python -m traits_jobs.demo [--tour] [--screenshots DIR] [--context CONTEXT [ADDRESS]]``.

With a display it opens the window and runs the Qt event loop until the
window closes. Without one (no ``DISPLAY`` nor ``WAYLAND_DISPLAY`` on Linux),
or with ``--tour``, it runs the scripted tour: offscreen when there is no
display, screenshots into ``DIR`` (default ``./traits_jobs_demo_screenshots``).
CONTEXT is thread (the default), process or dask. ``--context process``
runs the analysis in a worker process; ``--context
dask`` on a Dask LocalCluster, ``--context dask ADDRESS`` on the cluster of
the scheduler at ADDRESS.

With a display whose Qt platform plugin cannot start (on Linux, "Could not
load the Qt platform plugin xcb" when the system's xcb libraries are
missing), Qt would abort the process. So before the window opens, a child
process starts a ``QApplication`` (:func:`platform_plugin_error`); if that
fails, the demo says so in one line and runs the tour offscreen instead.

Worker processes start with "spawn": each imports what it needs afresh.
``python -m`` runs this file as ``__main__``; a worker does not run it again
(it skips a package's ``__main__`` module), and were this file run by its
path, the guard at the bottom would keep a worker from starting the demo.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from traits_jobs.demo.processes import CONTEXTS

#: Where the tour's screenshots go (traits_jobs.demo.tour.DEFAULT_SCREENSHOTS); not
#: imported from there, so that nothing imports Qt before QT_QPA_PLATFORM is set.
DEFAULT_SCREENSHOTS = Path("traits_jobs_demo_screenshots")

#: Seconds the executor may take to stop once the window has closed.
SHUTDOWN_TIMEOUT = 10.0

#: Seconds the child process that tries the Qt platform plugin may take.
PROBE_TIMEOUT = 60.0

#: What the child process runs: make a QApplication on the platform Qt picks.
_PROBE = "from traits_jobs._qt import QtWidgets; QtWidgets.QApplication([])"

#: The Debian/Ubuntu packages Qt's xcb platform plugin needs (README, .ci/run).
XCB_PACKAGES = (
    "libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 "
    "libxcb-render-util0 libxcb-shape0 libxcb-xkb1 libxkbcommon-x11-0"
)


def has_display() -> bool:
    """Whether a window can be shown: Windows and macOS always, else X11 or Wayland."""
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def platform_plugin_error(timeout: float = PROBE_TIMEOUT) -> str | None:
    """Why Qt cannot start on this display, in one line; None if it can.

    Tries in a child process, with this process's environment: a platform
    plugin that fails to load aborts the process that loads it.
    """
    try:
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"starting a QApplication took more than {timeout:g} s"
    if probe.returncode == 0:
        return None
    lines = [line.strip() for line in probe.stderr.splitlines() if line.strip()]
    # The plugin's own complaint ("qt.qpa.xcb: could not connect to display
    # :1"), if any, then Qt's verdict ("Could not load the Qt platform plugin").
    cause = next((x for x in lines if x.startswith("qt.qpa.") and "platform plugin" not in x), None)
    verdict = next((x for x in lines if "Could not load" in x or "Could not find" in x), None)
    found = [line for line in (cause, verdict) if line is not None]
    if found:
        return "; ".join(found)
    return lines[-1] if lines else f"exit status {probe.returncode}"


def fallback_hint(reason: str) -> str:
    """The one line printed when the window cannot open and the tour runs instead.

    It names the packages Qt's xcb plugin needs when that plugin failed to
    load, not when it loaded and found no X server.
    """
    hint = f"The window cannot open ({reason}): running the scripted tour offscreen instead."
    if "xcb" in reason and "could not connect" not in reason:
        hint += f" On Debian or Ubuntu, Qt's xcb plugin needs: apt-get install {XCB_PACKAGES}"
    return hint


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line's options."""
    parser = argparse.ArgumentParser(
        prog="python -m traits_jobs.demo",
        description="Drive a simulated instrument with traits_jobs background jobs.",
    )
    parser.add_argument(
        "--tour", action="store_true", help="run the scripted tour even with a display"
    )
    parser.add_argument(
        "--screenshots",
        type=Path,
        default=DEFAULT_SCREENSHOTS,
        metavar="DIR",
        help=f"folder for the tour's screenshots (default: ./{DEFAULT_SCREENSHOTS})",
    )
    parser.add_argument(
        "--context",
        nargs="+",
        default=["thread"],
        metavar=("{" + ",".join(CONTEXTS) + "}", "ADDRESS"),
        help="where the analysis runs: on a worker thread (default), in a worker process, "
        "or on a Dask cluster (a LocalCluster, or the scheduler at ADDRESS)",
    )
    args = parser.parse_args(argv)
    kind, *address = args.context
    if kind not in CONTEXTS:
        parser.error(f"--context: choose from {', '.join(CONTEXTS)}, not {kind!r}")
    if address and (kind != "dask" or len(address) > 1):
        parser.error("--context: only 'dask' takes an address, and one at most")
    args.context, args.address = kind, (address[0] if address else "")
    return args


def missing_demo_packages() -> list[str]:
    """The packages of the ``demo`` extra that are not installed."""
    return [name for name in ("pyqtgraph", "numpy") if importlib.util.find_spec(name) is None]


def open_window(context: str = "thread", address: str = "") -> int:
    """Show the demo window until it closes; stop the executors. Returns 0.

    ``context`` is where the analysis runs: "thread", "process" or "dask"
    (on the cluster of the scheduler at ``address``, or a LocalCluster).
    """
    from pyface.api import GUI

    from traits_jobs.api import QtEventLoop, TraitsExecutor
    from traits_jobs.demo.app import DemoApp

    gui = GUI()
    executor = TraitsExecutor(event_loop=QtEventLoop())
    demo = DemoApp(executor, context=context, dask_address=address)
    try:
        demo.edit_traits()
        gui.start_event_loop()
    finally:
        # Closing the window stopped the executors (DemoCloseHandler); wait
        # for the cancelled jobs to end. dispose() shuts the executor on
        # worker processes down, waiting for its process to exit.
        executor.shutdown(timeout=SHUTDOWN_TIMEOUT)
        demo.dispose()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the demo; return the exit status."""
    args = parse_args(argv)
    missing = missing_demo_packages()
    if missing:
        print(
            f"The demo needs {' and '.join(missing)}, which are not installed.\n"
            'Install the demo extra: pip install "traits_jobs[demo]"',
            file=sys.stderr,
        )
        return 1
    os.environ.setdefault("ETS_TOOLKIT", "qt")
    display = has_display()
    if not display:
        message = "No display found: running the scripted tour offscreen."
    elif os.environ.get("QT_QPA_PLATFORM") != "offscreen":
        reason = platform_plugin_error()
        if reason is not None:
            display, message = False, fallback_hint(reason)
    if not display:
        # Before anything imports Qt: it reads this when the application starts.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        print(message)
    elif not args.tour:
        return open_window(args.context, args.address)
    from traits_jobs.demo.tour import run_tour

    run_tour(args.screenshots, context=args.context, address=args.address)
    return 0


if __name__ == "__main__":
    sys.exit(main())
