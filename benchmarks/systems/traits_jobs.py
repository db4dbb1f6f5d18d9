# SPDX-License-Identifier: BSD-3-Clause
"""traits_jobs: the library under test."""

from benchmarks.systems._traits_api import TraitsApiAdapter


class TraitsJobsAdapter(TraitsApiAdapter):
    """``traits_jobs.api.TraitsExecutor`` on ``traits_jobs.api.QtEventLoop``.

    The process measure uses ``traits_jobs.api.MultiprocessingContext`` as soon
    as the API has one (until then it is reported as "n/a"). Only this system
    has resource claims (the ``admission`` measure).
    """

    distribution = "traits_jobs"
    api_module = "traits_jobs.api"
    qt_event_loop = "traits_jobs.api:QtEventLoop"
    coalesce_keyword = "coalesce_progress"
    resource_claims = True
