# SPDX-License-Identifier: BSD-3-Clause
"""Background jobs for Traits/TraitsUI applications.

Import the public API from :mod:`traits_jobs.api`; every other module is private.
"""

__version__ = "0.1.0.dev0"
