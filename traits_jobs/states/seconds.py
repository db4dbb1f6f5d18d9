# SPDX-License-Identifier: BSD-3-Clause
"""Durations given to the library: one check, one wording of its errors."""

import math


def check_seconds(option: str, value: object, *, allow_none: bool) -> float | None:
    """Return ``value`` as seconds; raise naming ``option`` if it is not a valid duration.

    Where None is allowed it means "no limit", and so does infinity, which
    is returned as None. Elsewhere a duration must be finite.

    Raises
    ------
    TypeError
        If ``value`` is not a number (bools are not numbers here), nor an
        allowed None.
    ValueError
        If it is negative, NaN, or infinite where None is not allowed.
    """
    if value is None and allow_none:
        return None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if not is_number or not value >= 0 or (value == math.inf and not allow_none):  # type: ignore[operator]
        expected = (
            "a non-negative number of seconds or None"
            if allow_none
            else "a finite, non-negative number of seconds"
        )
        msg = f"{option} must be {expected}, not {value!r}"
        raise ValueError(msg) if is_number else TypeError(msg)
    seconds = float(value)  # type: ignore[arg-type]
    return None if seconds == math.inf else seconds
