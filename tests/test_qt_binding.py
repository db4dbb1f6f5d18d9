# SPDX-License-Identifier: BSD-3-Clause
"""Regression checks of the Qt binding and of where Qt is imported."""

import os
import subprocess
import sys

# A worker thread emits many queued cross-thread signals to a main-thread
# slot. PySide6 6.12.0 on Python 3.11 aborts the interpreter ("Fatal Python
# error: bool_dealloc") after a few hundred such emits; in a subprocess the
# abort becomes a readable test failure instead of killing the test run.
SIGNAL_STORM = """
import threading
from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot, Qt

COUNT = 5000

class Emitter(QObject):
    value = Signal(object)
    flag = Signal(bool)

class Receiver(QObject):
    def __init__(self):
        super().__init__()
        self.values = 0
        self.flags = 0

    @Slot(object)
    def on_value(self, value):
        self.values += 1
        self.check()

    @Slot(bool)
    def on_flag(self, flag):
        self.flags += 1
        self.check()

    def check(self):
        if self.values == COUNT and self.flags == COUNT:
            app.quit()

app = QCoreApplication([])
receiver = Receiver()
emitter = Emitter()
emitter.value.connect(receiver.on_value, Qt.QueuedConnection)
emitter.flag.connect(receiver.on_flag, Qt.QueuedConnection)

def storm():
    for i in range(COUNT):
        emitter.value.emit(i)
        emitter.flag.emit(i % 2 == 0)

thread = threading.Thread(target=storm)
QTimer.singleShot(0, thread.start)
QTimer.singleShot(60_000, app.quit)
app.exec()
thread.join(10)
print(receiver.values, receiver.flags)
"""


def test_many_cross_thread_signal_emits_survive():
    """10,000 queued cross-thread emits are all delivered without a crash."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", SIGNAL_STORM],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"the Qt binding crashed:\n{result.stderr[-2000:]}"
    assert result.stdout.split() == ["5000", "5000"]


def test_importing_the_api_does_not_import_qt():
    """traits_jobs.api can be used on asyncio without importing Qt."""
    code = (
        "import sys, traits_jobs.api\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide', 'PyQt'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_only_one_module_imports_qt():
    """No module of traits_jobs but _qt.py imports Qt; the others import it from there."""
    import traits_jobs

    root = os.path.dirname(traits_jobs.__file__)
    offenders = []
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if not name.endswith(".py") or path == os.path.join(root, "_qt.py"):
                continue
            with open(path, encoding="utf-8") as source:
                for line in source:
                    stripped = line.strip()
                    if stripped.startswith(("import", "from")) and (
                        "pyface.qt" in stripped or "PySide" in stripped or "PyQt" in stripped
                    ):
                        offenders.append(f"{path}: {stripped}")
    assert offenders == []
