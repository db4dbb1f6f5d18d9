# SPDX-License-Identifier: BSD-3-Clause
"""Benchmarks of traits_jobs. Not part of the installed package."""
