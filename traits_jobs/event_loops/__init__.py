# SPDX-License-Identifier: BSD-3-Clause
"""Event loops: "call this soon on the main thread", for Qt, asyncio and by hand.

Only :mod:`traits_jobs.event_loops.qt` imports Qt.
"""
