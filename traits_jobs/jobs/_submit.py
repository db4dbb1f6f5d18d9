# SPDX-License-Identifier: BSD-3-Clause
"""Argument checks shared by the ``submit_*`` functions."""

from collections.abc import Callable
from typing import Any


def check_callable(function_name: str, fn: Callable[..., Any]) -> None:
    """Raise a TypeError naming ``function_name`` if ``fn`` is not callable."""
    if not callable(fn):
        msg = (
            f"{function_name}() expected a callable as its second argument, "
            f"got {type(fn).__name__}: {fn!r}"
        )
        raise TypeError(msg)
