# SPDX-License-Identifier: BSD-3-Clause
"""Configuration for every test under this directory (tests/ and docs/examples/).

Qt runs offscreen: the machines that run the tests have no display. Set
before anything imports Qt.
"""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ETS_TOOLKIT", "qt")
