# SPDX-License-Identifier: BSD-3-Clause
"""Contexts: where jobs run (threads now; processes and Dask later)."""
