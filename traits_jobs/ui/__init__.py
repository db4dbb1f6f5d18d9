# SPDX-License-Identifier: BSD-3-Clause
"""TraitsUI and Qt components for traits_jobs futures and executors.

Import them from :mod:`traits_jobs.ui.api`. This package needs TraitsUI and a
Qt binding; the core of traits_jobs does not.
"""
