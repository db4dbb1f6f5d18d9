# SPDX-License-Identifier: BSD-3-Clause
"""The submit methods of traits-futures 0.2, deprecated there and here."""

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from traits_jobs.jobs.i_task_specification import Submitter


def _deprecated(method: str) -> str:
    # traits-futures' wording first, for code that filters the warning by its text.
    return f"The {method} method is deprecated; use {method}(executor, ...) instead."


class DeprecatedSubmitMethods:
    """``executor.submit_call(fn, ...)`` and friends: use ``submit_call(executor, fn, ...)``."""

    def submit_call(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Deprecated: use ``submit_call(executor, fn, ...)``."""
        from traits_jobs.jobs.call import submit_call

        warnings.warn(_deprecated("submit_call"), DeprecationWarning, stacklevel=2)
        return submit_call(cast("Submitter", self), fn, *args, **kwargs)

    def submit_iteration(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Deprecated: use ``submit_iteration(executor, fn, ...)``."""
        from traits_jobs.jobs.iteration import submit_iteration

        warnings.warn(_deprecated("submit_iteration"), DeprecationWarning, stacklevel=2)
        return submit_iteration(cast("Submitter", self), fn, *args, **kwargs)

    def submit_progress(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        """Deprecated: use ``submit_progress(executor, fn, ...)``."""
        from traits_jobs.jobs.progress import submit_progress

        warnings.warn(_deprecated("submit_progress"), DeprecationWarning, stacklevel=2)
        return submit_progress(cast("Submitter", self), fn, *args, **kwargs)
