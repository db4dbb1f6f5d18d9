# SPDX-License-Identifier: BSD-3-Clause
"""The executor: submission, bookkeeping, stop and shutdown."""
