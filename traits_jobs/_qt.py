# SPDX-License-Identifier: BSD-3-Clause
"""The one place where traits_jobs imports Qt.

Qt is reached through :mod:`pyface.qt`, so traits_jobs uses the same binding
as the application's TraitsUI views. Importing this module needs a Qt
binding; the core of traits_jobs imports it only for the Qt event loop.
"""

from pyface.qt import QtCore, QtGui, QtWidgets

__all__ = ["QtCore", "QtGui", "QtWidgets"]
