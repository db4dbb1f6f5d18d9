# SPDX-License-Identifier: BSD-3-Clause
"""The one place where traits_jobs imports Qt.

Qt is reached through :mod:`pyface.qt`, so traits_jobs uses the same binding
as the application's TraitsUI views. Importing this module needs a Qt
binding; the core of traits_jobs imports it only for the Qt event loop.
"""

import importlib

from pyface.qt import QtCore, QtGui, QtWidgets, qt_api

__all__ = ["QtCore", "QtGui", "QtWidgets", "is_alive"]

if qt_api.startswith("pyside"):
    _shiboken = importlib.import_module("shiboken6" if qt_api == "pyside6" else "shiboken2")
    _is_valid = _shiboken.isValid
else:
    _sip = importlib.import_module(f"{'PyQt6' if qt_api == 'pyqt6' else 'PyQt5'}.sip")

    def _is_valid(obj: object) -> bool:
        return not _sip.isdeleted(obj)


def is_alive(obj: QtCore.QObject) -> bool:
    """False once the C++ object behind ``obj`` was deleted (with its QApplication, say)."""
    return bool(_is_valid(obj))
