# SPDX-License-Identifier: BSD-3-Clause
"""The demo's tour in a real X server (Xvfb), not the offscreen platform.

Skipped, with the reason, where no X server can be started: Xvfb comes from
Debian's ``xvfb`` package, which ``.ci/run`` installs where it can.
"""

import os
import selectors
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from traits_jobs._qt import QtGui

XVFB = shutil.which("Xvfb")
START_TIMEOUT = 30
TOUR_TIMEOUT = 240


@pytest.fixture
def x_display() -> Iterator[str]:
    """Start Xvfb on a free display number; yield the DISPLAY value."""
    if XVFB is None:
        pytest.skip("no X server: Xvfb is not installed (Debian package 'xvfb')")
    read_fd, write_fd = os.pipe()
    # -displayfd: Xvfb picks a free display and writes its number once it
    # accepts connections, so there is nothing to poll or sleep for.
    server = subprocess.Popen(
        [XVFB, "-displayfd", str(write_fd), "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.close(write_fd)
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(read_fd, selectors.EVENT_READ)
            readable = selector.select(timeout=START_TIMEOUT)
        number = os.read(read_fd, 64).decode().strip() if readable else ""
        if not number:
            server.kill()
            _, err = server.communicate(timeout=START_TIMEOUT)
            pytest.skip(f"Xvfb could not start: {err.decode(errors='replace')[-300:]}")
        yield f":{number}"
    finally:
        os.close(read_fd)
        server.terminate()
        try:
            server.wait(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=START_TIMEOUT)
        if server.stderr is not None:
            server.stderr.close()


def test_demo_tour_runs_in_a_real_x_server(x_display: str, tmp_path: Path) -> None:
    """``python -m traits_jobs.demo --tour`` on xcb: exits 0 and saves real screenshots."""
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY")}
    env["DISPLAY"] = x_display
    shots = tmp_path / "shots"
    run = subprocess.run(
        [sys.executable, "-m", "traits_jobs.demo", "--tour", "--screenshots", str(shots)],
        env=env,
        capture_output=True,
        text=True,
        timeout=TOUR_TIMEOUT,
        check=False,
    )
    output = run.stdout + run.stderr
    if "Could not load the Qt platform plugin" in output:
        pytest.skip(f"Qt's xcb platform cannot load here (missing X libraries): {output[-400:]}")
    assert run.returncode == 0, output
    assert "xcb" in output, "the tour should say which Qt platform it ran on"
    images = sorted(shots.glob("*.png"))
    assert images, output
    for path in images:
        image = QtGui.QImage(str(path))
        assert not image.isNull() and image.width() > 100, path
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 7)
            for y in range(0, image.height(), 7)
        }
        assert len(colours) > 10, f"{path.name} looks blank"
