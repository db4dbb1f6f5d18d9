# SPDX-License-Identifier: BSD-3-Clause
"""The interface every future provides."""

import abc


class IFuture(abc.ABC):
    """What every future offers: a state, ``cancellable``, ``done``, ``cancel()``.

    :class:`~traits_jobs.api.BaseFuture` provides it; see there for the
    meaning of each member.
    """

    state: str
    cancellable: bool
    done: bool

    @abc.abstractmethod
    def cancel(self) -> bool:
        """Request cancellation; True if the request had an effect."""
