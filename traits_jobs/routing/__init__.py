# SPDX-License-Identifier: BSD-3-Clause
"""Routing: one bounded queue per executor, drained on the main thread."""
