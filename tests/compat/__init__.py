# SPDX-License-Identifier: BSD-3-Clause
"""traits-futures 0.3.1's own contract tests, run against traits_jobs.api."""
